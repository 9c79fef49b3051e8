"""Rule files are validated on load; errors name the file, the rule and the field."""

from __future__ import annotations

import pytest

from toneprobe.errors import RuleError
from toneprobe.matcher import RuleMatcher
from toneprobe.rules import load_rules, parse_rule_file

GOOD = """detector: respect
rules:
  - id: respect.test_rule.v1
    description: A rule for tests.
    polarity: negative
    weight: 0.5
    regex: ['\\bbla\\b']
    examples: ["bla bla"]
"""


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (GOOD.replace("weight: 0.5", "weight: 1.5"), "respect.test_rule.v1: weight"),
        (GOOD.replace("id: respect.test_rule.v1", "id: Respect-Test"), "id"),
        (GOOD.replace('    examples: ["bla bla"]\n', ""), "examples"),
        (GOOD.replace("regex: ['\\bbla\\b']", "regex: ['(unclosed']"), "does not compile"),
        (GOOD.replace("polarity: negative", "polarity: negativ"), "polarity"),
        (GOOD + "    colour: red\n", "colour"),
        (GOOD.replace("detector: respect", "detector: empathy"), "must start with 'empathy.'"),
        ("detector: respect\nrules: [\n", "not valid YAML"),
    ],
)
def test_rules_invalid_file_names_file_rule_and_field(text, needle):
    with pytest.raises(RuleError) as err:
        parse_rule_file(text, "my_rules/respect.yaml")
    assert str(err.value).startswith("my_rules/respect.yaml")
    assert needle in str(err.value)


def test_rules_bad_token_pattern_is_a_rule_error():
    text = GOOD.replace("regex: ['\\bbla\\b']", 'patterns: [[{"LOWERCASE": "bla"}]]')
    (rule,) = parse_rule_file(text, "x.yaml")
    with pytest.raises(RuleError, match=r"x.yaml: respect.test_rule.v1: patterns"):
        RuleMatcher([rule])


def test_rules_ids_are_unique_and_versioned():
    rules = load_rules().rules
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids))
    assert all(r.id.rsplit(".", 1)[-1].startswith("v") for r in rules)


def test_rules_user_dir_overrides_by_id(tmp_path):
    (tmp_path / "over.yaml").write_text(
        GOOD.replace("respect.test_rule.v1", "respect.blame.v3").replace(
            "weight: 0.5", "weight: 0.1"
        ),
        encoding="utf-8",
    )
    merged = load_rules([tmp_path]).by_id()
    assert merged["respect.blame.v3"].spec.weight == 0.1
    assert merged["respect.blame.v3"].path.endswith("over.yaml")


def test_rules_missing_user_dir_is_an_error(tmp_path):
    with pytest.raises(RuleError, match="must be a directory"):
        load_rules([tmp_path / "nope"])
