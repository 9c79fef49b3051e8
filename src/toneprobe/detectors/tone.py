"""The agent's tone over a whole call, as the agent-move model reads it (the score's ``tone``
component).

The rules and the move model's findings count a move where it clearly happens; the tone reads
every agent sentence: per sentence the sum of the model's probabilities of the moves that
serve the customer (acknowledging a feeling, owning a mistake, reassuring, committing to a next
step, explaining, offering an alternative, courtesy) minus the sum of those that slight them
(blame, dismissal, condescension or sarcasm, commands, insults, refusing help), averaged over
the call's agent sentences (quoted words blanked, as the model reads them). The balance runs
from -1 to 1; the warmest and the coldest sentence are named with it, so the component explains
itself like a finding does. Measured on the 700 labelled calls of 25 sets before it entered the
score: the balance alone has a mean Spearman of 0.70 with the human empathy grade per set.

``moves`` profiles the agent per move: the mean over the agent's turns of the turn's likeliest
sentence for that move. Where ``weights.yaml`` has fitted per-move weights (``tone``), the
component is that profile weighed as the human grades weigh it (``scoring.tone_score``): on 892
labelled calls of 33 sets the fitted profile alone ranks the calls better (mean Spearman per
set 0.80, left-out sets) than the balance (0.67).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from toneprobe.sentiment.move_labels import MOVE_LABELS, NEGATIVE_MOVES, POSITIVE_MOVES

if TYPE_CHECKING:  # pragma: no cover
    from toneprobe.detectors.base import CallContext

#: the first characters of the warmest and coldest sentence the summary quotes
QUOTE_CHARS = 160


def tone_summary(ctx: CallContext) -> dict[str, Any] | None:
    """``{"sentences", "positive", "negative", "balance", "warmest", "coldest", "moves"}`` over
    the agent's sentences, or None without the move model or without an agent sentence."""
    if not ctx.moves:
        return None
    read: list[tuple[int, Any]] = [
        (turn.index, s)
        for turn, moves in zip(ctx.transcript.turns, ctx.moves, strict=True)
        if turn.role == "agent" and moves is not None
        for s in moves.sentences
    ]
    if not read:
        return None
    pos = [sum(s.probs.get(m, 0.0) for m in POSITIVE_MOVES) for _, s in read]
    neg = [sum(s.probs.get(m, 0.0) for m in NEGATIVE_MOVES) for _, s in read]
    balances = [p - n for p, n in zip(pos, neg, strict=True)]
    warm = max(range(len(read)), key=balances.__getitem__)
    cold = min(range(len(read)), key=balances.__getitem__)

    def quote(k: int) -> dict[str, Any]:
        turn, s = read[k]
        return {"turn": turn, "text": s.text[:QUOTE_CHARS], "balance": round(balances[k], 3)}

    n = len(read)
    # per move, the mean over the agent's turns of its likeliest sentence in the turn (the
    # fitted tone component weighs these: weights.yaml, tone)
    per_turn: dict[int, dict[str, float]] = {}
    for turn, s in read:
        best = per_turn.setdefault(turn, {})
        for m in MOVE_LABELS:
            best[m] = max(best.get(m, 0.0), s.probs.get(m, 0.0))
    return {
        "sentences": n,
        "positive": round(sum(pos) / n, 3),
        "negative": round(sum(neg) / n, 3),
        "balance": round(max(-1.0, min(1.0, sum(balances) / n)), 3),
        "warmest": quote(warm),
        "coldest": quote(cold),
        "moves": {
            m: round(sum(b[m] for b in per_turn.values()) / len(per_turn), 3) for m in MOVE_LABELS
        },
    }
