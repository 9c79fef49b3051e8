"""The learned hang-up reader: who ended the call, read from its last turns as a whole.

The rules of ``hangup.py`` know the forms of a break-off, a line check and a hang-up; a rule
misses a paraphrase it does not list ("na dann lassen wir das eben", a chat closed on a
customer still typing). This reader is a multinomial logistic regression, fitted by
``scripts/fit_hangup_reader.py`` (``data/hangup_reader.json``) on labelled call endings written
in many voices (``data/endings``) and the project's labelled calls. It reads what the other
models and the rules already saw in the last turns, as numbers: who spoke last and how the last
turn ends, the customer's state and upset there, the agent's moves in their last turn, which
hang-up, goodbye and courtesy rules matched where, and the words of the final, the customer's
and the agent's last turns. Its answer is evidence next to the rules' (``HangUp``), weighted by
the fitted ``weight``; it explains itself as a rule does: the features that weighed most
toward the outcome (a weight times how far the call's value lies from the fitted endings'
mean), words named as words.

Pure functions and a frozen model; nothing here decides a call on its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from toneprobe.detectors.linear_reader import (
    WORD_FEATURE,
    LinearReader,
    packaged_json,
    parse_reader,
    word_features,
)
from toneprobe.sentiment.move_labels import MOVE_LABELS

if TYPE_CHECKING:  # pragma: no cover
    from toneprobe.detectors.base import CallContext
    from toneprobe.detectors.hangup import Ending
    from toneprobe.model import Turn

MODEL_FILE = "hangup_reader.json"
CLASSES = ("none", "agent", "customer", "dropped")
LOOK_BACK = 4  # spoken turns (not system messages) the reader looks at
STATE_WORDS = {
    "anger_frustration": "anger",
    "worry": "worry",
    "problem_report": "a plain problem report",
    "relief_satisfaction": "relief",
}
MOVES = MOVE_LABELS
#: the hang-up rules' kinds (``rules/de/hangup.yaml``) the reader sees per side
RULE_KINDS = (
    "agent",
    "agent_bye",
    "close",
    "customer",
    "cut_short",
    "dropped",
    "farewell",
    "leaving",
    "offer",
    "refusal",
    "sarcasm",
    "thanks",
)
#: where the words come from: the final spoken turn, the customer's and the agent's last turn
#: among the last ``LOOK_BACK``, and the chat tool's messages after the final turn
SLOTS = {
    "final": "the final turn",
    "cust": "the customer's last turn",
    "agent": "the agent's last turn",
    "sys": "a system message at the end",
}

#: every dense feature with the words an explanation uses for it
FEATURES: dict[str, str] = {
    "last_agent": "the agent spoke last",
    "last_customer": "the customer spoke last",
    "system_after": "a system message after the last turn",
    "cust_run": "customer turns after the agent's last",
    "final_cut": "the final turn breaks off",
    "final_question": "the final turn is a question",
    "final_words": "words in the final turn",
    "cust_words": "words in the customer's last turn",
    "agent_words": "words in the agent's last turn",
    **{f"cust_{s}": f"{w} in the customer's last turn" for s, w in STATE_WORDS.items()},
    "cust_neg": "negative sentiment in the customer's last turn",
    "cust_pos": "positive sentiment in the customer's last turn",
    "cust_upset": "upset in the customer's last turn",
    "before_anger": "anger in the customer's turns before",
    "peak_upset": "peak upset in the call",
    **{f"agent_{m}": f"agent's last turn: {m.replace('_', ' ')}" for m in MOVES},
    "agent_farewell": "the agent's last turn says goodbye",
    "agent_hostile": "the agent's last turn has a negative finding",
    "agent_helpful": "the agent's last turn helps",
    "agent_offer": "the agent's last turn offers more help",
    "cust_bye": "the customer's last turn says goodbye",
    "mutual_goodbye": "both said goodbye",
    **{f"rules_{k}": f"the rules' evidence for '{k}'" for k in CLASSES},
    **{f"rules_say_{k}": f"the rules alone say '{k}'" for k in CLASSES},
    "rules_calm_leave": "the rules found the customer gone but never upset",
    "rules_goes_on": "the rules found a break-off after which the call went on",
    **{f"rule_cust_{k}": f"hang-up rule '{k}' in the customer's last turn" for k in RULE_KINDS},
    **{f"rule_agent_{k}": f"hang-up rule '{k}' in the agent's last turn" for k in RULE_KINDS},
}
COUNT_CAPS = {"cust_run": 3, "final_words": 30, "cust_words": 30, "agent_words": 30}
RULE_CAP = 2.0  # the rules' evidence per outcome is read up to this score
RULE_SCORES = frozenset(f"rules_{k}" for k in CLASSES)
#: features that are 1.0 or 0.0 (shown as yes / no)
FLAGS = frozenset(
    {
        "last_agent",
        "last_customer",
        "system_after",
        "final_cut",
        "final_question",
        "agent_farewell",
        "agent_hostile",
        "agent_helpful",
        "agent_offer",
        "cust_bye",
        "mutual_goodbye",
        "rules_calm_leave",
        "rules_goes_on",
        *(f"rules_say_{k}" for k in CLASSES),
        *(f"rule_{side}_{k}" for side in ("cust", "agent") for k in RULE_KINDS),
    }
)


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def reader_features(
    e: Ending, ctx: CallContext, scores: Mapping[str, float], said: str
) -> dict[str, float]:
    """The reader's inputs for one call: dense features (``FEATURES``) and word features
    (1.0 each) from the last ``LOOK_BACK`` spoken turns and any system messages after them,
    and the rules' own evidence (``scores`` per outcome, capped at 2) and answer (``said``)."""
    spoken = [t for t in e.turns if t.role in ("agent", "customer")]
    f: dict[str, float] = dict.fromkeys(FEATURES, 0.0)
    for k in CLASSES:
        f[f"rules_{k}"] = min(RULE_CAP, scores.get(k, 0.0)) / RULE_CAP
        f[f"rules_say_{k}"] = float(said == k)
    f["rules_calm_leave"] = float("calm_leave" in e.discounted)
    f["rules_goes_on"] = float("goes_on" in e.discounted)
    if not spoken:
        return f
    final = spoken[-1]
    window = spoken[-LOOK_BACK:]
    cust = next((t for t in reversed(window) if t.role == "customer"), None)
    agent = next((t for t in reversed(window) if t.role == "agent"), None)
    system = [str(ev.get("text", "")) for ev in _events_after(ctx, final.index)]
    f["last_agent"] = float(final.role == "agent")
    f["last_customer"] = float(final.role == "customer")
    f["system_after"] = float(bool(system))
    after_agent = [
        t for t in spoken if t.role == "customer" and (agent is None or t.index > agent.index)
    ]
    f["cust_run"] = min(3, len(after_agent)) / 3
    f["final_cut"] = float(e.cut_off(final))
    f["final_question"] = float(final.text.rstrip().endswith("?"))
    f["final_words"] = min(30, _words(final.text)) / 30
    levels = [v for v in e.levels.values()]
    f["peak_upset"] = max(levels, default=0.0)
    words: set[str] = word_features("final", final.text)
    for text in system:
        words |= word_features("sys", text)
    if cust is not None:
        f["cust_words"] = min(30, _words(cust.text)) / 30
        state = ctx.states[cust.index] if cust.index < len(ctx.states) else None
        if state is not None:
            for s in STATE_WORDS:
                f[f"cust_{s}"] = float(state.scores.get(s, 0.0))
        sent = ctx.sentiments[cust.index] if cust.index < len(ctx.sentiments) else None
        if sent is not None:
            f["cust_neg"] = float(sent.scores.get("negative", 0.0))
            f["cust_pos"] = float(sent.scores.get("positive", 0.0))
        f["cust_upset"] = e.upset(cust.index)
        f["before_anger"] = max(
            (
                e.anger.get(t.index, 0.0)
                for t in window
                if t.role == "customer" and t.index < cust.index
            ),
            default=0.0,
        )
        f["cust_bye"] = float(cust.index in e.customer_bye)
        for k in e.kinds(cust.index) & set(RULE_KINDS):
            f[f"rule_cust_{k}"] = 1.0
        words |= word_features("cust", cust.text)
    if agent is not None:
        f["agent_words"] = min(30, _words(agent.text)) / 30
        moves = ctx.moves[agent.index] if agent.index < len(ctx.moves) else None
        if moves is not None:
            for m in MOVES:
                f[f"agent_{m}"] = max((s.probs.get(m, 0.0) for s in moves.sentences), default=0.0)
        f["agent_farewell"] = float(agent.index in e.farewell)
        f["agent_hostile"] = float(agent.index in e.hostile)
        f["agent_helpful"] = float(agent.index in e.helpful)
        f["agent_offer"] = float(agent.index in e.offered)
        for k in e.kinds(agent.index) & set(RULE_KINDS):
            f[f"rule_agent_{k}"] = 1.0
        words |= word_features("agent", agent.text)
    f["mutual_goodbye"] = float(e.mutual_goodbye)
    out = {k: round(v, 4) for k, v in f.items()}
    out.update(dict.fromkeys(sorted(words), 1.0))
    return out


def _events_after(ctx: CallContext, turn: int) -> list[dict[str, Any]]:
    """The chat tool's messages (``metadata["events"]``, see ``roles/build.py``) that follow
    the given turn."""
    events = ctx.transcript.metadata.get("events") or []
    return [
        ev
        for ev in events
        if isinstance(ev, dict)
        and isinstance(ev.get("after_turn"), int)
        and ev["after_turn"] >= turn
    ]


def describe(feature: str, value: float) -> str:
    """A feature as a user reads it: a word in its slot, a count, yes/no or a level."""
    if m := WORD_FEATURE.match(feature):
        return f"'{m.group(2)}' in {SLOTS[m.group(1)]}"
    what = FEATURES[feature]
    if feature in RULE_SCORES:
        return f"{what}: {value * RULE_CAP:.2f}"
    if feature in COUNT_CAPS:
        return f"{what}: {round(value * COUNT_CAPS[feature])}"
    if feature in FLAGS:
        return f"{what}: {'yes' if value else 'no'}"
    return f"{what}: {value:.2f}"


@dataclass(frozen=True, slots=True)
class Reading:
    """The reader's answer for one call: each outcome's probability and what weighed most."""

    probs: Mapping[str, float]
    outcome: str
    weighed: list[str]

    def reason(self) -> str:
        why = "; ".join(self.weighed) or "no one sign"
        p, p_none = self.probs[self.outcome], self.probs["none"]
        return f"hang-up reader: {self.outcome} (p {p:.2f}, none {p_none:.2f}; {why})"


@dataclass(frozen=True, slots=True)
class ReaderModel:
    """The fitted reader (``linear_reader.LinearReader`` over ``CLASSES``): a hang-up reading
    at least ``min_prob`` likely adds ``weight`` times its lead over ``none`` to the rules'
    evidence (``evidence``)."""

    reader: LinearReader

    @property
    def weight(self) -> float:
        return self.reader.weight

    @property
    def min_prob(self) -> float:
        return self.reader.min_prob

    def probabilities(self, x: Mapping[str, float]) -> dict[str, float]:
        return self.reader.probabilities(x)

    def weighed(self, x: Mapping[str, float], outcome: str, n: int = 4) -> list[str]:
        """The features that pushed the call most toward ``outcome``, as a user reads them."""
        return [describe(k, x.get(k, 0.0)) for k in self.reader.pushes(x, outcome, n)]

    def read(self, x: Mapping[str, float]) -> Reading:
        probs = self.probabilities(x)
        outcome = max(CLASSES, key=lambda c: probs[c])
        # only a hang-up reading becomes evidence, so only it is explained
        return Reading(probs, outcome, self.weighed(x, outcome) if outcome != "none" else [])


def parse_model(raw: Mapping[str, Any], where: str) -> ReaderModel:
    """The model from its JSON form; ConfigError names the file and the field."""
    return ReaderModel(parse_reader(raw, where, CLASSES, FEATURES.__contains__))


@lru_cache(maxsize=1)
def reader_model() -> ReaderModel | None:
    """The shipped reader (``toneprobe/data/hangup_reader.json``); None if the file is absent
    or its weight is 0 (the rules then decide alone)."""
    raw, where = packaged_json(MODEL_FILE)
    if raw is None:
        return None
    model = parse_model(raw, where)
    return model if model.weight > 0 else None


def evidence(weight: float, p: float, p_none: float) -> float:
    """How much a hang-up reading adds to its outcome's score: ``weight`` times its lead in
    probability over ``none`` (an unsure reading adds little)."""
    return max(0.0, weight * (p - p_none))


def final_turn(turns: Sequence[Turn]) -> Turn | None:
    """The last spoken turn (not a system message)."""
    return next((t for t in reversed(turns) if t.role in ("agent", "customer")), None)
