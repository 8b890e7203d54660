# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · Bytes, base64 and MIME types
#
# Every multimodal request is JSON, and a photo is bytes. This lesson is about the short trip
# between the two, which is where most "invalid image" errors come from.
#
# **Objectives**
# - Explain why JSON needs base64 and work out its 33% size overhead.
# - Tell a file's type from its magic bytes, and spot `/9j/` (JPEG) and `iVBOR` (PNG) in base64.
# - Build and take apart a data URL, and know which provider wants one.
# - Shrink an image before sending it, and see what that saves.
#
# **Estimated time: 30 min**
#
# **Exercises:** 4 (2 easy, 2 medium, 0 hard).
#
# **You need:** lesson 00. No key: everything runs offline.

# %%
import mmcourse

conf = mmcourse.setup()

# %% [markdown]
# ## A photo is bytes
#
# Read a course photo the way any file is read: as `bytes`.

# %% tags=["nbval-check-output"]
from mmcourse import datasets
from mmcourse.display import show_image

photo = datasets.path("photos/chelsea.jpg")
raw = photo.read_bytes()
print(type(raw).__name__, len(raw), "bytes")
print(raw[:12])

# %%
show_image(raw, max_edge=160)

# %% [markdown]
# **Predict:** an API request body is JSON. What happens if you put these bytes straight into it?

# %% tags=["nbval-check-output"]
import json

try:
    json.dumps({"image": raw})
except TypeError as exc:
    print("TypeError:", exc)

# %% [markdown]
# JSON has strings, numbers, lists and objects, but no bytes. Decoding the bytes as text does not
# work either: most byte values are not valid UTF-8.

# %% tags=["nbval-check-output"]
try:
    raw.decode("utf-8")
except UnicodeDecodeError as exc:
    print("UnicodeDecodeError:", exc)

# %% [markdown]
# ## Base64: 3 bytes become 4 characters
#
# Base64 writes any bytes with 64 harmless characters (`A-Z a-z 0-9 + /`). Each character carries
# 6 bits, so 3 bytes (24 bits) become 4 characters. Here is that happening to the word `cat`:

# %% tags=["nbval-check-output"]
import base64
import string

ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/"

bits = "".join(f"{byte:08b}" for byte in b"cat")
print("3 bytes, 8 bits each: ", " ".join(bits[i:i + 8] for i in range(0, 24, 8)))
print("same bits, 6 at a time:", " ".join(bits[i:i + 6] for i in range(0, 24, 6)))
print("as characters:         ", "".join(ALPHABET[int(bits[i:i + 6], 2)] for i in range(0, 24, 6)))
print("base64 module agrees:  ", base64.b64encode(b"cat").decode("ascii"))

# %% [markdown]
# When the length is not a multiple of 3, `=` pads the last group to 4 characters:

# %% tags=["nbval-check-output"]
for word in (b"c", b"ca", b"cat", b"cats"):
    print(f"{word!r:8} -> {base64.b64encode(word).decode('ascii')}")

# %% [markdown]
# **Predict:** the photo is 34,306 bytes. How many characters is its base64 text?

# %% tags=["nbval-check-output"]
b64 = base64.b64encode(raw).decode("ascii")
print(len(b64), "characters")
print(f"{len(b64) / len(raw):.3f} times the file size")
print(b64[:40] + "...")

# %% [markdown]
# 4/3 of the size: **base64 adds 33%**. Decoding gives back exactly the same bytes:

# %% tags=["nbval-check-output"]
print(base64.b64decode(b64) == raw)

# %% [markdown]
# The overhead matters because some limits are measured on the base64 text, not on the file.
# Anthropic's vision docs (2026) cap one image at 10 MB **of base64** on the direct API (5 MB
# before mid-2026 and still on Bedrock and Google Cloud). So the largest file that fits is smaller:

# %% tags=["nbval-check-output"]
MB = 1024 * 1024
for limit_mb in (5, 10):
    print(f"{limit_mb} MB of base64 holds a file of at most {limit_mb * MB * 3 // 4 / MB:.2f} MB")

# %% [markdown]
# ## What is this file? Ask its first bytes
#
# Most file formats start with a fixed signature, the **magic bytes**. A file's name is only a
# claim; its first bytes are the evidence.
#
# | Format | First bytes | As text |
# |---|---|---|
# | JPEG | `FF D8 FF` | |
# | PNG | `89 50 4E 47 0D 0A 1A 0A` | `\x89PNG\r\n\x1a\n` |
# | GIF | `47 49 46 38 39 61` | `GIF89a` (or `GIF87a`) |
# | PDF | `25 50 44 46 2D` | `%PDF-` |
# | WEBP / WAV | `52 49 46 46` .... `57 45 42 50` / `57 41 56 45` | `RIFF`, 4 size bytes, then `WEBP` / `WAVE` |
# | MP4 | .... `66 74 79 70` | 4 size bytes, then `ftyp` |
#
# Here are the first 12 bytes of some course files:

# %% tags=["nbval-check-output"]
SAMPLES = ["photos/chelsea.jpg", "charts/quarterly_revenue.png", "documents/invoice.pdf",
           "audio/meeting_excerpt.wav", "video/product_update.mp4"]

for rel in SAMPLES:
    head = datasets.path(rel).read_bytes()[:12]
    print(f"{rel:30} {head.hex(' ')}   {head!r}")

# %% [markdown]
# The signature survives base64, so you can recognise a format in a request log or an error
# message: `/9j/` is a JPEG, `iVBOR` a PNG, `JVBER` a PDF, `UklGR` a RIFF file (WAV or WEBP).

# %% tags=["nbval-check-output"]
for rel in SAMPLES:
    text = base64.b64encode(datasets.path(rel).read_bytes()[:12]).decode("ascii")
    print(f"{rel:30} {text[:8]}")

# %% [markdown]
# ## When the name lies
#
# `errors/screenshot.jpg` is named like a JPEG. Python's `mimetypes` goes by the name; the bytes
# say otherwise.

# %% tags=["nbval-check-output"]
import mimetypes

liar = datasets.path("errors/screenshot.jpg")
liar_bytes = liar.read_bytes()
print("the name says:", mimetypes.guess_type(liar.name)[0])
print("the bytes say:", liar_bytes[:8])

# %% [markdown]
# **Predict:** Anthropic checks the declared type against the bytes. What happens if you declare
# `image/jpeg` (from the name) for these PNG bytes? Lesson 03 explains this request line by line.

# %%
import requests

claude = conf["anthropic"]


def send_to_claude(data, media_type):
    """Send one image to Anthropic's Messages API and return the HTTP response."""
    return requests.post(
        f"{claude.base_url}/v1/messages",
        headers={"x-api-key": claude.api_key, "anthropic-version": "2023-06-01"},
        json={
            "model": mmcourse.registry.default_model("anthropic"),
            "max_tokens": 200,
            "messages": [{"role": "user", "content": [
                {"type": "image", "source": {"type": "base64", "media_type": media_type,
                                             "data": base64.b64encode(data).decode("ascii")}},
                {"type": "text", "text": "What is in this image?"},
            ]}],
        },
        timeout=60,
    )


# %% tags=["nbval-check-output"]
r = send_to_claude(liar_bytes, mimetypes.guess_type(liar.name)[0])
print(r.status_code, r.json()["error"]["type"])
print(r.json()["error"]["message"])

# %% [markdown]
# A 400, with the reason in the message (wording as observed from the real API in 2026).
# Declaring the type the bytes show fixes it:

# %% tags=["nbval-check-output"]
print(send_to_claude(liar_bytes, "image/png").status_code)

# %% [markdown]
# ## Data URLs
#
# A **data URL** puts the MIME type and the base64 text into one string:
# `data:<mime>;base64,<base64 text>`. The providers disagree about whether they want one:
#
# | Provider | Field | Wants |
# |---|---|---|
# | OpenAI | `image_url.url` | a data URL |
# | Anthropic | `source.data` (+ `source.media_type`) | raw base64, no prefix |
# | Gemini | `inline_data.data` (+ `inline_data.mime_type`) | raw base64, no prefix |
#
# Sending a data URL where raw base64 is expected is the classic "invalid base64" error (you will
# meet it in lessons 03 and 04).

# %% tags=["nbval-check-output"]
url = f"data:image/jpeg;base64,{b64}"
print(url[:50] + "...")
print(len(url), "characters:", len(url) - len(b64), "of them the prefix")

# %% [markdown]
# Taking one apart: everything before the first comma is the header, everything after is base64.

# %% tags=["nbval-check-output"]
header, _, payload = url.partition(",")
print(header)
print(header[len("data:"):].split(";")[0])
print(base64.b64decode(payload) == raw)

# %% [markdown]
# ## Shrink before you send
#
# A phone photo is about 12 megapixels. The providers scale big images down before the model sees
# them: Anthropic's standard tier to at most 1568 px on the long edge, OpenAI to fit 2048 px and
# then a tile or patch budget, Gemini into 768 px tiles (providers' vision docs, 2026). Pixels
# beyond that are paid for in upload time and request size, and then thrown away.
#
# A stand-in for a phone photo: the cat scaled up to 4032 px wide (smoother than a real 3-5 MB
# photo, so it compresses better).

# %% tags=["nbval-check-output"]
import io

from PIL import Image

phone = Image.open(io.BytesIO(raw)).resize((4032, 2682))
buffer = io.BytesIO()
phone.save(buffer, "JPEG", quality=95)
phone_bytes = buffer.getvalue()
print(phone.size, f"{len(phone_bytes) / MB:.1f} MB file, {len(phone_bytes) * 4 / 3 / MB:.1f} MB as base64")

# %% [markdown]
# **Predict:** shrink it so the long edge is 1568 px (JPEG quality 85). How much smaller is the file?

# %% tags=["nbval-check-output"]
smaller = phone.copy()
smaller.thumbnail((1568, 1568))  # keeps the aspect ratio, never enlarges
buffer = io.BytesIO()
smaller.save(buffer, "JPEG", quality=85)
smaller_bytes = buffer.getvalue()
print(smaller.size, f"{len(smaller_bytes) / MB:.2f} MB")
print(f"{len(phone_bytes) / len(smaller_bytes):.0f} times smaller")

# %% [markdown]
# An eighth of the bytes (a real phone photo, with more fine detail, shrinks even more), and for
# Claude's standard tier the model sees the same picture.
# (Lesson 12 works out the tokens each provider charges per image size.)

# %% [markdown] mmcourse={"exercise": "ex-base64-length", "role": "instructions", "title": "How long is the base64?", "points": 2, "difficulty": "easy"}
# ### Exercise 1: how long is the base64?
#
# Write `base64_length(n_bytes)` that returns the number of characters of the (padded) base64
# text of `n_bytes` bytes, as an `int`, **without** encoding anything. It must work for a 2 GB
# file as quickly as for a small one.

# %% [markdown] mmcourse={"exercise": "ex-base64-length", "role": "hint"}
# Every started group of 3 bytes becomes 4 characters (padding fills the last group).

# %% [markdown] mmcourse={"exercise": "ex-base64-length", "role": "hint"}
# The number of started groups is `(n_bytes + 2) // 3`.

# %% mmcourse={"exercise": "ex-base64-length", "role": "solution"}
def base64_length(n_bytes):
    ### BEGIN SOLUTION
    return 4 * ((n_bytes + 2) // 3)
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-base64-length: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-base64-length", "role": "visible-tests"}
def test_small_sizes():
    for n, want in [(0, 0), (1, 4), (2, 4), (3, 4), (4, 8)]:
        expect(base64_length(n), want, what=f"base64_length({n})")


def test_the_cat_photo():
    expect(base64_length(34306), 45744)

# %% mmcourse={"exercise": "ex-base64-length", "role": "hidden-tests"}
import base64


def test_random_sizes_match_real_encoding(rng):
    for _ in range(50):
        n = rng.randint(0, 5000)
        expect(base64_length(n), len(base64.b64encode(bytes(n))), what=f"base64_length({n})")


def test_huge_files_without_encoding(rng):
    n = rng.randint(10**9, 3 * 10**9)
    expect(base64_length(n), 4 * -(-n // 3), what=f"base64_length({n})")

# %% [markdown] mmcourse={"exercise": "ex-sniff-mime", "role": "instructions", "title": "Sniff the MIME type", "points": 3, "difficulty": "medium"}
# ### Exercise 2: sniff the MIME type
#
# Write `sniff_mime(data)` that returns the MIME type of `data` (bytes) from its magic bytes alone:
# `"image/jpeg"`, `"image/png"`, `"image/gif"`, `"image/webp"`, `"audio/wav"` or `"application/pdf"`,
# using the signatures in the table above. For anything else (including data too short to hold a
# whole signature) return `None`.

# %% [markdown] mmcourse={"exercise": "ex-sniff-mime", "role": "hint"}
# `data.startswith(b"\xff\xd8\xff")` tests a JPEG; byte strings work like strings.

# %% [markdown] mmcourse={"exercise": "ex-sniff-mime", "role": "hint"}
# WEBP and WAV both start with `RIFF`: look at `data[8:12]`, which is `b"WEBP"` or `b"WAVE"`.

# %% mmcourse={"exercise": "ex-sniff-mime", "role": "solution"}
def sniff_mime(data):
    ### BEGIN SOLUTION
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"RIFF") and data[8:12] == b"WAVE":
        return "audio/wav"
    return None
    ### END SOLUTION
    ### BEGIN STARTER
    # # Compare the first bytes with each signature; WEBP and WAV share "RIFF".
    # raise NotImplementedError("ex-sniff-mime: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-sniff-mime", "role": "visible-tests"}
from mmcourse import datasets


def test_course_files():
    for rel, want in [("photos/chelsea.jpg", "image/jpeg"), ("charts/quarterly_revenue.png", "image/png"),
                      ("documents/invoice.pdf", "application/pdf"), ("audio/meeting_excerpt.wav", "audio/wav")]:
        expect(sniff_mime(datasets.path(rel).read_bytes()), want, what=rel)


def test_the_bytes_win_over_the_name():
    expect(sniff_mime(datasets.path("errors/screenshot.jpg").read_bytes()), "image/png")


def test_unknown_bytes_give_none():
    expect(sniff_mime(b"hello, world"), None)

# %% mmcourse={"exercise": "ex-sniff-mime", "role": "hidden-tests"}
import io

from PIL import Image

from mmcourse import datasets

_KNOWN = ("image/jpeg", "image/png", "image/gif", "image/webp", "audio/wav", "application/pdf")


def test_every_course_file_of_a_known_type():
    for item in datasets.entries():
        if item["mime"] in _KNOWN:
            expect(sniff_mime(datasets.path(item["path"]).read_bytes()), item["mime"], what=item["path"])


def test_images_made_on_the_fly(rng):
    for fmt, mime in [("GIF", "image/gif"), ("WEBP", "image/webp"), ("PNG", "image/png"), ("JPEG", "image/jpeg")]:
        img = Image.new("RGB", (rng.randint(2, 60), rng.randint(2, 60)), (rng.randint(0, 255), 40, 90))
        buffer = io.BytesIO()
        img.save(buffer, fmt)
        expect(sniff_mime(buffer.getvalue()), mime, what=f"a {fmt} made with Pillow")


def test_look_alikes_and_junk_give_none(rng):
    junk = [b"", b"\xff\xd8", b"\x89PNG", b"GIF88a" + bytes(10), b"RIFF\x00\x00\x00\x00AVI LIST",
            b"%PDF", b"ftypisom", bytes(rng.randint(0, 255) for _ in range(3)) + b"\xff\xd8\xff\xe0",
            b"xx%PDF-1.7"]
    for data in junk:
        expect(sniff_mime(data), None, what=f"sniff_mime({data[:16]!r})")


def test_only_the_beginning_counts(rng):
    png = datasets.path("charts/quarterly_revenue.png").read_bytes()
    prefix = bytes(rng.randint(32, 126) for _ in range(rng.randint(1, 20)))
    expect(sniff_mime(prefix + png), None, what="a PNG signature that does not start the data")

# %% [markdown] mmcourse={"exercise": "ex-data-url", "role": "instructions", "title": "Data URLs both ways", "points": 2, "difficulty": "easy"}
# ### Exercise 3: data URLs both ways
#
# Write two functions:
# - `to_data_url(data, mime)` returns `"data:<mime>;base64,<base64 of data>"`.
# - `from_data_url(url)` returns the tuple `(mime, data)` with `data` as bytes. If `url` is not a
#   base64 data URL (it does not start with `data:` or its header does not end with `;base64`),
#   raise `ValueError` with a message that says so.

# %% [markdown] mmcourse={"exercise": "ex-data-url", "role": "hint"}
# `url.partition(",")` splits at the first comma: header, comma, payload.

# %% [markdown] mmcourse={"exercise": "ex-data-url", "role": "hint"}
# The MIME type is the header between `data:` and `;base64`; `base64.b64decode(payload)` gives the bytes.

# %% mmcourse={"exercise": "ex-data-url", "role": "solution"}
def to_data_url(data, mime):
    ### BEGIN SOLUTION
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-data-url: write your code here")
    ### END STARTER


def from_data_url(url):
    ### BEGIN SOLUTION
    header, comma, payload = url.partition(",")
    if not header.startswith("data:") or not header.endswith(";base64") or not comma:
        raise ValueError(f"not a base64 data URL: {url[:40]!r}")
    mime = header[len("data:"):-len(";base64")]
    return mime, base64.b64decode(payload)
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-data-url: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-data-url", "role": "visible-tests"}
from mmcourse import datasets


def test_a_tiny_data_url():
    expect(to_data_url(b"hi", "text/plain"), "data:text/plain;base64,aGk=")
    expect(from_data_url("data:text/plain;base64,aGk="), ("text/plain", b"hi"))


def test_round_trip_of_the_photo():
    data = datasets.path("photos/chelsea.jpg").read_bytes()
    expect(from_data_url(to_data_url(data, "image/jpeg")), ("image/jpeg", data))


def test_raw_base64_is_not_a_data_url():
    try:
        from_data_url("aGk=")
    except ValueError:
        return
    raise AssertionError("from_data_url('aGk=') should raise ValueError: it has no 'data:' header")

# %% mmcourse={"exercise": "ex-data-url", "role": "hidden-tests"}
import base64


def test_random_round_trips(rng):
    mimes = ["image/png", "image/jpeg", "image/webp", "application/pdf", "audio/wav", "video/mp4"]
    for _ in range(30):
        data = bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 300)))
        mime = rng.choice(mimes)
        url = to_data_url(data, mime)
        expect(url, "data:" + mime + ";base64," + base64.b64encode(data).decode("ascii"), what="to_data_url")
        expect(from_data_url(url), (mime, data), what="from_data_url(to_data_url(...))")


def test_not_data_urls_raise(rng):
    bad = ["https://example.com/cat.jpg", "iVBORw0KGgo=", "data:image/png,plain-text-not-base64",
           "image/png;base64,aGk=", "data:image/png;base64"]
    for url in bad:
        try:
            from_data_url(url)
        except ValueError:
            continue
        raise AssertionError(f"from_data_url({url!r}) should raise ValueError")

# %% [markdown] mmcourse={"exercise": "ex-shrink-image", "role": "instructions", "title": "Shrink before sending", "points": 3, "difficulty": "medium"}
# ### Exercise 4: shrink before sending
#
# Write `shrink_image(data, max_edge)` that takes an encoded image (`bytes`: JPEG, PNG, ...) and
# returns **JPEG** bytes of the same picture whose longer side is at most `max_edge` pixels:
# - keep the aspect ratio (a rounding difference of 1 px is fine);
# - never enlarge: an image already small enough keeps its size (but is still returned as JPEG);
# - the input may be a PNG with transparency: JPEG has no alpha channel, so convert to `"RGB"` first.

# %% [markdown] mmcourse={"exercise": "ex-shrink-image", "role": "hint"}
# `Image.open(io.BytesIO(data))` reads the bytes; `img.convert("RGB")` drops transparency.

# %% [markdown] mmcourse={"exercise": "ex-shrink-image", "role": "hint"}
# `img.thumbnail((max_edge, max_edge))` shrinks in place, keeps the ratio and never enlarges; then
# save into an `io.BytesIO()` with `format="JPEG"` and return `buffer.getvalue()`.

# %% mmcourse={"exercise": "ex-shrink-image", "role": "solution"}
def shrink_image(data, max_edge):
    ### BEGIN SOLUTION
    img = Image.open(io.BytesIO(data)).convert("RGB")
    img.thumbnail((max_edge, max_edge))
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()
    ### END SOLUTION
    ### BEGIN STARTER
    # # Open, convert to RGB, shrink so the long edge fits, save as JPEG into a BytesIO.
    # raise NotImplementedError("ex-shrink-image: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-shrink-image", "role": "visible-tests"}
import io

from PIL import Image

from mmcourse import datasets


def _size(data):
    return Image.open(io.BytesIO(data)).size


def test_a_big_photo_shrinks_to_the_limit():
    big = Image.open(datasets.path("photos/chelsea.jpg")).resize((2000, 1330))
    buffer = io.BytesIO()
    big.save(buffer, "JPEG")
    out = shrink_image(buffer.getvalue(), 800)
    assert out[:3] == b"\xff\xd8\xff", "the result should be JPEG bytes"
    w, h = _size(out)
    assert w == 800 and abs(h - 532) <= 1, f"expected about 800x532, got {w}x{h}"


def test_a_small_photo_keeps_its_size():
    out = shrink_image(datasets.path("photos/chelsea.jpg").read_bytes(), 1568)
    expect(_size(out), (451, 300))

# %% mmcourse={"exercise": "ex-shrink-image", "role": "hidden-tests"}
import io

from PIL import Image


def _encoded(img, fmt):
    buffer = io.BytesIO()
    img.save(buffer, fmt)
    return buffer.getvalue()


def test_random_sizes_and_formats(rng):
    for _ in range(6):
        w, h = rng.randint(50, 2400), rng.randint(50, 2400)
        mode, fmt = rng.choice([("RGB", "JPEG"), ("RGBA", "PNG"), ("RGB", "PNG"), ("L", "PNG")])
        img = Image.new(mode, (w, h), 120 if mode == "L" else (200, 80, 40, 128)[: len(mode)])
        max_edge = rng.choice([256, 512, 768, 1024, 1568])
        out = shrink_image(_encoded(img, fmt), max_edge)
        assert out[:3] == b"\xff\xd8\xff", f"a {fmt} {mode} input should come back as JPEG bytes"
        ow, oh = Image.open(io.BytesIO(out)).size
        scale = min(1.0, max_edge / max(w, h))
        assert max(ow, oh) <= max_edge, f"{w}x{h} with max_edge={max_edge} gave {ow}x{oh}: too big"
        assert abs(ow - w * scale) <= 1.01 and abs(oh - h * scale) <= 1.01, (
            f"{w}x{h} with max_edge={max_edge} gave {ow}x{oh}: the aspect ratio changed or it was enlarged")

# %% [markdown]
# ## What's next
#
# You can now turn any file into the text a JSON body needs. The course package has the same
# tools, for use from lesson 05 on: `mmcourse.sniff_mime`, `mmcourse.encode_file` (bytes, MIME from
# the magic bytes and a warning when the name lies) and `mmcourse.resize_image` (long edge and a
# byte limit). Lesson 02 puts a data URL into a real OpenAI request.
