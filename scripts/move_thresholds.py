"""Choose the agent-move finding thresholds on the labelled calls; write them to data/moves.yaml.

    python scripts/move_thresholds.py [--extra dev3 chat] [--held-out DIR ...] [--write]

The four labelled sets that `make evaluate` checks (sample_transcripts, data/dev/calls as JSON
and as plain text, data/dev2/calls) are read and run through the sentiment, offense and
agent-move models once; then, for candidate thresholds, only the detectors and the call
records are recomputed. Per move the candidates are those at which the move's precision on
data/agent_moves/dev.tsv is at least MIN_DEV_PRECISION, plus "off". Coordinate ascent (two
passes, moves in file order, from all moves off) maximises the mean over the sets of
disrespect F1 + empathy Spearman + de-escalation F1 (the positive moves credit agent turns in
de-escalation; counted since the fourteenth session), where every set keeps every `make
evaluate` bar and no set gets more false alarms (respectful calls flagged as disrespectful) than with the rules alone;
ties (the rules were tuned on these calls and already find every disrespectful one) go to the
higher mean F1 of the moves on data/agent_moves/dev.tsv, so a move that costs nothing on the
calls is switched on at its best dev threshold. After the moves in each pass, the clear margin
(how far over its threshold, in log-odds, one negative model finding makes a call disrespectful on
its own) is chosen the same way from MARGINS; a lower margin must beat the objective so far.
Prints the before/after figures; with --write, rewrites the `threshold:` lines of
src/toneprobe/data/moves.yaml. The call reader (``detectors/call_reader.py``), which is fitted on
the findings these thresholds make, is off here: a call's disrespect is the rules' and the
move model's (mild findings adding up by their weights); refit it after (`make fit-call`).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from toneprobe.commands.workflows import ScoreOptions, iter_scored  # noqa: E402
from toneprobe.config import load_config  # noqa: E402
from toneprobe.detectors import call_reader  # noqa: E402
from toneprobe.detectors.moves import load_move_rules  # noqa: E402
from toneprobe.evaluate import GATE_BARS, evaluate, load_labels  # noqa: E402
from toneprobe.pipeline import Scorer, build_record  # noqa: E402
from toneprobe.sentiment.moves import load_move_classifier  # noqa: E402
from toneprobe.sentiment.train_moves import read_moves  # noqa: E402

sys.path.insert(0, str(REPO / "scripts"))
from labelled_sets import GATED, TUNING  # noqa: E402

SETS = list(GATED)
# --extra: labelled sets that count in the objective but are not held to the bars (they miss
# some); --held-out: sets only reported, never chosen on (the held-out set of calls is written for that).
EXTRA_SETS = TUNING
BARS = GATE_BARS
GRID = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)
#: candidate clear margins (log-odds over the threshold at which a negative finding is clear on
#: its own); None: no finding is clear
MARGINS: tuple[float | None, ...] = (None, 4.0, 3.5, 3.0, 2.5, 2.0, 1.5)
OFF = 1.0  # "off": a sigmoid never reaches it
MIN_DEV_PRECISION = 0.8
MOVES_YAML = REPO / "src" / "toneprobe" / "data" / "moves.yaml"
log = logging.getLogger("move_thresholds")


@dataclasses.dataclass
class LabelledSet:
    name: str
    contexts: list[Any]
    labels: dict[str, Any]
    role: str = "gated"  # "gated" (keeps the bars), "extra" (objective only), "held-out"


def load_sets(
    scorer: Scorer, extra: list[str] | None = None, held_out: list[str] | None = None
) -> list[LabelledSet]:
    config = load_config(None)
    wanted = [(name, path, labels, "gated") for name, path, labels in SETS]
    wanted += [(n, *EXTRA_SETS[n], "extra") for n in extra or []]
    for d in held_out or []:
        wanted.append((Path(d).name, f"{d}/calls", f"{d}/labels.csv", "held-out"))
    out = []
    for name, path, labels, role in wanted:
        items = list(iter_scored([str(REPO / path)], ScoreOptions(quiet=True), config, scorer))
        contexts = [(t, scorer.context(t)) for _, t in items]
        out.append(LabelledSet(name, contexts, load_labels(REPO / labels), role))
    return out


def metrics(
    scorer: Scorer, sets: list[LabelledSet], th: dict[str, float], margin: float | None = None
) -> dict[str, Any]:
    """Per set: the evaluate figures and the false alarms, with thresholds ``th`` and the clear
    margin ``margin``."""
    for det in scorer.detectors:
        if hasattr(det, "clear_margin"):
            det.clear_margin = margin
        if hasattr(det, "move_rules"):
            det.move_rules = tuple(
                m.model_copy(update={"threshold": min(th[m.move], 0.999)})
                if th[m.move] < OFF
                else m.model_copy(update={"threshold": 0.999999})
                for m in load_move_rules().for_detector(det.name)
            )
    out = {}
    for s in sets:
        records = []
        for transcript, ctx in s.contexts:
            records.append(build_record(transcript, scorer.run_detectors(ctx), scorer.weights))
        res = evaluate(records, s.labels)
        by_id = {r["call_id"]: r for r in records}
        false_alarms = sum(
            1
            for cid, lab in s.labels.items()
            if lab.disrespect is False and cid in by_id and by_id[cid]["respect"]["disrespect"]
        )
        out[s.name] = {name: res.metric(name) for name in BARS} | {
            "false_alarms": false_alarms,
            "role": s.role,
        }
    return out


def objective(m: dict[str, Any], base: dict[str, Any]) -> float:
    """Mean disrespect F1 + empathy Spearman + de-escalation F1 over the gated and extra sets
    (the positive moves credit the agent's turns in de-escalation); -1 when a gated set
    misses a bar or gets more false alarms than with the rules alone."""
    for name, fig in m.items():
        if fig["role"] != "gated":
            continue
        if any((fig[b] or 0.0) < bar for b, bar in BARS.items()):
            return -1.0
        if fig["false_alarms"] > base[name]["false_alarms"]:
            return -1.0
    return float(
        np.mean(
            [
                (f["disrespect_f1"] or 0.0)
                + (f["empathy_spearman"] or 0.0)
                + (f["deescalation_f1"] or 0.0)
                for f in m.values()
                if f["role"] != "held-out"
            ]
        )
    )


def dev_candidates() -> dict[str, dict[float, float]]:
    """Per move, the grid values where its precision on agent_moves dev is high enough, each
    with the move's F1 there (and "off", F1 0)."""
    clf = load_move_classifier()
    dev = read_moves(REPO / "data" / "agent_moves" / "dev.tsv")
    probs = clf.predict_proba(dev.texts)
    out: dict[str, dict[float, float]] = {}
    for m in load_move_rules().moves:
        j = clf.labels.index(m.move)
        y = dev.y[:, j].astype(bool)
        keep: dict[float, float] = {}
        for t in GRID:
            pred = probs[:, j] >= t
            tp = int((y & pred).sum())
            if pred.sum() and tp / pred.sum() >= MIN_DEV_PRECISION:
                keep[t] = round(2 * tp / (int(y.sum()) + int(pred.sum())), 3)
        out[m.move] = keep | {OFF: 0.0}
    return out


def show(title: str, m: dict[str, Any]) -> None:
    print(title)
    for name, fig in m.items():
        vals = "  ".join(
            f"{k} {v:.3f}" if isinstance(v, float | int) else f"{k} {v or 'n/a'}"
            for k, v in fig.items()
        )
        print(f"  {name:9s} {vals}")


def write_yaml(th: dict[str, float], margin: float | None) -> None:
    text = MOVES_YAML.read_text(encoding="utf-8")
    text = re.sub(r"\nclear_margin: [^\n]*", "", text)
    if margin is not None:
        text = text.replace("\nversion: 1\n", f"\nversion: 1\nclear_margin: {margin}\n", 1)
    for move, t in th.items():
        value = "1.0  # off: no threshold kept the bars" if t >= OFF else f"{t}"
        text, n = re.subn(
            rf"(\n    move: {move}\n(?:    .*\n)*?    threshold: )[^\n]*",
            rf"\g<1>{value}",
            text,
        )
        if n != 1:
            raise SystemExit(f"{MOVES_YAML}: no threshold line for {move}")
    MOVES_YAML.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--write", action="store_true", help="rewrite data/moves.yaml")
    ap.add_argument(
        "--extra",
        nargs="*",
        choices=[*sorted(EXTRA_SETS), "all"],
        default=[],
        help="labelled sets that count in the objective without being held to the bars "
        "('all': every tuning set of scripts/labelled_sets.py)",
    )
    ap.add_argument(
        "--held-out",
        nargs="*",
        metavar="DIR",
        default=[],
        help="labelled sets (DIR/calls, DIR/labels.csv) only reported, never chosen on",
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    t0 = time.perf_counter()
    call_reader.reader_model = lambda: None  # type: ignore[assignment]  # fitted after these
    scorer = Scorer()
    extra = list(EXTRA_SETS) if "all" in args.extra else args.extra
    sets = load_sets(scorer, extra, args.held_out)
    log.info("read and ran the models on %d sets in %.0fs", len(sets), time.perf_counter() - t0)
    moves = [m.move for m in load_move_rules().moves]
    cands = dev_candidates()
    log.info("candidates (dev precision >= %s): %s", MIN_DEV_PRECISION, cands)
    off = dict.fromkeys(moves, OFF)
    base = metrics(scorer, sets, off)
    show("rules only (every move off):", base)
    th = dict(off)

    def tie_break(th: dict[str, float]) -> float:
        return 1e-3 * float(np.mean([cands[m][t] for m, t in th.items()]))

    best = objective(base, base)
    margin: float | None = None
    for _ in range(2):
        for move in moves:
            for t in cands[move]:
                trial = {**th, move: t}
                score = objective(metrics(scorer, sets, trial, margin), base)
                if score >= 0 and score + tie_break(trial) > best + tie_break(th) + 1e-9:
                    best, th = score, trial
        # the clear margin last in each pass, from "none clear" towards lower margins: a lower
        # one must beat the best so far, so ties keep the more cautious margin
        for m in MARGINS:
            score = objective(metrics(scorer, sets, th, m), base)
            if score >= 0 and score > best + 1e-9:
                best, margin = score, m
        log.info("pass done: objective %.4f %s, clear margin %s", best, th, margin)
    show("chosen thresholds:", metrics(scorer, sets, th, margin))
    print("thresholds:", th, "clear margin:", margin)
    if args.write:
        write_yaml(th, margin)
        print(f"wrote {MOVES_YAML.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
