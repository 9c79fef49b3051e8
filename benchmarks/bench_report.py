"""Benchmark of ``toneprobe report`` (and ``score --by agent --period week``) over saved scores.

    python benchmarks/bench_report.py [--calls 10000] [--runs 3] [--json out.json]

Writes ``--calls`` synthetic call records (the JSONL that ``score --format jsonl`` writes:
about 22 turns of sentiment and 6-14 findings each, a dozen agents, dates over 26 weeks, some
weeks with few calls, 3% without a date) to a temporary directory, then runs the real
commands as subprocesses and reports the median wall time and peak RSS. Nothing is scored:
the run fails if the command's messages say otherwise.

Bar (issue 15): ``report`` from a 10,000-call JSONL renders in under 30 s without scoring.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
from corpus import AGENTS  # noqa: E402

BIN = Path(sys.executable).with_name("toneprobe")
CMD = [str(BIN)] if BIN.exists() else [sys.executable, "-m", "toneprobe"]
BAR_SECONDS = 30.0

RULES = (
    ("respect", "respect.greeting.v1", "positive", 0.3, "Guten Tag"),
    ("respect", "respect.formal_address.v1", "positive", 0.1, "Sie"),
    ("respect", "respect.please_thanks.v1", "positive", 0.2, "vielen Dank"),
    ("respect", "respect.farewell.v1", "positive", 0.3, "Auf Wiederhören"),
    ("respect", "respect.blame.v1", "negative", 0.6, "Da haben Sie wohl was falsch gemacht"),
    ("empathy", "empathy.acknowledge.v1", "positive", 0.8, "Das ist wirklich ärgerlich"),
    ("empathy", "empathy.reassure.v1", "positive", 0.6, "Wir finden da eine Lösung"),
    ("deescalation", "deescalation.upset.v1", "negative", 0.5, "Das ist eine Frechheit"),
)


def _record(rng: random.Random, n: int, start: dt.date) -> dict[str, object]:
    agent = rng.choice(AGENTS)
    # one agent works only now and then: weeks with one or two calls (low-n periods)
    if agent == AGENTS[-1] and rng.random() < 0.8:
        agent = AGENTS[0]
    skill = 55 + 3 * AGENTS.index(agent)
    day = start + dt.timedelta(days=rng.randrange(26 * 7))
    score = max(0.0, min(100.0, rng.gauss(skill + (day - start).days / 30, 14)))
    turns = rng.randint(16, 28)
    sentiment = []
    for t in range(turns):
        neg = rng.random() * 0.6
        pos = rng.random() * (1 - neg)
        sentiment.append(
            {
                "turn": t,
                "role": "agent" if t % 2 == 0 else "customer",
                "polarity": round(pos - neg, 3),
                "label": "negative" if neg > pos else "positive",
                "scores": {
                    "positive": round(pos, 3),
                    "negative": round(neg, 3),
                    "neutral": round(1 - pos - neg, 3),
                },
            }  # fmt: skip
        )
    findings = []
    for _ in range(rng.randint(6, 14)):
        det, rule, pol, weight, text = rng.choice(RULES)
        t = rng.randrange(turns)
        findings.append(
            {"detector": det, "rule_id": rule, "turn": t, "speaker": agent, "role": "agent",
             "start": 0, "end": len(text), "text": text, "polarity": pol, "kind": rule.split(".")[1],
             "weight": weight, "explanation": f"phrase '{text}' ({rule}, rules/de/{det}.yaml)"}
        )  # fmt: skip
    outcome = rng.choice(("achieved", "failed", "not_needed", "not_needed"))
    return {
        "call_id": f"C-{n:06d}",
        "source": f"calls/{day.isoformat()}/C-{n:06d}.json",
        "date": None if rng.random() < 0.03 else day.isoformat(),
        "agent": agent,
        "customer": "Herr Becker",
        "ended_by": "normal",
        "n_turns": turns,
        "empathy_score": round(score, 1),
        "components": {"deescalation": None if outcome == "not_needed" else round(score, 1),
                       "hangup": 100.0, "respect": round(score, 1), "empathy": round(score, 1)},
        "weights": {"deescalation": 0.25, "hangup": 0.15, "respect": 0.35, "empathy": 0.25},
        "deescalation": {"outcome": outcome, "peak_turn": 1, "peak_upset": 0.8, "end_upset": 0.2,
                         "recovery_turn": 5, "credited_turns": [2], "escalating_turns": [],
                         "credit": 0.5, "trajectory": [{"turn": 1, "upset": 0.8}]},
        "hangup": {"outcome": "none", "turn": None, "proper_close": True, "evidence": [],
                   "scores": {}},
        "respect": {"score": round(score, 1), "disrespect": score < 30, "disrespect_turns": [],
                    "positive": 5, "negative": 0, "courtesy": 0.8,
                    "courtesy_elements": ["courtesy"], "apology": False, "negative_weight": 0.0},
        "empathy": {"score": round(score, 1), "opportunities": 2, "responded": 1, "details": []},
        "roles": {"method": "explicit", "confidence": 1.0},
        "sentiment": sentiment,
        "findings": findings,
    }  # fmt: skip


def write_scores(path: Path, calls: int, seed: int = 15) -> None:
    rng = random.Random(seed)
    start = dt.date(2026, 6, 1)
    with path.open("w", encoding="utf-8") as fh:
        for n in range(calls):
            fh.write(json.dumps(_record(rng, n, start), ensure_ascii=False) + "\n")


def timed(args: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (bytes) and stderr of one run; exits on a failure."""
    t0 = time.perf_counter()
    proc = psutil.Popen([*CMD, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                peak[0] = max(peak[0], proc.memory_info().rss)
            time.sleep(0.05)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    _, err = proc.communicate()
    secs = time.perf_counter() - t0
    thread.join()
    if proc.returncode != 0:
        sys.exit(f"toneprobe {' '.join(args)} failed ({proc.returncode}):\n{err[-2000:]}")
    if "not scored again" not in err or "scored " in err.replace("not scored again", ""):
        sys.exit(f"toneprobe {' '.join(args)} scored calls; expected saved scores only:\n{err}")
    return secs, peak[0], err


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", type=Path, help="write the figures here as JSON")
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="toneprobe-bench-report-") as tmp:
        scores = Path(tmp) / "scores.jsonl"
        write_scores(scores, opts.calls)
        size_mb = scores.stat().st_size / 1e6
        print(f"{opts.calls} saved call records, {size_mb:.1f} MB of JSONL", flush=True)
        results: dict[str, object] = {"calls": opts.calls, "jsonl_mb": round(size_mb, 1)}
        commands = {
            "report": ["report", str(scores), "--output", str(Path(tmp) / "report.html")],
            "score_period_week": ["score", str(scores), "--by", "agent", "--period", "week"],
        }
        for name, args in commands.items():
            runs = [timed(args) for _ in range(opts.runs)]
            secs = statistics.median(r[0] for r in runs)
            rss = max(r[1] for r in runs) / 1e6
            results[name] = {"seconds": round(secs, 2), "peak_rss_mb": round(rss)}
            line = f"{name}: {secs:.2f} s (median of {opts.runs}), peak RSS {rss:.0f} MB"
            if name == "report":
                html_mb = (Path(tmp) / "report.html").stat().st_size / 1e6
                results[name]["html_mb"] = round(html_mb, 2)  # type: ignore[index]
                verdict = "meets" if secs < BAR_SECONDS else "MISSES"
                line += f", HTML {html_mb:.1f} MB; {verdict} the bar of {BAR_SECONDS:.0f} s"
            print(line, flush=True)
    if opts.json:
        opts.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    report = results["report"]
    if isinstance(report, dict) and report["seconds"] >= BAR_SECONDS:
        sys.exit(1)


if __name__ == "__main__":
    main()
