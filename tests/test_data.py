"""The course data: the manifest is valid, the files are what it says, the ground truth is true,
and `mmcourse data build` reproduces data/ byte for byte."""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import io
import json
import shutil
import wave
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmcourse import datasets
from mmcourse.media.fingerprint import MATCH_DISTANCE, hamming, image_hash

DATA = Path(datasets.__file__).resolve().parent.parent / "data"
MANIFEST = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))
ENTRIES = MANIFEST["files"]
IDS = [e["path"] for e in ENTRIES]


def of_kind(kind: str) -> list[dict]:
    return [e for e in ENTRIES if e["kind"] == kind]


def ids(entries: list[dict]) -> list[str]:
    return [e["path"] for e in entries]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(autouse=True)
def _committed_data(monkeypatch):
    """Every test reads the repository's data/, whatever MMCOURSE_DATA_DIR says outside."""
    monkeypatch.setenv(datasets.ENV_DATA_DIR, str(DATA))


# ---------------------------------------------------------------- MIME sniffing

_MAGIC = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
    (b"fLaC", "audio/flac"),
]


def sniff(data: bytes) -> str | None:
    """mmcourse.encoding.sniff_mime when it exists, else a local magic-byte check."""
    try:
        from mmcourse.encoding import sniff_mime
    except ImportError:
        sniff_mime = None
    if sniff_mime is not None:
        return sniff_mime(data)
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    return None


# ---------------------------------------------------------------- manifest and files


def test_manifest_is_valid():
    assert datasets.validate_manifest(MANIFEST) == []


def test_manifest_covers_every_required_kind():
    counts = {kind: len(of_kind(kind)) for kind in datasets.KINDS}
    assert counts["photo"] >= 4 and counts["chart"] >= 3 and counts["receipt"] >= 4
    assert counts["video"] >= 1 and counts["dashboard"] == 2 and counts["design"] == 3
    assert len([e for e in of_kind("speech") if e["mime"] == "audio/wav"]) >= 2
    assert any(e["mime"] == "audio/flac" for e in of_kind("speech"))
    assert {e["truth"]["pages"] for e in of_kind("pdf")} >= {1, 3}
    assert counts["error-example"] >= 1


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda d: d["files"][0].pop("sha256"), "missing key 'sha256'"),
        (lambda d: d["files"][0].update(kind="sculpture"), "kind 'sculpture'"),
        (lambda d: d["files"][0]["truth"].clear(), "truth: missing key"),
        (lambda d: d["files"][0].update(path="../secret"), "path must be relative"),
        (lambda d: d["files"].append(copy.deepcopy(d["files"][0])), "duplicate path"),
        (lambda d: d.update(schema_version=2), "schema_version"),
    ],
)
def test_validator_reports_each_problem(mutate, expected):
    doc = copy.deepcopy(MANIFEST)
    mutate(doc)
    problems = datasets.validate_manifest(doc)
    assert any(expected in p for p in problems), problems


def test_validator_checks_truth_item_keys():
    doc = copy.deepcopy(MANIFEST)
    receipt = next(e for e in doc["files"] if e["kind"] == "receipt")
    del receipt["truth"]["items"][0]["unit_price"]
    assert any("items[0] lacks unit_price" in p for p in datasets.validate_manifest(doc))


@pytest.mark.parametrize("item", ENTRIES, ids=IDS)
def test_file_matches_its_entry(item):
    data = (DATA / item["path"]).read_bytes()
    assert len(data) == item["bytes"]
    assert sha256(data) == item["sha256"]
    assert sniff(data) == item["mime"]


def test_data_holds_only_listed_files_and_docs():
    listed = set(IDS) | {"manifest.json", "README.md", "ATTRIBUTION.md"}
    found = {p.relative_to(DATA).as_posix() for p in DATA.rglob("*") if p.is_file()}
    assert found == listed


def test_data_stays_under_10_mb():
    assert sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file()) < 10_000_000


@pytest.mark.parametrize("item", [e for e in ENTRIES if e["mime"].startswith("image/")],
                         ids=ids([e for e in ENTRIES if e["mime"].startswith("image/")]))
def test_image_dimensions_and_hash_match(item):
    with Image.open(DATA / item["path"]) as img:
        assert (img.width, img.height) == (item["width"], item["height"])
        assert image_hash(img) == item["image_hash"]


def test_error_example_is_a_png_named_jpg():
    (item,) = of_kind("error-example")
    assert item["path"].endswith(item["truth"]["claimed_extension"])
    assert sniff((DATA / item["path"]).read_bytes()) == item["truth"]["true_mime"] == "image/png"


# ---------------------------------------------------------------- datasets API


def test_entries_path_and_entry_agree():
    item = datasets.entry("photos/coffee.jpg")
    assert datasets.path("photos/coffee.jpg") == DATA / "photos" / "coffee.jpg"
    assert item in datasets.entries("photo")
    assert len(datasets.entries()) == len(ENTRIES)


def test_path_rejects_escaping_data_dir():
    with pytest.raises(ValueError, match="relative to data/"):
        datasets.path("../pyproject.toml")


def test_unknown_entry_and_kind_name_the_fix():
    with pytest.raises(KeyError, match="not in the course data manifest"):
        datasets.entry("photos/unicorn.jpg")
    with pytest.raises(ValueError, match="choose from"):
        datasets.entries("hologram")


def test_data_dir_follows_environment(tmp_path, monkeypatch):
    (tmp_path / "manifest.json").write_text(json.dumps({**MANIFEST, "files": ENTRIES[:1]}))
    monkeypatch.setenv(datasets.ENV_DATA_DIR, str(tmp_path))
    assert datasets.data_dir() == tmp_path
    assert [e["path"] for e in datasets.entries()] == IDS[:1]


def test_missing_manifest_says_how_to_build(tmp_path, monkeypatch):
    monkeypatch.setenv(datasets.ENV_DATA_DIR, str(tmp_path))
    with pytest.raises(FileNotFoundError, match="mmcourse data build"):
        datasets.manifest()


@pytest.mark.parametrize("item", ENTRIES[:3] + ENTRIES[-3:], ids=IDS[:3] + IDS[-3:])
def test_find_by_sha256(item):
    assert datasets.find_by_sha256(item["sha256"].upper())["path"] == item["path"]


def test_find_by_sha256_unknown_is_none():
    assert datasets.find_by_sha256(sha256(b"not course data")) is None


@pytest.mark.parametrize("item", of_kind("photo"), ids=ids(of_kind("photo")))
def test_find_by_image_hash_recognises_resized_recompressed_photo(item):
    with Image.open(DATA / item["path"]) as img:
        smaller = img.resize((img.width * 2 // 3, img.height * 2 // 3))
    buf = io.BytesIO()
    smaller.save(buf, format="JPEG", quality=70)
    found, t = datasets.find_by_image_hash(image_hash(buf.getvalue()))
    assert (found["path"], t) == (item["path"], None)


def test_find_by_image_hash_rejects_unrelated_picture():
    noise = np.random.default_rng(1).integers(0, 256, (120, 160, 3), dtype=np.uint8)
    assert datasets.find_by_image_hash(image_hash(Image.fromarray(noise)), max_distance=4) is None


# ---------------------------------------------------------------- receipts


def _half_up(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize("item", of_kind("receipt"), ids=ids(of_kind("receipt")))
def test_receipt_arithmetic_adds_up(item):
    truth = item["truth"]
    dec = lambda x: Decimal(str(x))  # noqa: E731 - exact decimal view of a JSON number
    for line in truth["items"]:
        assert dec(line["total"]) == _half_up(dec(line["quantity"]) * dec(line["unit_price"]))
    assert sum(dec(line["total"]) for line in truth["items"]) == dec(truth["subtotal"])
    assert dec(truth["tax"]) == _half_up(dec(truth["subtotal"]) * dec(truth["tax_rate"]))
    assert round(truth["subtotal"] * truth["tax_rate"], 2) == truth["tax"]
    assert dec(truth["subtotal"]) + dec(truth["tax"]) == dec(truth["total"])


def test_receipts_differ_in_store_date_rate_and_payment():
    clean = [e["truth"] for e in of_kind("receipt") if e["mime"] == "image/png"]
    for key in ("store", "date", "tax_rate", "payment_method"):
        assert len({t[key] for t in clean}) == len(clean), key


def test_phone_photo_variant_is_degraded_copy_of_a_receipt():
    photo = next(e for e in of_kind("receipt") if e["mime"] == "image/jpeg")
    original = next(e for e in of_kind("receipt") if e["mime"] == "image/png"
                    and e["truth"] == photo["truth"])
    assert hamming(photo["image_hash"], original["image_hash"]) > 0
    with Image.open(DATA / photo["path"]) as img:
        pixels = np.asarray(img.convert("L"), dtype=float)
    # Rotated onto a dark table: the corners are not paper-white.
    assert pixels[:20, :20].mean() < 150 and pixels[-20:, -20:].mean() < 150


# ---------------------------------------------------------------- charts


def plotted_series(fig) -> dict[str, list[float]]:
    """Read the plotted numbers back from a figure's artists, by legend label."""
    ax = fig.axes[0]
    if ax.lines:
        return {line.get_label(): [float(y) for y in line.get_ydata()] for line in ax.lines}
    if ax.containers:
        return {c.get_label(): [p.get_height() for p in c.patches] for c in ax.containers}
    wedges = [p for p in ax.patches if hasattr(p, "theta1")]
    return {"share": [((w.theta2 - w.theta1) % 360) / 360 for w in wedges]}


@pytest.mark.parametrize("item", of_kind("chart"), ids=ids(of_kind("chart")))
def test_chart_truth_equals_plotted_values(item):
    from mmcourse.databuild.artifacts import figure_png_bytes, mpl_style
    from mmcourse.databuild.charts import figure_for

    truth = item["truth"]
    with mpl_style():
        fig = figure_for(truth)
        # The committed PNG is exactly this figure drawn from the manifest's truth...
        assert sha256(figure_png_bytes(fig)) == item["sha256"]
    # ...and the figure plots exactly the truth's numbers, labels and titles.
    plotted = plotted_series(fig)
    ax = fig.axes[0]
    assert ax.get_title() == truth["title"]
    if truth["chart_type"] == "pie":
        total = sum(truth["values"])
        assert plotted["share"] == pytest.approx([v / total for v in truth["values"]], abs=1e-6)
        assert [t.get_text() for t in ax.texts if t.get_text() in truth["labels"]] == truth["labels"]
        return
    assert [t.get_text() for t in ax.get_xticklabels()] == truth["labels"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == (truth["x_label"], truth["y_label"])
    # Same series names, and each series' values equal (pytest.approx compares flat sequences only).
    assert sorted(plotted) == sorted(truth["series"])
    for name, values in truth["series"].items():
        assert plotted[name] == pytest.approx(values), f"series {name!r}"
    if truth["chart_type"] == "stacked_bar":
        totals = np.sum(list(truth["series"].values()), axis=0).tolist()
        assert truth["values"] == totals
    else:
        assert truth["values"] == next(iter(truth["series"].values()))


def test_quarterly_revenue_chart_has_the_agreed_numbers():
    truth = datasets.entry("charts/quarterly_revenue.png")["truth"]
    assert (truth["labels"], truth["values"], truth["unit"]) == (
        ["Q1", "Q2", "Q3", "Q4"], [420, 510, 480, 620], "$K")


# ---------------------------------------------------------------- speech


@pytest.mark.parametrize("item", of_kind("speech"), ids=ids(of_kind("speech")))
def test_transcript_is_the_text_given_to_the_synthesiser(item):
    from mmcourse.databuild.speech import CLIPS

    clip = next(c for c in CLIPS if item["path"] in (c["path"], c.get("flac_copy")))
    truth = item["truth"]
    assert truth["transcript"] == " ".join(text for _, text in clip["turns"])
    assert [(s["speaker"], s["text"]) for s in truth["segments"]] == [tuple(t) for t in clip["turns"]]
    assert truth["speakers"] == list(dict.fromkeys(s for s, _ in clip["turns"]))
    assert truth["segments"][-1]["end"] < item["duration_s"]


@pytest.mark.parametrize("item", [e for e in of_kind("speech") if e["mime"] == "audio/wav"],
                         ids=ids([e for e in of_kind("speech") if e["mime"] == "audio/wav"]))
def test_wav_is_16khz_mono_16bit_and_short(item):
    with wave.open(str(DATA / item["path"])) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16_000, 1, 2)
        seconds = wav.getnframes() / wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
    assert 5 <= seconds <= 25
    assert seconds == pytest.approx(item["duration_s"], abs=1e-3)
    assert np.abs(samples).max() > 3000  # speech, not silence


def test_flac_holds_exactly_the_wav_samples():
    import av

    flac = next(e for e in of_kind("speech") if e["mime"] == "audio/flac")
    wav_entry = next(e for e in of_kind("speech") if e["mime"] == "audio/wav"
                     and e["truth"]["transcript"] == flac["truth"]["transcript"])
    with wave.open(str(DATA / wav_entry["path"])) as wav:
        expected = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
    with av.open(str(DATA / flac["path"])) as container:
        decoded = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
        assert container.streams.audio[0].sample_rate == 16_000
    assert np.array_equal(decoded, expected)


def test_meeting_has_decisions_and_owned_action_items():
    meeting = next(e for e in of_kind("speech") if len(e["truth"]["speakers"]) > 1)["truth"]
    assert meeting["decisions"]
    for action in meeting["action_items"]:
        assert action["owner"] in meeting["speakers"]
        assert action["due"].split()[-1] in meeting["transcript"]


# ---------------------------------------------------------------- PDFs


def _words(text: str) -> list[str]:
    return text.split()


@pytest.mark.parametrize("item", of_kind("pdf"), ids=ids(of_kind("pdf")))
def test_pdf_text_and_facts_are_extractable(item):
    import pypdf

    reader = pypdf.PdfReader(DATA / item["path"])
    truth = item["truth"]
    assert len(reader.pages) == truth["pages"] == item["pages"] == len(truth["text"])
    extracted = [page.extract_text() for page in reader.pages]
    for page_truth, page_text in zip(truth["text"], extracted, strict=True):
        flat = " ".join(_words(page_text))
        for line in page_truth.splitlines():
            assert " ".join(_words(line)) in flat, line
    everything = "\n".join(extracted)
    for question, answer in truth["facts"].items():
        assert answer in everything, question


def test_pdf_metadata_has_no_timestamp_or_version():
    for item in of_kind("pdf"):
        data = (DATA / item["path"]).read_bytes()
        assert b"/CreationDate" not in data and b"/Producer" not in data


# ---------------------------------------------------------------- video


@pytest.fixture(scope="module")
def video_entry() -> dict:
    (item,) = of_kind("video")
    return item


@pytest.fixture(scope="module")
def sampled_frames(video_entry):
    from mmcourse.databuild.video import sample_frames

    return sample_frames(DATA / video_entry["path"])


def test_video_is_short_small_h264(video_entry):
    import av

    assert 10 <= video_entry["duration_s"] <= 30 and video_entry["bytes"] < 1_000_000
    with av.open(str(DATA / video_entry["path"])) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert float(stream.duration * stream.time_base) == video_entry["duration_s"]
        assert stream.average_rate == video_entry["truth"]["fps"]


def test_video_scenes_tile_the_duration(video_entry):
    scenes = video_entry["truth"]["scenes"]
    assert scenes[0]["start"] == 0 and scenes[-1]["end"] == video_entry["duration_s"]
    assert all(a["end"] == b["start"] for a, b in zip(scenes, scenes[1:], strict=False))


def test_registered_frames_are_the_decoded_frames(video_entry, sampled_frames):
    frames = video_entry["frames"]
    assert [f["t"] for f in frames] == [float(t) for t in range(int(video_entry["duration_s"]))]
    assert [image_hash(img) for _, img in sampled_frames] == [f["image_hash"] for f in frames]
    assert video_entry["image_hash"] == frames[0]["image_hash"]


def test_frames_of_different_scenes_do_not_match(video_entry):
    scenes = video_entry["truth"]["scenes"]
    scene_of = {f["t"]: next(i for i, s in enumerate(scenes) if s["start"] <= f["t"] < s["end"])
                for f in video_entry["frames"]}
    for a in video_entry["frames"]:
        for b in video_entry["frames"]:
            if scene_of[a["t"]] != scene_of[b["t"]]:
                assert hamming(a["image_hash"], b["image_hash"]) > MATCH_DISTANCE, (a["t"], b["t"])


def test_sampled_frame_at_7s_is_found_with_its_time(video_entry, sampled_frames):
    t, img = next((t, img) for t, img in sampled_frames if t == 7.0)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=80)
    found, when = datasets.find_by_image_hash(image_hash(buf.getvalue()))
    assert found["path"] == video_entry["path"]
    assert abs(when - 7.0) <= 1.0


def test_frames_sampled_between_whole_seconds_are_found_within_a_second(video_entry):
    from mmcourse.databuild.video import sample_frames

    for t, img in sample_frames(DATA / video_entry["path"], every_s=0.5):
        buf = io.BytesIO()
        img.resize((img.width // 2, img.height // 2)).save(buf, format="JPEG", quality=75)
        found, when = datasets.find_by_image_hash(image_hash(buf.getvalue()))
        assert found["path"] == video_entry["path"] and abs(when - t) <= 1.0, t


# ---------------------------------------------------------------- oversized image


def test_make_oversized_image_meets_both_minimums(tmp_path):
    out = datasets.make_oversized_image(tmp_path, megapixels=1.5, target_bytes=700_000)
    assert out.parent == tmp_path and out.stat().st_size >= 700_000
    with Image.open(out) as img:
        assert img.width * img.height >= 1_500_000 and img.format == "JPEG"


def test_make_oversized_image_is_deterministic(tmp_path):
    a = datasets.make_oversized_image(tmp_path / "a", megapixels=0.5, target_bytes=100_000)
    b = datasets.make_oversized_image(tmp_path / "b", megapixels=0.5, target_bytes=100_000)
    assert a.read_bytes() == b.read_bytes()


def test_make_oversized_image_explains_an_impossible_target(tmp_path):
    with pytest.raises(ValueError, match="more megapixels"):
        datasets.make_oversized_image(tmp_path, megapixels=0.05, target_bytes=50_000_000)


# ---------------------------------------------------------------- the build


def test_cli_rejects_unknown_kind(capsys):
    from mmcourse.databuild import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--only", "holograms", "--out", "unused"])
    assert exit_info.value.code == 2
    assert "unknown data kind 'holograms'" in capsys.readouterr().err


def test_partial_build_keeps_other_entries(tmp_path):
    from mmcourse.databuild import build

    shutil.copy(DATA / "manifest.json", tmp_path / "manifest.json")
    result = build(tmp_path, only=["chart"])
    assert result == MANIFEST
    assert (tmp_path / "manifest.json").read_bytes() == (DATA / "manifest.json").read_bytes()


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    """A full build into a temporary folder (speech only if its generator is installed)."""
    from mmcourse.databuild import BUILDERS, build

    out = tmp_path_factory.mktemp("rebuild")
    espeak = importlib.util.find_spec("espeakng_loader") is not None
    only = None if espeak else [b for b in BUILDERS if b != "speech"]
    if only:
        shutil.copy(DATA / "manifest.json", out / "manifest.json")
    return out, build(out, only=only), espeak


def _same_content(item: dict, rebuilt_item: dict, folder: Path) -> list[str]:
    problems = [f"{key} differs" for key in ("kind", "mime", "width", "height", "pages", "truth")
                if item.get(key) != rebuilt_item.get(key)]
    if abs(item.get("duration_s", 0) - rebuilt_item.get("duration_s", 0)) > 0.05:
        problems.append("duration differs")
    if "image_hash" in item and hamming(item["image_hash"], rebuilt_item["image_hash"]) > 4:
        problems.append("picture differs")
    if not (folder / item["path"]).exists():
        problems.append("missing")
    return problems


@pytest.mark.slow  # a full build: about 6 s on an idle 2-core machine, 20 s under load
def test_rebuild_reproduces_every_file_and_its_ground_truth(rebuilt):
    folder, manifest, espeak = rebuilt
    by_path = {e["path"]: e for e in manifest["files"]}
    assert set(by_path) == {e["path"] for e in ENTRIES}
    for item in ENTRIES:
        if item["kind"] == "speech" and not espeak:
            continue
        assert not _same_content(item, by_path[item["path"]], folder), (item["path"], _same_content(
            item, by_path[item["path"]], folder))
    if not espeak:
        pytest.skip("espeakng-loader is not installed (pip install 'mmcourse[data]'): "
                    "every file except the speech clips was rebuilt and matched")


@pytest.mark.slow
def test_rebuild_is_byte_for_byte_with_the_recorded_library_versions(rebuilt):
    from mmcourse.databuild.manifest import built_with

    folder, manifest, espeak = rebuilt
    if built_with() != MANIFEST["built_with"]:
        pytest.skip(f"byte-for-byte needs the versions data/ was built with {MANIFEST['built_with']}; "
                    f"installed: {built_with()} (the content test above still ran)")
    for item in ENTRIES:
        if item["kind"] == "speech" and not espeak:
            continue
        assert sha256((folder / item["path"]).read_bytes()) == item["sha256"], item["path"]
    assert manifest == MANIFEST
    if not espeak:
        pytest.skip("espeakng-loader is not installed (pip install 'mmcourse[data]'): "
                    "every file except the speech clips was rebuilt and matched")
