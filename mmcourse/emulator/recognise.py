"""Recognise course files in a request and measure the bytes of everything else.

The emulator answers from ground truth, so it first has to know *which* course file it was
sent, even after a learner resized, re-encoded or sampled it:

* any file: SHA-256 of the bytes (exact copy);
* images: the perceptual dHash of ``mmcourse.media.fingerprint`` within ``MATCH_DISTANCE``,
  preferring the closest; near-ties (two dashboard versions, frames of one video scene) are
  settled by comparing 64x64 greyscale thumbnails with the course file itself;
* video frames: an image that matches a frame the manifest registered gives (video entry, t);
* audio: a WAV/FLAC with the same decoded 16-bit samples as a course clip, or, after a lossy
  re-encode or resampling, the same loudness envelope (RMS per 50 ms);
* PDFs: the same extracted text as a course PDF;
* whole videos: the first decoded frame.
* transcripts pasted into a text prompt: the word pairs of a course clip's transcript
  (``find_transcripts``).

Whatever is not recognised is still measured (MIME, size, dimensions, dominant colours named in
plain English, duration, pages) so the answer can be honest about it.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import threading
import wave
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from mmcourse.encoding import MIME_ALIASES, sniff_mime
from mmcourse.media import measure
from mmcourse.media.fingerprint import MATCH_DISTANCE, image_hash
from mmcourse.media.measure import MAX_DECODE_PIXELS, Facts, dominant_colours  # noqa: F401 - re-exported
from mmcourse.media.measure import open_image as _open_image

EMPTY_MANIFEST: dict = {"schema_version": 1, "files": []}

# Candidates whose hash distance is within this margin of the best one are compared by
# thumbnail: a 64-bit dHash cannot separate two versions of one dashboard or the frames of
# one video scene, whose only difference is a small on-screen clock.
_TIE_MARGIN = 3
_THUMB = measure.THUMB
# Mean absolute difference (0-255 per channel) of 16x16 colour thumbnails above which a dHash
# match is a coincidence; a resized, re-compressed copy stays far below it.
_COLOUR_LIMIT = 30.0
# Entries of these kinds describe *how a file was saved*, not a picture of their own, so a
# picture match to them loses against any other entry showing the same picture.
_LOW_PRIORITY_KINDS = ("error-example",)
@dataclass(frozen=True)
class Recognition:
    """One media item: the manifest entry it is (or None), how it was matched, and its facts."""

    entry: dict | None
    facts: Facts
    how: str | None = None  # sha256|image_hash|video_frame|first_frame|pcm|audio_envelope|pdf_text
    t: float | None = None  # seconds into the video, for a sampled frame
    page: int | None = None  # 1-based page, for a rendered PDF page
    distance: int | None = None  # dHash distance of an image match

    @property
    def known(self) -> bool:
        return self.entry is not None


# --------------------------------------------------------------------------- manifest index


@dataclass
class _Index:
    by_sha: dict[str, dict]
    # (hash as int, entry, t or None, page or None)
    pictures: list[tuple[int, dict, float | None, int | None]]
    pdf_words: list[tuple[frozenset[str], dict]]
    data_dir: Path | None
    audio: list[tuple[dict, _Heard]] | None = None  # built on first audio miss: reads the clips
    thumbs: dict[tuple[str, float | None], _Thumb | None] = field(default_factory=dict)


# The emulator may answer from several threads: the caches' bookkeeping takes this lock.
_LOCK = threading.Lock()
_INDEXES: OrderedDict[tuple, _Index] = OrderedDict()
_RESULTS: OrderedDict[tuple, Recognition] = OrderedDict()
_CACHE_SIZE = 256


def default_manifest() -> tuple[dict, Path | None]:
    """The course manifest and data folder, or an empty manifest when data/ is not installed.

    Without data/ (e.g. a bare wheel) the emulator still answers, from measured facts only.
    """
    try:
        from mmcourse import datasets
    except ImportError:
        return EMPTY_MANIFEST, None
    try:
        return datasets.manifest(), Path(datasets.data_dir())
    except (FileNotFoundError, OSError, ValueError):
        return EMPTY_MANIFEST, None


def _manifest_key(manifest: dict, data_dir: Path | None) -> tuple:
    files = manifest.get("files", [])
    return (str(data_dir), tuple((f.get("path"), f.get("sha256")) for f in files))


def _index(manifest: dict, data_dir: Path | None) -> _Index:
    key = _manifest_key(manifest, data_dir)
    with _LOCK:
        cached = _INDEXES.get(key)
    if cached is not None:
        return cached
    by_sha: dict[str, dict] = {}
    pictures: list[tuple[int, dict, float | None, int | None]] = []
    pdf_words: list[tuple[frozenset[str], dict]] = []
    for entry in manifest.get("files", []):
        if entry.get("sha256"):
            by_sha.setdefault(entry["sha256"], entry)
        kind = entry.get("kind")
        if kind == "video":
            for frame in entry.get("frames", []):
                pictures.append((int(frame["image_hash"], 16), entry, float(frame["t"]), None))
            if entry.get("image_hash") and not entry.get("frames"):
                pictures.append((int(entry["image_hash"], 16), entry, 0.0, None))
        elif entry.get("image_hash"):
            page = 1 if kind == "pdf" else None
            pictures.append((int(entry["image_hash"], 16), entry, None, page))
        pages = (entry.get("truth") or {}).get("text")
        if kind == "pdf" and isinstance(pages, list):
            pdf_words.append((_words(" ".join(pages)), entry))
    index = _Index(by_sha, pictures, pdf_words, data_dir)
    with _LOCK:
        index = _INDEXES.setdefault(key, index)
        while len(_INDEXES) > 8:
            _INDEXES.popitem(last=False)
    return index


# --------------------------------------------------------------------------- public API


def recognise(
    data: bytes, mime: str, *, manifest: dict | None = None, data_dir: Path | None = None,
    digest: str | None = None,
) -> Recognition:
    """Recognise one media item against the manifest (default: the course's) and measure it.
    ``digest``: the bytes' SHA-256 hex digest, when the caller has it already."""
    if manifest is None:
        manifest, default_dir = default_manifest()
        data_dir = data_dir or default_dir
    index = _index(manifest, data_dir)
    digest = digest or hashlib.sha256(data).hexdigest()
    key = (_manifest_key(manifest, data_dir), digest, mime)
    with _LOCK:
        cached = _RESULTS.get(key)
        if cached is not None:
            _RESULTS.move_to_end(key)
            return cached
    result = _recognise(data, mime, digest, index)
    with _LOCK:
        _RESULTS[key] = result
        while len(_RESULTS) > _CACHE_SIZE:
            _RESULTS.popitem(last=False)
    return result


def _recognise(data: bytes, declared: str, digest: str, index: _Index) -> Recognition:
    # Trust the bytes over the declared type: learners' wrong labels are a lesson topic.
    mime = _sniff_or(data, declared) or "application/octet-stream"
    family = mime.split("/")[0]
    exact = index.by_sha.get(digest)
    if mime == "application/pdf":
        facts = _pdf_facts(data, mime, digest)
        if exact:
            return Recognition(exact, facts, "sha256")
        entry = _match_pdf_text(facts, index)
        return Recognition(entry, facts, "pdf_text" if entry else None)
    if family == "image":
        facts, picture = image_facts(data, mime, digest)
        if exact:
            page = 1 if exact.get("kind") == "pdf" else None
            return Recognition(exact, facts, "sha256", page=page, distance=0)
        if facts.image_hash is None or not _near_a_picture(index, facts.image_hash):
            return Recognition(None, facts)
        if picture is None:  # near a picture of a manifest other than the course's: decode again
            picture = _thumb(_open_image(data)[0])
        return _match_picture(picture, facts, index)
    if family == "audio":
        facts, heard = _audio_facts(data, mime, digest)
        if exact:
            return Recognition(exact, facts, "sha256")
        entry, how = _match_audio(heard, index)
        return Recognition(entry, facts, how)
    if family == "video":
        facts, first = _video_facts(data, mime, digest)
        if exact:
            return Recognition(exact, facts, "sha256")
        if first is None:
            return Recognition(None, facts)
        match = _match_picture(_thumb(first), facts, index, kinds=("video",))
        # A re-encoded whole video is the video, not one moment of it.
        return Recognition(match.entry, facts, "first_frame" if match.entry else None)
    facts = Facts(mime=mime, bytes=len(data), sha256=digest)
    return Recognition(exact, facts, "sha256" if exact else None)


# --------------------------------------------------------------------------- images


def image_facts(data: bytes, mime: str, digest: str | None = None) -> tuple[Facts, _Thumb | None]:
    """An image's facts (``mmcourse.media.measure``'s one cache), with the matching thumbnail
    when it is near a course picture (the thumbnail only settles near ties between them)."""
    return measure.image(data, mime, digest, derive=_course_thumb)


def _course_thumb(img: Image.Image, facts: Facts) -> _Thumb | None:
    near = facts.image_hash is not None and _near_a_picture(_index(*default_manifest()), facts.image_hash)
    return _thumb(img) if near else None


def _near_a_picture(index: _Index, image_hash: str) -> bool:
    """Whether any picture of the index is within MATCH_DISTANCE of ``image_hash``."""
    value = int(image_hash, 16)
    return any(bin(value ^ hashed).count("1") <= MATCH_DISTANCE for hashed, _, _, _ in index.pictures)


@dataclass(frozen=True)
class _Thumb:
    """Two small views of a picture: normalised 64x64 grey (detail) and 16x16 colour."""

    grey: np.ndarray
    colour: np.ndarray


def _thumb(img: Image.Image) -> _Thumb:
    rgb = img if img.mode == "RGB" else img.convert("RGB")
    grey = np.asarray(rgb.convert("L").resize((_THUMB, _THUMB), Image.Resampling.BOX), dtype=np.float64)
    colour = np.asarray(rgb.resize((16, 16), Image.Resampling.BOX), dtype=np.float64)
    return _Thumb((grey - grey.mean()) / (grey.std() + 1.0), colour)


def _match_picture(
    query: _Thumb, facts: Facts, index: _Index, kinds: tuple[str, ...] | None = None
) -> Recognition:
    value = int(facts.image_hash or "0", 16)
    scored = []
    for hashed, entry, t, page in index.pictures:
        if kinds and entry.get("kind") not in kinds:
            continue
        distance = bin(value ^ hashed).count("1")
        if distance <= MATCH_DISTANCE:
            low = entry.get("kind") in _LOW_PRIORITY_KINDS
            scored.append((distance, low, entry.get("path", ""), t if t is not None else -1.0, entry, t, page))
    if not scored:
        return Recognition(None, facts)
    scored.sort(key=lambda s: s[:4])
    verified = []
    for s in scored:
        reference = _reference_thumb(index, s[4], s[5])
        if reference is None:
            # Nothing to check against: a flat or nearly flat picture has an almost empty
            # dHash that lies close to many course images, so it proves nothing.
            if 3 < bin(value).count("1") < 61:
                verified.append((s, None))
            continue
        # A dHash only sees brightness steps: a red square and a pale dashboard can share one.
        if float(np.abs(query.colour - reference.colour).mean()) <= _COLOUR_LIMIT:
            verified.append((s, float(np.abs(query.grey - reference.grey).mean())))
    if not verified:
        return Recognition(None, facts)
    best = verified[0][0][0]
    close = [v for v in verified if v[0][0] <= best + _TIE_MARGIN]
    if len(close) > 1 and all(detail is not None for _, detail in close):
        close.sort(key=lambda v: (v[0][1], v[1], v[0][:4]))
    distance, _, _, _, entry, t, page = close[0][0]
    how = "video_frame" if t is not None and entry.get("kind") == "video" else "image_hash"
    return Recognition(entry, facts, how, t=t, page=page, distance=distance)


def _reference_thumb(index: _Index, entry: dict, t: float | None) -> _Thumb | None:
    """Thumbnails of a course image (or of a course video at ``t``), cached; None if unreadable."""
    key = (entry.get("path", ""), t)
    if key in index.thumbs:
        return index.thumbs[key]
    if index.data_dir is None:
        return None
    path = index.data_dir / entry.get("path", "")
    thumb = None
    try:
        if entry.get("kind") == "video":
            for frame_t, frame in _video_frames(path):
                index.thumbs[(key[0], frame_t)] = _thumb(frame)
            thumb = index.thumbs.get(key)
        elif entry.get("kind") != "pdf":  # PDF page renders are not kept: the dHash decides
            thumb = _thumb(_open_image(path.read_bytes())[0])
    except Exception:  # noqa: BLE001 - a damaged or missing course file must not break answers
        thumb = None
    index.thumbs[key] = thumb
    return thumb


# --------------------------------------------------------------------------- video


def _video_frames(path: Path) -> list[tuple[float, Image.Image]]:
    """The frame shown at each whole second of a video (what the manifest registers)."""
    import av

    out: list[tuple[float, Image.Image]] = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        want = 0.0
        last = None  # the previous frame, converted to a picture only if a whole second needs it
        last_image: Image.Image | None = None
        for frame in container.decode(stream):
            t = float(frame.pts * stream.time_base) if frame.pts is not None else 0.0
            while t > want + 1e-6 and last is not None:
                last_image = last_image or last.to_image()
                out.append((want, last_image))
                want += 1.0
            last, last_image = frame, None
            if abs(t - want) < 1e-6:
                last_image = frame.to_image()
                out.append((want, last_image))
                want += 1.0
                last = None
    return out


def warm_references() -> None:
    """Make the thumbnails of every course picture (and video second) now, not on the first
    request that comes near one (a course video's frames take seconds to decode)."""
    index = _index(*default_manifest())
    for _, entry, t, _ in index.pictures:
        _reference_thumb(index, entry, t)


def _video_facts(data: bytes, mime: str, digest: str) -> tuple[Facts, Image.Image | None]:
    try:
        import av

        with av.open(io.BytesIO(data)) as container:
            stream = container.streams.video[0]
            duration = None
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / 1_000_000
            fps = float(stream.average_rate) if stream.average_rate else None
            first = next(container.decode(stream)).to_image()
            facts = Facts(
                mime=mime,
                bytes=len(data),
                sha256=digest,
                format=container.format.name,
                width=stream.codec_context.width,
                height=stream.codec_context.height,
                duration_s=round(duration, 2) if duration is not None else None,
                fps=round(fps, 3) if fps else None,
                frames=stream.frames or None,
                colours=dominant_colours(first),
                image_hash=image_hash(first),
            )
            return facts, first
    except Exception as exc:  # noqa: BLE001 - PyAV raises many error types for bad input
        return Facts(mime, len(data), digest, problem=f"the bytes do not decode as a video ({type(exc).__name__})"), None


# --------------------------------------------------------------------------- audio


# Longer uploads are measured, not fingerprinted: the course clips are all well under this.
_MAX_DECODE_S = 120.0
_WINDOW_S = 0.05
# Pearson correlation of two loudness envelopes above which they are the same recording.
_ENVELOPE_MATCH = 0.9


@dataclass(frozen=True)
class _Heard:
    """Fingerprints of decoded audio: exact samples (lossless copies) and loudness envelope."""

    pcm: str | None = None
    envelope: np.ndarray | None = None


def _audio_facts(data: bytes, mime: str, digest: str) -> tuple[Facts, _Heard]:
    """Measure an audio file and fingerprint its decoded samples when that is cheap."""
    if mime in ("audio/wav", "audio/x-wav", "audio/wave"):
        try:
            with wave.open(io.BytesIO(data)) as wav:
                rate, channels, n = wav.getframerate(), wav.getnchannels(), wav.getnframes()
                width = wav.getsampwidth()
                frames = wav.readframes(min(n, int(_MAX_DECODE_S * rate)))
        except Exception as exc:  # noqa: BLE001 - the wave module raises RuntimeError on bad chunks too
            return Facts(mime, len(data), digest, problem=f"the bytes do not decode as WAV ({type(exc).__name__})"), _Heard()
        facts = Facts(mime, len(data), digest, format="WAV", duration_s=round(n / rate, 2) if rate else None,
                      sample_rate=rate, channels=channels)
        if width != 2 or not rate or not channels:
            return facts, _Heard()
        samples = np.frombuffer(frames, dtype="<i2")
        return facts, _Heard(_pcm_digest(frames, rate, channels), _envelope(samples, rate, channels))
    try:
        samples, rate, channels, fmt, duration = _decode_audio_av(data)
    except Exception as exc:  # noqa: BLE001 - PyAV raises many error types for bad input
        return Facts(mime, len(data), digest, problem=f"the bytes do not decode as audio ({type(exc).__name__})"), _Heard()
    facts = Facts(mime, len(data), digest, format=fmt, duration_s=duration, sample_rate=rate, channels=channels)
    if not rate or not channels or samples.size == 0:
        return facts, _Heard()
    # Only a lossless codec can give back the very same samples.
    pcm = _pcm_digest(samples.astype("<i2").tobytes(), rate, channels) if fmt in ("flac", "wav") else None
    return facts, _Heard(pcm, _envelope(samples, rate, channels))


def _decode_audio_av(data: bytes) -> tuple[np.ndarray, int, int, str, float | None]:
    """Interleaved int16 samples (at most _MAX_DECODE_S of them), rate, channels, format, duration."""
    import av

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        rate, channels = stream.rate, stream.channels
        chunks, count = [], 0
        for frame in container.decode(stream):
            array = frame.to_ndarray()
            if array.dtype != np.int16:
                array = (np.clip(array, -1, 1) * 32767).astype(np.int16) if array.dtype.kind == "f" else array.astype(np.int16)
            # Packed layouts give (1, n*channels); planar give (channels, n): interleave both.
            chunk = array.T.reshape(-1) if array.shape[0] == channels and channels > 1 else array.reshape(-1)
            chunks.append(chunk)
            count += chunk.size
            if rate and channels and count / channels / rate >= _MAX_DECODE_S:
                break
        samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
        duration = None
        if stream.duration is not None and stream.time_base is not None:
            duration = round(float(stream.duration * stream.time_base), 2)
        elif container.duration is not None:
            duration = round(container.duration / 1_000_000, 2)
        elif rate and channels:
            duration = round(len(samples) / channels / rate, 2)
        return samples, rate, channels, container.format.name, duration


def _pcm_digest(frames: bytes, rate: int, channels: int) -> str:
    return hashlib.sha256(f"{rate}:{channels}:".encode() + frames).hexdigest()


def _envelope(samples: np.ndarray, rate: int, channels: int) -> np.ndarray:
    """Loudness (RMS) in 50 ms windows of the mono mix: survives resampling and lossy codecs."""
    mono = samples.reshape(-1, channels).astype(np.float64).mean(axis=1)
    window = max(1, int(rate * _WINDOW_S))
    n = len(mono) // window
    return np.sqrt((mono[: n * window].reshape(n, window) ** 2).mean(axis=1))


def _envelope_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Best Pearson correlation of two envelopes over small shifts (codec delay, trimming)."""
    if min(len(a), len(b)) < 10 or abs(len(a) - len(b)) > max(3, 0.05 * max(len(a), len(b))):
        return 0.0
    best = 0.0
    for lag in range(-4, 5):
        x, y = (a[lag:], b) if lag >= 0 else (a, b[-lag:])
        n = min(len(x), len(y))
        x, y = x[:n], y[:n]
        if x.std() == 0 or y.std() == 0:
            continue
        best = max(best, float(np.corrcoef(x, y)[0, 1]))
    return best


def _match_audio(heard: _Heard, index: _Index) -> tuple[dict | None, str | None]:
    """The course clip with the same samples, else with the same loudness envelope."""
    if heard.pcm is None and heard.envelope is None:
        return None, None
    if index.audio is None:
        clips = []  # built whole, then published: another thread never sees half a list
        for entry in index.by_sha.values():
            if entry.get("kind") != "speech" or index.data_dir is None:
                continue
            try:
                data = (index.data_dir / entry.get("path", "")).read_bytes()
            except OSError:
                continue
            clips.append((entry, _audio_facts(data, _sniff_or(data, entry.get("mime", "")), "")[1]))
        index.audio = clips
    for entry, ref in index.audio:
        if heard.pcm is not None and ref.pcm == heard.pcm:
            return entry, "pcm"
    if heard.envelope is None:
        return None, None
    scored = [(_envelope_similarity(heard.envelope, ref.envelope), entry.get("path", ""), entry)
              for entry, ref in index.audio if ref.envelope is not None]
    scored = [s for s in scored if s[0] >= _ENVELOPE_MATCH]
    if not scored:
        return None, None
    scored.sort(key=lambda s: (-s[0], s[1]))
    return scored[0][2], "audio_envelope"


def _sniff_or(data: bytes, declared: str) -> str:
    return sniff_mime(data) or MIME_ALIASES.get(declared, declared)


# --------------------------------------------------------------------------- PDF


def _pdf_facts(data: bytes, mime: str, digest: str) -> Facts:
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        texts = tuple((page.extract_text() or "").strip() for page in reader.pages)
        return Facts(mime, len(data), digest, format="PDF", pages=len(texts), text=texts)
    except Exception as exc:  # noqa: BLE001 - pypdf raises many error types for bad input
        return Facts(mime, len(data), digest, problem=f"the bytes do not parse as a PDF ({type(exc).__name__})")


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", text.lower()))


def _match_pdf_text(facts: Facts, index: _Index) -> dict | None:
    words = _words(" ".join(facts.text))
    if not words:
        return None
    best, best_score = None, 0.0
    for ref, entry in index.pdf_words:
        score = len(words & ref) / len(words | ref) if ref else 0.0
        if score > best_score:
            best, best_score = entry, score
    # Same document re-saved or printed to PDF again: nearly all of its words are the same.
    return best if best_score >= 0.85 else None


# --------------------------------------------------------------------------- pasted transcripts

# A transcript pasted into a text prompt (by mmcourse.routing's transcribe-then-analyse route, or
# by a learner) is recognised by its word pairs: the share of a course clip's transcript bigrams
# found in one stretch of the prompt. Punctuation, case and line breaks do not count, so a
# transcript split into speaker turns still matches; a paraphrase or a different clip does not.
TRANSCRIPT_MIN_OVERLAP = 0.6
_MIN_TRANSCRIPT_BIGRAMS = 8  # shorter "transcripts" would match ordinary sentences
_MAX_GAP = 3  # unmatched words tolerated inside one pasted stretch (a speaker's name, a typo)
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# mmcourse.routing's header: "Transcript of the audio[ name] (N s, transcribed by p/m):"
ROUTING_TRANSCRIPT_HEADER = re.compile(
    r"Transcript of the audio(?: (?P<name>[^\n]*?))? \(\d+ s, transcribed by [^\n]*?\):[ \t]*\n?"
)


@dataclass(frozen=True)
class TranscriptMatch:
    """A course clip's transcript found in a text: the entry, where it sits, and how much matched."""

    entry: dict
    start: int  # character span of the pasted stretch in the text
    end: int
    overlap: float  # share of the clip's transcript word pairs present in the stretch


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text.lower())]


def _bigrams(words: list[str]) -> set[tuple[str, str]]:
    return set(zip(words, words[1:], strict=False))


@functools.lru_cache(maxsize=256)
def _transcript_bigrams(transcript: str) -> frozenset[tuple[str, str]]:
    """A course transcript's word pairs (made once per transcript, not once per request)."""
    return frozenset(_bigrams([w for w, _, _ in _tokens(transcript)]))


def _best_stretch(tokens: list[tuple[str, int, int]], truth: frozenset[tuple[str, str]]) -> tuple[int, int, float]:
    """(first token, last token, overlap) of the stretch of ``tokens`` that best covers ``truth``."""
    words = [w for w, _, _ in tokens]
    hit = [False] * len(words)
    for i in range(len(words) - 1):
        if (words[i], words[i + 1]) in truth:
            hit[i] = hit[i + 1] = True
    best = (0, -1, 0.0)
    i = 0
    while i < len(words):
        if not hit[i]:
            i += 1
            continue
        j = last = i
        while j + 1 < len(words) and (hit[j + 1] or any(hit[j + 1 : j + 2 + _MAX_GAP])):
            j += 1
            if hit[j]:
                last = j
        overlap = len(_bigrams(words[i : last + 1]) & truth) / len(truth)
        if overlap > best[2]:
            best = (i, last, overlap)
        i = last + 1
    return best


def find_transcripts(text: str, manifest: dict | None = None) -> list[TranscriptMatch]:
    """Course speech transcripts pasted into ``text``, in the order they appear.

    Clips that share one transcript (the same recording as WAV and FLAC) give one match: the
    clip whose file name the text mentions just before the stretch, else the first listed.
    """
    if manifest is None:
        manifest, _ = default_manifest()
    tokens = _tokens(text or "")
    if len(tokens) < 2:
        return []
    found: dict[tuple[int, int], list[TranscriptMatch]] = {}
    for entry in manifest.get("files", []):
        transcript = (entry.get("truth") or {}).get("transcript")
        if not isinstance(transcript, str):
            continue
        truth = _transcript_bigrams(transcript)
        if len(truth) < _MIN_TRANSCRIPT_BIGRAMS:
            continue
        first, last, overlap = _best_stretch(tokens, truth)
        if overlap >= TRANSCRIPT_MIN_OVERLAP:
            span = (tokens[first][1], tokens[last][2])
            found.setdefault(span, []).append(TranscriptMatch(entry, span[0], span[1], overlap))
    matches = []
    for (start, _), same in sorted(found.items()):
        before = text[max(0, start - 300) : start].lower()
        named = [m for m in same if Path(str(m.entry.get("path", ""))).name.lower() in before]
        matches.append(max(named or same, key=lambda m: m.overlap))  # max keeps the first of ties
    return _without_overlaps(matches)


def _without_overlaps(matches: list[TranscriptMatch]) -> list[TranscriptMatch]:
    kept: list[TranscriptMatch] = []
    for match in sorted(matches, key=lambda m: (-m.overlap, m.start)):
        if all(match.end <= k.start or match.start >= k.end for k in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)
