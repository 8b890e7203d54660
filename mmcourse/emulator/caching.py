"""Prompt caching: the emulator remembers request prefixes per scope for their TTL.

So the second identical long request reports a cache read, in each provider's own usage fields:

* **OpenAI** (automatic, free): a repeated prefix of 1,024 tokens or more is read from the cache,
  "with cache hits occurring in increments of 128 tokens" (openai-cookbook Prompt_Caching_201,
  2026). Chat: ``usage.prompt_tokens_details.cached_tokens``; Responses:
  ``usage.input_tokens_details.cached_tokens``. ``prompt_cache_key`` separates caches.
* **Anthropic** (explicit): ``cache_control: {"type": "ephemeral", "ttl": "5m" | "1h"}`` on up to
  4 blocks (tools -> system -> messages), or top-level automatic caching (the last cacheable
  block). A prefix shorter than the model's minimum is not cached. Usage:
  ``cache_creation_input_tokens``, ``cache_read_input_tokens``, ``cache_creation.ephemeral_5m/1h
  _input_tokens`` and ``input_tokens`` = the tokens after the last cached prefix
  (platform.claude.com build-with-claude/prompt-caching, 2026; anthropic-sdk-python types).
* **Gemini** implicit caching: ``usageMetadata.cachedContentTokenCount``, counted inside
  ``promptTokenCount`` (ai.google.dev/gemini-api/docs/caching, 2026-07). Explicit
  ``cachedContents`` live in ``gemini_cached_contents``.

A prefix is the request's content blocks in order; its identity is a SHA-256 over the blocks'
canonical JSON (``cache_control`` left out), so only a byte-identical prefix hits, as at the
real APIs. Token counts are the emulator's usual ones (media exact, text approximate).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mmcourse.emulator.anthropic_common import _invalid
from mmcourse.emulator.attached import attached
from mmcourse.emulator.generate import media_tokens, text_tokens
from mmcourse.emulator.media import Media

# OpenAI: minimum and increment (Prompt_Caching_201, 2026). Retention: in-memory caches live
# "5 to 10 minutes of inactivity, up to one hour"; the emulator keeps a prefix 10 minutes.
OPENAI_MIN_TOKENS = 1024
OPENAI_INCREMENT = 128
OPENAI_TTL = 600.0
OPENAI_MEDIA_PARTS = frozenset({"image_url", "input_audio", "file", "input_image", "input_file"})

# Anthropic: TTLs, the breakpoint cap, and the minimum cacheable prefix per model. The table
# is a mid-2026 third-party summary of the prompt-caching doc (UNCONFIRMED from a primary copy);
# models not listed use 1024, the long-standing Sonnet/Opus figure.
ANTHROPIC_TTLS = {"5m": 300.0, "1h": 3600.0}
ANTHROPIC_MAX_BREAKPOINTS = 4
ANTHROPIC_MIN_TOKENS = {
    "claude-opus-4-5": 4096, "claude-opus-4-6": 4096, "claude-haiku-4-5": 4096,
    "claude-opus-4-7": 2048,
    "claude-opus-4-8": 1024, "claude-sonnet-5": 1024, "claude-sonnet-4-6": 1024,
    "claude-sonnet-4-5": 1024,
}
ANTHROPIC_DEFAULT_MIN = 1024

# Gemini implicit caching minimums (2026-07 docs): 2048 for 2.5 Flash/Pro, 4096 for 3.x.
# How long an implicit cache lives is not documented (UNCONFIRMED): the emulator keeps 5 min.
GEMINI_IMPLICIT_MIN = {"gemini-2.5": 2048, "gemini-3": 4096}
GEMINI_DEFAULT_MIN = 2048
GEMINI_IMPLICIT_TTL = 300.0
MAX_ENTRIES = 20_000  # emulator memory cap on remembered prefixes


@dataclass
class Entry:
    """One remembered prefix: how many tokens it holds and when it expires."""

    tokens: int
    expires: float


class PromptCache:
    """Remembered prefixes, keyed by (scope, provider, model, cache key, prefix digest)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple, Entry] = {}

    def read(self, key: tuple, now: float, ttl: float | None = None) -> Entry | None:
        """The live entry for ``key`` (a read refreshes its TTL, as the real caches do)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.expires <= now:
                self._entries.pop(key, None)
                return None
            if ttl is not None:
                entry.expires = max(entry.expires, now + ttl)
            return entry

    def write(self, key: tuple, tokens: int, ttl: float, now: float) -> None:
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                for old in [k for k, e in self._entries.items() if e.expires <= now]:
                    del self._entries[old]
                while len(self._entries) >= MAX_ENTRIES:
                    del self._entries[next(iter(self._entries))]
            current = self._entries.get(key)
            self._entries[key] = Entry(tokens, max(now + ttl, current.expires if current else 0.0))

    def forget(self, scope: str) -> None:
        with self._lock:
            for key in [k for k in self._entries if k[0] == scope]:
                del self._entries[key]


# -- prefixes ---------------------------------------------------------------------------------
def canonical(block: Any, media: Iterable[Media] = ()) -> bytes:
    """A block's identity bytes: its JSON with sorted keys and without ``cache_control``, every
    string over ``_DIGESTED_CHARS`` stood for by a digest (serialising a 1 MB base64 image took
    7 ms). The base64 text of one of the block's ``media`` (decoded and hashed already) is stood
    for by that media's SHA-256 with the text's length and first characters; any other long
    string by its own SHA-256."""
    if isinstance(block, dict):
        block = {k: v for k, v in block.items() if k != "cache_control"}
    media = list(media)
    lengths = [(4 * len(m.data) + 2) // 3 for m in media]  # base64 characters without padding
    # Only a length that one media item alone has tells which item a text encodes.
    by_length = {n: m for n, m in zip(lengths, media, strict=True) if lengths.count(n) == 1}
    return json.dumps(_digested(block, by_length), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8", "surrogatepass")


_DIGESTED_CHARS = 4096
_BASE64_TAIL = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")


def _digested(value: Any, by_length: dict[int, Media]) -> Any:
    """``value`` with each long string replaced by a small object naming its digest and length."""
    if isinstance(value, str):
        if len(value) <= _DIGESTED_CHARS:
            return value
        encoded = len(value) - value.rfind(",") - 1  # the payload of a data URL, or the whole string
        encoded -= 2 if value.endswith("==") else 1 if value.endswith("=") else 0
        item = by_length.pop(encoded, None)
        if item is not None and _BASE64_TAIL.fullmatch(value[-64:]):
            return {"\u0000media": item.sha256, "head": value[:64], "chars": len(value)}
        # ASCII (base64 always is) encodes as a copy; the UTF-8 codec would take 1 ms per MB.
        raw = value.encode("ascii") if value.isascii() else value.encode("utf-8", "surrogatepass")
        return {"\u0000sha256": hashlib.sha256(raw).hexdigest(), "chars": len(value)}
    if isinstance(value, dict):
        return {k: _digested(v, by_length) for k, v in value.items()}
    if isinstance(value, list):
        return [_digested(v, by_length) for v in value]
    return value


def block_text(block: Any) -> str:
    """The text a block carries, for counting tokens."""
    if isinstance(block, str):
        return block
    if isinstance(block, dict):
        for key in ("text", "refusal", "output"):
            if isinstance(block.get(key), str):
                return block[key]
        return json.dumps(block, sort_keys=True)
    return ""


def prefixes(blocks: Iterable[Any], media_counts: Iterable[int], tokens_of_media: list[int],
             media: Iterable[Media] = ()) -> list[tuple[str, int]]:
    """Cumulative (digest, tokens) after each block. ``media_counts[i]``: media items block i
    holds (of ``tokens_of_media`` and ``media``, in order)."""
    digest = hashlib.sha256()
    media_iter = iter(tokens_of_media)
    items = iter(media)
    total = 0
    out = []
    for block, n_media in zip(blocks, media_counts, strict=True):
        held = [m for m in (next(items, None) for _ in range(n_media)) if m is not None]
        digest.update(canonical(block, held))
        digest.update(b"\x1e")
        if n_media:
            total += sum(next(media_iter, 0) for _ in range(n_media))
        else:
            total += text_tokens(block_text(block))
        out.append((digest.hexdigest(), total))
    return out


def _media_token_list(provider: str, model: str, media: list[Media]) -> list[int]:
    return [media_tokens(provider, model, m)[1] for m in media]


# -- OpenAI: automatic ------------------------------------------------------------------------
def openai_cached_tokens(call, model: str, blocks: list[dict], media: list[Media], input_tokens: int,
                         *, key: str | None = None) -> int:
    """Cached prompt tokens for an OpenAI request (Chat or Responses), remembering its prefixes.

    ``blocks`` are the request's content parts in order (a string message is one block); each
    part of a media type holds one of ``media``, in order.
    """
    counts = [1 if isinstance(b, dict) and b.get("type") in OPENAI_MEDIA_PARTS else 0 for b in blocks]
    found = prefixes(blocks, counts, _media_token_list("openai", model, media), media)
    return _automatic(call, "openai", model, key, found, input_tokens, OPENAI_MIN_TOKENS,
                      OPENAI_TTL, OPENAI_INCREMENT)


def chat_blocks(body: dict) -> list[Any]:
    """A Chat Completions body's content parts in order (a string content is one block)."""
    out: list[Any] = []
    for message in body.get("messages") or []:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        if isinstance(content, list):
            out.extend({**p, "role": message.get("role")} if isinstance(p, dict) else p for p in content)
        elif content is not None:
            out.append({"role": message.get("role"), "text": content if isinstance(content, str) else ""})
    return out


def openai_chat_usage(call, body: dict, model: str, media: list[Media], usage_body: dict) -> None:
    """Set a Chat Completion's ``prompt_tokens_details.cached_tokens`` (hook in openai_wire)."""
    cached = openai_cached_tokens(call, model, chat_blocks(body), media, usage_body["prompt_tokens"],
                                  key=body.get("prompt_cache_key"))
    usage_body["prompt_tokens_details"]["cached_tokens"] = cached


def _automatic(call, provider: str, model: str, key: str | None, found: list[tuple[str, int]],
               input_tokens: int, minimum: int, ttl: float, increment: int) -> int:
    cache = attached(call.state, PromptCache)
    now = time.monotonic()
    best = 0
    for digest, tokens in found:
        if tokens >= minimum and cache.read((call.scope, provider, model, key, digest), now, ttl):
            best = tokens
    for digest, tokens in found:
        if tokens >= minimum:
            cache.write((call.scope, provider, model, key, digest), tokens, ttl, now)
    best = min(best, input_tokens)
    return best // increment * increment if best >= minimum else 0


# -- Anthropic: explicit breakpoints ----------------------------------------------------------
@dataclass(frozen=True)
class Breakpoint:
    index: int  # the block it sits on
    ttl: str
    where: str


def anthropic_blocks(body: dict) -> tuple[list[Any], list[Breakpoint | None], list[str]]:
    """Blocks in cache order (tools, system, messages), the breakpoint on each, and error paths."""
    blocks: list[Any] = []
    marks: list[Breakpoint | None] = []
    wheres: list[str] = []

    def add(block: Any, where: str) -> None:
        control = block.get("cache_control") if isinstance(block, dict) else None
        marks.append(None if control is None else _breakpoint(control, len(blocks), f"{where}.cache_control"))
        blocks.append(block)
        wheres.append(where)

    for i, tool in enumerate(body.get("tools") or []):
        add(tool, f"tools.{i}")
    system = body.get("system")
    if isinstance(system, str) and system:
        add({"type": "text", "text": system}, "system")
    elif isinstance(system, list):
        for k, block in enumerate(system):
            add(block, f"system.{k}")
    for i, message in enumerate(body.get("messages") or []):
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            add({"type": "text", "text": content}, f"messages.{i}.content")
        elif isinstance(content, list):
            for j, block in enumerate(content):
                add(block, f"messages.{i}.content.{j}")
    top = body.get("cache_control")
    if top is not None and blocks:
        # Automatic caching (GA 2026-02-19): a marker on the last cacheable block.
        auto = _breakpoint(top, len(blocks) - 1, "cache_control")
        marks[-1] = marks[-1] or auto
    return blocks, marks, wheres


def _breakpoint(control: Any, index: int, where: str) -> Breakpoint:
    if not isinstance(control, dict):
        raise _invalid(f"{where}: Input should be a valid dictionary or object to extract fields from")
    if control.get("type") != "ephemeral":
        raise _invalid(f"{where}.type: Input should be 'ephemeral'")
    ttl = control.get("ttl", "5m")
    if ttl not in ANTHROPIC_TTLS:
        raise _invalid(f"{where}.ttl: Input should be '5m' or '1h'")
    return Breakpoint(index, ttl, where)


def _anthropic_media_count(block: Any) -> int:
    """How many decoded media items the wire made from this block (images and PDF documents)."""
    if not isinstance(block, dict):
        return 0
    kind = block.get("type")
    source = block.get("source") if isinstance(block.get("source"), dict) else {}
    if kind == "image":
        return 1
    if kind == "document":
        if source.get("type") in ("base64", "url"):
            return 1
        if source.get("type") == "content" and isinstance(source.get("content"), list):
            return sum(_anthropic_media_count(b) for b in source["content"])
        return 1 if source.get("type") == "file" else 0  # 0 when a text file: see _fit_counts
    if kind == "tool_result" and isinstance(block.get("content"), list):
        return sum(_anthropic_media_count(b) for b in block["content"])
    return 0


def anthropic_usage(call, body: dict, model: str, media: list[Media], usage_body: dict) -> None:
    """Fill an Anthropic ``usage`` with cache writes and reads (hook in anthropic_wire.messages).

    ``usage_body["input_tokens"]`` holds the whole prompt on entry; on return it holds the
    tokens after the cached prefix, and total prompt = input + cache writes + cache reads.
    """
    blocks, marks, _ = anthropic_blocks(body)
    points = [m for m in marks if m is not None]
    if not points:
        return
    if len(points) > ANTHROPIC_MAX_BREAKPOINTS:
        raise _invalid(f"A maximum of {ANTHROPIC_MAX_BREAKPOINTS} blocks with cache_control may be "
                       f"provided. Found {len(points)}.")
    counts = [_anthropic_media_count(b) for b in blocks]
    # File-API text documents decode to text, not media: count only what the wire measured.
    if sum(counts) != len(media):
        counts = _fit_counts(blocks, counts, len(media))
    found = prefixes(blocks, counts, _media_token_list("anthropic", model, media), media)
    total = usage_body["input_tokens"]
    minimum = ANTHROPIC_MIN_TOKENS.get(model, ANTHROPIC_DEFAULT_MIN)
    cache = attached(call.state, PromptCache)
    now = time.monotonic()
    read_upto = 0
    for point in points:
        digest, tokens = found[point.index]
        if cache.read((call.scope, "anthropic", model, None, digest), now, ANTHROPIC_TTLS[point.ttl]):
            read_upto = tokens
    written = {"5m": 0, "1h": 0}
    edge = read_upto
    for point in points:
        digest, tokens = found[point.index]
        if tokens < minimum or tokens <= edge:
            continue
        cache.write((call.scope, "anthropic", model, None, digest), tokens, ANTHROPIC_TTLS[point.ttl], now)
        written[point.ttl] += tokens - edge
        edge = tokens
    read = min(read_upto, total)
    room = total - read  # counts are approximate: never report more than the prompt holds
    for ttl in ("1h", "5m"):
        written[ttl] = min(written[ttl], room)
        room -= written[ttl]
    created = written["5m"] + written["1h"]
    usage_body["input_tokens"] = max(0, total - read - created)
    usage_body["cache_read_input_tokens"] = read
    usage_body["cache_creation_input_tokens"] = created
    usage_body["cache_creation"] = {"ephemeral_5m_input_tokens": written["5m"],
                                    "ephemeral_1h_input_tokens": written["1h"]}


def _fit_counts(blocks: list[Any], counts: list[int], n_media: int) -> list[int]:
    """Drop media counts from file-sourced documents until they match what the wire decoded."""
    counts = list(counts)
    for i, block in enumerate(blocks):
        if sum(counts) <= n_media:
            break
        source = block.get("source") if isinstance(block, dict) else None
        if isinstance(source, dict) and source.get("type") == "file" and counts[i]:
            counts[i] = 0
    return counts


# -- Gemini: implicit -------------------------------------------------------------------------
GEMINI_MEDIA_PARTS = ("inline_data", "file_data")


def gemini_blocks(request: dict) -> tuple[list[Any], list[int]]:
    """A (snake_case) generateContent request's parts in order, system first, and media per part."""
    parts: list[Any] = []
    instruction = request.get("system_instruction") or {}
    parts.extend(instruction.get("parts") or [])
    for content in request.get("contents") or []:
        parts.extend({**p, "_role": content.get("role") or "user"} for p in content.get("parts") or [])
    counts = [sum(1 for k in GEMINI_MEDIA_PARTS if isinstance(p, dict) and p.get(k) is not None) for p in parts]
    return parts, counts


def gemini_minimum(model: str) -> int:
    return next((n for prefix, n in GEMINI_IMPLICIT_MIN.items() if model.startswith(prefix)), GEMINI_DEFAULT_MIN)


def gemini_implicit_tokens(call, model: str, request: dict, media: list[Media], prompt_tokens: int) -> int:
    """``cachedContentTokenCount`` of an implicit cache hit (0 for a miss), remembering the prefix."""
    parts, counts = gemini_blocks(request)
    found = prefixes(parts, counts, _media_token_list("gemini", model, media), media)
    return _automatic(call, "gemini", model, None, found, prompt_tokens, gemini_minimum(model),
                      GEMINI_IMPLICIT_TTL, 1)


def gemini_usage(call, model: str, request: dict, media: list[Media], usage_meta: dict,
                 explicit_tokens: int = 0) -> None:
    """Set ``cachedContentTokenCount`` (explicit cache, else an implicit hit; hook in gemini_wire)."""
    cached = explicit_tokens or gemini_implicit_tokens(call, model, request, media, usage_meta["promptTokenCount"])
    if cached:
        usage_meta["cachedContentTokenCount"] = min(cached, usage_meta["promptTokenCount"])


def gemini_stream_usage(chunks: list[dict], usage_meta: dict) -> list[dict]:
    """Stream chunks carrying the request's ``cachedContentTokenCount`` in every usageMetadata."""
    cached = usage_meta.get("cachedContentTokenCount")
    if cached:
        for chunk in chunks:
            chunk.setdefault("usageMetadata", {})["cachedContentTokenCount"] = cached
    return chunks

