"""Fit a sentence-embedding teacher and write its transfer rows for the embedded model (issue 12).

    python scripts/distill.py [--encoder e5|use] [--data ../shared/data] [--cache DIR]
        [--transfer FILE ...] [--min-confidence 0.8] [--out FILE] [--report]

The teacher (``toneprobe.sentiment.distill``) is a logistic regression over the encoder's
sentence vectors, fitted on the embedded model's labelled training rows (SB10k train, PotTS
train, GermEval 2017 dev, data/callcenter/train.tsv, weighted as the embedded model weights
them). ``--report`` prints its macro-F1 on the dev sets and, with ``--ood DIR``, on the
out-of-domain sets (binary sets count a neutral answer as wrong). Then it labels the transfer
texts (default: data/agent_moves/train.tsv and data/customer_states/train.tsv, plus their ASR
forms, which take the teacher's answer on the written form) and writes the confident rows to
``--out`` as ``label<TAB>text``; ``scripts/train_models.py --transfer FILE`` trains with them.
Texts of any dev or out-of-domain set are never transfer rows. With ``--teacher-weight W`` < 1
the teacher's probabilities are mixed (geometric mean, weight W) with the shipped embedded
model's (``--student``): the two err on different texts, and the mix is the better labeller.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from toneprobe.sentiment.distill import (  # noqa: E402
    ENCODERS,
    blend,
    encode,
    fit_teacher,
    pseudo_labels,
    read_texts,
    write_rows,
)
from toneprobe.sentiment.embedded import EmbeddedBackend  # noqa: E402
from toneprobe.sentiment.ood import score_ood  # noqa: E402
from toneprobe.sentiment.train import (  # noqa: E402
    SENTIMENT_LABELS,
    Hyper,
    _load_sources,
    _sample_weights,
    _stack,
    asr_form,
    macro_f1,
    read_tsv,
)

TEACHER_SOURCES = ("sb10k_train", "potts_train", "germeval2017_dev", "callcenter")
DEFAULT_TRANSFER = ["data/agent_moves/train.tsv", "data/customer_states/train.tsv"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--encoder", choices=ENCODERS, default="e5")
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--callcenter", type=Path, default=REPO / "data" / "callcenter")
    ap.add_argument("--cache", type=Path, default=REPO / "build" / "teacher-cache")
    ap.add_argument(
        "--transfer", type=Path, nargs="*", default=[REPO / p for p in DEFAULT_TRANSFER]
    )
    ap.add_argument("--min-confidence", type=float, default=0.8)
    ap.add_argument("--C", type=float, default=1.0, help="inverse regularisation of the teacher")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=REPO / "build" / "transfer" / "transfer_train.tsv")
    ap.add_argument(
        "--teacher-sources",
        nargs="*",
        choices=TEACHER_SOURCES,
        default=list(TEACHER_SOURCES),
        help="labelled files the teacher is fitted on (germeval2017: long texts, slowest to embed)",
    )
    ap.add_argument(
        "--student",
        type=Path,
        default=REPO / "models" / "sentiment-de",
        help="embedded sentiment model mixed into the teacher's answers (--teacher-weight < 1)",
    )
    ap.add_argument(
        "--teacher-weight",
        type=float,
        default=1.0,
        help="weight of the e5 teacher in the geometric mix with --student (1: teacher alone)",
    )
    ap.add_argument("--ood", type=Path, help="out-of-domain sets to report on (with --report)")
    ap.add_argument("--report", action="store_true", help="print the teacher's dev figures")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    log = logging.getLogger("distill")
    labels = SENTIMENT_LABELS

    files = [
        args.callcenter / "train.tsv" if name == "callcenter" else args.data / f"{name}.tsv"
        for name in args.teacher_sources
    ]
    texts, y, srcs = _stack(_load_sources(files, labels), labels)
    hp = Hyper(source_boost={"callcenter": 2.0})
    w = _sample_weights(srcs, y, len(labels), hp, hp.source_boost)

    def vecs(xs: list[str]) -> np.ndarray:
        return encode(xs, args.encoder, args.cache, threads=args.threads)

    teacher = fit_teacher(vecs(texts), y, w, labels, args.encoder, C=args.C)
    student = EmbeddedBackend(args.student) if args.teacher_weight < 1.0 else None

    def answer(xs: list[str]) -> np.ndarray:
        """The (mixed) teacher's probabilities, in the order of ``labels``."""
        probs = teacher.predict_proba(vecs(xs))
        if student is None:
            return probs
        return blend(probs, student.predict_proba(xs), args.teacher_weight)

    dev = {
        "sb10k_dev": args.data / "sb10k_dev.tsv",
        "potts_dev": args.data / "potts_dev.tsv",
        "callcenter_dev": args.callcenter / "dev.tsv",
    }
    ood = sorted(args.ood.glob("*.tsv")) if args.ood is not None and args.ood.is_dir() else []
    held_out: set[str] = set()
    for path in [*dev.values(), *ood]:
        held_out.update(read_tsv(path, labels).texts)
    if args.report:
        report: dict[str, float] = {}
        for name, path in dev.items():
            d = read_tsv(path, labels)
            gold = np.array([labels.index(lab) for lab in d.labels])
            pred = answer(d.texts).argmax(axis=1)
            report[name] = round(macro_f1(gold, pred, len(labels)), 4)
        for path in ood:
            d = read_tsv(path, labels)
            report[path.stem] = round(score_ood(answer(d.texts), d.labels).macro_f1, 4)
        print(
            json.dumps({"encoder": args.encoder, "teacher_weight": args.teacher_weight, **report})
        )

    written = [t for p in args.transfer for t in read_texts(p)]
    written = [t for t in dict.fromkeys(written) if t not in held_out]
    probs = answer(written)
    spoken = [asr_form(t) for t in written]
    rows = pseudo_labels(written + spoken, np.vstack([probs, probs]), labels, args.min_confidence)
    rows = [(lab, t) for lab, t in rows if t and t not in held_out]
    write_rows(rows, args.out)
    counts = {lab: sum(1 for r in rows if r[0] == lab) for lab in labels}
    log.info("%d transfer rows (of %d texts) -> %s %s", len(rows), len(written), args.out, counts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
