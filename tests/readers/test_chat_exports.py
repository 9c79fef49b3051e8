"""Chat exports as live-chat tools write them (issue 13): their column names and role words,
system messages kept as events (never turns) that say who ended the chat, internal notes left
out, one message one turn as in toneprobe JSON, and the same chat scoring the same in both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli import run_toneprobe

from toneprobe.readers import read_path
from toneprobe.readers.chat_events import event_kind, looks_like_system_message

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "chat_exports"
CHAT = ROOT / "data" / "chat"


# --- what a system message says -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Der Besucher hat den Chat verlassen", "customer_left"),
        ("Besucher 3391 hat den Chat verlassen", "customer_left"),
        ("Die Kundin hat das Chatfenster geschlossen.", "customer_left"),
        ("Der Chat wurde vom Kunden beendet.", "customer_left"),
        ("Visitor has left the chat", "customer_left"),
        ("Der Chat wurde wegen Inaktivität beendet.", "timeout"),
        ("Chat automatisch geschlossen: keine Antwort seit 10 Minuten", "timeout"),
        ("Chat timed out", "timeout"),
        ("Verbindung zum Besucher unterbrochen", "connection_lost"),
        ("Connection lost", "connection_lost"),
        ("Der Mitarbeiter hat den Chat beendet.", "agent_closed"),
        ("Der Chat wurde vom Agenten geschlossen", "agent_closed"),
        ("Chat transferred to Team Support", "transfer"),
        ("Chat an Team Abrechnung zugewiesen", "transfer"),
        ("Jana Krüger ist dem Chat beigetreten", "joined"),
        ("Chat beendet", "ended"),
        ("Das Gespräch wurde geschlossen.", "ended"),
        ("Jana Krüger left the chat", "left"),
    ],
)
def test_chat_event_kind_of_system_messages(text, kind):
    assert event_kind(text) == kind
    assert looks_like_system_message(text)


@pytest.mark.parametrize(
    "text",
    [
        "Guten Tag, was kann ich für Sie tun?",
        "ich warte seit 20 minuten und keiner kann mir sagen wo mein paket ist",
        "Einen Moment bitte, ich schaue in Ihrem Vertrag nach.",
        "Das ist eine Frechheit, ich kündige!",
    ],
)
def test_chat_event_kind_leaves_what_people_type_alone(text):
    assert event_kind(text) == "other"
    assert not looks_like_system_message(text)


# --- reading the exports --------------------------------------------------------------------


def test_chat_zendesk_history_visitor_left_is_an_event_and_customer_ended_it():
    result = read_path(FIXTURES / "zendesk_chat_history.csv")
    call = result.transcripts[0]
    assert call.call_id == "zd-4711"
    assert [t.role for t in call.turns] == [
        "customer",
        "agent",
        "customer",
        "customer",
        "agent",
        "customer",
    ]  # the visitor's two messages in a row stay two turns
    assert not any("verlassen" in t.text or "memberjoin" in t.text for t in call.turns)
    assert call.turns[0].start == 2.0  # ISO times, from the first row's
    assert call.agent == "Timo Seidel"
    kinds = [e["kind"] for e in call.metadata["events"]]
    assert kinds == ["other", "other", "customer_left"]  # two joins without text, one leave
    assert call.metadata["events"][-1]["after_turn"] == 5
    assert call.ended_by == "customer"
    assert any("kept 3 system message(s) as events" in w for w in result.warnings)


def test_chat_freshchat_private_note_left_out_and_timeout_is_dropped():
    result = read_path(FIXTURES / "freshchat_messages.jsonl")
    call = result.transcripts[0]
    texts = [t.text for t in call.turns]
    assert "Zählerstand fehlt im System, Schätzung prüfen" not in texts
    assert [t.role for t in call.turns] == ["agent", "customer", "customer", "agent", "agent"]
    assert [e["kind"] for e in call.metadata["events"]] == ["transfer", "timeout"]
    assert call.metadata["events"][0]["after_turn"] is None  # before the first message
    assert call.ended_by == "dropped"
    assert any("left out 1 internal note(s) (line(s) 5)" in w for w in result.warnings)


def test_chat_german_excel_log_with_besucherin_and_a_row_that_names_nobody():
    result = read_path(FIXTURES / "chatverlauf_besucher.csv")
    call = result.transcripts[0]
    assert call.call_id == "K-118"
    assert (call.agent, call.customer) == ("Jana Krüger", "Lena")
    assert [t.role for t in call.turns] == [
        "agent",
        "customer",
        "customer",
        "agent",
        "customer",
        "agent",
    ]
    assert call.turns[-1].text == "Super, freut mich! Schönen Abend dir 🙂"  # not "Chat beendet"
    assert call.metadata["events"] == [
        {"kind": "ended", "text": "Chat beendet", "after_turn": 5, "line": 8, "start": 58471.0}
    ]
    assert call.ended_by is None  # "Chat beendet" does not say who ended it


def test_chat_intercom_parts_admin_user_note_and_assignment():
    call = read_path(FIXTURES / "intercom_parts.csv").transcripts[0]
    assert [t.role for t in call.turns] == ["customer", "agent"] * 3
    assert "Kündigung liegt vor" not in [t.text for t in call.turns]
    assert [e["kind"] for e in call.metadata["events"]] == ["transfer", "other"]
    assert call.metadata["events"][1]["text"] == "close"
    assert call.ended_by is None


@pytest.mark.parametrize(
    ("header", "row_agent", "row_customer"),
    [
        ("Chat-ID;Rolle;Nachricht", "X;Mitarbeiter;", "X;Besucher;"),
        ("chat_id,sender_type,msg", "X,Agent,", "X,Visitor,"),
        ("Conversation ID,actor_type,message", "X,agent,", "X,user,"),
        ("ChatKey,ActorType,Message", "X,Agent,", "X,EndUser,"),
        ("conversation_id,author_type,body", "X,admin,", "X,contact,"),
        ("Chat-ID;Absender;Nachricht", "X;Mitarbeiterin;", "X;Kunde;"),
        ("session_id,role,message", "X,operator,", "X,requester,"),
    ],
)
def test_chat_export_column_names_and_role_words(read, header, row_agent, row_customer):
    data = (
        f"{header}\n"
        f"{row_agent}Guten Tag. Wie kann ich helfen?\n"
        f"{row_customer}Mein Gutschein funktioniert nicht.\n"
        f"{row_customer}Er ist noch bis Ende des Jahres gültig.\n"
    )
    call = read(data, "export.csv").transcripts[0]
    assert call.call_id == "X"
    assert [t.role for t in call.turns] == ["agent", "customer", "customer"]


def test_chat_system_role_row_is_an_event_in_toneprobe_json_too(read):
    doc = {
        "call_id": "j1",
        "turns": [
            {"role": "agent", "text": "Guten Tag, was kann ich für Sie tun?"},
            {"role": "customer", "text": "Das dauert mir alles viel zu lange, unmöglich!"},
            {"role": "system", "text": "Der Besucher hat den Chat verlassen"},
        ],
    }
    call = read(json.dumps(doc), "j1.json").transcripts[0]
    assert [t.role for t in call.turns] == ["agent", "customer"]
    assert call.ended_by == "customer"
    assert call.metadata["events"][0]["kind"] == "customer_left"


def test_chat_ending_event_followed_by_more_chat_does_not_end_it(read):
    data = (
        "chat_id;role;text\n"
        "r;agent;Guten Tag, was kann ich für Sie tun?\n"
        "r;system;Verbindung unterbrochen\n"
        "r;customer;Bin wieder da, das Netz im Zug ist schlecht.\n"
        "r;agent;Kein Problem. Ihre Karte ist jetzt gesperrt.\n"
        "r;customer;Danke, tschüss!\n"
    )
    call = read(data, "r.csv").transcripts[0]
    assert call.metadata["events"][0]["kind"] == "connection_lost"
    assert call.ended_by is None


def test_chat_timed_rows_still_join_one_speakers_segments(read):
    # rows with start and end are stretches of speech (ASR, PCA): one utterance, one turn
    data = (
        "call_id,speaker,start,end,text\n"
        'p,Agent,0.0,1.5,"Guten Tag,"\n'
        "p,Agent,1.6,3.0,was kann ich für Sie tun?\n"
        "p,Caller,3.5,5.0,Meine Rechnung ist falsch.\n"
    )
    call = read(data, "p.csv").transcripts[0]
    assert [(t.role, t.text) for t in call.turns] == [
        ("agent", "Guten Tag, was kann ich für Sie tun?"),
        ("customer", "Meine Rechnung ist falsch."),
    ]


# --- the CLI, as a user runs it -------------------------------------------------------------


def test_chat_exports_scored_by_the_cli_with_counts_and_hangups():
    proc = run_toneprobe("score", str(FIXTURES), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    calls = {c["call_id"]: c for c in doc["calls"]}
    assert sorted(calls) == ["K-118", "fc-2208", "ic-77", "zd-4711"]
    assert calls["zd-4711"]["hangup"]["outcome"] == "customer"
    assert calls["fc-2208"]["hangup"]["outcome"] == "dropped"
    assert calls["K-118"]["hangup"]["outcome"] == "none"
    assert calls["ic-77"]["hangup"]["outcome"] == "none"
    assert doc["summary"]["system_messages"] == 8  # 3 + 2 + 1 + 2
    assert doc["summary"]["turns"] == 23
    assert "23 turns (8 system messages kept as events)" in proc.stderr
    assert "left out 1 internal note(s)" in proc.stderr


# --- the same chat in two formats scores the same --------------------------------------------


def _outcomes(doc: dict) -> dict[str, tuple]:
    out = {}
    for c in doc["calls"]:
        findings = sorted((f["rule_id"], f["turn"], f["start"]) for f in c["findings"])
        out[c["call_id"]] = (
            c["n_turns"],
            c["deescalation"]["outcome"],
            c["hangup"]["outcome"],
            c["respect"]["disrespect"],
            c["empathy_score"],
            c["components"],
            findings,
        )
    return out


def test_chat_exports_score_like_the_same_chats_in_toneprobe_json():
    exported = run_toneprobe("score", str(CHAT / "export"), "--format", "json")
    assert exported.returncode == 0, exported.stderr
    by_export = _outcomes(json.loads(exported.stdout))
    assert len(by_export) == 8
    originals = [str(CHAT / "calls" / f"{cid}.json") for cid in sorted(by_export)]
    original = run_toneprobe("score", *originals, "--format", "json")
    assert original.returncode == 0, original.stderr
    by_json = _outcomes(json.loads(original.stdout))
    assert sorted(by_json) == sorted(by_export)
    for cid in by_export:
        assert by_export[cid] == by_json[cid], cid
