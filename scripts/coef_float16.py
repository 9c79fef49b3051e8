"""Store a linear model's coefficient matrix in half precision (float16), in place.

    python scripts/coef_float16.py [MODEL_DIR ...]     # default: models/sentiment-de

The coefficient matrix is the largest array of the embedded sentiment model (one row per word
or character n-gram, one column per class, expert class and source). It is memory-mapped from
``weights.npz``, so its pages count in the resident set of every scoring process that touches
them; half precision halves that. The loader reads float16 coefficients as they are (no copy):
each text's rows are taken from the mapped matrix and multiplied in float32. Coefficients keep
three significant digits; on the dev sets, out-of-domain sets and behavioural suite the
labels stay the same for all but a handful of texts (figures in the model card).
``make model`` runs it after training.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from toneprobe.sentiment.card import refresh_card
from toneprobe.sentiment.train import measure_model
from toneprobe.sentiment.weights import write_weights

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MODELS = [REPO / "models" / "sentiment-de"]


def to_float16(model_dir: Path) -> tuple[int, int]:
    """Rewrite ``coef`` as float16; returns its size in bytes before and after."""
    path = model_dir / "weights.npz"
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}  # in memory: the file is replaced below
    coef = arrays["coef"]
    before = coef.nbytes
    if coef.dtype != np.float16:
        if np.abs(coef).max() >= np.finfo(np.float16).max:
            raise SystemExit(f"{model_dir}: coefficients too large for float16")
        arrays["coef"] = coef.astype(np.float16)
        write_weights(path, arrays)  # written beside and renamed over the old file
    return before, arrays["coef"].nbytes


def remeasure(model_dir: Path) -> None:
    """Size, load time and speed in ``metrics.json`` and the model card, as now stored."""
    path = model_dir / "metrics.json"
    metrics = json.loads(path.read_text(encoding="utf-8"))
    metrics.update(measure_model(model_dir, str(metrics["task"])))
    path.write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    refresh_card(model_dir)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("models", nargs="*", type=Path, default=DEFAULT_MODELS)
    for model_dir in ap.parse_args().models:
        before, after = to_float16(model_dir)
        if after != before:
            remeasure(model_dir)
        print(f"{model_dir}: coef {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
