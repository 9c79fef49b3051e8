"""Every rule's German examples must fire it, every counterexample must not."""

from __future__ import annotations

import pytest

from toneprobe.matcher import RuleMatcher
from toneprobe.rules import load_rules

RULES = load_rules()
CASES = [
    pytest.param(rule, text, expected, id=f"{rule.id}-{'ex' if expected else 'cx'}{i}")
    for rule in RULES.rules
    for expected, texts in ((True, rule.spec.examples), (False, rule.spec.counterexamples))
    for i, text in enumerate(texts)
]


def test_rule_examples_were_collected():
    # guards against a glob or loader that silently finds nothing
    assert len(RULES.rules) >= 30
    assert len(CASES) >= 2 * len(RULES.rules)


@pytest.mark.parametrize(("rule", "text", "expected"), CASES)
def test_rule_example(rule, text, expected):
    hits = [m for m in RuleMatcher([rule]).match_text(text) if m.rule.id == rule.id]
    if rule.retracts(text):  # the speaker takes the words back in the same turn
        hits = []
    if expected:
        assert hits, f"{rule.id} should fire on: {text!r}"
    else:
        assert not hits, f"{rule.id} must not fire on {text!r}: {[h.text for h in hits]}"
