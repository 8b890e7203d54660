"""The one HTTP path every call takes: timeouts, retries that honour the server's delay, typed errors.

``ask(provider, prompt, *files)`` is the unified call the course builds up to: the same
function for OpenAI, Anthropic, Gemini and a local OpenAI-compatible server, offline (the
emulator) or live (the real host). A live call that fails raises; it never falls back.
"""

from __future__ import annotations

import json as jsonlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import requests

from . import config as configmod
from . import providers, registry
from .encoding import EncodedFile, EncodingError, check_size, detect_mime, encode_file, to_base64
from .providers.base import (
    Answer,
    FileRef,
    HttpRequest,
    LiveCallError,
    Media,
    Options,
    Part,
    Text,
    redact_url,
)
from .resolved import ProviderLike, ResolvedProvider, module_of, name_of, resolve
from .retry import RetryPolicy

DEFAULT_TIMEOUT = (5.0, 120.0)  # (connect, read) seconds; the SDKs use 5 s to connect

FileLike = str | Path | bytes | EncodedFile | Media | FileRef


class CapabilityError(ValueError):
    """The chosen model cannot take this kind of input; the message names one that can."""


def to_part(item: FileLike) -> Part:
    """A request part from a path, raw bytes, an EncodedFile, or an existing Media/FileRef."""
    if isinstance(item, (Media, FileRef, Text)):
        return item
    if isinstance(item, EncodedFile):
        return Media(item.mime, item.b64, Path(item.path).name)
    if isinstance(item, (bytes, bytearray)):
        return Media(detect_mime(bytes(item)), to_base64(bytes(item)))
    encoded = encode_file(item)
    return Media(encoded.mime, encoded.b64, Path(encoded.path).name)


def modality(mime: str) -> str:
    """The registry modality of a MIME type."""
    if mime == "application/pdf":
        return registry.PDF
    kind = mime.split("/", 1)[0]
    return {"image": registry.IMAGE, "audio": registry.AUDIO, "video": registry.VIDEO}.get(kind, registry.TEXT)


def check_capability(provider: ProviderLike, model: str, parts: list[Part]) -> None:
    """Raise CapabilityError before sending when ``model`` cannot read one of ``parts``."""
    name = name_of(provider)
    models = provider.models if isinstance(provider, ResolvedProvider) else registry.models_for(name)
    if not models:
        return  # a provider whose models are not in the registry (a self-hosted server) decides
    entry = registry.get_model(model)
    if entry.provider != name:
        raise CapabilityError(f"{model!r} is a {entry.provider} model, not a {name} one.")
    for part in parts:
        if isinstance(part, Text):
            continue
        needed = modality(part.mime)
        if needed not in entry.modalities:
            able = [m.id for m in models if needed in m.modalities]
            hint = f"use {able[0]!r}" if able else "use a provider that reads it (Gemini reads every modality)"
            raise CapabilityError(f"{model} does not accept {needed} input ({part.mime}): {hint}.")


SHRINK_FIX = ("shrink it with mmcourse.resize_image(path, max_edge=1568) or upload it with "
              "mmcourse.files.upload(provider, path) and send the reference instead.")


def check_limits(provider: ProviderLike, parts: list[Part]) -> None:
    """Raise EncodingError, naming the limit and the fix, before sending media a provider refuses."""
    facts = module_of(provider).WIRE_FACTS
    provider = name_of(provider)
    media = [p for p in parts if isinstance(p, Media)]
    images = [p for p in media if p.mime.startswith("image/")]
    if facts.max_images is not None and len(images) > facts.max_images:
        raise EncodingError(f"{len(images)} images in one request; {provider} accepts up to "
                            f"{facts.max_images}: split the request.")
    for part in images:
        name = part.name or "an image"
        # Anthropic measures its per-image limit on the base64 text, OpenAI on the bytes.
        if facts.max_image_b64_bytes is not None:
            check_size(len(part.b64), facts.max_image_b64_bytes, f"{name} as base64", provider, SHRINK_FIX)
        if facts.max_image_bytes is not None:
            check_size(len(part.b64) * 3 // 4, facts.max_image_bytes, name, provider, SHRINK_FIX)
    total = sum(len(p.b64) for p in media)
    check_size(total, facts.max_request_bytes, "the request's media as base64", provider, SHRINK_FIX)


@dataclass
class Exchange:
    """The last request sent and the response received, for inspection in a notebook."""

    request: HttpRequest
    status: int | None = None
    response: Any = None
    attempts: int = 0
    seconds: float = 0.0


class Client:
    """Sends provider requests over one ``requests.Session`` with retries and typed errors."""

    def __init__(
        self,
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session = session or requests.Session()
        self.timeout = timeout
        self.max_retries = max_retries
        self.sleep = sleep
        self.last: Exchange | None = None

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy for ``max_retries`` (mmcourse.retry, shared with the router)."""
        return RetryPolicy(retries=self.max_retries)

    def _post(self, request: HttpRequest, stream: bool, retried: bool = False) -> requests.Response:
        try:
            return self.session.request(
                request.method, request.url, headers=request.headers, json=request.json,
                timeout=self.timeout, stream=stream,
            )
        except requests.RequestException as exc:
            from .session import revive_emulator

            if not retried and revive_emulator(request.url):  # the offline emulator had stopped
                return self._post(request, stream, retried=True)
            raise LiveCallError(
                f"{request.provider}: no answer from {redact_url(request.url)} "
                f"({type(exc).__name__}). mmcourse does not fall back to the emulator: check the "
                "network or the base URL, or set MMCOURSE_MODE=offline."
            ) from None

    def send(self, request: HttpRequest, stream: bool = False,
             provider: ResolvedProvider | None = None) -> requests.Response:
        """Send with retries on 408/409/429/5xx, waiting as long as the server asks; raise APIError.

        ``provider``: ``request.provider`` already resolved (``mmcourse.resolved``), if it is.
        """
        return self._send(request, stream, module_of(provider or request.provider))

    def _send(self, request: HttpRequest, stream: bool, module: ModuleType) -> requests.Response:
        started = time.monotonic()
        self.last = Exchange(request)
        for attempt in range(self.max_retries + 1):
            response = self._post(request, stream)
            self.last.attempts = attempt + 1
            self.last.status = response.status_code
            if response.status_code < 400:
                self.last.seconds = time.monotonic() - started
                return response
            try:
                body: Any = response.json()
            except ValueError:
                body = response.text
            self.last.response = body
            error = module.parse_error(response.status_code, dict(response.headers), body)
            wait = self.retry.delay(error, attempt)
            if wait is None:
                self.last.seconds = time.monotonic() - started
                raise error
            self.sleep(wait)
        raise AssertionError("unreachable")

    def complete(self, request: HttpRequest, provider: ResolvedProvider | None = None) -> Answer:
        """Send a non-streaming request and parse the answer."""
        module = module_of(provider or request.provider)
        response = self._send(request, False, module)
        body = response.json()
        assert self.last is not None
        self.last.response = body
        return module.parse_response(body)

    def stream(self, request: HttpRequest, provider: ResolvedProvider | None = None) -> Iterator[str]:
        """Send a streaming request and yield the text deltas as they arrive."""
        module = module_of(provider or request.provider)
        with self._send(request, True, module) as response:
            # SSE is UTF-8 by definition; servers rarely send a charset, so decode here.
            lines = (line.decode("utf-8") for line in response.iter_lines())
            for event, data in iter_sse(lines):
                if data == "[DONE]":  # OpenAI's terminator; Anthropic and Gemini just end
                    return
                # Each provider's stream_delta raises the in-stream errors of its own format.
                text = module.stream_delta(event, jsonlib.loads(data))
                if text:
                    yield text


def iter_sse(lines: Iterator[str]) -> Iterator[tuple[str | None, str]]:
    """Parse server-sent events: yield (event name or None, data) for each event."""
    event: str | None = None
    data: list[str] = []
    for line in lines:
        if line is None:
            continue
        if line == "":
            if data:
                yield event, "\n".join(data)
            event, data = None, []
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
    if data:
        yield event, "\n".join(data)


_default_client: Client | None = None


def default_client() -> Client:
    """The shared client notebooks use (one connection pool)."""
    global _default_client
    if _default_client is None:
        _default_client = Client()
    return _default_client


def build(
    provider: ProviderLike,
    prompt: str,
    *files: FileLike,
    model: str | None = None,
    cfg: configmod.ProviderConfig | None = None,
    **options: Any,
) -> HttpRequest:
    """The request ``ask`` would send, without sending it (for inspecting the wire format).

    ``provider`` is a name, or a provider ``ask`` or the router resolved already; ``cfg``
    (default: the environment's, nothing is started) says where the request goes.
    """
    spec = resolve(provider, cfg, start_emulator=False)
    parts = [to_part(f) for f in files] + ([Text(prompt)] if prompt else [])
    media = [p for p in parts if not isinstance(p, Text)]
    first = modality(media[0].mime) if media else registry.TEXT
    model = model or spec.default_model(first)
    check_capability(spec, model, parts)
    check_limits(spec, parts)
    builder = request_builder(spec, options.pop("api", None))
    known = {k: options.pop(k) for k in list(options) if k in Options.__dataclass_fields__}
    opts = Options(**known, extra=options.pop("extra", {}) | options)
    return builder(model, parts, opts, base_url=spec.base_url, api_key=spec.api_key)


def request_builder(provider: ProviderLike, api: str | None = None) -> Callable[..., HttpRequest]:
    """The provider's request builder for one of its wire formats (``api=None``: its default).

    OpenAI has two: ``"chat"`` (Chat Completions, the default) and ``"responses"`` (the
    Responses API OpenAI recommends for new projects); the others have one.
    """
    module = module_of(provider)
    if api is None:
        return module.build_request
    apis = getattr(module, "APIS", {})  # declared only by providers with several wire formats
    if api not in apis:
        offered = "; ".join(f"{name}: {', '.join(sorted(m.APIS))}" for name, m in providers.MODULES.items()
                            if hasattr(m, "APIS"))
        raise ValueError(f"{name_of(provider)} has no api={api!r}. Wire formats to choose from: {offered} "
                         "(leave api out for a provider's default).")
    return apis[api]


def ask(
    provider: str,
    prompt: str,
    *files: FileLike,
    model: str | None = None,
    stream: bool = False,
    client: Client | None = None,
    **options: Any,
) -> Answer | Iterator[str]:
    """Ask ``provider`` about ``files`` with ``prompt``; return an Answer (or text deltas if ``stream``).

    Options: ``max_output_tokens``, ``system``, ``temperature``, ``json``, ``detail``; ``api``
    picks a provider's wire format (``ask("openai", ..., api="responses")`` speaks the Responses
    API instead of Chat Completions); anything else is merged into the request body as-is.

    >>> answer = ask("gemini", "What is in this photo?", "data/photos/chelsea.jpg")  # doctest: +SKIP
    >>> print(answer.text, answer.usage)                                            # doctest: +SKIP
    """
    spec = resolve(provider)  # the one lookup of this call; everything below is handed ``spec``
    request = build(spec, prompt, *files, model=model, stream=stream, **options)
    client = client or default_client()
    return client.stream(request, spec) if stream else client.complete(request, spec)
