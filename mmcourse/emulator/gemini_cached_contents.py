"""Gemini explicit context caching: ``/v1beta/cachedContents`` (create, get, list, patch, delete)
and its use through ``cachedContent`` in ``generateContent``.

Shapes from the Gemini API docs (ai.google.dev/gemini-api/docs/caching, 2026) and the REST
cookbook (quickstarts/rest/Caching_REST): a ``CachedContent`` is ``{"name":
"cachedContents/<id>", "model", "createTime", "updateTime", "expireTime", "displayName",
"usageMetadata": {"totalTokenCount"}}``; ``DELETE`` answers ``{}``; a request that names it gets
its contents first and reports ``cachedContentTokenCount`` inside ``promptTokenCount``.
Default TTL 1 hour; ``ttl`` (a Duration, ``"600s"``) or ``expireTime`` sets another.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mmcourse.emulator import caching
from mmcourse.emulator import models as served_models
from mmcourse.emulator.attached import attached
from mmcourse.emulator.gemini_common import (
    _CONTENT,
    ANY,
    NAME,
    VERSION_PATH,
    Msg,
    Repeated,
    _error,
    _invalid,
    _timestamp,
    normalize,
)
from mmcourse.emulator.generate import usage_for
from mmcourse.emulator.wire import Call, Reply, stable_token

DEFAULT_TTL = 3600.0
MAX_CACHES = 1000  # emulator memory cap
_CACHED_CONTENT = Msg("CachedContent", {
    "model": "string", "contents": Repeated(_CONTENT), "system_instruction": _CONTENT,
    "tools": ANY, "tool_config": ANY, "ttl": "string", "expire_time": "string",
    "display_name": "string", "name": "string",
})
_DURATION = re.compile(r"(\d+(?:\.\d+)?)s")
NOT_FOUND = "CachedContent not found (or permission denied)"  # Google's 403 (real responses, 2024-2025)


@dataclass
class CachedContent:
    """One explicit cache: the request parts it holds and its lifetime."""

    scope: str
    id: str
    model: str
    request: dict  # snake_case contents / system_instruction / tools / tool_config
    display_name: str
    tokens: int
    created: float
    updated: float
    expires: float

    def body(self) -> dict:
        return {"name": f"cachedContents/{self.id}", "model": f"models/{self.model}",
                "createTime": _timestamp(self.created), "updateTime": _timestamp(self.updated),
                "expireTime": _timestamp(self.expires), "displayName": self.display_name,
                "usageMetadata": {"totalTokenCount": self.tokens}}


class CacheStore:
    """Explicit caches of one emulator (an expired one is gone, as at Google)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._caches: dict[str, CachedContent] = {}

    def put(self, cache: CachedContent) -> None:
        with self._lock:
            now = time.time()
            for key in [k for k, c in self._caches.items() if c.expires <= now]:
                del self._caches[key]
            while len(self._caches) >= MAX_CACHES:
                del self._caches[next(iter(self._caches))]
            self._caches[cache.id] = cache

    def get(self, cache_id: str) -> CachedContent | None:
        with self._lock:
            cache = self._caches.get(cache_id)
            return cache if cache is not None and cache.expires > time.time() else None

    def listed(self, scope: str) -> list[CachedContent]:
        with self._lock:
            now = time.time()
            return [c for c in self._caches.values() if c.scope == scope and c.expires > now]

    def delete(self, cache_id: str) -> bool:
        with self._lock:
            return self._caches.pop(cache_id, None) is not None

    def forget(self, scope: str) -> None:
        with self._lock:
            for key in [k for k, c in self._caches.items() if c.scope == scope]:
                del self._caches[key]


def _seconds(ttl: str) -> float:
    m = _DURATION.fullmatch(ttl.strip())
    if not m:
        raise _invalid("Invalid value at 'cached_content.ttl' (type.googleapis.com/google.protobuf.Duration), "
                       "Field 'ttl', Illegal duration format; duration must end with 's'", "cached_content.ttl")
    return float(m.group(1))


def _expiry(request: dict, now: float) -> float | None:
    if request.get("ttl") is not None:
        return now + _seconds(request["ttl"])
    if request.get("expire_time") is not None:
        try:
            return datetime.fromisoformat(request["expire_time"].replace("Z", "+00:00")).timestamp()
        except ValueError:
            raise _invalid(f"Invalid value at 'cached_content.expire_time' (type.googleapis.com/"
                           f"google.protobuf.Timestamp), Field 'expireTime', Invalid time format: "
                           f"{request['expire_time']}", "cached_content.expire_time") from None
    return None


class CachedContentsApi:
    """The ``cachedContents`` routes; ``wire`` is the Gemini wire (JSON body, gathering parts)."""

    def __init__(self, wire: Any, body_limit: int) -> None:
        self.wire = wire
        v = VERSION_PATH
        one = v + "/cachedContents/{cache_id:resource}"
        self.routes = [
            ("POST", v + "/cachedContents", self.create, body_limit),
            ("GET", v + "/cachedContents", self.list, body_limit),
            ("GET", one, self.get, body_limit),
            ("PATCH", one, self.update, body_limit),
            ("DELETE", one, self.delete, body_limit),
        ]

    def create(self, call: Call) -> Reply:
        body = self.wire._json_body(call)
        if not isinstance(body, dict):
            raise _invalid("Invalid JSON payload received. Expected an object for CachedContent.", "")
        request = normalize(body, _CACHED_CONTENT, "cached_content")
        model_name = request.get("model")
        if not model_name:
            raise _invalid("* CreateCachedContentRequest.cached_content.model: model is required\n",
                           "cached_content.model")  # wording UNCONFIRMED
        call.model = model_name.removeprefix("models/")
        try:
            model = served_models.resolve(NAME, call.model)
        except served_models.ModelNotFound:
            raise _error(404, f"models/{call.model} is not found for API version {call.params['version']}, "
                         "or is not supported for createCachedContent.") from None
        found = self.wire._gather(call, request, model)
        call.media = found["media"]
        tokens = usage_for(NAME, model.id, found["texts"], found["media"], "").input_tokens
        minimum = caching.gemini_minimum(model.id)
        if tokens < minimum:  # Google's wording (2024-25 errors); the 2026 minimums are UNCONFIRMED
            raise _invalid(f"Cached content is too small. total_token_count={tokens}, "
                           f"min_total_token_count={minimum}")
        now = time.time()
        expires = _expiry(request, now) or now + DEFAULT_TTL
        count = call.state.next_count(call.scope)
        cache = CachedContent(
            scope=call.scope, id=stable_token(call.scope, count, call.request_id, length=12,
                                              alphabet="abcdefghijklmnopqrstuvwxyz0123456789"),
            model=model.id,
            request={k: request[k] for k in ("contents", "system_instruction", "tools", "tool_config") if k in request},
            display_name=request.get("display_name", ""), tokens=tokens, created=now, updated=now,
            expires=expires)
        attached(call.state, CacheStore).put(cache)
        return Reply(cache.body())

    def _cache(self, call: Call) -> CachedContent:
        cache = attached(call.state, CacheStore).get(call.params["cache_id"])
        if cache is None:
            raise _error(403, NOT_FOUND)
        return cache

    def get(self, call: Call) -> Reply:
        return Reply(self._cache(call).body())

    def list(self, call: Call) -> Reply:
        caches = attached(call.state, CacheStore).listed(call.scope)
        return Reply({"cachedContents": [c.body() for c in caches]} if caches else {})

    def update(self, call: Call) -> Reply:
        cache = self._cache(call)
        body = self.wire._json_body(call)
        request = normalize(body if isinstance(body, dict) else {}, _CACHED_CONTENT, "cached_content")
        now = time.time()
        expires = _expiry(request, now)
        if expires is None:
            raise _invalid("Only ttl or expire_time can be updated on a CachedContent.", "update_mask")
        cache.expires, cache.updated = expires, now
        return Reply(cache.body())

    def delete(self, call: Call) -> Reply:
        cache = self._cache(call)
        attached(call.state, CacheStore).delete(cache.id)
        return Reply({})

    @staticmethod
    def apply(call: Call, request: dict, model) -> tuple[dict, int]:
        """A generateContent request with its ``cachedContent`` put in front, and the cached tokens.

        Hook in ``gemini_wire.model_method``; a request without ``cachedContent`` is returned as is.
        """
        name = request.get("cached_content")
        if not name:
            return request, 0
        cache = attached(call.state, CacheStore).get(str(name).removeprefix("cachedContents/"))
        if cache is None:
            raise _error(403, NOT_FOUND)
        if cache.model != model.id:
            raise _invalid(f"Model used by GenerateContent request (models/{model.id}) and CachedContent "
                           f"(models/{cache.model}) has to be the same!")
        clash = [k for k in ("system_instruction", "tools", "tool_config") if request.get(k)]
        if clash:  # Google's wording (real errors quoted in public issues, 2024-2025)
            raise _invalid("CachedContent can not be used with GenerateContent request setting "
                           "system_instruction, tools or tool_config.\n\nProposed fix: move those values "
                           "to CachedContent from GenerateContent request.")
        merged = {**request, **{k: v for k, v in cache.request.items() if k != "contents"}}
        merged["contents"] = [*(cache.request.get("contents") or []), *(request.get("contents") or [])]
        return merged, cache.tokens
