"""Deliberately wrong files for the error-handling lessons.

`errors/screenshot.jpg` is a PNG with a .jpg name: code that trusts the extension declares
image/jpeg, and an API that checks the bytes (Anthropic does) rejects the request.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from .artifacts import Artifact, font, generated_source, png_bytes, write_bytes

PATH = "errors/screenshot.jpg"
LESSON = (
    "The file is named .jpg but its bytes are PNG (they start with \\x89PNG). Code that picks "
    "the MIME type from the extension declares image/jpeg; Anthropic rejects a declared media "
    "type that does not match the bytes with 400 invalid_request_error (Anthropic API errors "
    "observed 2025-2026). Sniff the magic bytes and declare image/png."
)


def screenshot_image() -> Image.Image:
    """A small app-window screenshot: title bar, message and a button."""
    img = Image.new("RGB", (480, 300), (236, 239, 243))
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 0, 479, 40], fill=(45, 55, 72))
    draw.text((16, 20), "Export - Report Builder", font=font(18), fill=(255, 255, 255), anchor="lm")
    draw.ellipse([28, 80, 88, 140], fill=(46, 139, 87))
    draw.line([(42, 110), (55, 124), (76, 96)], fill=(255, 255, 255), width=6)
    draw.text((110, 92), "Export complete", font=font(24, "DejaVuSans-Bold.ttf"), fill=(30, 30, 30))
    draw.text((110, 128), "report_2025.pdf saved (3 pages)", font=font(16), fill=(70, 70, 70))
    draw.rounded_rectangle([330, 220, 450, 264], radius=8, fill=(31, 95, 153))
    draw.text((390, 242), "OK", font=font(18, "DejaVuSans-Bold.ttf"), fill=(255, 255, 255), anchor="mm")
    return img


def build(out_dir: Path) -> list[Artifact]:
    """Write the PNG-named-.jpg example."""
    write_bytes(out_dir, PATH, png_bytes(screenshot_image()))
    truth = {"true_mime": "image/png", "claimed_extension": ".jpg", "lesson": LESSON}
    return [Artifact(PATH, "error-example", "image/png", truth, source=generated_source("errors"))]
