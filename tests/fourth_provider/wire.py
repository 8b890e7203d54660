"""The emulator's wire for the made-up "echo" provider: validation, answers and errors in echo's
own shapes, from the same answer engine as the course providers. ``app.register_wire`` serves it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from mmcourse import registry
from mmcourse.emulator.generate import compose, text_tokens
from mmcourse.emulator.media import Media
from mmcourse.emulator.state import Fault
from mmcourse.emulator.wire import ApiError, BadJson, Call, Reply, parse_json

from .provider import NAME, WIRE_FACTS

IMAGE_TOKENS = 85  # echo's own (made-up) flat price of an image


def _problem(status: int, kind: str, detail: str) -> ApiError:
    return ApiError(status, detail, type=kind)


class EchoWire:
    name = NAME
    owns_paths = (r"/echo/.*",)
    marker_headers = ("x-echo-key",)

    def __init__(self) -> None:
        self.routes = [("POST", "/echo/v1/answer", self.answer, WIRE_FACTS.max_request_bytes)]

    def api_key(self, call: Call) -> str | None:
        return call.header("x-echo-key")

    def authenticate(self, call: Call) -> None:
        if not call.api_key:
            raise _problem(401, "no_key", "send your key in x-echo-key")

    def error_reply(self, err: ApiError, call: Call) -> Reply:
        return Reply({"problem": {"kind": err.type or "error", "detail": err.message}},
                     status=err.status, headers=err.headers)

    def bad_json(self, call: Call, reason: str) -> ApiError:
        return _problem(400, "bad_json", reason)

    def too_large(self, call: Call, limit: int) -> ApiError:
        return _problem(413, "too_large", f"the body is over {limit} bytes")

    def no_route(self, call: Call) -> ApiError:
        return _problem(404, "no_route", f"{call.method} {call.path} is not an echo endpoint")

    def fault(self, call: Call, fault: Fault) -> ApiError:
        status, retry_after = fault.status, fault.retry_after
        err = _problem(status, "injected", f"an injected {status}")
        if retry_after is not None:
            err.headers["retry-after"] = str(max(1, round(retry_after)))
        return err

    def rate_limited(self, call: Call, limit: int | None, reset: float) -> ApiError:
        err = _problem(429, "slow_down", f"over {limit} requests a minute")
        err.headers["retry-after"] = str(max(1, round(reset)))
        return err

    def headers(self, call: Call, rate: tuple[int | None, int, float]) -> dict:
        return {}

    def new_request_id(self, call: Call, count: int) -> str:
        return f"echo-{count}"

    def answer(self, call: Call) -> Reply:
        try:
            body = parse_json(call.body)
        except BadJson as exc:
            raise self.bad_json(call, str(exc)) from None
        call.request_json = body
        call.model = model = body.get("model")
        if not isinstance(model, str) or model not in registry.model_ids(NAME):
            raise _problem(404, "no_model", f"echo serves {registry.model_ids(NAME)}, not {model!r}")
        texts, media = [], []
        for item in body.get("input") or []:
            if "text" in item:
                texts.append(str(item["text"]))
            elif "image" in item:
                image = item["image"]
                if image.get("mime") not in WIRE_FACTS.image_mimes:
                    raise _problem(400, "bad_image", f"echo takes {WIRE_FACTS.image_mimes}")
                try:
                    data = base64.b64decode(image.get("base64", ""), validate=True)
                except (binascii.Error, ValueError):
                    raise _problem(400, "bad_image", "the image is not base64") from None
                media.append(Media(image["mime"], data))
        call.media = media
        answer = compose("\n".join(texts), media, system=None, provider=NAME, model=model)
        usage = {"in": text_tokens("\n".join(texts)) + IMAGE_TOKENS * len(media), "out": text_tokens(answer)}
        rid = hashlib.sha256(call.body).hexdigest()[:12]
        return Reply({"id": f"echo-{rid}", "model": model, "output": answer, "done": "stop", "usage": usage})


WIRE = EchoWire()
