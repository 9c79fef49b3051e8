"""One shared spaCy pipeline: ``spacy.blank("de")`` plus the sentencizer, built lazily once.

No lemmas are used anywhere: the German lookup lemmatizer maps "Ihren" to "mein" and "Sie" to
"ich", so formal address is read from surface forms and position.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    import spacy

    nlp = spacy.blank("de")
    nlp.add_pipe("sentencizer")
    return nlp
