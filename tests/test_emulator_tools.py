"""Tool (function) calling at the three wires, raw and through the official SDKs.

The shapes and error strings are the real APIs' (provider-facts-2026 §2, from the OpenAPI spec,
the SDKs' types and real recorded traffic). Arguments come from ground truth: the course receipt
``greenleaf_market.png`` and ``record_expense(store, total, currency)`` give its true values.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import requests

from mmcourse.emulator.media import Media
from mmcourse.emulator.tools import (
    ToolChoice,
    ToolResult,
    ToolSpec,
    answer_after_results,
    choose_tool_calls,
    wanted_tools,
)
from tests.sdks import need

RECEIPT = (Path(__file__).resolve().parents[1] / "data" / "receipts" / "greenleaf_market.png").read_bytes()
TRUTH = {"store": "Greenleaf Market", "total": 35.91, "currency": "USD"}
EXPENSE_SCHEMA = {"type": "object", "properties": {"store": {"type": "string"}, "total": {"type": "number"},
                                                    "currency": {"type": "string"}},
                  "required": ["store", "total", "currency"], "additionalProperties": False}
WEATHER_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
                  "additionalProperties": False}
ASK = "Record this receipt as an expense."


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# ---------------------------------------------------------------- the provider-neutral core


def test_auto_wants_the_tool_whose_name_the_prompt_uses():
    tools = [ToolSpec("record_expense", "Save one expense"), ToolSpec("get_weather", "Weather for a city")]
    assert [t.name for t in wanted_tools("Please record this expense", tools)] == ["record_expense"]


def test_a_prompt_asking_to_use_the_tool_wants_the_only_one():
    assert [t.name for t in wanted_tools("What is the capital of the UK? Use the tool, then answer.",
                                         [ToolSpec("get_capital")])] == ["get_capital"]


def test_auto_answers_in_text_when_no_tool_is_asked_for():
    calls = choose_tool_calls("Hello there", [], [ToolSpec("record_expense", "Save one expense")],
                              ToolChoice("auto"), system=None, provider="openai", model="gpt-4o")
    assert calls == []


def test_arguments_come_from_the_receipts_ground_truth():
    [call] = choose_tool_calls(ASK, [Media(mime="image/png", data=RECEIPT)],
                               [ToolSpec("record_expense", "Record one expense", EXPENSE_SCHEMA)],
                               ToolChoice("tool", "record_expense"), system=None, provider="openai",
                               model="gpt-4o")
    assert call.arguments == TRUTH


def test_parallel_calls_every_tool_asked_for_and_serial_only_the_first():
    tools = [ToolSpec("record_expense", "Save one expense"), ToolSpec("get_weather", "Weather")]
    prompt = "Record the expense and get the weather"
    both = choose_tool_calls(prompt, [], tools, ToolChoice("auto"), system=None, provider="openai",
                             model="gpt-4o", parallel=True)
    one = choose_tool_calls(prompt, [], tools, ToolChoice("auto"), system=None, provider="openai",
                            model="gpt-4o", parallel=False)
    assert [c.name for c in both] == ["record_expense", "get_weather"] and [c.name for c in one] == ["record_expense"]


def test_json_answer_after_results_takes_the_results_values():
    text = answer_after_results("Where?", [], [ToolResult("lookup", '{"city": "Mexico City", "country": "Mexico"}')],
                                system=None, provider="gemini", model="gemini-2.5-flash",
                                json_schema={"type": "object", "properties": {"city": {}, "country": {}}})
    assert json.loads(text) == {"city": "Mexico City", "country": "Mexico"}


# ---------------------------------------------------------------- OpenAI


def chat(origin, api_key, **body):
    return requests.post(f"{origin}/v1/chat/completions", json={"model": "gpt-4o", **body},
                         headers={"Authorization": f"Bearer {api_key}"}, timeout=30)


def oai_tool(name="record_expense", schema=EXPENSE_SCHEMA, **extra):
    return {"type": "function", "function": {"name": name, "description": "Record one expense",
                                             "parameters": schema, **extra}}


OAI_RECEIPT = [{"role": "user", "content": [
    {"type": "text", "text": ASK},
    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64(RECEIPT)}"}}]}]


def oai_error(resp) -> dict:
    assert resp.status_code == 400, resp.text[:300]
    return resp.json()["error"]


def test_openai_forced_tool_choice_is_answered_with_a_call(origin, api_key):
    body = chat(origin, api_key, messages=OAI_RECEIPT, tools=[oai_tool()],
                tool_choice={"type": "function", "function": {"name": "record_expense"}}).json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"] is None
    [call] = choice["message"]["tool_calls"]
    assert call["id"].startswith("call_") and call["type"] == "function"
    assert json.loads(call["function"]["arguments"]) == TRUTH  # arguments are a JSON string


def test_openai_tool_result_is_what_the_next_answer_uses(origin, api_key):
    first = chat(origin, api_key, messages=[{"role": "user", "content": "Use the tool: capital of the UK?"}],
                 tools=[oai_tool("get_capital", WEATHER_SCHEMA)]).json()["choices"][0]["message"]
    call_id = first["tool_calls"][0]["id"]
    follow = [{"role": "user", "content": "Use the tool: capital of the UK?"}, first,
              {"role": "tool", "tool_call_id": call_id, "content": "London"}]
    answer = chat(origin, api_key, messages=follow, tools=[oai_tool("get_capital", WEATHER_SCHEMA)]).json()
    assert answer["choices"][0]["finish_reason"] == "stop"
    assert "London" in answer["choices"][0]["message"]["content"]


def test_openai_parallel_tool_calls_false_gives_one_call(origin, api_key):
    tools = [oai_tool("record_expense"), oai_tool("get_weather", WEATHER_SCHEMA)]
    ask = [{"role": "user", "content": "Record the expense and get the weather"}]
    both = chat(origin, api_key, messages=ask, tools=tools).json()["choices"][0]["message"]["tool_calls"]
    one = chat(origin, api_key, messages=ask, tools=tools, parallel_tool_calls=False).json()
    assert len(both) == 2 and len(one["choices"][0]["message"]["tool_calls"]) == 1


def test_openai_stream_sends_tool_call_deltas_keyed_by_index(origin, api_key):
    resp = chat(origin, api_key, messages=OAI_RECEIPT, tools=[oai_tool()], tool_choice="required", stream=True)
    chunks = [json.loads(line[6:]) for line in resp.text.splitlines() if line.startswith("data: {")]
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"] and c["choices"][0]["delta"].get("tool_calls")]
    head = deltas[0]["tool_calls"][0]
    assert head["id"].startswith("call_") and head["function"] == {"name": "record_expense", "arguments": ""}
    joined = "".join(d["tool_calls"][0]["function"]["arguments"] for d in deltas)
    assert json.loads(joined) == TRUTH
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_openai_tool_choice_without_tools_is_400(origin, api_key):
    err = oai_error(chat(origin, api_key, messages=[{"role": "user", "content": "hi"}], tool_choice="auto"))
    assert err["message"] == "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified."


def test_openai_undefined_tool_choice_name_is_400(origin, api_key):
    err = oai_error(chat(origin, api_key, messages=[{"role": "user", "content": "hi"}], tools=[oai_tool()],
                         tool_choice={"type": "function", "function": {"name": "send_email"}}))
    assert (err["message"], err["param"]) == ("Tool choice 'send_email' not found in 'tools' parameter.", "tool_choice")


def test_openai_parameters_that_are_not_an_object_schema_are_400(origin, api_key):
    err = oai_error(chat(origin, api_key, messages=[{"role": "user", "content": "hi"}],
                         tools=[oai_tool(schema={"type": "string"})]))
    assert err["code"] == "invalid_function_parameters"
    assert err["message"] == ("Invalid schema for function 'record_expense': schema must be a JSON Schema of "
                              "'type: \"object\"', got 'type: \"string\"'.")


def test_openai_strict_schema_must_close_additional_properties(origin, api_key):
    open_schema = {k: v for k, v in EXPENSE_SCHEMA.items() if k != "additionalProperties"}
    err = oai_error(chat(origin, api_key, messages=[{"role": "user", "content": "hi"}],
                         tools=[oai_tool(schema=open_schema, strict=True)]))
    assert err["message"] == ("Invalid schema for function 'record_expense': In context=(), 'additionalProperties' "
                              "is required to be supplied and to be false.")


def test_openai_tool_message_without_its_call_is_400(origin, api_key):
    err = oai_error(chat(origin, api_key, tools=[oai_tool()], messages=[
        {"role": "user", "content": "hi"}, {"role": "tool", "tool_call_id": "call_x", "content": "done"}]))
    assert err["message"] == ("Invalid parameter: messages with role 'tool' must be a response to a preceeding "
                              "message with 'tool_calls'.")
    assert err["param"] == "messages.[1].role"


def test_openai_unanswered_tool_call_is_400(origin, api_key):
    call = {"id": "call_W353", "type": "function", "function": {"name": "record_expense", "arguments": "{}"}}
    err = oai_error(chat(origin, api_key, tools=[oai_tool()], messages=[
        {"role": "user", "content": "hi"}, {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "user", "content": "and?"}]))
    assert err["message"].endswith("The following tool_call_ids did not have response messages: call_W353")


def test_openai_sdk_reads_tool_calls_and_streams_them(origin, api_key):
    openai = need("openai")
    client = openai.OpenAI(api_key=api_key, base_url=origin + "/v1", max_retries=0)
    resp = client.chat.completions.create(model="gpt-4o", messages=OAI_RECEIPT, tools=[oai_tool()])
    assert json.loads(resp.choices[0].message.tool_calls[0].function.arguments) == TRUTH
    with client.chat.completions.stream(model="gpt-4o", messages=OAI_RECEIPT, tools=[oai_tool()]) as stream:
        final = stream.get_final_completion()
    assert json.loads(final.choices[0].message.tool_calls[0].function.arguments) == TRUTH


# ---------------------------------------------------------------- Anthropic


def messages(origin, api_key, **body):
    return requests.post(f"{origin}/v1/messages",
                         json={"model": "claude-sonnet-4-5", "max_tokens": 512, **body},
                         headers={"x-api-key": api_key, "anthropic-version": "2023-06-01"}, timeout=30)


ANT_TOOL = {"name": "record_expense", "description": "Record one expense", "input_schema": EXPENSE_SCHEMA}
ANT_RECEIPT = [{"role": "user", "content": [
    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": b64(RECEIPT)}},
    {"type": "text", "text": ASK}]}]


def ant_error(resp) -> str:
    assert resp.status_code == 400, resp.text[:300]
    return resp.json()["error"]["message"]


def test_anthropic_forced_tool_is_a_tool_use_block(origin, api_key):
    body = messages(origin, api_key, messages=ANT_RECEIPT, tools=[ANT_TOOL],
                    tool_choice={"type": "tool", "name": "record_expense"}).json()
    assert body["stop_reason"] == "tool_use"
    [block] = body["content"]
    assert block["type"] == "tool_use" and block["id"].startswith("toolu_01") and block["input"] == TRUTH


def test_anthropic_image_inside_a_tool_result_is_read_from_ground_truth(origin, api_key):
    use = {"type": "tool_use", "id": "toolu_01A", "name": "get_receipt", "input": {}}
    result = {"type": "tool_result", "tool_use_id": "toolu_01A", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": b64(RECEIPT)}}]}
    body = messages(origin, api_key, tools=[{"name": "get_receipt", "input_schema": {"type": "object"}}],
                    messages=[{"role": "user", "content": "Get the receipt. What store is it from?"},
                              {"role": "assistant", "content": [use]}, {"role": "user", "content": [result]}]).json()
    assert body["stop_reason"] == "end_turn" and "Greenleaf Market" in body["content"][0]["text"]


def test_anthropic_disable_parallel_tool_use_gives_one_call(origin, api_key):
    tools = [ANT_TOOL, {"name": "get_weather", "input_schema": WEATHER_SCHEMA}]
    ask = [{"role": "user", "content": "Record the expense and get the weather"}]
    both = messages(origin, api_key, messages=ask, tools=tools).json()["content"]
    one = messages(origin, api_key, messages=ask, tools=tools,
                   tool_choice={"type": "auto", "disable_parallel_tool_use": True}).json()["content"]
    assert [b["name"] for b in both] == ["record_expense", "get_weather"] and len(one) == 1


def test_anthropic_stream_sends_input_json_deltas(origin, api_key):
    resp = messages(origin, api_key, messages=ANT_RECEIPT, tools=[ANT_TOOL], tool_choice={"type": "any"}, stream=True)
    events = [json.loads(line[6:]) for line in resp.text.splitlines() if line.startswith("data: ")]
    start = next(e for e in events if e["type"] == "content_block_start")
    assert start["content_block"]["type"] == "tool_use" and start["content_block"]["input"] == {}
    pieces = [e["delta"]["partial_json"] for e in events if e["type"] == "content_block_delta"]
    assert pieces[0] == "" and json.loads("".join(pieces)) == TRUTH
    assert next(e for e in events if e["type"] == "message_delta")["delta"]["stop_reason"] == "tool_use"


def test_anthropic_tool_choice_without_tools_is_400(origin, api_key):
    msg = ant_error(messages(origin, api_key, messages=[{"role": "user", "content": "hi"}], tool_choice={"type": "auto"}))
    assert msg == "tool_choice may only be specified while providing tools."


def test_anthropic_tool_without_input_schema_is_400(origin, api_key):
    msg = ant_error(messages(origin, api_key, messages=[{"role": "user", "content": "hi"}],
                             tools=[{"name": "record_expense"}]))
    assert msg == "tools.0.custom.input_schema: Field required"


def test_anthropic_tool_use_without_a_result_is_400(origin, api_key):
    use = {"type": "tool_use", "id": "toolu_01HW", "name": "record_expense", "input": {}}
    msg = ant_error(messages(origin, api_key, tools=[ANT_TOOL], messages=[
        {"role": "user", "content": "hi"}, {"role": "assistant", "content": [use]},
        {"role": "user", "content": "and?"}]))
    assert msg == ("messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: "
                   "toolu_01HW. Each `tool_use` block must have a corresponding `tool_result` block in the next message.")


def test_anthropic_result_without_its_tool_use_is_400(origin, api_key):
    result = {"type": "tool_result", "tool_use_id": "toolu_01Q3", "content": "done"}
    msg = ant_error(messages(origin, api_key, tools=[ANT_TOOL], messages=[{"role": "user", "content": [result]}]))
    assert msg.startswith("messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_01Q3.")


def test_anthropic_forced_tool_with_thinking_is_400(origin, api_key):
    msg = ant_error(messages(origin, api_key, messages=[{"role": "user", "content": "hi"}], tools=[ANT_TOOL],
                             max_tokens=2048, tool_choice={"type": "any"},
                             thinking={"type": "enabled", "budget_tokens": 1024}))
    assert msg == "Thinking may not be enabled when tool_choice forces tool use."


def test_anthropic_sdk_streams_a_tool_use_into_its_final_message(origin, api_key):
    anthropic = need("anthropic")
    client = anthropic.Anthropic(api_key=api_key, base_url=origin, max_retries=0)
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=512, messages=ANT_RECEIPT,
                                tools=[ANT_TOOL], tool_choice={"type": "any"}) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use" and final.content[0].input == TRUTH
    assert final.usage.input_tokens > 0  # the cumulative message_delta usage keeps the input count


# ---------------------------------------------------------------- Gemini


def generate(origin, api_key, body, model="gemini-2.5-flash", method="generateContent", query=""):
    return requests.post(f"{origin}/v1beta/models/{model}:{method}{query}", json=body,
                         headers={"x-goog-api-key": api_key}, timeout=30)


GEM_TOOLS = [{"functionDeclarations": [
    {"name": "record_expense", "description": "Record one expense", "parametersJsonSchema": EXPENSE_SCHEMA},
    {"name": "get_weather", "description": "Weather for a city", "parameters": {
        "type": "OBJECT", "properties": {"city": {"type": "STRING"}}, "required": ["city"]}}]}]
GEM_RECEIPT = [{"role": "user", "parts": [{"inlineData": {"mimeType": "image/png", "data": b64(RECEIPT)}},
                                          {"text": ASK}]}]


def calling(mode: str, names: list[str] | None = None) -> dict:
    config: dict = {"mode": mode}
    if names:
        config["allowedFunctionNames"] = names
    return {"functionCallingConfig": config}


def test_gemini_any_mode_with_allowed_names_calls_that_function(origin, api_key):
    body = generate(origin, api_key, {"contents": GEM_RECEIPT, "tools": GEM_TOOLS,
                                      "toolConfig": calling("ANY", ["record_expense"])}).json()
    candidate = body["candidates"][0]
    assert candidate["finishReason"] == "STOP"  # calls do not change the finish reason
    part = candidate["content"]["parts"][0]
    assert part["functionCall"] == {"name": "record_expense", "args": TRUTH} and "id" not in part["functionCall"]


def test_gemini_none_mode_answers_in_text(origin, api_key):
    body = generate(origin, api_key, {"contents": GEM_RECEIPT, "tools": GEM_TOOLS,
                                      "tool_config": {"function_calling_config": {"mode": "none"}}}).json()
    assert "text" in body["candidates"][0]["content"]["parts"][0]


def test_gemini_function_response_is_what_the_next_answer_uses(origin, api_key):
    contents = [{"role": "user", "parts": [{"text": "What is the weather in Paris?"}]},
                {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]},
                {"role": "user", "parts": [{"functionResponse": {"name": "get_weather",
                                                                 "response": {"output": "Sunny, 21 C"}}}]}]
    body = generate(origin, api_key, {"contents": contents, "tools": GEM_TOOLS}).json()
    assert "Sunny, 21 C" in body["candidates"][0]["content"]["parts"][0]["text"]


def test_gemini_function_response_without_a_call_turn_is_400(origin, api_key):
    contents = [{"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"output": "x"}}}]}]
    resp = generate(origin, api_key, {"contents": contents, "tools": GEM_TOOLS})
    assert resp.status_code == 400
    assert resp.json()["error"]["message"] == ("Please ensure that function response turn comes immediately "
                                               "after a function call turn.")


def test_gemini_unknown_mode_is_an_enum_error(origin, api_key):
    resp = generate(origin, api_key, {"contents": GEM_RECEIPT, "tools": GEM_TOOLS, "toolConfig": calling("SOMETIMES")})
    assert resp.status_code == 400 and resp.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_gemini_stream_carries_the_call_in_a_chunk(origin, api_key):
    resp = generate(origin, api_key, {"contents": GEM_RECEIPT, "tools": GEM_TOOLS,
                                      "toolConfig": calling("ANY", ["record_expense"])},
                    method="streamGenerateContent", query="?alt=sse")
    chunks = [json.loads(line[6:]) for line in resp.text.splitlines() if line.startswith("data: ")]
    parts = [p for c in chunks for p in c["candidates"][0]["content"]["parts"]]
    assert any(p.get("functionCall", {}).get("args") == TRUTH for p in parts)
    assert all("usageMetadata" in c for c in chunks)


def test_gemini_sdk_runs_automatic_function_calling(origin, api_key):
    genai = need("google.genai")
    genai_types = need("google.genai.types")
    recorded = []

    def record_expense(store: str, total: float, currency: str) -> dict:
        """Record one expense from a receipt: the store, the total paid and its currency."""
        recorded.append({"store": store, "total": total, "currency": currency})
        return {"saved": True, "expense_id": "exp-1"}

    client = genai.Client(api_key=api_key, http_options=genai_types.HttpOptions(base_url=origin))
    chat_session = client.chats.create(model="gemini-2.5-flash",
                                       config=genai_types.GenerateContentConfig(tools=[record_expense]))
    reply = chat_session.send_message([genai_types.Part.from_bytes(data=RECEIPT, mime_type="image/png"), ASK])
    assert recorded == [TRUTH]  # the SDK ran the function with the receipt's true values
    assert "exp-1" in reply.text  # and the answer used its result


@pytest.mark.parametrize("mode", ["ANY", "any"])
def test_gemini_modes_are_case_insensitive(origin, api_key, mode):
    resp = generate(origin, api_key, {"contents": GEM_RECEIPT, "tools": GEM_TOOLS,
                                      "toolConfig": calling(mode, ["record_expense"])})
    assert "functionCall" in resp.json()["candidates"][0]["content"]["parts"][0]


def test_a_string_argument_the_truth_lacks_comes_from_the_prompt():
    [call] = choose_tool_calls("What's the weather in Paris?", [], [ToolSpec("get_weather", "Weather for a city",
                                                                             WEATHER_SCHEMA)],
                               ToolChoice("required"), system=None, provider="anthropic", model="claude-sonnet-4-5")
    assert call.arguments == {"city": "Paris"}


def test_anthropic_tool_definitions_cost_input_tokens_with_the_tool_use_system_prompt(origin, api_key):
    plain = messages(origin, api_key, messages=[{"role": "user", "content": "Hello"}]).json()["usage"]
    with_tools = messages(origin, api_key, messages=[{"role": "user", "content": "Hello"}],
                          tools=[ANT_TOOL]).json()["usage"]
    # 346 tokens of tool-use system prompt (tool_choice auto) plus the definition's own text.
    assert with_tools["input_tokens"] - plain["input_tokens"] > 346


def test_gemini_3_refuses_a_replayed_call_without_its_thought_signature(origin, api_key):
    contents = [{"role": "user", "parts": [{"text": "What is the weather in Paris?"}]},
                {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]},
                {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"output": "Sunny"}}}]}]
    resp = generate(origin, api_key, {"contents": contents, "tools": GEM_TOOLS}, model="gemini-3-flash-preview")
    assert resp.status_code == 400
    assert resp.json()["error"]["message"].startswith("Function call is missing a thought_signature in functionCall parts.")


def test_gemini_3_takes_back_the_signed_call_it_made(origin, api_key):
    ask = [{"role": "user", "parts": [{"text": "What is the weather in Paris?"}]}]
    first = generate(origin, api_key, {"contents": ask, "tools": GEM_TOOLS, "toolConfig": calling("ANY", ["get_weather"])},
                     model="gemini-3-flash-preview").json()["candidates"][0]["content"]
    assert first["parts"][0]["thoughtSignature"]
    reply = {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"output": "Sunny"}}}]}
    resp = generate(origin, api_key, {"contents": [*ask, first, reply], "tools": GEM_TOOLS}, model="gemini-3-flash-preview")
    assert resp.status_code == 200 and "Sunny" in resp.json()["candidates"][0]["content"]["parts"][0]["text"]
