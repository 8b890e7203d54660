"""Turn builder artifacts into manifest entries: probe each written file for its facts.

Bytes, SHA-256, dimensions, durations, page counts and image fingerprints are read back from
the file on disk (never trusted from the builder), so the manifest describes what was written.
"""

from __future__ import annotations

import hashlib
import io
import json
import wave
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from PIL import Image

from ..media.fingerprint import image_hash
from .artifacts import Artifact

SCHEMA_VERSION = 1
GENERATED_BY = "mmcourse data build"
MANIFEST_NAME = "manifest.json"
# Hand-written files that live in data/ beside the generated ones.
DOCS = {"README.md", "ATTRIBUTION.md", MANIFEST_NAME}

# Entry keys in the order they are written (readable diffs of manifest.json).
KEY_ORDER = ("path", "kind", "mime", "bytes", "sha256", "width", "height", "duration_s",
             "pages", "image_hash", "frames", "license", "source", "truth")


def _probe_image(data: bytes) -> dict[str, Any]:
    with Image.open(io.BytesIO(data)) as img:
        return {"width": img.width, "height": img.height, "image_hash": image_hash(img)}


def _probe_wav(data: bytes) -> dict[str, Any]:
    with wave.open(io.BytesIO(data)) as wav:
        return {"duration_s": round(wav.getnframes() / wav.getframerate(), 3)}


def _probe_av(data: bytes) -> dict[str, Any]:
    import av

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams[0]
        facts: dict[str, Any] = {"duration_s": round(float(stream.duration * stream.time_base), 3)}
        if stream.type == "video":
            facts["width"] = stream.codec_context.width
            facts["height"] = stream.codec_context.height
        return facts


def _probe_pdf(data: bytes) -> dict[str, Any]:
    import pypdf

    return {"pages": len(pypdf.PdfReader(io.BytesIO(data)).pages)}


PROBES: dict[str, Callable[[bytes], dict[str, Any]]] = {
    "image/jpeg": _probe_image,
    "image/png": _probe_image,
    "audio/wav": _probe_wav,
    "audio/flac": _probe_av,
    "video/mp4": _probe_av,
    "application/pdf": _probe_pdf,
}


def entry_for(out_dir: Path, artifact: Artifact) -> dict[str, Any]:
    """The manifest entry of one written artifact."""
    data = (out_dir / artifact.path).read_bytes()
    if artifact.mime not in PROBES:
        raise ValueError(f"{artifact.path}: no probe for {artifact.mime}; add one to PROBES")
    facts: dict[str, Any] = {
        "path": artifact.path,
        "kind": artifact.kind,
        "mime": artifact.mime,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        **PROBES[artifact.mime](data),
        **artifact.extra,
        "license": artifact.license,
        "source": artifact.source,
        # A JSON round trip detaches the truth from the builders' module-level tables.
        "truth": json.loads(json.dumps(artifact.truth)),
    }
    return {key: facts[key] for key in KEY_ORDER if key in facts}


# The libraries whose encoders decide the bytes of the files: byte-for-byte reproduction holds
# with these versions; other versions give the same pictures, sounds and ground truth.
BUILD_PACKAGES = ("numpy", "pillow", "matplotlib", "av", "scikit-image", "espeakng-loader")


def built_with() -> dict[str, str | None]:
    """The installed version of each package in BUILD_PACKAGES (None when missing)."""
    from importlib.metadata import PackageNotFoundError, version

    versions: dict[str, str | None] = {}
    for name in BUILD_PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


def make_manifest(entries: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The manifest document, entries sorted by path."""
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_by": GENERATED_BY,
        "built_with": built_with(),
        "files": sorted(entries, key=lambda e: e["path"]),
    }


def manifest_json(manifest: dict[str, Any]) -> str:
    """Serialise deterministically (stable key order, UTF-8, trailing newline)."""
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """The manifest already in out_dir, or None."""
    path = out_dir / MANIFEST_NAME
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> Path:
    path = out_dir / MANIFEST_NAME
    path.write_text(manifest_json(manifest), encoding="utf-8")
    return path


def unlisted_files(out_dir: Path, manifest: dict[str, Any]) -> list[str]:
    """Files under out_dir that the manifest does not list (stale outputs), docs excepted."""
    listed = {e["path"] for e in manifest["files"]}
    found = {p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file()}
    return sorted(found - listed - DOCS)
