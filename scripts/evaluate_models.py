"""Evaluate the shipped embedded models: dev sets, out-of-domain sets, behavioural suite.

    python scripts/evaluate_models.py [--data ../shared/data] [--ood ../ood] [--extra FILE.tsv ...]

Prints one row per dev set (macro-F1 with its 95% bootstrap interval, vs bar) and exits 1
if any bar fails. GermEval 2017 exists here only as a dev file that is also training data,
so its figure (and interval) is the cross-fitted (out-of-fold) one recorded by the training
script in ``metrics.json``.
``--extra`` evaluates further held-out TSV files (``label<TAB>text``; sentiment labels, or
OFFENSE/OTHER for the offense model) and reports them; ``--extra-bar`` makes them gate too.

Then the behavioural suite (``toneprobe.sentiment.checklist``, issue 12): pass rates of the
sentiment model per capability and per test type with 95% Wilson intervals, against the
minimums in ``checklist_de/thresholds.yaml`` (a miss fails the run too).
``--update-card`` writes that as the "Behavioural tests" section of the model card
(``--card``, default the sentiment model's MODEL_CARD.md), leaving the rest of the card as
it is; ``--checklist-only`` skips the dev sets (no ``--data`` needed).

``--ood DIR`` scores the sentiment model on every ``*.tsv`` in DIR, the out-of-domain sets built
by ``scripts/ood_sets.py`` (issue 12): macro-F1 with its 95% bootstrap interval, expected
calibration error (10 bins) and, for binary positive/negative sets (where a neutral answer is
wrong) the forced binary F1 (neutral excluded), and for every set the share of neutral answers. For
information only: the OOD sets never change the exit code. A missing DIR is skipped with a note.
Where issue 12 sets a bar for a set's genre (reviews: 0.70 binary; news and forum text: 0.50
three-class; those bars are checked on hidden material), the row shows it and whether it is met.

Also for information: the share of call-center dev labels that change when the utterances are
rewritten as ASR writes them (lower case, no punctuation), with its 95% Wilson interval, against
issue 12's bar of at most 5 %.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from toneprobe.errors import InputError  # noqa: E402
from toneprobe.sentiment import checklist  # noqa: E402
from toneprobe.sentiment.base import LABELS  # noqa: E402
from toneprobe.sentiment.card import refresh_card  # noqa: E402
from toneprobe.sentiment.embedded import EmbeddedBackend  # noqa: E402
from toneprobe.sentiment.metrics import format_ci, macro_f1, macro_f1_ci  # noqa: E402
from toneprobe.sentiment.offense import OffenseClassifier  # noqa: E402
from toneprobe.sentiment.ood import OodScore, score_ood  # noqa: E402
from toneprobe.sentiment.train_data import OFFENSE_LABELS, asr_form, read_tsv  # noqa: E402

# (name, file relative to --data or the repo, bar, task, metrics.json key); a bar of None
# reports the set without gating: issue 12 retired the PotTS dev bar of issue 4 (0.66), whose
# interval always contained it (the PotTS test split, not here, is what is checked)
BARS: list[tuple[str, str, float | None, str, str]] = [
    ("SB10k dev", "data:sb10k_dev.tsv", 0.68, "sentiment", "sb10k_dev"),
    ("PotTS dev", "data:potts_dev.tsv", None, "sentiment", "potts_dev"),
    (
        "GermEval 2017 dev (relevant)",
        "data:germeval2017_dev.tsv",
        0.55,
        "sentiment",
        "germeval2017_dev_relevant",
    ),
    ("call-center dev", "repo:data/callcenter/dev.tsv", 0.80, "sentiment", "callcenter_dev"),
    # customer chat messages (data/customer_text/, issue 12), written by other hands than its
    # training lines: the project's stand-in for issue 12's bar on real customers' chat turns
    # (0.75, checked there on hidden chats)
    (
        "customer chat dev",
        "repo:data/customer_text/dev.tsv",
        0.75,
        "sentiment",
        "customer_text_dev",
    ),
    # the project's lines in other genres and voices (data/styles/, issue 12): reported, no bar
    ("styles dev (other genres)", "repo:data/styles/dev.tsv", None, "sentiment", "styles_dev"),
    (
        "GermEval 2018 dev (OFFENSE/OTHER)",
        "data:germeval2018_dev.tsv",
        0.72,
        "offense",
        "germeval2018_dev",
    ),
]

# Issue 12's out-of-domain bars by genre: macro-F1 >= 0.70 on positive/negative review sets,
# >= 0.50 on three-class forum and news sets. They are checked on hidden material; the
# project's set of the same genre (data/OOD.md) shows where a model stands. Reported, never
# gating. Dialogue and subtitle sets have no bar.
OOD_BARS = {"amazon_products_de": 0.70, "sentianno_news_de": 0.50}
# Issue 12: rewriting call-center utterances as ASR would (lower case, no punctuation) changes
# at most 5 % of the labels. Reported on the call-center dev set, never gating.
ASR_SET = ("call-center dev", REPO / "data" / "callcenter" / "dev.tsv")
ASR_MAX_CHANGED = 0.05

Score = tuple[float, int, tuple[float, float] | None]  # macro-F1, rows, 95% bootstrap CI


def _scored(y: np.ndarray, pred: np.ndarray, n_classes: int) -> Score:
    return macro_f1(y, pred, n_classes), len(y), macro_f1_ci(y, pred, n_classes)


def _score_sentiment(be: EmbeddedBackend, path: Path) -> Score:
    data = read_tsv(path, LABELS)
    probs = be.predict_proba(data.texts)
    y = np.array([LABELS.index(lab) for lab in data.labels])
    return _scored(y, probs.argmax(axis=1), 3)


def _score_offense(clf: OffenseClassifier, path: Path) -> Score:
    data = read_tsv(path, OFFENSE_LABELS)
    pred = np.array(clf.is_offensive(data.texts), dtype=int)
    y = np.array([OFFENSE_LABELS.index(lab) for lab in data.labels])
    return _scored(y, pred, 2)


def _score_ood_dir(be: EmbeddedBackend, ood_dir: Path) -> list[tuple[str, OodScore]]:
    scores = []
    for path in sorted(ood_dir.glob("*.tsv")):
        try:
            data = read_tsv(path, LABELS)
        except InputError as err:  # one bad file costs its row, not the report
            print(f"OOD set skipped: {err}", file=sys.stderr)
            continue
        if data.texts:
            scores.append((path.stem, score_ood(be.predict_proba(data.texts), data.labels)))
    return scores


def _print_ood(ood_dir: Path, scores: list[tuple[str, OodScore]] | None) -> None:
    print()
    if scores is None:
        print(f"OOD sets: {ood_dir} not found, skipped (build it with scripts/ood_sets.py)")
        return
    if not scores:
        print(f"OOD sets: no *.tsv in {ood_dir}, skipped (build it with scripts/ood_sets.py)")
        return
    print(f"OOD sets ({ood_dir}; for information, never gating)")
    width = max(len("set"), *(len(name) for name, _ in scores))
    print(
        f"{'set':<{width}}  {'rows':>5}  {'classes':<7}  {'macro-F1':>8}  {'95% CI':>11}  "
        f"{'ECE':>5}  {'neutral':>7}  {'forced':>6}  {'bar':>4}  note"
    )
    for name, s in scores:
        forced = f"{s.forced_f1:.4f}" if s.forced_f1 is not None else "-"
        bar = OOD_BARS.get(name)
        bar_s, note = ("-", "") if bar is None else (f"{bar:.2f}", _met(s.macro_f1 >= bar))
        print(
            f"{name:<{width}}  {s.rows:>5}  {'2 (p/n)' if s.binary else '3':<7}  "
            f"{s.macro_f1:>8.4f}  {format_ci(s.ci95):>11}  {s.ece:>5.3f}  "
            f"{s.neutral_rate:>7.1%}  {forced:>6}  {bar_s:>4}  {note}".rstrip()
        )
    print(
        "binary sets: a neutral answer is wrong; 'forced' = argmax over positive/negative only; "
        "ECE = expected calibration error of the top answer, 10 bins; bar = issue 12's bar for "
        "the genre (reviews 0.70, news and forum text 0.50), checked there on hidden sets"
    )


def _met(ok: bool) -> str:
    return "met" if ok else "below"


def _asr_changes(be: EmbeddedBackend, path: Path) -> tuple[int, int]:
    """How many labels change when the texts are rewritten in ASR form, out of how many."""
    data = read_tsv(path, LABELS)
    written = be.predict_proba(data.texts).argmax(axis=1)
    spoken = be.predict_proba([asr_form(t) for t in data.texts]).argmax(axis=1)
    return int(np.sum(written != spoken)), len(data.texts)


def _print_asr(name: str, changed: int, n: int) -> None:
    lo, hi = checklist.wilson(changed, n)
    share = changed / n if n else float("nan")
    print()
    print(
        "ASR form (lower case, no punctuation; labels changed, 95% Wilson interval; "
        "for information, never gating)"
    )
    print(f"{'set':<{len(name)}}  {'rows':>5}  {'changed':>7}  {'share':>6}  {'95% CI':>11}  bar")
    print(
        f"{name}  {n:>5}  {changed:>7}  {share:>6.1%}  {f'{lo:.1%}-{hi:.1%}':>11}  "
        f"<= {ASR_MAX_CHANGED:.0%}  " + ("met" if share <= ASR_MAX_CHANGED else "above")
    )


def _task_of(path: Path) -> str:
    try:
        read_tsv(path, LABELS)
        return "sentiment"
    except InputError:
        return "offense"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Evaluate the shipped models against the bars.")
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--models", type=Path, default=REPO / "models")
    ap.add_argument("--extra", type=Path, action="append", default=[])
    ap.add_argument("--extra-bar", type=float, default=None)
    ap.add_argument(
        "--ood",
        type=Path,
        default=None,
        help="directory of out-of-domain label<TAB>text sets (scripts/ood_sets.py); reported, "
        "never gating; skipped with a note if missing",
    )
    ap.add_argument(
        "--record",
        action="store_true",
        help="write the --extra and --ood results into the model's metrics.json and regenerate "
        "its card",
    )
    ap.add_argument(
        "--checklist-only",
        action="store_true",
        help="run only the behavioural suite (no dev sets, no --data needed)",
    )
    ap.add_argument(
        "--update-card",
        action="store_true",
        help="write the suite's pass rates as the 'Behavioural tests' section of the model card",
    )
    ap.add_argument(
        "--card", type=Path, default=None, help="default: <models>/sentiment-de/MODEL_CARD.md"
    )
    args = ap.parse_args(argv)

    sent_dir = args.models / "sentiment-de"
    be = EmbeddedBackend(sent_dir)
    failed = False if args.checklist_only else _dev_sets(args, be, sent_dir)
    failed |= _checklist(be, args.card or sent_dir / "MODEL_CARD.md", update_card=args.update_card)
    print("FAIL: a bar was missed" if failed else "OK: all bars met")
    return 1 if failed else 0


def _checklist(be: EmbeddedBackend, card: Path, *, update_card: bool) -> bool:
    """Run the behavioural suite, print its table; True if a threshold is missed."""
    suite = checklist.load_suite()
    thresholds = checklist.load_thresholds(suite)
    result = checklist.run_suite(suite, be)
    print()
    print(f"behavioural suite: {len(suite)} cases (pass rate, 95% Wilson interval, minimum)")
    print(checklist.format_table(result, thresholds))
    if update_card:
        text = card.read_text(encoding="utf-8") if card.is_file() else ""
        section = checklist.render_markdown(result, thresholds)
        card.write_text(checklist.replace_section(text, section), encoding="utf-8")
        print(f"updated the Behavioural tests section of {card}", file=sys.stderr)
    return bool(checklist.misses(result, thresholds))


def _dev_sets(args: argparse.Namespace, be: EmbeddedBackend, sent_dir: Path) -> bool:
    """The dev-set rows (and --extra files) against the bars; True if a bar is missed."""
    off_dir = args.models / "offense-de"
    clf = OffenseClassifier(off_dir)
    recorded = {
        "sentiment": json.loads((sent_dir / "metrics.json").read_text(encoding="utf-8")),
        "offense": json.loads((off_dir / "metrics.json").read_text(encoding="utf-8")),
    }
    rows: list[tuple[str, int, float, tuple[float, float] | None, float | None, str]] = []
    failed = False
    for name, spec, bar, task, key in BARS:
        where, rel = spec.split(":", 1)
        path = (args.data if where == "data" else REPO) / rel
        dev = recorded[task]["dev"].get(key)
        if dev and dev.get("cross_fitted"):
            ci = tuple(dev["ci95"]) if dev.get("ci95") else None
            f1, n, how = float(dev["macro_f1"]), int(dev["rows"]), "cross-fitted (metrics.json)"
        elif path.is_file():
            if task == "sentiment":
                f1, n, ci = _score_sentiment(be, path)
            else:
                f1, n, ci = _score_offense(clf, path)
            how = "held out"
        else:
            rows.append((name, 0, float("nan"), None, bar, f"MISSING {path}"))
            failed = True
            continue
        ok = bar is None or f1 >= bar
        failed |= not ok
        rows.append((name, n, f1, ci, bar, how + ("" if ok else "  FAIL")))
    for path in args.extra:
        task = _task_of(path)
        f1, n, ci = _score_sentiment(be, path) if task == "sentiment" else _score_offense(clf, path)
        bar = args.extra_bar
        ok = bar is None or f1 >= bar
        failed |= not ok
        rows.append(
            (f"extra: {path.name} ({task})", n, f1, ci, bar, "held out" + ("" if ok else "  FAIL"))
        )
        if args.record:
            model_dir = sent_dir if task == "sentiment" else off_dir
            m = recorded[task]
            m.setdefault("extra_eval", {})[path.name] = {
                "macro_f1": round(f1, 4),
                "rows": n,
                "ci95": [round(v, 4) for v in ci] if ci else None,
            }
            (model_dir / "metrics.json").write_text(
                json.dumps(m, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            refresh_card(model_dir)

    width = max(len(r[0]) for r in rows)
    print(f"dev sets ({args.models}; macro-F1, 95% bootstrap interval; a missed bar fails the run)")
    print(f"{'set':<{width}}  {'rows':>5}  {'macro-F1':>8}  {'95% CI':>11}  {'bar':>5}  note")
    for name, n, f1, ci, bar, note in rows:
        bar_s = f"{bar:.2f}" if bar is not None else "-"
        print(f"{name:<{width}}  {n:>5}  {f1:>8.4f}  {format_ci(ci):>11}  {bar_s:>5}  {note}")
    asr_name, asr_path = ASR_SET
    if asr_path.is_file():
        _print_asr(asr_name, *_asr_changes(be, asr_path))
    if args.ood is not None:
        ood = _score_ood_dir(be, args.ood) if args.ood.is_dir() else None
        _print_ood(args.ood, ood)
        if args.record and ood:
            m = recorded["sentiment"]
            m["ood_eval"] = {
                name: {
                    "rows": o.rows,
                    "binary": o.binary,
                    "macro_f1": round(o.macro_f1, 4),
                    "ci95": [round(v, 4) for v in o.ci95],
                    "ece": round(o.ece, 4),
                    "neutral_rate": round(o.neutral_rate, 4),
                }
                for name, o in ood
            }
            (sent_dir / "metrics.json").write_text(
                json.dumps(m, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            refresh_card(sent_dir)
    return failed


if __name__ == "__main__":
    raise SystemExit(main())
