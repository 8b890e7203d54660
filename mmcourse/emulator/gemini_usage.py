"""Gemini's ``usageMetadata`` and thinking: prompt, candidates and thinking tokens, as 2026
responses report them, and the thought parts ``includeThoughts`` asks for.

``totalTokenCount`` = prompt + candidates + thoughts (real responses, gemini-2.5-flash, 2026:
18 + 80 + 35 = 133); ``serviceTier`` is new in 2026; every ``alt=sse`` chunk carries the
running counts.
"""

from __future__ import annotations

import base64

# Models that think by default (Gemini thinking docs: 2.5 Pro/Flash and 3.x think unless
# thinkingBudget is 0, which 2.5 Pro refuses; 2.5 Flash-Lite does not think by default).
THINKS_BY_DEFAULT = ("gemini-2.5-pro", "gemini-2.5-flash", "gemini-3")
NO_THINKING_BY_DEFAULT = ("gemini-2.5-flash-lite",)


def thought_tokens(model_id: str, config: dict, output_tokens: int) -> int:
    """Thinking tokens to report: 0 for non-thinking models or ``thinkingBudget: 0``.

    No model thinks here, so the count is a stand-in (a fixed 24 plus twice the answer's tokens,
    capped by the budget) that keeps ``totalTokenCount`` = prompt + candidates + thoughts, as
    the real API reports it.
    """
    thinking = config.get("thinking_config") or {}
    budget = thinking.get("thinking_budget")
    thinks = model_id.startswith(THINKS_BY_DEFAULT) and not model_id.startswith(NO_THINKING_BY_DEFAULT)
    if budget is not None:
        thinks = int(budget) != 0 or model_id.startswith("gemini-2.5-pro")
    if not thinks:
        return 0
    count = 24 + 2 * output_tokens
    return min(count, int(budget)) if budget is not None and int(budget) > 0 else count


def usage_metadata(prompt: int, candidates: int, thoughts: int, details: list[dict]) -> dict:
    """``usageMetadata`` as 2026 responses carry it (totalTokenCount includes the thoughts)."""
    meta = {"promptTokenCount": prompt, "candidatesTokenCount": candidates,
            "totalTokenCount": prompt + candidates + thoughts, "promptTokensDetails": details}
    if thoughts:
        meta["thoughtsTokenCount"] = thoughts
    meta["serviceTier"] = "standard"  # 2026 responses name the tier (absent in 2025 ones)
    return meta


def details(usage) -> list[dict]:
    """``promptTokensDetails``: tokens per input modality (TEXT always listed)."""
    return [{"modality": name, "tokenCount": count}
            for name, count in usage.input_by_modality.items() if count or name == "TEXT"]


def thought_parts(config: dict, thoughts: int, seed: str) -> list[dict]:
    """The ``{"text": ..., "thought": true}`` part ``includeThoughts`` asks for (thinking models).

    It says there is no reasoning to show: no model runs here.
    """
    if not thoughts or not (config.get("thinking_config") or {}).get("include_thoughts"):
        return []
    from mmcourse.emulator.generate import NO_THOUGHTS

    return [{"text": NO_THOUGHTS, "thought": True}]


def signature(seed: str) -> str:
    """An opaque ``thoughtSignature`` (Gemini 3 wants it echoed back with function calls)."""
    from mmcourse.emulator.wire import stable_token

    return base64.b64encode(f"mmcourse-offline-{stable_token(seed, 'signature', length=48)}".encode()).decode()
