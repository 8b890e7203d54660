"""OpenAI's Responses API in the emulator: the official SDK (base URL only) and raw HTTP.

Facts: OpenAI OpenAPI spec (CreateResponse, Response, ResponseStreamEvent, 2026-08) and real
2026 recordings (pydantic-ai cassettes): ``resp_`` ids, output items, ``usage`` with
``input_tokens_details``, named stream events with ``sequence_number`` from 0, no ``[DONE]``,
and no ``output_text`` key in the JSON (an SDK-only property).
"""

from __future__ import annotations

import base64
import json

import pytest
import requests

from mmcourse import datasets, registry
from tests.sdks import need

MODEL = registry.default_model("openai")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()




def post(origin, api_key, body, path="/v1/responses"):
    return requests.post(origin + path, json=body, headers={"Authorization": f"Bearer {api_key}"}, timeout=30)


def image_input(data: bytes, text: str = "What is in this image?") -> list:
    return [{"role": "user", "content": [
        {"type": "input_text", "text": text},
        {"type": "input_image", "image_url": f"data:image/jpeg;base64,{b64(data)}"}]}]


# ---------------------------------------------------------------- the response object


def test_string_input_gives_a_completed_response_object(origin, api_key):
    r = post(origin, api_key, {"model": MODEL, "input": "Say hello in one sentence."})
    assert r.status_code == 200
    body = r.json()
    assert body["id"].startswith("resp_") and body["object"] == "response"
    assert body["status"] == "completed" and body["error"] is None and body["incomplete_details"] is None
    message = body["output"][0]
    assert message["type"] == "message" and message["id"].startswith("msg_") and message["role"] == "assistant"
    assert message["content"][0]["type"] == "output_text" and message["content"][0]["text"]
    assert "output_text" not in body  # an SDK-only convenience property, never in the JSON
    usage = body["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert usage["input_tokens_details"]["cached_tokens"] == 0
    assert usage["output_tokens_details"] == {"reasoning_tokens": 0}


def test_sdk_output_text_joins_the_message_text(oai):
    response = oai.responses.create(model=MODEL, input="Say hello.", instructions="Be brief.")
    assert response.output_text == response.output[0].content[0].text
    assert response.instructions == "Be brief."


def test_image_answer_matches_chat_completions_for_the_same_request(oai):
    photo = datasets.path("photos/chelsea.jpg").read_bytes()
    url = f"data:image/jpeg;base64,{b64(photo)}"
    chat = oai.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": [
        {"type": "text", "text": "What is in this image?"}, {"type": "image_url", "image_url": {"url": url}}]}])
    response = oai.responses.create(model=MODEL, input=image_input(photo))
    assert response.output_text == chat.choices[0].message.content


def test_image_by_file_id_reaches_the_server(oai, control):
    photo = datasets.path("photos/coffee.jpg").read_bytes()
    uploaded = oai.files.create(file=("coffee.jpg", photo, "image/jpeg"), purpose="vision")
    response = oai.responses.create(model=MODEL, input=[{"role": "user", "content": [
        {"type": "input_text", "text": "Describe this photo."},
        {"type": "input_image", "file_id": uploaded.id}]}])
    assert response.status == "completed"
    record = [r for r in control.log("openai") if r["path"] == "/v1/responses"][-1]
    assert record["media"][0]["bytes"] == len(photo)


def test_pdf_as_file_data_and_by_file_id_give_the_same_answer(oai):
    pdf = datasets.path("documents/invoice.pdf").read_bytes()
    inline = oai.responses.create(model=MODEL, input=[{"role": "user", "content": [
        {"type": "input_file", "filename": "invoice.pdf", "file_data": f"data:application/pdf;base64,{b64(pdf)}"},
        {"type": "input_text", "text": "What is the invoice total?"}]}])
    uploaded = oai.files.create(file=("invoice.pdf", pdf, "application/pdf"), purpose="user_data")
    by_id = oai.responses.create(model=MODEL, input=[{"role": "user", "content": [
        {"type": "input_file", "file_id": uploaded.id},
        {"type": "input_text", "text": "What is the invoice total?"}]}])
    assert inline.output_text == by_id.output_text


def test_json_schema_text_format_answers_with_exactly_its_keys(oai):
    schema = {"type": "object", "properties": {"store": {"type": "string"}, "total": {"type": "number"}},
              "required": ["store", "total"], "additionalProperties": False}
    receipt = datasets.path("receipts/maple_bean_cafe.png").read_bytes()
    response = oai.responses.create(
        model=MODEL,
        input=[{"role": "user", "content": [
            {"type": "input_text", "text": "Extract the store and the total."},
            {"type": "input_image", "image_url": f"data:image/png;base64,{b64(receipt)}"}]}],
        text={"format": {"type": "json_schema", "name": "receipt", "schema": schema, "strict": True}})
    assert set(json.loads(response.output_text)) == {"store", "total"}
    assert response.text.format.type == "json_schema" and response.text.format.name == "receipt"


def test_sdk_parse_fills_a_pydantic_model_from_the_receipt_truth(oai):
    from pydantic import BaseModel

    class Receipt(BaseModel):
        store: str
        total: float

    receipt = datasets.path("receipts/maple_bean_cafe.png").read_bytes()
    parsed = oai.responses.parse(model=MODEL, text_format=Receipt, input=[{"role": "user", "content": [
        {"type": "input_text", "text": "Extract the store and the total."},
        {"type": "input_image", "image_url": f"data:image/png;base64,{b64(receipt)}"}]}]).output_parsed
    truth = datasets.entry("receipts/maple_bean_cafe.png")["truth"]
    assert (parsed.store, parsed.total) == (truth["store"], truth["total"])


def test_small_max_output_tokens_gives_an_incomplete_response(oai):
    photo = datasets.path("photos/chelsea.jpg").read_bytes()
    response = oai.responses.create(model=MODEL, input=image_input(photo, "Describe this image in detail."),
                                    max_output_tokens=16)
    assert response.status == "incomplete"
    assert response.incomplete_details.reason == "max_output_tokens"
    assert response.usage.output_tokens <= 16


# ---------------------------------------------------------------- tools and state


WEATHER = {"type": "function", "name": "get_weather", "description": "Get the weather for a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                          "required": ["city"], "additionalProperties": False}}


def test_required_tool_choice_gives_a_function_call_item(oai):
    response = oai.responses.create(model=MODEL, input="What is the weather in Paris?", tools=[WEATHER],
                                    tool_choice="required")
    call = response.output[0]
    assert call.type == "function_call" and call.name == "get_weather"
    assert call.id.startswith("fc_") and call.call_id.startswith("call_")
    assert isinstance(json.loads(call.arguments), dict)  # arguments travel as a JSON string
    assert response.tools[0].strict is True  # echoed explicitly


def test_tool_output_through_previous_response_id_gets_a_text_answer(oai):
    first = oai.responses.create(model=MODEL, input="What is the weather in Paris?", tools=[WEATHER],
                                 tool_choice="required")
    second = oai.responses.create(model=MODEL, previous_response_id=first.id, tools=[WEATHER], input=[
        {"type": "function_call_output", "call_id": first.output[0].call_id, "output": "Sunny, 21 C"}])
    assert second.output[0].type == "message" and second.output_text
    assert second.previous_response_id == first.id


def test_tool_output_may_be_an_image(oai, control):
    first = oai.responses.create(model=MODEL, input="What is the weather in Paris?", tools=[WEATHER],
                                 tool_choice="required")
    photo = datasets.path("photos/coffee.jpg").read_bytes()
    second = oai.responses.create(model=MODEL, previous_response_id=first.id, tools=[WEATHER], input=[
        {"type": "function_call_output", "call_id": first.output[0].call_id,
         "output": [{"type": "input_image", "image_url": f"data:image/jpeg;base64,{b64(photo)}"}]}])
    assert second.status == "completed"
    assert control.log("openai")[-1]["media"][0]["bytes"] == len(photo)


def test_function_call_without_its_output_is_rejected(origin, api_key):
    r = post(origin, api_key, {"model": MODEL, "input": [
        {"role": "user", "content": "Weather in Paris?"},
        {"type": "function_call", "call_id": "call_abc", "name": "get_weather", "arguments": "{}"}],
        "tools": [WEATHER]})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "No tool output found for function call call_abc."


def test_unknown_previous_response_id_is_previous_response_not_found(oai):
    openai = need("openai")
    with pytest.raises(openai.BadRequestError) as err:
        oai.responses.create(model=MODEL, input="Hi", previous_response_id="resp_123")
    assert err.value.code == "previous_response_not_found"
    assert err.value.body["message"] == "Previous response with id 'resp_123' not found."


def test_stored_response_can_be_retrieved_then_deleted(oai):
    openai = need("openai")
    created = oai.responses.create(model=MODEL, input="Say hello.")
    assert oai.responses.retrieve(created.id).output_text == created.output_text
    r = oai.with_raw_response.responses.delete(created.id)
    assert r.http_response.json() == {"id": created.id, "object": "response", "deleted": True}
    with pytest.raises(openai.NotFoundError):
        oai.responses.retrieve(created.id)


def test_store_false_response_is_not_kept(oai):
    openai = need("openai")
    created = oai.responses.create(model=MODEL, input="Say hello.", store=False)
    assert created.store is False
    with pytest.raises(openai.NotFoundError):
        oai.responses.retrieve(created.id)


def test_input_items_lists_the_turn_input(oai):
    created = oai.responses.create(model=MODEL, input="Say hello.")
    items = oai.responses.input_items.list(created.id)
    assert [i.type for i in items.data] == ["message"]
    assert items.data[0].content[0].text == "Say hello."


def test_input_tokens_counts_what_create_bills(oai):
    photo = datasets.path("photos/rocket.jpg").read_bytes()
    counted = oai.responses.input_tokens.count(model=MODEL, input=image_input(photo))
    created = oai.responses.create(model=MODEL, input=image_input(photo))
    assert counted.object == "response.input_tokens"
    assert counted.input_tokens == created.usage.input_tokens


# ---------------------------------------------------------------- streaming


def test_sdk_stream_final_response_matches_the_plain_one(oai):
    plain = oai.responses.create(model=MODEL, input="Say hello.")
    with oai.responses.stream(model=MODEL, input="Say hello.") as stream:
        types = [event.type for event in stream]
        final = stream.get_final_response()
    assert final.output_text == plain.output_text
    assert types[:4] == ["response.created", "response.in_progress", "response.output_item.added",
                         "response.content_part.added"]
    assert types[-4:] == ["response.output_text.done", "response.content_part.done",
                          "response.output_item.done", "response.completed"]


def test_raw_stream_has_named_events_numbered_from_zero_and_no_done(origin, api_key):
    r = requests.post(origin + "/v1/responses", json={"model": MODEL, "input": "Say hello.", "stream": True},
                      headers={"Authorization": f"Bearer {api_key}"}, stream=True, timeout=30)
    text = r.text
    assert "[DONE]" not in text
    events = [block.split("\n") for block in text.strip().split("\n\n")]
    names = [lines[0].removeprefix("event: ") for lines in events]
    datas = [json.loads(lines[1].removeprefix("data: ")) for lines in events]
    assert [d["type"] for d in datas] == names
    assert [d["sequence_number"] for d in datas] == list(range(len(datas)))
    deltas = [d for d in datas if d["type"] == "response.output_text.delta"]
    assert all("obfuscation" in d for d in deltas)
    assert "".join(d["delta"] for d in deltas) == datas[-1]["response"]["output"][0]["content"][0]["text"]


def test_streamed_function_call_arguments_join_to_the_final_arguments(oai):
    with oai.responses.stream(model=MODEL, input="Weather in Paris?", tools=[WEATHER],
                              tool_choice="required") as stream:
        deltas = [e.delta for e in stream if e.type == "response.function_call_arguments.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == final.output[0].arguments


# ---------------------------------------------------------------- validation


def test_max_output_tokens_below_16_is_rejected(origin, api_key):
    r = post(origin, api_key, {"model": MODEL, "input": "Hi", "max_output_tokens": 5})
    assert r.status_code == 400
    assert r.json()["error"] == {
        "message": "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, "
                   "but got 5 instead.",
        "type": "invalid_request_error", "param": "max_output_tokens", "code": "integer_below_min_value"}


def test_chat_field_sent_to_responses_is_an_unknown_parameter(origin, api_key):
    r = post(origin, api_key, {"model": MODEL, "messages": [{"role": "user", "content": "Hi"}]})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "unknown_parameter"
    assert r.json()["error"]["message"] == "Unknown parameter: 'messages'."


def test_chat_style_image_url_object_is_an_invalid_type(origin, api_key, jpeg_bytes):
    r = post(origin, api_key, {"model": MODEL, "input": [{"role": "user", "content": [
        {"type": "input_image", "image_url": {"url": f"data:image/jpeg;base64,{b64(jpeg_bytes)}"}}]}]})
    assert r.status_code == 400
    assert r.json()["error"]["param"] == "input[0].content[0].image_url"
    assert r.json()["error"]["code"] == "invalid_type"


def test_chat_style_nested_tool_is_rejected(origin, api_key):
    r = post(origin, api_key, {"model": MODEL, "input": "Hi", "tools": [
        {"type": "function", "function": {"name": "get_weather", "parameters": {}}}]})
    assert r.status_code == 400
    assert r.json()["error"]["param"] == "tools[0].function"


def test_chat_part_type_in_responses_input_is_an_invalid_value(origin, api_key):
    r = post(origin, api_key, {"model": MODEL, "input": [{"role": "user", "content": [
        {"type": "text", "text": "Hi"}]}]})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_value"
    assert r.json()["error"]["param"] == "input[0].content[0].type"


def test_unknown_model_is_model_not_found(oai):
    openai = need("openai")
    with pytest.raises(openai.NotFoundError) as err:
        oai.responses.create(model="gpt-nonexistent", input="Hi")
    assert err.value.code == "model_not_found"


def test_invalid_key_is_an_authentication_error(origin):
    openai = need("openai")
    client = openai.OpenAI(api_key="sk-invalid-key-000000", base_url=origin + "/v1", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        client.responses.create(model=MODEL, input="Hi")


# ---------------------------------------------------------------- mmcourse.ask(api="responses")


@pytest.fixture
def course_openai(monkeypatch, origin, api_key):
    """``mmcourse.ask`` pointed at this test's emulator scope for OpenAI."""
    from mmcourse import session
    from tests.conftest import offline_configs

    monkeypatch.setitem(session._configs, "openai", offline_configs(origin, api_key)["openai"])


def test_ask_with_the_responses_api_posts_to_v1_responses(course_openai, control):
    import mmcourse

    answer = mmcourse.ask("openai", "What is in this photo?", "data/photos/chelsea.jpg", api="responses")
    record = control.log("openai")[-1]
    assert record["path"] == "/v1/responses" and record["status"] == 200
    assert record["request"]["input"][0]["content"][0]["type"] == "input_image"
    assert answer.text == answer.raw["output"][0]["content"][0]["text"]
    assert answer.usage.input_tokens == answer.raw["usage"]["input_tokens"]
    assert answer.finish_reason == "completed"


def test_ask_gives_the_same_answer_over_both_openai_apis(course_openai):
    import mmcourse

    chat = mmcourse.ask("openai", "What is in this photo?", "data/photos/rocket.jpg")
    responses = mmcourse.ask("openai", "What is in this photo?", "data/photos/rocket.jpg", api="responses")
    assert responses.text == chat.text


def test_ask_streams_over_the_responses_api(course_openai):
    import mmcourse

    plain = mmcourse.ask("openai", "Say hello.", api="responses")
    streamed = "".join(mmcourse.ask("openai", "Say hello.", api="responses", stream=True))
    assert streamed == plain.text


def test_ask_names_the_wire_formats_when_a_provider_has_no_such_api():
    from mmcourse.client import request_builder

    with pytest.raises(ValueError, match="openai: chat, responses"):
        request_builder("anthropic", "responses")


def test_responses_body_uses_input_items_and_a_string_image_url():
    from mmcourse.providers import Media, Options, Text
    from mmcourse.providers.openai import build_responses_body

    body = build_responses_body("gpt-5.4-mini", [Media("image/png", "iVBORw0KGgo="), Text("Describe it.")],
                                Options(system="Be brief.", json=True))
    assert body["instructions"] == "Be brief."
    assert body["input"][0]["content"][0] == {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo="}
    assert body["input"][0]["content"][1] == {"type": "input_text", "text": "Describe it."}
    assert body["text"] == {"format": {"type": "json_object"}}
    assert "messages" not in body and "max_completion_tokens" not in body


def test_reset_forgets_the_scope_stored_responses(oai, control):
    openai = need("openai")
    created = oai.responses.create(model=MODEL, input="Say hello.")
    control.reset()
    with pytest.raises(openai.NotFoundError):
        oai.responses.retrieve(created.id)


def test_background_mode_is_refused_rather_than_ignored(origin, api_key):
    r = post(origin, api_key, {"model": MODEL, "input": "Hi", "background": True})
    assert r.status_code == 400
    assert r.json()["error"]["param"] == "background" and r.json()["error"]["code"] == "unsupported_parameter"


def test_stored_response_stream_replays_after_a_sequence_number(origin, api_key, oai):
    created = oai.responses.create(model=MODEL, input="Say hello.")
    r = requests.get(f"{origin}/v1/responses/{created.id}", params={"stream": "true", "starting_after": "3"},
                     headers={"Authorization": f"Bearer {api_key}"}, timeout=30)
    datas = [json.loads(block.split("data: ", 1)[1]) for block in r.text.strip().split("\n\n")]
    assert datas[0]["sequence_number"] == 4
    assert datas[-1]["type"] == "response.completed" and datas[-1]["response"]["id"] == created.id


def test_cancel_of_a_foreground_response_is_refused(oai):
    openai = need("openai")
    created = oai.responses.create(model=MODEL, input="Say hello.")
    with pytest.raises(openai.BadRequestError, match="background=true"):
        oai.responses.cancel(created.id)



# ---------------------------------------------------------------- replayed assistant turns


def test_an_assistant_turn_with_input_text_is_refused_as_the_real_api_does(origin, api_key):
    r = post(origin, api_key, {"model": MODEL, "input": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": [{"type": "input_text", "text": "Hello! How can I help?"}]},
        {"role": "user", "content": "What is 2 + 2?"}]})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["message"] == "Invalid value: 'input_text'. Supported values are: 'output_text' and 'refusal'."
    assert (error["param"], error["code"]) == ("input[1].content[0]", "invalid_value")


def test_an_assistant_turn_with_output_text_is_accepted(origin, api_key):
    r = post(origin, api_key, {"model": MODEL, "input": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": [{"type": "output_text", "text": "Hello! How can I help?"}]},
        {"role": "user", "content": "What is 2 + 2?"}]})
    assert r.status_code == 200, r.text
