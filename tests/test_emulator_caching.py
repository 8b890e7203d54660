"""Prompt caching in the emulator: a cache write, then a read, in each provider's own usage fields.

Facts: Anthropic prompt-caching docs and anthropic-sdk-python usage types (cache_control on
text/image/document blocks, TTLs 5m/1h, at most 4 breakpoints, per-model minimums); OpenAI
Prompt_Caching_201 (automatic for prefixes of 1,024+ tokens, hits in 128-token increments);
Gemini caching docs (implicit ``cachedContentTokenCount`` inside ``promptTokenCount``, explicit
``cachedContents``). Each test has its own key, so its own cache scope.
"""

from __future__ import annotations

import base64

import pytest
import requests

from mmcourse import datasets, registry
from tests.sdks import need

OPENAI_MODEL = registry.default_model("openai")
CLAUDE_MODEL = registry.default_model("anthropic")  # minimum cacheable prefix 1024 tokens
GEMINI_MODEL = "gemini-2.5-flash"  # implicit-caching minimum 2048 tokens (2026-07 docs)
# ~6,000 tokens of distinct words: long enough for every provider's minimum.
MANUAL = " ".join(f"Rule {i}: refunds for order class {i} go to desk {i % 7}." for i in range(600))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()








# ---------------------------------------------------------------- OpenAI (automatic)


def chat(oai, question: str):
    return oai.chat.completions.create(model=OPENAI_MODEL, messages=[
        {"role": "system", "content": MANUAL}, {"role": "user", "content": question}])


def test_openai_second_identical_long_chat_reads_from_the_cache(oai):
    first = chat(oai, "Where do refunds for class 12 go?")
    second = chat(oai, "Where do refunds for class 12 go?")
    assert first.usage.prompt_tokens_details.cached_tokens == 0
    cached = second.usage.prompt_tokens_details.cached_tokens
    assert cached >= 1024 and cached % 128 == 0
    assert cached <= second.usage.prompt_tokens


def test_openai_shared_long_prefix_is_cached_when_the_question_changes(oai):
    chat(oai, "Where do refunds for class 12 go?")
    other = chat(oai, "Where do refunds for class 40 go?")
    cached = other.usage.prompt_tokens_details.cached_tokens
    assert 1024 <= cached < other.usage.prompt_tokens


def test_openai_short_prompt_is_never_cached(oai):
    for _ in range(2):
        short = oai.chat.completions.create(model=OPENAI_MODEL, messages=[{"role": "user", "content": "Hi"}])
    assert short.usage.prompt_tokens_details.cached_tokens == 0


def test_openai_prompt_cache_key_separates_caches(oai):
    oai.chat.completions.create(model=OPENAI_MODEL, prompt_cache_key="a", messages=[
        {"role": "system", "content": MANUAL}, {"role": "user", "content": "Q"}])
    other_key = oai.chat.completions.create(model=OPENAI_MODEL, prompt_cache_key="b", messages=[
        {"role": "system", "content": MANUAL}, {"role": "user", "content": "Q"}])
    assert other_key.usage.prompt_tokens_details.cached_tokens == 0


def test_openai_responses_usage_reports_cached_input_tokens(oai):
    first = oai.responses.create(model=OPENAI_MODEL, instructions=MANUAL, input="Where does class 3 go?")
    second = oai.responses.create(model=OPENAI_MODEL, instructions=MANUAL, input="Where does class 3 go?")
    assert first.usage.input_tokens_details.cached_tokens == 0
    assert second.usage.input_tokens_details.cached_tokens >= 1024


def test_openai_cache_is_per_scope(origin, oai):
    openai = need("openai")
    chat(oai, "Where does class 5 go?")
    stranger = openai.OpenAI(api_key="another-learner-key", base_url=origin + "/v1", max_retries=0)
    other = stranger.chat.completions.create(model=OPENAI_MODEL, messages=[
        {"role": "system", "content": MANUAL}, {"role": "user", "content": "Where does class 5 go?"}])
    assert other.usage.prompt_tokens_details.cached_tokens == 0


# ---------------------------------------------------------------- Anthropic (breakpoints)


def cached_system(ttl: str | None = None) -> list:
    control = {"type": "ephemeral", **({"ttl": ttl} if ttl else {})}
    return [{"type": "text", "text": MANUAL, "cache_control": control}]


def ask_claude(claude, system, question="Where do refunds for class 12 go?", **kw):
    return claude.messages.create(model=CLAUDE_MODEL, max_tokens=200, system=system,
                                  messages=[{"role": "user", "content": question}], **kw)


def test_anthropic_breakpoint_writes_then_reads_the_cache(claude):
    first = ask_claude(claude, cached_system())
    second = ask_claude(claude, cached_system())
    written = first.usage.cache_creation_input_tokens
    assert written > 1024 and first.usage.cache_read_input_tokens == 0
    assert first.usage.cache_creation.ephemeral_5m_input_tokens == written
    assert second.usage.cache_creation_input_tokens == 0
    assert second.usage.cache_read_input_tokens == written
    # The prompt total is the same both times: uncached + written + read.
    total = lambda u: u.input_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens  # noqa: E731
    assert total(first.usage) == total(second.usage)


def test_anthropic_one_hour_ttl_is_reported_apart(claude):
    first = ask_claude(claude, cached_system("1h"))
    assert first.usage.cache_creation.ephemeral_1h_input_tokens == first.usage.cache_creation_input_tokens > 0
    assert first.usage.cache_creation.ephemeral_5m_input_tokens == 0


def test_anthropic_without_cache_control_nothing_is_cached(claude):
    for _ in range(2):
        plain = ask_claude(claude, MANUAL)
    assert plain.usage.cache_creation_input_tokens == 0 and plain.usage.cache_read_input_tokens == 0


def test_anthropic_prefix_below_the_model_minimum_is_not_cached(claude):
    short = [{"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}}]
    for _ in range(2):
        reply = ask_claude(claude, short)
    assert reply.usage.cache_creation_input_tokens == 0 and reply.usage.cache_read_input_tokens == 0


def test_anthropic_top_level_cache_control_caches_automatically(claude):
    first = ask_claude(claude, MANUAL, extra_body={"cache_control": {"type": "ephemeral"}})
    second = ask_claude(claude, MANUAL, extra_body={"cache_control": {"type": "ephemeral"}})
    assert first.usage.cache_creation_input_tokens > 1024
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens


def test_anthropic_image_block_breakpoint_caches_the_image(claude):
    photo = datasets.path("photos/astronaut.jpg").read_bytes()
    content = [{"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": b64(photo)}},
               {"type": "text", "text": MANUAL, "cache_control": {"type": "ephemeral"}},
               {"type": "text", "text": "Describe the photo."}]
    first = claude.messages.create(model=CLAUDE_MODEL, max_tokens=200, messages=[{"role": "user", "content": content}])
    second = claude.messages.create(model=CLAUDE_MODEL, max_tokens=200, messages=[{"role": "user", "content": content}])
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens > 0
    assert second.usage.input_tokens > 0  # the question after the breakpoint is not cached


def test_anthropic_document_block_breakpoint_caches_the_pdf(claude):
    pdf = datasets.path("documents/annual_report.pdf").read_bytes()
    content = [{"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": b64(pdf)},
                "cache_control": {"type": "ephemeral"}},
               {"type": "text", "text": MANUAL, "cache_control": {"type": "ephemeral"}},
               {"type": "text", "text": "Summarise the report."}]
    first = claude.messages.create(model=CLAUDE_MODEL, max_tokens=200, messages=[{"role": "user", "content": content}])
    second = claude.messages.create(model=CLAUDE_MODEL, max_tokens=200, messages=[{"role": "user", "content": content}])
    assert first.usage.cache_creation_input_tokens > 0
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens


def test_anthropic_stream_message_start_carries_the_cache_read(claude):
    ask_claude(claude, cached_system())
    with claude.messages.stream(model=CLAUDE_MODEL, max_tokens=200, system=cached_system(),
                                messages=[{"role": "user", "content": "Where do refunds for class 12 go?"}]) as s:
        start = next(e for e in s if e.type == "message_start")
    assert start.message.usage.cache_read_input_tokens > 1024


def test_anthropic_more_than_four_breakpoints_is_rejected(claude):
    anthropic = need("anthropic")
    blocks = [{"type": "text", "text": f"part {i}", "cache_control": {"type": "ephemeral"}} for i in range(5)]
    with pytest.raises(anthropic.BadRequestError) as err:
        ask_claude(claude, blocks)
    assert "A maximum of 4 blocks with cache_control may be provided. Found 5." in err.value.message


def test_anthropic_unknown_ttl_is_rejected(claude):
    anthropic = need("anthropic")
    with pytest.raises(anthropic.BadRequestError) as err:
        ask_claude(claude, cached_system("10m"))
    assert "system.0.cache_control.ttl: Input should be '5m' or '1h'" in err.value.message


# ---------------------------------------------------------------- Gemini (implicit and explicit)


def test_gemini_second_identical_long_request_reports_an_implicit_hit(gem):
    genai_types = need("google.genai.types")
    config = genai_types.GenerateContentConfig(system_instruction=MANUAL)
    first = gem.models.generate_content(model=GEMINI_MODEL, contents="Where does class 9 go?", config=config)
    second = gem.models.generate_content(model=GEMINI_MODEL, contents="Where does class 9 go?", config=config)
    assert first.usage_metadata.cached_content_token_count is None
    cached = second.usage_metadata.cached_content_token_count
    assert 2048 <= cached <= second.usage_metadata.prompt_token_count


def test_gemini_stream_chunks_report_the_implicit_hit(gem):
    genai_types = need("google.genai.types")
    config = genai_types.GenerateContentConfig(system_instruction=MANUAL)
    gem.models.generate_content(model=GEMINI_MODEL, contents="Where does class 11 go?", config=config)
    chunks = list(gem.models.generate_content_stream(model=GEMINI_MODEL, contents="Where does class 11 go?",
                                                     config=config))
    assert all(c.usage_metadata.cached_content_token_count >= 2048 for c in chunks)


def test_gemini_explicit_cache_create_use_list_delete(gem):
    genai_types = need("google.genai.types")
    genai_errors = need("google.genai.errors")
    cache = gem.caches.create(model=GEMINI_MODEL, config=genai_types.CreateCachedContentConfig(
        contents=[genai_types.Content(role="user", parts=[genai_types.Part(text=MANUAL)])],
        system_instruction="You answer from the refund manual.", ttl="600s", display_name="manual"))
    assert cache.name.startswith("cachedContents/") and cache.display_name == "manual"
    assert cache.usage_metadata.total_token_count > 2048
    answer = gem.models.generate_content(model=GEMINI_MODEL, contents="Where does class 9 go?",
                                         config=genai_types.GenerateContentConfig(cached_content=cache.name))
    assert answer.usage_metadata.cached_content_token_count == cache.usage_metadata.total_token_count
    assert answer.usage_metadata.prompt_token_count > cache.usage_metadata.total_token_count
    assert [c.name for c in gem.caches.list()] == [cache.name]
    gem.caches.delete(name=cache.name)
    with pytest.raises(genai_errors.ClientError) as err:
        gem.caches.get(name=cache.name)
    assert err.value.code == 403


def test_gemini_cache_ttl_update_moves_expire_time(gem):
    genai_types = need("google.genai.types")
    cache = gem.caches.create(model=GEMINI_MODEL, config=genai_types.CreateCachedContentConfig(
        contents=[genai_types.Content(role="user", parts=[genai_types.Part(text=MANUAL)])], ttl="60s"))
    updated = gem.caches.update(name=cache.name, config=genai_types.UpdateCachedContentConfig(ttl="7200s"))
    assert (updated.expire_time - cache.expire_time).total_seconds() > 7000


def test_gemini_raw_delete_answers_an_empty_object(origin, api_key):
    headers = {"x-goog-api-key": api_key}
    created = requests.post(f"{origin}/v1beta/cachedContents", headers=headers, timeout=30, json={
        "model": f"models/{GEMINI_MODEL}", "ttl": "300s",
        "contents": [{"role": "user", "parts": [{"text": MANUAL}]}]}).json()
    deleted = requests.delete(f"{origin}/v1beta/{created['name']}", headers=headers, timeout=30)
    assert deleted.status_code == 200 and deleted.json() == {}


def test_gemini_too_small_explicit_cache_is_rejected(gem):
    genai_types = need("google.genai.types")
    genai_errors = need("google.genai.errors")
    with pytest.raises(genai_errors.ClientError) as err:
        gem.caches.create(model=GEMINI_MODEL, config=genai_types.CreateCachedContentConfig(
            contents=[genai_types.Content(role="user", parts=[genai_types.Part(text="tiny")])]))
    assert "Cached content is too small" in err.value.message


def test_gemini_cached_content_with_a_system_instruction_is_rejected(gem):
    genai_types = need("google.genai.types")
    genai_errors = need("google.genai.errors")
    cache = gem.caches.create(model=GEMINI_MODEL, config=genai_types.CreateCachedContentConfig(
        contents=[genai_types.Content(role="user", parts=[genai_types.Part(text=MANUAL)])]))
    with pytest.raises(genai_errors.ClientError) as err:
        gem.models.generate_content(model=GEMINI_MODEL, contents="Q", config=genai_types.GenerateContentConfig(
            cached_content=cache.name, system_instruction="Be brief."))
    assert "CachedContent can not be used with GenerateContent request setting system_instruction" in err.value.message


def test_reset_forgets_the_scope_prompt_cache(oai, control):
    chat(oai, "Where does class 7 go?")
    control.reset()
    again = chat(oai, "Where does class 7 go?")
    assert again.usage.prompt_tokens_details.cached_tokens == 0
