"""Bad input never breaks the emulator: every answer to a broken request is a provider-shaped 4xx.

Cases are generated systematically (malformed and truncated JSON, wrong encodings and content
types, empty, deeply nested and over-limit bodies, a wrong type or value in every field, missing
fields, bad base64, missing headers, a misused Gemini upload session) plus a seeded random
mutator over valid requests. ``reject`` cases must get a 4xx; ``any`` cases (where the real API
is lenient or its behaviour is UNCONFIRMED) may succeed, but an error must still be a 4xx in the
provider's envelope. Afterwards the server must still answer valid requests.

Envelopes (provider docs and SDK source, 2026): OpenAI ``{"error": {message, type, param, code}}``;
Anthropic ``{"type": "error", "error": {type, message}, "request_id": "req_..."}``; Gemini
``{"error": {code, message, status}}``.
"""

from __future__ import annotations

import base64
import copy
import io
import json
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from PIL import Image

from mmcourse import registry

KEY = f"mmcourse-fuzz-{uuid.uuid4().hex}"
SEED = 20261125


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (48, 32), (30, 120, 200)).save(buf, format="PNG")
    return buf.getvalue()


PNG_B64 = base64.b64encode(_png()).decode()


# ---------------------------------------------------------------- provider table


def openai_error_ok(status: int, body) -> bool:
    err = body.get("error") if isinstance(body, dict) else None
    return (
        body.keys() == {"error"}
        and isinstance(err, dict)
        and err.keys() == {"message", "type", "param", "code"}
        and isinstance(err["message"], str) and err["message"] != ""
        and isinstance(err["type"], str)
        and (err["param"] is None or isinstance(err["param"], str))
        and (err["code"] is None or isinstance(err["code"], str))
    )


# HTTP status -> Anthropic error.type [Anthropic API errors page, 2026].
ANTHROPIC_TYPES = {
    400: "invalid_request_error", 401: "authentication_error", 402: "billing_error",
    403: "permission_error", 404: "not_found_error", 409: "conflict_error",
    413: "request_too_large", 429: "rate_limit_error",
}


def anthropic_error_ok(status: int, body) -> bool:
    err = body.get("error") if isinstance(body, dict) else None
    if status == 413:  # the edge's bare shape: no top-level type, no request_id (real 413, 2025)
        return body == {"error": {"type": "request_too_large", "message": "Request exceeds the maximum size"}}
    return (
        isinstance(err, dict)
        and body.get("type") == "error"
        and err.get("type") == ANTHROPIC_TYPES.get(status, "invalid_request_error")
        and isinstance(err.get("message"), str) and err["message"] != ""
        and str(body.get("request_id", "")).startswith("req_")
    )


# HTTP status -> google.rpc status names Gemini uses.
GEMINI_STATUSES = {
    400: {"INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE"}, 401: {"UNAUTHENTICATED"},
    403: {"PERMISSION_DENIED"}, 404: {"NOT_FOUND"}, 405: {"UNIMPLEMENTED", "NOT_FOUND"},
    409: {"ALREADY_EXISTS", "ABORTED"}, 413: {"INVALID_ARGUMENT", "OUT_OF_RANGE"},
    429: {"RESOURCE_EXHAUSTED"},
}


def gemini_error_ok(status: int, body) -> bool:
    if isinstance(body, list) and len(body) == 1:  # streamGenerateContent may wrap it in an array
        body = body[0]
    err = body.get("error") if isinstance(body, dict) else None
    return (
        isinstance(err, dict)
        and err.get("code") == status
        and isinstance(err.get("message"), str) and err["message"] != ""
        and err.get("status") in GEMINI_STATUSES.get(status, {err.get("status")})
    )


@dataclass(frozen=True)
class Target:
    """One endpoint under fuzz: how to reach it, a valid body, how its errors look."""

    name: str
    provider: str
    path: str
    headers: dict
    valid: Callable[[], dict]
    error_ok: Callable[[int, object], bool]
    # Keys whose removal the real API tolerates (everything else is required).
    optional_keys: frozenset = frozenset()


OPENAI_MODEL = registry.default_model("openai")
ANTHROPIC_MODEL = registry.default_model("anthropic")
GEMINI_MODEL = registry.default_model("gemini")


def openai_body() -> dict:
    return {"model": OPENAI_MODEL, "max_completion_tokens": 50, "messages": [{"role": "user", "content": [
        {"type": "text", "text": "What colour is this?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}", "detail": "low"}},
    ]}]}


def anthropic_body() -> dict:
    return {"model": ANTHROPIC_MODEL, "max_tokens": 50, "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG_B64}},
        {"type": "text", "text": "What colour is this?"},
    ]}]}


def gemini_body() -> dict:
    return {"contents": [{"role": "user", "parts": [
        {"text": "What colour is this?"},
        {"inlineData": {"mimeType": "image/png", "data": PNG_B64}},
    ]}], "generationConfig": {"maxOutputTokens": 50}}


OPENAI_HEADERS = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
ANTHROPIC_HEADERS = {"x-api-key": KEY, "anthropic-version": "2023-06-01",
                     "Content-Type": "application/json"}
GEMINI_HEADERS = {"x-goog-api-key": KEY, "Content-Type": "application/json"}

OPENAI = Target("openai", "openai", "/v1/chat/completions", OPENAI_HEADERS, openai_body,
                openai_error_ok, frozenset({"detail", "max_completion_tokens"}))
ANTHROPIC = Target("anthropic", "anthropic", "/v1/messages", ANTHROPIC_HEADERS, anthropic_body,
                   anthropic_error_ok)
GEMINI = Target("gemini", "gemini", f"/v1beta/models/{GEMINI_MODEL}:generateContent",
                GEMINI_HEADERS, gemini_body, gemini_error_ok,
                frozenset({"role", "generationConfig", "maxOutputTokens"}))
TARGETS = (OPENAI, ANTHROPIC, GEMINI)
STREAM_TARGETS = (
    Target("openai-stream", "openai", OPENAI.path, OPENAI_HEADERS,
           lambda: {**openai_body(), "stream": True}, openai_error_ok),
    Target("anthropic-stream", "anthropic", ANTHROPIC.path, ANTHROPIC_HEADERS,
           lambda: {**anthropic_body(), "stream": True}, anthropic_error_ok),
    Target("gemini-stream", "gemini", f"/v1beta/models/{GEMINI_MODEL}:streamGenerateContent?alt=sse",
           GEMINI_HEADERS, gemini_body, gemini_error_ok),
)


# ---------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    id: str
    target: Target
    body: bytes
    expect: str = "reject"  # "reject": must be a 4xx; "any": 2xx allowed, errors still shaped
    headers: dict = field(default_factory=dict)  # merged over the target's; None value = drop
    method: str = "POST"
    path: str | None = None


def dump(obj) -> bytes:
    return json.dumps(obj).encode()


def paths(node, prefix=()) -> Iterator[tuple]:
    """Every key/index path inside a JSON value (depth-first, parents before children)."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield (*prefix, key)
        yield from paths(child, (*prefix, key))


def get_in(node, path):
    for key in path:
        node = node[key]
    return node


def with_value(body: dict, path: tuple, value) -> dict:
    out = copy.deepcopy(body)
    get_in(out, path[:-1])[path[-1]] = value
    return out


def without(body: dict, path: tuple) -> dict:
    out = copy.deepcopy(body)
    del get_in(out, path[:-1])[path[-1]]
    return out


def wrong_type(value):
    """A JSON value of a type the field can never take."""
    if isinstance(value, bool):
        return "maybe"
    if isinstance(value, int):
        return "many"
    return 42  # strings, objects and arrays


def label(path: tuple) -> str:
    return ".".join(str(p) for p in path)


MALFORMED = {
    "open-brace": b"{", "close-brace": b"}", "dangling-key": b'{"model": ', "prose": b"not json",
    "open-array": b"[1, 2", "single-quotes": b"{'model': 'x'}", "trailing-brace": b'{"a": 1}}',
    "control-bytes": b"\x00\x01\x02", "null": b"null", "array": b"[]", "number": b"123",
    "string": b'"hello"', "true": b"true", "empty": b"", "whitespace": b"   \n\t ",
    "nan-model": b'{"model": NaN, "messages": []}', "comment": b'{"model": "x" /* hi */}',
}


def malformed_cases() -> Iterator[Case]:
    for target in TARGETS + STREAM_TARGETS:
        for name, body in MALFORMED.items():
            yield Case(f"{target.name}-malformed-{name}", target, body)


def truncation_cases() -> Iterator[Case]:
    for target in TARGETS:
        full = dump(target.valid())
        for i in range(1, 9):
            cut = len(full) * i // 9
            yield Case(f"{target.name}-truncated-at-{cut}", target, full[:cut])


def encoding_cases() -> Iterator[Case]:
    for target in TARGETS:
        text = json.dumps(target.valid())
        yield Case(f"{target.name}-utf16", target, text.encode("utf-16"))
        yield Case(f"{target.name}-utf32", target, text.encode("utf-32"))
        bad_text = json.dumps(target.valid()).encode().replace(b"What colour", b"What col\xff\xfeur")
        yield Case(f"{target.name}-invalid-utf8-in-text", target, bad_text)
        yield Case(f"{target.name}-latin1-byte", target, b'{"model": "caf\xe9"}')
        lone = json.dumps(target.valid()).replace("What colour", "What \\ud800 colour").encode()
        yield Case(f"{target.name}-lone-surrogate-escape", target, lone, expect="any")
        yield Case(f"{target.name}-utf8-bom", target, b"\xef\xbb\xbf" + text.encode(), expect="any")


def content_type_cases() -> Iterator[Case]:
    for target in TARGETS:
        valid = dump(target.valid())
        # Whether the real APIs insist on application/json is UNCONFIRMED: only no 5xx is required.
        yield Case(f"{target.name}-text-plain", target, valid, "any", {"Content-Type": "text/plain"})
        yield Case(f"{target.name}-no-content-type", target, valid, "any", {"Content-Type": None})
        yield Case(f"{target.name}-form-encoded", target, b"model=x&messages=hello",
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
        yield Case(f"{target.name}-multipart-junk", target, b"--xyz\r\n\r\nhello\r\n--xyz--\r\n",
                   headers={"Content-Type": "multipart/form-data; boundary=xyz"})


def nesting_cases() -> Iterator[Case]:
    for target in TARGETS:
        yield Case(f"{target.name}-nested-arrays-100k", target, b"[" * 100_000 + b"]" * 100_000)
        yield Case(f"{target.name}-nested-objects-5k", target, b'{"a":' * 5000 + b"1" + b"}" * 5000)
        # A valid request whose text field is a list nested 2000 deep.
        deep = b"[" * 2000 + b'"x"' + b"]" * 2000
        yield Case(f"{target.name}-deep-list-in-text-field", target,
                   dump(target.valid()).replace(b'"What colour is this?"', deep))


def field_cases() -> Iterator[Case]:
    for target in TARGETS:
        body = target.valid()
        for path in paths(body):
            value = get_in(body, path)
            yield Case(f"{target.name}-wrong-type-{label(path)}", target,
                       dump(with_value(body, path, wrong_type(value))))
            yield Case(f"{target.name}-null-{label(path)}", target,
                       dump(with_value(body, path, None)), expect="any")
            if isinstance(path[-1], str):
                required = path[-1] not in target.optional_keys
                yield Case(f"{target.name}-missing-{label(path)}", target,
                           dump(without(body, path)), "reject" if required else "any")
            if isinstance(value, list):
                top = len(path) == 1  # messages / contents may never be empty
                yield Case(f"{target.name}-empty-list-{label(path)}", target,
                           dump(with_value(body, path, [])), "reject" if top else "any")
        yield Case(f"{target.name}-huge-string-field", target,
                   dump({**body, "bogus_field": "x" * 100_000}))
        yield Case(f"{target.name}-unknown-top-level-field", target, dump({**body, "bogus_field": 1}))


# Values no provider accepts at these places (enum members, ids, numbers out of range).
BAD_VALUES = {
    "openai": [(("model",), "no-such-model"), (("messages", 0, "role"), "wizard"),
               (("messages", 0, "content", 0, "type"), "picture"),
               (("messages", 0, "content", 1, "type"), "image"),
               (("messages", 0, "content", 1, "image_url", "detail"), "ultra"),
               (("max_completion_tokens",), -1), (("max_completion_tokens",), 10**12),
               (("max_completion_tokens",), 1.5)],
    "anthropic": [(("model",), "no-such-model"), (("messages", 0, "role"), "wizard"),
                  (("messages", 0, "content", 0, "type"), "picture"),
                  (("messages", 0, "content", 0, "source", "type"), "bogus"),
                  (("messages", 0, "content", 0, "source", "media_type"), "image/bmp"),
                  (("messages", 0, "content", 1, "type"), "image_url"),
                  (("max_tokens",), -1), (("max_tokens",), 0), (("max_tokens",), 10**12)],
    "gemini": [(("contents", 0, "role"), "wizard"),
               (("contents", 0, "parts", 1, "inlineData", "mimeType"), "image/jpg"),
               (("contents", 0, "parts", 1, "inlineData", "mimeType"), "image/svg+xml"),
               (("contents", 0, "parts", 1, "inlineData", "mimeType"), "png"),
               # "...maxOutputTokens value of 655360 but the supported range is from 1
               # (inclusive) to 8193 (exclusive)" (OBS: stackblitz-labs/bolt.diy#955, 2024-12).
               (("generationConfig", "maxOutputTokens"), -5),
               (("generationConfig", "temperature"), "hot"),
               (("generationConfig", "bogusKnob"), 1)],
}

# Where each provider's image bytes live, and how a broken payload looks there.
MEDIA_FIELD = {
    "openai": (("messages", 0, "content", 1, "image_url", "url"), "data:image/png;base64,{}"),
    "anthropic": (("messages", 0, "content", 0, "source", "data"), "{}"),
    "gemini": (("contents", 0, "parts", 1, "inlineData", "data"), "{}"),
}
BAD_BASE64 = {
    "bangs": "!!!!", "short": "abc", "undefined": "undefined", "empty": "",
    "inner-space": PNG_B64[:20] + " " + PNG_B64[20:], "not-an-image": base64.b64encode(b"hello world").decode(),
    "truncated-image": PNG_B64[: len(PNG_B64) // 2 // 4 * 4], "unicode": "ÿÿÿÿ",
}


def value_cases() -> Iterator[Case]:
    for target in TARGETS:
        body = target.valid()
        for path, value in BAD_VALUES[target.provider]:
            yield Case(f"{target.name}-bad-value-{label(path)}={value!r}", target,
                       dump(with_value(body, path, value)))
        path, template = MEDIA_FIELD[target.provider]
        for name, payload in BAD_BASE64.items():
            yield Case(f"{target.name}-bad-base64-{name}", target,
                       dump(with_value(body, path, template.format(payload))))
    # A data-URL prefix belongs to OpenAI only; Claude and Gemini want raw base64.
    for target in (ANTHROPIC, GEMINI):
        path, _ = MEDIA_FIELD[target.provider]
        yield Case(f"{target.name}-data-url-prefix", target,
                   dump(with_value(target.valid(), path, f"data:image/png;base64,{PNG_B64}")))
    # OpenAI: a remote URL the offline emulator cannot fetch must not crash it (or reach out).
    path, _ = MEDIA_FIELD["openai"]
    for url in ("https://example.com/cat.png", "ftp://example.com/cat.png", PNG_B64, "data:,"):
        yield Case(f"openai-image-url-{url[:24]}", OPENAI, dump(with_value(openai_body(), path, url)),
                   expect="any" if url.startswith("https") or url == PNG_B64 else "reject")


def header_cases() -> Iterator[Case]:
    for target in TARGETS:
        auth = {"openai": "Authorization", "anthropic": "x-api-key", "gemini": "x-goog-api-key"}
        name = auth[target.provider]
        valid = dump(target.valid())
        yield Case(f"{target.name}-no-key", target, valid, headers={name: None})
        yield Case(f"{target.name}-invalid-key", target, valid,
                   headers={name: ("Bearer " if name == "Authorization" else "") + "invalid-key"})
        yield Case(f"{target.name}-get-instead-of-post", target, b"", method="GET")
        yield Case(f"{target.name}-put-instead-of-post", target, valid, method="PUT")
    yield Case("openai-bearer-without-token", OPENAI, dump(openai_body()),
               headers={"Authorization": "Bearer"})
    yield Case("openai-basic-auth", OPENAI, dump(openai_body()), headers={"Authorization": "Basic Zm9vOmJhcg=="})
    yield Case("anthropic-no-version", ANTHROPIC, dump(anthropic_body()), headers={"anthropic-version": None})
    yield Case("anthropic-empty-version", ANTHROPIC, dump(anthropic_body()), headers={"anthropic-version": ""})
    yield Case("gemini-unknown-model", GEMINI, dump(gemini_body()),
               path="/v1beta/models/gemini-nonexistent:generateContent")
    yield Case("gemini-unknown-method", GEMINI, dump(gemini_body()),
               path=f"/v1beta/models/{GEMINI_MODEL}:explode")
    yield Case("gemini-retired-model", GEMINI, dump(gemini_body()),
               path=f"/v1beta/models/{next(r.id for r in registry.RETIRED if r.provider == 'gemini')}:generateContent")


def all_cases() -> list[Case]:
    cases = [*malformed_cases(), *truncation_cases(), *encoding_cases(), *content_type_cases(),
             *nesting_cases(), *field_cases(), *value_cases(), *header_cases()]
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "duplicate fuzz case ids"
    return cases


# ---------------------------------------------------------------- seeded random mutator

POOL = [None, 0, -1, 1e308, "", "x" * 5000, [], {}, True, "\u0000", [[[]]], {"type": "text"}, "😀" * 50]


def mutate(rng: random.Random, target: Target) -> bytes:
    """One random mutation of a valid request: byte-level or structural."""
    body = target.valid()
    raw = dump(body)
    op = rng.randrange(7)
    if op == 0:  # flip a byte
        i = rng.randrange(len(raw))
        return raw[:i] + bytes([raw[i] ^ (1 << rng.randrange(8))]) + raw[i + 1:]
    if op == 1:  # delete a span
        i = rng.randrange(len(raw))
        return raw[:i] + raw[i + rng.randint(1, 40):]
    if op == 2:  # insert random bytes
        i = rng.randrange(len(raw))
        return raw[:i] + rng.randbytes(rng.randint(1, 12)) + raw[i:]
    if op == 3:  # duplicate a span
        i = rng.randrange(len(raw))
        j = min(len(raw), i + rng.randint(1, 60))
        return raw[:j] + raw[i:j] + raw[j:]
    all_paths = list(paths(body))
    path = rng.choice(all_paths)
    if op == 4:  # replace any node with a pool value
        return dump(with_value(body, path, copy.deepcopy(rng.choice(POOL))))
    if op == 5 and isinstance(path[-1], str):  # drop a key
        return dump(without(body, path))
    parent = get_in(body, path[:-1])  # add a junk key beside an existing one
    if isinstance(parent, dict):
        parent[rng.choice(["x", "type", "__proto__", "data", "role", "ü"])] = rng.choice(POOL)
    return dump(body)


def random_cases(per_target: int = 40) -> list[Case]:
    rng = random.Random(SEED)
    return [Case(f"{t.name}-random-{i:02d}", t, mutate(rng, t), expect="any")
            for t in TARGETS for i in range(per_target)]


CASES = all_cases() + random_cases()


# ---------------------------------------------------------------- running them


@pytest.fixture(scope="module")
def http(origin):
    with httpx.Client(base_url=origin, timeout=30) as client:
        yield client


def send(http: httpx.Client, case: Case) -> httpx.Response:
    headers = {**case.target.headers, **case.headers}
    headers = {k: v for k, v in headers.items() if v is not None}
    request = http.build_request(case.method, case.path or case.target.path, headers=headers,
                                 content=case.body)
    if "Content-Type" not in headers:
        request.headers.pop("Content-Type", None)
    return http.send(request)


def check(case: Case, resp: httpx.Response) -> None:
    where = f"{case.method} {case.path or case.target.path} [{case.id}]"
    assert resp.status_code < 500, f"{where}: {resp.status_code} {resp.text[:300]}"
    if case.expect == "reject":
        assert resp.status_code >= 400, f"{where}: accepted a broken request: {resp.text[:300]}"
    if resp.status_code >= 400:
        try:
            body = resp.json()
        except ValueError:
            pytest.fail(f"{where}: {resp.status_code} error is not JSON: {resp.text[:300]!r}")
        assert case.target.error_ok(resp.status_code, body), (
            f"{where}: {resp.status_code} is not a {case.target.provider}-shaped error: {body}"
        )


def test_there_are_at_least_200_cases():
    assert len(CASES) >= 200
    assert {c.target.provider for c in CASES} == {"openai", "anthropic", "gemini"}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gets_a_provider_shaped_4xx(http, case):
    check(case, send(http, case))


def valid_request_works(http: httpx.Client, target: Target) -> None:
    resp = send(http, Case(f"{target.name}-valid", target, dump(target.valid()), expect="any"))
    assert resp.status_code == 200, f"{target.name}: {resp.status_code} {resp.text[:300]}"


@pytest.mark.parametrize("target", TARGETS + STREAM_TARGETS, ids=lambda t: t.name)
def test_the_valid_base_requests_are_accepted(http, target):
    # Guards the generator: a "reject" case is only meaningful if the unmutated body is fine.
    valid_request_works(http, target)


def test_server_still_answers_after_every_case_back_to_back(http):
    for case in CASES:
        send(http, case)
    for target in TARGETS + STREAM_TARGETS:
        valid_request_works(http, target)


# ---------------------------------------------------------------- over-limit bodies


@pytest.mark.slow
def test_anthropic_request_over_32_mb_is_413(http):
    # Anthropic: 32 MB per Messages request; larger -> 413 request_too_large [Anthropic errors page].
    body = dump({**anthropic_body(), "system": "x" * (33 * 1024 * 1024)})
    case = Case("anthropic-over-32mb", ANTHROPIC, body)
    resp = send(http, case)
    check(case, resp)
    assert resp.status_code == 413
    valid_request_works(http, ANTHROPIC)


@pytest.mark.slow
def test_anthropic_image_over_10_mb_base64_is_400(http):
    # 2026 docs: 10 MB per image measured on the base64 string (5 MB before mid-2026).
    big = "A" * (10 * 1024 * 1024 + 4)
    body = dump(with_value(anthropic_body(), MEDIA_FIELD["anthropic"][0], big))
    case = Case("anthropic-image-over-10mb", ANTHROPIC, body)
    resp = send(http, case)
    check(case, resp)
    assert resp.status_code == 400
    assert "10 MB" in resp.json()["error"]["message"] or "10485760" in resp.json()["error"]["message"]


@pytest.mark.slow
def test_gemini_request_over_100_mb_is_rejected(http):
    # Gemini inline request limit: 100 MB since 2026-01-12 (20 MB before).
    body = b'{"contents": [{"parts": [{"text": "' + b"x" * (100 * 1024 * 1024 + 1) + b'"}]}]}'
    case = Case("gemini-over-100mb", GEMINI, body)
    check(case, send(http, case))
    valid_request_works(http, GEMINI)


# ---------------------------------------------------------------- Gemini resumable upload misuse


def start_upload(http: httpx.Client, size: int, mime: str = "video/mp4", **extra) -> httpx.Response:
    headers = {"x-goog-api-key": KEY, "X-Goog-Upload-Protocol": "resumable",
               "X-Goog-Upload-Command": "start", "X-Goog-Upload-Header-Content-Length": str(size),
               "X-Goog-Upload-Header-Content-Type": mime, "Content-Type": "application/json", **extra}
    headers = {k: v for k, v in headers.items() if v is not None}
    return http.post("/upload/v1beta/files", headers=headers, json={"file": {"display_name": "fuzz"}})


def upload_url(resp: httpx.Response) -> str:
    assert resp.status_code == 200, resp.text
    return resp.headers["x-goog-upload-url"]


def chunk(http: httpx.Client, url: str, data: bytes, offset: int, command: str) -> httpx.Response:
    return http.post(url, content=data, headers={
        "x-goog-api-key": KEY, "X-Goog-Upload-Offset": str(offset), "X-Goog-Upload-Command": command,
    })


def assert_gemini_4xx(resp: httpx.Response) -> None:
    assert 400 <= resp.status_code < 500, f"{resp.status_code} {resp.text[:300]}"
    assert gemini_error_ok(resp.status_code, resp.json()), resp.text[:300]


def test_upload_finalized_twice(http):
    url = upload_url(start_upload(http, 8))
    assert chunk(http, url, b"12345678", 0, "upload, finalize").status_code == 200
    assert_gemini_4xx(chunk(http, url, b"12345678", 0, "upload, finalize"))


def test_upload_at_the_wrong_offset(http):
    url = upload_url(start_upload(http, 8))
    assert_gemini_4xx(chunk(http, url, b"5678", 4, "upload, finalize"))


def test_upload_chunk_after_a_gap(http):
    url = upload_url(start_upload(http, 8))
    first = chunk(http, url, b"1234", 0, "upload")
    assert first.status_code == 200 and first.headers["x-goog-upload-status"] == "active"
    assert_gemini_4xx(chunk(http, url, b"78", 6, "upload, finalize"))


@pytest.mark.parametrize("command", ["explode", "", "download"])
def test_upload_unknown_command(http, command):
    url = upload_url(start_upload(http, 4))
    assert_gemini_4xx(chunk(http, url, b"1234", 0, command))


def test_upload_to_an_unknown_session(http, origin):
    url = upload_url(start_upload(http, 4))
    assert_gemini_4xx(chunk(http, url.replace("upload_id=", "upload_id=nope"), b"1234", 0, "upload, finalize"))


@pytest.mark.parametrize("length", ["many", "-5", ""])
def test_upload_start_with_a_bad_length(http, length):
    assert_gemini_4xx(start_upload(http, 4, **{"X-Goog-Upload-Header-Content-Length": length}))


def test_upload_start_with_malformed_json(http):
    resp = http.post("/upload/v1beta/files", content=b'{"file": {', headers={
        "x-goog-api-key": KEY, "X-Goog-Upload-Protocol": "resumable", "X-Goog-Upload-Command": "start",
        "X-Goog-Upload-Header-Content-Length": "4", "X-Goog-Upload-Header-Content-Type": "video/mp4",
        "Content-Type": "application/json"})
    assert_gemini_4xx(resp)


def test_upload_start_without_a_key(http):
    assert_gemini_4xx(start_upload(http, 4, **{"x-goog-api-key": None}))


def test_unknown_file_in_generate_content(http):
    body = {"contents": [{"parts": [{"text": "hi"}, {"fileData": {
        "mimeType": "video/mp4", "fileUri": "https://generativelanguage.googleapis.com/v1beta/files/nope"}}]}]}
    assert_gemini_4xx(http.post(GEMINI.path, headers=GEMINI_HEADERS, json=body))


def test_get_unknown_file(http):
    assert_gemini_4xx(http.get("/v1beta/files/does-not-exist", headers=GEMINI_HEADERS))


def test_server_still_answers_after_upload_misuse(http):
    for _ in range(3):
        url = upload_url(start_upload(http, 4))
        chunk(http, url, b"12", 2, "upload, finalize")
    for target in TARGETS:
        valid_request_works(http, target)
