"""Coaching moments: ranking by weight x severity, filters, windows, redaction."""

from __future__ import annotations

import pytest
from callfactory import finding, make_call, make_transcript

from toneprobe.coaching import customer_upset_before, extract_moments


def _items():
    t1 = make_transcript("c1", "Jana Krüger", "Anna Becker")
    t2 = make_transcript("c2", "Lukas Brandt", "Peter Schulz")
    # c1: the apology follows a furious customer (-0.9); c2: a calm one (0.0)
    c1 = make_call(
        t1,
        score=80.0,
        polarities=[0.0, -0.9, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        findings=[
            finding("empathy", "empathy.acknowledge.v1", 2, "Das ist wirklich ärgerlich",
                    t1.turns[2].text, polarity="positive", weight=0.5),
            finding("respect", "respect.dismissal.v1", 6, "Kann ich sonst noch etwas",
                    t1.turns[6].text, polarity="negative", weight=0.4),
        ],
    )  # fmt: skip
    c2 = make_call(
        t2,
        score=60.0,
        findings=[
            finding("empathy", "empathy.acknowledge.v1", 2, "Das ist wirklich ärgerlich",
                    t2.turns[2].text, polarity="positive", weight=0.6),
            finding("respect", "respect.blame.v1", 4, "veranlasse heute noch",
                    t2.turns[4].text, polarity="negative", weight=0.8),
            finding("deescalation", "deescalation.upset.v1", 1, "doppelt abgebucht",
                    t2.turns[1].text, polarity="negative", weight=0.9, role="customer"),
        ],
    )  # fmt: skip
    return [(c1, t1), (c2, t2)]


def test_coaching_best_ranks_by_weight_times_severity() -> None:
    moments = extract_moments(_items(), kind="best", n=5)
    # c1: 0.5 * (1 + 0.9) = 0.95 beats c2: 0.6 * 1.0
    assert [(m.call_id, m.rule_id) for m in moments] == [
        ("c1", "empathy.acknowledge.v1"),
        ("c2", "empathy.acknowledge.v1"),
    ]
    assert moments[0].strength == pytest.approx(0.95)
    assert moments[0].severity == pytest.approx(1.9)
    assert [m.rank for m in moments] == [1, 2]


def test_coaching_worst_skips_customer_findings() -> None:
    moments = extract_moments(_items(), kind="worst", n=10)
    assert [m.rule_id for m in moments] == ["respect.blame.v1", "respect.dismissal.v1"]
    assert not any(m.detector == "deescalation" for m in moments)


@pytest.mark.parametrize(
    "kwargs,expected",
    [
        ({"agent": "jana krüger"}, ["c1"]),
        ({"detector": "respect"}, ["c2", "c1"]),
        ({"n": 1}, ["c2"]),
        ({"agent": "Niemand"}, []),
    ],
)
def test_coaching_filters(kwargs: dict, expected: list[str]) -> None:
    moments = extract_moments(_items(), kind="worst", **kwargs)
    assert [m.call_id for m in moments] == expected


def test_coaching_window_and_highlight_after_redaction() -> None:
    [m] = extract_moments(_items(), kind="best", n=1, context=1)
    assert [w.index for w in m.window] == [1, 2, 3]
    focus = next(w for w in m.window if w.focus)
    s, e = focus.highlight
    assert focus.text[s:e] == "Das ist wirklich ärgerlich"
    # the customer's name in the focus turn and the number in the next turn are masked
    assert "Becker" not in focus.text and "[NAME]" in focus.text
    assert "[NUMMER]" in m.window[2].text and "4711" not in m.window[2].text
    assert "Anna Becker" not in m.window[0].text


def test_coaching_no_redact_keeps_text() -> None:
    [m] = extract_moments(_items(), kind="best", n=1, context=1, redaction=False)
    assert "Frau Becker" in next(w.text for w in m.window if w.focus)
    assert "4711-0815" in m.window[2].text


def test_coaching_context_zero_and_missing_transcript() -> None:
    items = [(c, None) for c, _ in _items()]
    [m] = extract_moments(items, kind="best", n=1, context=0)
    assert m.window == ()
    [m] = extract_moments(_items(), kind="best", n=1, context=0)
    assert [w.index for w in m.window] == [2]


def test_coaching_upset_before_uses_latest_customer_turn() -> None:
    call = {"sentiment": [
        {"turn": 1, "role": "customer", "polarity": -0.8},
        {"turn": 3, "role": "customer", "polarity": 0.4},
    ]}  # fmt: skip
    assert customer_upset_before(call, 2) == pytest.approx(0.8)
    assert customer_upset_before(call, 4) == 0.0
    assert customer_upset_before(call, 0) == 0.0


def test_coaching_rejects_bad_kind() -> None:
    with pytest.raises(ValueError, match="best or worst"):
        extract_moments(_items(), kind="middle")  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["best", "worst"])
def test_coaching_ignores_cue_findings(kind: str) -> None:
    t = make_transcript("c9", "Jana Krüger", "Anna Becker")
    cue = finding("hangup", "hangup.agent.closing.v1", 6, "Kann ich sonst noch etwas",
                  t.turns[6].text, polarity="cue", weight=0.9)  # fmt: skip
    assert not extract_moments([(make_call(t, score=50.0, findings=[cue]), t)], kind=kind)


@pytest.mark.parametrize("fmt", ["table", "markdown", "json", "csv"])
def test_coaching_render_formats(fmt: str) -> None:
    import csv
    import io
    import json

    from toneprobe.commands.workflows import render_examples

    moments = extract_moments(_items(), kind="worst", n=2, context=1)
    out = io.StringIO()
    render_examples(moments, fmt, out, "worst")
    text = out.getvalue()
    assert "respect.blame.v1" in text
    assert "4711-0815" not in text
    if fmt == "json":
        assert [m["rule_id"] for m in json.loads(text)["moments"]] == [
            "respect.blame.v1",
            "respect.dismissal.v1",
        ]
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [r["call_id"] for r in rows] == ["c2", "c1"]
        assert rows[0]["words"] == "veranlasse heute noch"
    elif fmt == "markdown":
        assert "**veranlasse heute noch**" in text
        assert "\\[NUMMER\\]" in text


@pytest.mark.parametrize("kind", ["best", "worst"])
@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_coaching_streamed_calls_give_the_same_moments(kind: str, n: int) -> None:
    """examples streams calls through once (a generator); the ranking equals the list one."""
    from_list = extract_moments(_items(), kind=kind, n=n)  # type: ignore[arg-type]
    streamed = extract_moments((item for item in _items()), kind=kind, n=n)  # type: ignore[arg-type]
    assert [(m.call_id, m.rule_id, m.turn) for m in streamed] == [
        (m.call_id, m.rule_id, m.turn) for m in from_list
    ]
    assert len(streamed) == min(n, 2)
