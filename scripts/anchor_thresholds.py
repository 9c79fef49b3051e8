"""Re-anchor a detector's sentiment threshold when the sentiment model changes.

    python scripts/anchor_thresholds.py --reference OLD_MODEL_DIR [--model models/sentiment-de]
        [--threshold 0.6 ...] [CALLS ...]

The detectors compare P(negative) of customer turns with fixed thresholds that were set with
one model. A new model spreads its probabilities differently, so the same threshold would
flag a different share of turns. For each threshold, this prints the value at which the new
model flags the same share of customer turns as the reference model did at the old value.
It reads only transcripts (default: the bundled sample calls and the dev calls), no labels.
The previous model can be taken from the history, e.g.
``mkdir /tmp/old && git archive 0dcb72b models/sentiment-de | tar -x -C /tmp/old``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from toneprobe.readers import iter_input_files, read_path  # noqa: E402
from toneprobe.sentiment.embedded import EmbeddedBackend  # noqa: E402

DEFAULT_CALLS = ["sample_transcripts", "data/dev/calls/json", "data/dev2/calls"]


def customer_turns(paths: list[str]) -> list[str]:
    texts: list[str] = []
    for f in iter_input_files([str(REPO / p) if not Path(p).is_absolute() else p for p in paths]):
        for call in read_path(f).transcripts:
            texts += [t.text for t in call.turns if t.role == "customer" and t.text.strip()]
    return texts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", type=Path, required=True, help="model the thresholds fit")
    ap.add_argument("--model", type=Path, default=REPO / "models" / "sentiment-de")
    ap.add_argument("--threshold", type=float, action="append", default=None)
    ap.add_argument("calls", nargs="*", default=DEFAULT_CALLS)
    args = ap.parse_args(argv)
    texts = customer_turns(args.calls)
    old = EmbeddedBackend(args.reference).predict_proba(texts)[:, 1]
    new = EmbeddedBackend(args.model).predict_proba(texts)[:, 1]
    print(f"{len(texts)} customer turns")
    print(f"{'threshold':>9}  {'share':>6}  {'new threshold':>13}")
    ranked = np.sort(new)[::-1]
    for t in args.threshold or [0.4, 0.5, 0.6, 0.62]:
        k = int(np.sum(old >= t))
        # the lowest new P(negative) among the k most negative turns: flags the same k turns
        anchored = float(ranked[k - 1]) if k else float(ranked[0]) + 1e-6
        print(f"{t:>9.2f}  {k / len(texts):>6.3f}  {anchored:>13.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
