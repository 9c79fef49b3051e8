"""Issue 14, faults 5 and 7, on files in the shape of real exports, read by the CLI process.

Fault 5: role inference inverted a call when diarisation put the agent's "How may I help you?"
at the start of the customer's segment (the agent's self-introduction, recording notice and
"happy to assist" were not counted), and made the callee of an outbound call the agent.
Fault 7: phrases were taken for names ("Taking Forever", "Finally").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli import run_toneprobe

from toneprobe.readers.base import RawCall, Segment
from toneprobe.roles import caller_surname, finalize, infer_roles, self_introduction
from toneprobe.roles.cues import role_cues

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "roles"


def convert(name: str) -> tuple[dict, str]:
    proc = run_toneprobe("convert", str(FIXTURES / name))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc.stderr


def roles_by_speaker(doc: dict) -> dict[str, str]:
    out: dict[str, str] = {}
    for turn in doc["turns"]:
        assert out.setdefault(turn["speaker"], turn["role"]) == turn["role"]
    return out


def test_issue_14_help_offer_in_customer_segment_does_not_invert_the_call():
    doc, stderr = convert("aws_help_offer_misplaced.json")
    assert roles_by_speaker(doc) == {"spk_0": "agent", "spk_1": "customer"}
    roles = doc["metadata"]["roles"]
    assert roles["method"] == "text_cues"
    assert roles["confidence"] >= role_cues().decision.warn_below
    fired = roles["cues"]["spk_0"]
    assert "roles.agent.assisting.v1" in fired  # "I'll be assisting you"
    assert "roles.agent.recording_notice.v1" in fired
    assert "roles.agent.service_formula.v1" in fired  # "happy to assist"
    assert "roles.agent.help_offer.v1" in roles["cues"]["spk_1"]  # still counted, outweighed
    assert doc["agent"] == "Donna"
    # every word is still there, in order
    source = json.loads((FIXTURES / "aws_help_offer_misplaced.json").read_text(encoding="utf-8"))
    words = [w for t in doc["turns"] for w in t["text"].split()]
    assert words == source["results"]["transcripts"][0]["transcript"].split()
    assert "roles uncertain" not in stderr


def test_issue_14_outbound_callee_who_says_bonjour_first_is_the_customer():
    doc, stderr = convert("srt_outbound_bonjour.srt")
    assert roles_by_speaker(doc) == {"Speaker 1": "customer", "Speaker 2": "agent"}
    assert doc["turns"][0]["text"] == "Bonjour."
    assert doc["agent"] == "Tom Becker"
    assert "roles.customer.answer_phone.v1" in doc["metadata"]["roles"]["cues"]["Speaker 1"]
    assert "roles uncertain" not in stderr


def test_issue_14_outbound_callee_who_answers_with_her_surname_is_the_customer():
    doc, _ = convert("whisperx_outbound_surname.json")
    assert roles_by_speaker(doc) == {"SPEAKER_00": "customer", "SPEAKER_01": "agent"}
    assert doc["agent"] == "Jonas Feld"
    assert doc["metadata"]["roles"]["confidence"] >= role_cues().decision.warn_below


def test_issue_14_taking_forever_is_not_a_name():
    doc, _ = convert("text_taking_forever.txt")
    assert roles_by_speaker(doc) == {"Speaker 1": "agent", "Speaker 2": "customer"}
    assert doc["customer"] is None
    assert doc["agent"] is None


def test_issue_14_finally_is_not_a_name():
    doc, _ = convert("aws_finally_on_hold.json")
    assert roles_by_speaker(doc) == {"spk_0": "agent", "spk_1": "customer"}
    assert doc["agent"] == "Kevin"
    assert doc["customer"] is None


def test_issue_14_score_reads_the_fixtures_with_roles_and_no_uncertainty_warning():
    proc = run_toneprobe(
        "score",
        str(FIXTURES),
        "--by",
        "call",
        "--format",
        "json",
        "--model",
        "fake",
        "--workers",
        "1",
    )
    assert proc.returncode == 0, proc.stderr
    calls = {c["call_id"]: c for c in json.loads(proc.stdout)["calls"]}
    assert len(calls) == 5
    assert calls["aws_help_offer_misplaced"]["agent"] == "Donna"
    assert calls["aws_finally_on_hold"]["customer"] is None
    assert "roles uncertain" not in proc.stderr


def test_issue_14_uncertain_roles_warn_on_stderr(tmp_path):
    # no cue at all: the order of speakers is all there is, and the user is told
    path = tmp_path / "short.vtt"
    path.write_text(
        "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v SPEAKER_00>Na gut.</v>\n\n"
        "00:00:02.500 --> 00:00:04.000\n<v SPEAKER_01>Das sehe ich auch so.</v>\n",
        encoding="utf-8",
    )
    proc = run_toneprobe("convert", str(path))
    assert proc.returncode == 0
    assert "roles uncertain (confidence 0.50" in proc.stderr
    assert "--agent-speaker" in proc.stderr


# --- the same faults in German, and the decision's parts -------------------------------------


def _call(*pairs: tuple[str, str]) -> RawCall:
    return RawCall(call_id="t", segments=[Segment(text, spk) for spk, text in pairs])


def test_roles_german_self_introduction_and_notice_outweigh_a_misplaced_help_offer():
    call = _call(
        ("spk_0", "Guten Tag, Sie sprechen mit Greta Olsen."),
        ("spk_0", "Dieses Gespräch wird zu Schulungszwecken aufgezeichnet."),
        ("spk_1", "Was kann ich für Sie tun? Hallo, mein Router blinkt nur noch rot."),
        ("spk_0", "Oh, das ist ärgerlich. Da helfe ich Ihnen gerne weiter."),
        ("spk_1", "Danke."),
    )
    transcript, warnings = finalize(call)
    assert [t.role for t in transcript.turns] == ["agent", "customer", "agent", "customer"]
    assert transcript.agent == "Greta Olsen"
    assert not [w for w in warnings if "uncertain" in w]


@pytest.mark.parametrize(
    "agent_head,moved",
    [
        ("Kaufkiste Kundenservice, mein Name ist Lea Brandt,", "was kann ich für Sie tun?"),
        ("Thank you for calling Harbor Mobile, this is Priya,", "how may I help you?"),
    ],
)
def test_roles_help_offer_split_off_the_agent_opening_counts_half(agent_head, moved):
    call = _call(
        ("spk_0", agent_head),
        ("spk_1", moved + " Ja, hallo, ich hab da eine Frage zu meiner Rechnung."),
        ("spk_0", "Gern, worum geht es denn?"),
        ("spk_1", "Da steht ein Betrag, den ich nicht kenne."),
    )
    transcript, warnings = finalize(call)
    assert [t.role for t in transcript.turns] == ["agent", "customer", "agent", "customer"]
    assert transcript.metadata["roles"]["cues"]["spk_1"][0] == "roles.agent.help_offer.v1"


def test_roles_help_offer_at_the_head_of_the_second_speaker_decides_nothing_alone():
    # the agent says little that is a cue; at full weight the moved help offer would make the
    # customer the agent, at half weight it does not (and the call warns: little evidence)
    call = _call(
        ("spk_0", "Kaufkiste, Lea Brandt, schönen guten Tag,"),
        ("spk_1", "was kann ich für Sie tun? Ja, hallo, meine Rechnung stimmt nicht."),
        ("spk_0", "Oh. Sagen Sie mal, was genau?"),
        ("spk_1", "Da steht ein Betrag, den ich nicht kenne."),
    )
    transcript, warnings = finalize(call)
    assert [t.role for t in transcript.turns] == ["agent", "customer", "agent", "customer"]
    assert any("roles uncertain" in w for w in warnings)


@pytest.mark.parametrize("answer", ["Ja, hallo?", "Müller?", "Bonjour.", "Hallo, wer ist da?"])
def test_roles_outbound_answers(answer):
    roles, info = infer_roles(
        {
            "A": [answer, "Ach so, ja, worum geht es denn?"],
            "B": ["Guten Tag, mein Name ist Pauline Herz von der Firma Solartec."],
        }
    )
    assert roles == {"A": "customer", "B": "agent"}
    assert info["confidence"] >= role_cues().decision.warn_below


def test_roles_answer_cue_counts_only_for_the_speaker_who_opens_the_call():
    # an inbound agent who opens with a bare "Hallo?" (silent line) stays the agent
    roles, _ = infer_roles(
        {
            "A": ["Hallo?", "Stadtwerke Rabenau, guten Tag, was kann ich für Sie tun?"],
            "B": ["Ja, hallo?", "Meine Rechnung ist viel zu hoch."],
        }
    )
    assert roles == {"A": "agent", "B": "customer"}


@pytest.mark.parametrize(
    "texts",
    [
        ["this is taking forever"],
        ["THIS IS TAKING FOREVER"],
        ["hi this is ridiculous"],
        ["Finally! I've been on hold forever."],
        ["ok this is getting silly"],
    ],
)
def test_roles_phrases_are_not_names(texts):
    assert not self_introduction(texts)
    assert not self_introduction(texts, greeting=True)
    assert not caller_surname(texts[0], [])


@pytest.mark.parametrize(
    "texts,name",
    [
        (["Hi, this is Donna, I'll be assisting you today."], "Donna"),
        (["hi this is donna i'll be assisting you today"], "Donna"),
        (["Thank you for calling, this is Priya Raman."], "Priya Raman"),
        (["Hi, this is Selin Kaya-Brandt from Lindwerk Energie."], "Selin Kaya-Brandt"),
    ],
)
def test_roles_english_agent_names(texts, name):
    assert self_introduction(texts, greeting=True) == name


@pytest.mark.parametrize(
    "first,name",
    [
        ("Becker. Ich habe eine Frage zur Rechnung.", "Becker"),
        ("Wolff! Mein Konto ist gesperrt!", "Wolff"),  # an angry caller shouts the surname
        ("Finally. Hello.", None),
        ("Seriously! Nobody picks up.", None),
        ("Unglaublich! Seit Tagen geht nichts.", None),
    ],
)
def test_roles_caller_surname_only_from_a_name_position(first, name):
    assert caller_surname(first, []) == name


def test_roles_confidence_is_calibrated_and_warns_below_the_threshold():
    from toneprobe.roles.decision import confidence

    decision = role_cues().decision
    assert confidence(0.0) == 0.5
    assert confidence(100.0) == decision.confidence[-1][1]
    values = [confidence(m / 4) for m in range(0, 40)]
    assert values == sorted(values)  # never falls as the margin grows
    call = _call(("A", "Na gut."), ("B", "Das sehe ich auch so."))
    _, warnings = finalize(call)
    assert any("roles uncertain (confidence 0.50" in w for w in warnings)
