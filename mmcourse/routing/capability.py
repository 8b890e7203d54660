"""Whether a provider and model can read a kind of media, natively or another way."""

from __future__ import annotations

from collections.abc import Sequence

from .. import client as clientmod
from .. import providers, registry
from ..encoding import (
    MIME_ALIASES,
)
from .inputs import MediaItem
from .tasks import AUDIO, FRAMES, IMAGE, NATIVE, TEXT, TRANSCRIBE, VIDEO


# ------------------------------------------------------------------------------ capability
def _canonical(mime: str) -> str:
    return MIME_ALIASES.get(mime, mime)


def provider_takes(provider: str, mime: str) -> bool:
    """Whether the provider's wire format carries this MIME type (its module's WIRE_FACTS)."""
    kind = clientmod.modality(mime)
    facts = providers.get(provider).WIRE_FACTS
    # A text file is sent as a document part, so the provider's document list decides.
    allowed = facts.document_mimes if kind == TEXT else facts.mimes(kind)
    return _canonical(mime) in {_canonical(m) for m in allowed}


def strategy_for(provider: str, model: str, media: Sequence[MediaItem]) -> tuple[str | None, str]:
    """How ``model`` can take ``media``: (strategy, "") or (None, the reason it cannot)."""
    entry = registry.get_model(model)
    needs: set[str] = set()
    for item in media:
        kind = item.modality
        if kind in entry.modalities and provider_takes(provider, item.mime):
            continue
        if kind == VIDEO and IMAGE in entry.modalities and provider_takes(provider, "image/jpeg"):
            needs.add(FRAMES)
        elif kind == AUDIO:
            needs.add(TRANSCRIBE)
        else:
            return None, f"{model} does not take {item.mime}"
    if len(needs) > 1:
        return None, f"{model} would need both video frames and a transcript: send them separately"
    return (needs.pop() if needs else NATIVE), ""

