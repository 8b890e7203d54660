"""URL inputs offline: the emulator serves the course data at ``<origin>/_mmcourse/data/<path>`` and
"fetches" only there; any other URL gets the provider's own download error.

Wording of the errors (real responses quoted in public issues, 2025-2026): OpenAI 400
``invalid_image_url`` "Error while downloading <url>."; Anthropic 400 "Unable to download the
file. Please verify the URL and try again."; Gemini 400 ``INVALID_ARGUMENT`` "Cannot fetch
content from the provided URL."
"""

from __future__ import annotations

import base64

import pytest
import requests

from mmcourse import datasets, registry
from mmcourse.emulator.urls import data_url_for
from tests.sdks import need

OPENAI_MODEL = registry.default_model("openai")
CLAUDE_MODEL = registry.default_model("anthropic")
GEMINI_MODEL = registry.default_model("gemini")
PHOTO = "photos/chelsea.jpg"
PDF = "documents/invoice.pdf"
ELSEWHERE = "https://upload.wikimedia.org/wikipedia/commons/cat.jpg"








def b64(rel: str) -> str:
    return base64.b64encode(datasets.path(rel).read_bytes()).decode()


# ---------------------------------------------------------------- serving the data


def test_course_file_is_served_with_its_bytes_and_type(origin):
    r = requests.get(data_url_for(origin, PHOTO), timeout=10)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert r.content == datasets.path(PHOTO).read_bytes()


def test_path_outside_the_data_folder_is_not_served(origin):
    r = requests.get(origin + "/_mmcourse/data/%2E%2E/pyproject.toml", timeout=10)
    assert r.status_code == 404


# ---------------------------------------------------------------- OpenAI


def chat_image(oai, url: str):
    return oai.chat.completions.create(model=OPENAI_MODEL, messages=[{"role": "user", "content": [
        {"type": "text", "text": "What is in this image?"}, {"type": "image_url", "image_url": {"url": url}}]}])


def test_openai_chat_image_by_data_url_at_the_emulator_answers_like_inline(oai, origin):
    by_url = chat_image(oai, data_url_for(origin, PHOTO))
    inline = chat_image(oai, f"data:image/jpeg;base64,{b64(PHOTO)}")
    assert by_url.choices[0].message.content == inline.choices[0].message.content


def test_openai_chat_image_elsewhere_gets_the_download_error(oai):
    openai = need("openai")
    with pytest.raises(openai.BadRequestError) as err:
        chat_image(oai, ELSEWHERE)
    assert err.value.code == "invalid_image_url"
    assert err.value.body["message"] == f"Error while downloading {ELSEWHERE}."


def test_openai_responses_image_and_file_urls_are_fetched_from_the_emulator(oai, origin):
    response = oai.responses.create(model=OPENAI_MODEL, input=[{"role": "user", "content": [
        {"type": "input_text", "text": "What is the invoice total?"},
        {"type": "input_file", "file_url": data_url_for(origin, PDF)}]}])
    inline = oai.responses.create(model=OPENAI_MODEL, input=[{"role": "user", "content": [
        {"type": "input_text", "text": "What is the invoice total?"},
        {"type": "input_file", "filename": "invoice.pdf", "file_data": f"data:application/pdf;base64,{b64(PDF)}"}]}])
    assert response.output_text == inline.output_text


def test_openai_responses_image_elsewhere_gets_the_download_error(oai):
    openai = need("openai")
    with pytest.raises(openai.BadRequestError) as err:
        oai.responses.create(model=OPENAI_MODEL, input=[{"role": "user", "content": [
            {"type": "input_image", "image_url": ELSEWHERE}]}])
    assert err.value.code == "invalid_image_url"


# ---------------------------------------------------------------- Anthropic


def claude_block(claude, block: dict):
    return claude.messages.create(model=CLAUDE_MODEL, max_tokens=300, messages=[{"role": "user", "content": [
        block, {"type": "text", "text": "Describe this."}]}])


def test_anthropic_url_image_source_answers_like_base64(claude, origin):
    by_url = claude_block(claude, {"type": "image", "source": {"type": "url", "url": data_url_for(origin, PHOTO)}})
    inline = claude_block(claude, {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg",
                                                               "data": b64(PHOTO)}})
    assert by_url.content[0].text == inline.content[0].text


def test_anthropic_url_document_source_answers_like_base64(claude, origin):
    by_url = claude_block(claude, {"type": "document", "source": {"type": "url", "url": data_url_for(origin, PDF)}})
    inline = claude_block(claude, {"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                                                                  "data": b64(PDF)}})
    assert by_url.content[0].text == inline.content[0].text


def test_anthropic_url_elsewhere_gets_the_download_error(claude):
    anthropic = need("anthropic")
    with pytest.raises(anthropic.BadRequestError) as err:
        claude_block(claude, {"type": "image", "source": {"type": "url", "url": ELSEWHERE}})
    assert err.value.body["error"]["message"] == "Unable to download the file. Please verify the URL and try again."


# ---------------------------------------------------------------- Gemini


def test_gemini_file_uri_at_the_emulator_answers_like_inline_data(gem, origin):
    genai_types = need("google.genai.types")
    by_uri = gem.models.generate_content(model=GEMINI_MODEL, contents=[
        genai_types.Part.from_uri(file_uri=data_url_for(origin, PHOTO), mime_type="image/jpeg"),
        "What is in this image?"])
    inline = gem.models.generate_content(model=GEMINI_MODEL, contents=[
        genai_types.Part.from_bytes(data=datasets.path(PHOTO).read_bytes(), mime_type="image/jpeg"),
        "What is in this image?"])
    assert by_uri.text == inline.text


def test_gemini_file_uri_elsewhere_cannot_be_fetched(gem):
    genai_types = need("google.genai.types")
    genai_errors = need("google.genai.errors")
    with pytest.raises(genai_errors.ClientError) as err:
        gem.models.generate_content(model=GEMINI_MODEL, contents=[
            genai_types.Part.from_uri(file_uri=ELSEWHERE, mime_type="image/jpeg"), "What is in this image?"])
    assert err.value.code == 400 and err.value.message == "Cannot fetch content from the provided URL."
