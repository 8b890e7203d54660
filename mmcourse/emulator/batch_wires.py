"""The three Batch APIs' wire formats, over the neutral jobs of ``batches``.

* **OpenAI** ``/v1/batches`` (OpenAPI ``CreateBatchRequest``, ``Batch``, 2026-08): a JSONL file
  uploaded with ``purpose: "batch"``, lines ``{"custom_id", "method": "POST", "url", "body"}``;
  ``validating -> in_progress -> finalizing -> completed`` (or ``failed``, ``expired``,
  ``cancelling -> cancelled``); results in an output file and an error file, one line per
  ``custom_id``.
* **Anthropic** ``/v1/messages/batches`` (anthropic-sdk-python ``types/messages``; batch-processing
  docs): ``processing_status`` ``in_progress -> ended`` (``canceling``), five request counts,
  ``results_url`` serving JSONL ``{"custom_id", "result": {"type": "succeeded" | "errored" |
  "canceled" | "expired", ...}}``; ``usage.service_tier`` is ``"batch"``.
* **Gemini** ``models/{m}:batchGenerateContent`` (python-genai ``batches.py``; batch-mode docs):
  an Operation ``batches/{id}`` whose ``metadata.state`` goes ``BATCH_STATE_PENDING -> RUNNING ->
  SUCCEEDED`` (``FAILED``, ``CANCELLED``, ``EXPIRED``), results inline
  (``inlinedResponses.inlinedResponses``) or in a JSONL file (``responsesFile``); counts are
  int64 strings.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import Any

from mmcourse.emulator import anthropic_common, batches, gemini_common, openai_common
from mmcourse.emulator.batches import ItemResult, Job
from mmcourse.emulator.routes import path_convertor
from mmcourse.emulator.state import StoredFile, StoreFull
from mmcourse.emulator.wire import Call, Reply, stable_token

JSONL = "application/jsonl"
# Batch ids as each provider prints them; another id on a batch path is no route (each wire's 404).
path_convertor("openai_batch_id", r"batch_[^/]+")
path_convertor("anthropic_batch_id", r"msgbatch_[^/]+")
path_convertor("gemini_batch_file", r"batch-[a-z0-9-]+")  # a batch's generated result file
HEX = "0123456789abcdef"


_LINE = json.JSONEncoder(separators=(",", ":")).encode  # one encoder for every line of a file


def _jsonl(lines: list[dict]) -> bytes:
    return "".join(_LINE(line) + "\n" for line in lines).encode()


def _batch_request_id(job_id: str, custom_id: str) -> str:
    """``batch_req_`` and 32 hex digits, stable for the job and the line (one SHA-256 per line)."""
    digest = hashlib.sha256(f"{job_id}\x1f{custom_id}".encode("utf-8", "surrogatepass")).hexdigest()
    return "batch_req_" + digest[:32]


def _store(call: Call, provider: str, file_id: str, name: str, data: bytes, purpose: str) -> StoredFile:
    try:
        return call.state.add_file(StoredFile(id=file_id, provider=provider, scope=call.scope, filename=name,
                                              mime=JSONL, data=data, created=time.time(), purpose=purpose,
                                              display_name=name))
    except StoreFull as exc:
        from mmcourse.emulator.wire import ApiError

        raise ApiError(500, f"The batch results could not be stored: {exc}.", type="server_error") from None


# =============================================================================================
# OpenAI
# =============================================================================================
OPENAI_ENDPOINTS = ("/v1/responses", "/v1/chat/completions", "/v1/embeddings", "/v1/completions",
                    "/v1/moderations", "/v1/images/generations", "/v1/images/edits", "/v1/videos")
OPENAI_PARAMS = frozenset({"input_file_id", "endpoint", "completion_window", "metadata", "output_expires_after"})
OPENAI_MAX_REQUESTS = 50_000  # per batch (OpenAI batch guide)
OPENAI_EXPIRED = {"code": "batch_expired",
                  "message": "This request could not be executed before the completion window expired."}


class OpenAIBatches:
    """``POST/GET /v1/batches``, ``GET /v1/batches/{id}``, ``POST /v1/batches/{id}/cancel``."""

    def __init__(self, wire: Any, body_limit: int) -> None:
        self.wire = wire
        one = "/v1/batches/{batch_id:openai_batch_id}"
        self.routes = [
            ("POST", "/v1/batches", self.create, body_limit),
            ("GET", "/v1/batches", self.list, body_limit),
            ("GET", one, self.retrieve, body_limit),
            ("POST", one + "/cancel", self.cancel, body_limit),
        ]

    def create(self, call: Call) -> Reply:
        _error, _invalid_value, _missing = (openai_common._error, openai_common._invalid_value, openai_common._missing)

        body = self.wire._json_body(call)
        unknown = sorted(set(body) - OPENAI_PARAMS)
        if unknown:
            raise _error(400, f"Unrecognized request argument supplied: {unknown[0]}")
        for name in ("input_file_id", "endpoint", "completion_window"):
            if body.get(name) in (None, ""):
                raise _missing(name)
        if body["endpoint"] not in OPENAI_ENDPOINTS:
            raise _invalid_value("endpoint", body["endpoint"], OPENAI_ENDPOINTS)
        if body["completion_window"] != "24h":
            raise _invalid_value("completion_window", body["completion_window"], ("24h",))
        stored = call.state.get_file("openai", str(body["input_file_id"]))
        if stored is None:
            raise _error(404, f"No such File object: {body['input_file_id']}", "input_file_id")
        if stored.purpose != "batch":  # wording UNCONFIRMED
            raise _error(400, f"The file {stored.id} has purpose '{stored.purpose}': a batch input file "
                         "must be uploaded with purpose 'batch'.", "input_file_id", "invalid_value")
        items, errors = _openai_lines(stored.data, body["endpoint"])
        count = call.state.next_count(call.scope)
        job = batches.new_job(call, "batch_" + stable_token(call.scope, count, stored.id, length=32, alphabet=HEX),
                              items, endpoint=body["endpoint"], input_file_id=stored.id,
                              metadata=body.get("metadata") or {}, errors=errors)
        if errors:
            job.outcome = job.outcome or "invalid"
        return Reply(self._object(call, job))

    def _object(self, call: Call, job: Job) -> dict:
        """The Batch object at this moment (every ``*_at`` key present, null until reached)."""
        stage = job.stage()
        times = dict.fromkeys(("in_progress_at", "expires_at", "finalizing_at", "completed_at", "failed_at",
                               "expired_at", "cancelling_at", "cancelled_at"))
        times["expires_at"] = int(job.created + 24 * 3600)
        status, errors, out_id, err_id, usage = "validating", None, None, None, None
        total = len(job.items) if stage >= 1 or job.outcome is None else 0
        counts = {"total": total, "completed": 0, "failed": 0}
        if job.cancelled_at is not None and job.results is None:
            times["cancelling_at"] = int(job.cancelled_at)
            status = "cancelling"
            if job.cancel_done():
                status, times["cancelled_at"] = "cancelled", int(job.cancelled_at + job.seconds_per_stage)
        elif job.outcome in ("invalid", "failed") and stage >= 1:
            status, times["failed_at"] = "failed", int(job.at(1))
            errors = {"object": "list", "data": job.meta["errors"] or [{
                "code": "batch_failed", "line": None, "param": None,
                "message": "This batch failed: an outcome injected with the mmcourse emulator's "
                           "POST /_mmcourse/batches."}]}
            counts = {"total": 0, "completed": 0, "failed": 0}
        elif job.outcome == "expired" and stage >= 2:
            times["in_progress_at"] = int(job.at(1))
            status, times["expired_at"] = "expired", int(job.at(2))
            err_id = self._files(call, job, expired=True)[1]
            counts["failed"] = len(job.items)
        elif stage >= 1 and job.outcome != "invalid":
            times["in_progress_at"] = int(job.at(1))
            status = "in_progress"
            if stage >= 2 and job.outcome is None:
                status, times["finalizing_at"] = "finalizing", int(job.at(2))
            if stage >= 3 and job.outcome is None:
                status, times["completed_at"] = "completed", int(job.at(3))
                out_id, err_id = self._files(call, job)
                results = job.results or []
                counts = {"total": len(results), "completed": sum(r.ok for r in results),
                          "failed": sum(not r.ok for r in results)}
                usage = _openai_batch_usage(results)
        body = {"id": job.id, "object": "batch", "endpoint": job.meta["endpoint"], "errors": errors,
                "input_file_id": job.meta["input_file_id"], "completion_window": "24h", "status": status,
                "output_file_id": out_id, "error_file_id": err_id, "created_at": int(job.created), **times,
                "request_counts": counts, "metadata": job.meta["metadata"]}
        if usage is not None:
            body["usage"] = usage
        return body

    def _files(self, call: Call, job: Job, expired: bool = False) -> tuple[str | None, str | None]:
        """The output and error files (made once; an output file only when some item succeeded)."""
        with job.lock:
            if "files" in job.meta:
                return job.meta["files"]
            if expired:
                lines_ok, lines_err = [], [{"id": _batch_request_id(job.id, key),
                                            "custom_id": key, "response": None, "error": OPENAI_EXPIRED}
                                           for key, _ in job.items]
            else:
                results = batches.run_items(job, self.wire, lambda body: ("POST", body["__url"]))
                lines = [{"id": _batch_request_id(job.id, r.key), "custom_id": r.key,
                          "response": {"status_code": r.status, "request_id": r.request_id, "body": r.body},
                          "error": None} for r in results]
                # Requests the endpoint refused go to the error file (which file: UNCONFIRMED).
                lines_ok = [x for x, r in zip(lines, results, strict=True) if r.ok]
                lines_err = [x for x, r in zip(lines, results, strict=True) if not r.ok]
            ids = []
            for kind, lines in (("output", lines_ok), ("error", lines_err)):
                if not lines:
                    ids.append(None)
                    continue
                fid = "file-" + stable_token(job.id, kind, length=22)
                _store(call, "openai", fid, f"batch_{job.id}_{kind}.jsonl", _jsonl(lines), "batch_output")
                ids.append(fid)
            job.meta["files"] = (ids[0], ids[1])
            return job.meta["files"]

    def _job(self, call: Call) -> Job:
        _error = openai_common._error

        job = batches.book(call.state).get("openai", call.params["batch_id"])
        if job is None:
            raise _error(404, f"No batch found with id '{call.params['batch_id']}'.", "batch_id")  # UNCONFIRMED
        return job

    def retrieve(self, call: Call) -> Reply:
        return Reply(self._object(call, self._job(call)))

    def cancel(self, call: Call) -> Reply:
        _error = openai_common._error

        job = self._job(call)
        status = self._object(call, job)["status"]
        if status in ("completed", "failed", "expired", "cancelled"):
            raise _error(409, f"Cannot cancel a batch with status '{status}'.")  # wording UNCONFIRMED
        if job.cancelled_at is None:
            job.cancelled_at = time.time()
        return Reply(self._object(call, job))

    def list(self, call: Call) -> Reply:
        jobs = batches.book(call.state).listed("openai", call.scope)
        after = call.query.get("after")
        if after in [j.id for j in jobs]:
            jobs = jobs[[j.id for j in jobs].index(after) + 1:]
        limit = max(1, min(100, int(call.query.get("limit", 20) or 20)))
        data = [self._object(call, j) for j in jobs[:limit]]
        return Reply({"object": "list", "data": data, "first_id": data[0]["id"] if data else None,
                      "last_id": data[-1]["id"] if data else None, "has_more": len(jobs) > limit})


def _openai_lines(data: bytes, endpoint: str) -> tuple[list[tuple[str, dict]], list[dict]]:
    """The items of a batch input file, and the validation errors (line numbers from 1).

    Error codes and wording are UNCONFIRMED (the facts name the checks, not their text).
    """
    items: list[tuple[str, dict]] = []
    errors: list[dict] = []
    seen: set[str] = set()

    def bad(line: int, code: str, message: str, param: str | None = None) -> None:
        errors.append({"code": code, "message": message, "param": param, "line": line})

    text = data.decode("utf-8", "replace")
    lines = [(n, raw) for n, raw in enumerate(text.splitlines(), 1) if raw.strip()]
    if not lines:
        bad(1, "empty_file", "The input file is empty: it needs one JSON request per line.")
    if len(lines) > OPENAI_MAX_REQUESTS:
        bad(1, "too_many_requests", f"The input file has {len(lines)} requests; a batch takes at most "
            f"{OPENAI_MAX_REQUESTS}.")
    for n, raw in lines:
        try:
            line = json.loads(raw)
        except ValueError:
            bad(n, "invalid_json_line", "This line is not parseable as valid JSON.")
            continue
        if not isinstance(line, dict) or not isinstance(line.get("custom_id"), str) or not line["custom_id"]:
            bad(n, "missing_required_parameter", "Each line needs a 'custom_id' string.", "custom_id")
            continue
        if line["custom_id"] in seen:
            bad(n, "duplicate_custom_id", "The custom_id for this request is a duplicate of another request. "
                "The custom_id parameter must be unique for each request in a batch.", "custom_id")
            continue
        if line.get("method") != "POST":
            bad(n, "invalid_method", "The method for each request must be 'POST'.", "method")
            continue
        if line.get("url") != endpoint:
            bad(n, "mismatched_url", f"The url for this request does not match the batch endpoint '{endpoint}'.",
                "url")
            continue
        if not isinstance(line.get("body"), dict):
            bad(n, "missing_required_parameter", "Each line needs a 'body' object.", "body")
            continue
        seen.add(line["custom_id"])
        items.append((line["custom_id"], {**line["body"], "__url": line["url"]}))
    return items, errors


def _openai_batch_usage(results: list[ItemResult]) -> dict:
    """The Batch object's ``usage`` (batches created after 2025-09-07): sums over its items."""
    inp = out = cached = reasoning = 0
    for r in results:
        usage = (r.body or {}).get("usage") if r.ok and isinstance(r.body, dict) else None
        if not usage:
            continue
        inp += usage.get("prompt_tokens", usage.get("input_tokens", 0))
        out += usage.get("completion_tokens", usage.get("output_tokens", 0))
        details = usage.get("prompt_tokens_details") or usage.get("input_tokens_details") or {}
        cached += details.get("cached_tokens", 0)
        out_details = usage.get("completion_tokens_details") or usage.get("output_tokens_details") or {}
        reasoning += out_details.get("reasoning_tokens", 0)
    return {"input_tokens": inp, "input_tokens_details": {"cached_tokens": cached}, "output_tokens": out,
            "output_tokens_details": {"reasoning_tokens": reasoning}, "total_tokens": inp + out}


# =============================================================================================
# Anthropic
# =============================================================================================
CUSTOM_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")
ANTHROPIC_MAX_REQUESTS = 100_000  # per batch (batch-processing docs)
ANTHROPIC_FAILED = {"type": "error", "error": {"type": "api_error", "message": "Internal server error"}}


def _cancelled_in_time(job: Job) -> bool:
    """Whether a cancel request came before the job would have ended by itself."""
    return job.cancelled_at is not None and job.cancelled_at < job.at(1)


class AnthropicBatches:
    """``/v1/messages/batches``: create, list, retrieve, cancel, delete, results."""

    def __init__(self, wire: Any, body_limit: int) -> None:
        self.wire = wire
        one = "/v1/messages/batches/{batch_id:anthropic_batch_id}"
        self.routes = [
            ("POST", "/v1/messages/batches", self.create, body_limit),
            ("GET", "/v1/messages/batches", self.list, body_limit),
            ("GET", one, self.retrieve, body_limit),
            ("POST", one + "/cancel", self.cancel, body_limit),
            ("DELETE", one, self.delete, body_limit),
            ("GET", one + "/results", self.results, body_limit),
        ]

    def create(self, call: Call) -> Reply:
        _invalid = anthropic_common._invalid

        body = self.wire._json_body(call)
        for name in sorted(set(body) - {"requests"}):
            raise _invalid(f"{name}: Extra inputs are not permitted")
        requests = body.get("requests")
        if requests is None:
            raise _invalid("requests: Field required")
        if not isinstance(requests, list):
            raise _invalid("requests: Input should be a valid list")
        if not requests:
            raise _invalid("requests: List should have at least 1 item after validation, not 0")
        if len(requests) > ANTHROPIC_MAX_REQUESTS:
            raise _invalid(f"requests: List should have at most {ANTHROPIC_MAX_REQUESTS} items after "
                           f"validation, not {len(requests)}")
        items: list[tuple[str, dict]] = []
        seen: set[str] = set()
        for i, request in enumerate(requests):
            if not isinstance(request, dict):
                raise _invalid(f"requests.{i}: Input should be a valid dictionary or object to extract fields from")
            cid = request.get("custom_id")
            if cid is None:
                raise _invalid(f"requests.{i}.custom_id: Field required")
            if not isinstance(cid, str) or not CUSTOM_ID.fullmatch(cid):
                raise _invalid(f"requests.{i}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'")
            if "params" not in request:
                raise _invalid(f"requests.{i}.params: Field required")
            if not isinstance(request["params"], dict):
                raise _invalid(f"requests.{i}.params: Input should be a valid dictionary or object to extract "
                               "fields from")
            if cid in seen:  # wording UNCONFIRMED
                raise _invalid(f"requests.{i}.custom_id: Duplicate custom_id '{cid}': each request in a batch "
                               "needs its own.")
            seen.add(cid)
            items.append((cid, request["params"]))
        call.request_json = batches.logged_batch(body, requests, lambda b, first: {**b, "requests": first})
        count = call.state.next_count(call.scope)
        job = batches.new_job(call, "msgbatch_01" + stable_token(call.scope, count, call.request_id, length=22), items)
        return Reply(self._object(job))

    def _object(self, job: Job) -> dict:
        _rfc3339 = anthropic_common._rfc3339

        cancelled = _cancelled_in_time(job)
        end = min(job.at(1), job.cancelled_at + job.seconds_per_stage) if cancelled else job.at(1)
        ended = time.time() >= end
        status = "ended" if ended else ("canceling" if cancelled else "in_progress")
        counts = dict.fromkeys(("processing", "succeeded", "errored", "canceled", "expired"), 0)
        if not ended:
            counts["processing"] = len(job.items)
        else:
            for result in self._lines(job):
                counts[result["result"]["type"]] += 1
        return {"id": job.id, "type": "message_batch", "processing_status": status, "request_counts": counts,
                "ended_at": _rfc3339(end) if ended else None,
                "created_at": _rfc3339(job.created), "expires_at": _rfc3339(job.created + 24 * 3600),
                "archived_at": None,
                "cancel_initiated_at": _rfc3339(job.cancelled_at) if job.cancelled_at is not None else None,
                "results_url": f"{job.origin}/v1/messages/batches/{job.id}/results" if ended else None}

    def _lines(self, job: Job) -> list[dict]:
        """One result line per request (computed once, when the batch ends)."""
        with job.lock:
            if "lines" in job.meta:
                return job.meta["lines"]
            if _cancelled_in_time(job):
                lines = [{"custom_id": k, "result": {"type": "canceled"}} for k, _ in job.items]
            elif job.outcome == "expired":
                lines = [{"custom_id": k, "result": {"type": "expired"}} for k, _ in job.items]
            elif job.outcome == "failed":
                lines = [{"custom_id": k, "result": {"type": "errored", "error": ANTHROPIC_FAILED}} for k, _ in job.items]
            else:
                lines = []
                for r in batches.run_items(job, self.wire, lambda body: ("POST", "/v1/messages")):
                    if r.ok:
                        message = {**r.body, "usage": {**r.body["usage"], "service_tier": "batch"}}
                        lines.append({"custom_id": r.key, "result": {"type": "succeeded", "message": message}})
                    else:
                        lines.append({"custom_id": r.key, "result": {"type": "errored", "error": r.body}})
            job.meta["lines"] = lines
            return lines

    def _job(self, call: Call) -> Job:
        _error = anthropic_common._error

        job = batches.book(call.state).get("anthropic", call.params["batch_id"])
        if job is None:
            raise _error(404, f"message_batch_id: {call.params['batch_id']} not found", "not_found_error")
        return job

    def retrieve(self, call: Call) -> Reply:
        return Reply(self._object(self._job(call)))

    def list(self, call: Call) -> Reply:
        _page = anthropic_common._page

        return Reply(_page(call, [self._object(j) for j in batches.book(call.state).listed("anthropic", call.scope)]))

    def cancel(self, call: Call) -> Reply:
        job = self._job(call)
        if job.cancelled_at is None and job.stage() < 1:
            job.cancelled_at = time.time()
        return Reply(self._object(job))

    def delete(self, call: Call) -> Reply:
        _invalid = anthropic_common._invalid

        job = self._job(call)
        if self._object(job)["processing_status"] != "ended":  # wording UNCONFIRMED
            raise _invalid(f"Message batch {job.id} is still processing: cancel it, then delete it once it "
                           "has ended.")
        batches.book(call.state).delete(job.id)
        return Reply({"id": job.id, "type": "message_batch_deleted"})

    def results(self, call: Call) -> Reply:
        _invalid = anthropic_common._invalid

        job = self._job(call)
        if self._object(job)["processing_status"] != "ended":  # wording UNCONFIRMED
            raise _invalid(f"Message batch {job.id} has not ended yet: its results are ready when "
                           "processing_status is 'ended'.")
        return Reply(raw=_jsonl(self._lines(job)), media_type="application/binary")


# =============================================================================================
# Gemini
# =============================================================================================
GEMINI_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main."
GEMINI_INLINE_LIMIT = 20 * 1024 * 1024  # inline requests in total (batch-mode docs)


def _snake_keys(value: Any) -> Any:
    """proto3 JSON takes camelCase and snake_case: the batch envelope's keys in snake_case."""
    if isinstance(value, dict):
        return {re.sub(r"(?<!^)(?=[A-Z])", "_", k).lower(): v for k, v in value.items()}
    return value


class GeminiBatches:
    """``models/{m}:batchGenerateContent`` and ``batches/{id}`` (get, list, cancel, delete)."""

    def __init__(self, wire: Any, body_limit: int) -> None:
        self.wire = wire
        v = gemini_common.VERSION_PATH
        one = v + "/batches/{batch_id:resource}"
        self.routes = [
            ("POST", v + "/models/{model:resource}:batchGenerateContent", self.create, body_limit),
            ("GET", v + "/batches", self.list, body_limit),
            ("GET", one, self.retrieve, body_limit),
            ("POST", one + ":cancel", self.cancel, body_limit),
            ("DELETE", one, self.delete, body_limit),
            # Result files are generated, so they download (uploaded files do not).
            ("GET", v + "/files/{file_id:gemini_batch_file}:download", self.download, body_limit),
        ]

    def create(self, call: Call) -> Reply:
        _invalid = gemini_common._invalid

        model = self.wire._model(call)
        body = self.wire._json_body(call)
        batch = _snake_keys(body.get("batch")) if isinstance(body, dict) else None
        if not isinstance(batch, dict):
            raise _invalid("* BatchGenerateContentRequest.batch: batch is required\n", "batch")  # UNCONFIRMED
        source = _snake_keys(batch.get("input_config"))
        if not isinstance(source, dict):
            raise _invalid("* BatchGenerateContentRequest.batch.input_config: input_config is required\n",
                           "batch.input_config")  # wording UNCONFIRMED
        items: list[tuple[str, dict]] = []
        if source.get("file_name"):
            stored = call.state.get_file("gemini", str(source["file_name"]).removeprefix("files/"))
            if stored is None:
                raise self.wire_error(403, f"You do not have permission to access the File "
                                      f"{source['file_name']} or it may not exist.")
            for n, raw in enumerate(stored.data.decode("utf-8", "replace").splitlines(), 1):
                if not raw.strip():
                    continue
                try:
                    line = json.loads(raw)
                except ValueError:
                    raise _invalid(f"Line {n} of {source['file_name']} is not valid JSON.") from None  # UNCONFIRMED
                items.append((str(line.get("key", n)), line.get("request") or {}))
            as_file = True
        else:
            inlined = _snake_keys(source.get("requests"))
            requests = inlined.get("requests") if isinstance(inlined, dict) else None
            if not isinstance(requests, list) or not requests:
                raise _invalid("* BatchGenerateContentRequest.batch.input_config.requests.requests: at least "
                               "one request is required\n", "batch.input_config.requests")  # UNCONFIRMED
            if len(call.body) > GEMINI_INLINE_LIMIT:
                raise _invalid(f"Inline batch requests total {len(call.body)} bytes; the limit is 20 MB: "
                               "upload a JSONL file and pass its name in input_config.file_name.")
            for i, item in enumerate(requests):
                metadata = (item or {}).get("metadata") or {}
                items.append((json.dumps(metadata) if metadata else str(i), (item or {}).get("request") or {}))
            call.request_json = batches.logged_batch(body, requests, lambda b, first: {"batch": {
                **batch, "input_config": {**source, "requests": {**inlined, "requests": first}}}})
            as_file = False
        count = call.state.next_count(call.scope)
        job_id = stable_token(call.scope, count, call.request_id, length=40,
                              alphabet="abcdefghijklmnopqrstuvwxyz0123456789")
        job = batches.new_job(call, job_id, items, model=model.id, version=call.params["version"],
                              display_name=batch.get("display_name", ""), as_file=as_file)
        return Reply(self._operation(call, job))

    def wire_error(self, status: int, message: str):
        _error = gemini_common._error

        return _error(status, message)

    def _operation(self, call: Call, job: Job) -> dict:
        _timestamp = gemini_common._timestamp

        stage = job.stage()
        n = len(job.items)
        stats = {"requestCount": str(n), "pendingRequestCount": str(n)}
        state, done, output, error = "BATCH_STATE_PENDING", False, None, None
        if job.cancelled_at is not None and job.results is None:
            state, done = ("BATCH_STATE_CANCELLED", True) if job.cancel_done() else ("BATCH_STATE_RUNNING", False)
        elif stage >= 1:
            state = "BATCH_STATE_RUNNING"
        if not done and stage >= 2:
            done = True
            if job.outcome == "failed":
                state = "BATCH_STATE_FAILED"
                error = {"code": 13, "message": "The batch failed: an outcome injected with the mmcourse "
                         "emulator's POST /_mmcourse/batches.", "status": "INTERNAL"}
            elif job.outcome == "expired":
                state = "BATCH_STATE_EXPIRED"
            else:
                state = "BATCH_STATE_SUCCEEDED"
                output = self._output(call, job)
                ok = sum(r.ok for r in job.results or [])
                stats = {"requestCount": str(n), "successfulRequestCount": str(ok)}
                if n - ok:
                    stats["failedRequestCount"] = str(n - ok)
        updated = job.cancelled_at if job.cancelled_at else job.at(min(stage, 2))
        metadata = {"@type": GEMINI_TYPE + "GenerateContentBatch", "model": f"models/{job.meta['model']}",
                    "displayName": job.meta["display_name"], "createTime": _timestamp(job.created),
                    "updateTime": _timestamp(updated), "batchStats": stats, "state": state,
                    "name": f"batches/{job.id}"}
        if done:
            metadata["endTime"] = _timestamp(updated)
        if output is not None:
            metadata["output"] = output
        body: dict = {"name": f"batches/{job.id}", "metadata": metadata}
        if done:
            body["done"] = True
            if error is not None:
                body["error"] = error
            elif output is not None:
                body["response"] = {"@type": GEMINI_TYPE + "GenerateContentBatchOutput", **output}
        return body

    def _output(self, call: Call, job: Job) -> dict:
        """Inline responses, or a JSONL results file (made once)."""
        with job.lock:
            if "output" in job.meta:
                return job.meta["output"]
            version, model = job.meta["version"], job.meta["model"]
            results = batches.run_items(job, self.wire, lambda body: ("POST", f"/{version}/models/{model}:generateContent"))
            if job.meta["as_file"]:
                lines = [{"key": r.key, **({"response": r.body} if r.ok else {"error": r.body.get("error")})}
                         for r in results]
                file_id = "batch-" + stable_token(job.id, "results", length=20, alphabet="abcdefghijklmnopqrstuvwxyz0123456789")
                _store(call, "gemini", file_id, f"{job.id}-results.jsonl", _jsonl(lines), None)
                output = {"responsesFile": f"files/{file_id}"}
            else:
                inline = []
                for r in results:
                    entry: dict = {"metadata": json.loads(r.key)} if r.key.startswith("{") else {}
                    entry.update({"response": r.body} if r.ok else {"error": r.body.get("error")})
                    inline.append(entry)
                output = {"inlinedResponses": {"inlinedResponses": inline}}
            job.meta["output"] = output
            return output

    def _job(self, call: Call) -> Job:
        job = batches.book(call.state).get("gemini", call.params["batch_id"])
        if job is None:  # Google's not-found wording for operations (UNCONFIRMED)
            raise self.wire_error(404, f"Requested entity was not found: batches/{call.params['batch_id']}")
        return job

    def retrieve(self, call: Call) -> Reply:
        return Reply(self._operation(call, self._job(call)))

    def list(self, call: Call) -> Reply:
        ops = [self._operation(call, j) for j in batches.book(call.state).listed("gemini", call.scope)]
        return Reply({"operations": ops} if ops else {})

    def cancel(self, call: Call) -> Reply:
        job = self._job(call)
        if not self._operation(call, job).get("done") and job.cancelled_at is None:
            job.cancelled_at = time.time()
        return Reply({})

    def delete(self, call: Call) -> Reply:
        job = self._job(call)
        batches.book(call.state).delete(job.id)
        return Reply({})

    def download(self, call: Call) -> Reply:
        stored = call.state.get_file("gemini", call.params["file_id"])
        if stored is None:
            raise self.wire_error(403, f"You do not have permission to access the File {call.params['file_id']} "
                                  "or it may not exist.")
        return Reply(raw=stored.data, media_type=JSONL)
