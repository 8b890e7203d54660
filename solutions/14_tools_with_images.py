# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 14 · Tools and structured outputs with images
#
# A receipt photo goes in; an expense lands in your ledger. In lesson 07 the model answered
# with JSON and your code decided what to do with it. Here the model asks **your code** to do
# something: it calls a `record_expense` tool with the values it read off the photo, your code
# runs the tool, sends back what happened, and the model gives its final answer.
#
# **Objectives**
# - Declare a tool with a JSON Schema in each provider's shape: OpenAI `tools` + `strict`,
#   Anthropic `tools` + `input_schema` + `strict`, Gemini `functionDeclarations`.
# - Read the call (`tool_calls`, a `tool_use` block, a `functionCall` part), run the tool, and
#   send its result back (`role: tool`, `tool_result`, `functionResponse`), errors included.
# - Force or free the model's choice (`tool_choice`, `functionCallingConfig`), and know why the
#   second request must free it.
# - Ask for schema-shaped JSON without a tool: OpenAI `json_schema`, **Anthropic's structured
#   outputs** (`output_config.format`, 2026), Gemini `responseJsonSchema`; and pick between a
#   tool and a schema.
#
# **Estimated time: 50 min**
#
# **Exercises:** 3 (1 easy, 1 medium, 1 hard).
#
# **You need:** lessons 02 to 05 (the three raw requests) and 07 (receipts, JSON Schema). No
# key: offline, the emulator answers. It is **not a model**: it calls a tool by rule (when
# `tool_choice` forces one, or when the prompt uses the tool's name, like "record this
# expense"), fills the tool's arguments from the course data's recorded truth for the receipt
# it recognises, and after a tool result it answers with that result verbatim plus what it
# knows about the image. Live, a real model makes each of those choices.

# %%
import mmcourse

conf = mmcourse.setup()

# %%
import base64
import json

import requests

from mmcourse import datasets, registry
from mmcourse.display import show_image, show_json

OPENAI, ANTHROPIC, GEMINI = conf["openai"], conf["anthropic"], conf["gemini"]
MODELS = {provider: registry.default_model(provider) for provider in ("openai", "anthropic", "gemini")}
photo = datasets.path("receipts/greenleaf_market_photo.jpg")
PHOTO = photo.read_bytes()
PHOTO_B64 = base64.b64encode(PHOTO).decode("ascii")
show_image(photo, max_edge=260)

# %% [markdown]
# ## The tool: a schema and a function
#
# A tool has two halves. The **declaration** travels to the model: a name, a description that
# says when to use it, and a JSON Schema for its arguments. The **implementation** stays here:
# an ordinary Python function the model never sees. The schema follows OpenAI's strict rules
# from lesson 07 (every property required, `additionalProperties: false`, "maybe missing"
# spelled as an `anyOf` with `null`), so it passes OpenAI's strict checks, and Claude and Gemini
# take it as it is.

# %%
CATEGORIES = ["groceries", "dining", "hardware", "travel", "office", "other"]
EXPENSE_SCHEMA = {
    "type": "object",
    "properties": {
        "merchant": {"type": "string", "description": "the store's name as printed"},
        "date": {"anyOf": [{"type": "string"}, {"type": "null"}], "description": "YYYY-MM-DD; null if not printed"},
        "total": {"type": "number", "description": "the amount paid"},
        "currency": {"type": "string", "description": "ISO 4217 code such as USD"},
        "category": {"type": "string", "enum": CATEGORIES},
    },
    "required": ["merchant", "date", "total", "currency", "category"],
    "additionalProperties": False,
}
TOOL_NAME = "record_expense"
TOOL_DESCRIPTION = "Save one expense from a receipt to the ledger. Call it once per receipt."
PROMPT = "Record this expense from the receipt photo, then tell me what you saved."

LEDGER = []


def record_expense(arguments):
    """The tool itself: check the arguments, save the expense, say what happened (a dict)."""
    currency = arguments.get("currency")
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isupper()):
        return {"error": f"currency must be a 3-letter ISO code such as USD, got {currency!r}"}
    LEDGER.append(arguments)
    return {"expense_id": f"exp_{len(LEDGER):04d}", "status": "saved"}


# %% [markdown]
# ## OpenAI Chat Completions: `tools`, `tool_calls`, `role: tool`
#
# Each tool is `{"type": "function", "function": {name, description, parameters, strict}}`.
# `"strict": true` makes OpenAI constrain the arguments to the schema (and refuse a schema that
# breaks the strict rules). `tool_choice` is `"auto"` (the model decides), `"required"` (some
# tool) or `{"type": "function", "function": {"name": ...}}` (this one). Offline, `auto` calls
# the tool because the prompt says "Record this expense" (the tool's name in words): a rule,
# where a live model reads the request and decides.

# %%
def post_openai(body):
    response = requests.post(f"{OPENAI.base_url}/chat/completions", json=body, timeout=60,
                             headers={"Authorization": f"Bearer {OPENAI.api_key}"})
    response.raise_for_status()
    return response.json()


openai_body = {
    "model": MODELS["openai"],
    "tools": [{"type": "function", "function": {
        "name": TOOL_NAME, "description": TOOL_DESCRIPTION, "parameters": EXPENSE_SCHEMA, "strict": True}}],
    "tool_choice": "auto",
    "messages": [{"role": "user", "content": [
        {"type": "text", "text": PROMPT},
        {"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{PHOTO_B64}"}},
    ]}],
}
show_json({"tools": openai_body["tools"], "tool_choice": openai_body["tool_choice"]})

# %% [markdown]
# **Predict the output.** The answer's `message` has a `tool_calls` list. What type is
# `function.arguments`: a dict you can index, or something else? And what is `content`?

# %% tags=["nbval-check-output"]
reply = post_openai(openai_body)
message = reply["choices"][0]["message"]
call = message["tool_calls"][0]
print("finish_reason:", reply["choices"][0]["finish_reason"], "| content:", message["content"])
print("name:", call["function"]["name"])
print("arguments:", type(call["function"]["arguments"]).__name__, call["function"]["arguments"])

# %% [markdown]
# `arguments` is a **string** of JSON (it may even be invalid JSON when `strict` is off), and
# `content` is `null`. Parse the string, run the tool with it, and send the result back: the
# assistant message exactly as it came, then one `role: tool` message per call, tied to it by
# `tool_call_id`. Tool content is text, so the result dict goes as JSON text.

# %% tags=["nbval-check-output"]
arguments = json.loads(call["function"]["arguments"])
result = record_expense(arguments)
print("the tool returned:", result)
openai_body["messages"] += [
    message,
    {"role": "tool", "tool_call_id": call["id"], "content": json.dumps(result)},
]
final = post_openai(openai_body)["choices"][0]["message"]["content"]
print(final)

# %% [markdown]
# That final answer is the emulator's: it reports the tool's result as it came back, then what
# it knows about the receipt. A live model would write a sentence like "Saved your Greenleaf
# Market expense of $35.91 (exp_0001)."
#
# ## Anthropic Messages: `tool_use` and `tool_result` blocks
#
# A Claude tool is flat: `{name, description, input_schema}`, plus `"strict": true` for
# guaranteed schema-valid inputs (Anthropic tool-use docs and anthropic-sdk-python `ToolParam`,
# 2026). `tool_choice` is an object: `{"type": "auto"}`, `{"type": "any"}`,
# `{"type": "tool", "name": ...}` or `{"type": "none"}`. Here we force the tool.

# %%
CLAUDE_HEADERS = {"x-api-key": ANTHROPIC.api_key, "anthropic-version": "2023-06-01"}


def post_claude(body):
    response = requests.post(f"{ANTHROPIC.base_url}/v1/messages", json=body, headers=CLAUDE_HEADERS, timeout=60)
    response.raise_for_status()
    return response.json()


claude_body = {
    "model": MODELS["anthropic"], "max_tokens": 1024,
    "tools": [{"name": TOOL_NAME, "description": TOOL_DESCRIPTION, "input_schema": EXPENSE_SCHEMA,
               "strict": True}],
    "tool_choice": {"type": "tool", "name": TOOL_NAME},
    "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": PHOTO_B64}},
        {"type": "text", "text": PROMPT},
    ]}],
}
reply = post_claude(claude_body)
print("stop_reason:", reply["stop_reason"])
use = next(block for block in reply["content"] if block["type"] == "tool_use")
show_json({key: use[key] for key in ("type", "name", "input")})

# %% [markdown]
# `input` is already an **object** (no string to parse), and `stop_reason` is `tool_use`. The
# result goes back in the next **user** turn as a `tool_result` block naming the `tool_use_id`.
# Its `content` may be a string or blocks (text, and even images).
#
# **Predict the output.** We send the result back but leave `tool_choice` forcing
# `record_expense`. What comes back: the final answer, or another call?

# %% tags=["nbval-check-output"]
result = record_expense(use["input"])
claude_body["messages"] += [
    {"role": "assistant", "content": reply["content"]},
    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use["id"], "content": json.dumps(result)}]},
]
again = post_claude(claude_body)
print("stop_reason:", again["stop_reason"], "| blocks:", [block["type"] for block in again["content"]])

# %% [markdown]
# Another call: a forced choice forces **every** turn, so the model can never answer. Free it
# for the turn after a result (`{"type": "auto"}`, or drop `tool_choice`). A real model would
# record the expense twice here, so mind the ledger.

# %% tags=["nbval-check-output"]
claude_body["tool_choice"] = {"type": "auto"}
final = post_claude(claude_body)
print("stop_reason:", final["stop_reason"])
print("".join(block["text"] for block in final["content"] if block["type"] == "text").split("\n\n")[0])

# %% [markdown]
# A tool that fails says so with `"is_error": true` on its `tool_result` (the content then
# explains the error, so the model can retry with better arguments or tell the user).
#
# ## Gemini: `functionDeclarations`, `functionCall`, `functionResponse`
#
# Gemini groups declarations inside a tool: `{"functionDeclarations": [{name, description,
# parametersJsonSchema}]}`. `parametersJsonSchema` takes plain JSON Schema; the older
# `parameters` takes Gemini's OpenAPI subset (`"type": "OBJECT"`); send one or the other.
# `toolConfig.functionCallingConfig.mode` is `AUTO`, `ANY` (must call; `allowedFunctionNames`
# narrows it), `NONE` or `VALIDATED`.

# %%
GEMINI_URL = f"{GEMINI.base_url}/v1beta/models/{MODELS['gemini']}:generateContent"


def post_gemini(body):
    response = requests.post(GEMINI_URL, json=body, headers={"x-goog-api-key": GEMINI.api_key}, timeout=60)
    response.raise_for_status()
    return response.json()


gemini_body = {
    "contents": [{"role": "user", "parts": [
        {"inline_data": {"mime_type": "image/jpeg", "data": PHOTO_B64}}, {"text": PROMPT}]}],
    "tools": [{"functionDeclarations": [{"name": TOOL_NAME, "description": TOOL_DESCRIPTION,
                                         "parametersJsonSchema": EXPENSE_SCHEMA}]}],
    "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [TOOL_NAME]}},
}
candidate = post_gemini(gemini_body)["candidates"][0]
part = next(p for p in candidate["content"]["parts"] if "functionCall" in p)
print("finishReason:", candidate["finishReason"], "|", candidate.get("finishMessage"))
show_json(part["functionCall"])
print("thoughtSignature on the part:", "thoughtSignature" in part)

# %% [markdown]
# Three things differ from the others: `finishReason` stays `STOP` (the parts say it is a
# call), `args` is an object, and the call has **no id** (the Developer API leaves it out), so
# the answer is matched by `name`. The part may carry a `thoughtSignature`: send the model's
# turn back **unchanged** (Gemini 3 refuses a call replayed without it). The result is a
# `functionResponse` whose `response` must be an **object**; a failure goes in as
# `{"error": "..."}`. And, as with Claude, `ANY` would force another call: back to `AUTO`.

# %% tags=["nbval-check-output"]
result = record_expense(part["functionCall"]["args"])
gemini_body["contents"] += [
    candidate["content"],  # the model's turn, unchanged
    {"role": "user", "parts": [{"functionResponse": {"name": TOOL_NAME, "response": result}}]},
]
gemini_body["toolConfig"] = {"functionCallingConfig": {"mode": "AUTO"}}
final = post_gemini(gemini_body)["candidates"][0]["content"]["parts"][0]["text"]
print(final.split("\n\n")[0])
print(len(LEDGER), "saved (the same receipt, once per provider):",
      [(e["merchant"], e["total"], e["category"]) for e in LEDGER])

# %% [markdown]
# ## The three shapes side by side
#
# | | OpenAI Chat | Anthropic | Gemini |
# |---|---|---|---|
# | declare | `tools[].function{name, description, parameters, strict}` | `tools[]{name, description, input_schema, strict}` | `tools[].functionDeclarations[]{name, description, parametersJsonSchema}` |
# | force | `tool_choice: "required"` or `{"type": "function", ...}` | `tool_choice: {"type": "any"}` or `{"type": "tool", "name"}` | `functionCallingConfig: {"mode": "ANY", "allowedFunctionNames"}` |
# | the call | `message.tool_calls[]`, `arguments` a JSON **string** | `content[]` block `tool_use`, `input` an object | `parts[]` `functionCall`, `args` an object, no id |
# | the signal | `finish_reason: "tool_calls"` | `stop_reason: "tool_use"` | `finishReason: "STOP"` (read the parts) |
# | the result | `{"role": "tool", "tool_call_id", "content"}` (text) | user turn, `tool_result{tool_use_id, content, is_error}` | user turn, `functionResponse{name, response}` (an object) |
# | an error | say so in the content | `"is_error": true` | `"response": {"error": ...}` |
#
# ## Strict schemas are checked before anything runs
#
# **Predict the output.** The same tool with `"strict": true`, but the schema forgot
# `additionalProperties: false`. Does OpenAI call the tool anyway?

# %% tags=["nbval-check-output"]
loose = {key: value for key, value in EXPENSE_SCHEMA.items() if key != "additionalProperties"}
response = requests.post(f"{OPENAI.base_url}/chat/completions", timeout=60,
                         headers={"Authorization": f"Bearer {OPENAI.api_key}"},
                         json={**openai_body, "messages": openai_body["messages"][:1], "tools": [
                             {"type": "function", "function": {"name": TOOL_NAME, "parameters": loose,
                                                               "strict": True}}]})
print(response.status_code, response.json()["error"]["code"])
print(response.json()["error"]["message"])

# %% [markdown]
# A 400 before the model sees anything: strict mode only takes closed, fully required objects.
# Anthropic's strict mode and structured outputs have their own list of schema features they
# support (Anthropic structured-outputs docs, 2026); the emulator accepts `strict` there and
# fills the schema, but does not check that list.
#
# ## Structured outputs: the schema without a tool
#
# When you only want the data back, not an action, skip the tool and send the schema as the
# answer's format. Lesson 07 did it for OpenAI and Gemini. **Claude has it too since 2026**:
# structured outputs went generally available on 2026-01-29 as `output_config.format`, with no
# beta header (anthropic-sdk-python 0.77.0 changelog; Anthropic structured-outputs docs, 2026).

# %%
structured = {
    "openai": {"response_format": {"type": "json_schema",
                                   "json_schema": {"name": "expense", "schema": EXPENSE_SCHEMA, "strict": True}}},
    # The 2025 beta spelled it "output_format": {...} with the header
    # "anthropic-beta: structured-outputs-2025-11-13" (anthropic-sdk-python, 2025-11); it is
    # deprecated for output_config.format and works "for a transition period" (Anthropic
    # structured-outputs docs, 2026). Which late-2026 models take it is unconfirmed: the 2026 docs
    # list Opus 4.6, Sonnet 4.6, Sonnet 4.5, Opus 4.5 and Haiku 4.5.
    "anthropic": {"output_config": {"format": {"type": "json_schema", "schema": EXPENSE_SCHEMA}}},
    # responseJsonSchema takes JSON Schema; responseSchema takes Gemini's OpenAPI subset
    # ("type": "OBJECT"). Send one of the two, with responseMimeType application/json.
    "gemini": {"generationConfig": {"responseMimeType": "application/json", "responseJsonSchema": EXPENSE_SCHEMA}},
}
ASK_JSON = "Extract this expense from the receipt photo."
claude_so_body = {
    "model": MODELS["anthropic"], "max_tokens": 1024, **structured["anthropic"],
    "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": PHOTO_B64}},
        {"type": "text", "text": ASK_JSON}]}],
}
show_json({**claude_so_body, "output_config": {"format": {"type": "json_schema", "schema": "EXPENSE_SCHEMA"}}})

# %% [markdown]
# **Predict the output.** No tool this time, so no `tool_use` block. In which block type does
# Claude's JSON arrive, and is it a dict or a string?

# %% tags=["nbval-check-output"]
claude_json = post_claude(claude_so_body)
block = claude_json["content"][0]
print(block["type"], "block, its text a", type(block["text"]).__name__)
print(json.loads(block["text"]))

# %% [markdown]
# An ordinary `text` block whose text is the JSON: parse it as you would OpenAI's `content`.
# `mmcourse.ask` merges extra keyword arguments into the body, so the table above runs all
# three at once. Compare each with the truth (the category is not on the receipt: the emulator
# derives it from the store's name by rule, a model would judge it).

# %% tags=["nbval-check-output"]
truth = datasets.entry("receipts/greenleaf_market_photo.jpg")["truth"]
want = {"merchant": truth["store"], "date": truth["date"], "total": truth["total"], "currency": truth["currency"]}
for provider, options in structured.items():
    got = json.loads(mmcourse.ask(provider, ASK_JSON, photo, **options).text)
    marks = " ".join(f"{key} {'✓' if got.get(key) == value else '✗'}" for key, value in want.items())
    print(f"{provider:<10} {marks} | category {got['category']}")

# %% [markdown]
# **A tool or a schema?** Use a **schema** when the answer *is* the data (extract, classify,
# fill a form): one request, and the JSON is the reply. Use a **tool** when the model must
# *act* or *ask* (save, look up, convert a currency), when it may choose between several
# actions or none, or when you need your code's result folded into a final answer. Both take
# the same JSON Schema, and `strict` makes both conform to it.
#
# ## Exercises

# %% [markdown] mmcourse={"exercise": "ex-tool-definition", "role": "instructions", "title": "One tool, three declarations", "points": 2, "difficulty": "easy"}
# ### Exercise 1: one tool, three declarations
# Write `tool_definition(provider, name, description, schema)` that returns the entry to put
# in the request's `tools` list (a dict), with strict mode on where the provider has it in the
# declaration:
#
# - `"openai"`: `{"type": "function", "function": {"name", "description", "parameters", "strict": True}}`;
# - `"anthropic"`: `{"name", "description", "input_schema", "strict": True}`;
# - `"gemini"`: `{"functionDeclarations": [{"name", "description", "parametersJsonSchema"}]}`.
#
# Any other provider raises `ValueError`.

# %% [markdown] mmcourse={"exercise": "ex-tool-definition", "role": "hint"}
# The three bodies above each contain one such entry: copy their shapes and put the arguments in.

# %% mmcourse={"exercise": "ex-tool-definition", "role": "solution"}
def tool_definition(provider, name, description, schema):
    ### BEGIN SOLUTION
    if provider == "openai":
        return {"type": "function", "function": {"name": name, "description": description,
                                                 "parameters": schema, "strict": True}}
    if provider == "anthropic":
        return {"name": name, "description": description, "input_schema": schema, "strict": True}
    if provider == "gemini":
        return {"functionDeclarations": [{"name": name, "description": description,
                                          "parametersJsonSchema": schema}]}
    raise ValueError(f"unknown provider {provider!r}: use openai, anthropic or gemini")
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-tool-definition: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-tool-definition", "role": "visible-tests"}
def test_the_three_shapes():
    expect(tool_definition("openai", TOOL_NAME, "d", EXPENSE_SCHEMA),
           {"type": "function", "function": {"name": TOOL_NAME, "description": "d",
                                             "parameters": EXPENSE_SCHEMA, "strict": True}})
    expect(tool_definition("anthropic", TOOL_NAME, "d", EXPENSE_SCHEMA),
           {"name": TOOL_NAME, "description": "d", "input_schema": EXPENSE_SCHEMA, "strict": True})
    expect(tool_definition("gemini", TOOL_NAME, "d", EXPENSE_SCHEMA),
           {"functionDeclarations": [{"name": TOOL_NAME, "description": "d",
                                      "parametersJsonSchema": EXPENSE_SCHEMA}]})


def test_an_unknown_provider_is_a_value_error():
    try:
        tool_definition("mistral", TOOL_NAME, "d", EXPENSE_SCHEMA)
    except ValueError:
        return
    raise AssertionError("tool_definition('mistral', ...) should raise ValueError")

# %% mmcourse={"exercise": "ex-tool-definition", "role": "hidden-tests"}
import requests as _requests

from mmcourse import registry as _registry
from mmcourse.grading import expect, last_request, offline_config


def _random_tool(rng):
    name = rng.choice(["convert_currency", "lookup_vat", "save_receipt", "flag_expense"]) + f"_{rng.randint(1, 99)}"
    key = rng.choice(["amount", "code", "note", "merchant"])
    schema = {"type": "object", "properties": {key: {"type": "string"}}, "required": [key],
              "additionalProperties": False}
    return name, f"Tool number {rng.randint(100, 999)}", schema


def test_random_tools_in_every_shape(rng):
    for _ in range(5):
        name, description, schema = _random_tool(rng)
        got = tool_definition("openai", name, description, schema)
        expect(got, {"type": "function", "function": {"name": name, "description": description,
                                                      "parameters": schema, "strict": True}}, what="OpenAI tool")
        got = tool_definition("anthropic", name, description, schema)
        expect(got, {"name": name, "description": description, "input_schema": schema, "strict": True},
               what="Anthropic tool")
        got = tool_definition("gemini", name, description, schema)
        expect(got, {"functionDeclarations": [{"name": name, "description": description,
                                               "parametersJsonSchema": schema}]}, what="Gemini tool")


def test_each_provider_accepts_the_declaration_and_calls_it(rng):
    name, description, schema = _random_tool(rng)
    cfg = offline_config("anthropic")
    reply = _requests.post(f"{cfg.base_url}/v1/messages", timeout=60,
                           headers={"x-api-key": cfg.api_key, "anthropic-version": "2023-06-01"},
                           json={"model": _registry.default_model("anthropic"), "max_tokens": 200,
                                 "tools": [tool_definition("anthropic", name, description, schema)],
                                 "tool_choice": {"type": "tool", "name": name},
                                 "messages": [{"role": "user", "content": "Go."}]})
    assert reply.status_code == 200, f"Anthropic refused the tool: {reply.text[:200]}"
    expect(reply.json()["content"][-1]["name"], name, what="the tool Claude called")
    cfg = offline_config("openai")
    reply = _requests.post(f"{cfg.base_url}/chat/completions", timeout=60,
                           headers={"Authorization": f"Bearer {cfg.api_key}"},
                           json={"model": _registry.default_model("openai"), "tool_choice": "required",
                                 "tools": [tool_definition("openai", name, description, schema)],
                                 "messages": [{"role": "user", "content": "Go."}]})
    assert reply.status_code == 200, f"OpenAI refused the tool: {reply.text[:200]}"
    assert last_request("openai")["request"]["tools"][0]["function"]["strict"] is True, "OpenAI: strict on"

# %% [markdown] mmcourse={"exercise": "ex-tool-result", "role": "instructions", "title": "Send the result back", "points": 3, "difficulty": "medium"}
# ### Exercise 2: send the result back
# Write `tool_result_turn(provider, call_id, name, result)` that returns the message to append
# to the conversation after running a tool. `result` is the tool's dict; a failed tool returns
# `{"error": "what went wrong"}`.
#
# - `"openai"`: `{"role": "tool", "tool_call_id": call_id, "content": json.dumps(result)}`;
# - `"anthropic"`: a `user` message whose content is one `tool_result` block for `call_id`, with
#   `content` = `json.dumps(result)` on success; on failure `content` = the error text alone
#   and `"is_error": True`;
# - `"gemini"`: a `user` turn with one part `{"functionResponse": {"name": name, "response": result}}`
#   (`call_id` is `None`: Gemini matches by name).

# %% [markdown] mmcourse={"exercise": "ex-tool-result", "role": "hint"}
# `failed = "error" in result`. Only Anthropic's shape changes with it.

# %% mmcourse={"exercise": "ex-tool-result", "role": "solution"}
def tool_result_turn(provider, call_id, name, result):
    ### BEGIN SOLUTION
    failed = "error" in result
    if provider == "openai":
        return {"role": "tool", "tool_call_id": call_id, "content": json.dumps(result)}
    if provider == "anthropic":
        block = {"type": "tool_result", "tool_use_id": call_id,
                 "content": str(result["error"]) if failed else json.dumps(result)}
        if failed:
            block["is_error"] = True
        return {"role": "user", "content": [block]}
    if provider == "gemini":
        return {"role": "user", "parts": [{"functionResponse": {"name": name, "response": result}}]}
    raise ValueError(f"unknown provider {provider!r}")
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-tool-result: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-tool-result", "role": "visible-tests"}
def test_a_saved_expense():
    saved = {"expense_id": "exp_0007", "status": "saved"}
    expect(tool_result_turn("openai", "call_abc", TOOL_NAME, saved),
           {"role": "tool", "tool_call_id": "call_abc", "content": json.dumps(saved)})
    expect(tool_result_turn("anthropic", "toolu_01abc", TOOL_NAME, saved),
           {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01abc",
                                         "content": json.dumps(saved)}]})
    expect(tool_result_turn("gemini", None, TOOL_NAME, saved),
           {"role": "user", "parts": [{"functionResponse": {"name": TOOL_NAME, "response": saved}}]})


def test_a_failed_tool_is_flagged_for_claude():
    failed = {"error": "currency must be a 3-letter ISO code"}
    turn = tool_result_turn("anthropic", "toolu_01abc", TOOL_NAME, failed)
    expect(turn["content"][0].get("is_error"), True, what="is_error")
    expect(turn["content"][0]["content"], failed["error"], what="the error text")

# %% mmcourse={"exercise": "ex-tool-result", "role": "hidden-tests"}
import json as _json

import requests as _requests

from mmcourse import registry as _registry
from mmcourse.grading import expect, offline_config

_RECEIPT = "receipts/ridgeway_hardware.png"


def _result(rng):
    if rng.random() < 0.4:
        return {"error": f"ledger {rng.randint(1, 99)} is closed"}
    return {"expense_id": f"exp_{rng.randint(1000, 9999)}", "status": rng.choice(["saved", "queued"])}


def test_random_results_in_every_shape(rng):
    for _ in range(8):
        result, call_id = _result(rng), f"id_{rng.randint(1, 10**6)}"
        expect(tool_result_turn("openai", call_id, "t", result),
               {"role": "tool", "tool_call_id": call_id, "content": _json.dumps(result)}, what="OpenAI turn")
        block = {"type": "tool_result", "tool_use_id": call_id,
                 "content": result["error"] if "error" in result else _json.dumps(result)}
        if "error" in result:
            block["is_error"] = True
        expect(tool_result_turn("anthropic", call_id, "t", result), {"role": "user", "content": [block]},
               what="Anthropic turn")
        expect(tool_result_turn("gemini", None, "t", result),
               {"role": "user", "parts": [{"functionResponse": {"name": "t", "response": result}}]},
               what="Gemini turn")


def test_claude_takes_the_turn_and_answers_from_it(rng):
    from mmcourse import datasets as _datasets

    cfg = offline_config("anthropic")
    data = _datasets.path(_RECEIPT).read_bytes()
    body = {"model": _registry.default_model("anthropic"), "max_tokens": 500,
            "tools": [{"name": "record_expense", "input_schema": EXPENSE_SCHEMA}],
            "tool_choice": {"type": "tool", "name": "record_expense"},
            "messages": [{"role": "user", "content": [
                {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                             "data": base64.b64encode(data).decode()}},
                {"type": "text", "text": "Record this expense."}]}]}
    headers = {"x-api-key": cfg.api_key, "anthropic-version": "2023-06-01"}
    first = _requests.post(f"{cfg.base_url}/v1/messages", json=body, headers=headers, timeout=60).json()
    use = first["content"][-1]
    result = {"expense_id": f"exp_{rng.randint(1000, 9999)}", "status": "saved"}
    body["messages"] += [{"role": "assistant", "content": first["content"]},
                         tool_result_turn("anthropic", use["id"], use["name"], result)]
    body["tool_choice"] = {"type": "auto"}
    reply = _requests.post(f"{cfg.base_url}/v1/messages", json=body, headers=headers, timeout=60)
    assert reply.status_code == 200, f"Claude refused the result turn: {reply.text[:300]}"
    assert result["expense_id"] in reply.json()["content"][0]["text"], "the answer should use the tool's result"

# %% [markdown] mmcourse={"exercise": "ex-tool-loop", "role": "instructions", "title": "The whole loop, any provider", "points": 5, "difficulty": "hard"}
# ### Exercise 3: the whole loop, any provider
# Write `expense_loop(provider, base_url, api_key, model, image, run_tool)` in raw `requests`
# that runs the story of this lesson for `"openai"`, `"anthropic"` or `"gemini"`:
#
# 1. Send `image` (bytes: PNG or JPEG, send its true MIME type) with `PROMPT`, the
#    `record_expense` tool (`TOOL_NAME`, `TOOL_DESCRIPTION`, `EXPENSE_SCHEMA`, strict where the
#    provider has it) and the tool **forced**. `base_url` is the provider's base (OpenAI's ends
#    in `/v1`, as in `conf["openai"].base_url`).
# 2. Read the call's arguments as a dict, and call `run_tool(arguments)`: it returns a dict,
#    `{"error": ...}` when the tool failed.
# 3. Send the result back in the provider's shape (exercise 2: an error is flagged for Claude),
#    with the tool choice **freed** (`auto`), and read the final text answer.
#
# Return `{"arguments": arguments, "result": result, "answer": final_text}`.

# %% [markdown] mmcourse={"exercise": "ex-tool-loop", "role": "hint"}
# Keep the provider differences in small functions or a table: one that builds the first
# body, one that posts (URL and headers), one that finds the call in the reply, one that
# appends the model's turn plus your result turn. The lesson's three sections are the pieces.

# %% [markdown] mmcourse={"exercise": "ex-tool-loop", "role": "hint"}
# Force: OpenAI `{"type": "function", "function": {"name": TOOL_NAME}}`, Claude
# `{"type": "tool", "name": TOOL_NAME}`, Gemini `mode: "ANY"`. Free: `"auto"`,
# `{"type": "auto"}`, `mode: "AUTO"`. OpenAI's `arguments` is a string: `json.loads` it.

# %% mmcourse={"exercise": "ex-tool-loop", "role": "solution"}
def expense_loop(provider, base_url, api_key, model, image, run_tool):
    ### BEGIN SOLUTION
    mime = mmcourse.sniff_mime(image)
    b64 = base64.b64encode(image).decode("ascii")
    tool = tool_definition(provider, TOOL_NAME, TOOL_DESCRIPTION, EXPENSE_SCHEMA)
    if provider == "openai":
        url, headers = f"{base_url}/chat/completions", {"Authorization": f"Bearer {api_key}"}
        body = {"model": model, "tools": [tool],
                "tool_choice": {"type": "function", "function": {"name": TOOL_NAME}},
                "messages": [{"role": "user", "content": [
                    {"type": "text", "text": PROMPT},
                    {"type": "image_url", "image_url": {"url": f"data:{mime};base64,{b64}"}}]}]}
    elif provider == "anthropic":
        url, headers = f"{base_url}/v1/messages", {"x-api-key": api_key, "anthropic-version": "2023-06-01"}
        body = {"model": model, "max_tokens": 1024, "tools": [tool],
                "tool_choice": {"type": "tool", "name": TOOL_NAME},
                "messages": [{"role": "user", "content": [
                    {"type": "image", "source": {"type": "base64", "media_type": mime, "data": b64}},
                    {"type": "text", "text": PROMPT}]}]}
    elif provider == "gemini":
        url, headers = f"{base_url}/v1beta/models/{model}:generateContent", {"x-goog-api-key": api_key}
        body = {"tools": [tool],
                "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [TOOL_NAME]}},
                "contents": [{"role": "user", "parts": [
                    {"inline_data": {"mime_type": mime, "data": b64}}, {"text": PROMPT}]}]}
    else:
        raise ValueError(f"unknown provider {provider!r}")

    def post():
        response = requests.post(url, json=body, headers=headers, timeout=60)
        response.raise_for_status()
        return response.json()

    reply = post()
    if provider == "openai":
        message = reply["choices"][0]["message"]
        call = message["tool_calls"][0]
        arguments, call_id = json.loads(call["function"]["arguments"]), call["id"]
        turn = [message]
        body["tool_choice"] = "auto"
    elif provider == "anthropic":
        use = next(b for b in reply["content"] if b["type"] == "tool_use")
        arguments, call_id = use["input"], use["id"]
        turn = [{"role": "assistant", "content": reply["content"]}]
        body["tool_choice"] = {"type": "auto"}
    else:
        content = reply["candidates"][0]["content"]
        arguments = next(p["functionCall"]["args"] for p in content["parts"] if "functionCall" in p)
        call_id, turn = None, [content]
        body["toolConfig"] = {"functionCallingConfig": {"mode": "AUTO"}}
    result = run_tool(arguments)
    turn.append(tool_result_turn(provider, call_id, TOOL_NAME, result))
    body["contents" if provider == "gemini" else "messages"] += turn
    reply = post()
    if provider == "openai":
        answer = reply["choices"][0]["message"]["content"]
    elif provider == "anthropic":
        answer = "".join(b["text"] for b in reply["content"] if b["type"] == "text")
    else:
        answer = "".join(p.get("text", "") for p in reply["candidates"][0]["content"]["parts"])
    return {"arguments": arguments, "result": result, "answer": answer}
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-tool-loop: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-tool-loop", "role": "visible-tests"}
from mmcourse.grading import last_request, offline_config


def _loop(provider, image, run_tool):
    cfg = offline_config(provider)
    return expense_loop(provider, cfg.base_url, cfg.api_key, registry.default_model(provider), image, run_tool)


def test_claude_records_the_photo():
    seen = []
    out = _loop("anthropic", PHOTO, lambda args: seen.append(args) or {"expense_id": "exp_0100", "status": "saved"})
    expect(len(seen), 1, what="calls of run_tool")
    expect(out["arguments"]["merchant"], "Greenleaf Market", what="merchant")
    expect(out["arguments"]["total"], 35.91, what="total")
    assert "exp_0100" in out["answer"], "the final answer should come from the tool's result"
    sent = last_request("anthropic")["request"]
    expect(sent["tool_choice"], {"type": "auto"}, what="tool_choice of the second request")


def test_openai_and_gemini_too():
    for provider in ("openai", "gemini"):
        out = _loop(provider, PHOTO, lambda args: {"expense_id": "exp_0200", "status": "saved"})
        expect(out["arguments"]["currency"], "USD", what=f"{provider} currency")
        assert "exp_0200" in out["answer"], f"{provider}: the final answer should use the tool's result"

# %% mmcourse={"exercise": "ex-tool-loop", "role": "hidden-tests"}
import hashlib

from mmcourse import datasets as _datasets
from mmcourse import registry as _registry
from mmcourse.grading import expect, last_request, offline_config, requests_log

_CATEGORY = {"receipts/greenleaf_market.png": "groceries", "receipts/greenleaf_market_photo.jpg": "groceries",
             "receipts/maple_bean_cafe.png": "dining", "receipts/ridgeway_hardware.png": "hardware"}


def _run(provider, rel, run_tool):
    cfg = offline_config(provider)
    image = _datasets.path(rel).read_bytes()
    before = len(requests_log(provider))
    out = expense_loop(provider, cfg.base_url, cfg.api_key, _registry.default_model(provider), image, run_tool)
    records = requests_log(provider)[before:]
    return out, records, image


def test_random_receipts_and_results_at_every_provider(rng):
    for provider in ("openai", "anthropic", "gemini"):
        rel = rng.choice(sorted(_CATEGORY))
        truth = _datasets.entry(rel)["truth"]
        expense_id = f"exp_{rng.randint(10000, 99999)}"
        seen = []
        out, records, image = _run(provider, rel, lambda args: seen.append(args) or {"expense_id": expense_id,
                                                                                     "status": "saved"})
        expect(len(records), 2, what=f"{provider}: requests sent (the call, then the result)")
        assert all(r["verdict"] == "accepted" for r in records), f"{provider}: a request was refused: " \
            f"{[r.get('error') for r in records]}"
        media = records[0]["media"]
        assert [m["sha256"] for m in media] == [hashlib.sha256(image).hexdigest()], f"{provider}: send the image"
        expect(media[0]["mime"], _datasets.entry(rel)["mime"], what=f"{provider}: the image's MIME type")
        want = {"merchant": truth["store"], "date": truth["date"], "total": truth["total"],
                "currency": truth["currency"], "category": _CATEGORY[rel]}
        expect(seen, [want], what=f"{provider}: the arguments run_tool got for {rel}")
        expect(out["arguments"], want, what=f"{provider}: the returned arguments")
        expect(out["result"], {"expense_id": expense_id, "status": "saved"}, what=f"{provider}: the returned result")
        assert expense_id in out["answer"], f"{provider}: the final answer should use the tool's result"


def test_the_tool_is_forced_then_freed():
    first_choice = {"openai": lambda b: b.get("tool_choice") not in (None, "auto", "none"),
                    "anthropic": lambda b: (b.get("tool_choice") or {}).get("type") in ("any", "tool"),
                    "gemini": lambda b: ((b.get("toolConfig") or b.get("tool_config") or {})
                                         .get("functionCallingConfig") or {}).get("mode", "").upper() == "ANY"}
    for provider, forced in first_choice.items():
        _, records, _ = _run(provider, "receipts/maple_bean_cafe.png", lambda args: {"expense_id": "e1"})
        assert forced(records[0]["request"]), f"{provider}: force the tool in the first request"
        assert not forced(records[1]["request"]), f"{provider}: free the tool choice in the second request"


def test_a_failed_tool_goes_back_as_an_error(rng):
    message = f"ledger {rng.randint(100, 999)} is closed"
    for provider in ("openai", "anthropic", "gemini"):
        out, records, _ = _run(provider, "receipts/ridgeway_hardware.png", lambda args: {"error": message})
        expect(out["result"], {"error": message}, what=f"{provider}: the returned result")
        assert message in out["answer"], f"{provider}: the final answer should report the tool's error"
        last = records[-1]["request"]
        if provider == "anthropic":
            block = last["messages"][-1]["content"][0]
            expect(block.get("is_error"), True, what="Claude's tool_result is_error")
        if provider == "gemini":
            response = last["contents"][-1]["parts"][0]["functionResponse"]["response"]
            expect(response, {"error": message}, what="Gemini's functionResponse.response")

# %% [markdown]
# ## What you learned
#
# - A tool is a declaration (name, description, JSON Schema) sent to the model and a function
#   that stays in your code; the model only *asks* for a call.
# - OpenAI returns `tool_calls` with `arguments` as a JSON string; Claude a `tool_use` block
#   with an `input` object; Gemini a `functionCall` part with `args` and no id.
# - The result goes back as `role: tool`, a `tool_result` block (`is_error` for failures), or a
#   `functionResponse` object; send the model's own turn back unchanged before it.
# - A forced tool choice forces every turn: free it after the result.
# - For data alone, a schema is simpler than a tool, and in 2026 all three take one: OpenAI
#   `response_format`, Anthropic `output_config.format`, Gemini `responseJsonSchema`.
#
# Next: lesson 15, what caching and batches do to the bill.
