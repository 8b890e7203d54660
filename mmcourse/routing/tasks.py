"""Which models suit which task, in order of preference, and the strategies for media."""

from __future__ import annotations

from .. import registry

AUDIO, IMAGE, PDF, TEXT, VIDEO = registry.AUDIO, registry.IMAGE, registry.PDF, registry.TEXT, registry.VIDEO


NATIVE, FRAMES, TRANSCRIBE = "native", "frames", "transcribe_then_analyse"


STRATEGIES = (NATIVE, FRAMES, TRANSCRIBE)


# Task -> (provider, model) in order of preference. This order is the course's judgement of
# quality for the price in 2026 (cheap models for simple work, strong ones for "complex"), not a
# benchmark: edit it, or pass prefer=/order="cost" to a call. Ids are checked against the
# registry at import, so a retired id fails loudly here rather than at request time.
TASKS: dict[str, tuple[tuple[str, str], ...]] = {
    "classify": (("gemini", "gemini-2.5-flash-lite"), ("openai", "gpt-5.4-nano"),
                 ("anthropic", "claude-haiku-4-5")),
    "describe": (("gemini", "gemini-2.5-flash"), ("openai", "gpt-5.4-mini"),
                 ("anthropic", "claude-sonnet-4-6")),
    "ocr": (("gemini", "gemini-2.5-flash"), ("openai", "gpt-5.4-mini"),
            ("anthropic", "claude-sonnet-4-6")),
    "chart": (("gemini", "gemini-2.5-flash"), ("anthropic", "claude-sonnet-4-6"),
              ("openai", "gpt-5.4-mini")),
    "transcribe": (("gemini", "gemini-2.5-flash"), ("openai", "gpt-audio-mini")),
    "summarise_audio": (("gemini", "gemini-2.5-flash"), ("openai", "gpt-audio-mini"),
                        ("anthropic", "claude-sonnet-4-6")),
    "video": (("gemini", "gemini-2.5-flash"), ("openai", "gpt-5.4-mini"),
              ("anthropic", "claude-sonnet-4-6")),
    "document": (("gemini", "gemini-2.5-flash"), ("anthropic", "claude-sonnet-4-6"),
                 ("openai", "gpt-5.4-mini")),
    "complex": (("anthropic", "claude-opus-4-7"), ("openai", "gpt-5.5"),
                ("gemini", "gemini-3.1-pro-preview")),
}


# Who makes transcripts for a model without audio input (Claude): the "transcribe" candidates.
TRANSCRIBE_TASK = "transcribe"


# The task used when a call names none: by the first medium attached (text-only -> describe).
DEFAULT_TASK = {VIDEO: "video", AUDIO: "summarise_audio", PDF: "document", IMAGE: "describe",
                TEXT: "describe"}


TRANSCRIBE_PROMPT = (
    "Transcribe this audio verbatim. Write only the words spoken, one speaker turn per line, "
    "prefixed with the speaker's name if it is said."
)


# Speech runs ~150 words/min, ~1.3 tokens/word: ~3.3 tokens/s. 4/s, doubled for the transcript's
# max_output_tokens, keeps the estimate an upper bound (an approximation, not a measurement).
TRANSCRIPT_TOKENS_PER_SECOND = 4


DEFAULT_MAX_OUTPUT_TOKENS = 512


def _check_tasks() -> None:
    for task, candidates in TASKS.items():
        for provider, model in candidates:
            entry = registry.get_model(model)  # UnknownModelError names retired ids' replacements
            if entry.provider != provider:
                raise ValueError(f"TASKS[{task!r}] lists {model} under {provider}, not {entry.provider}")


_check_tasks()

