"""Decide who is the agent, merge segments into turns and build the final Transcript.

Precedence (recorded in ``Transcript.metadata["roles"]``):
``--agent-speaker`` override > roles given by the source > channel roles > text cues
(with a weak first-speaker prior). Bot/IVR segments are left out and reported as warnings.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from toneprobe.model import Transcript, Turn
from toneprobe.textio import clean_text

if TYPE_CHECKING:  # roles must not import the readers package at run time (cycle)
    from toneprobe.readers.base import RawCall, Segment, SourceRole

# --- role words -------------------------------------------------------------------------------


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_AGENT_WORDS = _wordset(
    "agent agentin mitarbeiter mitarbeiterin servicemitarbeiter servicemitarbeiterin berater "
    "beraterin kundenberater kundenberaterin kundenbetreuer kundenbetreuerin sachbearbeiter "
    "sachbearbeiterin bearbeiter bearbeiterin service kundenservice kundendienst support "
    "serviceagent supportagent callcenteragent operator representative rep humanagent "
    "customerservice customersupport servicedesk callcenter hotline servicecenter "
    "anyagent internal supervisor ma"
)
_CUSTOMER_WORDS = _wordset(
    "customer kunde kundin anrufer anruferin anrufende anrufender caller enduser external "
    "client klient klientin endkunde endkundin interessent interessentin"
)
_BOT_WORDS = _wordset(
    "bot ivr acd automatedagent custombot system voicebot chatbot sprachdialog "
    "sprachassistent ansage virtualagent voicemail"
)
_GENDER_SUFFIX = re.compile(r"(?:\(in\)|/-?in|:in|\*in|_in|\(innen\))$")
_NON_ALNUM = re.compile(r"[^0-9a-zäöüß]+")


def _fold(word: str) -> str:
    return unicodedata.normalize("NFC", word).casefold().strip()


def role_from_word(word: str | None) -> SourceRole | None:
    """Map a role word from any source (``Kundin``, ``Mitarbeiter(in)``, ``HUMAN_AGENT``)."""
    if not word:
        return None
    folded = _GENDER_SUFFIX.sub("", _fold(word).strip(" .:"))
    key = _NON_ALNUM.sub("", folded)
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


# --- speaker labels and names -----------------------------------------------------------------

_GENERIC_LABEL = re.compile(
    r"^(?:spk|speaker|sprecher(?:in)?|person|teilnehmer(?:in)?|participant|user|ch|channel|kanal"
    r"|unknown|unbekannt)[ _-]*\d*$|^\d+$|^[0-9a-f-]{8,}$",
    re.IGNORECASE,
)
_NAME_WORD = r"[A-ZÄÖÜ][a-zäöüßéèáàíóúñç'’-]*\.?"
_LABEL_WORD = rf"(?:{_NAME_WORD}|[A-ZÄÖÜ]{{2,}}[A-ZÄÖÜ'-]*)"  # labels may be upper case
_PERSON_NAME = re.compile(
    rf"^(?:(?:Herr|Frau|Hr\.|Fr\.|Dr\.|Prof\.|HERR|FRAU)\s+)*{_LABEL_WORD}"
    rf"(?:[ -]+(?:von |van |de )?{_LABEL_WORD}){{0,3}}$"
)


_NOT_FIRST_NAME = _wordset(
    "Das Der Die Den Dem Des Ein Eine Einen Ich Wir Sie Er Es Ihr Ja Nein Hallo Guten Also Aber "
    "Und Oder Wenn Dann Bitte Danke Mein Meine Ihre Unser Unsere Heute Morgen Gestern Hier Dort "
    "Nur Noch Schon Auch Nicht Kein Keine Was Wie Wo Warum Wann Okay Gut Genau Moment Tja Na"
)


def is_person_name(label: str | None) -> bool:
    """True for ``Jana Krüger``, ``Herr Becker``; False for ``spk_0``, ``Speaker 1``, ``Agent``."""
    if not label or len(label) > 60 or _GENERIC_LABEL.match(label.strip()):
        return False
    if label.split()[0].capitalize() in _NOT_FIRST_NAME:
        return False
    if role_from_word(label) is not None:
        return False
    return bool(_PERSON_NAME.match(label.strip()))


_NAME = rf"(?P<name>(?:(?:Herr|Frau)\s+)?{_NAME_WORD}(?:[ -]{_NAME_WORD})?)"
_INTRO = (
    re.compile(
        rf"\b(?:[Mm]ein Name ist|[Ss]ie sprechen mit|[Hh]ier spricht|[Mm]y name is)\s+{_NAME}"
    ),
    re.compile(
        rf"(?:^|[,.!?]\s*|\b(?:[Hh]ier ist|[Dd]a ist)\s+){_NAME}\s+am (?:Apparat|Telefon)\b"
    ),
    re.compile(rf"\b(?:[Hh]ier ist)\s+{_NAME}(?=\s*[,.!?]|\s+(?:von|vom|bei)\b)"),
)
_NOT_NAMES = _wordset(
    "Ihre Ihr Ihnen Sie Der Die Das Dem Den Ein Eine Mein Meine Kundenservice Kundendienst "
    "Service Hotline Team Support Stadtwerke Herr Frau Guten Hallo Ja Nein Bitte Danke"
)
# words that make a greeting chunk a company or a greeting rather than a person's name
_NOT_NAME_PART = re.compile(
    r"(?:guten|tag|morgen|abend|hallo|willkommen|herzlich|schönen|grüß|gott|moin|servus|"
    r"\w*(?:versicherung|energie|telekom|bank|bahn|werke|service|dienst|gmbh|ag|kasse|versand|"
    r"shop|hafen|handel|markt|post|team|zentrale|hotline|center|gruppe|reise\w*))$",
    re.IGNORECASE,
)
_CAP_WORD = r"[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?"
_NAME_CHUNK = re.compile(rf"^(?:(?:Herr|Frau)\s+)?{_CAP_WORD}(?:\s+{_CAP_WORD}){{1,2}}$")
_LOWER_STOP = _wordset(
    "ich sie wir was wie kann ich für tun ja nein hallo guten tag und der die das ein eine mein "
    "ihr ihre am apparat telefon hier ist bei von vom mit spricht name grüß gott moin schönen "
    "morgen abend willkommen herzlich bitte danke kundenservice service"
)
_LOWER_NAME = (
    re.compile(r"\b(?:mein name ist|sie sprechen mit|hier spricht)\s+(\w+(?:\s+\w+)?)"),
    re.compile(r"(\w+\s+\w+)\s+(?:am apparat|am telefon)\b"),
    re.compile(
        r"(\w+\s+\w+)\s+(?:schönen\s+)?(?:guten (?:tag|morgen|abend)|hallo|grüß gott|moin)\b"
    ),
)


def _clean_name(name: str) -> str | None:
    name = name.strip(" -")
    if name.endswith(".") and len(name.split()[-1]) > 3:
        name = name[:-1]  # sentence end, not "Dr."
    words = name.split()
    if not words or (words[0] in _NOT_NAMES and words[0] not in ("Herr", "Frau")):
        return None
    if words[-1] in _NOT_NAMES or any(_NOT_NAME_PART.match(w) for w in words):
        return None
    return name


def _greeting_chunk_name(text: str) -> str | None:
    """``Elbtal Energie, Mehmet Aydin, guten Tag!`` -> ``Mehmet Aydin`` (last name-like chunk)."""
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    found = None
    for chunk in re.split(r"[,.!?;:]", first):
        chunk = chunk.strip()
        if _NAME_CHUNK.match(chunk) and not any(_NOT_NAME_PART.match(w) for w in chunk.split()):
            found = chunk
    return found


def _lowercase_name(text: str) -> str | None:
    """ASR text without capitals: ``... sabine vogt guten tag`` -> ``Sabine Vogt``."""
    low = text.casefold()
    for pattern in _LOWER_NAME:
        m = pattern.search(low)
        if not m:
            continue
        words = m.group(1).split()
        bad = any(w in _LOWER_STOP or _NOT_NAME_PART.match(w) or not w.isalpha() for w in words)
        if len(words) == 2 and not bad:
            return " ".join(w[:1].upper() + w[1:] for w in words)
    return None


def self_introduction(texts: Iterable[str], greeting: bool = False) -> str | None:
    """The name a speaker gives for themselves (``mein Name ist Jana Krüger``), if any.

    With ``greeting`` (the agent's opening turns) also the bare ``Firma, Vorname Nachname,``
    greeting and, for lower-case ASR text, ``... vorname nachname guten tag``.
    """
    texts = list(texts)
    for text in texts:
        for pattern in _INTRO:
            m = pattern.search(text)
            if m and (name := _clean_name(m.group("name"))):
                return name
    if greeting:
        for text in texts[:2]:
            if any(c.isupper() for c in text):
                name = _greeting_chunk_name(text)
            else:
                name = _lowercase_name(text)
            if name:
                return name
    return None


# --- text cues ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cue:
    id: str
    pattern: re.Pattern[str]
    weight: float
    opening_only: bool = False  # counts only in the speaker's first turns


def _cue(cue_id: str, regex: str, weight: float, opening_only: bool = False) -> Cue:
    return Cue(cue_id, re.compile(regex, re.IGNORECASE), weight, opening_only)


AGENT_CUES: tuple[Cue, ...] = (
    _cue(
        "greeting.company",
        r"\b(?:willkommen bei|herzlich willkommen|guten (?:tag|morgen|abend)"
        r"|hallo|grüß gott|moin)\b[^.?!]{0,60}\b(?:gmbh|ag|se|kg|stadtwerke?|kundenservice|"
        r"kundendienst|service|hotline|versicherung|bank|energie|telekom|team)\b",
        2.5,
        True,
    ),
    _cue(
        "greeting.opening",
        r"^\W*(?:\w+[ -]){0,3}?(?:\w*(?:versicherung|energie|telekom|bank|bahn|werke|service|"
        r"kasse|versand)|gmbh|ag|se|kg|shop)\b",
        2.0,
        True,
    ),
    _cue(
        "greeting.speaking",
        r"\bsie sprechen mit\b|\bam apparat\b|\bam telefon(?=\s*(?:[.,!]|$))|\bthank you for calling\b",
        2.5,
    ),
    _cue("greeting.name", r"\bmein name ist\b|\bmy name is\b", 1.0, True),
    _cue(
        "offer.help",
        r"\bwas kann ich (?:\w+ ){0,2}für sie tun\b|\bwie kann ich (?:ihnen )?"
        r"(?:\w+ )?(?:weiter)?helfen\b|\bhow (?:can|may) i help\b|\bwomit kann ich\b",
        3.0,
    ),
    _cue(
        "ask.identifier",
        r"\b(?:ihre|ihrer)\s+(?:kunden|vertrags|rechnungs|auftrags|"
        r"bestell|zähler|versicherungs|sendungs|policen|mitglieds|konto)[- ]?nummer\b",
        2.0,
    ),
    _cue(
        "ask.terse",
        r"^\W*(?:(?:ihre|die|den|das|name|und|oder)\s+){0,3}(?:\w*nummer|iban|geburtsdatum|"
        r"postleitzahl|kennzeichen)(?:\s+(?:bitte|oder|und)(?:\s+\w+)?)*\s*[?.!]?\s*$",
        1.5,
    ),
    _cue(
        "ask.verify",
        r"\b(?:ihr|ihrem|das)\s+geburtsdatum\b|\bzur (?:verifizierung|sicherheit|"
        r"identifikation|legitimation)\b|\bihre postleitzahl\b|\bnennen sie mir\b|"
        r"\bgeben sie mir (?:bitte )?(?:ihre|die)\b",
        2.0,
    ),
    _cue(
        "process",
        r"\bich (?:schaue|sehe|gucke|schau) (?:mal |das |mir das )?(?:kurz |gleich )?"
        r"(?:nach|rein)\b|\bich verbinde sie\b|\bim system\b|\bein ticket\b|\beinen moment\b|"
        r"\bich (?:habe|hab) (?:das|es|ihnen|ihr\w*) .{0,30}(?:notiert|vermerkt|hinterlegt|"
        r"gutgeschrieben|storniert|weitergeleitet)\b|\bich leite das weiter\b|\bich kann ihnen\b|"
        r"\bbei ihnen (?:im|in der)\b|\bich sehe hier\b",
        1.5,
    ),
    _cue(
        "empathy.service",
        r"\bdas tut mir (?:sehr |wirklich )?leid\b|\bentschuldigen sie (?:bitte )?"
        r"die\b|\bich verstehe ihren ärger\b|"
        r"\bdas kann ich (?:gut )?(?:verstehen|nachvollziehen)\b",
        1.0,
    ),
    _cue(
        "closing",
        r"\bgibt es (?:sonst )?noch (?:etwas|was)\b|\bkann ich sonst noch\b|"
        r"\bdanke(?:schön)? für ihren anruf\b|\bvielen dank für ihren anruf\b|"
        r"\banything else i can\b",
        2.5,
    ),
)

CUSTOMER_CUES: tuple[Cue, ...] = (
    _cue(
        "problem",
        r"\bich (?:habe|hab) (?:da )?(?:ein|eine|ne|n) (?:problem|frage|reklamation|"
        r"beschwerde|anliegen)\b|\bi have a problem\b",
        2.5,
    ),
    _cue(
        "broken",
        r"\bfunktioniert (?:\w+ ){0,2}nicht\b|\bgeht (?:schon )?seit\b|\bgeht nicht mehr\b|"
        r"\bist (?:nicht|nie) angekommen\b|\bdoesn'?t work\b|\bblinkt\b|\bkein (?:internet|netz|"
        r"strom|empfang)\b|\bich versuche (?:\w+ ){0,2}seit\b|\bseit (?:einer|zwei|drei|\d+) "
        r"(?:stunden?|tagen|wochen|monaten)\b",
        2.0,
    ),
    _cue(
        "mine",
        r"\bmein(?:e|en|em)? (?:rechnung|abrechnung|lieferung|bestellung|paket|router|"
        r"internet|vertrag|konto|anschluss|handy|zähler|tarif|abschlag\w*|zahlung|geld|strom)\b|"
        r"\bmy (?:bill|invoice|order|account)\b",
        1.5,
    ),
    _cue(
        "reason",
        r"\bich rufe (?:\w+ ){0,3}wegen\b|\bich rufe an,? weil\b|\bich wollte (?:mal )?"
        r"(?:fragen|nachfragen|wissen)\b|\bich möchte (?:\w+ ){0,3}(?:kündigen|reklamieren|"
        r"beschweren|widerrufen)\b|\bich will (?:\w+ ){0,3}kündigen\b|\bi want to cancel\b",
        2.5,
    ),
    _cue(
        "give.identifier",
        r"\bmeine (?:kunden|vertrags|rechnungs|bestell)[- ]?nummer (?:ist|lautet)\b",
        2.5,
    ),
    _cue("give.name", r"^\W*(?:ja,? )?(?:hallo,? |guten tag,? )?[\wäöüß-]+,? hier\b", 1.5, True),
    _cue(
        "complaint",
        r"\bschon das (?:zweite|dritte|vierte|x-te|\d+\.) mal\b|"
        r"\bzum (?:zweiten|dritten|vierten|fünften) mal\b|\bunverschämt\b|"
        r"\bich bin (?:\w+ )?(?:verärgert|sauer|enttäuscht|wütend)\b|"
        r"\bdas kann (?:doch )?nicht (?:sein|wahr sein)\b|\bich warte (?:schon|seit)\b|"
        r"\bwurde (?:\w+ )?(?:doppelt |zweimal )?abgebucht\b",
        2.0,
    ),
)

_OPENING_TURNS = 2
_REPEAT_CAP = 2


def cue_scores(texts: list[str]) -> tuple[float, float, list[str]]:
    """Agent score, customer score and fired cue ids for one speaker's texts in order."""
    agent = customer = 0.0
    fired: list[str] = []
    for cues, is_agent in ((AGENT_CUES, True), (CUSTOMER_CUES, False)):
        for cue in cues:
            hits = 0
            for i, text in enumerate(texts):
                if cue.opening_only and i >= _OPENING_TURNS:
                    break
                if cue.pattern.search(text):
                    hits += 1
                    if hits >= _REPEAT_CAP:
                        break
            if hits:
                # the first few turns weigh most; repetition adds a little
                score = cue.weight * (1.0 + 0.25 * (hits - 1))
                if is_agent:
                    agent += score
                else:
                    customer += score
                fired.append(("agent." if is_agent else "customer.") + cue.id)
    return agent, customer, fired


_FIRST_SPEAKER_PRIOR = 0.5
_SECOND_AGENT = 4.0  # agent-minus-customer cue score that makes a further speaker an agent


@dataclass(slots=True)
class RoleDecision:
    roles: dict[str, SourceRole]
    info: dict[str, object]
    warnings: list[str]


def _speaker_texts(segments: list[Segment]) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for seg in segments:
        if seg.speaker is not None and seg.role != "bot":
            texts.setdefault(seg.speaker, []).append(seg.text)
    return texts


def _confidence(margin: float) -> float:
    return round(0.5 + 0.5 * (1.0 - math.exp(-max(margin, 0.0) / 3.0)), 2)


def infer_roles(
    texts: dict[str, list[str]], priors: dict[str, float] | None = None
) -> tuple[dict[str, SourceRole], dict[str, object]]:
    """Pick the agent among speakers (in order of first appearance) from what they say."""
    speakers = list(texts)
    if not speakers:
        return {}, {"method": "none"}
    priors = priors or {}
    diffs: dict[str, float] = {}
    cues: dict[str, list[str]] = {}
    any_cue = False
    for i, spk in enumerate(speakers):
        a, c, fired = cue_scores(texts[spk])
        any_cue = any_cue or bool(fired)
        cues[spk] = fired
        diffs[spk] = a - c + priors.get(spk, 0.0) + (_FIRST_SPEAKER_PRIOR if i == 0 else 0.0)
    ranked = sorted(speakers, key=lambda s: -diffs[s])
    if len(speakers) == 1:
        spk = speakers[0]
        role: SourceRole = "agent" if diffs[spk] > _FIRST_SPEAKER_PRIOR else "customer"
        margin = abs(diffs[spk] - _FIRST_SPEAKER_PRIOR)
        return {spk: role}, {
            "method": "text_cues" if any_cue else "default",
            "confidence": _confidence(margin) if any_cue else 0.5,
            "agent_speaker": spk if role == "agent" else None,
            "cues": cues,
        }
    agent = ranked[0]
    margin = diffs[agent] - diffs[ranked[1]]
    if any_cue:
        method = "text_cues"
    elif priors:
        method = "channel_prior"
    else:
        method = "first_speaker"
    roles: dict[str, SourceRole] = {s: ("agent" if s == agent else "customer") for s in speakers}
    # a transfer or conference: a third speaker who clearly talks like an agent is one too,
    # as long as the speaker who talks most like a customer stays the customer
    for spk in ranked[1:-1]:
        if diffs[spk] >= _SECOND_AGENT:
            roles[spk] = "agent"
    return roles, {
        "method": method,
        "confidence": _confidence(margin),
        "agent_speaker": agent,
        "cues": {s: f for s, f in cues.items() if f},
    }


def _match_speaker(wanted: str, speakers: Iterable[str]) -> str | None:
    key = _fold(wanted)
    for spk in speakers:
        if _fold(spk) == key:
            return spk
    return None


def decide_roles(call: RawCall, agent_speaker: str | None = None) -> RoleDecision:
    """Role of every speaker label in ``call`` and how it was decided."""
    warnings: list[str] = []
    labelled = [s for s in call.segments if s.speaker is not None]
    texts = _speaker_texts(call.segments)
    speakers = list(texts)

    if agent_speaker:
        found = _match_speaker(agent_speaker, speakers)
        if found is not None:
            roles: dict[str, SourceRole] = {
                s: ("agent" if s == found else "customer") for s in speakers
            }
            return RoleDecision(
                roles, {"method": "override", "confidence": 1.0, "agent_speaker": found}, warnings
            )
        warnings.append(f"--agent-speaker {agent_speaker!r} is not a speaker here; roles inferred")

    explicit: dict[str, SourceRole] = {}
    for seg in labelled:
        if seg.role is not None and seg.role != "bot" and seg.speaker not in explicit:
            explicit[seg.speaker] = seg.role  # type: ignore[index]
    if explicit:
        method = "explicit"
    else:
        explicit = {s: r for s, r in call.channel_roles.items() if s in texts}
        method = "channel"
    if explicit:
        rest = {s: t for s, t in texts.items() if s not in explicit}
        roles = dict(explicit)
        info: dict[str, object] = {
            "method": method,
            "confidence": 1.0 if method == "explicit" else 0.9,
        }
        if rest:
            has_agent = any(r == "agent" for r in explicit.values())
            if has_agent:
                roles.update({s: "customer" for s in rest})
            else:
                inferred, _ = infer_roles(rest, call.speaker_priors)
                roles.update(inferred)
            info["inferred_speakers"] = sorted(rest)
        agents = [s for s, r in roles.items() if r == "agent"]
        if agents:
            info["agent_speaker"] = agents[0]
        warnings.extend(_sanity_check(texts, roles))
        return RoleDecision(roles, info, warnings)

    roles, info = infer_roles(texts, call.speaker_priors)
    conf = info.get("confidence")
    if isinstance(conf, float) and conf < 0.6 and len(speakers) > 1:
        warnings.append(
            f"roles uncertain (confidence {conf:.2f}, method {info['method']}); "
            "use --agent-speaker to fix"
        )
    return RoleDecision(roles, info, warnings)


def _sanity_check(texts: dict[str, list[str]], roles: dict[str, SourceRole]) -> list[str]:
    """Warn when the source's roles contradict what the speakers say (swapped channels)."""
    agents = [s for s, r in roles.items() if r == "agent" and s in texts]
    customers = [s for s, r in roles.items() if r == "customer" and s in texts]
    if len(agents) != 1 or len(customers) != 1:
        return []
    a_agent, a_cust, _ = cue_scores(texts[agents[0]])
    c_agent, c_cust, _ = cue_scores(texts[customers[0]])
    if (c_agent - c_cust) - (a_agent - a_cust) >= 6.0:
        return [
            f"roles look swapped: {customers[0]!r} (customer) talks like the agent and "
            f"{agents[0]!r} (agent) like the customer"
        ]
    return []


# --- unlabelled segments -------------------------------------------------------------------


def _roles_per_segment(segments: list[Segment]) -> list[SourceRole]:
    """No speaker labels at all: classify each segment, else keep the previous role."""
    out: list[SourceRole] = []
    previous: SourceRole | None = None
    for i, seg in enumerate(segments):
        if seg.role is not None:
            role: SourceRole = seg.role
        else:
            a, c, _ = cue_scores([seg.text])
            if a - c >= 1.5:
                role = "agent"
            elif c - a >= 1.5:
                role = "customer"
            elif previous is not None:
                role = previous
            else:
                role = "agent" if i == 0 else "customer"
        out.append(role)
        previous = role
    return out


# --- building the transcript -----------------------------------------------------------------


def _snippet(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def finalize(
    call: RawCall, *, agent_speaker: str | None = None, source: str | None = None
) -> tuple[Transcript | None, list[str]]:
    """Roles, merged turns and names for one raw call. Returns (None, warnings) if no turns."""
    where = f"call {call.call_id}: "
    warnings = [where + w for w in call.warnings]
    for seg in call.segments:
        seg.text = clean_text(seg.text)
    segments = [s for s in call.segments if s.text]
    empty = len(call.segments) - len(segments)
    if empty:
        warnings.append(where + f"left out {empty} segment(s) without text")

    if call.keep_turns:
        metadata = dict(call.metadata)
        labels = {s.speaker for s in segments if s.speaker is not None and s.role != "bot"}
        found = _match_speaker(agent_speaker, labels) if agent_speaker else None
        if found is not None:  # the override wins even over toneprobe JSON roles
            for seg in segments:
                if seg.speaker is not None and seg.role != "bot":
                    seg.role = "agent" if seg.speaker == found else "customer"
            metadata["roles"] = {"method": "override", "confidence": 1.0, "agent_speaker": found}
        elif agent_speaker:
            warnings.append(where + f"--agent-speaker {agent_speaker!r} is not a speaker here")
        turns = tuple(
            Turn(i, s.role, s.text, s.speaker, s.start, s.end)  # type: ignore[arg-type]
            for i, s in enumerate(x for x in segments if x.role in ("agent", "customer"))
        )
        _report_bots(segments, where, warnings)
        if not turns:
            return None, warnings
        return Transcript(
            call_id=call.call_id,
            turns=turns,
            agent=call.agent,
            customer=call.customer,
            ended_by=call.ended_by,  # type: ignore[arg-type]
            source=source,
            metadata=metadata,
        ), warnings

    if any(s.speaker is not None for s in segments):
        # a segment without a label continues the speaker before it (subtitles print on change)
        carried = 0
        last: str | None = None
        for seg in segments:
            if seg.speaker is None and seg.role is None and last is not None:
                seg.speaker = last
                carried += 1
            elif seg.speaker is not None:
                last = seg.speaker
        if carried:
            warnings.append(
                where + f"{carried} segment(s) without speaker joined to the speaker before"
            )
        # leading unlabelled segments without a role: give them a label of their own
        for seg in segments:
            if seg.speaker is None and seg.role is None:
                seg.speaker = "unknown"
        call.segments = segments
        decision = decide_roles(call, agent_speaker)
        override = decision.info.get("method") == "override"
        roles_of = [_segment_role(s, decision.roles, override) for s in segments]
        info = decision.info
        warnings.extend(where + w for w in decision.warnings)
    else:
        roles_of = _roles_per_segment(segments)
        info = {"method": "per_segment_text_cues", "confidence": 0.5}
        if len(segments) > 1:
            warnings.append(where + "no speaker labels in the source; roles guessed per segment")

    bots = [s for s, r in zip(segments, roles_of, strict=True) if r == "bot"]
    if bots:
        lines = [str(s.line) for s in bots if s.line]
        at = f" (lines {', '.join(lines[:10])})" if lines else ""
        warnings.append(
            where + f"left out {len(bots)} bot/IVR segment(s){at}, e.g. {_snippet(bots[0].text)!r}"
        )

    merged: list[list[object]] = []  # [role, speaker, texts, start, end]
    for seg, role in zip(segments, roles_of, strict=True):
        if role == "bot":
            continue
        if merged and merged[-1][0] == role and merged[-1][1] == seg.speaker:
            cur = merged[-1]
            cur[2].append(seg.text)  # type: ignore[attr-defined]
            if seg.end is not None:
                cur[4] = seg.end
            if cur[3] is None and seg.start is not None:
                cur[3] = seg.start
        else:
            merged.append([role, seg.speaker, [seg.text], seg.start, seg.end])
    if not merged:
        return None, warnings
    turns = tuple(
        Turn(i, m[0], " ".join(m[2]), m[1], m[3], m[4])  # type: ignore[arg-type]
        for i, m in enumerate(merged)
    )

    agent_speakers = {t.speaker for t in turns if t.role == "agent"}
    customer_speakers = {t.speaker for t in turns if t.role == "customer"}
    agent = call.agent or _name_of(turns, agent_speakers, "agent")
    customer = call.customer or _name_of(turns, customer_speakers, "customer")
    metadata = dict(call.metadata)
    roles_info = {k: v for k, v in info.items() if v is not None}
    metadata["roles"] = roles_info
    return Transcript(
        call_id=call.call_id,
        turns=turns,
        agent=agent,
        customer=customer,
        ended_by=call.ended_by,  # type: ignore[arg-type]
        source=source,
        metadata=metadata,
    ), warnings


def _segment_role(seg: Segment, roles: dict[str, SourceRole], override: bool) -> SourceRole:
    if seg.role == "bot":
        return "bot"
    if seg.speaker is None:
        return seg.role or "customer"
    if seg.role is not None and not override:
        return seg.role
    return roles.get(seg.speaker, seg.role or "customer")


def _name_of(turns: tuple[Turn, ...], speakers: set[str | None], role: str) -> str | None:
    names = [s for s in speakers if is_person_name(s)]
    if len(names) == 1:
        return names[0]
    texts = [t.text for t in turns if t.role == role][:4]
    name = self_introduction(texts, greeting=role == "agent")
    if name is None and role == "customer" and texts:
        name = caller_surname(texts[0], [t.text for t in turns if t.role == "agent"][:6])
    return name


_SURNAME = re.compile(
    r"^\W*(?:ja,?\s+)?(?:(?:hallo|guten (?:tag|morgen|abend)|grüß gott|moin),?\s+(?:auch,?\s+)?)?"
    r"(?P<name>\w+(?:-\w+)?)"
    r"(?:\s+hier\b|\s+mein name\b|\s*,?\s+(?:guten|hallo|grüß|moin)\b|\s*[.!]\s+\w)",
    re.IGNORECASE,
)
_NOT_SURNAME = _wordset(
    "ja nein hallo guten tag morgen abend auch ich wir sie es das der die hier so also okay ok "
    "gut danke bitte moin servus genau na äh ähm hm tja richtig schön"
)


def caller_surname(first_turn: str, agent_texts: list[str]) -> str | None:
    """``Fuchs, guten Tag.`` / ``hallo meier hier`` -> the caller's surname, with ``Frau``/``Herr``
    when the agent addresses the caller so (``Das tut mir leid, Frau Fuchs``)."""
    m = _SURNAME.match(first_turn)
    if not m or m.group("name").casefold() in _NOT_SURNAME or not m.group("name").isalpha():
        return None
    surname = m.group("name")
    surname = surname[:1].upper() + surname[1:]
    address = re.compile(rf"\b(Herr|Frau)\s+{re.escape(surname)}\b", re.IGNORECASE)
    for text in agent_texts:
        hit = address.search(text)
        if hit:
            return f"{hit.group(1).capitalize()} {surname}"
    return surname


def _report_bots(segments: list[Segment], where: str, warnings: list[str]) -> None:
    bots = [s for s in segments if s.role == "bot"]
    if bots:
        warnings.append(
            where + f"left out {len(bots)} bot/IVR turn(s), e.g. {_snippet(bots[0].text)!r}"
        )
