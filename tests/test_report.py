"""HTML report: self-contained, escaped, redacted, small enough."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from callfactory import finding, make_agents, make_call, make_transcript, synthetic_batch

from toneprobe.report import build_report

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        self._in_script = False

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._in_script:
            self.scripts.append(data)


def _parse(html_text: str) -> _Collect:
    p = _Collect()
    p.feed(html_text)
    return p


def _hostile_items():
    lines = (
        ("agent", "Guten Tag, hier ist {agent}. Was kann ich tun?"),
        ("customer", "Ich schreibe Ihnen mal Code: " + HOSTILE + " und <b>fett</b> & mehr"),
        ("agent", "Das tut mir leid, Frau {last}, das ist wirklich ärgerlich."),
    )
    t = make_transcript('c<1>"', "Eve <i>Agent</i>", "Anna Becker", lines)
    text = t.turns[1].text
    f = finding("respect", "respect.<bad>.v1", 1, HOSTILE, text, polarity="negative",
                weight=0.5, role="customer")  # fmt: skip
    call = make_call(t, score=12.0, findings=[f], polarities=[0.0, -0.7, 0.2])
    return [(call, t)]


def test_report_escapes_transcript_text() -> None:
    items = _hostile_items()
    html_text = build_report(items, make_agents([c for c, _ in items]))
    parsed = _parse(html_text)
    tags = [t for t, _ in parsed.tags]
    # the only script element is the report's own filter; no <img>, no <b> from the text
    assert tags.count("script") == 1
    assert "img" not in tags
    assert "<b>fett</b>" not in html_text
    assert "alert" not in "".join(parsed.scripts)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html_text
    assert "&lt;b&gt;fett&lt;/b&gt; &amp; mehr" in html_text
    assert "Eve &lt;i&gt;Agent&lt;/i&gt;" in html_text
    assert "respect.&lt;bad&gt;.v1" in html_text
    assert not any(t == "i" for t in tags)


def test_report_is_self_contained() -> None:
    items = synthetic_batch(8)
    html_text = build_report(items, make_agents([c for c, _ in items]))
    parsed = _parse(html_text)
    for tag, attrs in parsed.tags:
        assert tag not in ("link", "iframe", "img"), tag
        for name in ("src", "href"):
            assert not attrs.get(name), (tag, attrs)
    assert "@import" not in html_text
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html_text)
    assert html_text.count("<svg") == 1 + 1 + 4 + 8  # box, components, 4 histograms, 8 lines
    assert html_text.startswith("<!DOCTYPE html>")


def test_report_sections_and_filter() -> None:
    items = synthetic_batch(30)
    agents = make_agents([c for c, _ in items])
    html_text = build_report(items, agents, n_examples=5)
    parsed = _parse(html_text)
    options = [a.get("value") for t, a in parsed.tags if t == "option"]
    assert options == ["", *sorted(a["agent"] for a in agents)]
    details = [a for t, a in parsed.tags if t == "details"]
    assert len(details) == 10
    assert all(a.get("data-agent") for a in details)
    for section in ("agents", "charts", "worst", "best", "calls"):
        assert f'<section id="{section}">' in html_text
    assert html_text.count('<mark class="pos"') >= 10


def test_report_redacts_by_default() -> None:
    items = synthetic_batch(4)
    masked = build_report(items, make_agents([c for c, _ in items]), n_examples=4)
    assert "4711-0815" not in masked and "0171 1234567" not in masked
    assert "DE89 3704" not in masked and "Becker" not in masked
    assert "[NUMMER]" in masked and "[TELEFON]" in masked and "[IBAN]" in masked
    plain = build_report(items, make_agents([c for c, _ in items]), n_examples=4, redaction=False)
    assert "4711-0815" in plain and "personal data NOT masked" in plain


def test_report_highlight_survives_redaction() -> None:
    items = synthetic_batch(2)
    html_text = build_report(items, make_agents([c for c, _ in items]))
    assert re.search(r'<mark class="pos"[^>]*>Das ist wirklich ärgerlich</mark>', html_text)


@pytest.mark.parametrize("n", [200])
def test_report_size_for_many_calls(n: int) -> None:
    items = synthetic_batch(n)
    html_text = build_report(items, make_agents([c for c, _ in items]))
    size = len(html_text.encode("utf-8"))
    assert size < 3 * 1024 * 1024, size
    assert html_text.count('<tr data-agent="') == n + 4  # every call + the agent table


def test_report_no_calls() -> None:
    html_text = build_report([], [])
    assert "No calls." in html_text
    assert "<svg" not in html_text


def test_report_marks_cues_apart_from_agent_moves() -> None:
    t = make_transcript("c1", "Jana Krüger", "Anna Becker")
    cue = finding("deescalation", "deescalation.upset.v1", 1, "schon wieder doppelt abgebucht",
                  t.turns[1].text, polarity="cue", weight=0.6, role="customer")  # fmt: skip
    html_text = build_report([(make_call(t, score=50.0, findings=[cue]), t)], [])
    assert re.search(r'<mark class="cue"[^>]*>schon wieder doppelt abgebucht</mark>', html_text)
    assert '<mark class="pos"' not in html_text
