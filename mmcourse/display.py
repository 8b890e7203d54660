"""Small, safe displays for notebooks: thumbnails, requests and JSON with base64 cut short.

Everything here keeps committed notebooks small and free of secrets: images are shown as
thumbnails (a few KB), request bodies with base64 truncated and keys redacted.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from .providers.base import HttpRequest, redact_headers, redact_url, truncate_base64


def thumbnail_bytes(source: str | Path | bytes, max_edge: int = 240, quality: int = 70) -> bytes:
    """A small JPEG of an image (path or bytes), at most ``max_edge`` pixels on its long side."""
    from PIL import Image

    data = Path(source).read_bytes() if isinstance(source, (str, Path)) else bytes(source)
    with Image.open(io.BytesIO(data)) as img:
        img = img.convert("RGB")
        img.thumbnail((max_edge, max_edge))
        buffer = io.BytesIO()
        img.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def show_image(source: str | Path | bytes, max_edge: int = 240) -> None:
    """Display a thumbnail of an image inline (or say its size outside a notebook)."""
    thumb = thumbnail_bytes(source, max_edge)
    try:
        from IPython import get_ipython
        from IPython.display import Image, display

        if get_ipython() is not None:
            display(Image(data=thumb, format="jpeg"))
            return
    except ImportError:
        pass
    print(f"[thumbnail: {len(thumb):,} bytes]")


def show_images(sources: list[str | Path | bytes], max_edge: int = 160, labels: list[str] | None = None) -> None:
    """Display several thumbnails side by side with matplotlib (one small figure)."""
    import matplotlib.pyplot as plt
    from PIL import Image

    fig, axes = plt.subplots(1, len(sources), figsize=(2.2 * len(sources), 2.2), squeeze=False)
    for i, (ax, source) in enumerate(zip(axes[0], sources, strict=True)):
        ax.imshow(Image.open(io.BytesIO(thumbnail_bytes(source, max_edge))))
        ax.set_axis_off()
        if labels:
            ax.set_title(labels[i], fontsize=9)
    fig.tight_layout()
    plt.show()


def safe_json(body: Any, keep: int = 24) -> str:
    """Pretty JSON with every long string (base64, data URLs) shortened."""
    return json.dumps(truncate_base64(body, keep), indent=2, ensure_ascii=False)


def show_json(body: Any, keep: int = 24) -> None:
    """Print JSON with base64 truncated: what a response or payload looks like, readably."""
    print(safe_json(body, keep))


def show_request(request: HttpRequest | None = None, *, method: str = "POST", url: str = "",
                 headers: dict[str, str] | None = None, body: Any = None) -> None:
    """Print a request as it goes on the wire: method, URL and headers (keys redacted), JSON body."""
    if request is not None:
        method, url, headers, body = request.method, request.url, request.headers, request.json
    print(f"{method} {redact_url(url)}")
    for name, value in redact_headers(headers or {}).items():
        print(f"{name}: {value}")
    print()
    show_json(body)


def as_curl(request: HttpRequest) -> str:
    """The request as a curl command, key replaced by the environment variable that holds it."""
    from . import providers

    module = providers.get(request.provider)
    variable = f"${module.KEY_ENV_VARS[0]}"
    parts = [f"curl -sS -X {request.method} '{redact_url(request.url)}'"]
    for name, value in request.headers.items():
        if name.lower() in ("authorization", "x-api-key", "x-goog-api-key"):
            value = f"Bearer {variable}" if name.lower() == "authorization" else variable
            parts.append(f'-H "{name}: {value}"')
        else:
            parts.append(f"-H '{name}: {value}'")
    if request.json is not None:
        parts.append(f"-d '{json.dumps(truncate_base64(request.json))}'")
    return " \\\n  ".join(parts)
