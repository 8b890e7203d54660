"""How long the answer engine takes: prints figures, asserts nothing.

Run: python tests/bench/bench_answers.py
It times compose_answer for a ~1 MB JPEG that is not a course file (decode, measure, hash,
compare), the same image again (cached recognition), a resized course photo when data/ is
present, and a text-only prompt.
"""

from __future__ import annotations

import io
import time

import numpy as np
from PIL import Image

from mmcourse.emulator import recognise
from mmcourse.emulator.answers import MediaItem, compose_answer


def big_jpeg(seed: int) -> bytes:
    """A ~1 MB JPEG: smooth gradients plus noise, 2000x1500."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:1500, 0:2000]
    base = np.stack([x / 8, y / 6, (x + y) / 14], axis=-1) % 256
    noisy = (base + rng.normal(0, 18, base.shape)).clip(0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noisy).save(buf, format="JPEG", quality=85)
    return buf.getvalue()


def timed(label: str, fn, repeat: int = 5) -> None:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    print(f"{label:<55} best {min(times) * 1000:7.1f} ms   median {sorted(times)[len(times) // 2] * 1000:7.1f} ms")


def main() -> None:
    ask = lambda prompt, data: compose_answer(  # noqa: E731 - a local shorthand
        prompt, [MediaItem("image/jpeg", data)], provider="openai", model="bench"
    )
    compose_answer("warm up", [], provider="openai", model="bench")
    images = [big_jpeg(seed) for seed in range(6)]
    print(f"test image: {len(images[0]) / 1e6:.2f} MB JPEG, 2000x1500")
    fresh = iter(images)
    timed("new 1 MB image (not cached)", lambda: ask("Describe this image.", next(fresh)))
    timed("same 1 MB image again (cached recognition)", lambda: ask("Describe this image.", images[0]))
    recognise._RESULTS.clear()
    timed("same image, recognition cache cleared each time",
          lambda: (recognise._RESULTS.clear(), ask("Describe this image.", images[1])))
    timed("text-only prompt", lambda: compose_answer("What is 2+2?", [], provider="openai", model="b"))
    try:
        from mmcourse import datasets

        photo = next(e for e in datasets.entries("photo"))
        img = Image.open(datasets.path(photo["path"])).convert("RGB")
        buf = io.BytesIO()
        img.resize((img.width // 2, img.height // 2)).save(buf, format="JPEG", quality=60)
        small = buf.getvalue()
        timed("resized course photo (cache cleared each time)",
              lambda: (recognise._RESULTS.clear(), ask("Describe this image.", small)))
    except (ImportError, OSError, StopIteration, ValueError, LookupError) as exc:
        print(f"course data not available, skipped the course-photo figure ({type(exc).__name__})")


if __name__ == "__main__":
    main()
