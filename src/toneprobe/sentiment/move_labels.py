"""The agent-move model's labels, in its output order: one place for the training code
(``train_moves.py``) and the readers that read the model's probabilities (no numpy here)."""

from __future__ import annotations

MOVE_LABELS: tuple[str, ...] = (
    "acknowledge_feeling",
    "apology_ownership",
    "reassurance",
    "commitment_next_step",
    "explanation",
    "alternative_offered",
    "thanks_courtesy",
    "blame",
    "dismissal",
    "condescension_sarcasm",
    "command",
    "insult",
    "refusing_help",
)
#: the moves that serve the customer and the ones that slight them (the call's tone balance)
POSITIVE_MOVES: tuple[str, ...] = MOVE_LABELS[:7]
NEGATIVE_MOVES: tuple[str, ...] = MOVE_LABELS[7:]
