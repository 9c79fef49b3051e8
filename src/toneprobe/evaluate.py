"""Compare scored calls (CALL records, schema_version 1) with hand labels.

Pure functions: :func:`load_labels` reads CSV, JSON or YAML labels;
:func:`evaluate` computes per-detector precision/recall/F1 with confusion matrices, the
Spearman correlation of ``empathy_score`` with the 1-5 label, per-agent agreement, the
calls where toneprobe and the label disagree (with the findings behind the decision), and
checks thresholds. :func:`junit_xml` turns the threshold checks into JUnit XML for CI.

Metric conventions (as scikit-learn's defaults): macro averages run over the classes that
occur in the labels or the predictions; a precision or recall with an empty denominator is
0. Disrespect is binary and scored on the positive class.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from toneprobe.errors import InputError
from toneprobe.scoring import surname_aliases

logger = logging.getLogger(__name__)

DEESCALATION_CLASSES: tuple[str, ...] = ("achieved", "failed", "not_needed")
HANGUP_CLASSES: tuple[str, ...] = ("none", "agent", "customer", "dropped")
LABEL_COLUMNS: tuple[str, ...] = (
    "call_id",
    "agent",
    "deescalation",
    "hangup",
    "disrespect",
    "empathy",
)
_TRUE = {"1", "true", "yes", "ja", "y", "wahr", "x"}
_FALSE = {"0", "false", "no", "nein", "n", "falsch", ""}

#: How far (0-100 points) empathy_score may sit from the label's expected score
#: ((label - 1) * 25) before the call is listed as a disagreement.
EMPATHY_TOLERANCE = 37.5


@dataclass(frozen=True, slots=True)
class Label:
    """One labelled call; a field is None when it was left empty."""

    call_id: str
    agent: str | None = None
    deescalation: str | None = None
    hangup: str | None = None
    disrespect: bool | None = None
    empathy: int | None = None


# --------------------------------------------------------------------------- loading labels


def _clean(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _label_from_row(row: Mapping[str, Any], path: str, line: int | None) -> Label:
    unknown = set(row) - set(LABEL_COLUMNS)
    unknown.discard(None)  # type: ignore[arg-type]  # csv: extra cells without a header
    if unknown:
        raise InputError(
            f"unknown label column(s) {', '.join(sorted(map(str, unknown)))}; "
            f"expected {', '.join(LABEL_COLUMNS)}",
            path,
            line,
        )
    call_id = _clean(row.get("call_id"))
    if not call_id:
        raise InputError("label without call_id", path, line)
    de = _clean(row.get("deescalation")).lower() or None
    if de is not None and de not in DEESCALATION_CLASSES:
        raise InputError(
            f"{call_id}: deescalation {de!r} is not one of {', '.join(DEESCALATION_CLASSES)}",
            path,
            line,
        )
    hu = _clean(row.get("hangup")).lower() or None
    if hu is not None and hu not in HANGUP_CLASSES:
        raise InputError(
            f"{call_id}: hangup {hu!r} is not one of {', '.join(HANGUP_CLASSES)}", path, line
        )
    raw_dis = row.get("disrespect")
    disrespect: bool | None
    if isinstance(raw_dis, bool):
        disrespect = raw_dis
    else:
        text = _clean(raw_dis).lower()
        if text == "":
            disrespect = None
        elif text in _TRUE:
            disrespect = True
        elif text in _FALSE:
            disrespect = False
        else:
            raise InputError(f"{call_id}: disrespect {text!r} is not 0/1 or true/false", path, line)
    raw_emp = _clean(row.get("empathy"))
    empathy: int | None = None
    if raw_emp:
        try:
            number = float(raw_emp)
        except ValueError:
            number = math.nan
        if not (number.is_integer() and 1 <= number <= 5):
            raise InputError(
                f"{call_id}: empathy {raw_emp!r} is not a whole number 1-5", path, line
            )
        empathy = int(number)
    agent = _clean(row.get("agent")) or None
    return Label(call_id, agent, de, hu, disrespect, empathy)


def _labels_from_records(records: Any, path: str) -> list[Label]:
    if isinstance(records, dict):
        if "labels" in records and isinstance(records["labels"], list):
            records = records["labels"]
        else:  # {call_id: {...}}
            records = [
                {"call_id": key, **value} if isinstance(value, dict) else None
                for key, value in records.items()
            ]
    if not isinstance(records, list):
        raise InputError("labels must be a list of objects or an object keyed by call_id", path)
    out = []
    for i, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            raise InputError(f"label #{i} is not an object", path)
        out.append(_label_from_row(rec, path, None))
    return out


def parse_labels(text: str, fmt: str, path: str = "<labels>") -> dict[str, Label]:
    """Parse label text in ``fmt`` csv|json|yaml into ``{call_id: Label}``."""
    labels: list[Label]
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip() for h in (reader.fieldnames or [])]
        if "call_id" not in header:
            raise InputError("CSV labels need a header with call_id", path, 1)
        reader.fieldnames = header
        labels = [
            _label_from_row(row, path, reader.line_num)
            for row in reader
            if any(_clean(v) for k, v in row.items() if k is not None)
        ]
    elif fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise InputError(f"invalid JSON: {err.msg}", path, err.lineno) from None
        labels = _labels_from_records(data, path)
    elif fmt == "yaml":
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            raise InputError(
                f"invalid YAML: {err}".splitlines()[0], path, mark.line + 1 if mark else None
            ) from None
        labels = _labels_from_records(data, path)
    else:
        raise InputError(f"unknown label format {fmt!r} (csv, json, yaml)", path)
    out: dict[str, Label] = {}
    for label in labels:
        if label.call_id in out:
            raise InputError(f"call_id {label.call_id!r} is labelled twice", path)
        out[label.call_id] = label
    return out


def load_labels(path: str | Path) -> dict[str, Label]:
    """Read a label file; the format comes from the extension (.csv, .json, .yaml/.yml)."""
    file = Path(path)
    suffix = file.suffix.lower()
    fmt = {".csv": "csv", ".json": "json", ".yaml": "yaml", ".yml": "yaml"}.get(suffix)
    if fmt is None:
        raise InputError("labels must be .csv, .json, .yaml or .yml", str(path))
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("label file not found", str(path)) from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read labels: {err}", str(path)) from None
    return parse_labels(text, fmt, str(path))


# --------------------------------------------------------------------------- statistics


def rank_average(values: Sequence[float]) -> list[float]:
    """Ranks 1..n; ties share the average of the ranks they span."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        avg = (i + j) / 2 + 1
        for k in range(i, j + 1):
            ranks[order[k]] = avg
        i = j + 1
    return ranks


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    n = len(xs)
    if n < 2 or n != len(ys):
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rho (Pearson on average ranks); None when undefined (n < 2, a constant)."""
    if len(xs) != len(ys):
        raise ValueError("spearman: sequences differ in length")
    return pearson(rank_average(xs), rank_average(ys))


@dataclass(slots=True)
class DetectorMetrics:
    """Precision/recall/F1 for one detector, with the confusion matrix."""

    name: str
    average: str  # "macro" or "binary"
    classes: list[str]
    n: int
    precision: float
    recall: float
    f1: float
    per_class: dict[str, dict[str, float]]
    confusion: dict[str, dict[str, int]]  # gold -> predicted -> count
    accuracy: float


def classification_metrics(
    name: str,
    gold: Sequence[str],
    pred: Sequence[str],
    classes: Sequence[str],
    *,
    positive: str | None = None,
) -> DetectorMetrics:
    """Metrics for one detector; ``positive`` set = binary on that class, else macro."""
    known = list(classes) + sorted({*gold, *pred} - set(classes))
    confusion = {g: {p: 0 for p in known} for g in known}
    for g, p in zip(gold, pred, strict=True):
        confusion[g][p] += 1
    per_class: dict[str, dict[str, float]] = {}
    for c in known:
        tp = confusion[c][c]
        fp = sum(confusion[g][c] for g in known if g != c)
        fn = sum(confusion[c][p] for p in known if p != c)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_class[c] = {"precision": prec, "recall": rec, "f1": f1, "support": tp + fn}
    present = [c for c in known if c in set(gold) | set(pred)]
    if positive is not None:
        chosen = per_class.get(positive, {"precision": 0.0, "recall": 0.0, "f1": 0.0})
        precision, recall, f1 = chosen["precision"], chosen["recall"], chosen["f1"]
        average = "binary"
    else:
        k = len(present) or 1
        precision = sum(per_class[c]["precision"] for c in present) / k
        recall = sum(per_class[c]["recall"] for c in present) / k
        f1 = sum(per_class[c]["f1"] for c in present) / k
        average = "macro"
    correct = sum(1 for g, p in zip(gold, pred, strict=True) if g == p)
    return DetectorMetrics(
        name=name,
        average=average,
        classes=known,
        n=len(gold),
        precision=precision,
        recall=recall,
        f1=f1,
        per_class=per_class,
        confusion=confusion,
        accuracy=correct / len(gold) if gold else 0.0,
    )


# --------------------------------------------------------------------------- evaluation


@dataclass(slots=True)
class AgentAgreement:
    agent: str
    calls: int
    mean_score: float | None
    mean_label: float | None
    spearman: float | None  # within the agent's calls, when it has 3+


@dataclass(slots=True)
class Disagreement:
    call_id: str
    agent: str | None
    source: str | None
    detector: str
    predicted: Any
    label: Any
    findings: list[dict[str, Any]]
    evidence: dict[str, Any]  # the call's own summary for that detector (scalars only)


@dataclass(slots=True)
class ThresholdCheck:
    name: str
    minimum: float
    value: float | None
    passed: bool


@dataclass(slots=True)
class EvaluationResult:
    n_calls: int
    n_labelled: int
    detectors: dict[str, DetectorMetrics]
    empathy_spearman: float | None
    empathy_n: int
    agent_spearman: float | None
    agents: list[AgentAgreement]
    disagreements: list[Disagreement]
    unknown_ids: list[str]  # scored calls that have no label
    missing_calls: list[str]  # labelled calls that were not scored
    checks: list[ThresholdCheck] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def metric(self, name: str) -> float | None:
        """The value a threshold name refers to (``deescalation_f1`` ...)."""
        if name.endswith("_f1"):
            det = self.detectors.get(name[: -len("_f1")])
            return det.f1 if det is not None else None
        if name == "empathy_spearman":
            return self.empathy_spearman
        if name == "agent_spearman":
            return self.agent_spearman
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["passed"] = self.passed
        return out


def _call_disrespect(call: Mapping[str, Any]) -> bool:
    return bool((call.get("respect") or {}).get("disrespect"))


def _outcome(call: Mapping[str, Any], key: str) -> str | None:
    value = (call.get(key) or {}).get("outcome")
    return str(value) if value is not None else None


def _findings_for(call: Mapping[str, Any], detector: str) -> list[dict[str, Any]]:
    keep = ("detector", "rule_id", "turn", "role", "polarity", "text", "weight", "explanation")
    return [
        {k: f.get(k) for k in keep if k in f}
        for f in call.get("findings") or []
        if f.get("detector") == detector
    ]


def _evidence(call: Mapping[str, Any], key: str) -> dict[str, Any]:
    if key == "empathy":
        return {"empathy_score": call.get("empathy_score"), **_scalars(call.get("empathy"))}
    return _scalars(call.get(key))


def _scalars(summary: Any) -> dict[str, Any]:
    if not isinstance(summary, Mapping):
        return {}
    return {
        k: v
        for k, v in summary.items()
        if isinstance(v, str | int | float | bool)
        or v is None
        or isinstance(v, list)
        and len(v) <= 8
    }


#: the bars of the ``make evaluate`` gate (the Makefile's BARS), for the scripts that fit
#: thresholds on the labelled calls and must keep them
GATE_BARS: dict[str, float] = {
    "deescalation_f1": 0.75,
    "hangup_f1": 0.75,
    "disrespect_f1": 0.8,
    "empathy_spearman": 0.7,
    "agent_spearman": 0.8,
}


def evaluate(
    calls: Iterable[Mapping[str, Any]],
    labels: Mapping[str, Label],
    thresholds: Mapping[str, float] | None = None,
    *,
    aliases: Mapping[str, str] | None = None,
) -> EvaluationResult:
    """Compare CALL records with labels and check ``thresholds`` (name -> minimum)."""
    aliases = dict(aliases or {})
    call_list = list(calls)
    by_id: dict[str, Mapping[str, Any]] = {}
    for call in call_list:
        cid = str(call["call_id"])
        if cid in by_id:
            logger.warning("call id %s was scored twice; the first one is used", cid)
            continue
        by_id[cid] = call
    unknown_ids = sorted(cid for cid in by_id if cid not in labels)
    missing = sorted(cid for cid in labels if cid not in by_id)
    pairs = [(by_id[cid], labels[cid]) for cid in sorted(by_id) if cid in labels]
    # a bare surname ("Dornbusch") joins the one full name ending with it, as in `score`
    names = sorted({str(c.get("agent")) for c, _ in pairs if c.get("agent")})
    aliases = {**surname_aliases(names), **aliases}

    detectors: dict[str, DetectorMetrics] = {}
    disagreements: list[Disagreement] = []

    def add_disagreement(call: Mapping[str, Any], label: Label, det: str, pred: Any, gold: Any):
        finding_detector = "respect" if det == "disrespect" else det
        disagreements.append(
            Disagreement(
                call_id=label.call_id,
                agent=call.get("agent"),
                source=call.get("source"),
                detector=det,
                predicted=pred,
                label=gold,
                findings=_findings_for(call, finding_detector),
                evidence=_evidence(call, "respect" if det == "disrespect" else det),
            )
        )

    for det, classes in (("deescalation", DEESCALATION_CLASSES), ("hangup", HANGUP_CLASSES)):
        gold, pred = [], []
        for call, label in pairs:
            g = getattr(label, det)
            p = _outcome(call, det)
            if g is None:
                continue
            p = p if p is not None else "missing"
            gold.append(g)
            pred.append(p)
            if g != p:
                add_disagreement(call, label, det, p, g)
        if gold:
            detectors[det] = classification_metrics(det, gold, pred, classes)

    gold_b, pred_b = [], []
    for call, label in pairs:
        if label.disrespect is None:
            continue
        rude = _call_disrespect(call)
        gold_b.append("yes" if label.disrespect else "no")
        pred_b.append("yes" if rude else "no")
        if rude != label.disrespect:
            add_disagreement(call, label, "disrespect", rude, label.disrespect)
    if gold_b:
        detectors["disrespect"] = classification_metrics(
            "disrespect", gold_b, pred_b, ("yes", "no"), positive="yes"
        )

    scores, gold_emp = [], []
    per_agent: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for call, label in pairs:
        score = call.get("empathy_score")
        if label.empathy is None or score is None:
            continue
        scores.append(float(score))
        gold_emp.append(float(label.empathy))
        agent = call.get("agent") or label.agent or "(unknown)"
        agent = aliases.get(agent, agent)
        per_agent[agent].append((float(score), label.empathy))
        expected = (label.empathy - 1) * 25.0
        if abs(float(score) - expected) > EMPATHY_TOLERANCE:
            add_disagreement(call, label, "empathy", round(float(score), 1), label.empathy)
    empathy_rho = spearman(scores, gold_emp) if scores else None

    agents: list[AgentAgreement] = []
    for agent in sorted(per_agent):
        rows = per_agent[agent]
        s = [r[0] for r in rows]
        g = [float(r[1]) for r in rows]
        agents.append(
            AgentAgreement(
                agent=agent,
                calls=len(rows),
                mean_score=sum(s) / len(s),
                mean_label=sum(g) / len(g),
                spearman=spearman(s, g) if len(rows) >= 3 else None,
            )
        )
    agent_rho = (
        spearman([a.mean_score or 0.0 for a in agents], [a.mean_label or 0.0 for a in agents])
        if len(agents) >= 2
        else None
    )
    disagreements.sort(key=lambda d: (d.call_id, d.detector))
    result = EvaluationResult(
        n_calls=len(by_id),
        n_labelled=len(pairs),
        detectors=detectors,
        empathy_spearman=empathy_rho,
        empathy_n=len(scores),
        agent_spearman=agent_rho,
        agents=agents,
        disagreements=disagreements,
        unknown_ids=unknown_ids,
        missing_calls=missing,
    )
    result.checks = check_thresholds(result, thresholds or {})
    return result


def check_thresholds(
    result: EvaluationResult, thresholds: Mapping[str, float]
) -> list[ThresholdCheck]:
    """One check per threshold; a metric that could not be computed fails its check."""
    checks = []
    for name, minimum in thresholds.items():
        value = result.metric(name)
        passed = value is not None and value + 1e-12 >= minimum
        checks.append(ThresholdCheck(name, float(minimum), value, passed))
    return checks


def junit_xml(result: EvaluationResult, suite: str = "toneprobe.evaluate") -> bytes:
    """JUnit XML: one testcase per threshold, a <failure> where it does not hold."""
    failures = sum(1 for c in result.checks if not c.passed)
    root = ET.Element("testsuites", tests=str(len(result.checks)), failures=str(failures))
    ts = ET.SubElement(
        root,
        "testsuite",
        name=suite,
        tests=str(len(result.checks)),
        failures=str(failures),
        errors="0",
        skipped="0",
    )
    for check in result.checks:
        case = ET.SubElement(ts, "testcase", classname=suite, name=check.name)
        value = "n/a" if check.value is None else f"{check.value:.4f}"
        if not check.passed:
            fail = ET.SubElement(
                case,
                "failure",
                message=f"{check.name} = {value} < {check.minimum:g}",
                type="ThresholdNotMet",
            )
            fail.text = (
                f"{check.name} is {value}, below the minimum {check.minimum:g} "
                f"({result.n_labelled} labelled calls)"
            )
        out = ET.SubElement(case, "system-out")
        out.text = f"{check.name} = {value} (minimum {check.minimum:g})"
    summary = ET.SubElement(ts, "system-out")
    summary.text = (
        f"{result.n_calls} calls scored, {result.n_labelled} labelled; "
        f"unknown ids: {len(result.unknown_ids)}; missing calls: {len(result.missing_calls)}"
    )
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def confusion_counts(metrics: DetectorMetrics) -> Counter[tuple[str, str]]:
    """The confusion matrix as a Counter of (gold, predicted)."""
    return Counter({(g, p): n for g, row in metrics.confusion.items() for p, n in row.items() if n})
