# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 16 · Privacy, limits, and when not to send an image
#
# Everything you send to a provider leaves your machine: the pixels, and much more. This lesson
# is about what travels with a file, how to take it out, how to clean up what you uploaded, and
# the jobs where a vision call is the wrong tool.
#
# **Objectives**
# - Find what a phone photo carries besides its pixels (EXIF: the camera, the time, GPS) and
#   strip it before sending, without turning the photo on its side.
# - Say what a receipt or a face gives away, and black out a region of an image.
# - Delete the files you uploaded, and know how long each provider keeps them.
# - Price bulk OCR against one vision call per page, and name the jobs a dedicated tool does better.
#
# **Estimated time: 40 min**
#
# **Exercises:** 4 (1 easy, 2 medium, 1 hard).
#
# **You need:** lessons 01 (bytes and base64), 10 (uploads) and 12 (tokens and prices). No key:
# everything runs offline.

# %%
import mmcourse

conf = mmcourse.setup()

# %% [markdown]
# ## A phone photo is more than pixels
#
# Cameras and phones write **EXIF** metadata into a JPEG: the make and model, the time it was
# taken, the orientation, and, when location is on, **GPS coordinates**. The course photos have
# none, so this cell makes one the way a phone would save it.

# %%
import io

from PIL import Image, ImageOps
from PIL.ExifTags import GPS, IFD, Base

from mmcourse import datasets


def phone_photo(rel="photos/coffee.jpg", orientation=1):
    """A course photo saved as a phone saves it: EXIF with camera, time and GPS, and a comment."""
    exif = Image.Exif()
    exif[Base.Make], exif[Base.Model] = "ExamplePhone", "EP-7"
    exif[Base.DateTime] = "2026:11:28 08:14:03"
    exif[Base.Orientation] = orientation
    exif[IFD.GPSInfo] = {GPS.GPSLatitudeRef: "N", GPS.GPSLatitude: (51.0, 30.0, 26.46),
                         GPS.GPSLongitudeRef: "W", GPS.GPSLongitude: (0.0, 7.0, 39.9)}
    buffer = io.BytesIO()
    Image.open(datasets.path(rel)).save(buffer, "JPEG", quality=90, exif=exif,
                                        comment=b"Breakfast at home")
    return buffer.getvalue()


photo = phone_photo()
print(len(photo), "bytes")

# %% [markdown]
# Pillow reads it back. GPS is stored as degrees, minutes and seconds; turn it into the decimal
# degrees a map wants.

# %% tags=["nbval-check-output"]
def gps_of(data):
    """(latitude, longitude) in decimal degrees from a JPEG's EXIF, or None."""
    gps = Image.open(io.BytesIO(data)).getexif().get_ifd(IFD.GPSInfo)
    if not gps:
        return None

    def degrees(dms, ref):
        value = float(dms[0]) + float(dms[1]) / 60 + float(dms[2]) / 3600
        return round(-value if ref in ("S", "W") else value, 4)

    return (degrees(gps[GPS.GPSLatitude], gps[GPS.GPSLatitudeRef]),
            degrees(gps[GPS.GPSLongitude], gps[GPS.GPSLongitudeRef]))


exif = Image.open(io.BytesIO(photo)).getexif()
print("camera:", exif[Base.Make], exif[Base.Model])
print("taken: ", exif[Base.DateTime])
print("where: ", gps_of(photo))

# %% [markdown]
# (51.5074, -0.1278) is central London, to within a few metres: a photo of breakfast says where
# someone lives.
#
# **Predict:** lesson 01 turned bytes into base64 for the JSON body. Does that remove the GPS?

# %% tags=["nbval-check-output"]
import base64

sent = base64.b64encode(photo).decode("ascii")
print(gps_of(base64.b64decode(sent)))

# %% [markdown]
# No: base64 is lossless, so the provider gets every byte, GPS included. Resizing does not
# always help either. Re-saving with Pillow drops the EXIF block, but look at what it keeps:

# %% tags=["nbval-check-output"]
upright = ImageOps.exif_transpose(Image.open(io.BytesIO(photo)))
buffer = io.BytesIO()
upright.save(buffer, "JPEG")
resaved = buffer.getvalue()
print("GPS:", gps_of(resaved))
print("comment still inside:", b"Breakfast at home" in resaved)

# %% [markdown]
# Pillow carries some of `image.info` (the JPEG comment, colour profile, XMP on newer versions)
# into the new file. The safe way is a **new image made from the pixels only**.
#
# And why `exif_transpose`? A phone often stores a portrait photo sideways plus an `Orientation`
# tag that says "turn me". Drop the tag without turning the pixels and the model sees the photo on
# its side.

# %% [markdown] mmcourse={"exercise": "ex-strip-metadata", "role": "instructions", "title": "Strip the metadata, keep the photo upright", "points": 3, "difficulty": "medium"}
# ### Exercise 1: strip the metadata, keep the photo upright
#
# Write `strip_metadata(data)` that takes JPEG (or PNG) bytes and returns **JPEG** bytes of the
# same picture with **no EXIF, no GPS, no comment and no XMP**, turned the way its `Orientation`
# tag says (so the result needs no tag to look right).

# %% [markdown] mmcourse={"exercise": "ex-strip-metadata", "role": "hint"}
# `ImageOps.exif_transpose(img)` applies the orientation. Then copy only the pixels into a new
# image: `clean = Image.new("RGB", img.size)` and `clean.paste(img.convert("RGB"))`.

# %% [markdown] mmcourse={"exercise": "ex-strip-metadata", "role": "hint"}
# Save `clean` (not `img`) into an `io.BytesIO()` with `format="JPEG"` and pass no `exif=`.

# %% mmcourse={"exercise": "ex-strip-metadata", "role": "solution"}
def strip_metadata(data):
    ### BEGIN SOLUTION
    img = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    clean = Image.new("RGB", img.size)
    clean.paste(img)
    buffer = io.BytesIO()
    clean.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()
    ### END SOLUTION
    ### BEGIN STARTER
    # # Turn the pixels the way Orientation says, copy them into a new image, save that as JPEG.
    # raise NotImplementedError("ex-strip-metadata: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-strip-metadata", "role": "visible-tests"}
import io

from PIL import Image


def test_no_exif_gps_or_comment_is_left():
    out = strip_metadata(phone_photo())
    assert out[:3] == b"\xff\xd8\xff", "return JPEG bytes"
    img = Image.open(io.BytesIO(out))
    expect(dict(img.getexif()), {}, what="the EXIF left in the result")
    assert b"Breakfast at home" not in out, "the JPEG comment is still inside"
    expect(img.size, (600, 400), what="the size of an upright photo")


def test_a_sideways_photo_comes_back_upright():
    out = strip_metadata(phone_photo(orientation=6))  # 6: "rotate 90 degrees to view"
    expect(Image.open(io.BytesIO(out)).size, (400, 600), what="the size after applying Orientation 6")

# %% mmcourse={"exercise": "ex-strip-metadata", "role": "hidden-tests"}
import io

from PIL import Image, ImageChops, ImageOps
from PIL.ExifTags import IFD, Base


def _with_metadata(rng, orientation):
    w, h = rng.randint(40, 300), rng.randint(40, 300)
    img = Image.new("RGB", (w, h), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    img.paste((255, 255, 255), (0, 0, max(1, w // 3), max(1, h // 4)))  # a corner marks the turn
    exif = Image.Exif()
    exif[Base.Orientation] = orientation
    exif[Base.Make] = f"Cam{rng.randint(0, 999)}"
    exif[IFD.GPSInfo] = {1: "S", 2: (float(rng.randint(0, 89)), 1.0, 2.0), 3: "E", 4: (10.0, 2.0, 3.0)}
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=95, exif=exif, comment=f"secret-{rng.randint(0, 9999)}".encode(),
             xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>secret-xmp</x:xmpmeta>")
    return buffer.getvalue()


def test_random_photos_lose_every_kind_of_metadata_and_stay_upright(rng):
    for _ in range(6):
        orientation = rng.randint(1, 8)
        data = _with_metadata(rng, orientation)
        out = strip_metadata(data)
        assert out[:3] == b"\xff\xd8\xff", "return JPEG bytes"
        result = Image.open(io.BytesIO(out))
        expect(dict(result.getexif()), {}, what=f"EXIF left (Orientation {orientation})")
        assert b"secret" not in out, f"a comment or XMP packet survived (Orientation {orientation})"
        want = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
        expect(result.size, want.size, what=f"the size after Orientation {orientation}")
        diff = ImageChops.difference(result.convert("RGB"), want).convert("L")
        mean = sum(i * n for i, n in enumerate(diff.histogram())) / (want.size[0] * want.size[1])
        assert mean < 12, f"Orientation {orientation}: the picture is not turned the way the tag says"

# %% [markdown]
# ## What a receipt and a face give away
#
# Metadata is only half of it. The pixels themselves can be personal data. Look at what the
# ground truth of one course receipt holds:

# %% tags=["nbval-check-output"]
receipt = datasets.entry("receipts/greenleaf_market.png")["truth"]
for key in ("store", "address", "date", "time", "payment_method"):
    print(f"{key:>15}: {receipt[key]}")

# %% [markdown]
# A shop, an address, a date and minute, and the last digits of a card: with a few receipts that
# is a person's routine. A face is **biometric data** (a "special category" under the EU's GDPR,
# Article 9), and a photo of a street or a screen shows other people's faces, plates and names.
# Before you send:
#
# - Send only what the task needs: crop to the total line if the total is all you want.
# - Black out what the model does not need (card numbers, faces, addresses).
# - Check the provider's data terms for your account: whether inputs are used for training, and
#   how long they are kept (next section).

# %% [markdown] mmcourse={"exercise": "ex-redact", "role": "instructions", "title": "Black out a region", "points": 2, "difficulty": "easy"}
# ### Exercise 2: black out a region
#
# Write `redact(data, boxes)` that takes image bytes and a list of boxes `(left, top, right,
# bottom)` in pixels (right and bottom excluded, as in Pillow) and returns **PNG** bytes of the
# same image with every box filled black (`(0, 0, 0)`) and every other pixel unchanged. PNG is
# lossless, so "unchanged" means exactly the same.

# %% [markdown] mmcourse={"exercise": "ex-redact", "role": "hint"}
# `img = Image.open(io.BytesIO(data)).convert("RGB")`, then `img.paste((0, 0, 0), box)` fills a box.

# %% mmcourse={"exercise": "ex-redact", "role": "solution"}
def redact(data, boxes):
    ### BEGIN SOLUTION
    img = Image.open(io.BytesIO(data)).convert("RGB")
    for box in boxes:
        img.paste((0, 0, 0), tuple(box))
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    return buffer.getvalue()
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-redact: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-redact", "role": "visible-tests"}
import io

from PIL import Image

from mmcourse import datasets


def test_the_card_line_is_black_and_the_rest_untouched():
    data = datasets.path("receipts/greenleaf_market.png").read_bytes()
    box = (20, 500, 300, 540)
    out = Image.open(io.BytesIO(redact(data, [box]))).convert("RGB")
    before = Image.open(io.BytesIO(data)).convert("RGB")
    expect(out.size, before.size, what="the image size")
    expect(out.getpixel((25, 505)), (0, 0, 0), what="a pixel inside the box")
    expect(out.getpixel((5, 5)), before.getpixel((5, 5)), what="a pixel outside the box")

# %% mmcourse={"exercise": "ex-redact", "role": "hidden-tests"}
import io

from PIL import Image


def test_random_boxes_on_random_images(rng):
    for _ in range(4):
        w, h = rng.randint(20, 200), rng.randint(20, 200)
        img = Image.new("RGB", (w, h))
        img.putdata([(rng.randrange(1, 256), rng.randrange(256), rng.randrange(256)) for _ in range(w * h)])
        buffer = io.BytesIO()
        img.save(buffer, "PNG")
        boxes = []
        for _ in range(rng.randint(1, 3)):
            left, top = rng.randrange(w - 1), rng.randrange(h - 1)
            boxes.append((left, top, rng.randint(left + 1, w), rng.randint(top + 1, h)))
        out = Image.open(io.BytesIO(redact(buffer.getvalue(), boxes))).convert("RGB")
        inside = {(x, y) for (l, t, r, b) in boxes for x in range(l, r) for y in range(t, b)}
        got, was = list(out.getdata()), list(img.getdata())
        wrong = [(x, y) for y in range(h) for x in range(w)
                 if got[y * w + x] != ((0, 0, 0) if (x, y) in inside else was[y * w + x])]
        expect(len(wrong), 0, what=f"pixels wrong for boxes {boxes} on {w}x{h}")

# %% [markdown]
# ## Clean up what you uploaded
#
# Lesson 10 deleted its uploads at the end; many scripts never do. Uploaded files stay on the provider's side:
#
# | Provider | Kept | Delete |
# |---|---|---|
# | OpenAI | until you delete it (or its `expires_after`) | `DELETE /v1/files/{file_id}` → `{"id", "object": "file", "deleted": true}` |
# | Anthropic | until you delete it | `DELETE /v1/files/{file_id}` with `anthropic-beta: files-api-2025-04-14` |
# | Gemini | 48 hours, then removed | `DELETE /v1beta/files/{id}` → `{}`; a missing file then answers 403 `PERMISSION_DENIED` |
#
# (Provider file API references, 2026.) Message contents have their own retention rules, which
# depend on your account and agreement (for example zero data retention for some business
# accounts): read them before sending anything personal.
#
# Upload one file to OpenAI, list the files, delete it, list again:

# %%
import requests

OPENAI = conf["openai"]
auth = {"Authorization": f"Bearer {OPENAI.api_key}"}
pdf = datasets.path("documents/invoice.pdf").read_bytes()
up = requests.post(f"{OPENAI.base_url}/files", headers=auth, data={"purpose": "user_data"},
                   files={"file": ("invoice.pdf", pdf, "application/pdf")}, timeout=60)
up.raise_for_status()
file_id = up.json()["id"]
listed = requests.get(f"{OPENAI.base_url}/files", headers=auth, timeout=60).json()["data"]
print("uploaded:", file_id in {f["id"] for f in listed})

# %%
gone = requests.delete(f"{OPENAI.base_url}/files/{file_id}", headers=auth, timeout=60)
print(gone.status_code, gone.json()["deleted"])
listed = requests.get(f"{OPENAI.base_url}/files", headers=auth, timeout=60).json()["data"]
print("still listed:", file_id in {f["id"] for f in listed})

# %% [markdown] mmcourse={"exercise": "ex-delete-uploads", "role": "instructions", "title": "Delete every upload", "points": 3, "difficulty": "medium"}
# ### Exercise 3: delete every upload
#
# Write `delete_uploads(provider, cfg, file_ids)` for `"openai"`, `"anthropic"` and `"gemini"`:
# send one `DELETE` per file to that provider's file API (`cfg.base_url` and `cfg.api_key` are a
# provider's settings, like `conf["openai"]`), with that provider's auth headers, and return the
# list of ids that are gone. A file that is already gone (404) counts as gone; any other error
# raises `requests.HTTPError`. Gemini ids look like `files/abc-123` and live under `/v1beta/`;
# OpenAI's `base_url` already ends in `/v1`, Anthropic's does not.

# %% [markdown] mmcourse={"exercise": "ex-delete-uploads", "role": "hint"}
# Headers: OpenAI `{"Authorization": f"Bearer {key}"}`; Anthropic `{"x-api-key": key,
# "anthropic-version": "2023-06-01", "anthropic-beta": "files-api-2025-04-14"}`; Gemini
# `{"x-goog-api-key": key}`. URLs: `{base}/files/{id}`, `{base}/v1/files/{id}`, `{base}/v1beta/{id}`.

# %% mmcourse={"exercise": "ex-delete-uploads", "role": "solution"}
def delete_uploads(provider, cfg, file_ids):
    ### BEGIN SOLUTION
    key, base = cfg.api_key, cfg.base_url.rstrip("/")
    where = {
        "openai": (lambda fid: f"{base}/files/{fid}", {"Authorization": f"Bearer {key}"}),
        "anthropic": (lambda fid: f"{base}/v1/files/{fid}",
                      {"x-api-key": key, "anthropic-version": "2023-06-01",
                       "anthropic-beta": "files-api-2025-04-14"}),
        "gemini": (lambda fid: f"{base}/v1beta/{fid}", {"x-goog-api-key": key}),
    }
    url_of, headers = where[provider]
    gone = []
    for fid in file_ids:
        r = requests.delete(url_of(fid), headers=headers, timeout=60)
        if r.status_code != 404:
            r.raise_for_status()
        gone.append(fid)
    return gone
    ### END SOLUTION
    ### BEGIN STARTER
    # # One (url, headers) per provider, then one DELETE per id; a 404 is already gone.
    # raise NotImplementedError("ex-delete-uploads: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-delete-uploads", "role": "visible-tests"}
import requests

from mmcourse import datasets
from mmcourse.grading import requests_log


def _upload_openai(cfg, name):
    r = requests.post(f"{cfg.base_url}/files", headers={"Authorization": f"Bearer {cfg.api_key}"},
                      data={"purpose": "user_data"}, files={"file": (name, b"%PDF-1.4 tiny", "application/pdf")},
                      timeout=60)
    r.raise_for_status()
    return r.json()["id"]


def test_openai_uploads_are_deleted_on_the_server():
    cfg = offline_config("openai")
    ids = [_upload_openai(cfg, f"doc{n}.pdf") for n in range(2)]
    expect(delete_uploads("openai", cfg, ids), ids, what="the ids reported gone")
    deletes = [r for r in requests_log("openai") if r["path"].startswith("/v1/files/") and r["status"] == 200]
    assert len(deletes) >= 2, "two DELETE requests should have reached the emulator"
    for fid in ids:
        r = requests.get(f"{cfg.base_url}/files/{fid}", headers={"Authorization": f"Bearer {cfg.api_key}"}, timeout=60)
        expect(r.status_code, 404, what=f"GET {fid} after deleting it")


def test_a_file_already_gone_counts_as_gone():
    cfg = offline_config("openai")
    expect(delete_uploads("openai", cfg, ["file-doesnotexist000"]), ["file-doesnotexist000"], what="a 404")

# %% mmcourse={"exercise": "ex-delete-uploads", "role": "hidden-tests"}
import requests

ANTHROPIC_FILES = {"anthropic-version": "2023-06-01", "anthropic-beta": "files-api-2025-04-14"}


def _anthropic_upload(cfg, name):
    r = requests.post(f"{cfg.base_url}/v1/files", headers={"x-api-key": cfg.api_key, **ANTHROPIC_FILES},
                      files={"file": (name, b"%PDF-1.4 hidden", "application/pdf")}, timeout=60)
    r.raise_for_status()
    return r.json()["id"]


def _gemini_upload(cfg, data):
    """Gemini's resumable upload (lesson 09): start, then one chunk that finalizes."""
    start = requests.post(f"{cfg.base_url}/upload/v1beta/files", json={"file": {"display_name": "note.pdf"}},
                          headers={"x-goog-api-key": cfg.api_key, "X-Goog-Upload-Protocol": "resumable",
                                   "X-Goog-Upload-Command": "start",
                                   "X-Goog-Upload-Header-Content-Length": str(len(data)),
                                   "X-Goog-Upload-Header-Content-Type": "application/pdf"}, timeout=60)
    start.raise_for_status()
    done = requests.post(start.headers["x-goog-upload-url"], data=data, timeout=60,
                         headers={"x-goog-api-key": cfg.api_key, "X-Goog-Upload-Offset": "0",
                                  "X-Goog-Upload-Command": "upload, finalize"})
    done.raise_for_status()
    return done.json()["file"]["name"]


def test_anthropic_uploads_are_deleted_on_the_server(rng):
    cfg = offline_config("anthropic")
    ids = [_anthropic_upload(cfg, f"h{rng.randint(0, 999)}.pdf") for _ in range(rng.randint(1, 3))]
    expect(delete_uploads("anthropic", cfg, ids), ids, what="the Anthropic ids reported gone")
    for fid in ids:
        r = requests.get(f"{cfg.base_url}/v1/files/{fid}", headers={"x-api-key": cfg.api_key, **ANTHROPIC_FILES},
                         timeout=60)
        expect(r.status_code, 404, what=f"GET {fid} after deleting it")


def test_gemini_uploads_are_deleted_on_the_server(rng):
    cfg = offline_config("gemini")
    names = [_gemini_upload(cfg, b"%PDF-1.4 " + bytes(rng.randrange(256) for _ in range(64)))
             for _ in range(rng.randint(1, 3))]
    expect(delete_uploads("gemini", cfg, names), names, what="the Gemini names reported gone")
    for name in names:
        r = requests.get(f"{cfg.base_url}/v1beta/{name}", headers={"x-goog-api-key": cfg.api_key}, timeout=60)
        # Gemini answers 403 PERMISSION_DENIED for a file that is not there (or not yours).
        assert r.status_code in (403, 404), f"GET {name} after deleting it: expected 403 or 404, got {r.status_code}"


def test_other_errors_raise():
    import dataclasses

    cfg = offline_config("openai")
    bad = dataclasses.replace(cfg, api_key="demo-invalid-key")
    try:
        delete_uploads("openai", bad, ["file-abc"])
    except requests.HTTPError:
        return
    raise AssertionError("a 401 (wrong key) should raise requests.HTTPError, not count as gone")

# %% [markdown]
# ## When not to send an image at all
#
# A vision model reads almost anything, which makes it tempting for jobs that other tools do
# better, faster or far cheaper. Take **bulk OCR**: 10,000 scanned receipt pages, text out.
# Google's Cloud Vision `DOCUMENT_TEXT_DETECTION` costs **$1.50 per 1,000 pages**, with the first
# 1,000 pages each month free (cloud.google.com/vision/pricing, 2026). A vision call per page
# costs the page's image tokens plus the prompt and the answer, at the course's dated prices:

# %% tags=["nbval-check-output"]
from decimal import Decimal

from mmcourse import pricing, tokens

PAGES, PAGE = 10_000, (1240, 1754)  # an A4 scan at 150 dpi
PROMPT_TOKENS, ANSWER_TOKENS = 40, 400
OCR_PER_1000, OCR_FREE = Decimal("1.50"), 1_000

print(f"prices as of {pricing.PRICES_AS_OF}")
costs = {}
for provider, model in [("gemini", "gemini-2.5-flash"), ("openai", "gpt-5-mini"),
                        ("anthropic", "claude-sonnet-4-6")]:
    per_page = tokens.estimate_image_tokens(provider, model, *PAGE) + PROMPT_TOKENS
    costs[model] = pricing.cost(model, per_page * PAGES, ANSWER_TOKENS * PAGES)
    print(f"{model:<20} {per_page:>5} input tokens a page  {pricing.format_usd(costs[model]):>9}")
ocr = OCR_PER_1000 * (PAGES - OCR_FREE) / 1000
print(f"{'Cloud Vision OCR':<20} {'':>5}                    {pricing.format_usd(ocr):>9}")
print("vision / OCR:", ", ".join(f"{m} {c / ocr:.1f}x" for m, c in costs.items()))

# %% [markdown]
# For plain text, the cheapest vision models cost about what the OCR service costs, and a larger
# model several times more; the OCR service also returns a box for every word, and it does not
# invent text that is not on the page. Use the model where it earns its cost: reading the OCR
# text and answering a question about it, or the messy pages OCR gets wrong.
#
# Other jobs to give to a dedicated tool:
#
# - **Real-time video.** 30 frames a second leaves 33 ms per frame; one API call takes hundreds of
#   milliseconds to seconds. Lesson 09 samples 1 frame a second for that reason. A local detector
#   (OpenCV, a small on-device model) runs at frame rate.
# - **Pixel-precise boxes.** Models give approximate coordinates at best; measuring, counting
#   defects or cropping to a part needs a detector or segmentation model.
# - **Medical, legal and safety decisions.** A model's reading of an X-ray or a contract can be
#   fluent and wrong; it may support a qualified person, never replace one.
# - **Exact arithmetic and lookups.** Add up the receipt with Python, not with the model.

# %% [markdown] mmcourse={"exercise": "ex-ocr-or-vision", "role": "instructions", "title": "OCR service or vision call?", "points": 4, "difficulty": "hard"}
# ### Exercise 4: OCR service or vision call?
#
# Write `cheaper_route(pages, provider, model, page_size, prompt_tokens, answer_tokens,
# ocr_per_1000, ocr_free=1000)` that prices a month's job both ways and returns a dict:
#
# - `"vision_usd"`: `pricing.cost(model, input, output)` where each page sends
#   `tokens.estimate_image_tokens(provider, model, width, height)` + `prompt_tokens` and gets
#   `answer_tokens` back;
# - `"ocr_usd"`: `ocr_per_1000` (a `Decimal`) per 1,000 pages **beyond** the `ocr_free` free
#   pages, priced per page (so 1,500 pages with 1,000 free cost `0.5 * ocr_per_1000`), never below 0;
# - `"route"`: `"ocr"` or `"vision"`, whichever is cheaper (`"ocr"` on a tie).
#
# Both amounts are `Decimal`s, exact, not rounded.

# %% [markdown] mmcourse={"exercise": "ex-ocr-or-vision", "role": "hint"}
# `max(0, pages - ocr_free)` pages are billed; multiply by `ocr_per_1000` and divide by 1000
# (with `Decimal`, the result stays exact).

# %% mmcourse={"exercise": "ex-ocr-or-vision", "role": "solution"}
def cheaper_route(pages, provider, model, page_size, prompt_tokens, answer_tokens,
                  ocr_per_1000, ocr_free=1000):
    ### BEGIN SOLUTION
    per_page = tokens.estimate_image_tokens(provider, model, *page_size) + prompt_tokens
    vision = pricing.cost(model, per_page * pages, answer_tokens * pages)
    ocr = Decimal(ocr_per_1000) * max(0, pages - ocr_free) / 1000
    return {"vision_usd": vision, "ocr_usd": ocr, "route": "ocr" if ocr <= vision else "vision"}
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-ocr-or-vision: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-ocr-or-vision", "role": "visible-tests"}
from decimal import Decimal


def test_ten_thousand_pages_go_to_ocr():
    plan = cheaper_route(10_000, "gemini", "gemini-2.5-flash", (1240, 1754), 40, 400, Decimal("1.50"))
    expect(plan["ocr_usd"], Decimal("13.5"), what="OCR for 10,000 pages, 1,000 free")
    expect(plan["route"], "ocr")


def test_the_free_pages_are_free():
    plan = cheaper_route(800, "openai", "gpt-5-mini", (1000, 1000), 30, 100, Decimal("1.50"))
    expect(plan["ocr_usd"], Decimal(0), what="800 pages within the free 1,000")
    expect(plan["route"], "ocr", what="the route on a tie at zero or below")

# %% mmcourse={"exercise": "ex-ocr-or-vision", "role": "hidden-tests"}
from decimal import Decimal

from mmcourse import pricing as _pricing
from mmcourse import tokens as _tokens


def test_random_jobs(rng):
    choices = [("gemini", "gemini-2.5-flash"), ("openai", "gpt-5-mini"), ("openai", "gpt-4o"),
               ("anthropic", "claude-sonnet-4-6"), ("anthropic", "claude-haiku-4-5")]
    for _ in range(6):
        provider, model = rng.choice(choices)
        pages = rng.randint(0, 50_000)
        size = (rng.randint(200, 2500), rng.randint(200, 3500))
        prompt, answer = rng.randint(0, 200), rng.randint(1, 800)
        price = Decimal(rng.randint(50, 400)) / 100
        free = rng.choice([0, 500, 1000])
        plan = cheaper_route(pages, provider, model, size, prompt, answer, price, free)
        per_page = _tokens.estimate_image_tokens(provider, model, *size) + prompt
        vision = _pricing.cost(model, per_page * pages, answer * pages)
        ocr = price * max(0, pages - free) / 1000
        expect(plan["vision_usd"], vision, what=f"vision cost, {pages} pages on {model}")
        expect(plan["ocr_usd"], ocr, what=f"OCR cost, {pages} pages, {free} free")
        expect(plan["route"], "ocr" if ocr <= vision else "vision", what="the cheaper route")

# %% [markdown]
# ## What you learned
#
# - A photo carries its camera, time and GPS in EXIF, and base64 keeps all of it; re-saving keeps
#   comments and XMP. Copy the pixels into a new image, upright, and send that.
# - Receipts and faces are personal data in the pixels: crop, black out, send only what the task needs.
# - Uploaded files stay until you delete them (OpenAI, Anthropic) or for 48 hours (Gemini).
# - For bulk OCR, real-time video, pixel-precise boxes and decisions about people, a dedicated tool
#   (or a person) does the job better; the model reads what that tool produced.
