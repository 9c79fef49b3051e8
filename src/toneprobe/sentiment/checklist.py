"""A behavioural test suite for sentiment models (CheckList, Ribeiro et al. 2020), in German.

The cases are data: YAML files under ``sentiment/checklist_de/`` (shipped with the package, so
the training script, ``scripts/evaluate_models.py`` and the tests all read the same suite).
Each file holds ``tests``; a test names one ``capability``, one ``type`` and its ``cases``:

* ``MFT`` (minimum functionality): ``text`` and the expected ``label``; passes when the model's
  label is that label.
* ``INV`` (invariance): ``text`` and one or more ``variants`` that must not change the label;
  passes when every variant gets the label of ``text``.
* ``DIR`` (directional): ``text`` and a ``variant`` that must move the probability of the label
  ``towards`` up; passes when it rises by at least ``min_delta`` (default 0.01), or when the
  text is already at ``SATURATED`` or more and the variant stays there (no room to rise).

``thresholds.yaml`` next to the suite gives the minimum pass rate per capability and per test
type, each with the reason for its value. Everything here is pure: ``load_suite`` and
``load_thresholds`` read and validate, ``run_suite`` calls ``backend.predict`` once and returns
pass rates with the failing cases; rendering (``format_table``, ``render_markdown``) returns
strings and never prints.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from toneprobe.errors import ConfigError
from toneprobe.sentiment.base import LABELS, Sentiment, SentimentBackend

TestType = Literal["MFT", "INV", "DIR"]
TEST_TYPES: tuple[TestType, ...] = ("MFT", "INV", "DIR")
SUITE_PACKAGE_DIR = ("sentiment", "checklist_de")
THRESHOLDS_FILE = "thresholds.yaml"
SECTION_HEADING = "## Behavioural tests"
SATURATED = 0.95
DEFAULT_MIN_DELTA = 0.01

_CASE_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
_CAPABILITY = re.compile(r"^[a-z][a-z0-9_]*$")
Label = Literal["positive", "negative", "neutral"]


class CaseSpec(BaseModel):
    """One case as written in YAML; which fields it needs depends on the test type."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_CASE_ID.pattern)
    text: str = Field(min_length=1)
    label: Label | None = None
    variants: tuple[str, ...] = ()
    variant: str | None = None
    towards: Label | None = None
    min_delta: float | None = Field(default=None, ge=0.0, le=1.0)
    note: str | None = None


class TestSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    capability: str = Field(pattern=_CAPABILITY.pattern)
    type: TestType
    description: str = Field(min_length=10)
    label: Label | None = None  # default for the MFT cases of this test
    towards: Label | None = None  # default for the DIR cases of this test
    cases: tuple[CaseSpec, ...] = Field(min_length=1)


class SuiteFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tests: list[TestSpec] = Field(min_length=1)


class ThresholdSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float = Field(ge=0.0, le=1.0)
    why: str = Field(min_length=10)
    note: str | None = None  # written by hand; kept when the thresholds are re-derived


class ThresholdFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    by_type: dict[TestType, ThresholdSpec]
    by_capability: dict[str, ThresholdSpec]


@dataclass(frozen=True, slots=True)
class Case:
    """A validated case. ``texts`` is ``(text,)`` for MFT, ``(text, *variants)`` otherwise."""

    id: str
    capability: str
    type: TestType
    texts: tuple[str, ...]
    label: str | None
    towards: str | None
    min_delta: float
    source: str


@dataclass(frozen=True, slots=True)
class Capability:
    name: str
    type: TestType
    description: str
    source: str


@dataclass(frozen=True, slots=True)
class Suite:
    cases: tuple[Case, ...]
    capabilities: tuple[Capability, ...]

    def __len__(self) -> int:
        return len(self.cases)


@dataclass(frozen=True, slots=True)
class Threshold:
    min: float
    why: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Thresholds:
    by_type: Mapping[str, Threshold]
    by_capability: Mapping[str, Threshold]


@dataclass(frozen=True, slots=True)
class CaseResult:
    case: Case
    passed: bool
    predictions: tuple[Sentiment, ...]  # one per text of the case, in order

    def describe(self, width: int = 100) -> str:
        """One line: what was expected and what the model said (texts cut to ``width``)."""
        c, p = self.case, self.predictions

        def q(text: str) -> str:
            return repr(text if len(text) <= width else text[: width - 3].rstrip() + "...")

        if c.type == "MFT":
            return f"{q(c.texts[0])}: expected {c.label}, got {_short(p[0])}"
        if c.type == "INV":
            changed = [(t, s) for t, s in zip(c.texts[1:], p[1:], strict=True)]
            changed = [(t, s) for t, s in changed if s.label != p[0].label] or changed
            t, s = changed[0]
            return f"{q(c.texts[0])} -> {_short(p[0])}; {q(t)} -> {_short(s)}"
        assert c.towards is not None
        before, after = p[0].scores[c.towards], p[1].scores[c.towards]
        return (
            f"P({c.towards}) {before:.2f} -> {after:.2f} (needs +{c.min_delta:.2f}): "
            f"{q(c.texts[0])} -> {q(c.texts[1])}"
        )


@dataclass(frozen=True, slots=True)
class Rate:
    """Pass rate of one capability or test type, with a 95% Wilson interval."""

    name: str
    type: str
    passed: int
    total: int
    failures: tuple[CaseResult, ...]

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else float("nan")

    @property
    def ci95(self) -> tuple[float, float]:
        return wilson(self.passed, self.total)


@dataclass(frozen=True, slots=True)
class SuiteResult:
    backend: str
    results: tuple[CaseResult, ...]
    by_capability: tuple[Rate, ...]
    by_type: tuple[Rate, ...]

    @property
    def overall(self) -> Rate:
        passed = sum(r.passed for r in self.results)
        fails = tuple(r for r in self.results if not r.passed)
        return Rate("all", "all", passed, len(self.results), fails)


@dataclass(frozen=True, slots=True)
class Miss:
    """A pass rate under its threshold."""

    scope: str  # "capability" or "type"
    name: str
    rate: float
    minimum: float

    def __str__(self) -> str:
        return f"{self.scope} {self.name}: pass rate {self.rate:.3f} < {self.minimum:.2f}"


def _short(s: Sentiment) -> str:
    return f"{s.label} ({s.scores[s.label]:.2f})"


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k/n`` (95% for the default ``z``)."""
    if n <= 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


# --- loading and validation --------------------------------------------------------------


def _yaml(text: str, path: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        line = getattr(getattr(err, "problem_mark", None), "line", None)
        at = f":{line + 1}" if line is not None else ""
        raise ConfigError(f"{path}{at}: not valid YAML: {getattr(err, 'problem', err)}") from None


def _validation_message(path: str, data: Any, err: ValidationError) -> str:
    """``file: case-id: field: message`` for the first error (the case id where there is one)."""
    first = err.errors()[0]
    loc = list(first["loc"])
    where: list[str] = []
    node = data
    while loc and isinstance(node, (dict, list)):
        key = loc[0]
        try:
            child = node[key]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(child, dict) and ("id" in child or "capability" in child):
            where = [str(child.get("id") or child.get("capability"))]
            loc = loc[1:]
            node = child
            continue
        if isinstance(child, (dict, list)):
            node = child
            loc = loc[1:]
            if isinstance(key, str):
                where.append(key)
            continue
        break
    field = ".".join(str(p) for p in loc) or (where.pop() if where else "(file)")
    return f"{path}: {': '.join([*where, field])}: {first['msg']}"


def _case_problem(test: TestSpec, spec: CaseSpec) -> tuple[str, str] | None:
    """(field, message) if the case lacks what its test type needs or has what it must not."""
    if test.type == "MFT":
        if (spec.label or test.label) is None:
            return "label", "an MFT case needs the expected label"
        extra = [f for f in ("variants", "variant", "towards", "min_delta") if getattr(spec, f)]
    elif test.type == "INV":
        if not spec.variants:
            return "variants", "an INV case needs at least one variant"
        if any(not v.strip() for v in spec.variants):
            return "variants", "a variant is empty"
        if spec.text in spec.variants:
            return "variants", "a variant equals the text (the case could not fail)"
        extra = [f for f in ("label", "variant", "towards", "min_delta") if getattr(spec, f)]
    else:
        if not spec.variant or not spec.variant.strip():
            return "variant", "a DIR case needs the variant text"
        if spec.variant == spec.text:
            return "variant", "the variant equals the text"
        if (spec.towards or test.towards) is None:
            return "towards", "a DIR case needs the label whose probability must rise"
        extra = [f for f in ("label", "variants") if getattr(spec, f)]
    if extra:
        return extra[0], f"not used by {test.type} cases"
    return None


def parse_suite_file(text: str, path: str) -> tuple[tuple[Case, ...], tuple[Capability, ...]]:
    """Parse and validate one suite file; an error names the file, the case and the field."""
    data = _yaml(text, path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with 'tests'")
    try:
        parsed = SuiteFile.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_validation_message(path, data, err)) from None
    cases: list[Case] = []
    caps: list[Capability] = []
    for test in parsed.tests:
        if test.type != "MFT" and test.label is not None:
            raise ConfigError(f"{path}: {test.capability}: label: only MFT tests expect a label")
        if test.type != "DIR" and test.towards is not None:
            raise ConfigError(f"{path}: {test.capability}: towards: only DIR tests have one")
        caps.append(Capability(test.capability, test.type, test.description.strip(), path))
        for spec in test.cases:
            problem = _case_problem(test, spec)
            if problem:
                raise ConfigError(f"{path}: {spec.id}: {problem[0]}: {problem[1]}")
            if test.type == "MFT":
                texts: tuple[str, ...] = (spec.text,)
            elif test.type == "INV":
                texts = (spec.text, *spec.variants)
            else:
                assert spec.variant is not None
                texts = (spec.text, spec.variant)
            delta = spec.min_delta if spec.min_delta is not None else DEFAULT_MIN_DELTA
            cases.append(
                Case(
                    id=spec.id,
                    capability=test.capability,
                    type=test.type,
                    texts=texts,
                    label=(spec.label or test.label) if test.type == "MFT" else None,
                    towards=(spec.towards or test.towards) if test.type == "DIR" else None,
                    min_delta=delta,
                    source=path,
                )
            )
    return tuple(cases), tuple(caps)


def builtin_suite_files() -> list[tuple[str, str]]:
    """(display path, text) of every suite file shipped with toneprobe, by name."""
    base = resources.files("toneprobe").joinpath(*SUITE_PACKAGE_DIR)
    prefix = "/".join(SUITE_PACKAGE_DIR)
    return [
        (f"{prefix}/{entry.name}", entry.read_text(encoding="utf-8"))
        for entry in sorted(base.iterdir(), key=lambda p: p.name)
        if entry.name.endswith(".yaml") and entry.name != THRESHOLDS_FILE
    ]


def _read_dir(directory: Path) -> list[tuple[str, str]]:
    if not directory.is_dir():
        raise ConfigError(f"{directory}: not a directory of suite YAML files")
    out = []
    for file in sorted(directory.glob("*.yaml")):
        if file.name == THRESHOLDS_FILE:
            continue
        try:
            out.append((str(file), file.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as err:
            raise ConfigError(f"{file}: cannot read: {err}") from None
    return out


def load_suite(directory: str | Path | None = None) -> Suite:
    """The built-in suite, or the ``*.yaml`` files of ``directory`` (``thresholds.yaml`` aside).

    Case ids must be unique across files; a capability keeps one test type and lives in one
    file, so its pass rate means one thing.
    """
    files = builtin_suite_files() if directory is None else _read_dir(Path(directory))
    if not files:
        raise ConfigError(f"{directory}: no suite files (*.yaml)")
    seen: dict[str, str] = {}
    expected: dict[str, Case] = {}  # MFT text -> the case that set its label
    caps: dict[str, Capability] = {}
    cases: list[Case] = []
    for path, text in files:
        file_cases, file_caps = parse_suite_file(text, path)
        for cap in file_caps:
            other = caps.get(cap.name)
            if other is not None and (other.type != cap.type or other.source != cap.source):
                raise ConfigError(
                    f"{path}: {cap.name}: capability: already a {other.type} capability in "
                    f"{other.source}"
                )
            caps.setdefault(cap.name, cap)
        for case in file_cases:
            if case.id in seen:
                raise ConfigError(f"{path}: {case.id}: id: duplicate (also in {seen[case.id]})")
            seen[case.id] = path
            if case.type == "MFT":
                first = expected.setdefault(case.texts[0], case)
                if first.label != case.label:
                    raise ConfigError(
                        f"{path}: {case.id}: label: {case.label}, but {first.id} expects "
                        f"{first.label} for the same text"
                    )
            cases.append(case)
    ordered = sorted(caps.values(), key=lambda c: TEST_TYPES.index(c.type))  # stable: file order
    return Suite(tuple(cases), tuple(ordered))


def parse_thresholds(text: str, path: str, suite: Suite | None = None) -> Thresholds:
    """Validate a thresholds file; with ``suite``, every capability needs one and no other."""
    data = _yaml(text, path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with 'by_type' and 'by_capability'")
    try:
        parsed = ThresholdFile.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_validation_message(path, data, err)) from None
    if suite is not None:
        names = {c.name for c in suite.capabilities}
        missing = sorted(names - parsed.by_capability.keys())
        unknown = sorted(parsed.by_capability.keys() - names)
        if missing:
            raise ConfigError(f"{path}: by_capability: no threshold for {', '.join(missing)}")
        if unknown:
            raise ConfigError(f"{path}: by_capability: unknown capability {', '.join(unknown)}")
        types = {c.type for c in suite.capabilities}
        lacking = sorted(types - parsed.by_type.keys())
        if lacking:
            raise ConfigError(f"{path}: by_type: no threshold for {', '.join(lacking)}")
    return Thresholds(
        {k: Threshold(v.min, v.why.strip(), v.note) for k, v in parsed.by_type.items()},
        {k: Threshold(v.min, v.why.strip(), v.note) for k, v in parsed.by_capability.items()},
    )


def load_thresholds(suite: Suite, path: str | Path | None = None) -> Thresholds:
    """The built-in ``thresholds.yaml`` (or ``path``), checked against ``suite``."""
    if path is None:
        base = resources.files("toneprobe").joinpath(*SUITE_PACKAGE_DIR, THRESHOLDS_FILE)
        return parse_thresholds(
            base.read_text(encoding="utf-8"), "/".join((*SUITE_PACKAGE_DIR, THRESHOLDS_FILE)), suite
        )
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{p}: cannot read: {err}") from None
    return parse_thresholds(text, str(p), suite)


# --- running -------------------------------------------------------------------------------


def judge(case: Case, preds: Sequence[Sentiment]) -> bool:
    """Whether ``case`` passes given one prediction per text (see the module docstring)."""
    if case.type == "MFT":
        return preds[0].label == case.label
    if case.type == "INV":
        return all(p.label == preds[0].label for p in preds[1:])
    assert case.towards is not None
    before, after = preds[0].scores[case.towards], preds[1].scores[case.towards]
    if before >= SATURATED:
        return after >= SATURATED
    return after - before >= case.min_delta


def _rates(
    results: Sequence[CaseResult], key: str, order: Iterable[tuple[str, str]]
) -> tuple[Rate, ...]:
    out = []
    for name, type_ in order:
        group = [r for r in results if getattr(r.case, key) == name]
        if not group:
            continue
        fails = tuple(r for r in group if not r.passed)
        out.append(Rate(name, type_, len(group) - len(fails), len(group), fails))
    return tuple(out)


def run_suite(suite: Suite, backend: SentimentBackend) -> SuiteResult:
    """Run every case through ``backend`` (one ``predict`` call over the distinct texts)."""
    distinct = list(dict.fromkeys(t for case in suite.cases for t in case.texts))
    preds = backend.predict(distinct)
    if len(preds) != len(distinct):
        raise ConfigError(
            f"backend {backend.name}: {len(preds)} predictions for {len(distinct)} texts"
        )
    by_text = dict(zip(distinct, preds, strict=True))
    for p in preds:
        missing = [lab for lab in LABELS if lab not in p.scores]
        if missing:
            raise ConfigError(f"backend {backend.name}: no probability for {missing[0]}")
    results = []
    for case in suite.cases:
        case_preds = tuple(by_text[t] for t in case.texts)
        results.append(CaseResult(case, judge(case, case_preds), case_preds))
    caps = [(c.name, c.type) for c in suite.capabilities]
    types = [(t, t) for t in TEST_TYPES]
    return SuiteResult(
        backend=backend.name,
        results=tuple(results),
        by_capability=_rates(results, "capability", caps),
        by_type=_rates(results, "type", types),
    )


def misses(result: SuiteResult, thresholds: Thresholds) -> list[Miss]:
    """Every capability and test type whose pass rate is under its threshold."""
    out = []
    for rate in result.by_type:
        t = thresholds.by_type.get(rate.name)
        if t is not None and rate.rate < t.min:
            out.append(Miss("type", rate.name, rate.rate, t.min))
    for rate in result.by_capability:
        t = thresholds.by_capability.get(rate.name)
        if t is not None and rate.rate < t.min:
            out.append(Miss("capability", rate.name, rate.rate, t.min))
    return out


def _top_gap(s: Sentiment) -> float:
    top = sorted(s.scores.values(), reverse=True)
    return top[0] - top[1]


def is_fragile(result: CaseResult, near: float) -> bool:
    """Whether moving the probabilities by less than ``near`` could flip the case's outcome.

    MFT: the expected label and the best other label are within ``near``. INV: some text's top
    two labels are within ``near``. DIR: shifting each of the two probabilities by ``near / 2``
    either way changes the verdict.
    """
    c, p = result.case, result.predictions
    if c.type == "MFT":
        assert c.label is not None
        other = max(v for k, v in p[0].scores.items() if k != c.label)
        return abs(p[0].scores[c.label] - other) < near
    if c.type == "INV":
        return any(_top_gap(x) < near for x in p)
    assert c.towards is not None
    before, after = p[0].scores[c.towards], p[1].scores[c.towards]
    h = near / 2
    for db in (-h, h):
        for da in (-h, h):
            b, a = before + db, after + da
            passed = a >= SATURATED if b >= SATURATED else a - b >= c.min_delta
            if passed != result.passed:
                return True
    return False


@dataclass(frozen=True, slots=True)
class Proposal:
    """A threshold derived from a run: pass rate minus a margin of cases, rounded down."""

    scope: str
    name: str
    passed: int
    total: int
    fragile: int
    margin: int
    min: float

    @property
    def why(self) -> str:
        return (
            f"current model {self.passed}/{self.total} ({self.passed / self.total:.2f}); margin "
            f"{self.margin} case(s) = {self.margin - self.fragile} + {self.fragile} within the "
            f"noise band of flipping; ({self.passed}-{self.margin})/{self.total} rounded down"
        )


def propose_thresholds(
    result: SuiteResult, *, near: float = 0.05, slack: int = 1
) -> tuple[Proposal, ...]:
    """Minimum pass rates a run supports: per capability and per test type, the share of cases
    that passed minus ``slack`` cases and minus every passing case that ``is_fragile``, rounded
    down to two decimals (never below 0)."""
    out = []
    for scope, rates in (("type", result.by_type), ("capability", result.by_capability)):
        for rate in rates:
            group = [r for r in result.results if getattr(r.case, scope) == rate.name]
            fragile = sum(1 for r in group if r.passed and is_fragile(r, near))
            margin = slack + fragile
            floor = max(0, rate.passed - margin)
            value = math.floor(100 * floor / rate.total + 1e-9) / 100
            out.append(Proposal(scope, rate.name, rate.passed, rate.total, fragile, margin, value))
    return tuple(out)


def render_thresholds_yaml(
    proposals: Sequence[Proposal],
    header: str,
    notes: Mapping[tuple[str, str], str] | None = None,
) -> str:
    """A ``thresholds.yaml`` text for ``proposals`` (``header`` is written as comment lines).

    ``notes`` maps ``(scope, name)`` to a hand-written note kept with that threshold.
    """
    lines = [f"# {line}".rstrip() for line in header.strip().splitlines()]
    for scope, key in (("type", "by_type"), ("capability", "by_capability")):
        lines += ["", f"{key}:"]
        for p in proposals:
            if p.scope == scope:
                lines.append(f"  {p.name}:")
                lines.append(f"    min: {p.min:.2f}")
                lines.append(f"    why: {json.dumps(p.why, ensure_ascii=False)}")
                note = (notes or {}).get((scope, p.name))
                if note:
                    lines.append(f"    note: {json.dumps(note, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


# --- rendering (strings only) -------------------------------------------------------------


def _fmt_ci(ci: tuple[float, float]) -> str:
    return f"{ci[0]:.2f}-{ci[1]:.2f}"


def format_table(result: SuiteResult, thresholds: Thresholds | None = None) -> str:
    """A plain-text table of pass rates per capability, then per test type."""
    rows = [(r, "capability") for r in result.by_capability] + [
        (r, "type") for r in (*result.by_type, result.overall)
    ]
    width = max(len(r.name) for r, _ in rows)
    lines = [f"{'capability':<{width}}  type  {'pass':>9}  {'rate':>5}  {'95% CI':>9}  min"]
    for rate, scope in rows:
        if scope == "type" and rate is result.by_type[0]:
            lines.append("")
        t = None
        if thresholds is not None:
            src = thresholds.by_capability if scope == "capability" else thresholds.by_type
            t = src.get(rate.name)
        mark = "" if t is None else f"{t.min:.2f}" + ("" if rate.rate >= t.min else "  FAIL")
        lines.append(
            f"{rate.name:<{width}}  {rate.type:<4}  {rate.passed:>4}/{rate.total:<4}  "
            f"{rate.rate:>5.2f}  {_fmt_ci(rate.ci95):>9}  {mark}"
        )
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(
    result: SuiteResult,
    thresholds: Thresholds | None = None,
    *,
    failures_per_capability: int = 2,
) -> str:
    """The model card's "Behavioural tests" section (heading included, ends with a newline)."""
    n_caps = len(result.by_capability)
    lines = [
        SECTION_HEADING,
        "",
        f"The German behavioural suite (CheckList, Ribeiro et al. 2020; "
        f"`src/toneprobe/sentiment/checklist_de/`): {len(result.results)} cases written by the "
        f"project in {n_caps} capabilities, run against `{result.backend}`. MFT cases expect a "
        f"label, INV cases must keep the label under a change that should not matter, DIR cases "
        f"must raise the probability of a label. 95% Wilson intervals; `make test` fails under "
        f"the minimum (`thresholds.yaml`).",
        "",
        "| test type | cases | pass rate | 95% CI | minimum |",
        "|---|---|---|---|---|",
    ]
    for rate in (*result.by_type, result.overall):
        t = thresholds.by_type.get(rate.name) if thresholds else None
        lines.append(
            f"| {rate.name} | {rate.total} | {rate.rate:.2f} | {_fmt_ci(rate.ci95)} | "
            f"{'-' if t is None else f'{t.min:.2f}'} |"
        )
    lines += [
        "",
        "| capability | type | cases | pass rate | 95% CI | minimum |",
        "|---|---|---|---|---|---|",
    ]
    for rate in result.by_capability:
        t = thresholds.by_capability.get(rate.name) if thresholds else None
        lines.append(
            f"| {rate.name} | {rate.type} | {rate.total} | {rate.rate:.2f} | "
            f"{_fmt_ci(rate.ci95)} | {'-' if t is None else f'{t.min:.2f}'} |"
        )
    examples = [
        (rate.name, f)
        for rate in result.by_capability
        for f in rate.failures[:failures_per_capability]
    ]
    if examples:
        lines += ["", f"Failing cases (at most {failures_per_capability} per capability):"]
        lines += [""] + [f"- {name}: {_md(f.describe())}" for name, f in examples]
    return "\n".join(lines) + "\n"


def replace_section(card: str, section: str, heading: str = SECTION_HEADING) -> str:
    """``card`` with its ``heading`` section replaced by ``section`` (the rest left as it is).

    The section runs from the heading line to the next line starting with ``## `` (or the end).
    Without such a section, ``section`` goes before ``## Limits`` if the card has one, else at
    the end.
    """
    lines = card.splitlines(keepends=True)
    new = section if section.endswith("\n") else section + "\n"
    start = next((i for i, line in enumerate(lines) if line.rstrip() == heading), None)
    if start is not None:
        end = next(
            (j for j in range(start + 1, len(lines)) if lines[j].startswith("## ")), len(lines)
        )
        tail = lines[end:]
        return "".join(lines[:start]) + new + ("\n" if tail else "") + "".join(tail)
    limits = next((i for i, line in enumerate(lines) if line.rstrip() == "## Limits"), None)
    if limits is not None:
        return "".join(lines[:limits]) + new + "\n" + "".join(lines[limits:])
    sep = "" if not card or card.endswith("\n\n") else ("\n" if card.endswith("\n") else "\n\n")
    return card + sep + new
