"""One shared spaCy pipeline: ``spacy.blank("de")`` plus the sentencizer, built lazily once.

No lemmas are used anywhere: the German lookup lemmatizer maps "Ihren" to "mein" and "Sie" to
"ich", so formal address is read from surface forms and position.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language


def _import_spacy() -> None:
    """Import spaCy without thinc pulling in torch (seconds of start-up, unused by a blank
    pipeline). torch still imports normally later, e.g. for a Hugging Face sentiment model."""
    import sys

    if "spacy" in sys.modules or "torch" in sys.modules:
        return
    sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` fail
    try:
        import spacy  # noqa: F401
    finally:
        del sys.modules["torch"]


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    _import_spacy()
    import spacy

    nlp = spacy.blank("de")
    nlp.add_pipe("sentencizer")
    return nlp
