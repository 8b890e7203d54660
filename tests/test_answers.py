"""The emulator's answer engine: ground truth in the form the prompt asks, honest otherwise.

Most tests run against a small course built here (a manifest and files in a temp folder), so
they pin the engine's behaviour whatever the real data holds; the last section runs the same
kinds of checks against the committed course data in data/ when it is present.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import struct
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from mmcourse.emulator import prompting, recognise
from mmcourse.emulator.answers import UNKNOWN_PREFIX, MediaItem, compose_answer, evaluate_arithmetic
from mmcourse.media.fingerprint import image_hash

# --------------------------------------------------------------------------- a small course


def _jpeg(img: Image.Image, quality: int = 92) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _photo() -> Image.Image:
    """A "photo": smooth gradient sky, a green hill and an orange sun (structure for a dHash)."""
    y, x = np.mgrid[0:360, 0:480]
    sky = np.stack([80 + x * 0.2, 120 + y * 0.2, 230 - y * 0.3], axis=-1).clip(0, 255).astype(np.uint8)
    img = Image.fromarray(sky)
    draw = ImageDraw.Draw(img)
    draw.ellipse([-100, 220, 580, 560], fill=(40, 150, 60))
    draw.ellipse([330, 40, 420, 130], fill=(245, 150, 30))
    draw.rectangle([60, 180, 140, 260], fill=(120, 70, 35))
    return img


def _chart() -> Image.Image:
    img = Image.new("RGB", (400, 300), "white")
    draw = ImageDraw.Draw(img)
    for i, value in enumerate([420, 510, 480, 620]):
        x = 50 + i * 85
        draw.rectangle([x, 270 - value * 0.4, x + 60, 270], fill=(30, 90, 200))
        draw.text((x + 15, 275), f"Q{i + 1}", fill="black", font=_font(14))
    draw.text((120, 5), "Quarterly revenue", fill="black", font=_font(18))
    return img


def _receipt() -> Image.Image:
    img = Image.new("RGB", (300, 420), "white")
    draw = ImageDraw.Draw(img)
    lines = ["CORNER CAFE", "12 Main St", "2026-03-14 09:41", "", "2 x Latte   3.50   7.00",
             "1 x Bagel   2.25   2.25", "", "Subtotal        9.25", "Tax 8%          0.74",
             "TOTAL           9.99", "VISA"]
    for i, line in enumerate(lines):
        draw.text((20, 20 + i * 34), line, fill="black", font=_font(20))
    return img


def _dashboard(revenue: str, last_bar: int) -> Image.Image:
    img = Image.new("RGB", (480, 320), (245, 245, 250))
    draw = ImageDraw.Draw(img)
    draw.rectangle([20, 20, 220, 100], fill=(255, 255, 255), outline=(180, 180, 180))
    draw.text((30, 30), "Revenue", fill="black", font=_font(16))
    draw.text((30, 55), revenue, fill="black", font=_font(28))
    for i, h in enumerate([80, 120, 100, last_bar]):
        draw.rectangle([260 + i * 50, 290 - h, 295 + i * 50, 290], fill=(60, 140, 90))
    return img


def _design(iteration: int) -> Image.Image:
    img = Image.new("RGB", (300, 300), "white")
    draw = ImageDraw.Draw(img)
    colour = [(200, 40, 40), (40, 40, 200), (40, 40, 200)][iteration - 1]
    if iteration == 1:
        draw.rectangle([50, 50, 250, 250], fill=colour)
    else:
        draw.ellipse([50, 50, 250, 250], fill=colour)
    if iteration == 3:
        draw.text((95, 130), "ACME", fill="white", font=_font(40))
    return img


SCENES = [
    {"start": 0, "end": 3, "title": "Red title card", "description": "A red card with a white square."},
    {"start": 3, "end": 6, "title": "Blue chart card", "description": "A blue card with three yellow bars."},
]


def _video_frame(t: float) -> Image.Image:
    if t < 3:
        img = Image.new("RGB", (320, 180), (200, 30, 30))
        ImageDraw.Draw(img).rectangle([40, 40, 120, 120], fill="white")
    else:
        img = Image.new("RGB", (320, 180), (30, 60, 200))
        draw = ImageDraw.Draw(img)
        for i, h in enumerate([40, 80, 60]):
            draw.rectangle([40 + i * 40, 150 - h, 70 + i * 40, 150], fill=(240, 220, 40))
    # The on-screen clock: what tells frames of one scene apart.
    ImageDraw.Draw(img).text((200, 10), f"00:{int(t):02d}", fill="white", font=_font(40))
    return img


def _mp4(seconds: int = 6, fps: int = 5) -> bytes:
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        stream.options = {"qscale": "3"}
        for i in range(seconds * fps):
            frame = av.VideoFrame.from_ndarray(np.asarray(_video_frame(i / fps)), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buf.getvalue()


def _wav(samples: np.ndarray, rate: int = 16_000, extra_chunk: bytes = b"") -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype("<i2").tobytes())
    data = buf.getvalue()
    if extra_chunk:  # a LIST chunk after the samples: other bytes, the same sound
        body = data[12:] + extra_chunk
        data = b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body
    return data


def _speech_samples() -> np.ndarray:
    t = np.arange(16_000 * 2) / 16_000
    return (8000 * np.sin(2 * np.pi * 220 * t) * np.sin(2 * np.pi * 3 * t)).astype(np.int16)


def _pdf(pages: list[str]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    buf = io.BytesIO()
    with PdfPages(buf, metadata={"CreationDate": None}) as pdf:
        for text in pages:
            fig = Figure(figsize=(6, 4))
            for i, line in enumerate(text.split("\n")):
                fig.text(0.05, 0.9 - i * 0.08, line)
            pdf.savefig(fig)
    return buf.getvalue()


TRANSCRIPT = ("Good morning everyone. We agreed to ship version two on Friday. "
              "Ana will update the docs by Thursday.")
PDF_PAGES = ["Annual Report 2025\nRevenue grew 12 percent to 2.1 million euros.",
             "Outlook\nWe expect growth of 8 percent in 2026."]


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> tuple[dict, Path]:
    """A small course: every kind of entry the manifest schema defines, with truth."""
    root = tmp_path_factory.mktemp("course")
    files: list[dict] = []

    def add(rel: str, data: bytes, kind: str, mime: str, truth: dict, **extra) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        entry = {"path": rel, "kind": kind, "mime": mime, "bytes": len(data),
                 "sha256": hashlib.sha256(data).hexdigest(), "license": "CC0-1.0", "source": "test",
                 "truth": truth, **extra}
        if mime.startswith("image/"):
            img = Image.open(io.BytesIO(data))
            entry.update(width=img.width, height=img.height, image_hash=image_hash(img))
        files.append(entry)

    add("photos/hill.jpg", _jpeg(_photo()), "photo", "image/jpeg", {
        "caption": "A green hill under a blue sky with an orange sun and a brown hut.",
        "category": "photo", "subjects": ["hill", "sun", "hut"], "colors": ["blue", "green", "orange"],
        "facts": {"What colour is the sun?": "orange", "How many huts are there?": "1"}})
    add("charts/revenue.png", _png(_chart()), "chart", "image/png", {
        "chart_type": "bar", "title": "Quarterly revenue", "x_label": "Quarter", "y_label": "Revenue",
        "unit": "$K", "series": {"Revenue": [420, 510, 480, 620]}, "labels": ["Q1", "Q2", "Q3", "Q4"],
        "values": [420, 510, 480, 620], "trend": "Revenue rose from 420 in Q1 to 620 in Q4, with a dip in Q3.",
        "category": "chart"})
    add("receipts/cafe.png", _png(_receipt()), "receipt", "image/png", {
        "category": "receipt", "store": "Corner Cafe", "address": "12 Main St", "date": "2026-03-14",
        "time": "09:41", "currency": "USD",
        "items": [{"name": "Latte", "quantity": 2, "unit_price": 3.5, "total": 7.0},
                  {"name": "Bagel", "quantity": 1, "unit_price": 2.25, "total": 2.25}],
        "subtotal": 9.25, "tax_rate": 0.08, "tax": 0.74, "total": 9.99, "payment_method": "Visa"})
    add("dashboards/v1.png", _png(_dashboard("$1.20M", 90)), "dashboard", "image/png", {
        "version": 1, "title": "Sales dashboard", "metrics": {"revenue": "$1.20M"}, "differences_from": {}})
    add("dashboards/v2.png", _png(_dashboard("$1.35M", 150)), "dashboard", "image/png", {
        "version": 2, "title": "Sales dashboard", "metrics": {"revenue": "$1.35M"},
        "differences_from": {"dashboards/v1.png": ["Revenue tile: $1.20M became $1.35M.",
                                                   "The last bar is taller."]}})
    for i, (desc, changes) in enumerate([
        ("A red square.", []),
        ("A blue circle.", ["The square became a circle.", "Red became blue."]),
        ("A blue circle with the word ACME.", ["Added the word ACME in white."]),
    ], start=1):
        add(f"design/logo_v{i}.png", _png(_design(i)), "design", "image/png",
            {"iteration": i, "description": desc, "changes_from_previous": changes})
    video = _mp4()
    add("video/tour.mp4", video, "video", "video/mp4", {
        "duration_s": 6.0, "fps": 5, "scenes": SCENES, "summary": "A red title card, then a blue chart card."},
        duration_s=6.0, image_hash=image_hash(_video_frame(0)),
        frames=[{"t": float(t), "image_hash": image_hash(_video_frame(t))} for t in range(6)])
    add("speech/meeting.wav", _wav(_speech_samples()), "speech", "audio/wav", {
        "transcript": TRANSCRIPT, "speakers": ["Ana", "Ben"],
        "summary": "The team agreed to ship version two on Friday.",
        "decisions": ["Ship version two on Friday."],
        "action_items": [{"owner": "Ana", "task": "Update the docs", "due": "Thursday"}], "language": "en"},
        duration_s=2.0)
    add("documents/report.pdf", _pdf(PDF_PAGES), "pdf", "application/pdf", {
        "title": "Annual Report 2025", "pages": 2, "text": PDF_PAGES,
        "facts": {"revenue_growth": "12 percent", "revenue": "2.1 million euros"},
        "summary": "Revenue grew 12 percent to 2.1 million euros; 8 percent growth is expected in 2026."},
        pages=2)
    return {"schema_version": 1, "generated_by": "test", "files": files}, root


def ask(course, prompt: str, *blobs: bytes, **kwargs) -> str:
    """compose_answer against the test course, with media given as raw bytes."""
    manifest, root = course
    media = [MediaItem(mime="application/octet-stream", data=b) for b in blobs]
    kwargs.setdefault("provider", "openai")
    kwargs.setdefault("model", "test-model")
    return compose_answer(prompt, media, manifest=manifest, data_dir=root, **kwargs)


def read(course, rel: str) -> bytes:
    return (course[1] / rel).read_bytes()


def resized(data: bytes, scale: float, quality: int = 60) -> bytes:
    img = Image.open(io.BytesIO(data)).convert("RGB")
    return _jpeg(img.resize((int(img.width * scale), int(img.height * scale)), Image.Resampling.LANCZOS), quality)


# --------------------------------------------------------------------------- JSON


def test_json_answer_has_exactly_the_keys_the_skeleton_names(course):
    prompt = 'Extract the receipt as JSON: {"merchant": "", "date": "", "total_amount": 0, "cashier": ""}'
    answer = json.loads(ask(course, prompt, read(course, "receipts/cafe.png")))
    assert list(answer) == ["merchant", "date", "total_amount", "cashier"]
    assert answer == {"merchant": "Corner Cafe", "date": "2026-03-14", "total_amount": 9.99, "cashier": None}


def test_json_key_the_truth_lacks_is_null_even_when_it_shares_a_word(course):
    answer = json.loads(ask(course, 'JSON: {"store_address": "", "cashier_name": "", "receipt_total": 0}',
                            read(course, "receipts/cafe.png")))
    assert answer == {"store_address": "12 Main St", "cashier_name": None, "receipt_total": 9.99}


def test_json_skeleton_with_placeholder_types_still_parses(course):
    prompt = 'Reply in JSON like {"store": string, "items": [{"name": string, "price": number}], "total": number}'
    answer = json.loads(ask(course, prompt, read(course, "receipts/cafe.png")))
    assert answer == {"store": "Corner Cafe",
                      "items": [{"name": "Latte", "price": 3.5}, {"name": "Bagel", "price": 2.25}],
                      "total": 9.99}


def test_json_schema_from_the_request_sets_keys_and_enum(course):
    schema = {"name": "receipt", "schema": {"type": "object", "properties": {
        "store": {"type": "string"}, "payment": {"type": "string", "enum": ["cash", "visa", "mastercard"]},
        "line_items": {"type": "array", "items": {"type": "object", "properties": {
            "item": {"type": "string"}, "qty": {"type": "integer"}}}}}}}
    answer = json.loads(ask(course, "Read this receipt.", read(course, "receipts/cafe.png"),
                            json_mode=True, json_schema=schema))
    assert answer == {"store": "Corner Cafe", "payment": "visa",
                      "line_items": [{"item": "Latte", "qty": 2}, {"item": "Bagel", "qty": 1}]}


def test_json_keys_listed_in_prose(course):
    answer = json.loads(ask(course, "Return JSON with the keys store, date and total.",
                            read(course, "receipts/cafe.png")))
    assert answer == {"store": "Corner Cafe", "date": "2026-03-14", "total": 9.99}


def test_json_fields_with_sub_keys_listed_in_prose(course):
    prompt = "Give me merchant, line_items (description, qty and amount) and total_amount in JSON."
    answer = json.loads(ask(course, prompt, read(course, "receipts/cafe.png")))
    assert answer == {"merchant": "Corner Cafe", "total_amount": 9.99,
                      "line_items": [{"description": "Latte", "qty": 2, "amount": 7.0},
                                     {"description": "Bagel", "qty": 1, "amount": 2.25}]}


def test_json_array_of_objects_comes_from_the_matching_rows(course):
    answer = json.loads(ask(course, "Return a JSON array of objects with `quarter` and `revenue`.",
                            read(course, "charts/revenue.png")))
    assert answer == [{"quarter": "Q1", "revenue": 420}, {"quarter": "Q2", "revenue": 510},
                      {"quarter": "Q3", "revenue": 480}, {"quarter": "Q4", "revenue": 620}]


def test_json_mode_without_named_keys_returns_the_ground_truth(course):
    answer = json.loads(ask(course, "Describe this chart.", read(course, "charts/revenue.png"), json_mode=True))
    assert answer["values"] == [420, 510, 480, 620]
    assert answer["labels"] == ["Q1", "Q2", "Q3", "Q4"]


def test_json_answer_is_plain_json_without_a_fence(course):
    answer = ask(course, 'As JSON: {"caption": ""}', read(course, "photos/hill.jpg"))
    assert not answer.startswith("```")
    assert json.loads(answer)["caption"].startswith("A green hill")


def test_json_for_unknown_image_fills_measured_keys_and_nulls_the_rest(course):
    img = Image.new("RGB", (123, 45), (250, 250, 250))
    answer = json.loads(ask(course, 'JSON: {"width": 0, "height": 0, "store": ""}', _png(img)))
    assert answer == {"width": 123, "height": 45, "store": None}


# --------------------------------------------------------------------------- classification


def test_classification_answers_exactly_one_listed_label(course):
    prompt = "Classify this image as one of: photo, chart, diagram, screenshot. Answer with the label only."
    assert ask(course, prompt, read(course, "charts/revenue.png")) == "chart"
    assert ask(course, prompt, read(course, "photos/hill.jpg")) == "photo"


def test_classification_keeps_the_prompts_spelling_of_the_label(course):
    prompt = "Which category? Choose from [Photo, Bar chart, Receipt]"
    assert ask(course, prompt, read(course, "charts/revenue.png")) == "Bar chart"


def test_several_images_are_each_given_one_label(course):
    answer = ask(course, "Label each image as one of: photo, chart, receipt.",
                 read(course, "receipts/cafe.png"), read(course, "photos/hill.jpg"))
    assert answer == "Image 1: receipt\nImage 2: photo"


def test_either_or_question_picks_the_subject(course):
    assert ask(course, "Is this a sun or a moon?", read(course, "photos/hill.jpg")) == "sun"


def test_classification_of_unknown_image_says_it_cannot_choose(course):
    answer = ask(course, "Answer with one word: cat, dog, bird", _png(Image.new("RGB", (40, 40), "red")))
    assert answer.startswith(UNKNOWN_PREFIX)
    assert "40x40" in answer


# --------------------------------------------------------------------------- speech


def test_transcript_is_verbatim(course):
    assert ask(course, "Transcribe this audio.", read(course, "speech/meeting.wav")) == TRANSCRIPT


def test_meeting_notes_list_decisions_and_action_items(course):
    answer = ask(course, "Summarise the meeting and list the action items.", read(course, "speech/meeting.wav"))
    assert "ship version two on Friday" in answer
    assert "- Ana: Update the docs (due Thursday)" in answer


# A transcript pasted into a text-only prompt: mmcourse.routing's transcribe-then-analyse header
# ("Transcript of the audio[ name] (N s, transcribed by p/m):"), or a learner's own paste.
ROUTED = ("Summarise the meeting and list the action items.\n\nTranscript of the audio meeting.wav "
          "(2 s, transcribed by gemini/gemini-2.5-flash):\n" + TRANSCRIPT)


def test_routed_transcript_is_answered_from_the_recordings_truth(course):
    answer = ask(course, ROUTED)
    assert answer.startswith("Offline emulator: I worked from the transcript text in your prompt")
    assert "speech/meeting.wav" in answer.splitlines()[0]
    assert "Summary: The team agreed to ship version two on Friday." in answer
    assert "- Ana: Update the docs (due Thursday)" in answer
    assert "carried no image" not in answer


def test_routed_transcript_header_is_not_read_as_a_request_for_the_words(course):
    answer = ask(course, ROUTED.replace("Summarise the meeting and list the action items.", "What was decided?"))
    assert "Decisions:\n- Ship version two on Friday." in answer
    assert TRANSCRIPT not in answer  # the header says "Transcript", the question does not ask for it


def test_pasted_transcript_with_different_line_breaks_and_case_is_recognised(course):
    pasted = "\n".join(f"Speaker: {line}" for line in TRANSCRIPT.upper().split(". "))
    answer = ask(course, f"Here is the transcript of our call:\n{pasted}\n\nList the action items.")
    assert "Action items:\n- Ana: Update the docs (due Thursday)" in answer


def test_pasted_transcript_answers_json_with_exactly_the_keys_asked(course):
    answer = ask(course, f"{TRANSCRIPT}\n\nReturn JSON with keys summary, decisions and budget.")
    assert json.loads(answer) == {"summary": "The team agreed to ship version two on Friday.",
                                  "decisions": ["Ship version two on Friday."], "budget": None}


def test_asking_to_clean_up_a_pasted_transcript_returns_its_words(course):
    answer = ask(course, f"Clean up this transcript: {TRANSCRIPT.lower()}")
    assert answer.endswith(TRANSCRIPT)


def test_a_transcript_sent_as_audio_too_is_answered_once(course):
    answer = ask(course, ROUTED, read(course, "speech/meeting.wav"))
    assert "worked from the transcript text" not in answer and answer.count("Update the docs") == 1


def test_unknown_pasted_text_keeps_the_honest_text_only_answer(course):
    answer = ask(course, "Summarise this transcript: everyone agreed to ship the budget review in "
                         "March and Carla will update the bank tomorrow about the loan.")
    assert "worked from the transcript" not in answer
    assert answer.startswith("Offline emulator:") and "no media" in answer


def test_half_a_transcript_is_not_enough_to_claim_the_recording(course):
    half = " ".join(TRANSCRIPT.split()[:7])
    assert "worked from the transcript" not in ask(course, f"Summarise: {half}")


def test_transcription_prompt_asking_for_only_the_words_is_not_a_one_word_answer(course):
    from mmcourse.routing import TRANSCRIBE_PROMPT

    assert ask(course, TRANSCRIBE_PROMPT, read(course, "speech/meeting.wav")) == TRANSCRIPT


def test_reencoded_wav_with_the_same_samples_is_recognised(course):
    other = _wav(_speech_samples(), extra_chunk=b"LIST" + struct.pack("<I", 4) + b"INFO")
    assert other != read(course, "speech/meeting.wav")
    assert ask(course, "Transcribe this.", other) == TRANSCRIPT


def _mp3(samples: np.ndarray, rate: int = 16_000, out_rate: int = 44_100) -> bytes:
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp3") as container:
        stream = container.add_stream("libmp3lame", rate=out_rate)
        stream.layout = "mono"
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout="mono", rate=out_rate)
        frames = []
        for i in range(0, len(samples), 1024):
            frame = av.AudioFrame.from_ndarray(samples[i : i + 1024].reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = rate
            frames += resampler.resample(frame)
        for frame in [*frames, *resampler.resample(None), None]:
            for packet in stream.encode(frame):
                container.mux(packet)
    return buf.getvalue()


def test_speech_resampled_to_mp3_is_recognised_by_its_loudness_envelope(course):
    assert ask(course, "Transcribe this.", _mp3(_speech_samples())) == TRANSCRIPT


def test_other_audio_of_the_same_length_is_not_taken_for_a_course_clip(course):
    noise = np.random.default_rng(0).normal(0, 3000, 32_000).astype(np.int16)
    assert ask(course, "Transcribe this.", _mp3(noise)).startswith(UNKNOWN_PREFIX + " audio clip")


def test_unknown_audio_is_measured(course):
    answer = ask(course, "Transcribe this.", _wav(np.zeros(8000, dtype=np.int16)))
    assert answer.startswith(UNKNOWN_PREFIX + " audio clip")
    assert "0.5 s long" in answer and "16000 Hz mono" in answer


# --------------------------------------------------------------------------- charts, photos, receipts


def test_chart_answer_gives_values_and_trend(course):
    answer = ask(course, "What are the values in this chart and what is the trend?", read(course, "charts/revenue.png"))
    assert "Q1: 420, Q2: 510, Q3: 480, Q4: 620" in answer
    assert "Revenue rose from 420 in Q1 to 620 in Q4" in answer


def test_resized_recompressed_photo_is_still_recognised(course):
    small = resized(read(course, "photos/hill.jpg"), 0.45, quality=55)
    answer = ask(course, "Describe this image.", small)
    assert answer.startswith("A green hill under a blue sky")


def test_photo_fact_question_is_answered_from_its_facts(course):
    assert ask(course, "What colour is the sun in this picture?", read(course, "photos/hill.jpg")) == "orange."


def test_receipt_question_answers_the_field_asked(course):
    answer = ask(course, "What was the total on this receipt?", read(course, "receipts/cafe.png"))
    assert answer == "Total: 9.99 USD"


def test_receipt_text_extraction_reads_every_line(course):
    answer = ask(course, "Read the text on this receipt (OCR).", read(course, "receipts/cafe.png"))
    assert answer.splitlines()[0] == "Corner Cafe"
    assert "2 x Latte 3.50 7.00" in answer and "Total 9.99 USD" in answer


# --------------------------------------------------------------------------- several images


def test_near_identical_dashboards_are_told_apart_after_resizing(course):
    for version in (1, 2):
        small = resized(read(course, f"dashboards/v{version}.png"), 0.6, quality=70)
        rec = recognise.recognise(small, "image/jpeg", manifest=course[0], data_dir=course[1])
        assert rec.entry["path"] == f"dashboards/v{version}.png"


def test_comparing_two_dashboards_lists_the_recorded_differences_in_order(course):
    answer = ask(course, "What changed between these two dashboards?",
                 read(course, "dashboards/v1.png"), read(course, "dashboards/v2.png"))
    assert "Image 1 is Sales dashboard (version 1)" in answer
    assert "From image 1 to image 2:\n- Revenue tile: $1.20M became $1.35M.\n- The last bar is taller." in answer


def test_design_iterations_report_what_changed_at_each_step(course):
    answer = ask(course, "Compare these logo iterations.",
                 *(read(course, f"design/logo_v{i}.png") for i in (1, 2, 3)))
    assert "From image 1 to image 2:\n- The square became a circle.\n- Red became blue." in answer
    assert "From image 2 to image 3:\n- Added the word ACME in white." in answer


def test_differences_read_from_older_to_newer_whatever_the_image_order(course):
    answer = ask(course, "What is different?", read(course, "dashboards/v2.png"), read(course, "dashboards/v1.png"))
    assert "From image 2 to image 1:\n- Revenue tile: $1.20M became $1.35M." in answer


def test_design_iterations_that_are_not_neighbours_combine_the_steps_between(course):
    answer = ask(course, "Compare these logos.", read(course, "design/logo_v1.png"), read(course, "design/logo_v3.png"))
    assert ("From image 1 to image 2:\n- The square became a circle.\n- Red became blue.\n"
            "- Added the word ACME in white.") in answer


def test_several_unrelated_images_are_described_in_order(course):
    answer = ask(course, "Describe these images.", read(course, "photos/hill.jpg"), read(course, "charts/revenue.png"))
    first, second = answer.split("\n\n")
    assert first.startswith("Image 1: A green hill") and second.startswith("Image 2: A bar chart")


# --------------------------------------------------------------------------- video


def test_video_walkthrough_has_timestamps_per_scene(course):
    answer = ask(course, "Walk me through this video with timestamps.", read(course, "video/tour.mp4"))
    assert "00:00-00:03 Red title card: A red card with a white square." in answer
    assert "00:03-00:06 Blue chart card: A blue card with three yellow bars." in answer


def _decoded_frame(data: bytes, t: float) -> bytes:
    import av

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if float(frame.pts * stream.time_base) >= t - 1e-6:
                return _jpeg(frame.to_image(), quality=80)
    raise AssertionError(f"no frame at {t}")


def test_sampled_video_frames_say_which_time_they_show(course):
    video = read(course, "video/tour.mp4")
    frames = [_decoded_frame(video, t) for t in (1.0, 4.0)]
    answer = ask(course, "What happens in these frames?", *frames)
    assert answer.splitlines()[0].startswith("Frame 1 (00:01)")
    assert "Red title card" in answer.splitlines()[0]
    assert answer.splitlines()[1].startswith("Frame 2 (00:04)")
    assert "Blue chart card" in answer.splitlines()[1]


def test_frame_time_is_found_within_one_scene(course):
    rec = recognise.recognise(_decoded_frame(read(course, "video/tour.mp4"), 5.0), "image/jpeg",
                              manifest=course[0], data_dir=course[1])
    assert rec.how == "video_frame" and rec.t == 5.0


# --------------------------------------------------------------------------- PDF


def test_pdf_page_text_is_returned_for_the_page_asked(course):
    answer = ask(course, "What does page 2 say?", read(course, "documents/report.pdf"))
    assert answer == f"Page 2:\n{PDF_PAGES[1]}"


def test_pdf_saved_again_is_recognised_by_its_text(course):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(read(course, "documents/report.pdf"))).pages:
        writer.add_page(page)
    writer.add_metadata({"/Title": "re-saved"})
    buf = io.BytesIO()
    writer.write(buf)
    assert buf.getvalue() != read(course, "documents/report.pdf")
    assert "Revenue grew 12 percent" in ask(course, "Summarise this document.", buf.getvalue())


def test_unknown_pdf_returns_its_extracted_text_and_says_so(course):
    answer = ask(course, "What is in this PDF?", _pdf(["Minutes of the garden club"]))
    assert answer.startswith(UNKNOWN_PREFIX + " PDF")
    assert "Minutes of the garden club" in answer


# --------------------------------------------------------------------------- unknown media, honesty


def test_unknown_image_gets_an_honest_measured_answer(course):
    img = Image.new("RGB", (640, 200), (20, 60, 210))
    ImageDraw.Draw(img).rectangle([0, 150, 640, 200], fill="white")
    answer = ask(course, "Describe this image.", _png(img))
    assert answer.startswith(f"{UNKNOWN_PREFIX} image; here is what I can measure:")
    assert "640x200 pixels" in answer
    assert re.search(r"dominant colours: blue \(\d+%\), white \(\d+%\)", answer)


def test_bytes_that_do_not_decode_are_reported_not_described(course):
    answer = ask(course, "Describe this image.", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    assert answer.startswith(UNKNOWN_PREFIX) and "do not decode as an image" in answer


@pytest.mark.parametrize("head", [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"RIFF\x10\x00\x00\x00WAVE",
                                  b"%PDF-1.4\n", b"\x00\x00\x00\x18ftypmp42", b"fLaC", b"ID3", b""])
def test_garbage_under_any_signature_gets_an_honest_answer_not_an_error(course, head):
    junk = head + np.random.default_rng(len(head)).integers(0, 256, 300, dtype=np.uint8).tobytes()
    for prompt, json_mode in (("Describe this.", False), ('JSON: {"width": 0}', True), ("One of: a, b", False)):
        answer = ask(course, prompt, junk, json_mode=json_mode)
        assert UNKNOWN_PREFIX in answer or json.loads(answer) == {"width": None}


def test_answers_never_claim_to_be_a_model(course):
    prompts = ["Describe this.", "Who are you?", "Are you GPT?", "Transcribe this."]
    blobs = [read(course, "photos/hill.jpg"), _png(Image.new("RGB", (8, 8))), read(course, "speech/meeting.wav")]
    answers = [ask(course, p, b) for p in prompts for b in blobs] + [ask(course, p) for p in prompts]
    for answer in answers:
        assert not re.search(r"\b(?:I am|I'm) (?:an? )?(?:AI|model|language model|assistant|GPT|Claude|Gemini)\b",
                             answer, re.IGNORECASE), answer


def test_same_request_gives_the_same_answer_even_after_caches_are_cleared(course):
    blobs = (read(course, "photos/hill.jpg"), read(course, "video/tour.mp4"))
    first = ask(course, "Describe these.", *blobs)
    recognise._RESULTS.clear()
    recognise._INDEXES.clear()
    assert ask(course, "Describe these.", *blobs) == first


def test_provider_and_model_do_not_change_the_answer(course):
    blob = read(course, "charts/revenue.png")
    answers = {ask(course, "Describe this chart.", blob, provider=p, model=m)
               for p, m in (("openai", "a"), ("anthropic", "b"), ("gemini", "c"))}
    assert len(answers) == 1


# --------------------------------------------------------------------------- text-only prompts


def test_text_only_arithmetic_is_computed():
    answer = compose_answer("What is 2+2?", [], provider="openai", model="m", manifest={"files": []})
    assert answer.startswith("2 + 2 = 4") and "offline emulator" in answer


def test_text_only_greeting_says_it_is_the_offline_emulator():
    answer = compose_answer("Say hello", [], provider="anthropic", model="m", manifest={"files": []})
    assert answer.startswith("Hello!") and "offline emulator" in answer


def test_text_only_exact_reply_is_echoed():
    assert compose_answer("Reply with exactly the word pong.", [], provider="gemini", model="m") == "pong"


def test_text_only_prompt_about_missing_media_points_at_the_request():
    answer = compose_answer("Describe the image.", [], provider="openai", model="m")
    assert "carried no image" in answer


def test_arithmetic_refuses_anything_but_arithmetic():
    assert evaluate_arithmetic("(3 + 4) * 5") == 35
    assert evaluate_arithmetic("__import__('os')") is None
    assert evaluate_arithmetic("9 ** 99999") is None


# --------------------------------------------------------------------------- prompt reading


@pytest.mark.parametrize("prompt, labels", [
    ("Classify the image as one of: photo, chart, diagram.", ("photo", "chart", "diagram")),
    ("Answer with one word: cat, dog, or bird.", ("cat", "dog", "bird")),
    ("Categories: invoice | receipt | letter", ("invoice", "receipt", "letter")),
    ("Pick one of [\"bar chart\", \"line chart\", \"pie chart\"]", ("bar chart", "line chart", "pie chart")),
    ("Is this a cat or a dog?", ("cat", "dog")),
    ("Describe the image in one sentence.", ()),
])
def test_labels_are_read_from_common_phrasings(prompt, labels):
    assert prompting.find_labels(prompt) == labels


def test_nested_skeleton_shape_is_read():
    shape = prompting.find_json_shape('Use {"a": 1, "b": [{"c": "x"}], "d": {"e": null}}')
    assert shape == {"a": prompting.Leaf("number"), "b": [{"c": prompting.Leaf("string")}],
                     "d": {"e": prompting.Leaf(None)}}


def test_pages_are_read_from_the_prompt():
    assert prompting.find_pages("Summarise pages 2-3 and the last page") == (2, 3, -1)


def test_dominant_colours_are_named_in_plain_english():
    img = Image.new("RGB", (100, 100), (250, 250, 250))
    ImageDraw.Draw(img).rectangle([0, 0, 100, 30], fill=(215, 30, 30))
    assert [name for name, _ in recognise.dominant_colours(img)] == ["white", "red"]


# --------------------------------------------------------------------------- the real course data


def _real_manifest() -> dict | None:
    try:
        from mmcourse import datasets

        manifest = datasets.manifest()
    except (ImportError, OSError, ValueError):
        return None
    return manifest if manifest.get("files") else None


REAL = _real_manifest()
needs_data = pytest.mark.skipif(REAL is None, reason="data/manifest.json is not built yet (mmcourse data build)")


def _real(kind: str) -> list[dict]:
    return [e for e in (REAL or {}).get("files", []) if e["kind"] == kind]


def _real_bytes(entry: dict) -> bytes:
    from mmcourse import datasets

    return datasets.path(entry["path"]).read_bytes()


def _real_ask(prompt: str, *blobs: bytes, **kwargs) -> str:
    media = [MediaItem("application/octet-stream", b) for b in blobs]
    return compose_answer(prompt, media, provider="openai", model="m", **kwargs)


@needs_data
def test_every_course_file_is_recognised_from_its_own_bytes():
    for entry in REAL["files"]:
        answer = _real_ask("Describe this.", _real_bytes(entry))
        assert not answer.startswith(UNKNOWN_PREFIX), entry["path"]


@needs_data
def test_every_course_photo_is_recognised_after_resizing():
    for entry in _real("photo"):
        small = resized(_real_bytes(entry), 0.5, quality=60)
        answer = _real_ask("Describe this image.", small)
        assert answer.startswith(entry["truth"]["caption"][:40]), entry["path"]


@needs_data
def test_course_charts_answer_with_their_plotted_values():
    for entry in _real("chart"):
        truth = entry["truth"]
        answer = _real_ask("Give me the values and the trend.", _real_bytes(entry))
        first = f"{truth['labels'][0]}: "
        assert first in answer and truth["trend"][:30] in answer, entry["path"]


@needs_data
def test_course_speech_transcripts_are_verbatim():
    for entry in _real("speech"):
        assert _real_ask("Transcribe this audio.", _real_bytes(entry)) == entry["truth"]["transcript"]


@needs_data
def test_course_receipts_fill_exact_json_keys():
    for entry in _real("receipt"):
        answer = json.loads(_real_ask('Return {"merchant": "", "total": 0, "date": ""}', _real_bytes(entry),
                                      json_mode=True))
        truth = entry["truth"]
        assert answer == {"merchant": truth["store"], "total": truth["total"], "date": truth["date"]}


@needs_data
def test_course_video_frames_are_located_in_time():
    import av

    from mmcourse import datasets

    for entry in _real("video"):
        target = min(7.0, float(entry["duration_s"]) - 1)
        with av.open(str(datasets.path(entry["path"]))) as container:
            stream = container.streams.video[0]
            frame = next(f for f in container.decode(stream) if float(f.pts * stream.time_base) >= target - 1e-6)
            jpeg = _jpeg(frame.to_image(), quality=80)
        rec = recognise.recognise(jpeg, "image/jpeg")
        assert rec.entry["path"] == entry["path"] and abs(rec.t - target) <= 1.0


@needs_data
def test_course_dashboards_compare_with_their_recorded_differences():
    older, newer = sorted(_real("dashboard"), key=lambda e: e["truth"]["version"])[:2]
    answer = _real_ask("What changed between these dashboards?", _real_bytes(older), _real_bytes(newer))
    listed = newer["truth"]["differences_from"][older["path"]]
    assert "From image 1 to image 2:" in answer
    assert all(difference in answer for difference in listed)


@needs_data
def test_course_pdf_fact_questions_are_answered():
    for entry in _real("pdf"):
        question, expected = next(iter(entry["truth"]["facts"].items()))
        assert expected in _real_ask(question, _real_bytes(entry)), entry["path"]
