"""The learned context reader: is an agent turn, read with the customer's turns around it,
disrespectful?

The respect rules and the agent-move model read the agent's sentences alone; a put-down in
polite words, a lecture or a shrug that neither knows passes. This reader, a logistic
regression fitted by ``scripts/fit_context_reader.py`` (``data/context_reader.json``) on
labelled exchanges written in many voices (``data/exchanges``) and the agent turns of the
project's respectful labelled calls, reads one agent turn in its context as numbers: the
agent-move model's moves and the offensive-language model's reading of the turn, the findings
the rules and the move model already made there, the customer's state before the turn and in
the reply after it (anger that rises after the agent spoke), and the words of the turn (quoted
words blanked, as the move model reads them) and of the customer's reply. Where it reads a turn
as rude at least ``min_prob`` likely where the rules or the move model found something mildly
negative (under ``CLEAR``) and nothing clearly negative, it adds the finding
``respect.model.context.v1`` with its ``weight``, explained as a rule is: the probability and
the features that weighed most. It weighs a mild reading in its context; it never invents a
put-down where neither the rules nor the move model saw one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from toneprobe.detectors.base import turn_finding
from toneprobe.detectors.linear_reader import (
    WORD_FEATURE,
    LinearReader,
    parse_reader,
    shipped_reader,
    word_features,
)
from toneprobe.findings import Finding
from toneprobe.sentiment.move_labels import MOVE_LABELS

if TYPE_CHECKING:  # pragma: no cover
    from toneprobe.detectors.base import CallContext
    from toneprobe.model import Turn

MODEL_FILE = "context_reader.json"
RULE_ID = "respect.model.context.v1"
CLASSES = ("ok", "rude")
CLEAR = 0.5  # a negative finding at least this heavy already makes the turn disrespectful
MOVES = MOVE_LABELS
SLOTS = {"agent": "the agent's turn", "reply": "the customer's reply"}
REPLY_WORDS = 25  # the first words of the customer's reply are read

FEATURES: dict[str, str] = {
    **{f"move_{m}": f"agent-move model: {m.replace('_', ' ')}" for m in MOVES},
    "offense": "offensive-language model",
    "neg_weight": "negative findings in the turn (weight)",
    "pos_findings": "positive findings in the turn",
    "words": "words in the turn",
    "question": "the turn asks a question",
    "exclaim": "the turn has an exclamation mark",
    "before_anger": "the customer's anger before the turn",
    "before_neg": "negative sentiment in the customer's turn before",
    "reply_anger": "the customer's anger in the reply",
    "reply_neg": "negative sentiment in the customer's reply",
    "anger_rise": "the customer's anger rises after the turn",
    "no_reply": "no customer reply follows",
}


def _customer_around(turns: Sequence[Turn], pos: int) -> tuple[Turn | None, Turn | None]:
    before = next((t for t in reversed(turns[:pos]) if t.role == "customer"), None)
    after = turns[pos + 1] if pos + 1 < len(turns) and turns[pos + 1].role == "customer" else None
    return before, after


def _anger(ctx: CallContext, turn: Turn | None) -> float:
    if turn is None or turn.index >= len(ctx.states):
        return 0.0
    state = ctx.states[turn.index]
    return float(state.scores.get("anger_frustration", 0.0)) if state is not None else 0.0


def _negative(ctx: CallContext, turn: Turn | None) -> float:
    if turn is None or turn.index >= len(ctx.sentiments):
        return 0.0
    return float(ctx.sentiments[turn.index].scores.get("negative", 0.0))


def turn_features(ctx: CallContext, pos: int, findings: Sequence[Finding]) -> dict[str, float]:
    """The reader's inputs for the agent turn at position ``pos`` of the transcript, with the
    findings made so far (``findings``: any detector's, any turn)."""
    turns = ctx.transcript.turns
    turn = turns[pos]
    f: dict[str, float] = dict.fromkeys(FEATURES, 0.0)
    moves = ctx.moves[pos] if pos < len(ctx.moves) else None
    text = turn.text
    if moves is not None and moves.sentences:
        for m in MOVES:
            f[f"move_{m}"] = max(s.probs.get(m, 0.0) for s in moves.sentences)
        text = " ".join(s.read or s.text for s in moves.sentences)
    offense = ctx.offense[pos] if pos < len(ctx.offense) else None
    f["offense"] = float(offense or 0.0)
    here = [x for x in findings if x.turn == turn.index and x.role == "agent"]
    f["neg_weight"] = min(1.0, sum(x.weight for x in here if x.polarity == "negative"))
    f["pos_findings"] = min(3, sum(x.polarity == "positive" for x in here)) / 3
    f["words"] = min(40, len(text.split())) / 40
    f["question"] = float("?" in turn.text)
    f["exclaim"] = float("!" in turn.text)
    before, after = _customer_around(turns, pos)
    f["before_anger"] = _anger(ctx, before)
    f["before_neg"] = _negative(ctx, before)
    f["reply_anger"] = _anger(ctx, after)
    f["reply_neg"] = _negative(ctx, after)
    f["anger_rise"] = max(0.0, f["reply_anger"] - f["before_anger"])
    f["no_reply"] = float(after is None)
    out = {k: round(v, 4) for k, v in f.items()}
    words = word_features("agent", text)
    if after is not None:
        words |= word_features("reply", " ".join(after.text.split()[:REPLY_WORDS]))
    out.update(dict.fromkeys(sorted(words), 1.0))
    return out


def describe(feature: str, value: float) -> str:
    """A feature as a user reads it: a word in its slot, yes/no, a count or a level."""
    if m := WORD_FEATURE.match(feature):
        return f"'{m.group(2)}' in {SLOTS.get(m.group(1), m.group(1))}"
    what = FEATURES[feature]
    if feature in ("question", "exclaim", "no_reply"):
        return f"{what}: {'yes' if value else 'no'}"
    if feature == "pos_findings":
        return f"{what}: {round(value * 3)}"
    if feature == "words":
        return f"{what}: {round(value * 40)}"
    return f"{what}: {value:.2f}"


@lru_cache(maxsize=1)
def reader_model() -> LinearReader | None:
    """The shipped reader (``toneprobe/data/context_reader.json``); None if the file is absent
    or its weight is 0 (the rules and the move model then decide alone)."""
    return shipped_reader(MODEL_FILE, CLASSES, FEATURES.__contains__)


def parse_model(raw: Mapping[str, Any], where: str) -> LinearReader:
    return parse_reader(raw, where, CLASSES, FEATURES.__contains__)


def context_findings(ctx: CallContext, found: Sequence[Finding], detector: str) -> list[Finding]:
    """A finding for each agent turn the reader reads as rude at least ``min_prob`` likely,
    where a finding of ``found`` is mildly negative and none is clearly negative; none without a shipped reader or
    without the state and move models it reads."""
    model = reader_model()
    if model is None or not ctx.states or not ctx.moves:
        return []
    out: list[Finding] = []
    for pos, turn in enumerate(ctx.transcript.turns):
        if turn.role != "agent" or not turn.text.strip():
            continue
        negative = [f.weight for f in found if f.turn == turn.index and f.polarity == "negative"]
        if not negative or max(negative) >= CLEAR:
            continue  # nothing to weigh yet, or already clearly negative
        x = turn_features(ctx, pos, found)
        p = model.probabilities(x)["rude"]
        if p < model.min_prob:
            continue
        why = "; ".join(describe(k, x.get(k, 0.0)) for k in model.pushes(x, "rude"))
        out.append(
            turn_finding(
                detector,
                RULE_ID,
                turn,
                "negative",
                "context",
                model.weight,
                f"the agent's turn read with the customer's turns around it: rude p {p:.2f} "
                f">= {model.min_prob} ({why or 'no one sign'}; {RULE_ID}, "
                f"src/toneprobe/data/{MODEL_FILE})",
            )
        )
    return out
