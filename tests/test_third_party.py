"""Third-party clients, unchanged but for their base URLs, work against the emulator.

LiteLLM, LangChain (langchain-openai, langchain-anthropic, langchain-google-genai), pydantic-ai
and instructor each: an image in and text out; streaming with usage; structured output in the
library's default mode (a tool call for pydantic-ai, instructor and ChatAnthropic); a 404 for a
retired model; a 429 answered by the library's own retry.

These libraries are not dependencies of the course: each test skips with the reason when its
library is not installed. Versions tested (beside openai 3.57.0, anthropic 2.15.0, google-genai
3.6.1): litellm 1.110.2, langchain-openai 1.7.4, langchain-anthropic 1.7.10,
langchain-google-genai 4.4.3 (langchain-core 1.8.3), pydantic-ai-slim[openai,anthropic] 2.68.0,
and instructor 1.17.0 (which needs openai 3.3.0 / jiter < 0.15, so it runs in its own env).
pydantic-ai's Google model needs google-genai < 3, so it is not tested here.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import json
import os
from pathlib import Path

import pytest
from pydantic import BaseModel

from mmcourse import registry

RECEIPT = (Path(__file__).resolve().parents[1] / "data" / "receipts" / "greenleaf_market.png").read_bytes()
RECEIPT_B64 = base64.b64encode(RECEIPT).decode()
RECEIPT_URL = f"data:image/png;base64,{RECEIPT_B64}"
TRUTH = {"store": "Greenleaf Market", "total": 35.91, "currency": "USD"}
MODELS = {"openai": "gpt-4o", "anthropic": "claude-sonnet-4-5", "gemini": "gemini-2.5-flash"}
RETIRED = {p: next(r.id for r in registry.RETIRED if r.provider == p) for p in registry.PROVIDERS}
ASK_STORE = "What store is this receipt from?"
ASK_EXPENSE = "Extract the expense from this receipt."


class Expense(BaseModel):
    store: str
    total: float
    currency: str


# .ci/run sets this in the second environment it builds for litellm and instructor, so that a
# broken install there fails the run instead of skipping quietly.
REQUIRED = {m for m in os.environ.get("MMCOURSE_REQUIRE_THIRD_PARTY", "").split(",") if m}


def need(module: str):
    """Import a third-party library, or skip: it is not a course dependency."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if module.split(".")[0] in REQUIRED:
            raise
        pytest.skip(f"{module} is not installed ({exc}); see this module's docstring for the versions")


def statuses(control, provider: str) -> list[int]:
    return [r["status"] for r in sorted(control.log(provider), key=lambda r: r["seq"])]


def fail_once_with_429(control, provider: str) -> None:
    control.inject_fault(provider, 429, count=1, retry_after=0.01)


# ---------------------------------------------------------------- LiteLLM


def litellm_target(origin: str, provider: str) -> tuple[str, str]:
    """(model, api_base): LiteLLM appends /chat/completions, /v1/messages, /models/... itself."""
    base = {"openai": origin + "/v1", "anthropic": origin, "gemini": origin + "/v1beta"}[provider]
    return f"{provider}/{MODELS[provider]}", base


@pytest.fixture
def litellm():
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch of the price list
    return need("litellm")


IMAGE_MESSAGES = [{"role": "user", "content": [{"type": "text", "text": ASK_STORE},
                                               {"type": "image_url", "image_url": {"url": RECEIPT_URL}}]}]


@pytest.mark.parametrize("provider", MODELS)
def test_litellm_image_in_text_out(litellm, origin, api_key, provider):
    model, base = litellm_target(origin, provider)
    resp = litellm.completion(model=model, api_base=base, api_key=api_key, messages=IMAGE_MESSAGES)
    assert "Greenleaf Market" in resp.choices[0].message.content


@pytest.mark.parametrize("provider", MODELS)
def test_litellm_stream_reports_usage(litellm, origin, api_key, provider):
    model, base = litellm_target(origin, provider)
    plain = litellm.completion(model=model, api_base=base, api_key=api_key, messages=IMAGE_MESSAGES)
    chunks = list(litellm.completion(model=model, api_base=base, api_key=api_key, messages=IMAGE_MESSAGES,
                                     stream=True, stream_options={"include_usage": True}))
    usage = [c.usage for c in chunks if getattr(c, "usage", None)][-1]
    assert usage.prompt_tokens == plain.usage.prompt_tokens > 0
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content


@pytest.mark.parametrize("provider", MODELS)
def test_litellm_structured_output(litellm, origin, api_key, provider):
    model, base = litellm_target(origin, provider)
    messages = [{"role": "user", "content": [{"type": "text", "text": ASK_EXPENSE},
                                             {"type": "image_url", "image_url": {"url": RECEIPT_URL}}]}]
    resp = litellm.completion(model=model, api_base=base, api_key=api_key, messages=messages, response_format=Expense)
    assert json.loads(resp.choices[0].message.content) == TRUTH


@pytest.mark.parametrize("provider", MODELS)
def test_litellm_retired_model_is_not_found(litellm, origin, api_key, provider):
    _, base = litellm_target(origin, provider)
    with pytest.raises(litellm.NotFoundError):
        litellm.completion(model=f"{provider}/{RETIRED[provider]}", api_base=base, api_key=api_key,
                           messages=[{"role": "user", "content": "hi"}])


@pytest.mark.parametrize("provider", MODELS)
def test_litellm_retries_a_429(litellm, origin, api_key, control, provider):
    model, base = litellm_target(origin, provider)
    fail_once_with_429(control, provider)
    resp = litellm.completion(model=model, api_base=base, api_key=api_key, num_retries=2,
                              messages=[{"role": "user", "content": "What is 2+2?"}])
    assert "4" in resp.choices[0].message.content
    assert statuses(control, provider) == [429, 200]


# ---------------------------------------------------------------- LangChain


def chat_model(provider: str, origin: str, api_key: str, model: str | None = None, **extra):
    """ChatOpenAI / ChatAnthropic / ChatGoogleGenerativeAI pointed at the emulator."""
    model = model or MODELS[provider]
    if provider == "openai":
        return need("langchain_openai").ChatOpenAI(model=model, base_url=origin + "/v1", api_key=api_key, **extra)
    if provider == "anthropic":
        return need("langchain_anthropic").ChatAnthropic(model=model, base_url=origin, api_key=api_key, **extra)
    return need("langchain_google_genai").ChatGoogleGenerativeAI(model=model, base_url=origin,
                                                                 google_api_key=api_key, **extra)


def image_message(text: str):
    messages = need("langchain_core.messages")
    return messages.HumanMessage(content=[{"type": "text", "text": text},
                                          {"type": "image", "base64": RECEIPT_B64, "mime_type": "image/png"}])


@pytest.mark.parametrize("provider", MODELS)
def test_langchain_image_in_text_out(origin, api_key, provider):
    llm = chat_model(provider, origin, api_key, max_retries=0)
    assert "Greenleaf Market" in llm.invoke([image_message(ASK_STORE)]).content


@pytest.mark.parametrize("provider", MODELS)
def test_langchain_stream_reports_usage(origin, api_key, provider):
    # ChatOpenAI asks for stream usage (stream_options.include_usage) only when told to off
    # api.openai.com; the other two always report it.
    extra = {"stream_usage": True} if provider == "openai" else {}
    llm = chat_model(provider, origin, api_key, max_retries=0, **extra)
    plain = llm.invoke([image_message(ASK_STORE)])
    chunks = list(llm.stream([image_message(ASK_STORE)]))
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    assert merged.usage_metadata["input_tokens"] == plain.usage_metadata["input_tokens"] > 0
    assert merged.usage_metadata["output_tokens"] > 0


@pytest.mark.parametrize("provider", MODELS)
def test_langchain_structured_output_in_its_default_mode(origin, api_key, control, provider):
    llm = chat_model(provider, origin, api_key, max_retries=0)
    result = llm.with_structured_output(Expense).invoke([image_message(ASK_EXPENSE)])
    assert result.model_dump() == TRUTH
    if provider == "anthropic":  # ChatAnthropic's default is a forced tool call
        [record] = control.log("anthropic")
        assert record["request"]["tools"][0]["name"] == "Expense"


@pytest.mark.parametrize("provider", MODELS)
def test_langchain_retired_model_is_not_found(origin, api_key, provider):
    llm = chat_model(provider, origin, api_key, RETIRED[provider], max_retries=0)
    with pytest.raises(Exception) as caught:
        llm.invoke("hi")
    assert "404" in str(caught.value) or getattr(caught.value, "status_code", None) == 404


@pytest.mark.parametrize("provider", MODELS)
def test_langchain_retries_a_429(origin, api_key, control, provider):
    llm = chat_model(provider, origin, api_key, max_retries=2)
    fail_once_with_429(control, provider)
    assert "4" in llm.invoke("What is 2+2?").content
    assert statuses(control, provider) == [429, 200]


# ---------------------------------------------------------------- pydantic-ai

PYDANTIC_AI_PROVIDERS = ("openai", "anthropic")


def agent_model(provider: str, origin: str, api_key: str, model: str | None = None):
    need("pydantic_ai")
    if provider == "openai":
        from pydantic_ai.models.openai import OpenAIChatModel
        from pydantic_ai.providers.openai import OpenAIProvider

        return OpenAIChatModel(model or MODELS[provider], provider=OpenAIProvider(base_url=origin + "/v1",
                                                                                  api_key=api_key))
    from pydantic_ai.models.anthropic import AnthropicModel
    from pydantic_ai.providers.anthropic import AnthropicProvider

    return AnthropicModel(model or MODELS[provider], provider=AnthropicProvider(base_url=origin, api_key=api_key))


def receipt_prompt(text: str) -> list:
    from pydantic_ai import BinaryContent

    return [text, BinaryContent(data=RECEIPT, media_type="image/png")]


@pytest.mark.parametrize("provider", PYDANTIC_AI_PROVIDERS)
def test_pydantic_ai_image_in_text_out(origin, api_key, provider):
    model = agent_model(provider, origin, api_key)  # skips when pydantic-ai is missing
    from pydantic_ai import Agent

    result = Agent(model).run_sync(receipt_prompt(ASK_STORE))
    assert "Greenleaf Market" in result.output


@pytest.mark.parametrize("provider", PYDANTIC_AI_PROVIDERS)
def test_pydantic_ai_stream_reports_usage(origin, api_key, provider):
    model = agent_model(provider, origin, api_key)
    from pydantic_ai import Agent

    async def run():
        async with Agent(model).run_stream(receipt_prompt(ASK_STORE)) as streamed:
            text = "".join([piece async for piece in streamed.stream_text(delta=True)])
            return text, streamed.usage  # a property in the locked pydantic-ai (a method before)

    text, usage = asyncio.run(run())
    assert "Greenleaf Market" in text and usage.input_tokens > 0 and usage.output_tokens > 0


@pytest.mark.parametrize("provider", PYDANTIC_AI_PROVIDERS)
def test_pydantic_ai_structured_output_is_a_tool_call(origin, api_key, control, provider):
    model = agent_model(provider, origin, api_key)
    from pydantic_ai import Agent

    result = Agent(model, output_type=Expense).run_sync(receipt_prompt(ASK_EXPENSE))
    assert result.output.model_dump() == TRUTH
    first = sorted(control.log(provider), key=lambda r: r["seq"])[0]
    assert first["request"]["tools"]  # pydantic-ai's default output mode is a tool


@pytest.mark.parametrize("provider", PYDANTIC_AI_PROVIDERS)
def test_pydantic_ai_retired_model_is_not_found(origin, api_key, provider):
    model = agent_model(provider, origin, api_key, RETIRED[provider])
    from pydantic_ai import Agent
    from pydantic_ai.exceptions import ModelHTTPError

    with pytest.raises(ModelHTTPError) as caught:
        Agent(model).run_sync("hi")
    assert caught.value.status_code == 404


@pytest.mark.parametrize("provider", PYDANTIC_AI_PROVIDERS)
def test_pydantic_ai_retries_a_429(origin, api_key, control, provider):
    model = agent_model(provider, origin, api_key)
    from pydantic_ai import Agent

    fail_once_with_429(control, provider)
    assert "4" in Agent(model).run_sync("What is 2+2?").output
    assert statuses(control, provider) == [429, 200]


# ---------------------------------------------------------------- instructor

INSTRUCTOR_PROVIDERS = ("openai", "anthropic")


def instructor_client(provider: str, origin: str, api_key: str, max_retries: int = 0):
    instructor = need("instructor")
    if provider == "openai":
        openai = need("openai")

        return instructor.from_openai(openai.OpenAI(base_url=origin + "/v1", api_key=api_key, max_retries=max_retries))
    anthropic = need("anthropic")

    return instructor.from_anthropic(anthropic.Anthropic(base_url=origin, api_key=api_key, max_retries=max_retries))


def instructor_messages(provider: str, text: str) -> list[dict]:
    if provider == "openai":
        return [{"role": "user", "content": [{"type": "text", "text": text},
                                             {"type": "image_url", "image_url": {"url": RECEIPT_URL}}]}]
    return [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": RECEIPT_B64}},
        {"type": "text", "text": text}]}]


def instructor_create(client, provider: str, **kwargs):
    create = client.chat.completions.create if provider == "openai" else client.messages.create
    extra = {} if provider == "openai" else {"max_tokens": 512}
    return create(model=kwargs.pop("model", MODELS[provider]), **extra, **kwargs)


@pytest.mark.parametrize("provider", INSTRUCTOR_PROVIDERS)
def test_instructor_image_in_structured_out_by_a_tool_call(origin, api_key, control, provider):
    client = instructor_client(provider, origin, api_key)
    expense = instructor_create(client, provider, response_model=Expense,
                                messages=instructor_messages(provider, ASK_EXPENSE))
    assert expense.model_dump() == TRUTH and client.mode.name == "TOOLS"
    [record] = control.log(provider)
    assert record["request"]["tools"]


@pytest.mark.parametrize("provider", INSTRUCTOR_PROVIDERS)
def test_instructor_image_in_text_out(origin, api_key, provider):
    client = instructor_client(provider, origin, api_key)
    resp = instructor_create(client, provider, response_model=None,
                             messages=instructor_messages(provider, ASK_STORE))
    text = resp.choices[0].message.content if provider == "openai" else resp.content[0].text
    assert "Greenleaf Market" in text


def test_instructor_streams_partial_objects_with_usage(origin, api_key):
    client = instructor_client("openai", origin, api_key)
    partials = list(client.chat.completions.create_partial(
        model=MODELS["openai"], response_model=Expense, messages=instructor_messages("openai", ASK_EXPENSE),
        stream_options={"include_usage": True}))
    assert partials[-1].model_dump() == TRUTH and len(partials) > 1
    _, completion = client.chat.completions.create_with_completion(
        model=MODELS["openai"], response_model=Expense, messages=instructor_messages("openai", ASK_EXPENSE))
    assert completion.usage.prompt_tokens > 0


@pytest.mark.parametrize("provider", INSTRUCTOR_PROVIDERS)
def test_instructor_retired_model_is_not_found(origin, api_key, provider):
    client = instructor_client(provider, origin, api_key)
    with pytest.raises(Exception) as caught:
        instructor_create(client, provider, model=RETIRED[provider], response_model=Expense,
                          messages=[{"role": "user", "content": "hi"}])
    assert "404" in str(caught.value) or "not_found" in str(caught.value)


@pytest.mark.parametrize("provider", INSTRUCTOR_PROVIDERS)
def test_instructor_retries_a_429(origin, api_key, control, provider):
    client = instructor_client(provider, origin, api_key, max_retries=2)
    fail_once_with_429(control, provider)
    expense = instructor_create(client, provider, response_model=Expense,
                                messages=instructor_messages(provider, ASK_EXPENSE))
    assert expense.model_dump() == TRUTH
    assert statuses(control, provider) == [429, 200]


# ---------------------------------------------------------------- what the installs hold


@pytest.mark.parametrize("module", ["langchain_openai", "langchain_anthropic", "langchain_google_genai",
                                    "pydantic_ai"])
def test_the_test_extra_installs_the_clients_that_fit_beside_the_sdks(module):
    """These four are in pyproject's test extra, so the suite runs them (never skips them)."""
    importlib.import_module(module)
