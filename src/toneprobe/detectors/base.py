"""The detector interface and the per-call context every detector reads."""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from toneprobe.findings import Finding, Polarity
from toneprobe.matcher import Match, RuleMatcher, shielded_doc_ranges
from toneprobe.model import Transcript, Turn
from toneprobe.quotes import inside, touches
from toneprobe.rules import Rule, RuleSet

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc, Token

    from toneprobe.sentiment import Sentiment
    from toneprobe.sentiment.moves import TurnMoves
    from toneprobe.sentiment.states import TurnState
    from toneprobe.sentiment.vocab import Lexicon


@dataclass(frozen=True)
class DetectorResult:
    """What one detector found in one call: findings plus a summary for the call record."""

    name: str
    findings: tuple[Finding, ...]
    summary: dict[str, Any]


@dataclass
class CallContext:
    """Everything detectors share for one call: spaCy docs, sentiment per turn, earlier results.

    Built by the pipeline; detectors read it and never change the transcript.
    """

    transcript: Transcript
    docs: Sequence[Doc]
    sentiments: Sequence[Sentiment]
    offense: Sequence[float | None]
    results: dict[str, DetectorResult] = field(default_factory=dict)
    #: house style for "du"/"Sie": mirror | Sie | du (see ``toneprobe.config.AddressStyle``)
    address: str = "mirror"
    #: the customer's state per turn (``sentiment/states.py``): a TurnState for each customer
    #: turn with words, None elsewhere; empty when the state model is off or unavailable
    states: Sequence[TurnState | None] = ()
    #: the agent-move model's reading of each agent turn, sentence by sentence (None elsewhere)
    moves: Sequence[TurnMoves | None] = ()
    #: the word forms a shipped model knows (its word-vector table), None without one: the
    #: hang-up detector reads a last word cut in half by it ("zum mieterver")
    lexicon: Lexicon | None = None

    def findings(self, detector: str | None = None) -> list[Finding]:
        out: list[Finding] = []
        for name, res in self.results.items():
            if detector is None or name == detector:
                out.extend(res.findings)
        return out

    @cached_property
    def _docs_by_turn(self) -> dict[int, Doc]:
        return {t.index: d for t, d in zip(self.transcript.turns, self.docs, strict=True)}

    def is_shielded(self, finding: Finding) -> bool:
        """The finding lies in quoted or reported words (see :mod:`toneprobe.quotes`): not the
        speaker's own, so never a negative finding against them."""
        doc = self._docs_by_turn.get(finding.turn)
        if doc is None:
            return False
        return inside(shielded_doc_ranges(doc), finding.start, finding.end)

    def quotes_within(self, finding: Finding) -> bool:
        """Quoted or reported words lie (partly) in the finding's span."""
        doc = self._docs_by_turn.get(finding.turn)
        if doc is None:
            return False
        return touches(shielded_doc_ranges(doc), finding.start, finding.end)

    @cached_property
    def customer_uses_sie(self) -> bool:
        return self.first_customer_sie is not None

    @cached_property
    def first_customer_sie(self) -> int | None:
        """The index of the first customer turn that says the formal "Sie" (not at a sentence
        start; "Ihr Angebot" counts too), or None when the customer never does."""
        for turn, doc in zip(self.transcript.turns, self.docs, strict=True):
            if turn.role == "customer" and any(_formal_you(t, doc) for t in doc):
                return turn.index
        return None

    @cached_property
    def first_customer_du(self) -> int | None:
        """The index of the first customer turn that says "du" to the agent or offers it
        ("Sie können mich duzen", "du reicht"), or None: from there on an agent's "du" mirrors
        the customer."""
        for turn, doc in zip(self.transcript.turns, self.docs, strict=True):
            if turn.role != "customer":
                continue
            words = {t.lower_ for t in doc}
            if words & CUSTOMER_DU or (
                any(w.startswith("duz") for w in words)
                and words & DU_OFFER
                and not words & DU_OBJECTION
            ):
                return turn.index
        return None

    @cached_property
    def house_du(self) -> tuple[int, int | None] | None:
        """``(announced, objected)`` where an agent states the brand's "du" ("Bei uns duzen sich
        alle, ist das okay für dich?", "wir sind hier alle per du"): the index of that agent turn
        (the first of the agent's turns in a row that holds it) and of the first customer turn
        after it that declines it ("Bitte nicht duzen", "Mir ist Sie lieber", "Warum duzen Sie
        mich?"), or None where no customer does; None where no agent states it. Between the two
        the agent's "du" is the announced house style."""
        announced = None
        for turn, doc in zip(self.transcript.turns, self.docs, strict=True):
            words = [t.lower_ for t in doc]
            bag = set(words)
            if turn.role == "agent" and announced is None:
                pairs, triples = _word_pairs_and_triples(words)
                per_du = bool(pairs & HOUSE_DU_PAIRS or triples & HOUSE_DU_TRIPLES)
                house = bag & HOUSE_WE or ("alle" in bag and "ich" not in bag)
                if (per_du or any(w.startswith("duz") for w in bag)) and house:
                    # from the first of the agent's messages in a row: a chat's "PS: wir duzen
                    # hier alle" covers the message it follows
                    announced = turn.index
                    while announced > 0 and self.transcript.turns[announced - 1].role == "agent":
                        announced -= 1
            elif turn.role == "customer" and announced is not None:
                pairs, triples = _word_pairs_and_triples(words)
                if (
                    any(w.startswith("siez") for w in bag)
                    or (any(w.startswith("duz") for w in bag) and bag & DU_OBJECTION)
                    or pairs & SIE_PREFERRED
                    or triples & SIE_PREFERRED_3
                ):
                    return announced, turn.index
        return None if announced is None else (announced, None)


def _word_pairs_and_triples(
    words: list[str],
) -> tuple[set[tuple[str, str]], set[tuple[str, str, str]]]:
    """The turn's consecutive word pairs and triples (the house-du phrases are read as these)."""
    return set(itertools.pairwise(words)), set(zip(words, words[1:], words[2:], strict=False))


#: an agent who says "duzen" or "per du" with "wir" or "uns", or with "alle" and no "ich", states
#: the brand's habit ("bei uns duzen sich alle", "hier sind alle per du"), not their own whim
#: ("ich duz dich hier einfach mal")
HOUSE_WE = frozenset({"wir", "uns"})
#: the "du" named as a form of address: "per du", "beim Du bleiben", "bei uns gilt das Du für alle",
#: "bei uns sagen alle du"
HOUSE_DU_PAIRS = frozenset({("per", "du"), ("beim", "du"), ("alle", "du")})
HOUSE_DU_TRIPLES = frozenset({("gilt", "das", "du"), ("das", "du", "für")})
#: a customer who answers an announced "du" with "siezen", a "duzen" with an objection or one
#: of these declines it ("lieber Sie", "bleiben wir beim Sie", "mir ist Sie lieber"); "können
#: Sie lieber morgen anrufen" does not
SIE_PREFERRED = frozenset({("lieber", "sie"), ("beim", "sie")})
SIE_PREFERRED_3 = frozenset({("ist", "sie", "lieber"), ("wäre", "sie", "lieber")})

#: the customer's "du" (the forms that address one person; "euch" is left out: a customer says
#: it to the company)
CUSTOMER_DU = frozenset({"du", "dir", "dich", "dein", "deine", "deinen", "deinem", "deiner"})
#: the formal "Sie" and its forms, capitalised inside a sentence
FORMAL_YOU = frozenset({"Sie", "Ihnen", "Ihre", "Ihren", "Ihrem", "Ihrer"})
#: words of the informal plural ("Habt Ihr ...", "Könnt Ihr Bescheid geben"): there a
#: capitalised "Ihr" is the old letter style of "ihr", not the formal possessive
INFORMAL_PLURAL = frozenset({
    "habt", "könnt", "seid", "wollt", "müsst", "dürft", "sollt", "wisst",
    "euch", "euer", "eure", "euren", "eurem", "eurer",
})  # fmt: skip

#: "Sie können mich gern duzen" offers the "du"; "Warum duzen Sie mich?" objects to it
DU_OFFER = frozenset({"gern", "gerne", "ruhig", "können", "könnt", "dürfen", "okay", "ok"})
DU_OBJECTION = frozenset({"warum", "wieso", "weshalb", "nicht", "nich", "ned", "net"})


def _formal_you(token: Token, doc: Doc) -> bool:
    """Whether ``token`` is the formal "Sie" (or "Ihr Angebot", the formal possessive before a
    noun) and not at a sentence start."""
    if token.is_sent_start:
        return False
    if token.text in FORMAL_YOU:
        return True
    if token.text not in ("Ihr", "Ihres") or token.i + 1 >= len(doc):
        return False
    return doc[token.i + 1].is_title and not any(t.lower_ in INFORMAL_PLURAL for t in doc)


def match_to_finding(detector: str, match: Match, turn: Turn, note: str = "") -> Finding:
    rule = match.rule
    explanation = f"{rule.spec.description} '{match.text}' ({rule.id}, {rule.path})"
    if note:
        explanation += f"; {note}"
    return Finding(
        detector=detector,
        rule_id=rule.id,
        turn=turn.index,
        role=turn.role,
        speaker=turn.speaker,
        start=match.start,
        end=match.end,
        text=match.text,
        polarity=rule.spec.polarity,
        kind=rule.spec.kind,
        base_weight=rule.spec.weight,
        weight=rule.spec.weight,
        explanation=explanation,
    )


def turn_finding(
    detector: str,
    rule_id: str,
    turn: Turn,
    polarity: Polarity,
    kind: str,
    weight: float,
    explanation: str,
) -> Finding:
    """A finding that spans a whole turn (a model's reading of the turn, not a pattern's
    match), its weight as set."""
    return Finding(
        detector=detector,
        rule_id=rule_id,
        turn=turn.index,
        role=turn.role,
        speaker=turn.speaker,
        start=0,
        end=len(turn.text),
        text=turn.text,
        polarity=polarity,
        kind=kind,
        base_weight=weight,
        weight=weight,
        explanation=explanation,
    )


def _retracted(rule: Rule, turn: Turn, turns: Sequence[Turn]) -> bool:
    """The speaker takes the rule's words back in this turn or in their next one."""
    if not rule.spec.retracted_by:
        return False
    nxt = next((t for t in turns[turn.index + 1 :] if t.role == turn.role), None)
    return rule.retracts(turn.text) or (nxt is not None and rule.retracts(nxt.text))


def _answering(rule: Rule, turn: Turn, turns: Sequence[Turn]) -> bool:
    """The other side's turn just before holds what the rule's words answer (its
    ``unless_after``): an echo or an accommodation, not the move the rule looks for."""
    if not rule.spec.unless_after:
        return False
    before = next((t for t in reversed(turns[: turn.index]) if t.role != turn.role), None)
    return before is not None and rule.answers(before.text)


class Detector(ABC):
    """One concern (respect, empathy, ...): rules from ``rules/de/<name>.yaml`` plus logic."""

    name: str = "detector"
    version: int = 1

    def __init__(self, rules: RuleSet):
        self.rules: tuple[Rule, ...] = rules.for_detector(self.name)
        # one matcher per speaker role: agent turns never run customer-only rules and back
        self.matchers = {
            role: RuleMatcher([r for r in self.rules if role in r.spec.roles])
            for role in ("agent", "customer")
        }

    def rule_matches(self, ctx: CallContext) -> list[tuple[Turn, Match]]:
        """All rule matches in the turns whose role the rule applies to, less the ones the
        speaker takes back at once (a rule's ``retracted_by``) and the ones that answer the
        other side's turn before (a rule's ``unless_after``)."""
        out: list[tuple[Turn, Match]] = []
        for turn, doc in zip(ctx.transcript.turns, ctx.docs, strict=True):
            out.extend((turn, m) for m in self.matchers[turn.role](doc))
        turns = ctx.transcript.turns
        if any(m.rule.spec.retracted_by or m.rule.spec.unless_after for _, m in out):
            out = [
                (t, m)
                for t, m in out
                if not _retracted(m.rule, t, turns) and not _answering(m.rule, t, turns)
            ]
        return out

    @abstractmethod
    def detect(self, ctx: CallContext) -> DetectorResult: ...

    def finalize(self, ctx: CallContext, result: DetectorResult) -> DetectorResult:
        """Second pass, after every detector ran (e.g. de-escalation reads the hang-up)."""
        return result
