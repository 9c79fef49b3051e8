"""Hang-ups: ``none``, ``agent`` (the agent ends the call on an upset or still-talking customer,
or announces ending it, without a proper close), ``customer`` (the customer breaks off angrily)
or ``dropped`` (the line drops: "Hallo? Sind Sie noch da?", a turn cut mid-sentence).

The dialogue alone decides where the source has no metadata; ``ended_by`` and disconnect
metadata add evidence when present, so plain text and rich exports agree. Each piece of
evidence adds to one outcome's score with a reason that the explanation prints; the highest
score at or above ``DECIDE`` wins, else ``none``.

A goodbye means what its context makes it mean (issue 13, ``data/endings``): thanks after an
answer settle the call however curt ("Gut. Tschüss."), the same goodbye right after a refusal
(``hangup.agent.refusal.v1``) or with irony (``hangup.customer.sarcasm.v1``: after a refusal,
an unhelpful answer to an upset customer, an echo of the agent's words, or with the customer-
state model's anger) or leaving an unsettled matter (``hangup.customer.leaving.v1``) is the
customer's break-off; announcing the end after a line check closes a line that broke.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from toneprobe.detectors import hangup_reader
from toneprobe.detectors.base import (
    CallContext,
    Detector,
    DetectorResult,
    match_to_finding,
    turn_finding,
)
from toneprobe.detectors.deescalation import FROM_SENTIMENT, UpsetThresholds, thresholds_for
from toneprobe.findings import Finding
from toneprobe.model import Turn

if TYPE_CHECKING:  # pragma: no cover
    from toneprobe.sentiment.vocab import Lexicon

DECIDE = 0.6
TAIL = 3  # how many final turns carry hang-up evidence
# How upset counts here comes with the de-escalation thresholds (``UpsetThresholds``:
# ``upset`` clearly upset, ``hangup_upset_end`` still upset at the end, ``hangup_upset_leave``
# a customer this upset who says goodbye is breaking off), fitted with the state model.
BARE_GOODBYE = 8  # words: a goodbye this short answers nothing
REPLY_WORDS = 4  # words: an agent reply this short after the customer's goodbye adds nothing
OUTCOMES = ("agent", "customer", "dropped")
ANGRY_STATE = 0.5  # state model: anger/frustration at least this likely in the turn
CLOSING_KINDS = ("agent", "customer", "farewell", "leaving", "agent_bye", "sarcasm")
SHORT_REPLY = 6  # words: an agent reply this short after a bitter goodbye only answers it
AFTER_BYE = 3  # words after a goodbye that end a turn without punctuation: a name, a signature
PLAIN_KINDS = ("farewell", "courtesy", "formal_address", "greeting", "name")  # not help
# A turn that stops on one of these words (no final punctuation) was cut mid-sentence.
DANGLING = frozenset(
    [
        "und",
        "aber",
        "oder",
        "weil",
        "dass",
        "denn",
        "wenn",
        "ob",
        "als",
        "wie",
        "der",
        "die",
        "das",
        "den",
        "dem",
        "des",
        "ein",
        "eine",
        "einen",
        "einem",
        "mein",
        "meine",
        "meinen",
        "ihr",
        "ihre",
        "ihren",
        "ich",
        "wir",
        "sie",
        "es",
        "mit",
        "für",
        "zu",
        "von",
        "auf",
        "in",
        "an",
        "bei",
        "nach",
        "aus",
        "um",
        "ist",
        "sind",
        "habe",
        "hat",
        "war",
        "noch",
        "nur",
        "schon",
        "also",
        "dann",
        "so",
        "eine",
    ]
)
# Short words that end a complete utterance; any other final token of 1-3 letters in raw ASR
# text is a word cut in half ("ich ruf noch mal a", "und dann fün").
SHORT_WORDS = frozenset(
    [
        "ja",
        "jo",
        "ne",
        "nee",
        "nö",
        "so",
        "ok",
        "gut",
        "da",
        "wo",
        "was",
        "wie",
        "tag",
        "oh",
        "ah",
        "äh",
        "hm",
        "mhm",
        "aha",
        "tja",
        "nix",
        "mal",
        "nun",
        "gern",
        "bye",
        "tschö",
        "gell",
        "gel",
        "eh",
        "nen",
        "das",
        "die",
        "der",
        "den",
        "dem",
        "mir",
        "dir",
        "uns",
        "sie",
        "ihn",
        "es",
        "er",
        "wir",
        "ihr",
        "auf",
        "an",
        "zu",
        "aus",
        "ab",
        "vor",
        "mit",
        "hin",
        "her",
        "los",
        "weg",
        "neu",
        "alt",
        "rot",
        "tun",
        "gib",
        "ins",
        "im",
        "am",
        "zum",
        "vom",
        "bis",
        "nur",
        "ade",
        "bye",
        "tschau",
        "pfiat",
        "moin",
        "jo",
        # dialect and chat words that end a complete turn ("des gibts jo net", "danke top")
        "net",
        "ned",
        "nit",
        "nid",
        "is",
        "ist",
        "hab",
        "dat",
        "det",
        "dit",
        "wat",
        "wa",
        "ach",
        "och",
        "hey",
        "nie",
        "top",
        "thx",
        "lol",
        "omg",
        "wtf",
    ]
)
CUT_MARK = re.compile(r"(\.\.\.|…|—|–|-)\s*$")
FINAL_PUNCT = re.compile(r"[.!?»“\")]\s*$")
#: a turn that ends on a closing formula is complete with or without a full stop: "schönen
#: abend noch", "danke", "dann meld ich mich, lg"
CLOSING_END = re.compile(
    r"\b(danke(schön)?|dank|tschüss|tschüs|tschau|ciao|bye|ade|servus|wiederhören|wiedersehen"
    r"|lg|vg|mfg|gruß|grüße|gruss|grüsse|(tag|abend|wochenende|feierabend|sonntag)\s+noch)\W*$",
    re.IGNORECASE,
)
#: an e-mail or ticket message that ends on its sign-off and signature ("Freundliche Grüße /
#: B. Vogt", "Herzliche Grüße aus Bremen / Eva Roth / Kundenservice", "Viele Grüße, Anna") is
#: complete although its last line has no full stop. The abbreviations count only where they
#: open a line or follow punctuation ("danke, lg anna"), not inside a sentence ("wegen meinem
#: LG Fernseher")
SIGN_OFF = re.compile(
    r"(\b(gruß|grüße|gruss|grüsse|grüßen|grüssen)\b|(^|[\n,.!?;:]\s*)(mfg|lg|vg)\b)"
    r"([^\n?]{0,40}(\n[^\n?]{0,60}){1,5}|[\s,.!]*([^\W\d_][\w.\-]*\s*){0,2}[.!]?)\s*$",
    re.IGNORECASE,
)
# A chat message that ends in an emoji or an emoticon ("Pass auf dich auf 🧡", "bis dann :-)")
# is complete: the symbol closes it as a full stop would.
EMOJI_END = re.compile(
    r"([\u2190-\u2bff\u2600-\u27bf\U0001f000-\U0001faff][\ufe0f\u200d\U0001f3fb-\U0001f3ff]*"
    r"|(^|\s)[:;=8xX]-?[)(DPpO3*/|\]\[]+|(^|\s)<3)\s*$"
)
REQUEST = re.compile(
    r"\?|\b(wollte|wollt|möchte)\s+(ich\s+)?(noch\s+)?(fragen|wissen)\b|\bnoch\s+(eine\s+)?frage\b"
    r"|\bob\s+(sie|ich|man|das|die|der|es)\b[^.!?]{0,80}$"
    # asking to be passed on: "Dann möchte ich bitte mit einer Vorgesetzten sprechen."
    r"|\b(möchte|will|würde|wuerde)\b[^.!?]{0,40}\b(vorgesetzte[nr]?|chef(in)?|teamleit\w*"
    r"|supervisor|beschwerdestelle)\b",
    re.IGNORECASE,
)
METADATA_EVIDENCE = {
    "dropped": ("dropped", 1.0),
    "agent": ("agent", 0.45),
    "customer": ("customer", 0.35),
}


def is_cut_off(text: str, punctuated: bool = False, lexicon: Lexicon | None = None) -> bool:
    """True when a turn breaks off mid-sentence ("Ich wollte noch sagen, dass ...").

    In a punctuated transcript any turn without final punctuation was cut; in lower-case ASR
    text a dangling function word ("und", "dass") or a word cut in half tells: a short one
    that is no word ("fün"), or, with a ``lexicon`` of known words, one that is none of them
    but begins a longer one ("zum mieterver", "wo mein koff").
    """
    stripped = text.strip()
    if not stripped:
        return False
    if CUT_MARK.search(stripped):
        return True
    if FINAL_PUNCT.search(stripped) or EMOJI_END.search(stripped):
        return False
    if CLOSING_END.search(stripped):
        return False
    if SIGN_OFF.search(stripped) and last_word(stripped) not in DANGLING:
        return False
    if punctuated:
        return True
    last = last_word(stripped)
    if not last:
        return False
    if last in DANGLING or (len(last) <= 3 and last not in SHORT_WORDS):
        return True
    return lexicon is not None and cut_word(last, lexicon)


def last_word(text: str) -> str:
    """The turn's last word in lower case ("" when it has none)."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    return words[-1] if words else ""


def cut_word(word: str, lexicon: Lexicon) -> bool:
    """``word`` (lower case) is a known word's beginning and no word itself: cut in half."""
    return len(word) > 3 and word not in lexicon and lexicon.continues(word)


def is_punctuated(texts: list[str]) -> bool:
    """Most turns end with punctuation: the transcript is punctuated, not raw ASR."""
    ends = [
        bool(
            FINAL_PUNCT.search(t.strip())
            or EMOJI_END.search(t.strip())
            or CUT_MARK.search(t.strip())
        )
        for t in texts
        if t.strip()
    ]
    return len(ends) >= 3 and sum(ends) >= 0.8 * len(ends)


def punctuated_by_role(turns: Sequence[Turn]) -> dict[str, bool]:
    """``is_punctuated`` per role, over that speaker's own turns where there are at least three,
    else over the whole transcript."""
    whole = is_punctuated([t.text for t in turns])
    out: dict[str, bool] = {}
    for role in {t.role for t in turns}:
        own = [t.text for t in turns if t.role == role and t.text.strip()]
        out[role] = is_punctuated(own) if len(own) >= 3 else whole
    return out


@dataclass
class Ending:
    """The facts about how a call ends that the evidence rules below read."""

    turns: tuple[Turn, ...]
    tail: set[int]
    findings: list[Finding]  # this detector's rule matches in the tail
    #: turns (any in the call) where the customer insults the agent or the agent warns them
    #: about it (BOUNDARY_RULES)
    abuse: set[int]
    farewell: set[int]  # agent turns with a farewell
    customer_bye: set[int]  # customer turns with a farewell
    helpful: set[int]  # agent turns with a real move (apology, next step, empathy ...)
    hostile: set[int]  # agent turns with a negative finding
    offered: set[int]  # agent turns offering more help ("sonst noch etwas?")
    only_offer: set[int]  # helpful agent turns whose one move is that offer
    upset_cues: set[int]  # customer turns with an upset cue
    levels: dict[int, float]  # customer upset level per turn
    #: per role: does this speaker end turns with punctuation? In a chat the agent usually
    #: does and the customer often does not, so a customer's unpunctuated "schönen abend noch"
    #: is complete, not cut off
    punctuated: dict[str, bool]
    th: UpsetThresholds = FROM_SENTIMENT
    anger: dict[int, float] = field(default_factory=dict)  # state model, per customer turn
    #: customer turns the state model reads as relief or satisfaction above all ("Ich bin so
    #: erleichtert", "ich war kurz vorm heulen, jetzt geht's wieder"): never upset at the end,
    #: whatever words of past trouble they hold
    relieved: set[int] = field(default_factory=set)
    lexicon: Lexicon | None = None  # known word forms: a last word cut in half
    #: per turn, where its last goodbye ends (agent farewells and customer goodbyes)
    bye_end: dict[int, int] = field(default_factory=dict)
    #: why the context halved a rule's break-off cue (``rule_evidence``): ``calm_leave`` (the
    #: agent notes that a customer who was never upset left), ``goes_on`` (the call went on
    #: after the customer's break-off phrase); the learned reader reads them
    discounted: set[str] = field(default_factory=set)

    def cut_off(self, turn: Turn) -> bool:
        """The turn breaks off mid-sentence, judged by how its speaker writes."""
        return is_cut_off(turn.text, self.punctuated.get(turn.role, False), self.lexicon)

    def how_cut(self, turn: Turn) -> str:
        """How a cut-off turn ends, for the explanation: mid-word when its last word is only
        a known word's beginning."""
        word = last_word(turn.text)
        if self.lexicon is not None and word and cut_word(word, self.lexicon):
            return f"mid-word ('{word}' only begins a word)"
        return "mid-sentence"

    def kinds(self, turn: int) -> set[str]:
        return {f.kind for f in self.findings if f.turn == turn and f.kind}

    def rules(self, turn: int, *kinds: str) -> list[Finding]:
        return [f for f in self.findings if f.turn == turn and f.kind in kinds]

    def angry_state(self, turn: int) -> bool:
        """The customer-state model reads anger or frustration in this turn."""
        return self.anger.get(turn, 0.0) >= ANGRY_STATE

    def turned_down(self, turn: Turn, hostile: bool = True) -> Turn | None:
        """The agent turn right before this customer turn, if it refused the customer without
        an alternative (hangup.agent.refusal.v1) or, with ``hostile``, was hostile."""
        prev = self.before(turn)
        if prev is None or prev.role != "agent":
            return None
        if "refusal" in self.kinds(prev.index) or hostile and prev.index in self.hostile:
            return prev
        return None

    def bitter(self, turn: Turn) -> list[str]:
        """Why this customer turn leaves in protest (empty when it does not): a break-off
        phrase, marked irony or thanks said angrily to a refusal, or leaving an unsettled
        matter."""
        i = turn.index
        kinds = self.kinds(i)
        refused = self.turned_down(turn)
        why = [f"{f.rule_id} '{f.text}'" for f in self.rules(i, "customer")]
        context = (
            refused is not None
            or self.angry_state(i)
            or self.angry(i)
            or self.echoes(turn)
            or self.unhelped(turn)
        )
        if "sarcasm" in kinds and context:
            why += [f"{f.rule_id} '{f.text}' (irony)" for f in self.rules(i, "sarcasm")]
        if "thanks" in kinds and refused is not None and self.angry_state(i):
            why.append(f"thanks said angrily to the refusal in turn {refused.index}")
        if "leaving" in kinds and ("thanks" not in kinds or context):
            why += [f"{f.rule_id} '{f.text}'" for f in self.rules(i, "leaving")]
        return why

    def echoes(self, turn: Turn) -> bool:
        """The customer's turn opens by repeating the agent's words as a fragment ("Zehn
        Wochen." to "... bis zu zehn Wochen"; "nachgefragt." to "Ich habe nachgefragt")."""
        prev = self.before(turn)
        if prev is None or prev.role != "agent":
            return False
        head = re.split(r"[.!?]", turn.text, maxsplit=1)[0]
        words = re.findall(r"[^\W\d_]+|\d+", head.lower())
        said = set(re.findall(r"[^\W\d_]+|\d+", prev.text.lower()))
        return 0 < len(words) <= 3 and all(w in said for w in words) and head != turn.text

    def unhelped(self, turn: Turn) -> bool:
        """The customer was upset before and the agent's answer in between offered nothing."""
        prev = self.before(turn)
        return (
            prev is not None
            and prev.role == "agent"
            and prev.index not in self.helpful | self.offered
            and _customer_upset_before(turn.index, self)
        )

    def settled(self, turn: Turn) -> bool:
        """The customer closes a settled matter: thanks or acceptance, and nothing bitter."""
        return "thanks" in self.kinds(turn.index) and not self.bitter(turn)

    @property
    def last(self) -> Turn:
        return self.turns[-1]

    @property
    def final_agent(self) -> Turn | None:
        return next((t for t in reversed(self.turns) if t.role == "agent"), None)

    def upset(self, turn: int) -> float:
        return self.levels.get(turn, 0.0)

    def angry(self, turn: int, level: float | None = None) -> bool:
        if turn in self.relieved:
            return False
        level = self.th.upset if level is None else level
        return self.upset(turn) >= level or turn in self.upset_cues

    def turn_at(self, index: int) -> Turn | None:
        """The turn whose index this is (None when there is none)."""
        return next((t for t in self.turns if t.index == index), None)

    def before(self, turn: Turn) -> Turn | None:
        earlier = [t for t in self.turns if t.index < turn.index]
        return earlier[-1] if earlier else None

    def after(self, turn: Turn) -> list[Turn]:
        return [t for t in self.turns if t.index > turn.index]

    @property
    def mutual_goodbye(self) -> bool:
        """The customer answers the agent's goodbye with one: the call ended by agreement."""
        fa = self.final_agent
        return bool(
            fa is not None
            and fa.index in self.farewell
            and self.last.role == "customer"
            and self.last.index > fa.index
            and self.last.index in self.customer_bye
        )


Add = Callable[[str, float, str], None]


def rule_evidence(e: Ending, add: Add) -> None:
    """Announcements, break-off phrases, line checks: the tail's rule matches."""
    for f in e.findings:
        if f.kind not in OUTCOMES:
            continue
        if f.kind == "dropped" and (left := _left_after_goodbye(f, e)):
            # "Vergesset Se's. Ade!" - "Warte, ... Hallo? ... Okay, weg.": nobody is on the line
            # because the other side said goodbye and hung up, not because the line broke
            who = "customer" if left.role == "customer" else "agent"
            add(
                who,
                f.weight,
                f"{f.rule_id} in turn {f.turn} calls after the {who}, who said goodbye on an "
                f"unsettled matter in turn {left.index}: '{f.text}'",
            )
            continue
        if f.kind == "agent" and f.role == "agent" and (check := _line_check_before(f.turn, e)):
            # "Hallo? Ich höre Sie nicht mehr." then "Ich lege jetzt auf, rufen Sie neu an."
            add(
                "dropped",
                f.weight,
                f"{f.rule_id} in turn {f.turn} closes a line that broke "
                f"({check.rule_id} in turn {check.turn}, no answer since): '{f.text}'",
            )
            continue
        if (
            f.kind == "customer"
            and f.role == "agent"
            and not _customer_upset_before(f.turn, e)
            and not _called_out_before(f, e)
        ):
            # "Sie haben den Chat verlassen." after a calm, settled chat: no break-off
            e.discounted.add("calm_leave")
            add(
                f.kind,
                f.weight / 2,
                f"{f.rule_id} in turn {f.turn}, but the customer was not upset: '{f.text}'",
            )
            continue
        if (
            f.kind == "customer"
            and f.role == "customer"
            and not _ends_call(f.turn, e)
            and not _closed_after_leaving(f.turn, e)
        ):
            # "Danke für gar nichts." followed by the agent's normal close: not a hang-up
            e.discounted.add("goes_on")
            add(
                f.kind,
                f.weight / 2,
                f"{f.rule_id} in turn {f.turn}, but the call goes on: '{f.text}'",
            )
            continue
        called = " (the agent was still talking)" if _called_out_before(f, e) else ""
        add(f.kind, f.weight, f"{f.rule_id} in turn {f.turn}{called}: '{f.text}'")


def close_evidence(e: Ending, add: Add) -> None:
    """The agent closes the chat: a hang-up on a customer who still writes afterwards, was cut
    off, is upset or is left with an open question; a close after a settled chat is none."""
    closes = [f for f in e.findings if f.kind == "close" and f.role == "agent"]
    if not closes:
        return
    f = closes[-1]
    turn = e.turns[f.turn] if 0 <= f.turn < len(e.turns) else None
    if turn is None:
        return
    if any(t.role == "customer" for t in e.after(turn)):
        add(
            "agent",
            f.weight,
            f"{f.rule_id}: the customer still writes after the close (turn {f.turn})",
        )
        return
    prev = next((t for t in reversed(e.turns[: f.turn]) if t.role == "customer"), None)
    if prev is None or prev.index < f.turn - TAIL:
        return
    offered = any(prev.index < t < f.turn for t in e.offered)
    # the customer's messages since the agent last wrote: a chat customer often sends several
    since = [prev]
    for t in reversed(e.turns[: prev.index]):
        if t.role != "customer" or t.index < f.turn - TAIL:
            break
        since.append(t)
    angry = next((t for t in since if e.angry(t.index)), None)
    if e.cut_off(prev):
        why = f"the customer's turn {prev.index} breaks off"
    elif angry is not None:
        why = f"the customer is upset (turn {angry.index})"
    elif REQUEST.search(prev.text) and not offered:
        why = f"the customer's question in turn {prev.index} is left open"
    else:
        return
    add("agent", f.weight, f"{f.rule_id} in turn {f.turn}: the agent closes the chat; {why}")


def agent_goodbye_evidence(e: Ending, add: Add) -> None:
    """The agent's last turn says goodbye: hostile, mid-sentence, on anger, or on a question."""
    fa = e.final_agent
    if fa is None or fa.index not in e.tail or e.mutual_goodbye:
        return
    prev = e.before(fa)
    if fa.index not in e.farewell:
        # no goodbye at all: only a hostile last word over a customer cut mid-sentence counts
        if (
            fa.index in e.hostile
            and prev is not None
            and prev.role == "customer"
            and e.cut_off(prev)
        ):
            add(
                "agent",
                0.7,
                f"the agent cuts the customer off (turn {prev.index}) with a hostile last word",
            )
        return
    if fa.index in e.hostile:
        add("agent", 0.6, f"the agent says goodbye in a hostile turn ({fa.index})")
        return
    if prev is None or prev.role != "customer":
        return
    offered = any(t < fa.index for t in e.offered)
    bare = len(fa.text.split()) <= BARE_GOODBYE and fa.index not in e.helpful
    if e.cut_off(prev) and prev.index not in e.customer_bye:  # "passt scho pfiat di" is whole
        add(
            "agent",
            0.7,
            f"the agent says goodbye while the customer is still talking (turn {prev.index} breaks off)",
        )
    elif (
        e.angry(prev.index)
        and fa.index not in e.helpful
        and not offered
        and prev.index not in e.customer_bye  # the customer said goodbye first
    ):
        add(
            "agent",
            0.6,
            f"the agent says goodbye right after an upset customer turn ({prev.index}) without offering anything",
        )
    elif bare and REQUEST.search(prev.text) and not offered:
        add(
            "agent",
            0.6,
            f"the agent answers the customer's open question (turn {prev.index}) with a bare goodbye",
        )


def customer_goodbye_evidence(e: Ending, add: Add) -> None:
    """The customer has the last word: an upset goodbye breaks the call off."""
    last = e.last
    if last.role != "customer":
        reply_evidence(e, add)
        return
    if e.settled(last):
        return  # "Gut. Mehr wollt ich nicht wissen. Wiederhören.": curt, not a break-off
    asked = e.before(last)
    if (
        asked is not None
        and asked.role == "agent"
        and e.turned_down(last, hostile=False) is None
        and asked.index in e.offered | e.farewell
        and not e.angry_state(last.index)
        and not e.bitter(last)
        and not _customer_upset_before(last.index, e)
    ):
        return  # "nee tschüss" to the agent's "noch was?": the customer answers, calmly
    recent = [t.index for t in e.turns if t.role == "customer"][-2:]
    upset_recently = any(e.angry(t, e.th.hangup_upset_end) for t in recent)
    angry_bye = e.angry(last.index, e.th.hangup_upset_leave) or upset_recently
    # answering the agent's goodbye is no break-off
    if last.index in e.customer_bye and angry_bye and not e.mutual_goodbye:
        add(
            "customer",
            0.6,
            f"the upset customer says goodbye and ends the call (turn {last.index})",
        )
    fa = e.final_agent
    if e.angry(last.index, e.th.hangup_upset_end) and last.index not in e.customer_bye:
        if fa is None or fa.index not in e.farewell:
            add("customer", 0.35, f"the upset customer has the last word (turn {last.index})")
        elif fa.index in e.tail:
            add(
                "agent", 0.3, f"the customer protests after the agent's goodbye (turn {last.index})"
            )


def reply_evidence(e: Ending, add: Add) -> None:
    """The upset customer says goodbye and the agent only answers it in a few words ("Ihnen
    auch.", "Wie Sie meinen."): the customer ended the call (or chat)."""
    reply = e.last
    bye = e.before(reply)
    if (
        bye is None
        or bye.role != "customer"
        or bye.index not in e.customer_bye
        or len(reply.text.split()) > REPLY_WORDS
        or reply.index in e.helpful
        or reply.index in e.offered
    ):
        return
    if e.settled(bye):
        return  # "Ja, danke, tschüss." - "Tschüss.": a settled call
    asked = e.before(bye)
    if (
        asked is not None
        and asked.role == "agent"
        and (asked.index in e.offered | e.farewell or asked.text.rstrip().endswith("?"))
    ):
        return  # the customer answers the agent's question ("Sonst noch etwas?") or goodbye
    if _customer_upset_before(bye.index + 1, e):
        add(
            "customer",
            0.6,
            f"the upset customer says goodbye (turn {bye.index}), the agent only answers it",
        )


def bitter_end_evidence(e: Ending, add: Add) -> None:
    """The customer's last turn leaves in protest (irony, an angry thank-you to a refusal,
    leaving an unsettled matter, or a goodbye right after a refusal without accepting it) and
    at most a short agent reply follows: the customer broke off, however polite the words."""
    last_c = next((t for t in reversed(e.turns) if t.role == "customer"), None)
    if last_c is None or last_c.index not in e.tail or e.mutual_goodbye:
        return  # a reply to the agent's goodbye: the agent ended the call
    after = e.after(last_c)
    if not _closed_after_leaving(last_c.index, e) and (
        len(after) > 1
        or any(len(t.text.split()) > SHORT_REPLY or t.index in e.helpful | e.offered for t in after)
    ):
        return  # the agent answers it with more than a word: the call goes on or closes
    why = [w for w in e.bitter(last_c) if "hangup.customer.breakoff" not in w]
    if not why and last_c.index in e.customer_bye and (earlier := _left_before(last_c, e)):
        # "Dann weiß ich, woran ich bin. Ich versende nicht mehr mit Ihnen." - "Das ist Ihre
        # Entscheidung." - "Danke für Ihre Zeit. Auf Wiederhören."
        why = [f"{w} in turn {earlier.index}" for w in e.bitter(earlier)]
    refused = e.turned_down(last_c, hostile=False)
    if (
        not why
        and refused is not None
        and refused.index not in e.farewell
        and last_c.index in e.customer_bye
        and not e.settled(last_c)
    ):
        why = [f"a goodbye right after the agent's refusal in turn {refused.index}, not accepted"]
    if why:
        add(
            "customer",
            0.6,
            f"the customer leaves in protest (turn {last_c.index}): {'; '.join(why)}",
        )


def _left_before(last_c: Turn, e: Ending) -> Turn | None:
    """The customer's turn before their goodbye, when it is in the tail and the agent's answer
    in between offered nothing (no real move, no offer of more help): the goodbye only ends
    what that turn said."""
    prev_c = next((t for t in reversed(e.turns[: last_c.index]) if t.role == "customer"), None)
    if prev_c is None or prev_c.index not in e.tail:
        return None
    answered = e.helpful | e.offered
    if any(t.index in answered for t in e.turns[prev_c.index + 1 : last_c.index]):
        return None
    return prev_c


#: the cut_short match that only calls after the agent ("hallo hallo"): a line check sounds the same
CALLING_AFTER = re.compile(r"hallo\W+hallo\b", re.IGNORECASE)


def cut_short_evidence(e: Ending, add: Add) -> None:
    """The customer's last turn says the agent has just ended the call on them ("ich war noch
    nicht fertig", "hallo hallo, der hat aufgelegt"): after the agent's goodbye or close it is
    the agent's hang-up however calm the customer was; without one only a hint (a line that
    dropped sounds the same), and a bare "hallo hallo" is left to the line checks."""
    last = e.last
    fa = e.final_agent
    if last.role != "customer" or fa is None or fa.index > last.index:
        return
    hits = e.rules(last.index, "cut_short")
    if not hits:
        return
    words = "; ".join(f"'{f.text}'" for f in hits)
    closed = fa.index in e.farewell or bool(e.rules(fa.index, "close"))
    if closed:
        add(
            "agent",
            1.0,
            f"the customer is cut short after the agent's close (turn {fa.index}): {words}",
        )
    elif not all(CALLING_AFTER.match(f.text) for f in hits):
        add(
            "agent",
            0.4,
            f"the customer says the call was ended on them (turn {last.index}): {words}",
        )


def cut_off_evidence(e: Ending, add: Add, agent_already: bool) -> None:
    """The last turn breaks off mid-sentence: the line dropped (or the agent cut in)."""
    last = e.last
    if agent_already or not e.cut_off(last):
        return
    if e.kinds(last.index) & set(CLOSING_KINDS):
        return  # "ich leg jetzt auf", "... ade": a complete closing, not a turn cut off
    end = e.bye_end.get(last.index)
    if end is not None and len(last.text[end:].split()) <= AFTER_BYE:
        return  # "servus resi", "... einen schönen Tag! Ihr Faltenwurf-Team": a name, a signature
    if last.role == "customer" and e.hostile & e.tail:
        add(
            "agent",
            0.7,
            f"turn {last.index} breaks off {e.how_cut(last)} while the customer is still talking,"
            " after a hostile agent turn",
        )
    else:
        add("dropped", 0.6, f"turn {last.index} breaks off {e.how_cut(last)}")


#: an agent turn is hostile when its negative findings weigh this much: one model finding (0.3)
#: on its own is a hint, not hostility
HOSTILE_MIN_WEIGHT = 0.4


def _hostile_turns(findings: Sequence[Finding]) -> set[int]:
    """Agent turns whose negative findings (rules and model) weigh at least HOSTILE_MIN_WEIGHT."""
    weight: dict[int, float] = {}
    for f in findings:
        if f.polarity == "negative" and f.role == "agent":
            weight[f.turn] = weight.get(f.turn, 0.0) + f.weight
    return {t for t, w in weight.items() if w >= HOSTILE_MIN_WEIGHT - 1e-9}


def hostile_end_evidence(e: Ending, add: Add) -> None:
    if e.last.role == "agent" and e.last.index in e.hostile and e.last.index not in e.farewell:
        add("agent", 0.3, "the call ends on a hostile agent turn without a farewell")


#: an agent who ends the call on a customer who insults them ("ihr Volldeppen"), or after warning
#: them about it ("Das ist jetzt das zweite Mal ... ich beende das Gespräch"), within the last
#: BOUNDARY_SPAN turns before the turn that ends it (or after that turn), hangs up to set a
#: boundary (the scoring reads it)
BOUNDARY_RULES = frozenset({"hangup.agent.after_warnings.v1", "hangup.customer.abuse.v1"})
BOUNDARY_SPAN = 4


class HangUp(Detector):
    name = "hangup"
    version = 1

    def detect(self, ctx: CallContext) -> DetectorResult:
        turns = ctx.transcript.turns
        if not turns:
            empty: dict[str, Any] = {
                "outcome": "none",
                "turn": None,
                "proper_close": False,
                "boundary": False,
                "evidence": [],
                "scores": {},
            }
            return DetectorResult(self.name, (), empty)
        e = self._ending(ctx)
        scores = dict.fromkeys(("agent", "customer", "dropped", "none"), 0.0)
        evidence: list[str] = []

        def add(outcome: str, amount: float, why: str) -> None:
            scores[outcome] += amount
            evidence.append(f"{outcome} +{amount:.2f}: {why}")

        rule_evidence(e, add)
        close_evidence(e, add)
        agent_goodbye_evidence(e, add)
        customer_goodbye_evidence(e, add)
        bitter_end_evidence(e, add)
        cut_short_evidence(e, add)
        cut_off_evidence(e, add, agent_already=scores["agent"] > 0)
        hostile_end_evidence(e, add)
        fa = e.final_agent
        closed = fa is not None and fa.index in e.farewell and fa.index not in e.hostile
        self._metadata_evidence(ctx, e, add, closed)
        reading = self._reader_evidence(ctx, e, dict(scores), add)

        outcome = decide(scores)
        findings = list(e.findings)
        ruled = any(f.kind == outcome for f in findings)
        if reading is not None and outcome == reading.outcome != "none" and not ruled:
            findings.append(reader_finding(e, reading))
        decisive = [f.turn for f in findings if f.kind == outcome]
        turn = (decisive[-1] if decisive else e.last.index) if outcome != "none" else None
        summary = {
            "outcome": outcome,
            "turn": turn,
            "proper_close": closed,
            # the agent ended it on a customer who insulted them, or after warning them: a
            # boundary (the insult may come after the turn that decides, as when the agent
            # warns "noch eine Beleidigung, und ich beende das Gespräch" and the customer
            # insults them again)
            "boundary": outcome == "agent"
            and turn is not None
            and any(turn - BOUNDARY_SPAN <= t for t in e.abuse),
            "evidence": evidence,
            "scores": {k: round(v, 3) for k, v in scores.items()},
        }
        if reading is not None:
            summary["reader"] = {k: round(v, 3) for k, v in reading.probs.items()}
        return DetectorResult(self.name, tuple(findings), summary)

    @staticmethod
    def _reader_evidence(
        ctx: CallContext, e: Ending, scores: dict[str, float], add: Add
    ) -> hangup_reader.Reading | None:
        """The learned reader's answer (``hangup_reader.py``) as evidence: its weight times
        the lead over ``none``, when its most likely outcome is a hang-up at least ``min_prob``
        likely (its ``none`` adds nothing: the reader adds recall, the rules keep their
        verdicts). It reads the rules' evidence so far (``scores``). None without a shipped
        reader or without the customer-state and agent-move models whose outputs it reads."""
        model = hangup_reader.reader_model()
        if model is None or not ctx.states or not ctx.moves:
            return None  # the reader reads the state and move models' outputs
        said = decide(scores)
        reading = model.read(hangup_reader.reader_features(e, ctx, scores, said))
        p = reading.probs[reading.outcome]
        lead = hangup_reader.evidence(model.weight, p, reading.probs["none"])
        if reading.outcome != "none" and p >= model.min_prob and lead > 0:
            add(reading.outcome, lead, reading.reason())
        return reading

    def _ending(self, ctx: CallContext) -> Ending:
        turns = ctx.transcript.turns
        tail = {t.index for t in turns[-TAIL:]}
        matched = [match_to_finding(self.name, m, t) for t, m in self.rule_matches(ctx)]
        findings = [f for f in matched if f.turn in tail]
        earlier = ctx.findings()
        moves: dict[int, set[str]] = {}
        for f in earlier:
            if f.polarity == "positive" and f.kind not in PLAIN_KINDS:
                moves.setdefault(f.turn, set()).add(f.kind or "")
        deesc = ctx.results.get("deescalation")
        levels = (
            {d["turn"]: float(d["upset"]) for d in deesc.summary["trajectory"]} if deesc else {}
        )
        for t, s in zip(turns, ctx.sentiments, strict=True):
            if t.role == "customer" and t.index not in levels:
                levels[t.index] = s.scores.get("negative", 0.0)
        return Ending(
            turns=turns,
            tail=tail,
            findings=findings,
            abuse={f.turn for f in matched if f.rule_id in BOUNDARY_RULES},
            farewell={f.turn for f in earlier if f.kind == "farewell" and f.role == "agent"}
            | {f.turn for f in findings if f.kind == "agent_bye"},
            customer_bye={f.turn for f in findings if f.kind == "farewell"},
            helpful=set(moves),
            only_offer={t for t, kinds in moves.items() if kinds == {"offer_more"}},
            hostile=_hostile_turns(earlier),
            offered={f.turn for f in earlier if f.kind == "offer_more"}
            | {f.turn for f in findings if f.kind == "offer"},
            upset_cues={f.turn for f in (deesc.findings if deesc else ()) if f.kind == "upset"},
            levels=levels,
            anger={
                d["turn"]: float(d["states"].get("anger_frustration", 0.0))
                for d in (deesc.summary["trajectory"] if deesc else ())
                if isinstance(d.get("states"), dict)
            },
            relieved={
                d["turn"]
                for d in (deesc.summary["trajectory"] if deesc else ())
                if d.get("state") == "relief_satisfaction"
            },
            punctuated=punctuated_by_role(turns),
            th=thresholds_for(ctx),
            lexicon=ctx.lexicon,
            bye_end=_bye_ends(earlier, findings),
        )

    @staticmethod
    def _metadata_evidence(ctx: CallContext, e: Ending, add: Add, closed: bool) -> None:
        meta = ctx.transcript.ended_by or _disconnect(ctx.transcript.metadata)
        if meta in METADATA_EVIDENCE:
            outcome, amount = METADATA_EVIDENCE[meta]
            conflict = any(
                e.angry(t.index, e.th.hangup_upset_end)
                for t in e.turns[-TAIL:]
                if t.role == "customer"
            )
            if outcome == "dropped" or conflict or outcome == "agent" and not closed:
                add(outcome, amount, f"source says the call was ended by {meta}")
        elif meta == "normal":
            add("none", 0.5, "source says the call ended normally")


def decide(scores: dict[str, float]) -> str:
    """The outcome with the highest score, if it reaches ``DECIDE`` and beats ``none``."""
    outcome = max(OUTCOMES, key=lambda k: scores[k])
    if scores[outcome] < DECIDE or scores[outcome] <= scores["none"]:
        return "none"
    return outcome


def reader_finding(e: Ending, reading: hangup_reader.Reading) -> Finding:
    """The reader's outcome as a cue finding on the final spoken turn (``hangup.model.<outcome>
    .v1``), so ``explain`` and the report show why the call ended as it did."""
    turn = hangup_reader.final_turn(e.turns) or e.last
    return turn_finding(
        "hangup",
        f"hangup.model.{reading.outcome}.v1",
        turn,
        "cue",
        reading.outcome,
        0.0,
        f"{reading.reason()} (src/toneprobe/data/{hangup_reader.MODEL_FILE})",
    )


def _ends_call(turn: int, e: Ending) -> bool:
    """Nothing but a short agent reaction (a line check, "Er hat aufgelegt.") or a pasted
    "Gibt es noch etwas?" follows this turn; an agent who answers with a goodbye closed the
    call normally."""
    after = [t for t in e.turns if t.index > turn]
    return len(after) <= 1 and all(
        t.role == "agent"
        and (len(t.text.split()) <= 12 and t.index not in e.farewell or _macro_offer(t, e))
        for t in after
    )


def _closed_after_leaving(turn: int, e: Ending) -> bool:
    """The customer said goodbye in this turn (or in a bare goodbye turn right after it) and
    the agent's one answer is a closing that tries nothing to keep them (a farewell, no offer,
    whatever regret or confirmation it holds): "ich lass das jetzt über die
    Verbraucherzentrale laufen, schönen Tag noch" - "Schade, dass ich Ihnen nicht helfen
    konnte. Ihre Kündigung ist eingegangen. Einen schönen Tag!" The customer ended it."""
    after = [t for t in e.turns if t.index > turn]
    if after and after[0].role == "customer" and after[0].index in e.customer_bye:
        turn, after = after[0].index, after[1:]  # "Ich kündige zum Monatsende." "Guten Tag."
    return (
        turn in e.customer_bye
        and len(after) == 1
        and after[0].role == "agent"
        and after[0].index in e.farewell
        and after[0].index not in e.offered | e.hostile
    )


def _macro_offer(t: Turn, e: Ending) -> bool:
    """The agent's only answer is the stock "Gibt es noch etwas, wobei ich helfen kann?" with
    nothing helpful in it: the customer who broke off is not answered, the call is over."""
    return (
        t.index in e.offered
        and (t.index not in e.helpful or t.index in e.only_offer)
        and len(t.text.split()) <= 25
    )


#: the agent calls after a customer who has gone quiet mid-sentence ("Ich wünsche Ihnen ...
#: Frau Haubrich? ... Sie hat aufgelegt."): a pause, a short call-out question, a pause
CALL_OUT = re.compile(r"(\.\.\.|…)\s*[^.!?…]{1,60}\?\s*(\.\.\.|…)")


def _called_out_before(f: Finding, e: Ending) -> bool:
    """The agent's turn calls out after the customer before noting that they left: the
    customer hung up while the agent was still talking, calm or not."""
    turn = e.turn_at(f.turn)
    return turn is not None and bool(CALL_OUT.search(turn.text[: f.start]))


def _line_check_before(turn: int, e: Ending) -> Finding | None:
    """A line check or a broken-line remark ("Sind Sie noch da?", "Ich höre Sie nicht mehr")
    earlier in the tail with no customer turn since: the line had already broken."""
    for f in reversed(e.findings):
        if f.turn >= turn or f.kind != "dropped":
            continue
        if any(t.role == "customer" for t in e.turns if f.turn < t.index < turn):
            return None
        return f
    return None


def _left_after_goodbye(f: Finding, e: Ending) -> Turn | None:
    """The other side's turn right before this line check, when it said goodbye on a matter
    that was not settled: an upset or protesting customer ("Vergesset Se's. Ade!"), or an agent
    who said goodbye to a customer still upset or still asking ("schreib das ins portal
    ciao" - "wie bitte hallo ... hallo")."""
    turn = e.turn_at(f.turn)
    prev = None if turn is None else e.before(turn)
    if turn is None or prev is None or prev.role == turn.role:
        return None
    if prev.role == "customer":
        upset = _customer_upset_before(prev.index + 1, e) or bool(e.bitter(prev))
        return prev if prev.index in e.customer_bye and not e.settled(prev) and upset else None
    asked = e.before(prev)
    if prev.index not in e.farewell or asked is None or asked.role != "customer":
        return None
    open_matter = (
        _customer_upset_before(asked.index + 1, e) or REQUEST.search(asked.text) or e.cut_off(asked)
    )
    return prev if open_matter and not e.settled(asked) else None


def _bye_ends(earlier: Sequence[Finding], tail: Sequence[Finding]) -> dict[int, int]:
    """Per turn, the end of its last goodbye: the agent's farewells (respect and hang-up rules)
    and the customer's."""
    out: dict[int, int] = {}
    for f in (*earlier, *tail):
        agent_bye = f.role == "agent" and f.kind in ("farewell", "agent_bye")
        if agent_bye or f.role == "customer" and f.kind == "farewell" and f.detector == "hangup":
            out[f.turn] = max(out.get(f.turn, 0), f.end)
    return out


def _customer_upset_before(turn: int, e: Ending) -> bool:
    """The customer was upset in one of their last two turns before this one."""
    recent = [t.index for t in e.turns if t.role == "customer" and t.index < turn][-2:]
    return any(e.angry(t, e.th.hangup_upset_end) for t in recent)


def _disconnect(metadata: dict[str, object]) -> str | None:
    value = metadata.get("ended_by") or metadata.get("disconnect_reason")
    if not isinstance(value, str):
        return None
    v = value.lower()
    if "agent" in v:
        return "agent"
    if "customer" in v or "caller" in v:
        return "customer"
    if "drop" in v or "network" in v or "error" in v:
        return "dropped"
    return None
