"""Role cues are data (rules/roles.yaml): every example fires its cue, no counterexample does,
and a bad cue file is refused with the file, the cue id and the field named."""

from __future__ import annotations

import pytest

from toneprobe.errors import RuleError
from toneprobe.roles.cues import parse_cue_file, role_cues

CUES = role_cues()
CASES = [
    pytest.param(cue, text, expected, id=f"{cue.id}-{'ex' if expected else 'cx'}{i}")
    for cue, spec in zip(CUES.cues, CUES.specs, strict=True)
    for expected, texts in ((True, spec.examples), (False, spec.counterexamples))
    for i, text in enumerate(texts)
]


def test_role_cues_were_collected():
    # guards against a loader that silently finds nothing
    assert len(CUES.cues) >= 20
    assert {c.side for c in CUES.cues} == {"agent", "customer"}
    assert len(CASES) >= 2 * len(CUES.cues)
    classes = {c.cls for c in CUES.cues}
    for cls in ("self_introduction", "company_greeting", "recording_notice", "help_offer"):
        assert cls in classes
    assert "account_talk" in classes and "answer_phone" in classes


@pytest.mark.parametrize(("cue", "text", "expected"), CASES)
def test_role_cue_example(cue, text, expected):
    if expected:
        assert cue.search(text), f"{cue.id} should fire on: {text!r}"
    else:
        hit = cue.search(text)
        assert not hit, f"{cue.id} must not fire on {text!r}: {hit.group(0) if hit else ''!r}"


GOOD = """version: 1
cues:
  - id: roles.agent.test_cue.v1
    side: agent
    class: help_offer
    description: A cue for tests.
    weight: 2.0
    regex: ['\\bwomit kann ich\\b']
    examples: ["Womit kann ich dienen?"]
"""


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (GOOD.replace("weight: 2.0", "weight: 9"), "roles.agent.test_cue.v1: weight: "),
        (GOOD.replace("weight: 2.0", "weight: 0"), "roles.agent.test_cue.v1: weight: "),
        (GOOD.replace("id: roles.agent.test_cue.v1", "id: agent-cue"), "agent-cue: id: "),
        (GOOD.replace("side: agent", "side: caller"), "roles.agent.test_cue.v1: side: "),
        (GOOD.replace("side: agent", "side: customer"), "roles.agent.test_cue.v1: side: "),
        (
            GOOD.replace('    examples: ["Womit kann ich dienen?"]\n', ""),
            "roles.agent.test_cue.v1: examples: ",
        ),
        (
            GOOD.replace("regex: ['\\bwomit kann ich\\b']", "regex: ['(womit']"),
            "roles.agent.test_cue.v1: regex: ",
        ),
        (GOOD + "    colour: red\n", "roles.agent.test_cue.v1: colour: "),
        (GOOD + GOOD.split("cues:\n")[1], "roles.agent.test_cue.v1: id: duplicate"),
        ("version: 1\ncues: [\n", "not valid YAML"),
        (
            GOOD.replace("cues:", "decision:\n  confidence: [[0, 0.9], [1, 0.6]]\ncues:"),
            "rules/roles.yaml: decision: confidence: ",
        ),
        (
            GOOD.replace("cues:", "decision:\n  warn_below: 1.5\ncues:"),
            "rules/roles.yaml: decision: warn_below: ",
        ),
    ],
)
def test_role_cue_file_errors_name_file_cue_and_field(text, needle):
    with pytest.raises(RuleError) as err:
        parse_cue_file(text, "rules/roles.yaml")
    message = str(err.value)
    assert message.startswith("rules/roles.yaml")
    assert needle in message
    assert "\n" not in message


def test_role_cue_file_good_parses():
    cues = parse_cue_file(GOOD, "x.yaml")
    (cue,) = cues.cues
    assert cue.id == "roles.agent.test_cue.v1" and cue.weight == 2.0
    assert cue.search("Guten Tag, womit kann ich Ihnen helfen?")
