"""Where a turn speaks someone else's words: quotation marks and reported speech.

Negative findings never fire inside these ranges, so an agent who repeats the customer's insult
to set a boundary ("Herr Becker, 'Idioten' lasse ich mir nicht sagen.") or reports what someone
said ("Sie haben gesagt, wir seien Idioten", "der Kunde meinte, ...") is not blamed for it.

Quotation marks are read by position, not by pairs of fixed characters, because German text
mixes „…“, ‚…‘, »…«, «…», "…", '…' and typographic ’…‘, and because the same characters are
apostrophes: "geht's", "wie geht’s", "hab' ich", "so'n", "'s ist", "Hans' Auto". A mark
between two letters is an apostrophe; one after a space that opens an elision ('s, 'n, 'ne) is
too; a closing mark after an elided verb ("hab'", "würd'") closes a quote only when no other
mark can. Pure functions over the text, no spaCy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

Range = tuple[int, int]

DOUBLE_MARKS = frozenset('"\u201c\u201d\u201e\u00bb\u00ab\u201f\u2033')  # " “ ” „ » « ‟ ″
SINGLE_MARKS = frozenset("'\u2018\u2019\u201a\u201b\u203a\u2039`\u00b4")  # ' ‘ ’ ‚ ‛ › ‹ ` ´
OPEN_ONLY = frozenset("\u201e\u201a")  # „ ‚ never close a quote
# a single mark before these opens an elision, not a quote: 's Auto, 'n Moment, 'raus
ELISION_AFTER = re.compile(r"(s|n|ne|nem|nen|ner|m|raus|rein|rum|runter|rauf|rüber)\b", re.I)
# words whose final e is dropped and written with an apostrophe: hab', würd', geh'
ELIDED_WORDS = frozenset(
    [
        "hab",
        "hätt",
        "würd",
        "wär",
        "könnt",
        "müsst",
        "sollt",
        "wollt",
        "dürft",
        "möcht",
        "geh",
        "komm",
        "sag",
        "mach",
        "seh",
        "steh",
        "lass",
        "nehm",
        "bleib",
        "hör",
        "glaub",
        "ruf",
        "schreib",
        "schick",
        "such",
        "brauch",
        "leg",
        "heut",
        "gern",
        "grad",
        "eh",
        "ich",
    ]
)
_WORD_BEFORE = re.compile(r"([^\W\d_]+)$")

# --- reported speech ------------------------------------------------------------------------
_SAID = (  # finite forms of the third person, the past and participles
    r"sagt|sagte|sagten|gesagt|meint|meinte|meinten|gemeint|schrieb|schrieben|schreibt"
    r"|geschrieben|behauptet|behauptete|behaupteten|erzählt|erzählte|erzählten"
    r"|fragte|fragten|gefragt|rief|riefen|schimpfte|schimpften"
    r"|beschwerte\s+sich|beschwerten\s+sich|hieß\s+es|heißt\s+es"
)
_SIE_SAY = r"(?<=sie\s)(?:sagen|schreiben|behaupten|erzählen)"  # "Sie sagen, ..."
# a verb of saying that opens what was said: "Sie haben gesagt, ...", "der Kunde meinte: ..."
SPEECH_LEAD = re.compile(
    rf"(?:\b(?:{_SAID})\b|{_SIE_SAY}\b)(?:\s+[^\W\d_]+){{0,3}}?\s*(?:[,:]|\s(?:dass|ob)\b)",
    re.IGNORECASE,
)
# fixed lead-ins that need no verb: "laut Ihnen", "Ihrer Meinung nach", "Zitat:", "Sie meinen, ..."
FIXED_LEAD = re.compile(
    r"\b(?:laut\s+(?:ihnen|ihm|ihr|(?:ihrer|ihrem|ihren|dem|der|seiner|seinem)\s+[^\W\d_]+)"
    r"|(?:ihrer|seiner|deren)\s+(?:meinung|aussage|ansicht)\s+nach"
    r"|(?:in|nach|mit)\s+ihren\s+worten|ihre[rn]?\s+worte|zitat|zitiere"
    r"|wie\s+sie\s+(?:sagen|sagten|meinten|schreiben|schrieben|es\s+nennen))\b\s*[,:]?"
    r"|^\s*sie\s+meinen\s*,",
    re.IGNORECASE,
)
# a verb of naming after its object: "Sie haben mich einen Idioten genannt"
NAMED = re.compile(
    r"\b(?:genannt|geschimpft|bezeichnet|beschimpft|betitelt|tituliert|geheißen)\b", re.I
)
# idioms of the speaker's own voice: "wie gesagt", "ehrlich gesagt", "sagen wir mal"
OWN_IDIOM = re.compile(
    r"\b(?:wie|ehrlich|offen|kurz|anders|besser|genauer|gelinde|salopp|nebenbei|sozusagen)\s+"
    r"(?:gesagt|gefragt|formuliert)\s*$",
    re.IGNORECASE,
)
SAID_OBJECT = re.compile(r"\b(?:das|dies|es|so)\b", re.IGNORECASE)
# the verb of saying sits in a subordinate clause: what follows is the speaker's main clause
SUBORDINATE = re.compile(
    r"\s*(?:was|wie|wo|wenn|dass|ob|weil|als|nachdem|obwohl|falls|sobald)\b", re.IGNORECASE
)
MAIN_CLAUSE_AFTER = re.compile(r"\s*[^\W\d_]+\s+(?:ich|wir)\b", re.IGNORECASE)
FIRST_PERSON = re.compile(r"\b(?:ich|wir|man)\b", re.IGNORECASE)  # "man" asks rhetorically
NEGATED = re.compile(r"\b(?:nie|niemals|nicht|keinen|keine)\b", re.IGNORECASE)
# the reported part ends where the speaker answers it: "..., aber ...", " - doch ..."
CONTRAST = re.compile(r"\s[-–—]\s|\b(?:aber|jedoch|allerdings|trotzdem|dennoch)\b", re.I)
CLAUSE_START = re.compile(r"[,;:]\s*|\b(?:und|oder|aber|weil|denn)\s+", re.IGNORECASE)


def _is_mark_open(text: str, i: int) -> bool:
    prev = text[i - 1] if i > 0 else ""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    return (not prev or not prev.isalnum()) and bool(nxt) and not nxt.isspace()


def _is_mark_close(text: str, i: int) -> bool:
    prev = text[i - 1] if i > 0 else ""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    return bool(prev) and not prev.isspace() and (not nxt or not nxt.isalnum())


def _family_ranges(text: str, marks: frozenset[str], single: bool) -> list[Range]:
    opens: list[int] = []
    closes: list[tuple[int, bool]] = []  # (position, strong)
    for i, ch in enumerate(text):
        if ch not in marks:
            continue
        prev = text[i - 1] if i > 0 else ""
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if single and prev.isalnum() and nxt.isalnum():
            continue  # geht's, so'n: an apostrophe inside a word
        can_open = _is_mark_open(text, i)
        can_close = ch not in OPEN_ONLY and _is_mark_close(text, i)
        if can_open and single and ELISION_AFTER.match(text, i + 1):
            can_open = False  # 's Auto, 'n Moment
        if can_open:
            opens.append(i)
        elif can_close:
            word = _WORD_BEFORE.search(text, 0, i)
            weak = single and word is not None and word.group(1).lower() in ELIDED_WORDS
            closes.append((i, not weak))
    ranges: list[Range] = []
    end = -1
    for k, start in enumerate(opens):
        if start < end:
            continue  # inside the quote just closed
        limit = opens[k + 1] if k + 1 < len(opens) else len(text)
        inside = [(c, strong) for c, strong in closes if start < c < limit]
        if not inside:
            continue
        close = next((c for c, strong in inside if strong), inside[0][0])
        ranges.append((start, close + 1))
        end = close + 1
    return ranges


def quoted_ranges(text: str) -> list[Range]:
    """Character ranges (quotation marks included) of the quoted passages in ``text``."""
    if not any(ch in DOUBLE_MARKS or ch in SINGLE_MARKS for ch in text):
        return []
    return sorted(
        _family_ranges(text, DOUBLE_MARKS, single=False)
        + _family_ranges(text, SINGLE_MARKS, single=True)
    )


def _clause_start(sentence: str, pos: int) -> int:
    start = 0
    for m in CLAUSE_START.finditer(sentence, 0, pos):
        start = m.end()
    return start


def _content_end(sentence: str, pos: int) -> int:
    m = CONTRAST.search(sentence, pos)
    return m.start() if m else len(sentence)


def reported_ranges(text: str, sentences: Sequence[Range]) -> list[Range]:
    """Character ranges of reported speech: what follows "Sie haben gesagt, ..." or "der Kunde
    meinte: ..." up to the end of the sentence (or up to "aber", " - "), and the object of
    "... genannt"/"... beschimpft". The speaker's own voice ("Ich habe Ihnen doch gesagt, ...",
    "wie gesagt") and an imperative ("Sagen Sie mal, ...") are not reported speech."""
    out: list[Range] = []
    for s0, s1 in sentences:
        sentence = text[s0:s1]
        for m in SPEECH_LEAD.finditer(sentence):
            verb_start = m.start()
            clause = sentence[_clause_start(sentence, verb_start) : verb_start]
            after = sentence[m.start() : m.end()]
            if not clause.strip() and re.match(r"\w+\s+sie\b", after, re.IGNORECASE):
                continue  # "Sagen Sie mal, ...": the agent asks, no one is quoted
            if FIRST_PERSON.search(clause) or re.search(r"^\w+\s+(?:ich|wir|man)\b", after, re.I):
                continue  # the speaker's own words
            if OWN_IDIOM.search(sentence[: m.end()].rstrip(",: ")):
                continue
            if SAID_OBJECT.search(clause):
                continue  # "Sie haben das so gesagt, ...": what was said is named, not quoted
            if SUBORDINATE.match(clause) or MAIN_CLAUSE_AFTER.match(sentence, m.end()):
                continue  # "Was der Vertreter gesagt hat, kann ich nicht beurteilen."
            out.append((s0 + m.end(), s0 + _content_end(sentence, m.end())))
        for m in FIXED_LEAD.finditer(sentence):
            out.append((s0 + m.end(), s0 + _content_end(sentence, m.end())))
        for m in NAMED.finditer(sentence):
            start = _clause_start(sentence, m.start())
            clause = sentence[start : m.start()]
            if FIRST_PERSON.search(clause) and not NEGATED.search(clause):
                continue  # "ich habe Sie ... genannt": the speaker's own act
            out.append((s0 + start, s0 + m.start()))
    return [(a, b) for a, b in out if b > a]


def shielded_ranges(text: str, sentences: Sequence[Range]) -> list[Range]:
    """Quoted passages and reported speech: where negative findings never fire."""
    return sorted(quoted_ranges(text) + reported_ranges(text, sentences))


def inside(ranges: Sequence[Range], start: int, end: int) -> bool:
    """True when ``start..end`` lies within one of ``ranges``."""
    return any(a <= start and end <= b for a, b in ranges)


def touches(ranges: Sequence[Range], start: int, end: int) -> bool:
    """True when ``start..end`` shares at least one character with one of ``ranges``."""
    return any(a < end and start < b for a, b in ranges)


def mask(text: str, ranges: Sequence[Range]) -> str:
    """``text`` with the ranges blanked out (same length, so offsets stay valid)."""
    if not ranges:
        return text
    chars = list(text)
    for a, b in ranges:
        for i in range(max(0, a), min(len(chars), b)):
            if not chars[i].isspace():
                chars[i] = " "
    return "".join(chars)
