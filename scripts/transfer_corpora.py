"""Build the unlabelled transfer text for distilling the e5 teacher into the embedded model (issue 12).

    python scripts/transfer_corpora.py [--mirrors /work/.mirror] [--out build/transfer/genres.tsv]
        [--seed 12]

The distillation of the fourth session taught the student only on call-center lines and tweets,
the genres it already reads, and the teacher's out-of-domain gain did not reach it
(``data/OOD.md``). This is the text it lacked: forum and social-media comments, news, civic
proposals, all written by people outside the project, read from the German datasets that
LSX-UniWue/SuperGLEBer (the German NLU benchmark, Pfister & Hotho 2024) keeps in its repository:

- ``germeval2021``: Facebook comments on a German political talk show (GermEval 2021, Risch et al.
  2021), training split; the task labels (toxic, engaging, fact-claiming) are not used;
- ``flausch``: YouTube comments (GermEval 2025 "Flausch-Erkennung", candy speech), training split;
- ``harmful``: social-media posts (GermEval 2025 harmful content: c2a, dbo, vio), training splits;
- ``news``: German news titles and leads (XGLUE news classification, Liang et al. 2020), split
  into sentences;
- ``civic``: proposals and comments from German citizen-participation platforms (CIMT argument
  mining, Romberg & Conrad 2021), training split;
- ``newspaper``: newspaper sentences of the verbal-idiom shared task (Ehren et al. 2020; taz
  sentences), training split, detokenised.

None of the reserved sources of issue 12 is read here, and no test split. Texts that also occur
in the training data, the dev sets or the out-of-domain sets (``--exclude``) are dropped. The
labels of those datasets are never read. The output (``text`` column, one text per line) is
NOT committed: the sources state research licences or none. This script is the recipe;
``scripts/distill.py --transfer OUT`` labels it with the teacher.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ood_sets import Mirror, clean_text, looks_german, norm_key, training_texts  # noqa: E402

REPOSITORY = "LSX-UniWue/SuperGLEBer"
_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ\"„])")
_TAG = re.compile(r"</?b>")
_DETOK = [(re.compile(r" ([.,;:!?)\]])"), r"\1"), (re.compile(r"([(\[„]) "), r"\1")]


def _csv_column(text: str, column: str, delimiter: str = ",") -> Iterator[str]:
    for row in csv.DictReader(io.StringIO(text), delimiter=delimiter):
        value = row.get(column)
        if value:
            yield value


def germeval2021(m: Mirror) -> Iterator[str]:
    yield from _csv_column(m.read("data/Germeval/2021/train.csv"), "comment_text")


def flausch(m: Mirror) -> Iterator[str]:
    yield from _csv_column(m.read("data/Germeval/2025/FlauschErkennung/task1/train.csv"), "comment")


def harmful(m: Mirror) -> Iterator[str]:
    for part in ("c2a", "dbo", "vio"):
        text = m.read(f"data/Germeval/2025/HarmfulContent/{part}/train.csv")
        yield from _csv_column(text, "description", delimiter=";")


def news(m: Mirror) -> Iterator[str]:
    """Titles and the first two sentences of each lead (the file is title<TAB>body<TAB>class)."""
    for line in m.read("data/XGlue/News_Class/dev.txt").splitlines():
        cols = line.split("\t")
        if len(cols) < 2:
            continue
        yield cols[0]
        yield from _SENT_END.split(clean_text(cols[1]))[:2]


def civic(m: Mirror) -> Iterator[str]:
    for line in m.read("data/Argument_Mining/train.tsv").splitlines():
        cols = line.split("\t")
        if len(cols) >= 2:
            yield cols[1]


def newspaper(m: Mirror) -> Iterator[str]:
    for line in m.read("data/Verbal_Idioms/train.tsv").splitlines():
        cols = line.split("\t")
        if len(cols) < 4:
            continue
        text = _TAG.sub("", cols[3])
        for pattern, repl in _DETOK:
            text = pattern.sub(repl, text)
        yield text


# name -> (reader, at most this many texts)
SOURCES: dict[str, tuple[Callable[[Mirror], Iterator[str]], int]] = {
    "germeval2021": (germeval2021, 3000),
    "flausch": (flausch, 3000),
    "harmful": (harmful, 2000),
    "news": (news, 3000),
    "civic": (civic, 1500),
    "newspaper": (newspaper, 2000),
}


def collect(
    mirror: Mirror, exclude: set[str], seed: int, min_words: int = 2, max_words: int = 80
) -> dict[str, list[str]]:
    """Per source: unique German texts of ``min_words``-``max_words`` words not in ``exclude``,
    sampled with a fixed seed (sorted first, so the sample does not depend on file order)."""
    out: dict[str, list[str]] = {}
    seen = set(exclude)
    for name, (reader, limit) in SOURCES.items():
        pool: list[str] = []
        for raw in reader(mirror):
            text = clean_text(raw)
            key = norm_key(text)
            n = len(text.split())
            if key in seen or not min_words <= n <= max_words or not looks_german(text):
                continue
            seen.add(key)
            pool.append(text)
        pool.sort()
        if len(pool) > limit:
            pool = sorted(random.Random(seed).sample(pool, limit))
        out[name] = pool
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--out", type=Path, default=REPO / "build" / "transfer" / "genres.tsv")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument(
        "--exclude",
        type=Path,
        nargs="*",
        default=[
            REPO.parent / "shared" / "data",
            REPO / "data" / "callcenter",
            REPO.parent / "ood",
        ],
        help="directories whose *.tsv texts are never transfer text",
    )
    args = ap.parse_args(argv)
    mirror = Mirror.open(args.mirrors, REPOSITORY)
    texts = collect(mirror, training_texts(args.exclude), args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="") as fh:
        fh.write("source\ttext\n")
        for name, rows in texts.items():
            fh.writelines(f"{name}\t{t}\n" for t in rows)
    counts = ", ".join(f"{k} {len(v)}" for k, v in texts.items())
    print(
        f"{sum(map(len, texts.values()))} texts ({counts}) from {REPOSITORY} "
        f"{mirror.commit[:10]} -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
