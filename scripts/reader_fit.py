"""What the fit scripts of the learned readers share (``fit_hangup_reader.py``,
``fit_context_reader.py``): a sparse matrix of named features, a logistic regression
(scikit-learn, L2), leave-one-group-out probabilities, and the JSON form that
``toneprobe.detectors.linear_reader.parse_reader`` reads.

Each example is a dict with ``group`` (its source file or labelled set), ``label`` and ``x``
(feature name -> value; word features ``w:...``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

MIN_DF = 3  # a word feature must occur in this many examples


def macro_f1(classes: Sequence[str], gold: Sequence[str], pred: Sequence[str]) -> float:
    """Macro-F1 over the ``classes`` that occur in ``gold`` or ``pred``."""
    f1s = []
    for c in classes:
        tp = sum(g == c and p == c for g, p in zip(gold, pred, strict=True))
        fp = sum(g != c and p == c for g, p in zip(gold, pred, strict=True))
        fn = sum(g == c and p != c for g, p in zip(gold, pred, strict=True))
        if tp + fp + fn:
            f1s.append(2 * tp / (2 * tp + fp + fn))
    return sum(f1s) / len(f1s) if f1s else 0.0


def binary_f1(gold: Sequence[bool], pred: Sequence[bool]) -> float:
    """F1 of the positive answer (a disrespectful call or turn)."""
    tp = sum(g and p for g, p in zip(gold, pred, strict=True))
    fp = sum(p and not g for g, p in zip(gold, pred, strict=True))
    fn = sum(g and not p for g, p in zip(gold, pred, strict=True))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def vocabulary(rows: Sequence[dict[str, Any]], dense: Sequence[str]) -> list[str]:
    """The dense features, then every word feature in at least ``MIN_DF`` examples."""
    df: dict[str, int] = {}
    for r in rows:
        for k in r["x"]:
            if k.startswith("w:"):
                df[k] = df.get(k, 0) + 1
    return [*dense, *sorted(k for k, n in df.items() if n >= MIN_DF)]


def matrix(rows: Sequence[dict[str, Any]], names: Sequence[str]) -> Any:
    from scipy.sparse import csr_matrix

    col = {k: i for i, k in enumerate(names)}
    data, indices, indptr = [], [], [0]
    for r in rows:
        for k, v in r["x"].items():
            if v and k in col:
                indices.append(col[k])
                data.append(float(v))
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(rows), len(names)))


def fit(
    rows: Sequence[dict[str, Any]],
    classes: Sequence[str],
    dense: Sequence[str],
    c: float,
    balanced: bool,
) -> tuple[list[str], Any]:
    from sklearn.linear_model import LogisticRegression

    names = vocabulary(rows, dense)
    clf = LogisticRegression(
        C=c, max_iter=3000, class_weight="balanced" if balanced else None, random_state=0
    )
    clf.fit(matrix(rows, names), [classes.index(r["label"]) for r in rows])
    return names, clf


def probabilities(clf: Any, x: Any, n_classes: int) -> np.ndarray:
    """(n, n_classes) probabilities, also for classes the training part did not hold."""
    p = clf.predict_proba(x)
    full = np.zeros((x.shape[0], n_classes))
    full[:, clf.classes_] = p
    return full


def out_of_group(
    rows: list[dict[str, Any]],
    classes: Sequence[str],
    dense: Sequence[str],
    c: float,
    balanced: bool,
    train_only: Sequence[bool] | None = None,
) -> np.ndarray:
    """Each example's probabilities from a reader fitted without its group (examples marked
    ``train_only`` False are predicted but never trained on)."""
    probs = np.zeros((len(rows), len(classes)))
    usable = train_only if train_only is not None else [True] * len(rows)
    for g in sorted({r["group"] for r in rows}):
        train = [r for r, ok in zip(rows, usable, strict=True) if r["group"] != g and ok]
        test = [i for i, r in enumerate(rows) if r["group"] == g]
        names, clf = fit(train, classes, dense, c, balanced)
        probs[test] = probabilities(clf, matrix([rows[i] for i in test], names), len(classes))
    return probs


def exported(
    rows: Sequence[dict[str, Any]], names: Sequence[str], clf: Any, classes: Sequence[str]
) -> dict[str, Any]:
    """``intercept``, ``coef`` (one weight per class; a binary model as 0 for the first class)
    and ``mean`` of the fitted reader; word features whose weights are all under 0.02 are
    left out."""
    x = matrix(rows, names)
    mean = np.asarray(x.mean(axis=0)).ravel()
    coef = np.zeros((len(names), len(classes)))
    intercept = np.zeros(len(classes))
    if len(classes) == 2 and clf.coef_.shape[0] == 1:
        coef[:, 1] = clf.coef_[0]
        intercept[1] = clf.intercept_[0]
    else:
        coef[:, clf.classes_] = clf.coef_.T
        intercept[clf.classes_] = clf.intercept_
    keep = [i for i, k in enumerate(names) if not k.startswith("w:") or abs(coef[i]).max() >= 0.02]
    return {
        "intercept": {k: round(float(v), 4) for k, v in zip(classes, intercept, strict=True)},
        "coef": {names[i]: [round(float(v), 4) for v in coef[i]] for i in keep},
        "mean": {names[i]: round(float(mean[i]), 4) for i in keep},
    }
