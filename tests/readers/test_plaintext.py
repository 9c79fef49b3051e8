"""Plain-text reader: role words, timestamps, Name (Rolle), continuations, colon pitfalls."""

from __future__ import annotations

import pytest

from toneprobe.errors import InputError
from toneprobe.readers import read_bytes

CALL = """[00:00:02] Agent: Guten Tag, Stadtwerke Musterstadt, mein Name ist Jana Krüger. \
Was kann ich für Sie tun?
[00:00:07] Kundin: Meine Abschlagszahlung wurde doppelt abgebucht.
Das ist schon das zweite Mal.
Kundennummer: 4711
[00:00:15] Jana Krüger (Agent): Das tut mir leid. Nennen Sie mir bitte Ihre Kundennummer.
[00:00:21] Kundin: Uhrzeit: 10:30 hatte ich schon angerufen.
"""


def test_plaintext_reads_roles_times_and_continuations(read):
    result = read(CALL, "0042.txt")
    call = result.transcripts[0]
    assert result.format == "text"
    assert call.call_id == "0042"
    assert [t.role for t in call.turns] == ["agent", "customer", "agent", "customer"]
    assert [t.start for t in call.turns] == [2.0, 7.0, 15.0, 21.0]
    assert call.turns[1].text == (
        "Meine Abschlagszahlung wurde doppelt abgebucht. Das ist schon das zweite Mal. "
        "Kundennummer: 4711"
    )
    assert call.turns[3].text == "Uhrzeit: 10:30 hatte ich schon angerufen."
    assert call.turns[2].speaker == "Jana Krüger"
    assert call.agent == "Jana Krüger"
    assert call.metadata["roles"]["method"] == "explicit"


@pytest.mark.parametrize(
    "label,role",
    [
        ("Agent", "agent"),
        ("AGENTIN", "agent"),
        ("mitarbeiter", "agent"),
        ("Mitarbeiterin", "agent"),
        ("Mitarbeiter(in)", "agent"),
        ("Mitarbeiter/in", "agent"),
        ("Beraterin", "agent"),
        ("Kundenbetreuer", "agent"),
        ("Sachbearbeiterin", "agent"),
        ("Service", "agent"),
        ("Kunde", "customer"),
        ("KUNDIN", "customer"),
        ("Anrufer", "customer"),
        ("Anruferin", "customer"),
        ("Customer", "customer"),
        ("caller", "customer"),
    ],
)
def test_plaintext_role_words_any_case(read, label, role):
    other, other_role = ("Kunde", "customer") if role == "agent" else ("Agent", "agent")
    text = f"{label}: Ich habe eine Frage zu meinem Vertrag.\n{other}: Gerne, worum geht es?\n"
    call = read(text).transcripts[0]
    assert call.turns[0].role == role
    assert call.turns[1].role == other_role


@pytest.mark.parametrize(
    "stamp,seconds",
    [
        ("[00:01:23]", 83.0),
        ("00:01:23", 83.0),
        ("01:23", 83.0),
        ("[01:02:03.5]", 3723.5),
        ("(00:00:09)", 9.0),
    ],
)
def test_plaintext_timestamp_forms(read, stamp, seconds):
    call = read(f"{stamp} Kunde: Mein Internet geht seit gestern nicht.\n").transcripts[0]
    assert call.turns[0].start == seconds
    assert call.turns[0].text == "Mein Internet geht seit gestern nicht."


@pytest.mark.parametrize(
    "line", ["Hinweis: bitte zurückrufen", "Kundennummer: 4711", "Betreff: Rechnung"]
)
def test_plaintext_colon_in_speech_is_continuation(read, line):
    text = f"Agent: Einen Moment bitte.\n{line}\nKunde: Danke.\n"
    call = read(text).transcripts[0]
    assert len(call.turns) == 2
    assert call.turns[0].text.endswith(line)


def test_plaintext_names_with_roles_then_bare_names(read):
    text = (
        "Jana Krüger (Beraterin): Guten Tag, was kann ich für Sie tun?\n"
        "Herr Becker (Kunde): Meine Rechnung ist zu hoch.\n"
        "Jana Krüger: Das schaue ich mir an.\n"
        "Herr Becker: Danke schön.\n"
    )
    call = read(text).transcripts[0]
    assert [t.role for t in call.turns] == ["agent", "customer", "agent", "customer"]
    assert call.agent == "Jana Krüger"
    assert call.customer == "Herr Becker"


def test_plaintext_bare_names_inferred_from_cues(read):
    text = (
        "Max Mustermann: Ja, hallo?\n"
        "Jana Krüger: Guten Tag, Kundenservice der Beispiel AG, Sie sprechen mit Jana Krüger. "
        "Wie kann ich Ihnen helfen?\n"
        "Max Mustermann: Mein Router funktioniert seit Montag nicht mehr.\n"
        "Jana Krüger: Nennen Sie mir bitte Ihre Kundennummer.\n"
    )
    call = read(text).transcripts[0]
    assert [t.role for t in call.turns] == ["customer", "agent", "customer", "agent"]
    roles = call.metadata["roles"]
    assert roles["method"] == "text_cues"
    assert roles["agent_speaker"] == "Jana Krüger"
    assert roles["confidence"] > 0.8
    assert call.agent == "Jana Krüger"


def test_plaintext_agent_speaker_override_wins(read):
    text = (
        "Speaker 1: Guten Tag, was kann ich für Sie tun?\nSpeaker 2: Meine Rechnung stimmt nicht.\n"
    )
    call = read(text, agent_speaker="speaker 2").transcripts[0]
    assert [t.role for t in call.turns] == ["customer", "agent"]
    assert call.metadata["roles"]["method"] == "override"


def test_plaintext_consecutive_same_speaker_merged_in_order(read):
    text = (
        "Kunde: Erstens ist die Rechnung falsch.\n"
        "Kunde: Zweitens fehlt eine Gutschrift.\n"
        "Agent: Verstehe.\n"
    )
    call = read(text).transcripts[0]
    assert len(call.turns) == 2
    assert call.turns[0].text == "Erstens ist die Rechnung falsch. Zweitens fehlt eine Gutschrift."


def test_plaintext_lines_before_first_turn_reported(read):
    result = read("Protokoll vom Montag\nAgent: Guten Tag.\nKunde: Hallo.\n")
    assert result.unplaced_lines == [1]
    assert any(":" in w and "line(s) 1" in w for w in result.warnings)


@pytest.mark.parametrize("stamp", ["[00:61:23]", "[12:3x]", "[99:99]"])
def test_plaintext_malformed_timestamp_names_line(stamp):
    text = f"Agent: Guten Tag.\n{stamp} Kunde: Hallo.\n".encode()
    with pytest.raises(InputError) as err:
        read_bytes(text, "bad.txt")
    assert err.value.line == 2
    assert err.value.path == "bad.txt"
    assert "timestamp" in str(err.value)


@pytest.mark.parametrize(
    "text",
    [
        "Das ist einfach ein Brief ohne Sprecher.\nMit zwei Zeilen.\n",
        "Hinweis: nichts\nBetreff: nichts\n",
    ],
)
def test_plaintext_no_turns_is_input_error(text):
    with pytest.raises(InputError) as err:
        read_bytes(text.encode(), "letter.txt")
    assert "no recognisable turns" in str(err.value)


@pytest.mark.parametrize(
    "marker,ended_by",
    [
        ("[Kunde hat aufgelegt]", "customer"),
        ("*** Agentin hat aufgelegt ***", "agent"),
        ("(Verbindung abgebrochen)", "dropped"),
    ],
)
def test_plaintext_hangup_marker_sets_ended_by(read, marker, ended_by):
    call = read(f"Agent: Guten Tag.\nKunde: Tschüss.\n{marker}\n").transcripts[0]
    assert call.ended_by == ended_by


def test_plaintext_without_marker_leaves_ended_by_unknown(read):
    assert read("Agent: Guten Tag.\nKunde: Tschüss.\n").transcripts[0].ended_by is None


@pytest.mark.parametrize(
    "line,role,text",
    [
        ("Mitarbeiter:in: Guten Tag.", "agent", "Guten Tag."),
        ("Agent [00:00:05]: Guten Tag.", "agent", "Guten Tag."),
        ("Agent 1: Guten Tag.", "agent", "Guten Tag."),
        ("Kunde (Herr Becker): Guten Tag.", "customer", "Guten Tag."),
        ("Beraterin Jana Krüger: Guten Tag.", "agent", "Guten Tag."),
        ("KUNDIN - Guten Tag.", "customer", "Guten Tag."),
        ("**Agent:** Guten Tag.", "agent", "Guten Tag."),
    ],
)
def test_plaintext_prefix_variants(read, line, role, text):
    call = read(f"{line}\n").transcripts[0]
    assert (call.turns[0].role, call.turns[0].text) == (role, text)


def test_plaintext_dash_in_speech_is_not_a_prefix(read):
    call = read("Kunde: Es geht um mein Paket.\nDas Paket - es kam nie an.\n").transcripts[0]
    assert call.turns[0].text == "Es geht um mein Paket. Das Paket - es kam nie an."


def test_plaintext_short_call_with_bare_names_once(read):
    text = "Jana Krüger: Guten Tag, was kann ich für Sie tun?\nMax Muster: Meine Rechnung ist falsch.\n"
    call = read(text).transcripts[0]
    assert [(t.speaker, t.role) for t in call.turns] == [
        ("Jana Krüger", "agent"),
        ("Max Muster", "customer"),
    ]


def test_plaintext_upper_case_names(read):
    text = (
        "JANA KRÜGER: Guten Tag, was kann ich für Sie tun?\n"
        "MAX MUSTER: Mein Vertrag ist falsch.\n"
        "JANA KRÜGER: Das prüfe ich.\n"
        "MAX MUSTER: Danke.\n"
    )
    call = read(text).transcripts[0]
    assert [t.role for t in call.turns] == ["agent", "customer", "agent", "customer"]
    assert call.agent == "JANA KRÜGER"


@pytest.mark.parametrize(
    "marker,ended_by",
    [
        ("[Gespräch beendet durch Anrufer]", "customer"),
        ("[Gespräch beendet]", "normal"),
        ("(Mitarbeiterin hat das Gespräch beendet)", "agent"),
        ("[Musik]", None),
    ],
)
def test_plaintext_more_end_markers(read, marker, ended_by):
    call = read(f"Agent: Guten Tag.\nKunde: Tschüss.\n{marker}\n").transcripts[0]
    assert call.ended_by == ended_by


def test_plaintext_speaker_header_lines_otter_style(read):
    text = (
        "Jana Krüger  0:02\n"
        "Guten Tag, Stadtwerke Musterstadt, was kann ich für Sie tun?\n"
        "\n"
        "Max Muster  0:07\n"
        "Meine Rechnung ist zu hoch.\n"
        "Um 10:30 Uhr hatte ich schon angerufen.\n"
        "\n"
        "Jana Krüger  0:15\n"
        "Das prüfe ich.\n"
    )
    call = read(text).transcripts[0]
    assert [(t.speaker, t.role, t.start) for t in call.turns] == [
        ("Jana Krüger", "agent", 2.0),
        ("Max Muster", "customer", 7.0),
        ("Jana Krüger", "agent", 15.0),
    ]
    assert (
        call.turns[1].text == "Meine Rechnung ist zu hoch. Um 10:30 Uhr hatte ich schon angerufen."
    )


def test_plaintext_header_lines_with_roles_and_leading_time(read):
    text = "[00:00:01] Agentin\nGuten Tag.\n[00:00:04] Kunde\nHallo, ich habe eine Frage.\n"
    call = read(text).transcripts[0]
    assert [(t.role, t.start, t.text) for t in call.turns] == [
        ("agent", 1.0, "Guten Tag."),
        ("customer", 4.0, "Hallo, ich habe eine Frage."),
    ]


def test_plaintext_time_then_word_line_is_speech(read):
    call = read("Agent: Wann passt es Ihnen?\nKunde: Am Montag.\n10:30 Uhr\n").transcripts[0]
    assert call.turns[1].text == "Am Montag. 10:30 Uhr"


@pytest.mark.parametrize(
    "text",
    ["[Agent] Guten Tag.\n[Kunde]: Hallo.\n", "<Agent> Guten Tag.\n00:00:03 <Kundin> Hallo.\n"],
)
def test_plaintext_bracketed_role_labels(read, text):
    call = read(text).transcripts[0]
    assert [(t.role, t.text) for t in call.turns] == [
        ("agent", "Guten Tag."),
        ("customer", "Hallo."),
    ]


def test_plaintext_bracketed_stage_direction_is_speech(read):
    call = read("Agent: Guten Tag.\nKunde: Hallo.\n[lacht] Ja genau.\n").transcripts[0]
    assert call.turns[1].text == "Hallo. [lacht] Ja genau."
