"""The behavioural suite (``sentiment/checklist_de/``) and its runner (``sentiment/checklist``).

The embedded model must stay above the minimums in ``thresholds.yaml``; the runner is tested
with the keyword ``FakeBackend``, whose answers are known in advance, so cases that must fail
do fail.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from toneprobe.errors import ConfigError
from toneprobe.sentiment.checklist import (
    SECTION_HEADING,
    Suite,
    load_suite,
    load_thresholds,
    misses,
    parse_suite_file,
    parse_thresholds,
    propose_thresholds,
    render_markdown,
    replace_section,
    run_suite,
    wilson,
)
from toneprobe.sentiment.embedded import EmbeddedBackend
from toneprobe.sentiment.fake import FakeBackend

REPO = Path(__file__).resolve().parents[2]

# Capabilities issue 12 asks for, by test type.
REQUIRED = {
    "MFT": {
        "short_praise",
        "short_complaint",
        "negation",
        "intensifier",
        "concession",
        "sarcasm",
        "politeness_neutral",
        "procedural",
        "cancel_threat",
        "long_mixed",
        "chat_written",
    },
    "INV": {
        "case_change",
        "punctuation_removed",
        "fillers",
        "asr_spelling",
        "names_numbers",
        "typos",
        "added_greeting",
    },
    "DIR": {
        "dir_leider",
        "dir_schon_wieder",
        "dir_endlich_complaint",
        "dir_exclamation",
        "dir_intensifier",
    },
}


@pytest.fixture(scope="module")
def suite() -> Suite:
    return load_suite()


# --- the suite as data ---------------------------------------------------------------------


def test_checklist_suite_loads_all_cases(suite: Suite) -> None:
    assert len(suite) >= 350
    by_type = {t: sum(1 for c in suite.cases if c.type == t) for t in ("MFT", "INV", "DIR")}
    assert by_type["MFT"] >= 200 and by_type["INV"] >= 100 and by_type["DIR"] >= 50
    assert len({c.id for c in suite.cases}) == len(suite)


def test_checklist_suite_covers_the_issue_capabilities(suite: Suite) -> None:
    have = {c.name: c.type for c in suite.capabilities}
    for type_, names in REQUIRED.items():
        for name in names:
            assert have.get(name) == type_, name
    for cap in suite.capabilities:
        assert sum(1 for c in suite.cases if c.capability == cap.name) >= 6, cap.name


def test_checklist_long_mixed_cases_are_over_80_words(suite: Suite) -> None:
    long_cases = [c for c in suite.cases if c.capability == "long_mixed"]
    assert len(long_cases) >= 10
    assert {c.label for c in long_cases} == {"positive", "negative"}
    for case in long_cases:
        assert len(case.texts[0].split()) > 80, case.id


def test_checklist_mft_labels_are_balanced_enough(suite: Suite) -> None:
    labels = [c.label for c in suite.cases if c.type == "MFT"]
    for label in ("positive", "negative", "neutral"):
        assert labels.count(label) >= 50, label


def test_checklist_thresholds_cover_every_capability(suite: Suite) -> None:
    thresholds = load_thresholds(suite)
    assert set(thresholds.by_capability) == {c.name for c in suite.capabilities}
    assert set(thresholds.by_type) == {"MFT", "INV", "DIR"}
    for t in (*thresholds.by_type.values(), *thresholds.by_capability.values()):
        assert 0.0 < t.min <= 1.0 and "current model" in t.why


# --- the embedded model against the thresholds ---------------------------------------------


def test_checklist_embedded_model_meets_thresholds(suite: Suite) -> None:
    result = run_suite(suite, EmbeddedBackend())
    missed = misses(result, load_thresholds(suite))
    detail = [
        f"{m}; failing: " + "; ".join(f.describe(60) for f in rate.failures[:5])
        for m in missed
        for rate in (*result.by_capability, *result.by_type)
        if rate.name == m.name
    ]
    assert not missed, "\n".join(detail)
    assert sum(r.total for r in result.by_type) == len(suite)


# --- the runner, with the fake backend -----------------------------------------------------

RUNNER_SUITE = """
tests:
  - capability: praise
    type: MFT
    label: positive
    description: praise the keyword backend knows, and one it does not
    cases:
      - {id: praise.danke, text: "Vielen Dank, Sie waren sehr freundlich."}
      - {id: praise.super, text: "super"}
      - {id: praise.litotes, text: "nicht schlecht"}
      - {id: praise.no_cue, text: "läuft wieder"}
  - capability: formula
    type: MFT
    description: one neutral case and one with a label of its own
    label: neutral
    cases:
      - {id: formula.moment, text: "Einen Moment bitte."}
      - {id: formula.kuendigen, text: "Ich kündige.", label: negative}
  - capability: stable
    type: INV
    description: case must not matter, a typo in the only cue word does for this backend
    cases:
      - {id: stable.case, text: "Super, danke!", variants: ["super, danke!", "SUPER, DANKE!"]}
      - {id: stable.typo, text: "Super, danke!", variants: ["Supper, dnake!"]}
  - capability: worse
    type: DIR
    towards: negative
    description: repetition words raise P(negative); "leider" is not a cue of this backend
    cases:
      - {id: worse.schon_wieder, text: "Die Rechnung ist falsch.", variant: "Die Rechnung ist schon wieder falsch."}
      - {id: worse.leider, text: "Die Rechnung ist falsch.", variant: "Die Rechnung ist leider falsch."}
      - {id: worse.saturated, text: "Frechheit, Zumutung, Katastrophe, unverschämt!", variant: "Leider Frechheit, Zumutung, Katastrophe, unverschämt!"}
      - {id: worse.opposite, text: "Ich bin unzufrieden.", variant: "Ich bin unzufrieden, aber danke, sehr freundlich, super.", towards: negative}
"""

EXPECTED_PASS = {
    "praise.danke": True,
    "praise.super": True,
    "praise.litotes": False,  # "schlecht" is a negative cue: the fake says negative
    "praise.no_cue": False,  # no cue word: neutral
    "formula.moment": True,
    "formula.kuendigen": True,
    "stable.case": True,
    "stable.typo": False,  # positive -> neutral
    "worse.schon_wieder": True,
    "worse.leider": False,  # same cues, same probabilities: no rise
    "worse.saturated": True,  # already above 0.95 and stays there
    "worse.opposite": False,  # praise added: P(negative) falls
}


@pytest.fixture()
def runner_suite(tmp_path: Path) -> Path:
    d = tmp_path / "suite"
    d.mkdir()
    (d / "cases.yaml").write_text(RUNNER_SUITE, encoding="utf-8")
    return d


def test_checklist_runner_passes_and_fails_the_right_cases(runner_suite: Path) -> None:
    suite = load_suite(runner_suite)
    result = run_suite(suite, FakeBackend())
    assert {r.case.id: r.passed for r in result.results} == EXPECTED_PASS


def test_checklist_runner_rates_per_capability_and_type(runner_suite: Path) -> None:
    result = run_suite(load_suite(runner_suite), FakeBackend())
    caps = {r.name: (r.type, r.passed, r.total) for r in result.by_capability}
    assert caps == {
        "praise": ("MFT", 2, 4),
        "formula": ("MFT", 2, 2),
        "stable": ("INV", 1, 2),
        "worse": ("DIR", 2, 4),
    }
    types = {r.name: (r.passed, r.total) for r in result.by_type}
    assert types == {"MFT": (4, 6), "INV": (1, 2), "DIR": (2, 4)}
    assert (result.overall.passed, result.overall.total) == (7, 12)
    failing = {f.case.id for r in result.by_capability for f in r.failures}
    assert failing == {k for k, ok in EXPECTED_PASS.items() if not ok}


def test_checklist_failure_descriptions_say_what_happened(runner_suite: Path) -> None:
    result = run_suite(load_suite(runner_suite), FakeBackend())
    by_id = {r.case.id: r.describe() for r in result.results}
    assert by_id["praise.litotes"].startswith("'nicht schlecht': expected positive, got negative")
    assert "'Supper, dnake!' -> neutral" in by_id["stable.typo"]
    assert by_id["worse.leider"].startswith("P(negative) ")
    assert "(needs +0.01)" in by_id["worse.leider"]


def test_checklist_thresholds_flag_a_weak_backend(suite: Suite) -> None:
    """The fake keyword backend is far below the embedded model: the gate must catch it."""
    result = run_suite(suite, FakeBackend())
    missed = {(m.scope, m.name) for m in misses(result, load_thresholds(suite))}
    assert ("type", "MFT") in missed
    assert ("capability", "negation") in missed
    assert ("capability", "sarcasm") in missed


def test_checklist_misses_compare_each_rate_with_its_minimum(runner_suite: Path) -> None:
    suite = load_suite(runner_suite)
    text = """
by_type:
  MFT: {min: 0.60, why: "4 of 6 pass, enough"}
  INV: {min: 0.60, why: "1 of 2 pass, too few"}
  DIR: {min: 0.50, why: "2 of 4 pass, exactly"}
by_capability:
  praise: {min: 0.50, why: "2 of 4 pass, exactly"}
  formula: {min: 1.0, why: "both pass, all needed"}
  stable: {min: 0.40, why: "1 of 2 pass, enough"}
  worse: {min: 0.75, why: "2 of 4 pass, too few"}
"""
    thresholds = parse_thresholds(text, "t.yaml", suite)
    result = run_suite(suite, FakeBackend())
    assert [(m.scope, m.name) for m in misses(result, thresholds)] == [
        ("type", "INV"),
        ("capability", "worse"),
    ]


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (0, 10, 0.0, 0.2775),
        (5, 10, 0.2366, 0.7634),
        (10, 10, 0.7225, 1.0),
        (191, 251, 0.7045, 0.8095),
    ],
)
def test_checklist_wilson_interval(k: int, n: int, low: float, high: float) -> None:
    lo, hi = wilson(k, n)
    assert lo == pytest.approx(low, abs=1e-3)
    assert hi == pytest.approx(high, abs=1e-3)


def test_checklist_propose_thresholds_subtracts_the_margin(runner_suite: Path) -> None:
    result = run_suite(load_suite(runner_suite), FakeBackend())
    props = {(p.scope, p.name): p for p in propose_thresholds(result, near=0.0, slack=1)}
    assert props["capability", "praise"].min == 0.25  # (2 - 1) / 4
    assert props["capability", "formula"].min == 0.5  # (2 - 1) / 2
    assert props["type", "MFT"].min == 0.5  # (4 - 1) / 6
    assert props["capability", "stable"].min == 0.0  # never below 0


# --- validation: a bad file names the file, the case and the field --------------------------


def _one_test(case: str, type_: str = "MFT", extra: str = "") -> str:
    return (
        f"tests:\n  - capability: demo\n    type: {type_}\n"
        f"    description: a test for the validation{extra}\n    cases:\n      - {case}\n"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_one_test('{id: demo.a, text: "gut"}'), "x.yaml: demo.a: label: an MFT case needs"),
        (
            _one_test('{id: demo.a, text: "gut", label: pos}'),
            "x.yaml: demo.a: label: Input should be",
        ),
        (
            _one_test('{id: demo.a, text: "gut", labl: positive}'),
            "x.yaml: demo.a: labl: Extra inputs",
        ),
        (
            _one_test('{id: Demo, text: "gut", label: positive}'),
            "x.yaml: Demo: id: String should match",
        ),
        (
            _one_test('{id: demo.a, text: "", label: positive}'),
            "x.yaml: demo.a: text: String should have",
        ),
        (
            _one_test('{id: demo.a, text: "gut"}', "INV"),
            "x.yaml: demo.a: variants: an INV case needs",
        ),
        (
            _one_test('{id: demo.a, text: "gut", variants: ["gut"]}', "INV"),
            "x.yaml: demo.a: variants: a variant equals the text",
        ),
        (
            _one_test('{id: demo.a, text: "gut", variants: ["Gut"], label: positive}', "INV"),
            "x.yaml: demo.a: label: not used by INV cases",
        ),
        (
            _one_test('{id: demo.a, text: "gut", variant: "sehr gut"}', "DIR"),
            "x.yaml: demo.a: towards: a DIR case needs",
        ),
        (
            _one_test(
                '{id: demo.a, text: "gut", variant: "sehr gut"}', "DIR", "\n    label: positive"
            ),
            "x.yaml: demo: label: only MFT tests expect a label",
        ),
        (
            _one_test(
                '{id: demo.a, text: "gut", label: positive}', "MFT", "\n    towards: positive"
            ),
            "x.yaml: demo: towards: only DIR tests have one",
        ),
        ("tests: []\n", "x.yaml: tests: List should have at least 1 item"),
        (
            _one_test('{id: demo.a, text: "gut", label: positive}', "ABC"),
            "x.yaml: demo: type: Input should be",
        ),
        ("tests:\n  - capability: demo\n    type: MFT\n    cases: [\n", "x.yaml:5: not valid YAML"),
        ("- just a list\n", "x.yaml: expected a mapping with 'tests'"),
    ],
)
def test_checklist_bad_suite_file_names_file_case_and_field(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_suite_file(text, "x.yaml")
    assert str(err.value).startswith(message), str(err.value)


def test_checklist_duplicate_id_across_files_names_both(tmp_path: Path) -> None:
    case = '{id: demo.a, text: "gut", label: positive}'
    (tmp_path / "a.yaml").write_text(_one_test(case), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        _one_test(case).replace("demo\n", "other\n", 1), encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"b\.yaml: demo\.a: id: duplicate \(also in .*a\.yaml\)"):
        load_suite(tmp_path)


def test_checklist_conflicting_labels_for_one_text_are_refused(tmp_path: Path) -> None:
    text = (
        "tests:\n  - capability: demo\n    type: MFT\n    description: two labels for one text\n"
        "    cases:\n"
        '      - {id: demo.a, text: "passt", label: positive}\n'
        '      - {id: demo.b, text: "passt", label: neutral}\n'
    )
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"a\.yaml: demo\.b: label: neutral, but demo\.a expects"):
        load_suite(tmp_path)


def test_checklist_thresholds_must_match_the_suite(runner_suite: Path) -> None:
    suite = load_suite(runner_suite)
    base = "by_type:\n  MFT: {min: 0.5, why: enough said here}\n  INV: {min: 0.5, why: enough said here}\n  DIR: {min: 0.5, why: enough said here}\nby_capability:\n"
    caps = "".join(
        f"  {n}: {{min: 0.5, why: enough said here}}\n" for n in ("praise", "formula", "stable")
    )
    with pytest.raises(ConfigError, match=r"t\.yaml: by_capability: no threshold for worse"):
        parse_thresholds(base + caps, "t.yaml", suite)
    extra = (
        caps
        + "  worse: {min: 0.5, why: enough said here}\n  sarcasm: {min: 0.5, why: enough said here}\n"
    )
    with pytest.raises(ConfigError, match=r"t\.yaml: by_capability: unknown capability sarcasm"):
        parse_thresholds(base + extra, "t.yaml", suite)
    high = caps + "  worse: {min: 1.5, why: enough said here}\n"
    with pytest.raises(
        ConfigError, match=r"t\.yaml: by_capability: worse: min: Input should be less"
    ):
        parse_thresholds(base + high, "t.yaml", suite)


# --- the model card section ------------------------------------------------------------------

CARD = """# A model card

## Model

Text about the model.

## Behavioural tests

old figures

## Speed

fast

## Limits

some
"""


def test_checklist_markdown_section_lists_rates_and_failures(runner_suite: Path) -> None:
    suite = load_suite(runner_suite)
    result = run_suite(suite, FakeBackend())
    md = render_markdown(result)
    assert md.startswith(SECTION_HEADING + "\n")
    assert "| praise | MFT | 4 | 0.50 | 0.15-0.85 | - |" in md
    assert "| INV | 2 | 0.50 |" in md
    assert "- praise: 'nicht schlecht': expected positive, got negative" in md
    assert md.count("\n## ") == 0  # one section, no other headings


def test_checklist_replace_section_keeps_the_rest_of_the_card() -> None:
    new = "## Behavioural tests\n\nnew figures\n"
    out = replace_section(CARD, new)
    assert "old figures" not in out and "new figures" in out
    assert out.replace("new figures", "old figures") == CARD
    assert replace_section(out, new) == out


def test_checklist_replace_section_inserts_before_limits_when_absent() -> None:
    card = CARD.replace("## Behavioural tests\n\nold figures\n\n", "")
    out = replace_section(card, "## Behavioural tests\n\nnew\n")
    assert out.index("## Behavioural tests") < out.index("## Limits")
    assert out.index("## Speed") < out.index("## Behavioural tests")
    assert (
        replace_section("# t\n", "## Behavioural tests\n\nx\n")
        == "# t\n\n## Behavioural tests\n\nx\n"
    )


def test_checklist_evaluate_models_updates_only_the_card_section(tmp_path: Path) -> None:
    card = tmp_path / "MODEL_CARD.md"
    card.write_text(CARD, encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "evaluate_models.py"),
            "--checklist-only",
            "--update-card",
            "--card",
            str(card),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "behavioural suite:" in proc.stdout
    assert "negation" in proc.stdout and "95% CI" in proc.stdout
    assert proc.stdout.rstrip().endswith("OK: all bars met")
    text = card.read_text(encoding="utf-8")
    assert "old figures" not in text
    assert "| short_praise | MFT | " in text
    head, _, rest = text.partition("## Behavioural tests")
    assert head == CARD.partition("## Behavioural tests")[0]
    assert rest.endswith("## Speed\n\nfast\n\n## Limits\n\nsome\n")


def test_checklist_thresholds_yaml_round_trip_keeps_notes(runner_suite: Path) -> None:
    from toneprobe.sentiment.checklist import render_thresholds_yaml

    suite = load_suite(runner_suite)
    props = propose_thresholds(run_suite(suite, FakeBackend()), near=0.0, slack=1)
    notes = {("capability", "praise"): "Litotes: 'nicht schlecht' is praise."}
    text = render_thresholds_yaml(props, "a header\nsecond line", notes)
    assert text.startswith("# a header\n# second line\n")
    parsed = parse_thresholds(text, "t.yaml", suite)
    assert parsed.by_capability["praise"].min == 0.25
    assert parsed.by_capability["praise"].note == "Litotes: 'nicht schlecht' is praise."
    assert parsed.by_capability["formula"].note is None
    assert parsed.by_type["MFT"].why.startswith("current model 4/6 (0.67); margin 1 case(s)")


def test_checklist_thresholds_script_derives_a_valid_file(suite: Suite) -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "checklist_thresholds.py"), "--model", "embedded"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    derived = parse_thresholds(proc.stdout, "stdout", suite)  # every capability, valid values
    shipped = load_thresholds(suite)
    assert proc.stdout.startswith("# Minimum pass rates of the behavioural suite")
    assert "Model: embedded" in proc.stdout
    # the notes written by hand come back with the re-derived values
    assert derived.by_capability["negation"].note == shipped.by_capability["negation"].note
    assert derived.by_capability["negation"].note
