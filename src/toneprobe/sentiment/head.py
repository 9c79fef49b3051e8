"""A small non-linear correction on top of the linear model's logits (stacking).

The linear model sees each n-gram on its own. The head is a one-hidden-layer network that
reads the linear model's (temperature-scaled) logits together with the pooled word vectors and
a few surface features of the text (length, "!", "?", a URL, an @-mention, a hashtag, a smile
or a frown, the share of capitals) and adds a correction to the logits. It is trained on
out-of-fold logits, so it learns how far to trust the linear model for which kind of text, not
the training rows by heart.

Inference is numpy only; the weights are stored in ``weights.npz`` beside the linear ones.
Several networks trained from different seeds are merged into one wider network whose output
is their average (their hidden layers side by side), so an ensemble costs one matrix product.
Training (``fit_head``) uses torch and runs at training time only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from toneprobe.sentiment.features import emoticon_class

SURFACE_FEATURES = (
    "log_tokens",
    "exclamation",
    "question",
    "url",
    "mention",
    "hashtag",
    "smile",
    "frown",
    "capitals",
)


def surface_features(texts: Sequence[str], token_lists: Sequence[Sequence[str]]) -> np.ndarray:
    """(n, len(SURFACE_FEATURES)) float32: cheap cues of register and tone per text.

    ``token_lists`` are the featurizer's tokens of the same texts (normalised: a URL is
    ``urlxx``, an @-mention ``userxx``).
    """
    out = np.zeros((len(texts), len(SURFACE_FEATURES)), dtype=np.float32)
    for r, (text, toks) in enumerate(zip(texts, token_lists, strict=True)):
        # only symbols and "xd"-like words can be emoticons; skip the plain words quickly
        classes = {emoticon_class(t) for t in toks if not t.isalpha() or t[0] == "x"}
        letters = sum(map(str.isalpha, text))
        out[r] = (
            np.log1p(len(toks)),
            "!" in text,
            "?" in text,
            "urlxx" in toks,
            "userxx" in toks,
            "#" in text,
            "emo+" in classes,
            "emo-" in classes,
            sum(map(str.isupper, text)) / letters if letters else 0.0,
        )
    return out


@dataclass
class Head:
    """``z + relu([z, x, e, s] @ w1 + b1) @ w2 + b2`` for logits z, text vector e, surface s.

    ``x`` are optional further linear outputs that the head reads but does not correct (the
    per-source experts and the source gate, see ``fitting.fit_experts``); the correction is
    added to the first ``n_classes`` columns, the model's own logits.
    """

    w1: np.ndarray  # (n_classes + emb_dim + n_surface, hidden) float32
    b1: np.ndarray  # (hidden,)
    w2: np.ndarray  # (hidden, n_classes)
    b2: np.ndarray  # (n_classes,)

    @property
    def n_inputs(self) -> int:
        return int(self.w1.shape[0])

    @property
    def hidden(self) -> int:
        return int(self.w1.shape[1])

    def check(self, n_classes: int, emb_dim: int, n_logits: int | None = None) -> str | None:
        """Why the arrays do not fit a model with these sizes, or None if they do.

        ``n_logits``: how many linear outputs the head reads (default: ``n_classes``)."""
        expected = (n_logits or n_classes) + emb_dim + len(SURFACE_FEATURES)
        if self.n_inputs != expected:
            return f"head takes {self.n_inputs} inputs, the model gives {expected}"
        if self.b1.shape != (self.hidden,) or self.w2.shape != (self.hidden, n_classes):
            return "head layer shapes do not match"
        if self.b2.shape != (n_classes,):
            return "head output size does not match the labels"
        return None

    def apply(self, z: np.ndarray, emb: np.ndarray | None, surface: np.ndarray) -> np.ndarray:
        parts = [z.astype(np.float32)]
        if emb is not None:
            parts.append(emb.astype(np.float32))
        parts.append(surface)
        x = np.hstack(parts)
        h = np.maximum(x @ self.w1 + self.b1, 0.0)
        return z[:, : self.w2.shape[1]] + (h @ self.w2 + self.b2).astype(np.float64)

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "head_w1": self.w1.astype(np.float32),
            "head_b1": self.b1.astype(np.float32),
            "head_w2": self.w2.astype(np.float32),
            "head_b2": self.b2.astype(np.float32),
        }

    @classmethod
    def average(cls, heads: Sequence[Head]) -> Head:
        """One head whose correction is the mean of the given heads' corrections."""
        k = len(heads)
        return cls(
            np.hstack([h.w1 for h in heads]),
            np.concatenate([h.b1 for h in heads]),
            np.vstack([h.w2 / k for h in heads]).astype(np.float32),
            (np.sum([h.b2 for h in heads], axis=0) / k).astype(np.float32),
        )

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Head | None:
        if "head_w1" not in arrays:
            return None
        return cls(
            arrays["head_w1"].astype(np.float32),
            arrays["head_b1"].astype(np.float32),
            arrays["head_w2"].astype(np.float32),
            arrays["head_b2"].astype(np.float32),
        )


def fit_head(
    z: np.ndarray,
    emb: np.ndarray | None,
    surface: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    *,
    n_classes: int | None = None,
    hidden: int = 64,
    seeds: int = 3,
    seed: int = 13,
    epochs: int = 30,
    weight_decay: float = 1e-2,
    dropout: float = 0.2,
) -> Head:
    """Train ``seeds`` networks on out-of-fold logits ``z`` and merge them into one Head.

    The head corrects the first ``n_classes`` columns of ``z`` (default: all of them) and reads
    the rest as further inputs. Weighted cross-entropy (``weights`` per row), AdamW,
    mini-batches of 128, dropout on the inputs. Deterministic for a seed (one thread while training).
    """
    import torch

    n_classes = n_classes or z.shape[1]
    parts = [z.astype(np.float32)] + ([emb.astype(np.float32)] if emb is not None else [])
    X = torch.from_numpy(np.hstack([*parts, surface.astype(np.float32)]))
    base = torch.from_numpy(z[:, :n_classes].astype(np.float32))
    Y = torch.from_numpy(np.asarray(y, dtype=np.int64))
    W = torch.from_numpy(np.asarray(weights, dtype=np.float32))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    heads = []
    try:
        for s in range(seeds):
            gen = torch.Generator().manual_seed(seed * 1000 + s)
            torch.manual_seed(seed * 1000 + s)
            first = torch.nn.Linear(X.shape[1], hidden)
            last = torch.nn.Linear(hidden, n_classes)
            net = torch.nn.Sequential(torch.nn.Dropout(dropout), first, torch.nn.ReLU(), last)
            opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=weight_decay)
            for _ in range(epochs):
                net.train()
                perm = torch.randperm(len(Y), generator=gen)
                for i in range(0, len(Y), 128):
                    b = perm[i : i + 128]
                    loss = torch.nn.functional.cross_entropy(
                        net(X[b]) + base[b], Y[b], reduction="none"
                    )
                    opt.zero_grad()
                    (loss * W[b]).mean().backward()
                    opt.step()
            heads.append(
                Head(
                    first.weight.detach().numpy().T.copy(),
                    first.bias.detach().numpy().copy(),
                    last.weight.detach().numpy().T.copy(),
                    last.bias.detach().numpy().copy(),
                )
            )
    finally:
        torch.set_num_threads(threads)
    return Head.average(heads)
