"""Fitting the stacked correction head (``head.py``) on out-of-fold linear outputs.

Training time only: ``head.fit_head`` uses torch; ``head.py`` itself stays numpy-only for
inference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from toneprobe.sentiment.embedded import LinearModel
from toneprobe.sentiment.fitting import Hyper, _folds
from toneprobe.sentiment.head import fit_head, surface_features
from toneprobe.sentiment.metrics import macro_f1


@dataclass
class _HeadRows:
    """What the head is trained on: out-of-fold head inputs (``head_inputs``: the scaled
    logits, then those of the experts and the gate), labels and row weights."""

    z: np.ndarray
    y: np.ndarray
    weights: np.ndarray

    def fit(self, model: LinearModel, texts: Sequence[str], rows: np.ndarray, hp: Hyper, seed: int):
        """A head for ``model`` trained on ``rows`` (text vectors from the model's own table)."""
        sub = [texts[i] for i in rows]
        _, tokens, vecs = model.parts(sub)
        return fit_head(
            self.z[rows],
            vecs,
            surface_features(sub, tokens),
            self.y[rows],
            self.weights[rows],
            n_classes=len(model.labels),
            hidden=hp.head_hidden,
            seeds=hp.head_seeds,
            seed=seed,
        )

    def cross_validate(
        self,
        model: LinearModel,
        texts: Sequence[str],
        sources: Sequence[str],
        hp: Hyper,
        seed: int,
        k: int,
    ) -> dict[str, object]:
        """k-fold CV of the head on the OOF logits: mean per-source macro-F1, with and without."""
        strata = np.array([f"{s}|{v}" for s, v in zip(sources, self.y, strict=True)])
        pred = np.zeros(len(self.y), dtype=np.int64)
        for fold in _folds(len(self.y), k, seed + 1, strata):
            keep = np.setdiff1d(np.arange(len(self.y)), fold)
            head = self.fit(model, texts, keep, hp, seed)
            sub = [texts[i] for i in fold]
            _, tokens, vecs = model.parts(sub)
            pred[fold] = head.apply(self.z[fold], vecs, surface_features(sub, tokens)).argmax(1)
        src = np.asarray(sources)
        n_cls = len(model.labels)
        names = sorted(set(sources))
        per = {s: round(macro_f1(self.y[src == s], pred[src == s], n_cls), 4) for s in names}
        base = self.z[:, :n_cls].argmax(axis=1)
        per_base = {s: round(macro_f1(self.y[src == s], base[src == s], n_cls), 4) for s in names}
        return {
            "cv_macro_f1": round(float(np.mean(list(per.values()))), 4),
            "per_source": per,
            "linear_cv_macro_f1": round(float(np.mean(list(per_base.values()))), 4),
            "linear_per_source": per_base,
            "hidden": hp.head_hidden * hp.head_seeds,
        }
