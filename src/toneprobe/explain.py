"""``toneprobe explain``: one call turn by turn, each turn's sentiment (and, for the customer,
the state the customer-state model reads and the upset level de-escalation uses), the
findings with their words highlighted, and how the score was reached."""

from __future__ import annotations

from typing import IO, Any

from toneprobe.model import Transcript
from toneprobe.scoring import Weights

STYLE = {"positive": "bold green", "negative": "bold red", "cue": "bold yellow"}


STATE_STYLE = {"anger_frustration": "red", "worry": "yellow", "relief_satisfaction": "green"}


def customer_state_text(point: dict[str, Any]) -> str:
    """``state: anger 0.93, upset 0.95`` for a trajectory entry with the customer's state."""
    from toneprobe.sentiment.states import SHORT

    label = str(point["state"])
    prob = float((point.get("states") or {}).get(label, 0.0))
    return f"state: {SHORT.get(label, label)} {prob:.2f}, upset {float(point['upset']):.2f}  "


def render_explanation(
    transcript: Transcript, call: dict[str, Any], weights: Weights, stream: IO[str]
) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(file=stream, width=110, highlight=False)
    console.print(
        Text(
            f"Call {call['call_id']}  agent: {call['agent'] or '–'}  source: {call['source']}",
            style="bold",
        )
    )
    states = {int(p["turn"]): p for p in (call.get("deescalation") or {}).get("trajectory") or []}
    by_turn: dict[int, list[dict[str, Any]]] = {}
    for f in call["findings"]:
        by_turn.setdefault(f["turn"], []).append(f)
    for turn, sent in zip(transcript.turns, call["sentiment"], strict=True):
        head = Text(
            f"[{turn.index:>2}] {turn.role:<8} ",
            style="cyan" if turn.role == "agent" else "magenta",
        )
        head.append(f"{sent['label']:<8} {sent['polarity']:+.2f}  ", style="dim")
        point = states.get(turn.index)
        if turn.role == "customer" and point is not None and point.get("state"):
            head.append(customer_state_text(point), style=STATE_STYLE.get(point["state"], ""))
        body = Text(turn.text)
        for f in by_turn.get(turn.index, []):
            if f["end"] > f["start"]:
                body.stylize(STYLE.get(f["polarity"], "bold"), f["start"], f["end"])
        console.print(head + body)
        for f in by_turn.get(turn.index, []):
            mark = {"positive": "+", "negative": "−", "cue": "·"}.get(f["polarity"], "·")
            console.print(
                Text(f"      {mark} {f['rule_id']} ", style=STYLE.get(f["polarity"], ""))
                + Text(f"“{f['text']}”")
            )
            if ".model." in f["rule_id"]:  # a learned finding: its probability and its words
                console.print(Text(f"          {_model_note(f['explanation'])}", style="dim"))
    console.print()
    d, h, r, e = call["deescalation"], call["hangup"], call["respect"], call["empathy"]
    console.print(Text("How the score was reached", style="bold underline"))
    console.print(
        f"de-escalation: {d['outcome']} (peak upset {d['peak_upset']:.2f} at turn {d['peak_turn']}, "
        f"end {d['end_upset']}; credited agent turns {d['credited_turns']}, escalating {d['escalating_turns']})"
    )
    console.print(f"    {d['reason']}")
    console.print(
        f"hang-up: {h['outcome']}" + (f" at turn {h['turn']}" if h["turn"] is not None else "")
    )
    for ev in h["evidence"]:
        console.print(f"    {ev}")
    console.print(
        f"respect: {r['score']} (courtesy {r['courtesy']:.2f}: {', '.join(r['courtesy_elements']) or 'none'}; "
        f"{r['negative']} negative findings weighing {r['negative_weight']:.2f} with repeats "
        f"of a rule saturating, disrespect: {'yes' if r['disrespect'] else 'no'}"
        + (f", call reader p {r['disrespect_p']:.2f}" if r.get("disrespect_p") is not None else "")
        + ")"
    )
    if e["score"] is None:
        console.print("empathy: no opportunity (the customer voiced no feeling or problem)")
    else:
        console.print(
            f"empathy: {e['score']} ({e['responded']} of {e['opportunities']} opportunities answered)"
        )
    if call["components"].get("warmth") is not None:
        console.print(
            f"warmth: {call['components']['warmth']} ({len(e.get('warm_turns') or [])} of "
            f"{e.get('agent_turns')} agent turns acknowledge, understand or reassure: "
            f"{e.get('warm_turns')})"
        )
    tone = e.get("tone")
    if call["components"].get("tone") is not None and tone:
        console.print(
            f"tone: {call['components']['tone']} (agent-move model over {tone['sentences']} agent "
            f"sentences: serving moves {tone['positive']:.2f}, slighting moves "
            f"{tone['negative']:.2f} on average, balance {tone['balance']:+.2f})"
        )
        for side in ("warmest", "coldest"):
            s = tone[side]
            console.print(f"    {side}: turn {s['turn']} ({s['balance']:+.2f}) '{s['text']}'")
    w = weights.components.model_dump()
    parts = [
        f"{k} {v:.1f} × {w[k]:.2f}"
        for k, v in call["components"].items()
        if v is not None and w[k] > 0
    ]
    skipped = [k for k, v in call["components"].items() if v is None]
    penalty = r.get("disrespect_penalty") or 0.0
    minus = (
        f" - {penalty:.1f} (the call reads as disrespectful as a whole: penalty "
        f"{weights.disrespect.penalty:g} × call reader p {r['disrespect_p']:.2f})"
        if penalty
        else ""
    )
    line = (
        f"empathy_score = weighted mean of {', '.join(parts)}{minus} = {call['empathy_score']:.1f}"
    )
    if skipped:
        line += f"  (not applicable: {', '.join(skipped)})"
    console.print(Text(line, style="bold"))


def _model_note(explanation: str) -> str:
    """The probability and the words of a model finding's explanation (after the move)."""
    return explanation.split(": ", 1)[-1].rsplit(" (", 1)[0]
