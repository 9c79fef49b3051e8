"""The name a speaker gives for themselves: introduction phrases and the agent's opening."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from toneprobe.roles.cues import offers_help
from toneprobe.roles.names import ENGLISH_SPEECH, _single_case, is_name_word
from toneprobe.roles.words import _wordset, role_from_word

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
_SPEECH = (
    _wordset(
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
    | ENGLISH_SPEECH
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

    In a speaker's ``opening`` turn, ``hier ist`` (and ``this is``) also takes one name alone
    when only a greeting or a company comes before it (``Ja, hallo, hier ist Ahrens.``,
    ``Hi, this is Donna, I'll be assisting you``).
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
                    and phrase[0] in ("hier", "da", "this")
                    and (
                        after == _BREAK
                        or after.casefold() in ("von", "vom", "bei", "from")
                        or (phrase[0] == "this" and after.casefold() in ENGLISH_SPEECH)
                    )
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
    if not (greeted or named_company) and speech_follows and not offers_help(text):
        # no greeting and no company word: "Naeher, Ogimi, ..." is a sentence, not an opening
        return None, content
    if found:
        full = [n for n in found if sum(w.casefold() not in _TITLES for w in n) >= 2]
        return _format_name(full[0] if full else found[-1], single), content
    if first_guess:
        return _format_name(first_guess, single), content
    return None, content


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
