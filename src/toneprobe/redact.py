"""Mask personal data in German call transcripts.

``redact(text)`` finds phone numbers, e-mail addresses, IBANs, card numbers, customer and
contract numbers, street addresses, dates of birth and names, and replaces each with a
placeholder such as ``[TELEFON]``. It is a pure function: it returns the new text and the
list of :class:`Redaction` spans (offsets into the *original* text), so callers can map
other offsets (a finding's highlight) through the change with :func:`map_span`.

Each kind has its own recognizer; candidates from all recognizers are merged by priority,
and a span never overlaps another. Numbers are validated where a checksum exists (IBAN
mod 97, card Luhn); numbers without one (customer numbers, dates of birth) need a context
word such as "Kundennummer" or "geboren" so that prices, times and years stay readable.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from toneprobe.model import Transcript

logger = logging.getLogger(__name__)

#: kind -> placeholder, in priority order (earlier kinds win an overlap).
LABELS: dict[str, str] = {
    "email": "[EMAIL]",
    "iban": "[IBAN]",
    "card": "[KARTE]",
    "number": "[NUMMER]",
    "birthdate": "[GEBURTSDATUM]",
    "address": "[ADRESSE]",
    "phone": "[TELEFON]",
    "name": "[NAME]",
}
KINDS: tuple[str, ...] = tuple(LABELS)


@dataclass(frozen=True, slots=True)
class Redaction:
    """One masked span: ``text[start:end]`` of the original was replaced by ``label``."""

    kind: str
    start: int
    end: int
    text: str
    label: str
    reason: str


@dataclass(frozen=True, slots=True)
class RedactOptions:
    """Which kinds to mask (all by default) and names that must stay readable."""

    kinds: frozenset[str] = field(default_factory=lambda: frozenset(KINDS))
    keep_names: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown redaction kind(s): {', '.join(sorted(unknown))}")


DEFAULT_OPTIONS = RedactOptions()

# --------------------------------------------------------------------------- building blocks


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_DIGIT_WORDS = (
    "null|eins|ein|zwei|zwo|drei|vier|fünf|fuenf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwoelf"
)
_DIGIT_WORD = rf"(?:{_DIGIT_WORDS})"
# At least six spoken digits in a row: "null eins sieben eins, zwei drei vier ..."
_SPOKEN_RUN = rf"(?:(?:plus\s+)?{_DIGIT_WORD}(?:[\s,.-]+(?:{_DIGIT_WORD}|\d)){{5,}})"

_MONTHS = (
    "januar|jänner|jaenner|februar|feber|märz|maerz|april|mai|juni|juli|august|"
    "september|oktober|november|dezember|jan|feb|mär|apr|jun|jul|aug|sep|sept|okt|nov|dez"
)

_EMAIL = re.compile(r"(?<![\w.+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
# Spoken in ASR output: "anna punkt becker at web punkt de"
_EMAIL_SPOKEN = re.compile(
    # bounded repeats: an e-mail address has a few parts, and unbounded ones cost O(n^2)
    r"(?i)(?<![\w.+-])[\w.+-]{0,64}\w(?:\s+(?:punkt|dot|unterstrich|bindestrich|minus)\s+"
    r"[\w-]{1,64}){0,5}\s+(?:at|ät|et)\s+[\w-]{1,64}(?:\s+(?:punkt|dot)\s+[\w-]{1,64}){0,3}"
    r"\s+(?:punkt|dot)\s+"
    r"(?:de|com|net|org|eu|at|ch|info|biz)\b"
)

_IBAN = re.compile(r"(?i)(?<![\w])[a-z]{2}\d{2}(?:[ ]?[a-z0-9]){11,30}(?![\w])")
# Lengths of the IBAN countries callers name most often; others: any valid 15-34.
_IBAN_LENGTHS = {
    "DE": 22, "AT": 20, "CH": 21, "LI": 21, "LU": 20, "NL": 18, "BE": 16, "FR": 27,
    "IT": 27, "ES": 24, "PL": 28, "DK": 18, "GB": 22, "IE": 22, "CZ": 24, "PT": 25,
    "SE": 24, "NO": 15, "FI": 18, "HU": 28, "HR": 21, "SI": 19, "SK": 24, "GR": 27,
}  # fmt: skip

_CARD = re.compile(r"(?<![\w,.])\d(?:[ -]?\d){12,18}(?![\w]|[.,]\d)")

_PHONE = re.compile(
    r"(?<![\w+])"
    r"(?:(?:\+|00)[1-9]\d{0,2}[ ]?(?:\(0\)[ ]?)?|\(0|0(?=[1-9]))"
    r"[\d()/ -]{4,24}\d"
    r"(?![\w]|[.,]\d)"
)
_PHONE_SPOKEN = re.compile(rf"(?i)\b{_SPOKEN_RUN}\b")

_NUMBER_KEYWORD = (
    r"(?:kunden|vertrags|bestell|zähler|zaehler|versicherungs|versicherten|auftrags|"
    r"rechnungs|referenz|vorgangs|ticket|mitglieds|policen|sendungs|konto|kundenkonto)"
    r"[- ]?(?:nummer|nr\.?)(?:n)?"
    r"|kd\.?[ -]?nr\.?|knr\.?"
)
_FILLER = r"(?:ist|lautet|wäre|waere|war|die|meine|also|äh|ähm|ehm|hm|nochmal|genau|ja|hier)"
# An id: upper-case/digit tokens ("VN-2023-44781", "1 ESY 1234 5678"), trimmed afterwards.
_ID_TOKEN = r"(?-i:[A-Z0-9]+(?:[/.-][A-Z0-9]+)*(?:[ ][A-Z0-9]+(?:[/.-][A-Z0-9]+)*)*)"
_NUMBER = re.compile(
    rf"(?i)\b(?:{_NUMBER_KEYWORD})(?:\s*[:#,]?\s*(?:{_FILLER}\b[\s,:]*)*)"
    rf"(?P<id>{_SPOKEN_RUN}|{_ID_TOKEN})"
)
_NUMBER_ASKED = re.compile(rf"(?i)\b(?:{_NUMBER_KEYWORD})")
# An answer to "Ihre Zählernummer?": "1ELB 0073 5521", "0077 8812 30" (4+ digits in all).
_BARE_ID = re.compile(
    r"(?<![\w,.])(?:[A-Z]{0,4}\d[A-Z0-9]*|[A-Z]{1,4})(?:[ /.-][A-Z]{0,4}\d[A-Z0-9]*)*(?![\w]|[.,]\d)"
)
_NUMBER_SPOKEN_SHORT = rf"(?:{_DIGIT_WORD}(?:[\s,.-]+(?:{_DIGIT_WORD}|\d)){{2,}})"
_NUMBER_SHORT = re.compile(
    rf"(?i)\b(?:{_NUMBER_KEYWORD})(?:\s*[:#,]?\s*(?:{_FILLER}\b[\s,:]*)*)"
    rf"(?P<id>{_NUMBER_SPOKEN_SHORT})"
)

_DATE = re.compile(
    rf"(?i)\b(?:"
    r"\d{1,2}\.\s?\d{1,2}\.\s?(?:19|20)?\d{2}"
    r"|\d{1,2}/\d{1,2}/(?:19|20)\d{2}"
    r"|(?:19|20)\d{2}-\d{2}-\d{2}"
    rf"|\d{{1,2}}\.?\s(?:{_MONTHS})\.?\s(?:19|20)\d{{2}}"
    rf"|\w+(?:ten|ter)\s(?:{_MONTHS})\s(?:neunzehnhundert|zweitausend)\w*"
    r")(?!\d)"
)
_BIRTH_CONTEXT = re.compile(
    r"(?i)\b(?:geboren|geb\.|geburtsdatum|geburtstag|geburtsjahr|jahrgang|born)"
)

_STREET_SUFFIX = (
    r"(?:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|steig|pfad|"
    r"markt|kamp|berg|hof|graben|zeile)"
)
_STREET_ENDINGS = tuple(
    _wordset(
        "straße strasse str weg allee platz gasse ring damm ufer chaussee steig pfad markt "
        "kamp berg hof graben zeile"
    )
)
_STREET = re.compile(
    r"(?<![\w-])"
    r"(?:"
    # "Berliner Straße 12", "Karl-Marx-Allee 5", "Straße des 17. Juni 3" is out of scope
    rf"(?:[A-ZÄÖÜ][\wäöüß]*-)*[A-ZÄÖÜ][a-zäöüß]+[ ](?i:{_STREET_SUFFIX})"
    # "Karl-Marx-Allee 90", "Konrad-Adenauer-Platz 1"
    rf"|(?:[A-ZÄÖÜ][\wäöüß]*-)+(?i:{_STREET_SUFFIX})"
    # "Hauptstraße 5", "Am Lindenweg 3", lower case from ASR "hauptstraße 5"
    rf"|(?:(?:[Aa]m|[Ii]m|[Aa]uf\sdem|[Aa]n\sder|[Zz]um|[Zz]ur)\s)?"
    rf"(?:[A-Za-zÄÖÜäöüß][\wäöüß]*-)*[A-Za-zÄÖÜäöüß][a-zäöüß]+{_STREET_SUFFIX}"
    r")"
    r"\s?\d{1,4}(?:\s?[a-zA-Z](?![a-zA-Z]))?(?:\s?[-/]\s?\d{1,4}[a-zA-Z]?)?(?![\w,.]\d|\d)"
    # the town may follow: "Hafenstraße 31, Lübeck", "Friedrichstraße 22 in Neuss"
    r"(?:(?:,[ ]?|[ ]in[ ])(?:(?:0[1-9]|[1-9]\d)\d{3}[ ])?"
    r"(?P<city>[A-ZÄÖÜ][a-zäöüß]+(?:[- ](?:am|an[ ]der|im)[ ][A-ZÄÖÜ][a-zäöüß]+)?)"
    r"(?=[\s.,;!?]|$))?"
)
# Compounds ending in a street word that are not streets ("Parkplatz 3", "Rückweg 2").
_NOT_STREETS = _wordset(
    "parkplatz stellplatz arbeitsplatz sitzplatz spielplatz marktplatz rückweg umweg "
    "heimweg lieferweg zahlungsweg rechtsweg postweg ausweg fahrweg supermarkt arbeitsmarkt "
    "strommarkt bahnhof friedhof innenhof vorhof flughafen"
)
_PLZ_CITY = re.compile(
    r"(?<![\w,.-])(?:D-)?(?:0[1-9]|[1-9]\d)\d{3}[ ]"
    r"[A-ZÄÖÜ][a-zäöüß]+(?:[- ](?:an[ ]der[ ]|am[ ]|im[ ]|in[ ]|ob[ ]der[ ]|bei[ ])?"
    r"[A-ZÄÖÜ][a-zäöüß]+)?"
)
# Capitalised words that follow a number but are no city ("10000 Euro", "12000 Kilometer").
_NOT_CITIES = _wordset(
    "euro eur cent dollar franken kilometer km meter minuten stunden sekunden tage punkte "
    "kunden stück mal einheiten kilowattstunden kwh liter megabit mbit gigabyte gb mb "
    "seiten anrufe verträge mitarbeiter leute menschen prozent haushalte"
)

_SALUTATION_NAME = re.compile(
    r"\b(?:Herrn?|Frau|Hr\.|Fr\.)\s+(?:(?:Dr|Prof)\.\s+)?"
    r"(?P<name>[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?"
    r"(?:[ ][A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?)?)"
)
_SELF_INTRO = re.compile(
    r"(?i:mein\s+name\s+ist|ich\s+heiße|ich\s+heisse|hier\s+(?:ist|spricht)|"
    r"ich\s+bin\s+(?:der|die))\s+(?:(?i:herr|frau)\s+)?"
    r"(?P<name>[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?"
    r"(?:[ ][A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?)?)"
)
# Capitalised words that follow a salutation or introduction but are not part of the name.
_NOT_NAME_WORDS = _wordset(
    "sie ihnen ich wir er es das die der den dem ja nein danke bitte gerne genau hallo "
    "guten tag morgen abend also und aber oder noch nochmal moment entschuldigung vielen "
    "herzlichen schönen am von vom hier kundin kunde kundennummer vertragsnummer ihre ihr "
    "ihren mein meine"
)
_NAME_STOP = frozenset({"herr", "herrn", "frau", "dr", "prof", "von", "van", "de", "der"})


# --------------------------------------------------------------------------- validators


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def luhn_valid(number: str) -> bool:
    """Luhn checksum of the digits in ``number`` (payment card numbers)."""
    digits = _digits(number)
    if not digits:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """ISO 13616 check: move the first four characters to the end, letters to numbers, mod 97."""
    compact = re.sub(r"\s", "", iban).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    rearranged = compact[4:] + compact[:4]
    as_number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(as_number) % 97 == 1


# --------------------------------------------------------------------------- recognizers


@dataclass(frozen=True, slots=True)
class _Candidate:
    kind: str
    start: int
    end: int
    reason: str


def _find_email(text: str) -> Iterator[_Candidate]:
    for m in _EMAIL.finditer(text):
        yield _Candidate("email", m.start(), m.end(), "e-mail address")
    for m in _EMAIL_SPOKEN.finditer(text):
        yield _Candidate("email", m.start(), m.end(), "spoken e-mail address")


def _find_iban(text: str) -> Iterator[_Candidate]:
    for m in _IBAN.finditer(text):
        raw = m.group(0)
        # Positions of the alphanumerics, to cut the match at the country's IBAN length.
        positions = [i for i, ch in enumerate(raw) if ch.isalnum()]
        compact = "".join(raw[i] for i in positions).upper()
        lengths = [_IBAN_LENGTHS[compact[:2]]] if compact[:2] in _IBAN_LENGTHS else []
        lengths += list(range(min(len(compact), 34), 14, -1))
        for length in lengths:
            if length <= len(compact) and iban_valid(compact[:length]):
                end = m.start() + positions[length - 1] + 1
                yield _Candidate("iban", m.start(), end, "IBAN (mod-97 checksum)")
                break
        else:
            # A typo or a made-up number still has the shape of an IBAN: mask it too.
            expected = _IBAN_LENGTHS.get(compact[:2])
            if expected and len(compact) >= expected and len(_digits(compact[4:expected])) >= 10:
                end = m.start() + positions[expected - 1] + 1
                yield _Candidate("iban", m.start(), end, "IBAN-shaped (checksum fails)")


def _find_card(text: str) -> Iterator[_Candidate]:
    for m in _CARD.finditer(text):
        if 13 <= len(_digits(m.group(0))) <= 19 and luhn_valid(m.group(0)):
            yield _Candidate("card", m.start(), m.end(), "card number (Luhn checksum)")


def _find_number(text: str) -> Iterator[_Candidate]:
    for pattern in (_NUMBER, _NUMBER_SHORT):
        for m in pattern.finditer(text):
            start = m.start("id")
            value = m.group("id").rstrip(" ,./-")
            spoken = bool(re.match(rf"(?i)(?:plus\s+)?{_DIGIT_WORD}\b", value))
            if not spoken:
                # Drop trailing tokens without a digit ("4711 ABC" keeps "ABC" only if inside).
                tokens = value.split(" ")
                while len(tokens) > 1 and not any(ch.isdigit() for ch in tokens[-1]):
                    tokens.pop()
                value = " ".join(tokens)
                if len(_digits(value)) < 3:
                    continue
            yield _Candidate("number", start, start + len(value), "number after a number keyword")


def _find_bare_number(text: str) -> Iterator[_Candidate]:
    for m in _BARE_ID.finditer(text):
        if len(_digits(m.group(0))) >= 4:
            yield _Candidate("number", m.start(), m.end(), "number asked for in the turn before")
    for m in re.finditer(rf"(?i)\b{_SPOKEN_RUN}\b", text):
        yield _Candidate("number", m.start(), m.end(), "spoken number asked for before")


def asks_for_number(text: str) -> bool:
    """Whether a turn asks for (or names) a customer/contract/meter... number."""
    return bool(_NUMBER_ASKED.search(text))


def _find_birthdate(text: str) -> Iterator[_Candidate]:
    for m in _DATE.finditer(text):
        window = text[max(0, m.start() - 60) : m.start()] + " " + text[m.end() : m.end() + 30]
        if _BIRTH_CONTEXT.search(window):
            yield _Candidate("birthdate", m.start(), m.end(), "date near 'geboren'/'Geburtsdatum'")


def _find_address(text: str) -> Iterator[_Candidate]:
    streets: list[_Candidate] = []
    for m in _STREET.finditer(text):
        end = m.end()
        city = m.group("city")
        if city is not None:
            if city.lower() in _NOT_NAME_WORDS or city.lower() in _NOT_CITIES:
                end = m.start("city")
                end = len(text[:end].rstrip(" ,").removesuffix(" in"))
            street_part = text[m.start() : m.start("city")]
        else:
            street_part = m.group(0)
        words = re.findall(r"[\wäöüßÄÖÜ]+", street_part)
        street_word = next((w for w in words if w.lower().endswith(_STREET_ENDINGS)), "")
        if street_word.lower() in _NOT_STREETS:
            continue
        streets.append(_Candidate("address", m.start(), end, "street and house number"))
    cities: list[_Candidate] = []
    for m in _PLZ_CITY.finditer(text):
        city = m.group(0).split(" ", 1)[1]
        if city.split()[0].lower() in _NOT_CITIES:
            continue
        cities.append(_Candidate("address", m.start(), m.end(), "postcode and city"))
    # Join "Hauptstraße 5, 12345 Berlin" into one span.
    merged: list[_Candidate] = []
    for cand in sorted(streets + cities, key=lambda c: c.start):
        if merged and re.fullmatch(r"[\s,]*(?:in\s+)?", text[merged[-1].end : cand.start]):
            merged[-1] = _Candidate("address", merged[-1].start, cand.end, "street, postcode, city")
        else:
            merged.append(cand)
    yield from merged


def _find_phone(text: str) -> Iterator[_Candidate]:
    for m in _PHONE.finditer(text):
        raw = m.group(0)
        digits = _digits(raw)
        international = raw.startswith(("+", "00"))
        if not (7 if international else 6) <= len(digits) <= 15:
            continue
        # "(030) 12345" is fine; a lone bracket means the match ran into other text.
        if raw.count("(") != raw.count(")") and not raw.startswith("(0"):
            continue
        yield _Candidate("phone", m.start(), m.end(), "phone number")
    for m in _PHONE_SPOKEN.finditer(text):
        yield _Candidate("phone", m.start(), m.end(), "spoken digit sequence")


def _name_variants(names: Iterable[str]) -> list[str]:
    """The full names and their parts of 3+ letters, longest first."""
    out: set[str] = set()
    for name in names:
        name = " ".join(str(name).split())
        if not name:
            continue
        parts = [p.strip(".,") for p in name.split()]
        parts = [p for p in parts if p.lower().strip(".") not in _NAME_STOP]
        if parts:
            out.add(" ".join(parts))
        out.update(p for p in parts if len(p) >= 3)
    return sorted(out, key=len, reverse=True)


def _find_names(text: str, names: Iterable[str], keep: frozenset[str]) -> Iterator[_Candidate]:
    keep_lower = {k.lower() for k in _name_variants(keep)}
    variants = [v for v in _name_variants(names) if v.lower() not in keep_lower]
    # An all-lower-case text (ASR output) is matched without case; otherwise the case must
    # agree, so that the customer "Frau Weiß" does not hide "ich weiß".
    flags = re.IGNORECASE if not any(ch.isupper() for ch in text) else 0
    for variant in variants:
        for m in re.finditer(rf"(?<![\w-]){re.escape(variant)}(?![\w-])", text, flags):
            yield _Candidate("name", m.start(), m.end(), "customer name")
    for m in _SALUTATION_NAME.finditer(text):
        start, end = m.span("name")
        words = m.group("name").split(" ")
        if len(words) == 2 and words[1].lower() in _NOT_NAME_WORDS:
            end = start + len(words[0])
            words = words[:1]
        if words[0].lower() in _NOT_NAME_WORDS or " ".join(words).lower() in keep_lower:
            continue
        yield _Candidate("name", start, end, "name after Herr/Frau")


_FINDERS = {
    "email": _find_email,
    "iban": _find_iban,
    "card": _find_card,
    "number": _find_number,
    "birthdate": _find_birthdate,
    "address": _find_address,
    "phone": _find_phone,
}


# --------------------------------------------------------------------------- public API


def find_pii(
    text: str,
    *,
    names: Iterable[str] = (),
    options: RedactOptions | None = None,
    expect_number: bool = False,
) -> list[Redaction]:
    """All non-overlapping PII spans in ``text``, sorted by position.

    ``expect_number``: the turn answers a question for a number ("Ihre Zählernummer?"), so
    bare digit groups ("0077 8812 30") are masked as [NUMMER] too.
    """
    opts = options or DEFAULT_OPTIONS
    candidates: list[_Candidate] = []
    for kind, finder in _FINDERS.items():
        if kind in opts.kinds:
            candidates.extend(finder(text))
    if expect_number and "number" in opts.kinds:
        candidates.extend(_find_bare_number(text))
    if "name" in opts.kinds:
        candidates.extend(_find_names(text, names, opts.keep_names))
    priority = {kind: i for i, kind in enumerate(KINDS)}
    candidates.sort(key=lambda c: (priority[c.kind], -(c.end - c.start), c.start))
    # Accepted spans never overlap, so sorted by start they are sorted by end too: an
    # overlap can only be with the neighbours at the insertion point (O(log n) per check).
    starts: list[int] = []
    taken: list[_Candidate] = []
    for cand in candidates:
        if cand.end <= cand.start:
            continue
        i = bisect.bisect_left(starts, cand.start)
        if i > 0 and taken[i - 1].end > cand.start:
            continue
        if i < len(taken) and taken[i].start < cand.end:
            continue
        starts.insert(i, cand.start)
        taken.insert(i, cand)
    return [
        Redaction(c.kind, c.start, c.end, text[c.start : c.end], LABELS[c.kind], c.reason)
        for c in taken
    ]


def redact(
    text: str,
    *,
    names: Iterable[str] = (),
    options: RedactOptions | None = None,
    expect_number: bool = False,
) -> tuple[str, list[Redaction]]:
    """Mask PII in ``text``; returns the new text and the spans (original offsets).

    ``names`` are known names (the customer's, from the transcript) to mask wherever they
    occur, also in parts ("Becker" of "Anna Becker"); "Herr/Frau X" is always masked.
    """
    spans = find_pii(text, names=names, options=options, expect_number=expect_number)
    pieces: list[str] = []
    pos = 0
    for span in spans:
        pieces.append(text[pos : span.start])
        pieces.append(span.label)
        pos = span.end
    pieces.append(text[pos:])
    return "".join(pieces), spans


def map_offset(spans: Iterable[Redaction], offset: int, *, is_end: bool = False) -> int:
    """Where ``offset`` of the original text lands in the redacted text.

    An offset inside a masked span moves to the start of its placeholder (or its end when
    ``is_end``), so a highlight that touches a masked span covers the placeholder.
    """
    shift = 0
    for span in spans:
        if offset <= span.start:
            break
        if offset >= span.end:
            shift += len(span.label) - (span.end - span.start)
            continue
        # Inside a masked span.
        base = span.start + shift
        return base + len(span.label) if is_end else base
    return offset + shift


def map_span(spans: Iterable[Redaction], start: int, end: int) -> tuple[int, int]:
    """Map a ``(start, end)`` span of the original text onto the redacted text."""
    spans = list(spans)
    return map_offset(spans, start), map_offset(spans, end, is_end=True)


def transcript_names(transcript: Transcript) -> list[str]:
    """Names to mask in a call: the customer field, the customer's self-introductions,
    and any "Herr/Frau X" addressed in the call (minus the agent's own name)."""
    found: list[str] = []
    if transcript.customer:
        found.append(transcript.customer)
    agent_parts = {p.lower() for p in _name_variants([transcript.agent or ""])}
    for turn in transcript.turns:
        if turn.role == "customer":
            for m in _SELF_INTRO.finditer(turn.text):
                words = m.group("name").split(" ")
                if len(words) == 2 and words[1].lower() in _NOT_NAME_WORDS:
                    words = words[:1]
                if words[0].lower() not in _NOT_NAME_WORDS:
                    found.append(" ".join(words))
        for m in _SALUTATION_NAME.finditer(turn.text):
            words = m.group("name").split(" ")
            if len(words) == 2 and words[1].lower() in _NOT_NAME_WORDS:
                words = words[:1]
            name = " ".join(words)
            if words[0].lower() not in _NOT_NAME_WORDS and name.lower() not in agent_parts:
                found.append(name)
    return found


def redact_transcript(
    transcript: Transcript, options: RedactOptions | None = None
) -> tuple[Transcript, dict[int, list[Redaction]]]:
    """A copy of ``transcript`` with every turn redacted, and the spans per turn index.

    The agent's own name stays readable (it is the employee being coached); the customer
    field becomes ``[NAME]`` when names are masked.
    """
    opts = options or DEFAULT_OPTIONS
    keep = set(opts.keep_names)
    if transcript.agent:
        keep.add(transcript.agent)
    opts = replace(opts, keep_names=frozenset(keep))
    names = transcript_names(transcript)
    turns = []
    spans_by_turn: dict[int, list[Redaction]] = {}
    previous: str = ""
    for turn in transcript.turns:
        new_text, spans = redact(
            turn.text, names=names, options=opts, expect_number=asks_for_number(previous)
        )
        previous = turn.text
        spans_by_turn[turn.index] = spans
        speaker = turn.speaker
        if speaker and "name" in opts.kinds and speaker != transcript.agent:
            speaker, _ = redact(speaker, names=names, options=opts)
        turns.append(replace(turn, text=new_text, speaker=speaker))
    customer = transcript.customer
    if customer and "name" in opts.kinds:
        customer = LABELS["name"]
    redacted = replace(transcript, turns=tuple(turns), customer=customer)
    total = sum(len(s) for s in spans_by_turn.values())
    logger.debug("redacted %d span(s) in call %s", total, transcript.call_id)
    return redacted, spans_by_turn
