"""One self-contained, offline HTML report over a batch of scored calls.

:func:`build_report` is pure: CALL and AGENT records (schema_version 1) plus the
transcripts in, one HTML string out. Charts are SVG rendered server-side by pygal and
inlined; the page loads nothing from anywhere (no CDN, no external script, font or image).
The only script is a few lines of inline JavaScript for the agent filter.

Every piece of text that comes from a transcript or a record (agent names, call ids, turn
text, finding words) goes through :func:`html.escape`; SVG text is escaped by pygal's XML
writer. Transcript text is redacted by default (``toneprobe.redact``).

pygal writes a copy of its stylesheet and a configuration script into every chart. The
report renders charts with ``no_prefix=True``, moves the (identical) stylesheet once into
the page, scoped to ``svg.pygal-chart``, and drops the script (only pygal's online
tooltip library would read it). That keeps 200 calls well under 3 MB.
"""

from __future__ import annotations

import datetime as _dt
import html
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from toneprobe.model import Transcript
from toneprobe.redact import RedactOptions, map_span, redact_transcript
from toneprobe.scoring import COMPONENTS

logger = logging.getLogger(__name__)

COMPONENT_TITLES = {
    "deescalation": "De-escalation",
    "hangup": "Hang-up",
    "respect": "Respect",
    "empathy": "Empathy",
    "warmth": "Warmth",
    "tone": "Tone",
}
# Colour-blind friendly palette (Okabe-Ito), one colour per series.
_COLORS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)


def esc(value: Any) -> str:
    """Escape anything for HTML text and attribute values."""
    return html.escape("" if value is None else str(value), quote=True)


# --------------------------------------------------------------------------- charts


@dataclass(slots=True)
class _ChartSink:
    """Collects the stylesheets pygal writes into each chart, to emit each once."""

    styles: dict[str, None] = field(default_factory=dict)

    def inline(self, chart: Any, label: str) -> str:
        svg = chart.render(is_unicode=True)
        svg = re.sub(r"<script\b.*?</script>", "", svg, flags=re.S)
        svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
        for css in re.findall(r"<style[^>]*>(.*?)</style>", svg, flags=re.S):
            # The SVG is serialised XML: "&gt;" in a selector must become ">" again.
            self.styles.setdefault(html.unescape(css), None)
        svg = re.sub(r"<style[^>]*>.*?</style>", "", svg, flags=re.S)
        svg = svg.replace(' id=""', "", 1)
        svg = svg.replace("<title>Pygal</title>", f"<title>{esc(label)}</title>", 1)
        return svg.replace("<svg ", f'<svg role="img" aria-label="{esc(label)}" ', 1)

    def stylesheet(self) -> str:
        """pygal's rules, each selector scoped to ``svg.pygal-chart``."""
        out = []
        for css in self.styles:
            for selectors, body in re.findall(r"([^{}]*)\{([^{}]*)\}", css):
                scoped = ",".join(
                    f"svg.pygal-chart {s.strip()}".rstrip() for s in selectors.split(",")
                )
                out.append(f"{scoped}{{{body}}}")
        # Nothing in a <style> element may close it early.
        return "\n".join(out).replace("</", "<\\/")


def _style() -> Any:
    from pygal.style import Style

    return Style(
        background="transparent",
        plot_background="#ffffff",
        colors=_COLORS,
        font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
        label_font_size=11,
        major_label_font_size=11,
        legend_font_size=12,
        title_font_size=14,
        value_font_size=10,
    )


def _base_config(**kwargs: Any) -> dict[str, Any]:
    cfg = {
        "js": [],
        "no_prefix": True,
        "disable_xml_declaration": True,
        "style": _style(),
        "print_values": False,
        "pretty_print": False,
    }
    cfg.update(kwargs)
    return cfg


def box_chart(sink: _ChartSink, scores_by_agent: Mapping[str, Sequence[float]]) -> str:
    import pygal

    chart = pygal.Box(
        **_base_config(
            box_mode="tukey",
            width=900,
            height=380,
            range=(0, 100),
            title="Empathy score per call, by agent",
            legend_at_bottom=True,
            legend_at_bottom_columns=4,
        )
    )
    for agent, scores in scores_by_agent.items():
        chart.add(agent, list(scores))
    return sink.inline(chart, "Empathy score per call, by agent (box plot)")


def component_chart(sink: _ChartSink, agents: Sequence[Mapping[str, Any]]) -> str:
    import pygal

    chart = pygal.Bar(
        **_base_config(
            width=900,
            height=380,
            range=(0, 100),
            title="Component means per agent (0-100)",
            x_label_rotation=20,
            legend_at_bottom=True,
            legend_at_bottom_columns=4,
        )
    )
    chart.x_labels = [str(a.get("agent")) for a in agents]
    for comp in COMPONENTS:
        values = [(a.get("components") or {}).get(comp) for a in agents]
        chart.add(COMPONENT_TITLES[comp], [None if v is None else float(v) for v in values])
    return sink.inline(chart, "Component means per agent")


def histogram_chart(sink: _ChartSink, agent: str, scores: Sequence[float]) -> str:
    import pygal

    bins = [0] * 10
    for s in scores:
        bins[min(9, max(0, int(float(s) // 10)))] += 1
    chart = pygal.Bar(
        **_base_config(
            width=420,
            height=220,
            explicit_size=True,
            show_legend=False,
            title=f"{agent}: score distribution",
            y_title="calls",
            x_label_rotation=0,
        )
    )
    chart.x_labels = [f"{10 * i}" for i in range(10)]
    top = max(bins) if bins else 1
    step = max(1, -(-top // 5))
    chart.y_labels = list(range(0, top + step, step))
    chart.add("calls", bins)
    return sink.inline(chart, f"{agent}: distribution of empathy scores")


def trend_chart(
    sink: _ChartSink,
    agent: str,
    periods: Sequence[str],
    points: Sequence[Mapping[str, Any]],
    period: str,
    low_n: int,
) -> str:
    """One agent's mean score per period with 95% intervals on a shared period axis.

    Periods with enough calls are joined by a line; periods with fewer than ``low_n`` calls
    are hollow grey points of their own (no line leads to them, so they never read as a drop;
    the page's stylesheet greys the second series of charts under ``.trend``).
    """
    import pygal

    chart = pygal.Line(
        **_base_config(
            width=560,
            height=260,
            explicit_size=True,
            range=(0, 100),
            title=f"{agent}: empathy score per {period}",
            legend_at_bottom=True,
            x_label_rotation=30 if len(periods) > 6 else 0,
            show_minor_x_labels=len(periods) <= 14,
            x_labels_major_every=max(1, len(periods) // 8),
            truncate_label=-1,
        )
    )
    chart.x_labels = list(periods)
    by_period = {p["period"]: p for p in points if p.get("period") is not None}

    def value(p: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if p is None:
            return None
        lo, hi = p["ci95"]
        return {
            "value": float(p["empathy_score"]),
            "ci": {"low": float(lo), "high": float(hi)},
            "label": f"{p['calls']} calls, 95% interval {lo:.0f}–{hi:.0f}",
        }

    enough = [value(by_period.get(k)) if not by_period.get(k, {}).get("low_n") else None
              for k in periods]  # fmt: skip
    few = [value(by_period.get(k)) if by_period.get(k, {}).get("low_n") else None
           for k in periods]  # fmt: skip
    chart.add(f"mean (≥ {low_n} calls)", enough)
    chart.add(f"fewer than {low_n} calls", few, stroke=False, dots_size=4)
    return sink.inline(chart, f"{agent}: empathy score per {period} with 95% intervals")


def trajectory_chart(sink: _ChartSink, call_id: str, polarities: Sequence[float]) -> str:
    """The customer's sentiment by turn (-1..+1): for records without customer states."""
    import pygal

    chart = pygal.Line(
        **_base_config(
            width=280,
            height=70,
            explicit_size=True,
            margin=4,
            show_legend=False,
            show_x_labels=False,
            show_y_labels=True,  # pygal draws the -1/0/+1 guides only with their labels
            show_dots=len(polarities) <= 1,
            range=(-1, 1),
            y_labels=[-1, 0, 1],
            show_y_guides=True,
            show_x_guides=False,
        )
    )
    chart.add("customer", [round(float(p), 3) for p in polarities])
    return sink.inline(chart, f"Call {call_id}: customer sentiment by turn (-1 to +1)")


#: the states drawn as lines in the state chart, in the palette's first three colours (blue,
#: orange, green; the state words below the chart use the same); problem reports and "none"
#: are not drawn
STATE_LINES = (
    ("anger_frustration", "anger"),
    ("worry", "worry"),
    ("relief_satisfaction", "relief"),
)


def customer_states(call: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The customer turns of the de-escalation trajectory that carry the customer's state."""
    trajectory = (call.get("deescalation") or {}).get("trajectory") or []
    return [p for p in trajectory if isinstance(p, Mapping) and p.get("state")]


def state_chart(sink: _ChartSink, call_id: str, points: Sequence[Mapping[str, Any]]) -> str:
    """The customer's state by turn: anger, worry and relief (probability 0..1) per turn."""
    import pygal

    chart = pygal.Line(
        **_base_config(
            width=280,
            height=70,
            explicit_size=True,
            margin=4,
            show_legend=False,
            show_x_labels=False,
            show_y_labels=True,
            show_dots=len(points) <= 1,
            range=(0, 1),
            y_labels=[0, 1],
            show_y_guides=True,
            show_x_guides=False,
        )
    )
    for key, name in STATE_LINES:
        chart.add(name, [round(float((p.get("states") or {}).get(key, 0.0)), 3) for p in points])
    return sink.inline(chart, f"Call {call_id}: customer state by turn (anger, worry, relief)")


def state_line(points: Sequence[Mapping[str, Any]]) -> str:
    """The customer's state turn by turn as words: ``problem → anger → relief``."""
    from toneprobe.sentiment.states import SHORT

    words = [
        f'<span class="st {esc(p["state"])}" title="turn {esc(p.get("turn"))}">'
        f"{esc(SHORT.get(str(p['state']), p['state']))}</span>"
        for p in points
    ]
    return f'<div class="stateline">{" → ".join(words)}</div>'


# --------------------------------------------------------------------------- HTML pieces


_CSS = """
:root{--neg:#fde2e1;--neg-b:#c0392b;--pos:#dff3e4;--pos-b:#1e824c;--muted:#666;--line:#ddd}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#222;
 background:#fafafa;line-height:1.4}
header{background:#1f3a5f;color:#fff;padding:16px 24px}
header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;opacity:.85}
main{padding:8px 24px 40px;max-width:1280px}
section{margin-top:24px}
h2{font-size:18px;border-bottom:2px solid #1f3a5f;padding-bottom:4px}
.filter{margin-top:10px}
.filter select{font-size:14px;padding:2px 6px}
table{border-collapse:collapse;background:#fff;font-size:14px}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef2f7}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.low{color:var(--muted);font-style:italic}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border:1px solid var(--line);padding:6px}
details{background:#fff;border:1px solid var(--line);margin:6px 0;padding:4px 8px}
summary{cursor:pointer;font-weight:600}
.turns td.text{max-width:820px;white-space:pre-wrap}
.turns tr.agent td.who{color:#1f3a5f}
.turns tr.customer td.who{color:#7a4b00}
mark.neg{background:var(--neg);border-bottom:2px solid var(--neg-b)}
mark.pos{background:var(--pos);border-bottom:2px solid var(--pos-b)}
mark.cue{background:#fff6d6;border-bottom:2px dotted #9a7d0a}
ul.findings{margin:2px 0 0;padding-left:18px;font-size:12px;color:#444}
li.neg::marker{color:var(--neg-b)}
li.pos::marker{color:var(--pos-b)}
li.cue::marker{color:#9a7d0a}
.badge{display:inline-block;border-radius:3px;padding:0 5px;font-size:12px;background:#eee}
.stateline{font-size:12px;max-width:280px}
.st.anger_frustration{color:#0072B2;font-weight:600}
.st.worry{color:#b07800;font-weight:600}
.st.relief_satisfaction{color:#009E73;font-weight:600}
.st.problem_report,.st.none{color:var(--muted)}
.note{color:var(--muted);font-size:13px}
.trend svg.pygal-chart .color-1{stroke:#9a9a9a;fill:#9a9a9a}
.trend svg.pygal-chart .serie-1 .dot{fill:#fff;stroke:#6f6f6f;stroke-width:2px}
[hidden]{display:none !important}
"""

_FILTER_JS = """
(function () {
  var select = document.getElementById("agent-filter");
  if (!select) { return; }
  function apply() {
    var wanted = select.value;
    var items = document.querySelectorAll("[data-agent]");
    for (var i = 0; i < items.length; i++) {
      items[i].hidden = wanted !== "" && items[i].getAttribute("data-agent") !== wanted;
    }
  }
  // "report.html#agent=Jana%20Kr%C3%BCger" opens the report filtered to that agent.
  var hash = window.location.hash;
  if (hash.indexOf("#agent=") === 0) {
    var name = decodeURIComponent(hash.slice(7));
    for (var j = 0; j < select.options.length; j++) {
      if (select.options[j].value === name) { select.value = name; }
    }
  }
  select.addEventListener("change", function () {
    var target = select.value ? "#agent=" + encodeURIComponent(select.value)
                              : window.location.pathname + window.location.search;
    try {
      window.history.replaceState(null, "", target);
    } catch (err) {
      // some browsers refuse history changes on file:// pages; the filter still works
    }
    apply();
  });
  apply();
})();
"""


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    try:
        return f"{float(value):.{digits}f}"
    except (TypeError, ValueError):
        return esc(value)


def _highlighted(text: str, marks: Sequence[tuple[int, int, str, str]]) -> str:
    """``text`` escaped, with non-overlapping ``(start, end, css, title)`` marks."""
    out: list[str] = []
    pos = 0
    for start, end, css, title in sorted(marks):
        start, end = max(start, pos), min(end, len(text))
        if end <= start:
            continue
        out.append(esc(text[pos:start]))
        out.append(f'<mark class="{css}" title="{esc(title)}">{esc(text[start:end])}</mark>')
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out)


def _polarity_css(finding: Mapping[str, Any]) -> str:
    """pos/neg for the agent's good and bad moves; cue for observations (an upset customer)."""
    pol = finding.get("polarity")
    if pol is None:
        pol = "negative" if float(finding.get("weight") or 0) < 0 else "positive"
    return {"positive": "pos", "negative": "neg"}.get(str(pol), "cue")


def turn_view(
    call: Mapping[str, Any],
    transcript: Transcript | None,
    *,
    redaction: bool,
    options: RedactOptions | None,
) -> str:
    """The call turn by turn: speaker, text with findings marked, sentiment and, for the
    customer, the state."""
    if transcript is None:
        listed = "".join(
            f'<li class="{_polarity_css(f)}"><code>{esc(f.get("rule_id"))}</code> '
            f"turn {esc(f.get('turn'))} ({esc(f.get('role') or '')})</li>"
            for f in call.get("findings") or []
        )
        return (
            '<p class="note">Scores read from a saved score file: the transcript is not in '
            "it, so only the findings' rule ids and turns are listed.</p>"
            + (f'<ul class="findings">{listed}</ul>' if listed else "")
        )
    spans: dict[int, list[Any]] = {}
    shown = transcript
    if redaction:
        shown, spans = redact_transcript(transcript, options)
    findings_by_turn: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for f in call.get("findings") or []:
        if f.get("turn") is not None:
            findings_by_turn[int(f["turn"])].append(f)
    sentiment = {
        int(s["turn"]): s for s in call.get("sentiment") or [] if s.get("turn") is not None
    }
    states = {int(p["turn"]): p for p in customer_states(call)}
    rows = []
    for turn in shown.turns:
        marks = []
        items = []
        for f in findings_by_turn.get(turn.index, []):
            css = _polarity_css(f)
            title = f"{f.get('rule_id')}: {f.get('explanation') or ''}".strip()
            if f.get("start") is not None and f.get("end") is not None:
                start, end = int(f["start"]), int(f["end"])
                if redaction:
                    start, end = map_span(spans.get(turn.index, []), start, end)
                marks.append((start, end, css, title))
            items.append(
                f'<li class="{css}"><code>{esc(f.get("rule_id"))}</code> '
                f"{esc(f.get('explanation') or f.get('text') or '')}</li>"
            )
        s = sentiment.get(turn.index) or {}
        sent = (
            f'<span class="badge">{esc(s.get("label"))} {_fmt(s.get("polarity"), 2)}</span>'
            if s
            else ""
        )
        point = states.get(turn.index)
        if point is not None:
            sent += f"<br>{state_line([point])}"
        who = esc(turn.speaker or turn.role)
        findings_html = f'<ul class="findings">{"".join(items)}</ul>' if items else ""
        rows.append(
            f'<tr class="{esc(turn.role)}"><td class="num">{turn.index}</td>'
            f'<td class="who">{who}<br><span class="note">{esc(turn.role)}</span></td>'
            f'<td class="text">{_highlighted(turn.text, marks)}{findings_html}</td>'
            f"<td>{sent}</td></tr>"
        )
    return (
        '<table class="turns"><thead><tr><th>#</th><th>Speaker</th><th>Text</th>'
        f"<th>Sentiment / state</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _call_summary(call: Mapping[str, Any]) -> str:
    de = (call.get("deescalation") or {}).get("outcome")
    hu = (call.get("hangup") or {}).get("outcome")
    dis = (call.get("respect") or {}).get("disrespect")
    bits = [f"de-escalation: {esc(de)}", f"hang-up: {esc(hu)}"]
    if dis:
        bits.append("disrespect")
    return (
        f"{esc(call.get('call_id'))} · {esc(call.get('agent'))} · score "
        f'{_fmt(call.get("empathy_score"))} <span class="note">({", ".join(bits)})</span>'
    )


def _agent_table(agents: Sequence[Mapping[str, Any]]) -> str:
    head = "".join(f"<th>{COMPONENT_TITLES[c]}</th>" for c in COMPONENTS)
    rows = []
    for a in agents:
        ci = a.get("ci95") or [None, None]
        low = ' <span class="low">(few calls)</span>' if a.get("low_n") else ""
        comps = "".join(
            f'<td class="num">{_fmt((a.get("components") or {}).get(c))}</td>' for c in COMPONENTS
        )
        outcomes = a.get("outcomes") or {}
        rows.append(
            f'<tr data-agent="{esc(a.get("agent"))}"><td>{esc(a.get("agent"))}{low}</td>'
            f'<td class="num">{esc(a.get("calls"))}</td>'
            f'<td class="num"><b>{_fmt(a.get("empathy_score"))}</b></td>'
            f'<td class="num">{_fmt(ci[0])} – {_fmt(ci[1])}</td>{comps}'
            f'<td class="num">{esc(outcomes.get("disrespect_calls", "–"))}</td></tr>'
        )
    return (
        '<table class="agents"><thead><tr><th>Agent</th><th>Calls</th><th>Empathy score</th>'
        f"<th>95% interval</th>{head}<th>Disrespect calls</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _trend_table(points: Sequence[Mapping[str, Any]], period: str) -> str:
    rows = []
    for p in points:
        if p.get("period") is None:
            continue
        if p.get("low_n"):
            change = '<span class="low">few calls</span>'
        else:
            change = "–" if p.get("change") is None else f"{float(p['change']):+.1f}"
        ci = p.get("ci95") or [None, None]
        rows.append(
            f"<tr><td>{esc(p['period'])}</td><td>{esc(p.get('start'))}</td>"
            f'<td class="num">{esc(p.get("calls"))}</td>'
            f'<td class="num">{_fmt(p.get("empathy_score"))}</td>'
            f'<td class="num">{_fmt(ci[0])} – {_fmt(ci[1])}</td><td class="num">{change}</td></tr>'
        )
    return (
        f'<table class="trend"><thead><tr><th>{esc(period.capitalize())}</th><th>From</th>'
        "<th>Calls</th><th>Score</th><th>95% interval</th><th>Change</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def trend_section(sink: _ChartSink, trends: Mapping[str, Any], agent_names: Sequence[str]) -> str:
    """Per agent: a chart of the mean score per period with intervals, and the numbers."""
    from toneprobe.trends import period_range

    period, low_n = str(trends["period"]), int(trends["low_n"])
    points = list(trends["points"])
    undated = {p["agent"]: int(p["calls"]) for p in points if p.get("period") is None}
    n_undated = sum(undated.values())
    keys = sorted({p["period"] for p in points if p.get("period") is not None})
    out = [f'<section id="trends"><h2>Trend per {esc(period)}</h2>']
    if not keys:
        out.append(
            f'<p class="note">No call has a date, so there is no trend ({n_undated} calls '
            "without a date). Dates come from the transcript's metadata (Contact Lens, CCAI, "
            "Genesys, toneprobe JSON <code>date</code>), from a date in the file or folder name "
            "(2026-11-23, 20261123, 23.11.2026), or from <code>--date</code>.</p></section>"
        )
        return "".join(out)
    periods = period_range(keys[0], keys[-1], period)
    out.append(
        f'<p class="note">Mean empathy score per agent and {esc(period)} with its 95% '
        f"interval. Grey points are {esc(period)}s with fewer than {low_n} calls: too few to "
        "read as a rise or a drop, so no line leads to them and the change column skips them. "
        + (
            f"<b>{n_undated} calls without a date</b> are not in the charts (counted per agent)."
            if n_undated
            else "Every call has a date."
        )
        + "</p>"
    )
    out.append('<div class="cards trend">')
    for name in agent_names:
        mine = [p for p in points if p["agent"] == name and p.get("period") is not None]
        if not mine and name not in undated:
            continue
        missing = (
            f'<p class="note">{undated[name]} calls without a date not shown.</p>'
            if name in undated
            else ""
        )
        chart = (
            trend_chart(sink, name, periods, mine, period, low_n)
            if mine
            else f'<p class="note">{esc(name)}: no dated calls.</p>'
        )
        table = (
            f"<details><summary>{esc(period.capitalize())} by {esc(period)}</summary>"
            f"{_trend_table(mine, period)}</details>"
            if mine
            else ""
        )
        out.append(f'<div class="card" data-agent="{esc(name)}">{chart}{missing}{table}</div>')
    out.append("</div></section>")
    return "".join(out)


def slim_record(call: Mapping[str, Any]) -> dict[str, Any]:
    """What :func:`build_report` reads from a call that has no transcript (saved scores):
    ids, score, outcomes, the customer's state (or sentiment) line and the findings' rule ids
    and turns.
    A report over many thousand saved calls keeps these instead of the whole records."""
    respect = call.get("respect") or {}
    return {
        "call_id": call.get("call_id"),
        "agent": call.get("agent"),
        "date": call.get("date"),
        "empathy_score": call.get("empathy_score"),
        "deescalation": {
            "outcome": (call.get("deescalation") or {}).get("outcome"),
            "trajectory": [
                {k: p.get(k) for k in ("turn", "upset", "state", "states")}
                for p in customer_states(call)
            ],
        },
        "hangup": {"outcome": (call.get("hangup") or {}).get("outcome")},
        "respect": {"disrespect": respect.get("disrespect")},
        "sentiment": [
            {"role": "customer", "polarity": s.get("polarity")}
            for s in call.get("sentiment") or []
            if s.get("role") == "customer"
        ],
        "findings": [
            {k: f.get(k) for k in ("rule_id", "turn", "role", "polarity", "weight")}
            for f in call.get("findings") or []
        ],
    }


def build_report(
    items: Iterable[tuple[Mapping[str, Any], Transcript | None]],
    agents: Sequence[Mapping[str, Any]],
    *,
    redaction: bool = True,
    redact_options: RedactOptions | None = None,
    n_examples: int = 10,
    title: str = "toneprobe report",
    generated: _dt.datetime | None = None,
    trends: Mapping[str, Any] | None = None,
    max_call_rows: int = 300,
) -> str:
    """The whole report as one HTML string (see the module docstring).

    ``trends`` (period, low_n and the TrendPoint dicts of :mod:`toneprobe.trends`) adds a trend
    chart per agent. The per-call sentiment table shows at most ``max_call_rows`` calls (the
    lowest-scoring), so a report over many thousand saved calls stays readable and small.
    """
    pairs = list(items)
    calls = [c for c, _ in pairs]
    sink = _ChartSink()
    scores_by_agent: dict[str, list[float]] = defaultdict(list)
    for call in calls:
        if call.get("empathy_score") is not None:
            scores_by_agent[str(call.get("agent"))].append(float(call["empathy_score"]))
    agent_names = [str(a.get("agent")) for a in agents] or sorted(scores_by_agent)
    ordered_scores = {name: scores_by_agent.get(name, []) for name in agent_names}

    parts: list[str] = []
    when = (generated or _dt.datetime.now(_dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    options = "".join(f'<option value="{esc(n)}">{esc(n)}</option>' for n in agent_names)
    parts.append(
        f"<header><h1>{esc(title)}</h1><p>{len(calls)} calls · {len(agent_names)} agents · "
        f"generated {esc(when)} · personal data {'masked' if redaction else 'NOT masked'}</p>"
        '<div class="filter"><label for="agent-filter">Agent: </label>'
        f'<select id="agent-filter"><option value="">all agents</option>{options}</select>'
        "</div></header><main>"
    )
    parts.append(
        f'<section id="agents"><h2>Agents</h2>{_agent_table(agents)}'
        '<p class="note">Empathy score 0-100 per call, averaged per agent with a 95% interval. '
        "Components are 0-100; an empty cell means the component did not apply.</p></section>"
    )
    if trends is not None:
        parts.append(trend_section(sink, trends, agent_names))
    parts.append('<section id="charts"><h2>Score distribution and components</h2>')
    if calls:
        parts.append(f'<div class="card">{box_chart(sink, ordered_scores)}</div>')
        if agents:
            parts.append(f'<div class="card">{component_chart(sink, agents)}</div>')
        parts.append('<div class="cards">')
        for name in agent_names:
            if ordered_scores.get(name):
                parts.append(
                    f'<div class="card" data-agent="{esc(name)}">'
                    f"{histogram_chart(sink, name, ordered_scores[name])}</div>"
                )
        parts.append("</div>")
    else:
        parts.append('<p class="note">No calls.</p>')
    parts.append("</section>")

    scored = [p for p in pairs if p[0].get("empathy_score") is not None]
    scored.sort(key=lambda p: (float(p[0]["empathy_score"]), str(p[0].get("call_id"))))
    worst = scored[:n_examples]
    worst_ids = {id(p[0]) for p in worst}
    best = [p for p in reversed(scored) if id(p[0]) not in worst_ids][:n_examples]
    for sec_id, heading, chosen in (
        ("worst", "Worst calls", worst),
        ("best", "Best calls", best),
    ):
        parts.append(f'<section id="{sec_id}"><h2>{heading}</h2>')
        if not chosen:
            parts.append('<p class="note">No calls.</p>')
        for call, transcript in chosen:
            view = turn_view(call, transcript, redaction=redaction, options=redact_options)
            parts.append(
                f'<details data-agent="{esc(call.get("agent"))}"><summary>{_call_summary(call)}'
                f"</summary>{view}</details>"
            )
        parts.append("</section>")

    rows = []
    shown = pairs
    if len(pairs) > max_call_rows:
        shown = [p for p in scored[:max_call_rows]]
    for call, _ in sorted(shown, key=lambda p: str(p[0].get("call_id"))):
        points = customer_states(call)
        polarities = [
            float(s.get("polarity") or 0.0)
            for s in call.get("sentiment") or []
            if s.get("role") == "customer"
        ]
        if points:
            chart = state_chart(sink, str(call.get("call_id")), points) + state_line(points)
        elif polarities:  # a record scored without the customer-state model
            chart = trajectory_chart(sink, str(call.get("call_id")), polarities)
        else:
            chart = '<span class="note">no customer turns</span>'

        rows.append(
            f'<tr data-agent="{esc(call.get("agent"))}"><td>{esc(call.get("call_id"))}</td>'
            f"<td>{esc(call.get('agent'))}</td>"
            f'<td class="num">{_fmt(call.get("empathy_score"))}</td>'
            f"<td>{esc((call.get('deescalation') or {}).get('outcome'))}</td>"
            f"<td>{esc((call.get('hangup') or {}).get('outcome'))}</td><td>{chart}</td></tr>"
        )
    parts.append(
        '<section id="calls"><h2>Customer state per call</h2>'
        '<p class="note">The customer\'s state turn by turn, as the customer-state model reads '
        "it: the lines are the probability (0 to 1) of anger, worry and relief per customer "
        "turn, the words below them each turn's state (a calm problem report is not upset). "
        "Calls scored without the state model show the customer's sentiment instead, from -1 "
        "(negative) to +1 (positive)."
        + (
            f" Showing the {len(shown)} lowest-scoring of {len(pairs)} calls."
            if len(shown) < len(pairs)
            else ""
        )
        + "</p>"
        "<table><thead><tr><th>Call</th><th>Agent</th><th>Score</th><th>De-escalation</th>"
        f"<th>Hang-up</th><th>Customer state</th></tr></thead><tbody>{''.join(rows)}"
        "</tbody></table></section></main>"
    )
    head = (
        '<!DOCTYPE html>\n<html lang="de"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_CSS}\n{sink.stylesheet()}</style></head><body>"
    )
    return head + "".join(parts) + f"<script>{_FILTER_JS}</script></body></html>\n"
