"""The emulator's HTTP layer: one Starlette app, one origin, three providers, admin endpoints.

Which provider a request is for is decided by data each wire module declares:
1. paths it owns outright (``/v1/chat/...`` OpenAI, ``/v1/messages`` Anthropic, ``/v1beta/...``,
   ``/upload/...`` and ``...:generateContent`` Gemini);
2. otherwise the auth headers the request carries: ``x-goog-api-key`` or ``?key=`` -> Gemini,
   ``x-api-key`` / ``anthropic-version`` / ``anthropic-beta`` -> Anthropic, ``Authorization:
   Bearer`` -> OpenAI. That is how ``GET /v1/models`` and ``/v1/files`` (shared by all three SDKs)
   are told apart; a request with none of these headers is answered as OpenAI.

Every wire module's ``WIRE`` object keeps one contract, ``mmcourse.emulator.wire.Wire`` (a
``typing.Protocol``): its name, the paths it owns, its marker headers, its routes, and how it
reads a key and shapes each kind of error. A fourth provider is one more module, served with
``register_wire`` (``tests/test_fourth_provider.py``).

The Starlette application declares its routes: the course data, one route per admin endpoint
(``ADMIN_ENDPOINTS``), and one ``WireMount`` per wire, which takes the requests decided for that
wire and finds the handler in the wire's own route table (``mmcourse.emulator.routes``). A path
the wire does not serve is answered by the wire (``no_route``), in that provider's error shape.
"""

from __future__ import annotations

import asyncio
import functools
import io
import json
import re
import threading
import time
import traceback
import weakref
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Match, NoMatchFound, Route
from starlette.types import Receive, Scope, Send

from mmcourse.emulator import (
    access,
    anthropic_wire,
    attached,
    batches,
    gemini_wire,
    limits,
    openai_wire,
    registered,
    service,
    urls,
)
from mmcourse.emulator.routes import ExactRoute, match_route
from mmcourse.emulator.state import EmulatorState, Fault, scope_of
from mmcourse.emulator.wire import (
    WIRE_CONTRACT,
    ApiError,
    BadJson,
    Call,
    Reply,
    Wire,
    parse_json,
    truncate_base64,
)
from mmcourse.identity import SCOPE_HEADER

VERSION = "1.0.0"
# Checked in this order for owned paths and then for marker headers (register_wire adds more).
WIRES: list[Wire] = [gemini_wire.WIRE, anthropic_wire.WIRE, openai_wire.WIRE]
FALLBACK = openai_wire.WIRE
# Headers kept in the request log (values of key-bearing headers are never stored).
LOGGED_HEADERS = ("content-type", "content-length", "user-agent", "anthropic-version",
                  "anthropic-beta", "x-goog-upload-command", "x-goog-upload-protocol",
                  "x-goog-upload-offset", SCOPE_HEADER, "x-stainless-retry-count")
SECRET_HEADERS = ("authorization", "x-api-key", "x-goog-api-key")
# Requests with bodies up to this size are answered on the event loop (no media to decode: the
# work is a fraction of a millisecond); larger ones in a worker thread, so the loop stays free.
INLINE_BODY_BYTES = 4096
# Longer strings are cut in the request log (the request itself was answered in full).
LOG_TEXT_LIMIT = 64 * 1024

_OWNED = [(re.compile(p), w) for w in WIRES for p in w.owns_paths]
WIRE_KEY = "mmcourse.wire"  # the ASGI scope entry that names the wire a request is for
SEEN_KEY = "mmcourse.seen"  # and the (path, lower-case headers, query) it was chosen from
ADMIN_METHODS = ("GET", "POST", "DELETE")
_LIVE: weakref.WeakSet = weakref.WeakSet()  # the apps running in this process (register_wire)


def register_wire(wire: Wire) -> None:
    """Serve one more provider's wire format: its owned paths are matched first, like the others'.

    A fourth provider is its ``mmcourse/providers/<name>.py`` (``providers.register``), its models
    (``registry.register``) and its emulator wire here; ``tests/test_fourth_provider.py`` shows it.
    """
    missing = [n for n in WIRE_CONTRACT if not hasattr(wire, n)]
    if missing:
        raise TypeError(f"{type(wire).__name__} lacks {', '.join(missing)} of the wire contract "
                        "(mmcourse.emulator.wire.Wire)")
    if wire.name in {w.name for w in WIRES}:
        raise ValueError(f"a wire named {wire.name!r} is already served")
    WIRES.insert(0, wire)
    _OWNED[:0] = [(re.compile(p), wire) for p in wire.owns_paths]
    for app in list(_LIVE):  # an emulator already serving (the tests' own) serves it too
        app.mount(wire)


def detect_provider(path: str, headers: dict[str, str], query: dict[str, str]):
    """The wire module a request is for (see the module docstring for the rules)."""
    for pattern, wire in _OWNED:
        if pattern.fullmatch(path):
            return wire
    if "key" in query:
        return gemini_wire.WIRE
    for wire in WIRES:
        if any(h in headers for h in wire.marker_headers):
            return wire
    return FALLBACK


class WireMount(BaseRoute):
    """Every request decided for ``wire`` (``detect_provider``, kept in the scope as ``WIRE_KEY``):
    ``serve`` answers it, from the wire's route table or with the wire's own 404."""

    def __init__(self, wire: Wire, serve: Callable) -> None:
        self.wire, self.serve = wire, serve

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope.get(WIRE_KEY) is self.wire:
            return Match.FULL, {}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.serve(Request(scope, receive), self.wire)
        await response(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params) -> None:
        raise NoMatchFound(name, path_params)


class EmulatorApp:
    """Owns the state and answers requests; ``asgi`` is the Starlette application."""

    def __init__(self, state: EmulatorState | None = None, owner_key: bytes | None = None) -> None:
        self.state = state or EmulatorState()
        self.owner_key = owner_key  # its user's key: health checks' owner_challenge is answered with it
        self.last_request = time.monotonic()  # for the detached emulator's idle shutdown
        self.app = Starlette(routes=[
            Route(urls.DATA_PREFIX + "{path:path}", urls.serve_data, methods=["GET"]),
            *(ExactRoute(method, f"/_mmcourse/{action}", functools.partial(self.admin, action))
              for method, action in ADMIN_ENDPOINTS),
            # Path variants of an endpoint (``/_mmcourse//log``, ``.../log/``) and unknown ones.
            Route("/_mmcourse/{action:path}", self.admin_path, methods=list(ADMIN_METHODS)),
            *(WireMount(wire, self.dispatch) for wire in WIRES),
        ])
        self.asgi = _EmulatorHeader(self.app)
        _LIVE.add(self)

    def mount(self, wire: Wire) -> None:
        """Serve one more wire (``register_wire``), in place of any earlier one of its name."""
        routes = self.app.router.routes
        routes[:] = [r for r in routes if not (isinstance(r, WireMount) and r.wire.name == wire.name)]
        routes.append(WireMount(wire, self.dispatch))

    async def __call__(self, scope, receive, send) -> None:
        if scope.get("path") != "/_mmcourse/health":  # a health check alone keeps nobody's emulator alive
            self.last_request = time.monotonic()
        if scope["type"] == "http":  # which provider the request is for decides its route
            request = Request(scope)
            seen = (request.url.path, {k.lower(): v for k, v in request.headers.items()},
                    dict(request.query_params))
            scope[WIRE_KEY], scope[SEEN_KEY] = detect_provider(*seen), seen
        await self.asgi(scope, receive, send)

    # -- provider requests -----------------------------------------------------------------
    async def dispatch(self, request: Request, wire: Wire) -> Response:
        path, headers, query = request.scope[SEEN_KEY]  # as __call__ read them to choose the wire
        route = match_route(wire, request.method, path)
        limit = route[1] if route else openai_wire.BODY_LIMIT
        call = Call(provider=wire.name, method=request.method, path=path, query=query,
                    headers=headers, body=b"", origin=_origin(request, headers), state=self.state)
        call.api_key = wire.api_key(call)
        token = self.state.settings.admin_token
        try:
            # Scope, route and key are settled from the headers alone, before any body is read.
            call.scope = access.api_scope(call.api_key, access.Credentials.of(request.headers), token)
        except access.AccessError:
            call.scope = scope_of(call.api_key)  # a doubled admin token: the key's own scope
        call.request_id = wire.new_request_id(call, self.state.next_count(call.scope))
        rate: tuple = (None, 0, 0.0)
        error: ApiError | None = None
        body = limits.unread(request.headers)
        try:
            if route is None:
                raise wire.no_route(call)
            handler, _, auth, call.params = route
            if auth:
                wire.authenticate(call)
            body = await limits.read_body(request, limit)
            if body.too_large:
                raise wire.too_large(call, limit)
            call.body = body.data
            fault = self.state.next_fault(call.scope, wire.name)
            if fault is not None:
                if fault.latency_ms:
                    await asyncio.sleep(fault.latency_ms / 1000)
                if fault.status is not None:
                    raise wire.fault(call, fault)
            allowed, rpm, remaining, reset = self.state.rate_hit(call.scope, wire.name)
            rate = (rpm, remaining, reset)
            if not allowed:
                raise wire.rate_limited(call, rpm, reset)
            if len(call.body) <= INLINE_BODY_BYTES:  # a thread hop costs more than the work
                reply = _run_handler(handler, call)
            else:
                reply = await run_in_threadpool(_run_handler, handler, call)
        except ApiError as exc:
            error = exc
        except Exception as exc:  # an emulator bug: still answer in the provider's shape
            error = wire.fault(call, Fault(500))
            error.message = f"{error.message} (mmcourse emulator bug: {type(exc).__name__}: {exc})"
            traceback.print_exc()
        if error is not None:
            reply = wire.error_reply(error, call)
        # A body refused unread (or cut): drain a little so the client can read the answer, and
        # close the connection rather than read the rest.
        await limits.drain(request, body)
        if not body.complete:
            reply.headers = {**reply.headers, "connection": "close"}
        if len(call.body) <= INLINE_BODY_BYTES or call.request_json is not None:
            self._log(call, reply, error)  # proportional to the JSON's shape, not its bytes
        else:
            await run_in_threadpool(self._log, call, reply, error)  # it may parse a large body
        return _to_response(reply, {**wire.headers(call, rate), **reply.headers})

    def _log(self, call: Call, reply: Reply, error: ApiError | None) -> None:
        request = call.request_json
        if request is None and call.form is None and call.body[:1] in (b"{", b"["):
            try:
                request = parse_json(call.body)
            except BadJson:
                request = None
        if request is None and call.body and call.form is None:
            request = {"unparsed_body_bytes": len(call.body)}
        try:
            logged = _cut_long_text(truncate_base64(request if call.form is None else call.form))
        except RecursionError:
            logged = {"unlogged": "the JSON body is nested too deeply to store"}
        headers = {h: call.headers[h] for h in LOGGED_HEADERS if h in call.headers}
        headers.update({h: "<redacted>" for h in SECRET_HEADERS if h in call.headers})
        if "key" in call.query:
            headers["?key"] = "<redacted>"
        self.state.log({
            "scope": call.scope, "provider": call.provider, "method": call.method,
            "path": call.path, "model": call.model, "status": reply.status,
            "verdict": "accepted" if error is None else (error.type or str(error.status)),
            "error": None if error is None else error.message,
            "request": logged,
            "media": [m.log_entry() for m in call.media],
            "headers": headers,
        })

    # -- admin -----------------------------------------------------------------------------
    async def admin_path(self, request: Request) -> Response:
        """An admin path as written (``/_mmcourse//log/`` is ``log``), or one that is none."""
        return await self.admin(request.path_params["action"].strip("/"), request)

    async def admin(self, action: str, request: Request) -> Response:
        endpoint = ADMIN_ENDPOINTS.get((request.method, action))
        creds = access.Credentials.of(request.headers, request.query_params)
        body = limits.unread(request.headers)
        try:
            # Who may act in which scope is decided before the body is read.
            scope = access.admin_scope(action, creds, self.state.settings.admin_token)
            body = await limits.read_body(request, limits.ADMIN_BODY_LIMIT)
            if body.too_large:
                raise ValueError(f"an admin request body may hold at most {limits.ADMIN_BODY_LIMIT} bytes")
            data = parse_json(body.data) if body.data.strip() else {}
            if not isinstance(data, dict):
                raise ValueError("the admin request body must be a JSON object")
            result = None if endpoint is None else endpoint(self, scope, data, dict(request.query_params))
        except access.AccessError as exc:
            return await self._admin_answer(request, body, {"error": exc.message}, exc.status)
        except (ValueError, TypeError, KeyError, OverflowError) as exc:
            return await self._admin_answer(request, body, {"error": f"{type(exc).__name__}: {exc}"}, 400)
        if result is None:
            return _json({"error": f"no admin endpoint {request.method} /_mmcourse/{action}; "
                                   "see mmcourse/emulator/README.md"}, 404)
        return _json(result)

    @staticmethod
    async def _admin_answer(request: Request, body: limits.Body, answer: dict, status: int) -> Response:
        response = _json(answer, status)
        await limits.drain(request, body)
        if not body.complete:
            response.headers["connection"] = "close"
        return response

    # Each admin endpoint: (scope it acts on, JSON body, query) -> the JSON answer.
    def _providers(self) -> list[str]:
        return [w.name for w in WIRES]

    def _provider_of(self, value: str | None) -> str | None:
        providers = self._providers()
        if value is not None and value not in providers:
            raise ValueError(f"unknown provider {value!r}; choose one of {providers}")
        return value

    def health(self, scope: str, data: dict, query: dict) -> dict:
        return {"emulator": "mmcourse", "version": VERSION, "providers": self._providers(),
                "settings": self.state.settings.public(), **service.health_extra(self.owner_key, query)}

    def read_log(self, scope: str, data: dict, query: dict) -> dict:
        records = self.state.records(None if scope == "*" else scope, self._provider_of(query.get("provider")))
        return {"scope": scope, "records": records}

    def clear_log(self, scope: str, data: dict, query: dict) -> dict:
        self.state.clear_log(scope)
        return {"scope": scope, "cleared": "log"}

    def add_fault(self, scope: str, data: dict, query: dict) -> dict:
        provider = self._provider_of(data.get("provider"))
        if provider is None:
            raise ValueError("a fault needs a 'provider'")
        fields = {k: v for k, v in data.items() if k not in ("provider", "count")}
        self.state.add_fault(scope, provider, Fault.from_json(fields), data.get("count", 1))
        return {"scope": scope, "provider": provider,
                "pending": self.state.pending_faults(scope, provider)}

    def fault_schema(self, scope: str, data: dict, query: dict) -> dict:
        return Fault.json_schema()

    def clear_faults(self, scope: str, data: dict, query: dict) -> dict:
        self.state.clear_faults(scope, self._provider_of(query.get("provider")))
        return {"scope": scope, "cleared": "faults"}

    def set_limit(self, scope: str, data: dict, query: dict) -> dict:
        provider = self._provider_of(data.get("provider"))
        if provider is None:
            raise ValueError("a rate limit needs a 'provider'")
        self.state.set_rate_limit(scope, provider, data.get("requests_per_minute"))
        return {"scope": scope, "provider": provider,
                "requests_per_minute": data.get("requests_per_minute")}

    def batch_clock(self, scope: str, data: dict, query: dict) -> dict | None:
        return batches.admin(self.state, "GET", scope, data)  # batch clocks live with the batch jobs

    def batch_outcomes(self, scope: str, data: dict, query: dict) -> dict | None:
        return batches.admin(self.state, "POST", scope, data)

    def register_documents(self, scope: str, data: dict, query: dict) -> dict:
        return registered.admin("POST", data, scope)  # truth of documents made at run time, per scope

    def count_documents(self, scope: str, data: dict, query: dict) -> dict:
        return registered.admin("GET", data, scope)

    def forget_documents(self, scope: str, data: dict, query: dict) -> dict:
        return registered.admin("DELETE", data, scope)

    def reset(self, scope: str, data: dict, query: dict) -> dict:
        self.state.reset(scope)
        attached.forget(self.state, scope)  # responses, prompt caches, batch jobs
        registered.clear(scope)  # documents it registered
        return {"scope": scope, "cleared": "all"}


# The admin endpoints (mmcourse/emulator/README.md): (method, action under /_mmcourse/) -> answer.
ADMIN_ENDPOINTS: dict[tuple[str, str], Callable[..., dict | None]] = {
    ("GET", "health"): EmulatorApp.health,
    ("GET", "log"): EmulatorApp.read_log,
    ("DELETE", "log"): EmulatorApp.clear_log,
    ("POST", "faults"): EmulatorApp.add_fault,
    ("GET", "faults/schema"): EmulatorApp.fault_schema,
    ("DELETE", "faults"): EmulatorApp.clear_faults,
    ("POST", "limits"): EmulatorApp.set_limit,
    ("GET", "batches"): EmulatorApp.batch_clock,
    ("POST", "batches"): EmulatorApp.batch_outcomes,
    ("POST", "documents"): EmulatorApp.register_documents,
    ("GET", "documents"): EmulatorApp.count_documents,
    ("DELETE", "documents"): EmulatorApp.forget_documents,
    ("POST", "reset"): EmulatorApp.reset,
}


def _run_handler(handler, call: Call) -> Reply:
    try:
        with registered.answering_scope(call.scope):  # answers see this scope's registered documents
            return handler(call)
    except RecursionError:
        # Absurdly nested JSON that survived parsing: a client error, not a crash.
        raise ApiError(400, "The request is nested too deeply to process.") from None


def _cut_long_text(value):
    """A JSON value with every string over LOG_TEXT_LIMIT characters cut (a log record stays small
    whatever a prompt holds: 1000 records of a 95 MB prompt would not)."""
    if isinstance(value, dict):
        return {k: _cut_long_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cut_long_text(v) for v in value]
    if isinstance(value, str) and len(value) > LOG_TEXT_LIMIT:
        return f"{value[:LOG_TEXT_LIMIT]}...({len(value)} chars)"
    return value


def _origin(request: Request, headers: dict[str, str]) -> str:
    host = headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    return f"{request.url.scheme}://{host}"


def _json(body, status: int = 200) -> Response:
    return Response(json.dumps(body).encode(), status_code=status, media_type="application/json")


def _to_response(reply: Reply, headers: dict) -> Response:
    if reply.stream is not None:
        headers = {**headers, "cache-control": "no-cache"}
        return StreamingResponse(reply.stream, status_code=reply.status, headers=headers,
                                 media_type=reply.media_type)
    if reply.raw is not None:
        return Response(reply.raw, status_code=reply.status, headers=headers, media_type=reply.media_type)
    content = b"" if reply.body is None else json.dumps(reply.body).encode()
    return Response(content, status_code=reply.status, headers=headers, media_type=reply.media_type)


class _EmulatorHeader:
    """ASGI wrapper: every response, even a crash page, says it came from the emulator."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"x-mmcourse-emulator", VERSION.encode())]}
            await send(message)

        await self.app(scope, receive, send_with_header)


def warm_up() -> None:
    """Pay the first request's one-time costs before serving: the answer engine's imports,
    Pillow's format plugins, the course manifest's index and the NumPy paths of recognition
    (and, in the background, the course pictures' reference thumbnails)."""
    from PIL import Image

    from mmcourse import registry
    from mmcourse.emulator.answers import MediaItem, compose_answer
    from mmcourse.emulator.recognise import warm_references

    Image.init()
    picture = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 40, 40)).save(picture, format="JPEG")
    compose_answer("Describe this image.", [MediaItem("image/jpeg", picture.getvalue())],
                   provider="openai", model=registry.default_model("openai"))
    # The course pictures' thumbnails (seconds of video decoding) are made beside serving.
    threading.Thread(target=warm_references, name="mmcourse-emulator-warm-up", daemon=True).start()


def create_app(state: EmulatorState | None = None, owner_key: bytes | None = None) -> EmulatorApp:
    """A fresh emulator ASGI app (with its own state); ``owner_key`` lets it prove whose it is."""
    return EmulatorApp(state, owner_key)
