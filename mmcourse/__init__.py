"""mmcourse: call multimodal LLM APIs over raw HTTP, offline by default.

What a notebook may call:

- ``setup()``: first cell of every lesson; starts the offline emulator when a provider has no key.
- ``ask(provider, prompt, *files, model=None, stream=False, **options)``: the unified call.
- ``build_request(...)``: the request ``ask`` would send, for looking at the wire format.
- ``encode_file``, ``sniff_mime``, ``data_url``, ``resize_image``: bytes, base64 and MIME types.
- ``registry``: the model ids.
- ``tokens``, ``pricing``, ``routing``, ``batch``: token estimates, prices, routing with fallback.
- ``files``: uploads through each provider's file API; ``display``: thumbnails and safe JSON.
- ``datasets``: the course data and its ground truth; ``emulator``: the offline server.
- ``widgets``: PayloadInspector, ResponseViewer, Compare.
- ``check(exercise_id)``, ``hint(exercise_id)``: the exercise checks.
"""

from __future__ import annotations

from . import registry
from .client import CapabilityError, Client, ask
from .client import build as build_request
from .encoding import EncodingError, data_url, encode_file, resize_image, sniff_mime
from .providers import Answer, APIError, LiveCallError
from .session import setup

__version__ = "0.1.0"


def __getattr__(name: str):
    # Heavier parts load on first use so `import mmcourse` stays quick.
    if name in ("check", "hint"):
        from . import grading

        return getattr(grading, name)
    if name in ("tokens", "pricing", "routing", "batch", "datasets", "emulator", "widgets", "files", "display"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'mmcourse' has no attribute {name!r}")


__all__ = [
    "APIError", "Answer", "CapabilityError", "Client", "EncodingError", "LiveCallError",
    "ask", "build_request", "data_url", "encode_file", "registry", "resize_image", "setup",
    "sniff_mime",
]
