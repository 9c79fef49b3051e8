"""E-mail and ticket replies quote the message they answer line by line ("> ..."): an agent who
quotes the customer's insult to set a boundary is not blamed for its words (issue 13, item 4),
run as a real process on a real JSON thread; the same words in the agent's own line still count."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli import run_toneprobe

from toneprobe.textio import clean_text

CUSTOMER = "Sie sind doch zu blöd, eine einfache Erstattung zu machen. IHR SEID EINE BETRÜGERBANDE!"
QUOTING_REPLY = (
    "Guten Tag Herr Drescher,\n\nvielen Dank für Ihre Nachricht.\n\n"
    "> Sie sind doch zu blöd, eine einfache Erstattung zu machen.\n"
    "> IHR SEID EINE BETRÜGERBANDE!\n\n"
    "Solche Worte nehme ich so nicht an. Ihre Erstattung über 178 Euro ist heute freigegeben "
    "und kommt in drei bis fünf Werktagen auf Ihr Konto.\n\nMit freundlichen Grüßen\nDilara Kern"
)


def thread(agent_reply: str) -> dict:
    return {
        "call_id": "ticket-4711",
        "agent": "Dilara Kern",
        "customer": "Herr Drescher",
        "ended_by": None,
        "turns": [
            {"role": "customer", "speaker": "Herr Drescher", "text": CUSTOMER},
            {"role": "agent", "speaker": "Dilara Kern", "text": agent_reply},
            {"role": "customer", "speaker": "Herr Drescher", "text": "Na gut. Danke."},
        ],
    }


def findings_of(tmp_path: Path, agent_reply: str) -> tuple[list[tuple[str, str]], dict]:
    path = tmp_path / "ticket.json"
    path.write_text(json.dumps(thread(agent_reply), ensure_ascii=False), encoding="utf-8")
    proc = run_toneprobe("score", str(path), "-F", "jsonl", "--model", "fake", "-q")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout.splitlines()[0])
    agent = [(f["rule_id"], f["text"]) for f in record["findings"] if f["turn"] == 1]
    return agent, record


def test_email_quotes_the_quoted_insult_is_no_finding_of_the_agent(tmp_path: Path) -> None:
    agent, record = findings_of(tmp_path, QUOTING_REPLY)
    negative = [
        rule for rule, _ in agent if rule.startswith(("respect.insult", "deescalation.upset"))
    ]
    assert negative == []
    assert record["respect"]["disrespect"] is False
    # the agent's own courtesy is still read, the written close included
    assert any(rule.startswith("respect.farewell") for rule, _ in agent)


def test_email_quotes_the_same_words_unquoted_are_the_agents_own(tmp_path: Path) -> None:
    own = QUOTING_REPLY.replace("> ", "")
    agent, record = findings_of(tmp_path, own)
    assert any(rule.startswith("respect.insult") and "blöd" in text for rule, text in agent)
    assert record["respect"]["disrespect"] is True


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "Hallo,\n> Ihr seid Betrüger\n> alle zusammen\nDas sehe ich anders.",
            "Hallo, „Ihr seid Betrüger alle zusammen“ Das sehe ich anders.",
        ),
        ("Hallo,\n>> > Ihr seid Betrüger\nNein.", "Hallo, „Ihr seid Betrüger“ Nein."),
        # an arrow, a comparison and a '>' inside a line are no quotes
        ("Tarif -> 50 Euro\n> 50 Euro im Monat", "Tarif -> 50 Euro > 50 Euro im Monat"),
        ("Preis > Leistung, sagen Sie.", "Preis > Leistung, sagen Sie."),
    ],
)
def test_email_quotes_quoted_lines_become_one_quotation(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected
