"""Role words in speaker labels (``Kundin``, ``HUMAN_AGENT``, ``[roles]`` in the config) and
``ended_by`` values from disconnect reasons."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from toneprobe.readers.base import SourceRole


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_AGENT_WORDS = _wordset(
    "agent agentin mitarbeiter mitarbeiterin servicemitarbeiter servicemitarbeiterin berater "
    "beraterin kundenberater kundenberaterin kundenbetreuer kundenbetreuerin sachbearbeiter "
    "sachbearbeiterin bearbeiter bearbeiterin service kundenservice kundendienst support "
    "serviceagent supportagent callcenteragent operator representative rep humanagent "
    "customerservice customersupport servicedesk callcenter hotline servicecenter "
    "anyagent internal supervisor ma admin teammate"
)
_CUSTOMER_WORDS = _wordset(
    "customer kunde kundin anrufer anruferin anrufende anrufender caller enduser external "
    "client klient klientin endkunde endkundin interessent interessentin visitor webvisitor "
    "besucher besucherin requester contact gast guest chatbesucher chatbesucherin"
)
_BOT_WORDS = _wordset(
    "bot ivr acd automatedagent custombot system voicebot chatbot sprachdialog "
    "sprachassistent ansage virtualagent voicemail"
)
_GENDER_SUFFIX = re.compile(r"(?:\(in\)|/-?in|:in|\*in|_in|\(innen\))$")
_NON_ALNUM = re.compile(r"[^0-9a-zäöüß]+")


def _fold(word: str) -> str:
    return unicodedata.normalize("NFC", word).casefold().strip()


def _role_key(word: str) -> str:
    return _NON_ALNUM.sub("", _GENDER_SUFFIX.sub("", _fold(word).strip(" .:")))


#: speaker labels from the user's configuration (``[roles]``), checked before the built-in words
_CONFIGURED: dict[str, SourceRole] = {}


def use_role_words(agent: Iterable[str] = (), customer: Iterable[str] = ()) -> None:
    """Make extra speaker labels mean agent or customer (``[roles]`` in ``toneprobe.toml``).

    Replaces the labels set before; called with nothing, only the built-in words count.
    A label is matched like the built-in ones: case and punctuation do not matter, and
    ``Disponent(in)`` (also ``/in``, ``:in``, ``*in``) stands for both ``Disponent`` and
    ``Disponentin``.
    """
    words: dict[str, SourceRole] = {}
    for role, labels in (("agent", agent), ("customer", customer)):
        for label in labels:
            key = _role_key(label)
            if not key:
                continue
            words[key] = role  # type: ignore[assignment]
            if _GENDER_SUFFIX.search(_fold(label).strip(" .:")):
                words[key + "in"] = role  # type: ignore[assignment]  # "Disponent(in)"
    _CONFIGURED.clear()
    _CONFIGURED.update(words)


def role_from_word(word: str | None) -> SourceRole | None:
    """Map a role word from any source (``Kundin``, ``Mitarbeiter(in)``, ``HUMAN_AGENT``)."""
    if not word:
        return None
    key = _role_key(word)
    if key in _CONFIGURED:
        return _CONFIGURED[key]
    if key in _AGENT_WORDS:
        return "agent"
    if key in _CUSTOMER_WORDS:
        return "customer"
    if key in _BOT_WORDS:
        return "bot"
    return None


_ENDED = {
    "normal": "normal",
    "completed": "normal",
    "normalclearing": "normal",
    "regulär": "normal",
    "regulaer": "normal",
    "beendet": "normal",
    "thirdpartydisconnect": "normal",
    "dropped": "dropped",
    "abgebrochen": "dropped",
    "getrennt": "dropped",
    "unterbrochen": "dropped",
    "telecomproblem": "dropped",
    "error": "dropped",
    "networkerror": "dropped",
    "system": "dropped",
    "verbindungsabbruch": "dropped",
    "agentdisconnect": "agent",
    "customerdisconnect": "customer",
}


def ended_by_from(value: str | None) -> str | None:
    """``ended_by`` from a disconnect reason or role word (``CUSTOMER_DISCONNECT``, ``Kunde``)."""
    if not value:
        return None
    key = _NON_ALNUM.sub("", _fold(value))
    if key in _ENDED:
        return _ENDED[key]
    role = role_from_word(value)
    return role if role in ("agent", "customer") else None
