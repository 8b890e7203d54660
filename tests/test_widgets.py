"""mmcourse.widgets: the comparison table, the response tree, Compare, and their plain-text twins."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest

from mmcourse import pricing, registry, session
from mmcourse.config import offline_key, scope_of
from mmcourse.emulator.control import EmulatorControl
from mmcourse.encoding import image_size, to_base64
from mmcourse.providers import Answer, APIError, Media, Text, Usage, anthropic, gemini, openai
from mmcourse.widgets import base as widget_base
from mmcourse.widgets.compare import Compare, Result, chart_png, compare_text, result_of
from mmcourse.widgets.inspector import PayloadInspector, Row, compare_requests, payload_comparison
from mmcourse.widgets.jsonpath import annotated_lines, format_path, parse_path, resolve
from mmcourse.widgets.viewer import (
    ResponseViewer,
    detect_provider,
    shorten_media,
    summarize,
    tree_html,
)
from tests.conftest import make_image, make_wav

PROVIDERS = ("openai", "anthropic", "gemini")
PROMPT = "What is in this photo?"
KEY = "sk-proj-" + "K" * 40
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "MMCOURSE_MODE")


def model_of(provider: str) -> str:
    return registry.default_model(provider, registry.IMAGE)


def built(image: bytes, key: str = KEY) -> dict:
    """Each provider's request for one image and the prompt, built by its own wire module."""
    parts = [Media("image/jpeg", to_base64(image), "shapes.jpg"), Text(PROMPT)]
    modules = {"openai": openai, "anthropic": anthropic, "gemini": gemini}
    bases = {"openai": "http://127.0.0.1:9/v1", "anthropic": "http://127.0.0.1:9", "gemini": "http://127.0.0.1:9"}
    return {p: m.build_request(model_of(p), parts, base_url=bases[p], api_key=key) for p, m in modules.items()}


def by_aspect(rows: list[Row]) -> dict[str, dict[str, str]]:
    return {row.aspect: row.values for row in rows}


# Minimal success responses in each provider's documented shape.
RESPONSES = {
    "openai": {"id": "c1", "object": "chat.completion", "model": "gpt-5.4-mini",
               "choices": [{"index": 0, "message": {"role": "assistant", "content": "A cat."},
                            "finish_reason": "stop"}],
               "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100}},
    "anthropic": {"id": "m1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-6",
                  "content": [{"type": "text", "text": "A cat."}], "stop_reason": "end_turn",
                  "usage": {"input_tokens": 1000, "output_tokens": 100}},
    "gemini": {"candidates": [{"content": {"parts": [{"text": "A cat."}], "role": "model"},
                               "finishReason": "STOP", "index": 0}],
               "usageMetadata": {"promptTokenCount": 1000, "candidatesTokenCount": 100},
               "modelVersion": "gemini-2.5-flash"},
}


@pytest.fixture
def no_session(monkeypatch):
    """No setup() has run: requests are built from the environment alone (nothing is sent)."""
    for var in KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MMCOURSE_EMULATOR_URL", "http://127.0.0.1:9")
    monkeypatch.setattr(session, "_configs", {})


@pytest.fixture
def widgets_on(monkeypatch):
    """Pretend to be in a Jupyter kernel with a widget front end."""
    monkeypatch.delenv("MMCOURSE_PLAIN", raising=False)
    monkeypatch.setattr(widget_base, "use_widgets", lambda: True)


# ---------------------------------------------------------------- JSON paths


@pytest.mark.parametrize("provider", PROVIDERS)
def test_answer_paths_parse_resolve_and_format_back(provider):
    module = {"openai": openai, "anthropic": anthropic, "gemini": gemini}[provider]
    path = parse_path(module.ANSWER_PATH)
    assert format_path(path) == module.ANSWER_PATH
    assert resolve(RESPONSES[provider], path) == "A cat."


def test_a_malformed_path_is_refused_with_its_position():
    with pytest.raises(ValueError, match="at character 7"):
        parse_path("choices[x].message")


def test_resolve_names_the_missing_step():
    with pytest.raises(LookupError, match=r"no choices\[3\]"):
        resolve(RESPONSES["openai"], parse_path("choices[3].message"))


def test_annotated_lines_are_exactly_json_dumps_indent_2():
    value = {"a": [1, {"b": None, "c": []}, "x"], "d": {}, "e": "é"}
    lines = annotated_lines(value)
    assert "\n".join(text for _, text in lines) == json.dumps(value, indent=2, ensure_ascii=False)
    assert ("a", 1, "b") in [path for path, _ in lines]


# ---------------------------------------------------------------- the payload comparison


def test_the_file_goes_where_each_provider_expects_it(jpeg_bytes):
    rows = by_aspect(compare_requests(built(jpeg_bytes), PROMPT))
    assert rows["file goes in"] == {
        "openai": "messages[0].content[0].image_url.url",
        "anthropic": "messages[0].content[0].source.data",
        "gemini": "contents[0].parts[0].inline_data.data",
    }
    assert rows["prompt goes in"]["gemini"] == "contents[0].parts[1].text"


def test_base64_form_is_a_data_url_only_for_openai(jpeg_bytes):
    form = by_aspect(compare_requests(built(jpeg_bytes), PROMPT))["base64 form"]
    assert form["openai"].startswith("data URL")
    assert form["anthropic"] == "raw base64, MIME type in messages[0].content[0].source.media_type"
    assert form["gemini"] == "raw base64, MIME type in contents[0].parts[0].inline_data.mime_type"


def test_auth_rows_name_each_header_and_never_show_the_key(jpeg_bytes):
    rows = compare_requests(built(jpeg_bytes), PROMPT)
    auth = by_aspect(rows)["auth"]
    assert auth["openai"].startswith("Authorization: Bearer ")
    assert auth["anthropic"].startswith("x-api-key: ") and auth["gemini"].startswith("x-goog-api-key: ")
    assert KEY not in json.dumps([r.values for r in rows])
    assert by_aspect(rows)["other headers"]["anthropic"] == f"anthropic-version: {anthropic.API_VERSION}"


def test_model_output_limit_and_answer_locations(jpeg_bytes):
    rows = by_aspect(compare_requests(built(jpeg_bytes), PROMPT))
    assert rows["model goes in"]["openai"] == "model"
    assert rows["model goes in"]["gemini"].startswith("the URL: ") and model_of("gemini") in rows["model goes in"]["gemini"]
    assert rows["output limit"] == {"openai": "max_completion_tokens", "anthropic": "max_tokens",
                                    "gemini": "generationConfig.maxOutputTokens"}
    assert rows["answer comes back in"]["anthropic"] == anthropic.ANSWER_PATH


def test_a_row_differs_only_when_the_providers_disagree():
    assert Row("x", {"openai": "a", "gemini": "b"}).differs
    assert not Row("x", {"openai": "a", "gemini": "a"}).differs
    assert Row("x", {"openai": "a", "gemini": "b"}).cells(("gemini", "openai")) == ("x", "b", "a")


def test_a_provider_that_cannot_take_the_file_says_why(no_session, tmp_path):
    wav = tmp_path / "tone.wav"
    wav.write_bytes(make_wav(0.2))
    rows = by_aspect(payload_comparison(wav, "Transcribe this."))
    assert "does not accept audio" in rows["cannot send"]["anthropic"]
    assert rows["cannot send"]["gemini"] == "(can send)"
    assert rows["file goes in"]["anthropic"] == "—"
    assert rows["base64 form"]["openai"] == "raw base64, format in messages[0].content[0].input_audio.format"


def test_inspector_text_is_redacted_and_truncated_even_with_a_live_key(monkeypatch, tmp_path):
    monkeypatch.setattr(session, "_configs", {})
    monkeypatch.setenv("MMCOURSE_MODE", "live")
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.setenv(name, KEY)
    for name in ("OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "GEMINI_BASE_URL"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # built only; nothing is sent
    photo = tmp_path / "shapes.png"
    photo.write_bytes(make_image(fmt="PNG"))
    inspector = PayloadInspector(photo, PROMPT)
    text = inspector.to_text(curl=True)
    b64 = to_base64(photo.read_bytes())
    assert KEY not in text and b64[:200] not in text
    assert "$OPENAI_API_KEY" in text and "$ANTHROPIC_API_KEY" in text
    pages = [inspector.table_html(), inspector.curl_html()] + [inspector.request_html(p) for p in PROVIDERS]
    assert all(KEY not in page and b64[:200] not in page for page in pages)


def test_plain_text_groups_values_by_aspect(no_session, tmp_path):
    photo = tmp_path / "shapes.jpg"
    photo.write_bytes(make_image())
    text = PayloadInspector(photo, PROMPT).to_text()
    assert text.startswith(f"shapes.jpg + {PROMPT!r}: the request each provider gets")
    block = text.split("\nauth\n", 1)[1].splitlines()[:3]
    assert [line.split()[0] for line in block] == list(PROVIDERS)
    assert "curl" not in text.split("inspector.curl")[0]  # curl only on request


def test_inspector_widget_has_a_tab_per_view_and_marks_differences(no_session, widgets_on, tmp_path):
    photo = tmp_path / "shapes.jpg"
    photo.write_bytes(make_image())
    inspector = PayloadInspector(photo, PROMPT)
    tab = inspector.widget()
    assert tab.titles == ("compare", "openai", "anthropic", "gemini", "copy as curl")
    assert "mmcourse-payload-inspector" in tab._dom_classes
    assert "mm-diff" in tab.children[0].value
    assert "<mark>" in tab.children[1].value and "chars)" in tab.children[1].value
    bundle = inspector._repr_mimebundle_()
    assert WIDGET_MIME in bundle and bundle["text/plain"] == inspector.to_text()


def test_plain_mode_displays_text_only(no_session, monkeypatch, tmp_path):
    monkeypatch.setenv("MMCOURSE_PLAIN", "1")
    photo = tmp_path / "shapes.jpg"
    photo.write_bytes(make_image())
    inspector = PayloadInspector(photo, PROMPT)
    assert inspector._repr_mimebundle_() == {"text/plain": inspector.to_text()}
    assert repr(inspector) == inspector.to_text()


# ---------------------------------------------------------------- the response viewer


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_provider_is_recognised_by_its_answer_path(provider):
    assert detect_provider(RESPONSES[provider]) == provider


def test_unknown_json_asks_for_the_provider():
    with pytest.raises(ValueError, match="pass provider="):
        detect_provider({"result": "A cat."})


@pytest.mark.parametrize("provider", PROVIDERS)
def test_summary_has_usage_and_the_price_tables_cost(provider):
    summary = summarize(RESPONSES[provider], provider)
    assert (summary.input_tokens, summary.output_tokens, summary.answer) == (1000, 100, "A cat.")
    assert summary.cost == pricing.cost(summary.model, 1000, 100)
    assert pricing.format_usd(summary.cost) in summary.lines()[1]


def test_plain_text_marks_exactly_the_answer_line():
    text = ResponseViewer(RESPONSES["anthropic"]).to_text()
    marked = [line for line in text.splitlines() if line.endswith("◀ answer")]
    assert marked == ['      "text": "A cat."  ◀ answer']
    assert text.splitlines()[0] == "anthropic response · model claude-sonnet-4-6 · answer at content[0].text"


def test_tree_opens_the_branches_to_the_answer_only():
    raw = RESPONSES["gemini"]
    html = tree_html(raw, parse_path(gemini.ANSWER_PATH))
    assert html.count("<mark class='mm-answer'>") == 1
    assert html.count("<details open>") == 6  # root, candidates, [0], content, parts, [0]
    assert '<details><summary><b>&quot;usageMetadata&quot;</b>' in html


def test_long_prose_is_kept_and_base64_is_cut():
    prose, b64 = "word " * 100, "QUJD" * 100
    short = shorten_media({"text": prose, "data": b64})
    assert short["text"] == prose and short["data"].endswith("(400 chars)")


def test_viewer_accepts_an_answer_a_json_string_and_an_api_error():
    raw = RESPONSES["openai"]
    answer = Answer("openai", "gpt-5.4-mini", "A cat.", Usage(1000, 100), "stop", raw)
    assert ResponseViewer(answer).to_text() == ResponseViewer(json.dumps(raw)).to_text()
    error_body = {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                            "code": "invalid_api_key"}}
    viewer = ResponseViewer(APIError("openai", 401, "invalid_api_key", "Incorrect API key provided",
                                     raw=error_body))
    assert "error: HTTP 401 invalid_api_key" in viewer.to_text()
    assert '"message": "Incorrect API key provided",  ◀ error message' in viewer.to_text()
    assert viewer.summary.answer_path == ("error", "message")


def test_a_model_without_a_price_says_so():
    raw = dict(RESPONSES["openai"], model="gpt-4o-2024-08-06")  # a dated snapshot id
    summary = summarize(raw, "openai")
    assert summary.cost is None and "estimated cost n/a (no price:" in summary.lines()[1]


def test_viewer_widget_holds_the_tree(widgets_on):
    box = ResponseViewer(RESPONSES["gemini"]).widget()
    assert "mmcourse-response-viewer" in box._dom_classes
    assert "mm-answer" in box.children[1].value and "estimated cost" in box.children[0].value


# ---------------------------------------------------------------- Compare


def answer_for(provider: str) -> Answer:
    module = {"openai": openai, "anthropic": anthropic, "gemini": gemini}[provider]
    return module.parse_response(RESPONSES[provider])


def test_result_of_an_answer_has_tokens_and_cost():
    result = result_of("gemini", answer_for("gemini"), 0.25)
    assert (result.input_tokens, result.output_tokens) == (1000, 100)
    assert result.cost == pricing.cost("gemini-2.5-flash", 1000, 100)
    assert result.stats() == f"gemini-2.5-flash · 1,000 in + 100 out tokens · {pricing.format_usd(result.cost)} · 250 ms"


def test_result_of_an_error_keeps_the_message():
    result = result_of("anthropic", ValueError("Claude does not take audio/wav"), None)
    assert result.error and result.stats() == "error: Claude does not take audio/wav"


def test_latency_can_be_left_out_of_the_text():
    results = [result_of(p, answer_for(p), 1.5) for p in PROVIDERS]
    assert "1.50 s" in compare_text(PROMPT, "cat.jpg", results)
    assert " s\n" not in compare_text(PROMPT, "cat.jpg", results, show_latency=False)
    assert "1.50" not in compare_text(PROMPT, "cat.jpg", results, show_latency=False)


def test_the_chart_has_one_panel_fewer_without_latency():
    results = [result_of(p, answer_for(p), 0.1) for p in PROVIDERS]
    with_latency, without = chart_png(results), chart_png(results, show_latency=False)
    assert with_latency.startswith(b"\x89PNG") and without.startswith(b"\x89PNG")
    assert image_size(with_latency)[0] == pytest.approx(image_size(without)[0] * 3 / 2, abs=2)


def test_chart_skips_failed_providers():
    results = [result_of("openai", answer_for("openai"), 0.1), Result("anthropic", error="no")]
    assert chart_png(results).startswith(b"\x89PNG")


@pytest.fixture
def offline(origin, monkeypatch):
    """The course pointed at the test emulator, in a scope of this test's own."""
    scope = uuid.uuid4().hex[:8]
    for var in KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MMCOURSE_EMULATOR_URL", origin)
    monkeypatch.setenv("MMCOURSE_SCOPE", scope)
    monkeypatch.setattr(session, "_configs", {})
    yield EmulatorControl(origin, scope=scope_of(offline_key({"MMCOURSE_SCOPE": scope})))
    session._configs.clear()


def test_compare_asks_each_provider_once_through_the_emulator(offline, tmp_path):
    photo = tmp_path / "shapes.jpg"
    photo.write_bytes(make_image())
    compare = Compare(PROMPT, photo, show_latency=False)
    assert [r.provider for r in compare.results] == list(PROVIDERS)
    assert all(r.text and r.input_tokens > 0 and r.error is None for r in compare.results)
    assert sorted(rec["provider"] for rec in offline.log()) == sorted(PROVIDERS)
    text = compare.to_text()
    assert " ms" not in text and all(f"\n{p} · " in text for p in PROVIDERS)


def test_compare_shows_a_refusal_beside_the_answers(offline, tmp_path, widgets_on):
    wav = tmp_path / "tone.wav"
    wav.write_bytes(make_wav(0.2))
    compare = Compare("Transcribe this.", wav)
    by_provider = {r.provider: r for r in compare.results}
    assert "does not accept audio" in by_provider["anthropic"].error
    assert by_provider["anthropic"].seconds is None  # nothing was sent, so no latency
    assert by_provider["gemini"].error is None and by_provider["gemini"].seconds is not None
    box = compare.widget()
    assert "mmcourse-compare" in box._dom_classes
    assert len(box.children[0].children) == 3 and box.children[1].format == "png"


def test_cost_is_decimal_money():
    assert isinstance(result_of("openai", answer_for("openai"), None).cost, Decimal)


def test_last_shows_the_response_to_the_last_ask(offline, tmp_path):
    import mmcourse
    from mmcourse.client import default_client

    photo = tmp_path / "shapes.jpg"
    photo.write_bytes(make_image())
    answer = mmcourse.ask("anthropic", PROMPT, photo)
    viewer = ResponseViewer.last()
    assert default_client().last.request.provider == "anthropic"
    assert viewer.summary.answer == answer.text and viewer.summary.input_tokens == answer.usage.input_tokens


def test_viewer_plain_text_masks_per_call_ids_and_clocks():
    from mmcourse.widgets import ResponseViewer

    raw = {"id": "chatcmpl-abc", "object": "chat.completion", "created": 1795614085, "model": "gpt-5.4-mini",
           "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
           "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
    text = ResponseViewer(raw).to_text()
    assert "chatcmpl-abc" not in text and "1795614085" not in text
    assert '"created": "<varies per call>"' in text and '"content": "hi"' in text


def test_the_tree_counts_one_item_in_the_singular():
    from mmcourse.widgets.viewer import tree_html

    html = tree_html({"choices": [{"index": 0}]})
    assert "[…] 1 item</span>" in html and "{…} 1 key</span>" in html, html
    assert "1 items" not in html and "1 keys" not in html
