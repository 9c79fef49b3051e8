"""Name-shaped words: person names in speaker labels, and the caller's surname in the first turn.

A name is taken only from words shaped like a name (capital, then small letters; or any letters
in single-case ASR text) in a position where people give names."""

from __future__ import annotations

import re
import unicodedata

from toneprobe.roles.words import _wordset, role_from_word


def _single_case(text: str) -> bool:
    """ASR output without capitals (or all in capitals): names cannot be told by their shape."""
    letters = [c for c in text if c.isalpha()]
    return not (any(c.isupper() for c in letters) and any(c.islower() for c in letters))


_GENERIC_LABEL = re.compile(
    r"^(?:spk|speaker|sprecher(?:in)?|person|teilnehmer(?:in)?|participant|user|ch|channel|kanal"
    r"|unknown|unbekannt)[ _-]*\d*$|^\d+$|^[0-9a-f-]{8,}$",
    re.IGNORECASE,
)


# Name words are checked in code rather than by one regex: ``re`` has no ``\p{Lu}``, and
# ``[^\W\d_]`` (any letter) plus str.isupper()/islower() covers Çelik, Łukasz, Ødegaard, Núñez,
# Avcı and Şahin as well as Krüger.
_LETTERS = re.compile(r"[^\W\d_]+")
_LABEL_TITLES = frozenset({"Herr", "Frau", "Hr.", "Fr.", "Dr.", "Prof.", "HERR", "FRAU"})
_LABEL_PARTICLES = _wordset(
    "von van vom zu de da di del della dos du ter ten le la al el bin ibn der den"
)


def _is_name_part(part: str) -> bool:
    """``Krüger``, ``Çelik``, ``McLean``, ``DeLuca``: a capital, then small letters."""
    if len(part) < 2 or not _LETTERS.fullmatch(part) or not part[0].isupper():
        return False
    rest = part[1:]
    if rest.islower():
        return True
    # one inner capital after a short prefix (McLean, DeLuca, MacDonald)
    caps = [k for k, c in enumerate(rest) if c.isupper()]
    return (
        len(caps) == 1
        and 1 <= caps[0] <= 3
        and rest[: caps[0]].islower()
        and rest[caps[0] + 1 :].islower()
    )


def is_name_word(word: str) -> bool:
    """One word of a person's name as written with capitals: ``Krüger``, ``Schmidt-Lau``,
    ``O'Connor``, ``Łukasz``, an initial ``J.``; not ``GmbH``, ``AG``, ``krüger`` or ``4711``."""
    if len(word) == 2 and word[1] == "." and word[0].isupper():
        return True
    m = re.fullmatch(r"(?:([^\W\d_])['’])?(.+)", word)
    if not m or (m.group(1) and not m.group(1).isupper()):
        return False
    return all(_is_name_part(p) for p in m.group(2).split("-"))


def _is_caps_word(word: str) -> bool:
    parts = re.split(r"['’-]", word)
    return len(word) >= 2 and all(_LETTERS.fullmatch(p) and p.isupper() for p in parts)


def _is_label_name(label: str) -> bool:
    words = label.split()
    while words and words[0] in _LABEL_TITLES:
        words = words[1:]
    if not words or len(words) > 6:
        return False
    names = 0
    for i, word in enumerate(words):
        if 0 < i < len(words) - 1 and word in _LABEL_PARTICLES:
            continue
        initial = i > 0 and len(word) == 1 and word.isupper()  # "Jana K"
        if not (is_name_word(word) or _is_caps_word(word) or initial):
            return False
        names += 1
    return names <= 4


_NOT_FIRST_NAME = _wordset(
    "Das Der Die Den Dem Des Ein Eine Einen Ich Wir Sie Er Es Ihr Ja Nein Hallo Guten Also Aber "
    "Und Oder Wenn Dann Bitte Danke Mein Meine Ihre Unser Unsere Heute Morgen Gestern Hier Dort "
    "Nur Noch Schon Auch Nicht Kein Keine Was Wie Wo Warum Wann Okay Gut Genau Moment Tja Na"
)


def is_person_name(label: str | None) -> bool:
    """True for ``Jana Krüger``, ``Herr Becker``, ``Łukasz Nowak``; False for ``spk_0``,
    ``Speaker 1``, ``Agent``."""
    if not label or len(label) > 60 or _GENERIC_LABEL.match(label.strip()):
        return False
    label = unicodedata.normalize("NFC", label.strip())
    if label.split()[0].capitalize() in _NOT_FIRST_NAME:
        return False
    if role_from_word(label) is not None:
        return False
    return _is_label_name(label)


_SURNAME = re.compile(
    r"^\W*(?P<greeting>(?:(?:ja|hallo|schönen|guten (?:tag|morgen|abend)|grüß gott|moin|auch)"
    r"[,.!]?\s+)*)"
    r"(?P<name>\w+(?:-\w+)?)"
    r"(?:\s+hier\b|\s+mein name\b|\s*,?\s+(?:guten|hallo|grüß|moin)\b|\s*[.!]\s+\w"
    r"|(?P<speech>,\s+(?:ich|wir)\b))",
    re.IGNORECASE,
)
_NOT_SURNAME = _wordset(
    "ja nein hallo guten tag morgen abend auch ich wir sie es das der die hier so also okay ok "
    "gut danke bitte moin servus genau na äh ähm hm tja richtig schön moment entschuldigung "
    "sorry achso oh ach mist endlich schnell kurze kurz frage mensch unglaublich wahnsinn hilfe "
    "toll klasse super prima frechheit katastrophe typisch"
)
#: English words that start or fill a caller's sentence and are never taken for a name
#: ("Finally! I've been on hold forever.", "this is taking forever")
ENGLISH_SPEECH = _wordset(
    "i i'm i've i'll i'd me my mine you you're your yours we we're our us it it's its this that "
    "these those there here is are was were be been being am do does did done have has had "
    "having will would can could should shall may might must not no yes yeah yep nope ok okay "
    "hi hello hey bye goodbye thanks thank please sorry well oh ah um uh hmm so and or but if "
    "then than because just really very too also still again already finally actually honestly "
    "seriously literally basically obviously unfortunately hopefully apparently anyway listen "
    "look wait right sure great fine good awful terrible ridiculous unbelievable "
    "unacceptable crazy insane forever ever never always now today tomorrow yesterday soon "
    "late later what who why when where how which taking getting going trying calling "
    "waiting looking holding doing making working ringing hanging talking speaking coming "
    "all any some nothing something everything anything someone nobody everybody hold line phone call"
)


def caller_surname(first_turn: str, agent_texts: list[str]) -> str | None:
    """``Fuchs, guten Tag.`` / ``hallo meier hier`` -> the caller's surname, with ``Frau``/``Herr``
    when the agent addresses the caller so (``Das tut mir leid, Frau Fuchs``)."""
    m = _SURNAME.match(first_turn)
    if not m or m.group("name").casefold() in _NOT_SURNAME | ENGLISH_SPEECH:
        return None
    surname = m.group("name")
    if not all(part.isalpha() for part in surname.split("-")):
        return None
    if not _single_case(first_turn) and not is_name_word(surname):
        return None  # mixed case: a surname is written with a capital
    if m.group("speech") and not m.group("greeting"):
        return None  # "Fuchs, ich ..." counts only after "Hallo, "
    surname = surname[:1].upper() + surname[1:]
    address = re.compile(rf"\b(Herr|Frau)\s+{re.escape(surname)}\b", re.IGNORECASE)
    for text in agent_texts:
        hit = address.search(text)
        if hit:
            return f"{hit.group(1).capitalize()} {surname}"
    return surname
