"""mmcourse.media.measure's one image cache, shared by the router (facts only) and the emulator's
recognition (facts and a thumbnail derived from the same decode)."""

from __future__ import annotations

from mmcourse.media import measure
from tests.conftest import make_image


def test_an_image_is_decoded_once_for_callers_that_need_only_its_facts(monkeypatch):
    data = make_image(seed=11)
    decodes = []
    real = measure.measure_image
    monkeypatch.setattr(measure, "measure_image", lambda *a: decodes.append(1) or real(*a))
    first, _ = measure.image(data, "image/jpeg")
    again, _ = measure.image(data, "image/jpeg")
    assert again is first and len(decodes) == 1


def test_a_caller_that_derives_from_the_picture_gets_its_derivation_after_a_facts_only_call():
    data = make_image(seed=12)
    facts, nothing = measure.image(data, "image/jpeg")
    sizes, size = measure.image(data, "image/jpeg", derive=lambda img, f: img.size)
    assert nothing is None and size is not None
    assert (sizes.width, sizes.height) == (facts.width, facts.height)


def test_a_facts_only_call_reuses_an_entry_made_with_a_derivation(monkeypatch):
    data = make_image(seed=13)
    measure.image(data, "image/jpeg", derive=lambda img, f: "thumb")
    monkeypatch.setattr(measure, "measure_image", lambda *a: (_ for _ in ()).throw(AssertionError("decoded again")))
    facts, _ = measure.image(data, "image/jpeg")
    assert facts.width == 320


def test_the_router_measures_an_image_through_the_shared_cache(monkeypatch):
    from mmcourse.routing import load_media

    data = make_image(width=400, height=300, seed=14)
    decodes = []
    real = measure.measure_image
    monkeypatch.setattr(measure, "measure_image", lambda *a: decodes.append(1) or real(*a))
    first, again = load_media(data), load_media(data)
    assert (first.width, first.height) == (again.width, again.height) == (400, 300)
    assert len(decodes) == 1
    facts, _ = measure.image(data, "image/jpeg")  # the emulator's call finds it measured
    assert (facts.width, facts.height) == (400, 300) and len(decodes) == 1


def test_the_router_sizes_a_picture_that_does_not_decode_from_its_header():
    from mmcourse.routing import load_media

    data = make_image(width=200, height=100, seed=15)
    cut = data[: len(data) // 2]  # the header survives, the pixels do not
    assert measure.image(cut, "image/jpeg")[0].problem.startswith("the bytes do not decode")
    item = load_media(cut)
    assert (item.width, item.height) == (200, 100)
