"""The learned call reader: is the whole call disrespectful?

The respect rules, the agent-move model and the context reader each read one sentence or one
turn; adding up their mild findings with hand-set weights (a curt phrase 0.4, a model finding
0.3, a context finding 0.5) held on the calls those weights were tuned on and not on new ones:
respectful agents of a new genre collect a mild finding or two, and an agent who stonewalls a
customer turn after turn in polite words collects none. This reader weighs the whole call at
once: a logistic regression (``scripts/fit_call_reader.py``, ``data/call_reader.json``)
fitted on the project's labelled calls and chosen by leave-one-set-out cross-validation, over
what the call holds: how strongly and how often the move model reads each negative move in the
agent's sentences, how much of the agent's talk serves the customer (apologies, next steps,
alternatives...), the rules' and readers' negative findings, and whether the agent ended the
call. It reads the agent's side only: the customer's mood and the call's length, which the
labelled calls would also teach, are left out, so an angry caller or a short call does not
make a polite agent rude.

Rules stay first: a clearly negative rule finding (weight >= ``pipeline.DISRESPECT_MIN_WEIGHT``)
makes the call disrespectful whatever the reader says. Otherwise the call is disrespectful where
the reader reads it so at least ``min_prob`` likely and something in it reads as negative (an
agent sentence the move model reads as a negative move at least ``EVIDENCE`` likely, or a
negative rule finding); it then adds the finding
``respect.model.call.v1`` on the agent sentence the move model reads as most negative,
explained as a rule is: the probability and the signs that weighed most.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from toneprobe.detectors.linear_reader import LinearReader, parse_reader, shipped_reader
from toneprobe.findings import Finding
from toneprobe.scoring import hangup_outcome
from toneprobe.sentiment.move_labels import NEGATIVE_MOVES, POSITIVE_MOVES

if TYPE_CHECKING:  # pragma: no cover
    from toneprobe.detectors.base import CallContext

MODEL_FILE = "call_reader.json"
RULE_ID = "respect.model.call.v1"
CLASSES = ("ok", "rude")
MANY = 4  # sentences of one move counted up to this many
PRIOR = 3  # neutral sentences added to the agent's before a share is taken
#: the reader speaks only where the move model reads some agent sentence as a negative move
#: at least this likely, or a rule found something negative: it weighs what the call holds and
#: never invents a put-down in a call where nothing reads as one
EVIDENCE = 0.5


def _name(move: str) -> str:
    return move.replace("_", " ")


FEATURES: dict[str, str] = {
    **{
        f"max_{m}": f"the agent's most {_name(m)}-like sentence (move model)"
        for m in NEGATIVE_MOVES
    },
    **{f"second_{m}": f"the second most {_name(m)}-like sentence" for m in NEGATIVE_MOVES},
    **{f"some_{m}": f"agent sentences read as {_name(m)} (p >= 0.5)" for m in NEGATIVE_MOVES},
    **{f"sure_{m}": f"agent sentences read as {_name(m)} (p >= 0.9)" for m in NEGATIVE_MOVES},
    **{f"share_{m}": f"share of agent sentences with {_name(m)}" for m in POSITIVE_MOVES},
    "negative_share": "share of agent sentences with a negative move (p >= 0.5)",
    "negative_mean": "the agent's sentences' mean strongest negative move",
    "serving_share": "share of agent sentences with a serving move (p >= 0.5)",
    "rule_sum": "the rules' negative findings (weight)",
    "rule_max": "the heaviest negative rule finding",
    "model_sum": "the move model's negative findings (weight)",
    "context": "the context reader's findings",
    "agent_ends": "the agent ends the call (hang-up verdict, not to set a boundary)",
}
COUNTS = {f"some_{m}" for m in NEGATIVE_MOVES} | {f"sure_{m}" for m in NEGATIVE_MOVES}


def is_model_finding(f: Finding) -> bool:
    """A finding of a learned reader or the move model (``respect.model.*``), not a rule's."""
    return ".model." in f.rule_id


def call_features(ctx: CallContext, findings: Sequence[Finding]) -> dict[str, float]:
    """The reader's inputs for one call: the move model's sentences (``ctx.moves``), the
    findings of every detector (``findings``)."""
    from toneprobe.pipeline import disrespect_weight

    sents = [s for m in ctx.moves if m is not None for s in m.sentences]
    f: dict[str, float] = dict.fromkeys(FEATURES, 0.0)
    for m in NEGATIVE_MOVES:
        ps = sorted((s.probs.get(m, 0.0) for s in sents), reverse=True)
        f[f"max_{m}"] = ps[0] if ps else 0.0
        f[f"second_{m}"] = ps[1] if len(ps) > 1 else 0.0
        f[f"some_{m}"] = min(MANY, sum(p >= 0.5 for p in ps)) / MANY
        f[f"sure_{m}"] = min(MANY, sum(p >= 0.9 for p in ps)) / MANY
    for m in POSITIVE_MOVES:
        f[f"share_{m}"] = sum(s.probs.get(m, 0.0) >= 0.5 for s in sents) / max(1, len(sents))
    # the call's balance as rates over the agent's sentences plus ``PRIOR`` neutral ones, so a
    # call of one or two sentences is not all-negative or all-serving on its own
    worst = [max(s.probs.get(m, 0.0) for m in NEGATIVE_MOVES) for s in sents]
    best = [max(s.probs.get(m, 0.0) for m in POSITIVE_MOVES) for s in sents]
    f["negative_share"] = sum(p >= 0.5 for p in worst) / (len(sents) + PRIOR)
    f["negative_mean"] = sum(worst) / (len(sents) + PRIOR)
    f["serving_share"] = sum(p >= 0.5 for p in best) / (len(sents) + PRIOR)
    negative = [x for x in findings if disrespect_weight(x) > 0]
    rules = [disrespect_weight(x) for x in negative if not is_model_finding(x)]
    f["rule_sum"] = min(2.0, sum(rules)) / 2  # weights summed up to 2
    f["rule_max"] = max(rules, default=0.0)
    model = [x for x in negative if is_model_finding(x) and x.kind != "context"]
    f["model_sum"] = min(2.0, sum(map(disrespect_weight, model))) / 2
    f["context"] = min(3, sum(x.kind == "context" for x in negative)) / 3
    # the hang-up detector's verdict as the score reads it: "agent", not "agent_boundary" (ended
    # after the customer's insults or warnings); not any hang-up cue that sits on an agent turn
    # (a farewell, the reader's "dropped" on a last question)
    hangup = ctx.results.get("hangup")
    f["agent_ends"] = float(hangup is not None and hangup_outcome(hangup.summary) == "agent")
    return {k: round(v, 4) for k, v in f.items()}


def describe(feature: str, value: float) -> str:
    """A feature as a user reads it: a count, a share or a level."""
    what = FEATURES[feature]
    if feature in COUNTS:
        n = round(value * MANY)
        return f"{what}: {n}{'+' if n == MANY else ''}"
    if feature in ("rule_sum", "model_sum"):
        return f"{what}: {value * 2:.2f}{'+' if value >= 1 else ''}"
    if feature == "context":
        return f"{what}: {round(value * 3)}"
    if feature == "agent_ends":
        return f"{what}: {'yes' if value else 'no'}"
    return f"{what}: {value:.2f}"


@lru_cache(maxsize=1)
def reader_model() -> LinearReader | None:
    """The shipped reader (``toneprobe/data/call_reader.json``); None if the file is absent or
    its weight is 0 (mild findings then add up by their weights, as before the reader)."""
    return shipped_reader(MODEL_FILE, CLASSES, FEATURES.__contains__)


def parse_model(raw: Mapping[str, Any], where: str) -> LinearReader:
    return parse_reader(raw, where, CLASSES, FEATURES.__contains__)


@dataclass(frozen=True, slots=True)
class CallReading:
    """The reader's verdict on one call: the probability that it is disrespectful, and the
    finding that explains it where the reader calls the call disrespectful (None: it does
    not)."""

    p_rude: float
    finding: Finding | None


def has_evidence(x: Mapping[str, float]) -> bool:
    """Something in the call reads as negative (``EVIDENCE``): the reader may speak."""
    return x["rule_sum"] > 0 or any(x[f"max_{m}"] >= EVIDENCE for m in NEGATIVE_MOVES)


def _worst_sentence(ctx: CallContext, model: LinearReader) -> tuple[Any, Any] | None:
    """(turn, sentence) of the agent sentence that weighs most toward rude: each negative
    move's probability times the weight the reader gives that move's strongest sentence."""
    weights = {m: max(0.0, model.coef.get(f"max_{m}", {}).get("rude", 0.0)) for m in NEGATIVE_MOVES}
    best: tuple[float, Any, Any] | None = None
    for turn, moves in zip(ctx.transcript.turns, ctx.moves, strict=False):
        if moves is None:
            continue
        for s in moves.sentences:
            score = max(s.probs.get(m, 0.0) * (w or 1e-6) for m, w in weights.items())
            if best is None or score > best[0]:
                best = (score, turn, s)
    return None if best is None else (best[1], best[2])


def read_call(ctx: CallContext, findings: Sequence[Finding]) -> CallReading | None:
    """The reader's verdict on the call; None without a shipped reader or without the move
    model's reading (the reader reads its probabilities)."""
    model = reader_model()
    if model is None or not any(m is not None for m in ctx.moves):
        return None
    x = call_features(ctx, findings)
    p = model.probabilities(x)["rude"]
    if p < model.min_prob or not has_evidence(x):
        return CallReading(p, None)
    where = _worst_sentence(ctx, model)
    if where is None:
        return CallReading(p, None)
    turn, sent = where
    why = "; ".join(describe(k, x.get(k, 0.0)) for k in model.pushes(x, "rude"))
    finding = Finding(
        detector="respect",
        rule_id=RULE_ID,
        turn=turn.index,
        role=turn.role,
        speaker=turn.speaker,
        start=sent.start,
        end=sent.end,
        text=sent.text,
        polarity="negative",
        kind="call",
        base_weight=model.weight,
        weight=model.weight,
        explanation=(
            f"the whole call read at once: disrespectful p {p:.2f} >= {model.min_prob} "
            f"({why or 'no one sign'}); the agent's most negative sentence is shown "
            f"({RULE_ID}, src/toneprobe/data/{MODEL_FILE})"
        ),
    )
    return CallReading(p, finding)
