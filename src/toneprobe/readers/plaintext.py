"""Plain-text transcripts: ``[00:01:23] Kundin: ...`` lines, one turn per speaker prefix.

A prefix counts only if it is a role word (German/English, any case, gender forms), a
``Name (Rolle)`` / ``Rolle Name`` pair, a generic speaker id (``Speaker 1``) or a person name
used as a prefix more than once; anything else (``Kundennummer: 4711``, ``Uhrzeit: 10:30``) is
speech and continues the turn before it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from toneprobe.errors import InputError
from toneprobe.readers.base import RawCall, Reader, Segment, SourceRole, clock_seconds
from toneprobe.roles import is_person_name, role_from_word

_TS = r"\d{1,3}:\d{1,2}(?::\d{1,2})?(?:[.,]\d{1,3})?"
_LINE = re.compile(
    r"^\s*(?:[>*#-]+\s*)?"
    rf"(?:[\[(](?P<bts>[^\])]{{1,40}})[\])]\s*(?:-\s+)?|(?P<ts>{_TS})\s+(?:-\s+)?)?"
    r"(?P<label>[^:\n\[\]]{1,60}?)"
    rf"(?:\s*[\[(](?P<ats>{_TS})[\])])?"
    r"\s*(?:\*\*)?(?P<sep>:(?!\d|//)|\s[-–]\s)\s*(?:\*\*)?(?P<text>.*)$"
)
# speaker header lines of Otter/Teams-style exports; the speech follows on the next lines:
# "Jana Krüger  0:02" / "Speaker 1 (00:01:05)" / "[00:00:02] Kunde"
_HEADER = re.compile(
    rf"^\s*(?:(?P<label>[^:\d\[\]()]{{1,60}}?)\s+[\[(]?(?P<ts>{_TS})[\])]?"
    rf"|[\[(]?(?P<ts2>{_TS})[\])]?\s+(?P<label2>[^:\d\[\]]{{1,60}}?)\s*:?)\s*$"
)
# "[Agent] Guten Tag" / "<Kunde>: Hallo" / "00:01:23 [Kundin] ..." / WhisperX and
# whisper-ctranslate2 .txt: "[SPEAKER_01]: Hallo" (also with a "[00:01.000 --> 00:03.000]" time
# before it) / QA exports: "[turn=3 | 00:00:14 | AGENT]: ..." (fields split at "|") / saved
# meeting captions: "[anna m] 10:15:32 Hallo ..." (a clock time with seconds after the label)
_BRACKET_LABEL = re.compile(
    rf"^\s*(?:[\[(]?(?P<ts>{_TS})(?:\s*(?:-->|–|-)\s*{_TS})?[\])]?\s+)?"
    r"[\[<](?P<label>[^\]>\n]{1,60})[\]>]\s*:?\s*"
    r"(?:(?P<ts2>\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?)\s+)?(?P<text>\S.*)$"
)
_TURN_FIELD = re.compile(r"^(?:turn|nr|no|#|zeile|seq)\s*[=:#.]?\s*\d+$|^\d+$", re.IGNORECASE)
_TS_RANGE = re.compile(rf"^\s*(?P<a>{_TS})\s*(?:(?:-->|–|-|bis)\s*(?P<b>{_TS}))?\s*$")
_NAME_ROLE = re.compile(r"^(?P<a>.+?)\s*[(\[]\s*(?P<b>[^)\]]+?)\s*[)\]]$")
_CALL_ID = re.compile(
    r"^\s*(?:call[-_ ]?id|anruf[-_ ]?id|gesprächs[-_ ]?id|gespräch[-_ ]?nr\.?|vorgang(?:snummer)?)"
    r"\s*[:=]\s*(?P<id>\S+)\s*$",
    re.IGNORECASE,
)
_ANNOTATION = re.compile(
    r"^\s*(?:\[[^\]]*\]|\([^)]*\)|\*{1,3}[^*]+\*{1,3}|-{2,}.*-{2,}|<[^>]*>)\s*$"
)
_HANGUP = re.compile(r"\b(?:aufgelegt|beendet|hung up|hangs? up|ended)\b", re.IGNORECASE)
_CUSTOMER_PARTY = re.compile(
    r"\b(?:kunde|kundin|anrufer|anruferin|customer|caller)\b", re.IGNORECASE
)
_AGENT_PARTY = re.compile(
    r"\b(?:agent|agentin|mitarbeiter|mitarbeiterin|berater|beraterin|kundenbetreuer|"
    r"kundenbetreuerin|sachbearbeiter|sachbearbeiterin)\b",
    re.IGNORECASE,
)
_DROPPED = re.compile(
    r"\bverbindung (?:abgebrochen|getrennt|unterbrochen)|\bcall dropped\b|\bdisconnected\b|"
    r"\babgebrochen\b",
    re.IGNORECASE,
)


def hangup_marker(note: str) -> str | None:
    """``[Kunde hat aufgelegt]`` -> customer; ``(Verbindung abgebrochen)`` -> dropped."""
    if _DROPPED.search(note):
        return "dropped"
    if not _HANGUP.search(note):
        return None
    cust = _CUSTOMER_PARTY.search(note)
    agent = _AGENT_PARTY.search(note)
    if cust and not agent:
        return "customer"
    if agent and not cust:
        return "agent"
    if cust and agent:  # "Agent beendet das Gespräch mit dem Kunden": the first party acted
        return "customer" if cust.start() < agent.start() else "agent"
    return "normal"


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_STOP_LABELS = _wordset(
    "kundennummer vertragsnummer rechnungsnummer auftragsnummer bestellnummer zählernummer "
    "sendungsnummer hinweis uhrzeit datum betreff adresse anschrift telefon tel email e-mail "
    "iban bic notiz anmerkung tarif achtung wichtig frage antwort grund thema ergebnis status "
    "summe betrag preis ps nb info beispiel also und aber ok okay ja nein so gut moment zitat "
    "fazit problem stand termin ort zeit mail fax handy mobil name vorname nachname "
    "geburtsdatum plz postleitzahl straße strasse stadt land kosten gesamt fehler hallo tipp "
    "update nachtrag zusammenfassung protokoll gesprächsprotokoll transkript transcript note "
    "notes"
)


@dataclass(slots=True)
class _Prefix:
    speaker: str
    role: SourceRole | None
    kind: str  # role | named | generic | name


def classify_label(label: str) -> _Prefix | None:
    """What a line prefix says about the speaker, before any counting."""
    label = label.strip().strip("*_").strip()
    if not label or label.casefold() in _STOP_LABELS:
        return None
    role = role_from_word(label)
    if role is not None:
        return _Prefix(label, role, "role")
    m = _NAME_ROLE.match(label)
    if m:
        a, b = m.group("a").strip(), m.group("b").strip()
        if (rb := role_from_word(b)) is not None and a:
            return _Prefix(a, rb, "named")
        if (ra := role_from_word(a)) is not None and b:
            return _Prefix(b, ra, "named")
    numbered = re.match(r"^(.*?\D)[ _-]?\d{1,2}$", label)
    if numbered and (rn := role_from_word(numbered.group(1))) is not None:
        return _Prefix(label, rn, "role")
    words = label.split(None, 1)
    if (
        len(words) == 2
        and (rw := role_from_word(words[0])) is not None
        and is_person_name(words[1])
    ):
        return _Prefix(words[1], rw, "named")
    if re.match(
        r"^(?:speaker|sprecher(?:in)?|spk|person|teilnehmer(?:in)?|participant|channel|kanal|ch)"
        r"[ _-]?\d{1,2}$",
        label,
        re.IGNORECASE,
    ):
        return _Prefix(label, None, "generic")
    if is_person_name(label):
        return _Prefix(label, None, "name")
    if is_display_name(label):
        return _Prefix(label, None, "display")
    return None


# words that make a lower-case prefix speech rather than a display name ("also ich:", "the end:")
_FUNCTION_WORDS = _wordset(
    "der die das den dem des ein eine einen einem einer und oder aber ich du er sie es wir ihr "
    "mein meine dein sein ihre unser ist sind war bin hat habe mit für auf bei von zu zum zur "
    "im am an in aus nach vor über unter nicht kein keine noch schon nur auch dann wenn weil "
    "dass so wie was wo wer hier da jetzt heute ganz sehr mal the and or a an of to is are i "
    "you we he she it my your this that"
)
_DISPLAY_WORD = re.compile(r"[^\W\d_]+(?:[-'’.][^\W\d_]*)*\.?")


def is_display_name(label: str) -> bool:
    """A display name as people type it in meeting tools, in any case: ``anna m``,
    ``jörg weber``, ``MARIA K.``. Only the shape; a prefix in this shape counts as a speaker
    only when it recurs (see the readers), so ``hinweis: ...`` once stays speech."""
    words = label.split()
    if not 1 <= len(words) <= 4 or len(label) > 40:
        return False
    if label.casefold() in _STOP_LABELS or any(w.casefold() in _FUNCTION_WORDS for w in words):
        return False
    if words[0].casefold() in ("http", "https", "www", "mailto", "ftp", "tel"):
        return False
    return all(_DISPLAY_WORD.fullmatch(w) for w in words) and len(words[0].strip(".")) >= 2


_NAMES = ("name", "display")  # prefixes that are speakers only when they recur


def nonblank_lines(lines: list[str]) -> int:
    return sum(1 for line in lines if line.strip())


@dataclass(slots=True)
class _Line:
    lineno: int
    start: float | None
    prefix: _Prefix | None
    text: str
    has_ts: bool
    header: bool = False  # a "Name  0:02" line: the speech follows on the next lines


_COLON_GENDER = re.compile(r"^([^:\n]{1,40}?\w):(in|innen)(?=\s*(?:[\[(][^\])]*[\])])?\s*:)")


def _match(line: str, lineno: int, path: str | None) -> _Line | None:
    if ":in" in line:
        line = _COLON_GENDER.sub(r"\1(\2)", line, count=1)  # "Mitarbeiter:in:" gender colon
    b = _BRACKET_LABEL.match(line)
    if b:
        got = _bracket_fields(b.group("label"), b.group("ts") or b.group("ts2"))
        if got is not None:
            return _Line(lineno, got[1], got[0], b.group("text"), got[2])
    m = _LINE.match(line)
    if not m:
        return _match_header(line, lineno)
    prefix = classify_label(m.group("label"))
    if prefix is None or (prefix.kind in _NAMES and m.group("sep") != ":"):
        return None
    start: float | None = None
    has_ts = False
    raw_ts = m.group("bts") or m.group("ts") or m.group("ats")
    if raw_ts is not None:
        has_ts = True
        rng = _TS_RANGE.match(raw_ts)
        start = clock_seconds(rng.group("a")) if rng else None
        if start is None:
            if not any(c.isdigit() for c in raw_ts):
                return None  # "(Kundin) Agent:" style: not a timestamp, not a turn prefix
            raise InputError(f"malformed timestamp {raw_ts!r}", path, lineno)
    return _Line(lineno, start, prefix, m.group("text"), has_ts)


def _bracket_fields(label: str, ts: str | None) -> tuple[_Prefix, float | None, bool] | None:
    """The speaker (and time) of a bracketed label: ``SPEAKER_01``, ``Kundin``, or fields
    such as ``turn=3 | 00:00:14 | AGENT`` (a turn number, a time, a speaker)."""
    at = clock_seconds(ts) if ts else None
    has_ts = ts is not None
    if "|" not in label:
        if clock_seconds(label) is not None:
            return None  # "[00:00:02] Kunde: ..." is a time, not a speaker
        prefix = classify_label(label)
        return None if prefix is None else (prefix, at, has_ts)
    prefix = None
    for field in (f.strip() for f in label.split("|")):
        if not field or _TURN_FIELD.match(field):
            continue
        if (clock := clock_seconds(field)) is not None:
            at, has_ts = (clock, True) if at is None else (at, has_ts)
            continue
        got = classify_label(field)
        if got is None:
            return None  # a field that is neither number, time nor speaker: not a marker
        prefix = got
    return None if prefix is None else (prefix, at, has_ts)


def _match_header(line: str, lineno: int) -> _Line | None:
    m = _HEADER.match(line)
    if not m:
        return None
    prefix = classify_label(m.group("label") or m.group("label2") or "")
    start = clock_seconds(m.group("ts") or m.group("ts2") or "")
    if prefix is None or start is None:
        return None
    return _Line(lineno, start, prefix, "", True, header=m.group("label") is not None)


def parse_dialogue(
    text: str, path: str | None, first_line: int = 1
) -> tuple[list[Segment], dict[str, object]]:
    """Segments of a plain-text dialogue plus what else was found (call id, ended_by, unplaced)."""
    lines = text.split("\n")
    matched: list[_Line | None] = []
    counts: Counter[str] = Counter()
    named: dict[str, SourceRole] = {}
    for i, line in enumerate(lines):
        hit = _match(line, first_line + i, path) if line.strip() else None
        matched.append(hit)
        if hit and hit.prefix:
            counts[hit.prefix.speaker] += 1
            if hit.prefix.kind in ("named", "role") and hit.prefix.role:
                named.setdefault(hit.prefix.speaker, hit.prefix.role)

    nonblank = sum(1 for line in lines if line.strip())
    headers = sum(1 for h in matched if h is not None and h.header)
    name_lines = [h for h in matched if h and h.prefix and h.prefix.kind == "name"]
    other = any(h and h.prefix and h.prefix.kind not in _NAMES for h in matched)
    # lower-case display names ("anna m:") count only where they recur and label a fair share
    # of the lines, so a phrase that happens to end in a colon twice stays speech
    display = Counter(
        h.prefix.speaker for h in matched if h and h.prefix and h.prefix.kind == "display"
    )
    recurring = {d for d, n in display.items() if n >= 2}
    names_seen = {h.prefix.speaker for h in name_lines if h.prefix}
    if (
        other  # role words or speaker ids label this file: "kurz gesagt:" is speech
        or len(recurring | names_seen) < 2
        or 3 * sum(display[d] for d in recurring) < nonblank_lines(lines)
    ):
        recurring = set()
    distinct = {h.prefix.speaker for h in name_lines if h.prefix}
    if not other and len(distinct) >= 2 and 2 * len(name_lines) >= nonblank:
        for name in distinct:  # a short call where every name speaks once
            counts[name] = max(counts[name], 2)
    segments: list[Segment] = []
    parts: list[list[str]] = []  # continuation lines per segment
    info: dict[str, object] = {"unplaced": [], "call_id": None, "ended_by": None, "annotations": []}
    unplaced: list[int] = info["unplaced"]  # type: ignore[assignment]
    for i, line in enumerate(lines):
        lineno = first_line + i
        if not line.strip():
            continue
        hit = matched[i]
        accepted = False
        if hit is not None and hit.prefix is not None:
            p = hit.prefix
            if p.kind == "display":
                accepted = p.speaker in recurring
            elif p.kind == "name":
                p.role = named.get(p.speaker)
                accepted = (
                    p.role is not None
                    or counts[p.speaker] >= 2
                    or (hit.has_ts and hit.text != "" and not hit.header)
                    or (hit.header and headers >= 2)
                )
            else:
                accepted = True
        if accepted and hit is not None and hit.prefix is not None:
            segments.append(
                Segment(
                    text=hit.text.strip(),
                    speaker=hit.prefix.speaker,
                    role=hit.prefix.role,
                    start=hit.start,
                    line=lineno,
                )
            )
            parts.append([])
            continue
        stripped = line.strip()
        if _ANNOTATION.match(stripped):
            ended = hangup_marker(stripped)
            if ended is not None:
                info["ended_by"] = ended
            info["annotations"].append(lineno)  # type: ignore[attr-defined]
            continue
        if not segments:
            m = _CALL_ID.match(stripped)
            if m and info["call_id"] is None:
                info["call_id"] = m.group("id")
            else:
                unplaced.append(lineno)
            continue
        parts[-1].append(stripped)  # continuation of the turn before
    for seg, more in zip(segments, parts, strict=True):
        if more:
            seg.text = " ".join([seg.text, *more]) if seg.text else " ".join(more)
    return segments, info


class PlainTextReader(Reader):
    name = "text"
    aliases = ("plain", "plaintext", "txt")
    description = (
        "Plain text: '[00:01:23] Kundin: ...', 'Jana Krüger (Agent): ...', "
        "'[SPEAKER_01]: ...' (WhisperX .txt) line prefixes"
    )
    example = "call_0042.txt"

    def sniff(self, text: str, path: str | None = None) -> float:
        hits = 0
        for n, line in enumerate(text.split("\n", 200)[:200]):
            if not line.strip():
                continue
            try:
                hit = _match(line, n + 1, path)
            except InputError:
                return 0.3  # a turn prefix with a broken timestamp: ours to report
            if hit is not None and hit.prefix is not None and hit.prefix.kind not in _NAMES:
                return 0.3
            if hit is not None:
                hits += 1
                if hits >= 2:
                    return 0.2
        return 0.0

    def parse(self, text: str, path: str | None, call_id: str) -> list[RawCall]:
        segments, info = parse_dialogue(text, path)
        if not segments:
            raise InputError("no recognisable turns (no 'Agent:'/'Kunde:' line prefixes)", path)
        metadata: dict[str, object] = {"format": self.name}
        if info["call_id"]:
            metadata["source_call_id"] = info["call_id"]
        raw = RawCall(
            call_id=call_id,
            segments=segments,
            ended_by=info["ended_by"],  # type: ignore[arg-type]
            metadata=metadata,
        )
        unplaced: list[int] = info["unplaced"]  # type: ignore[assignment]
        if unplaced:
            raw.unplaced_lines.extend(unplaced)
            shown = ", ".join(str(n) for n in unplaced[:10])
            raw.warnings.append(f"line(s) {shown}: text before the first speaker prefix not placed")
        notes: list[int] = info["annotations"]  # type: ignore[assignment]
        if notes:
            shown = ", ".join(str(n) for n in notes[:10])
            raw.warnings.append(f"line(s) {shown}: annotation line(s) not part of any turn")
        return [raw]
