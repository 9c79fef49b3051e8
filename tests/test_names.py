"""Names are not words (toneprobe.names): the learned models never read a participant's name."""

from __future__ import annotations

import pytest

from toneprobe.model import Transcript, Turn
from toneprobe.names import name_ranges, participant_names
from toneprobe.pipeline import Scorer


def names_in(text: str, names: frozenset[str] = frozenset()) -> list[str]:
    return [text[a:b] for a, b in name_ranges(text, names)]


def test_names_participants_are_the_name_parts_of_people_not_roles() -> None:
    got = participant_names(["Heike Vosskuhl", "Kunde", "Agentin", None, "A", "Jan-Ole Bäumer"])
    assert got == {"Heike", "Vosskuhl", "Jan-Ole", "Bäumer"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Das tut mir leid, Frau Grotefend, ich kümmere mich.", ["Grotefend"]),
        ("Herr Dr. Özgür, einen Moment bitte.", ["Özgür"]),
        ("Ich habe Herrn von Stülpnagel schon angeschrieben.", ["von Stülpnagel"]),
        ("Danke, Herr Streithagen!", ["Streithagen"]),
    ],
)
def test_names_the_word_after_a_form_of_address_is_a_name(text: str, expected: list[str]) -> None:
    assert names_in(text) == expected


def test_names_participant_names_are_found_as_whole_words_only() -> None:
    names = participant_names(["Heike Vosskuhl"])
    text = "Sie schreiben mit Heike Vosskuhl. Die Vosskuhlstraße kenne ich nicht."
    assert names_in(text, names) == ["Heike", "Vosskuhl"]


def test_names_a_call_without_names_blanks_nothing() -> None:
    assert names_in("Guten Tag, was kann ich für Sie tun?", participant_names(["Agent"])) == []


def test_names_the_agent_move_model_reads_the_turn_without_the_names() -> None:
    """A surname full of rude syllables ("Vosskuhl": Kuh) is blanked in what the agent-move
    model reads, so the introduction is no insult; the finding text would keep it."""
    call = Transcript(
        call_id="names-1",
        turns=(
            Turn(0, "agent", "Guten Tag, Sie schreiben mit Heike Vosskuhl.", "Heike Vosskuhl"),
            Turn(1, "customer", "Hallo, mein Paket ist nicht angekommen.", "Kunde"),
            Turn(
                2, "agent", "Das tut mir leid, Herr Ochsenknecht, ich sehe nach.", "Heike Vosskuhl"
            ),
        ),
    )
    ctx = Scorer(model="fake", use_offense_model=False, use_state_model=False).context(call)
    first = ctx.moves[0].sentences
    assert "Vosskuhl" in first[-1].text and "Vosskuhl" not in first[-1].read
    assert "Heike" not in first[-1].read and "Sie schreiben mit" in first[-1].read
    third = " ".join(s.read for s in ctx.moves[2].sentences)
    assert "Ochsenknecht" not in third and "tut mir leid" in third
    assert all(s.probs["insult"] < 0.5 for s in first)
