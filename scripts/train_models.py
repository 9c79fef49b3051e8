"""Re-derive the two shipped embedded models from the shared corpora and the call-center data.

    python scripts/train_models.py [--data ../shared/data] [--only sentiment|offense|states]

Sentiment: SB10k + PotTS + GermEval 2017 (cross-fitted, it only has a dev file here) +
the project's call-center utterances (data/callcenter/); with --train-styles also the
project's lines in other genres and voices (data/styles/: reviews, forum posts, chat, news,
dialogue; issue 12; measured, not shipped: STYLES_CANDIDATE), whose dev split is always
reported. Offense: GermEval 2018.
Customer states: data/customer_states/ (sentiment/train_states.py) on the word-vector table
of --state-table (default: the one models/customer-states-de ships, shared with the agent-move
model; give the sentiment model's directory to move both to its table, and retrain the move
model with scripts/train_moves.py --table on the same).
Hyperparameters are chosen by cross-validation on the training files; dev sets only report.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from toneprobe.sentiment.longtext import LongText  # noqa: E402
from toneprobe.sentiment.train import Hyper, train_offense, train_sentiment  # noqa: E402
from toneprobe.sentiment.train_states import StateHyper, train_states  # noqa: E402

SEED = 13
# candidates compared by 5-fold cross-validation on the training files (mean per-source macro-F1)
SENTIMENT_EMB_DIM = 128
SENTIMENT_CV_FOLDS = 5
# The stacked correction head (64 hidden units x 3 seeds) reads the logits, one expert per
# source and the source gate. Earlier grids, same CV (mean per-source macro-F1 of the linear
# part, before the 36 closing lines of data/callcenter/train.tsv): mean pooling 0.6595,
# mean+max+min 0.6639, mean+max+min with the text vector weighted 2.0 0.6662 (3.0: 0.6642).
# Head CV of the last on its out-of-fold logits: 0.6716 without the experts and the gate,
# 0.6812 with them (callcenter 0.835 -> 0.840, germeval2017 0.558 -> 0.565, potts 0.617 ->
# 0.635, sb10k 0.676 -> 0.685).
_SENTIMENT_BASE = {"C": 1.0, "nb_mix": 0.5, "source_boost": {"callcenter": 2.0}, "head_hidden": 64}
SENTIMENT_GRID = [
    Hyper(**_SENTIMENT_BASE, pooling=("mean", "max", "min"), emb_weight=2.0, experts=True),
]
# --candidate (issue 12, not shipped): the call-center rows also trained in ASR form (lower
# case, no punctuation, half weight) and data/callcenter/candidates.tsv added (137 lines for
# failure modes on German the project did not write; its "Gut." replaces the neutral one).
# Measured 2026-12-04 against the shipped configuration re-derived by this script, both with
# the long-text reading (min_words 25, whole_weight 0.5, last_weight 2.0): product reviews
# 0.717 -> 0.739, subtitles 0.432 -> 0.443, news 0.458 -> 0.464, dialogue 0.454 -> 0.454; dev
# SB10k 0.702 -> 0.695, PotTS 0.658 -> 0.646, GermEval 2017 (cross-fitted) 0.544 -> 0.543,
# call-center 0.830 -> 0.836; behavioural suite MFT 0.76 -> 0.82, INV 0.88 -> 0.85, DIR 0.78 ->
# 0.70. With re-anchored detector thresholds it raised de-escalation F1 on every labelled call
# set but dev2's per-agent Spearman fell to 0.754 (< 0.8): not shipped.
CANDIDATE_GRID = [
    Hyper(
        **_SENTIMENT_BASE,
        pooling=("mean", "max", "min"),
        emb_weight=2.0,
        experts=True,
        asr_copies=("callcenter",),
    ),
]
# Reading long multi-sentence texts sentence by sentence (longtext.py) is an option of the
# model format, off in the shipped model. Measured 2026-12-04 (models re-derived with this
# script): min_words 25, whole_weight 0.5, last_weight 2.0 raised product reviews (binary)
# 0.704 -> 0.717 and kept SB10k, PotTS, call-center dev and the other out-of-domain sets within
# 0.003, but lowered GermEval 2017 (cross-fitted; 41 % of its texts have 25+ words) 0.554 ->
# 0.544, under its 0.55 bar. whole_weight 0.7 with last_weight 1.0 keeps the review gain and
# costs GermEval less in-sample; not yet measured cross-fitted.
SENTIMENT_LONG_TEXT: LongText | None = None
# STYLES_CANDIDATE (--train-styles, not shipped): data/styles/train.tsv (1,633 project-written
# lines in other genres) as one more source, everything else as shipped. Measured 2026-12-05
# (shipped -> candidate; macro-F1): SB10k dev 0.700 -> 0.687, PotTS dev 0.658 -> 0.647,
# GermEval 2017 cross-fitted 0.554 -> 0.555, call-center dev 0.826 -> 0.823, styles dev 0.643 ->
# 0.823; out of domain: product reviews 0.704 -> 0.799 (inflated: the styles lines were written
# against that set's failure modes), dialogue 0.454 -> 0.475, news 0.459 -> 0.459, subtitles
# 0.431 -> 0.460; ASR label changes 4.2 % -> 3.9 %; suite MFT 0.76 -> 0.85, INV 0.88 -> 0.88,
# DIR 0.78 -> 0.75. The detectors read it worse: de-escalation F1 on the held-out calls 0.783
# -> 0.745 with the shipped upset thresholds, 0.679 with thresholds refitted on the six tuning
# sets (which then read upset from sentiment alone). Not shipped until the upset reading is
# re-derived so that the held-out calls keep their figures.
# Option, off: a word-vector table that also covers the N most frequent words of German
# (`pip install wordfreq`), not only the training vocabulary. In a linear-only comparison on
# 2026-12-04 (50,000 words, with the candidate's data) it moved the dev and out-of-domain sets
# by -0.009 to +0.007: no gain worth the larger table.
SENTIMENT_EXTRA_WORDS = 0
# Customer states (issue 13 item 5). Measured 2026-12-04 by 5-fold CV on train.tsv (macro-F1;
# dev.tsv only reports): TF-IDF alone 0.804 (dev 0.778), with the sentiment model's word
# vectors 0.822 (dev 0.787; ASR form 0.771). Adding SB10k's negative tweets as weak
# anger_frustration rows at weight 0.2 (StateHyper(weak={"sb10k_train": 0.2})): CV 0.817, dev
# 0.776 (ASR form 0.776): not shipped. 2026-12-06, 4,675 training rows (batches 1-52): n-grams
# seen once kept (min_df 1) CV 0.8466, dev 0.832, 65,630 features; min_df 2 CV 0.8453, dev 0.831,
# 56,943 features (the size of the 3,159-row model's 50,422): shipped, for memory per worker.
STATES_GRID = [StateHyper(C=4.0, embedding="sentiment", min_df=2)]
# --transfer FILE (issue 12, distillation): rows labelled by a sentence-embedding
# teacher (scripts/distill.py, toneprobe.sentiment.distill) as one more source, "transfer"
# (the grid gives it no extra boost). Measured 2026-12-04 (data/OOD.md): an e5 teacher beats
# this model out of domain but is far too slow to run at inference; 487 of its rows moved the
# linear part's dev and out-of-domain figures by -0.006..+0.020. Full run 2026-12-05: 9,768 rows
# labelled by the e5 teacher mixed with this model (scripts/distill.py --teacher-weight 0.5) over
# call-center lines and tweets moved every dev and out-of-domain set by less than its interval
# (news 0.459 -> 0.464, PotTS dev 0.658 -> 0.644, ASR share 4.2 -> 4.6 %): not shipped.
# Shipped since the sixth session (`make model`): the same teacher over those texts plus
# 13,741 forum, YouTube, social-media, news, newspaper and civic texts that others wrote
# (scripts/transfer_corpora.py), source "transfer_genres": every out-of-domain set and the
# behavioural suite up (reviews 0.704 -> 0.735, news 0.459 -> 0.486), PotTS dev 0.658 -> 0.644.
# Shipped since the tenth session (2026-12-06): the project's customer messages and texts about
# services (data/customer_text, source "customer_text", 1,404 lines by two writers) and the 137
# candidate lines folded into the call-center file, with the transfer rows re-labelled by the
# teacher mix (32,858 rows). Against the model before (macro-F1): SB10k dev 0.701 -> 0.690,
# PotTS dev 0.644 -> 0.648, GermEval 2017 cross-fitted 0.572 -> 0.566, call-center dev 0.824
# -> 0.814, customer chat dev (data/customer_text, other writers) 0.825 -> 0.837; out of domain
# reviews 0.731 -> 0.781, dialogue 0.478 -> 0.478, news 0.486 -> 0.498, subtitles 0.450 ->
# 0.480; ASR-form label changes 4.4 % -> 1.9 %; behavioural suite MFT 0.78 -> 0.85, INV 0.91
# -> 0.94, DIR 0.83 -> 0.88. With --train-styles as well: reviews 0.826 (inflated, see
# STYLES_CANDIDATE), news 0.476, subtitles 0.470, dialogue 0.474, call-center dev 0.821,
# GermEval 2017 0.580, customer chat dev 0.830: not shipped (it loses news and subtitles).
# Shipped since the twelfth session (2026-12-06): data/callcenter/extra (1,830 call-center
# lines in four more voices: careful phone transcripts, raw speech recognition with regional
# speech, typed service chats, phone calls in other domains) folded into the call-center
# source, everything else as before (linear CV 0.7553 -> 0.7477, head CV 0.767 -> 0.762: the
# CV's call-center rows now include the harder new voices). Dev macro-F1: SB10k 0.690 -> 0.701,
# PotTS 0.648 -> 0.646, GermEval 2017 (cross-fitted) 0.566 -> 0.563, call-center 0.814 ->
# 0.856, customer chat 0.837 -> 0.844, styles 0.692 -> 0.695; out of domain: reviews 0.781 ->
# 0.790, news 0.498 -> 0.511, dialogue 0.478 -> 0.454, subtitles 0.480 -> 0.466; ASR-form
# label changes 1.9 % -> 2.3 %; behavioural suite MFT 0.85 -> 0.89, INV 0.94 -> 0.95, DIR 0.88
# -> 0.84. Training took 56 minutes on the 2-core machine (5-fold CV, head, cross-fitting).
OFFENSE_GRID = [Hyper(C=c) for c in (2.0, 4.0, 8.0)] + [Hyper(C=4.0, nb_mix=0.5)]


def _extra_lines(cc: Path) -> list[str]:
    """``label<TAB>text`` rows of data/callcenter/extra/*.tsv (columns scenario, speaker, label,
    text: call-center lines by other voices, see the README's "More voices")."""
    rows = []
    for path in sorted((cc / "extra").glob("*.tsv")):
        lines = path.read_text(encoding="utf-8").splitlines()
        if lines[0].split("\t") != ["scenario", "speaker", "label", "text"]:
            raise SystemExit(f"{path}:1: expected the header scenario, speaker, label, text")
        rows += ["\t".join(line.split("\t")[2:]) for line in lines[1:] if line.strip()]
    return rows


def _with_candidates(cc: Path, out: Path) -> Path:
    """train.tsv plus candidates.tsv and extra/*.tsv as one call-center file (a candidate's
    text replaces a training line with the same words, e.g. the relabelled "Gut."; an extra
    line whose words are already there is left out), written under ``out``."""

    def key(line: str) -> str:
        return " ".join(re.findall(r"\w+", line.split("\t", 1)[-1].lower()))

    train = (cc / "train.tsv").read_text(encoding="utf-8").splitlines()
    extra = (cc / "candidates.tsv").read_text(encoding="utf-8").splitlines()[1:]
    replaced = {key(line) for line in extra}
    rows = [train[0]] + [line for line in train[1:] if key(line) not in replaced] + extra
    seen = {key(line) for line in rows[1:]}
    for line in _extra_lines(cc):
        if key(line) not in seen:
            seen.add(key(line))
            rows.append(line)
    path = out / "callcenter" / "train.tsv"  # source name "callcenter"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def sentiment_files(
    data: Path,
    cc: Path,
    styles: Path,
    train_on_styles: bool = False,
    customer_text: Path = REPO / "data" / "customer_text",
) -> tuple[list[Path], dict[str, Path]]:
    """The sentiment model's training files and dev sets (by metrics key): the shared corpora,
    then the project's call-center lines (source "callcenter"), its customer messages and texts
    about services (source "customer_text") and its lines in other genres (source "styles",
    trained on only with ``train_on_styles``), each with its dev split where the files exist."""
    log = logging.getLogger("train_models")
    train = [data / "sb10k_train.tsv", data / "potts_train.tsv", data / "germeval2017_dev.tsv"]
    dev = {
        "sb10k_dev": data / "sb10k_dev.tsv",
        "potts_dev": data / "potts_dev.tsv",
        "germeval2017_dev_relevant": data / "germeval2017_dev.tsv",
    }
    for name, folder, trains in (
        ("callcenter", cc, True),
        ("customer_text", customer_text, True),
        ("styles", styles, train_on_styles),
    ):
        if trains and (folder / "train.tsv").is_file():
            train.append(folder / "train.tsv")
        elif trains:
            log.warning("no %s training data at %s", name, folder / "train.tsv")
        if (folder / "dev.tsv").is_file():
            dev[f"{name}_dev"] = folder / "dev.tsv"
    return train, dev


def _frequent_german_words(n: int) -> list[str]:
    """The ``n`` most frequent German words (wordfreq's list; empty for n = 0)."""
    if not n:
        return []
    from wordfreq import top_n_list

    return top_n_list("de", n)


def _long_text(value: str | None) -> LongText | None:
    """``--long-text``: None keeps SENTIMENT_LONG_TEXT, "off" none, else "25,0.7,1.0"."""
    if value is None:
        return SENTIMENT_LONG_TEXT
    if value == "off":
        return None
    n, whole, last = value.split(",")
    return LongText(int(n), float(whole), float(last))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--callcenter", type=Path, default=REPO / "data" / "callcenter")
    ap.add_argument(
        "--styles",
        type=Path,
        default=REPO / "data" / "styles",
        help="the project's lines in other genres (source 'styles'; train.tsv, dev.tsv)",
    )
    ap.add_argument(
        "--customer-text",
        type=Path,
        default=REPO / "data" / "customer_text",
        help="the project's customer chat messages and texts about services (source "
        "'customer_text'; train.tsv, dev.tsv)",
    )
    ap.add_argument(
        "--train-styles",
        action="store_true",
        help="train on the styles lines too (measured candidate, not the shipped model: "
        "see STYLES_CANDIDATE); without it their dev split is only reported",
    )
    ap.add_argument("--out", type=Path, default=REPO / "models")
    ap.add_argument("--only", choices=["sentiment", "offense", "states"])
    ap.add_argument(
        "--state-table",
        type=Path,
        default=REPO / "models" / "customer-states-de",
        help="model directory whose word-vector table the customer-state model uses",
    )
    ap.add_argument("--cv-folds", type=int, default=SENTIMENT_CV_FOLDS, help="sentiment CV folds")
    ap.add_argument("--emb-dim", type=int, default=SENTIMENT_EMB_DIM, help="word-vector size")
    ap.add_argument(
        "--candidate",
        action="store_true",
        help="train the issue-12 candidate grid (the call-center rows also in ASR form)",
    )
    ap.add_argument(
        "--transfer",
        type=Path,
        help="teacher-labelled rows (scripts/distill.py) as one more training source",
    )
    ap.add_argument(
        "--long-text",
        metavar="MIN_WORDS,WHOLE_WEIGHT,LAST_WEIGHT",
        help="read long texts sentence by sentence with these settings (default: "
        "SENTIMENT_LONG_TEXT; 'off' for none)",
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    log = logging.getLogger("train_models")
    data: Path = args.data
    cc: Path = args.callcenter

    if args.only in (None, "sentiment"):
        train, dev = sentiment_files(data, cc, args.styles, args.train_styles, args.customer_text)
        # the call-center lines with data/callcenter/candidates.tsv folded in (shipped since
        # the tenth session; --candidate adds the ASR copies of CANDIDATE_GRID)
        if (cc / "candidates.tsv").is_file():
            folded = _with_candidates(cc, REPO / "build" / "candidates")
            train = [folded if p == cc / "train.tsv" else p for p in train]
        if args.transfer is not None:
            train.append(args.transfer)  # source name from the file: transfer_train.tsv
        m = train_sentiment(
            train,
            dev,
            args.out / "sentiment-de",
            seed=SEED,
            grid=CANDIDATE_GRID if args.candidate else SENTIMENT_GRID,
            emb_dim=args.emb_dim,
            cv_folds=args.cv_folds,
            extra_words=_frequent_german_words(SENTIMENT_EXTRA_WORDS),
            long_text=_long_text(args.long_text),
        )
        log.info("sentiment dev: %s", json.dumps(m["dev"]))

    if args.only in (None, "offense"):
        m = train_offense(
            [data / "germeval2018_train.tsv"],
            {"germeval2018_dev": data / "germeval2018_dev.tsv"},
            args.out / "offense-de",
            seed=SEED,
            grid=OFFENSE_GRID,
        )
        log.info("offense dev: %s", json.dumps(m["dev"]))

    if args.only in (None, "states"):
        states = REPO / "data" / "customer_states"
        m = train_states(
            states / "train.tsv",
            states / "dev.tsv",
            args.out / "customer-states-de",
            grid=STATES_GRID,
            sentiment_model=args.state_table,
            data=data,
            seed=SEED,
        )
        log.info("customer states dev: %s", json.dumps(m["dev"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
