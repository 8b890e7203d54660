"""Whether a provider and model can read a kind of media, natively or another way."""

from __future__ import annotations

from collections.abc import Sequence

from .. import client as clientmod
from .. import registry
from ..encoding import (
    MIME_ALIASES,
)
from ..providers.base import WireFacts
from ..resolved import ProviderLike, module_of
from .inputs import MediaItem
from .tasks import AUDIO, FRAMES, IMAGE, NATIVE, TEXT, TRANSCRIBE, VIDEO


# ------------------------------------------------------------------------------ capability
def _canonical(mime: str) -> str:
    return MIME_ALIASES.get(mime, mime)


def provider_takes(provider: ProviderLike, mime: str) -> bool:
    """Whether the provider's wire format carries this MIME type (its module's WIRE_FACTS)."""
    return _carries(module_of(provider).WIRE_FACTS, mime)


def _carries(facts: WireFacts, mime: str) -> bool:
    kind = clientmod.modality(mime)
    # A text file is sent as a document part, so the provider's document list decides.
    allowed = facts.document_mimes if kind == TEXT else facts.mimes(kind)
    return _canonical(mime) in {_canonical(m) for m in allowed}


def strategy_for(provider: ProviderLike, model: str, media: Sequence[MediaItem]) -> tuple[str | None, str]:
    """How ``model`` can take ``media``: (strategy, "") or (None, the reason it cannot)."""
    entry = registry.get_model(model)
    facts = module_of(provider).WIRE_FACTS  # looked up once for all the media
    needs: set[str] = set()
    for item in media:
        kind = item.modality
        if kind in entry.modalities and _carries(facts, item.mime):
            continue
        if kind == VIDEO and IMAGE in entry.modalities and _carries(facts, "image/jpeg"):
            needs.add(FRAMES)
        elif kind == AUDIO:
            needs.add(TRANSCRIBE)
        else:
            return None, f"{model} does not take {item.mime}"
    if len(needs) > 1:
        return None, f"{model} would need both video frames and a transcript: send them separately"
    return (needs.pop() if needs else NATIVE), ""

