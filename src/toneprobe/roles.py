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


# --- speaker labels and names -----------------------------------------------------------------

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


# --- the agent's self-introduction ----------------------------------------------------------
#
# A German agent opens with some of: greeting, company, department, own name, offer of help,
# in that order or close to it ("Stadtwerke Rabenau, Kundenservice, Dornbusch, guten Tag.").
# The text is cut into words and punctuation; an introduction phrase ("mein Name ist",
# "Sie sprechen mit", "am Telefon ist") names the person directly, otherwise the opening's chunks
# are read in order until the first chunk that is ordinary speech, and the name is the
# person-like chunk after the company. A name the agent only addresses ("Gerne, Frau Hinrichs",
# "Guten Tag, Herr Vogler") is never taken.

# greeting words; a run of them counts only with one of the core words in it
_GREETING_CORE = _wordset(
    "tag tach morgen abend mittag nachmittag hallo hallöchen hi hey moin moinsen servus gott "
    "grüezi willkommen"
)
_GREETING_GLUE = _wordset(
    "guten gute gutn schönen schöne wunderschönen einen grüß grüss gruß herzlich herzlichen und ja na"
)
# words that end the opening: replies, pronouns, function words, verbs of ordinary speech
_SPEECH = _wordset(
    "danke dank vielen gerne gern bitte okay ok genau gut super prima klar natürlich sicher "
    "richtig moment augenblick sekunde entschuldigung entschuldigen sorry achso ach aha oh oje "
    "tja hm hmm mhm äh ähm öhm also so schön toll perfekt alles verstehe verstanden einverstanden "
    "wunderbar sehr stimmt jawohl nein doch echt wirklich leider ich sie wir er es ihr ihre ihren "
    "ihrem ihrer ihres ihnen du dich dir mir mich mein meine meinen meiner uns unser unsere was "
    "wie wo wer wen wem warum wann womit wobei wofür weshalb welche welcher welches jetzt heute "
    "nun dann denn aber oder wenn weil dass ob nicht kein keine keinen noch schon auch nur mal "
    "eben gerade kann können könnte darf dürfen muss müssen soll sollen will wollen möchte habe "
    "haben hat hatte sind ist war bin bist sein wird werden würde tun mache machen helfen sagen "
    "sehe sehen schaue spreche sprechen rufe anrufen anruf frage fragen problem anliegen name "
    "nummer kundennummer thank thanks please yes no how what hello herrn damen herren das ein "
    "eine einen einem einer apparat telefon durchwahl platz"
)
_OPENING_FILLERS = _wordset("ja na so also äh ähm hm okay ok")
_CONNECTORS = _wordset("der des von vom bei beim für und & im in an am zu zur zum of the")
_ARTICLES = _wordset("die der das den dem des")
_POSSESSIVES = _wordset("ihr ihre ihren ihrem ihrer unser unsere unseren unserem")
_PARTICLES = _wordset("van de da di del della dos du ter ten")
_LEGAL_FORMS = _wordset("gmbh ag se kg ohg ug mbh kgaa gbr ltd inc plc llc co ev eg gmbh&co")
_DEPARTMENT = re.compile(
    r"^(?:kunden\w+|service\w*|\w*(?:service|dienst|hotline|center|centre|zentrale|abteilung|team|"
    r"support|dialog|beratung|betreuung|annahme|stelle|büro|management|verwaltung|vertrieb|"
    r"verkauf|buchhaltung|abrechnung|reklamationen|reklamation|retouren|empfang|auskunft|"
    r"technik|desk))$"
)
_COMPANY = re.compile(
    r"^(?:\w*(?:werke|werk|bank|kasse|versicherungen|versicherung|assekuranz|energie|energien|"
    r"telekom|bahn|reisen|reise|touristik|versand|shop|markt|handel|gruppe|mobil|mobilfunk|netze|"
    r"netz|direkt|finanz|finanzen|immobilien|logistik|apotheke|klinik|klinikum|kanzlei|versorgung|"
    r"betriebe|medien|media|airlines|airline|verlag|wohnbau|genossenschaft|stiftung|holding|"
    r"konzern|amt|wärme|store)|reise\w+|stadt|gemeinde|landkreis|online|digital|hotel|autohaus|praxis|gas|strom|"
    r"wasser|post|telecom|solar|insurance|systems|system|solutions|group|hafen|\w+hafen|"
    r"nord|süd|sued|west|ost|mitte|deutschland|international)$"
)
# company words that name a company together with the next word (Stadtwerke Rabenau)
_COMPANY_FIRST = re.compile(
    r"^(?:stadtwerke?|\w*werke|\w*kasse|\w*bank|hotel|autohaus|klinik|klinikum|kanzlei|"
    r"apotheke|praxis|stadt|gemeinde|landkreis|\w*amt|verkehrsbetriebe|stiftung)$"
)
_TOKEN = re.compile(
    r"(?P<w>[^\W\d_]+(?:['’-][^\W\d_]+)*)(?P<dot>\.)?|(?P<amp>&)|(?P<p>[^\w\s])|(?P<d>\d+)"
)
_ABBREVIATIONS = frozenset({"dr", "prof", "hr", "fr", "co", "st"})
_TITLES = {
    "herr": "Herr",
    "frau": "Frau",
    "hr.": "Hr.",
    "fr.": "Fr.",
    "dr.": "Dr.",
    "prof.": "Prof.",
}
_BREAK = "|"  # a chunk boundary (punctuation)


def _tokens(text: str) -> list[str]:
    """Words (``Dr.``/``J.`` keep their dot) and ``|`` for punctuation that ends a chunk."""
    text = re.sub(r"\be\.\s?V\.", "eV", text)
    out: list[str] = []
    for m in _TOKEN.finditer(text):
        word = m.group("w")
        if word is not None:
            abbreviation = m.group("dot") and (
                word.casefold() in _ABBREVIATIONS or (len(word) == 1 and word.isupper())
            )
            out.append(word + "." if abbreviation else word)
            if m.group("dot") and not abbreviation:
                out.append(_BREAK)
        elif m.group("amp"):
            out.append("&")
        elif m.group("p") and m.group("p") not in "'’\"„“”»«":
            out.append(_BREAK)
        elif m.group("d"):
            out.append(m.group("d"))
    return out


def _single_case(text: str) -> bool:
    """ASR output without capitals (or all in capitals): names cannot be told by their shape."""
    letters = [c for c in text if c.isalpha()]
    return not (any(c.isupper() for c in letters) and any(c.islower() for c in letters))


def _is_cue(word: str) -> bool:
    """A company, department or legal-form word (``Stadtwerke``, ``Kundenservice``, ``GmbH``)."""
    w = word.casefold().rstrip(".")
    return w in _LEGAL_FORMS or bool(_DEPARTMENT.match(w) or _COMPANY.match(w))


def _name_shaped(word: str, single_case: bool) -> bool:
    if word.casefold() in _TITLES:
        return True
    if single_case:
        return all(part.isalpha() for part in re.split(r"['’-]", word)) and len(word) > 1
    return is_name_word(word)


def _is_stop(word: str) -> bool:
    w = word.casefold()
    return (
        w in _SPEECH or w in _GREETING_CORE or w in _GREETING_GLUE or role_from_word(w) is not None
    )


def _format_name(words: list[str], single_case: bool) -> str:
    out = []
    for word in words:
        if word.casefold() in _TITLES:
            out.append(_TITLES[word.casefold()])
        elif single_case and word.casefold() not in _PARTICLES:
            out.append("-".join(p[:1].upper() + p[1:] for p in word.casefold().split("-")))
        else:
            out.append(word)
    return " ".join(out)


def _read_name(words: list[str], single_case: bool, max_words: int) -> list[str]:
    """Title(s) and up to ``max_words`` name words from the start of ``words``."""
    out: list[str] = []
    i = 0
    while i < len(words) and words[i].casefold() in _TITLES:
        out.append(words[i])
        i += 1
    count = 0
    while i < len(words) and count < max_words:
        word = words[i]
        if count and word.casefold() in _PARTICLES and i + 1 < len(words):
            # van der Berg, de la Cruz: particles only between name words
            j = i
            while j < len(words) and words[j].casefold() in (_PARTICLES | {"der", "den", "la"}):
                j += 1
            if j < len(words) and _name_shaped(words[j], single_case) and not _is_stop(words[j]):
                out.extend(words[i:j])
                i = j
                continue
            break
        if word == _BREAK or not _name_shaped(word, single_case) or _is_stop(word):
            break
        if word.casefold() in _CONNECTORS or word.casefold() in _ARTICLES:
            break  # "mit der Hotline", "Graf von Wellnetz"
        if _is_cue(word) or word.casefold() in _TITLES:
            break
        out.append(word)
        count += 1
        i += 1
    return out if count else []


# introduction phrases (casefolded word sequences) and the smallest name they accept:
# 1 = a surname alone will do; 2 = first and last name (or a title) needed, for phrases that also
# start ordinary sentences ("ich bin Rentnerin", "hier ist Schluss")
_INTRO_PHRASES: tuple[tuple[tuple[str, ...], int], ...] = tuple(
    (tuple(phrase.split()), need)
    for phrase, need in (
        ("mein name ist", 1),
        ("mein name lautet", 1),
        ("sie sprechen mit", 1),
        ("sie sprechen jetzt mit", 1),
        ("sie sprechen heute mit", 1),
        ("hier spricht", 1),
        ("es spricht", 1),
        ("am telefon ist", 1),
        ("am apparat ist", 1),
        ("am telefon spricht", 1),
        ("sie sind verbunden mit", 1),
        ("sie sind jetzt verbunden mit", 1),
        ("sie sind nun verbunden mit", 1),
        ("du bist verbunden mit", 1),
        ("my name is", 1),
        ("you are speaking with", 1),
        ("you're speaking with", 1),
        ("ich bin", 2),
        ("hier ist", 2),
        ("da ist", 2),
        ("this is", 2),
    )
)
# what may follow a name introduced by a weak phrase ("hier ist Lea Brandt von Kaufhafen")
_AFTER_NAME = _wordset("von vom bei aus und am hier verbunden from at speaking")


def _intro_name(text: str, opening: bool = False) -> str | None:
    """The name after an introduction phrase (``..., am Telefon ist Katharina Wolf.``).

    In a speaker's ``opening`` turn, ``hier ist`` also takes a surname alone when only a
    greeting or a company comes before it (``Ja, hallo, hier ist Ahrens.``).
    """
    single = _single_case(text)
    toks = _tokens(text.casefold() if single else text)
    folded = [t.casefold() for t in toks]
    for start in range(len(toks)):
        for phrase, need in _INTRO_PHRASES:
            end = start + len(phrase)
            if tuple(folded[start:end]) != phrase:
                continue
            rest = toks[end:]
            if (
                len(rest) > 1
                and rest[0].casefold() in ("der", "die")
                and rest[1].casefold() in _TITLES
            ):
                rest = rest[1:]  # "Sie sprechen mit der Frau Yilmaz"
            name = _read_name(rest, single, 2 if single else 3)
            if not name:
                continue
            plain = [w for w in name if w.casefold() not in _TITLES]
            titled = len(plain) < len(name)
            if need > 1:
                after = rest[len(name)] if len(rest) > len(name) else _BREAK
                surname_only = (
                    opening
                    and phrase[0] in ("hier", "da")
                    and (after == _BREAK or after.casefold() in ("von", "vom", "bei"))
                    and all(_before_intro(t) for t in toks[:start])
                )
                if len(plain) < 2 and not titled and not surname_only:
                    continue
                if after != _BREAK and after.casefold() not in _AFTER_NAME and not _is_stop(after):
                    continue
            if plain:
                return _format_name(name, single)
    return None


def _before_intro(tok: str) -> bool:
    """A token that may come before ``hier ist NAME``: greeting, filler, punctuation, company."""
    w = tok.casefold()
    if tok == _BREAK or w in _GREETING_CORE or w in _GREETING_GLUE or w in _OPENING_FILLERS:
        return True
    return _is_cue(tok) or (tok[:1].isupper() and not _is_stop(tok) and w not in _SPEECH)


def _chunks(toks: list[str]) -> list[tuple[str, list[str]]]:
    """Cut the opening into ("greeting", words) and ("words", words) chunks, in order."""
    out: list[tuple[str, list[str]]] = []
    current: list[str] = []
    for tok in [*toks, _BREAK]:
        if tok != _BREAK:
            current.append(tok)
            continue
        # greeting runs split a chunk: "Dornbusch guten Tag", "Hallo Stadtwerke Rabenau"
        i = 0
        words: list[str] = []
        while i < len(current):
            j = i
            while j < len(current) and current[j].casefold() in (_GREETING_CORE | _GREETING_GLUE):
                j += 1
            run = current[i:j]
            if run and any(w.casefold() in _GREETING_CORE for w in run):
                if words:
                    out.append(("words", words))
                    words = []
                out.append(("greeting", run))
                i = j
            else:
                words.append(current[i])
                i += 1
        if words:
            out.append(("words", words))
        current = []
    return out


def _company_end(words: list[str]) -> int:
    """Index of the last word of the company/department at the start of ``words`` (-1: none)."""
    end = -1
    for i, word in enumerate(words):
        w = word.casefold().rstrip(".")
        particle = i > 0 and words[i - 1].casefold() in _PARTICLES  # van der Berg
        if (w in _CONNECTORS or word == "&") and not particle:
            end = max(end, min(i + 1, len(words) - 1))
        elif _is_cue(word) or (len(word) > 1 and word.isupper()):  # AG, GmbH, AOK
            end = max(end, i)
            leads = i == 0 or words[i - 1].casefold() in _CONNECTORS
            # the company word comes first and the next word belongs to it: "Stadtwerke
            # Rabenau", "Gesundheitskasse Weserland", or a chunk of just "Möbelversand Kiepe"
            names_next = _COMPANY_FIRST.match(w) or (
                len(words) == 2 and i == 0 and (_COMPANY.match(w) or word.isupper())
            )
            if leads and names_next and i + 1 < len(words) and not _is_cue(words[i + 1]):
                end = max(end, i + 1)
    return end


@dataclass(slots=True)
class _Chunk:
    company: bool  # names a company or department
    name: list[str]  # the person-like words after it
    rest: list[str]  # all words after it
    marked: bool  # followed by "am Apparat" / "am Telefon" / "hier"
    last: bool  # ordinary speech follows: the opening ends here


def _read_chunk(words: list[str], single_case: bool) -> _Chunk:
    folded = [w.casefold() for w in words]
    # lead-ins: "hier ist (Ihr) ...", "(willkommen) bei der ..."
    i = 0
    if folded[:2] in (["hier", "ist"], ["hier", "sind"], ["da", "ist"]):
        i = 2
        if i < len(words) and folded[i] in _POSSESSIVES:
            i += 1
    while i < len(words) and folded[i] in ({"bei", "beim", "im"} | _ARTICLES):
        i += 1
    words, folded = words[i:], folded[i:]
    # the opening stops at the first word of ordinary speech; "X am Apparat" marks a name
    cut, marked = len(words), False
    for k, w in enumerate(folded):
        if w == "am" and k + 1 < len(words) and folded[k + 1] in ("apparat", "telefon"):
            cut, marked = k, True
            break
        if w == "hier" and k and (k + 1 == len(words) or folded[k + 1] in ("von", "vom", "bei")):
            cut, marked = k, True  # "Frau Graf hier von Wellnetz"
            break
        lower_word = (
            not single_case
            and words[k][:1].islower()
            and w not in _CONNECTORS
            and w not in _PARTICLES
        )
        if (_is_stop(words[k]) and not _is_cue(words[k])) or lower_word or w.isdigit():
            cut = k
            break
    last = cut < len(words)
    words = words[:cut]
    end = _company_end(words)
    rest = words[end + 1 :]
    if end >= 0 and len(rest) > 2:
        # "Fernwärme Hollbach Emre Çakır": a place or brand word still belongs to the company
        end, rest = end + len(rest) - 2, rest[-2:]
    name = _read_name(rest, single_case, 2 if single_case else 3)
    if len(name) != len(rest):
        name = []  # something else is mixed in: not a clean name
    return _Chunk(end >= 0, name, rest, marked, last)


def _opening_name(text: str) -> tuple[str | None, bool]:
    """(name, whether the text had more than greetings) from a greeting such as
    ``Stadtwerke Rabenau, Dornbusch, guten Tag.`` or ``kaufkiste kundenservice ohlendorf hallo``.
    """
    single = _single_case(text)
    chunks = _chunks(_tokens(text.casefold() if single else text))
    company_seen = False
    previous = ""
    first_guess: list[str] | None = None  # "Jasmin Çelik, guten Tag": no company named
    found: list[list[str]] = []
    content = greeted = named_company = speech_follows = False
    for kind, words in chunks:
        if kind == "greeting" or (
            not content and all(w.casefold() in _OPENING_FILLERS for w in words)
        ):
            previous = "greeting"  # "Ja, hallo, ..." before the company
            greeted = greeted or kind == "greeting"
            continue
        content = True
        chunk = _read_chunk(words, single)
        name = chunk.name
        plain = [w for w in name if w.casefold() not in _TITLES]
        if chunk.marked and name:
            return _format_name(name, single), True
        if not chunk.company and not company_seen and len(chunk.rest) >= 3:
            # "Lindenhof Emre Çakır" without a known company word: the company comes first
            name = _read_name(chunk.rest[-2:], single, 2)
            if len(name) == 2:
                found.append(name)
            company_seen = True
            previous = "first"
        elif chunk.company:
            found.clear()  # a company or department after them: those words were no name
            if plain:
                found.append(name)
            company_seen = named_company = True
            previous = "company"
        elif plain and len(plain) < len(name):
            # "Frau Dornbusch" only right after a named company: "Guten Tag, Herr Vogler" or
            # "Klar, Frau Hinrichs" address the customer
            if previous == "company":
                found.append(name)
            previous = "name"
        elif plain and not company_seen:
            # the first chunk is the company unless it can only be a full name
            if len(plain) >= 2:
                first_guess = name
            company_seen = True
            previous = "first"
        elif plain:
            found.append(name)
            previous = "name"
        if chunk.last:
            speech_follows = True
            break
    if not (greeted or named_company) and speech_follows and not _offers_help(text):
        # no greeting and no company word: "Naeher, Ogimi, ..." is a sentence, not an opening
        return None, content
    if found:
        full = [n for n in found if sum(w.casefold() not in _TITLES for w in n) >= 2]
        return _format_name(full[0] if full else found[-1], single), content
    if first_guess:
        return _format_name(first_guess, single), content
    return None, content


def _offers_help(text: str) -> bool:
    """``was kann ich für Sie tun`` and the like (the agent cue ``offer.help``)."""
    return any(c.id == "offer.help" and c.pattern.search(text) for c in AGENT_CUES)


def self_introduction(texts: Iterable[str], greeting: bool = False) -> str | None:
    """The name a speaker gives for themselves (``mein Name ist Jana Krüger``), if any.

    With ``greeting`` (the agent's opening turns) also the bare greeting: ``Firma, Vorname
    Nachname,`` or ``Firma, Nachname,`` and the lower-case ASR forms of both. Only the opening
    is read there, so a customer the agent addresses (``Gerne, Frau Hinrichs``) is never taken.
    """
    texts = [unicodedata.normalize("NFC", t) for t in texts]
    for i, text in enumerate(texts):
        if name := _intro_name(text, opening=i == 0):
            return name
    if greeting:
        for text in texts[:2]:
            name, content = _opening_name(text)
            if name or content:  # the second turn counts only after a bare "Hallo?"
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
            date=call.date,
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
        date=call.date,
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
    "sorry achso oh ach mist endlich schnell kurze kurz frage"
)


def caller_surname(first_turn: str, agent_texts: list[str]) -> str | None:
    """``Fuchs, guten Tag.`` / ``hallo meier hier`` -> the caller's surname, with ``Frau``/``Herr``
    when the agent addresses the caller so (``Das tut mir leid, Frau Fuchs``)."""
    m = _SURNAME.match(first_turn)
    if not m or m.group("name").casefold() in _NOT_SURNAME:
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


def _report_bots(segments: list[Segment], where: str, warnings: list[str]) -> None:
    bots = [s for s in segments if s.role == "bot"]
    if bots:
        warnings.append(
            where + f"left out {len(bots)} bot/IVR turn(s), e.g. {_snippet(bots[0].text)!r}"
        )
