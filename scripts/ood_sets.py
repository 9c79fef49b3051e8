"""Build the out-of-domain (OOD) German sentiment dev sets of issue 12 from mirrored repositories.

    python scripts/ood_sets.py [--mirrors /work/.mirror] [--out ../ood] [--max-rows 2000]

Each set is read from a git mirror of a public repository (``<mirrors>/<owner>+<name>/repo``, as
the ``fetch`` tool of the project's workspace lays them out; a plain ``git clone --mirror`` into
that path works too), converted to ``label<TAB>text`` with a header, de-duplicated (case- and
whitespace-insensitive; a text seen with two labels is dropped), cleaned of every text that also
occurs in the training data (``--train-data``), and sampled with a fixed seed to at most
``--max-rows`` rows, at most ``max_rows / n_classes`` per class (so the classes are balanced
where the source allows it; the natural distribution is in the README). The output directory
also gets a ``README.md`` with source, licence, genre, label scheme and counts.

The data is NOT committed (several sources forbid redistribution or state no licence): this
script is the recipe. ``data/OOD.md`` documents the sets. None of the reserved sources of
issue 12 is read here.

Evaluate with ``python scripts/evaluate_models.py --ood ../ood``.
"""

from __future__ import annotations

import argparse
import ast
import csv
import io
import random
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

Row = tuple[str, str]  # (label, text)


@dataclass(frozen=True)
class Mirror:
    """Read-only access to the newest commit of a mirrored repository."""

    git_dir: Path
    commit: str

    @classmethod
    def open(cls, mirrors: Path, repo: str) -> Mirror:
        base = mirrors / repo.replace("/", "+")
        for cand in (base / "repo", base / "repo" / ".git", base):
            if (cand / "HEAD").is_file():
                out = subprocess.run(
                    ["git", "--git-dir", str(cand), "rev-parse", "HEAD"],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                return cls(cand, out.stdout.strip())
        raise FileNotFoundError(f"no mirror of {repo} under {base}")

    def files(self, prefix: str) -> list[str]:
        out = subprocess.run(
            ["git", "--git-dir", str(self.git_dir), "ls-tree", "-r", "--name-only", "HEAD", prefix],
            capture_output=True,
            text=True,
            check=True,
        )
        return sorted(p for p in out.stdout.splitlines() if p)

    def read(self, path: str) -> str:
        out = subprocess.run(
            ["git", "--git-dir", str(self.git_dir), "show", f"HEAD:{path}"],
            capture_output=True,
            check=True,
        )
        return out.stdout.decode("utf-8-sig")


@dataclass(frozen=True)
class OodSet:
    """One OOD dev set: where it comes from, what it is, and how its rows are read."""

    name: str
    repo: str
    genre: str
    scheme: str  # "three-class" or "binary"
    licence: str
    citation: str
    mapping: str
    rows: Callable[[Mirror], Iterable[Row]] = field(repr=False)

    @property
    def labels(self) -> tuple[str, ...]:
        if self.scheme == "binary":
            return ("positive", "negative")
        return ("positive", "negative", "neutral")


# ---------------------------------------------------------------- readers, one per source

_DE_WORDS = frozenset(
    [
        "der",
        "die",
        "das",
        "und",
        "ist",
        "nicht",
        "ich",
        "es",
        "sehr",
        "mit",
        "zu",
        "ein",
        "eine",
        "einen",
        "auch",
        "auf",
        "für",
        "aber",
        "sich",
        "den",
        "dem",
        "wird",
        "war",
        "hat",
        "habe",
        "gut",
        "nur",
        "noch",
        "kann",
        "wie",
        "bei",
        "von",
        "mir",
        "man",
        "wir",
        "sie",
        "schon",
        "leider",
        "super",
        "wenn",
        "nach",
        "dass",
        "immer",
        "mehr",
        "als",
        "oder",
        "ganz",
    ]
)
_EN_WORDS = frozenset(
    [
        "the",
        "and",
        "is",
        "it",
        "not",
        "this",
        "to",
        "of",
        "very",
        "with",
        "for",
        "was",
        "but",
        "i",
        "my",
        "good",
        "great",
        "they",
        "have",
        "are",
        "product",
        "works",
        "so",
    ]
)
# Spanish, French, Italian and Turkish function words: amazon.de carries reviews in those too
_OTHER_WORDS = frozenset(
    [
        "y",
        "el",
        "la",
        "los",
        "las",
        "que",
        "muy",
        "lo",
        "para",
        "con",
        "pero",
        "por",
        "una",
        "del",
        "se",
        "et",
        "est",
        "très",
        "il",
        "pas",
        "une",
        "les",
        "ce",
        "della",
        "che",
        "non",
        "molto",
        "è",
        "ve",
        "bir",
        "çok",
        "için",
        "ama",
        "gerçekten",
    ]
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_NON_GERMAN_LETTERS = re.compile(r"[ñçşğıœ]")


def looks_german(text: str) -> bool:
    """True if a text is more likely German than anything else, by function-word counts
    (German against English, Spanish, French, Italian, Turkish); a text without any of those
    words counts as German if it has an umlaut or ß and no letter foreign to German."""
    words = [w.lower() for w in _WORD.findall(text)]
    de = sum(w in _DE_WORDS for w in words)
    other = sum(w in _EN_WORDS or w in _OTHER_WORDS for w in words)
    if de or other:
        return de > other
    return bool(re.search(r"[äöüßÄÖÜ]", text)) and not _NON_GERMAN_LETTERS.search(text.lower())


def amazon_products(m: Mirror) -> Iterator[Row]:
    """amazon.de product reviews scraped by madvx/NLP_22Z: one Python tuple per line
    (reviewer, '4.0 out of 5 stars' or '4,0 von 5 Sternen', text). 1-2 stars negative,
    4-5 positive, 3 dropped; English reviews dropped."""
    for path in m.files("scrapped_data"):
        for line in m.read(path).splitlines():
            if not line.strip():
                continue
            try:
                _, stars_s, text = ast.literal_eval(line)
            except (ValueError, SyntaxError):
                continue
            stars = int(str(stars_s).replace(",", ".").split(".")[0])
            if stars == 3 or not looks_german(text):
                continue
            yield ("positive" if stars >= 4 else "negative"), text


_MELD_SENTIMENT = {
    "joy": "positive",
    "anger": "negative",
    "sadness": "negative",
    "disgust": "negative",
    "fear": "negative",
    "neutral": "neutral",
}


def meld_friends(m: Mirror) -> Iterator[Row]:
    """MELD (Friends dialogue) with German subtitles aligned by a-rios/emotion_detection:
    emotion -> sentiment (joy positive; anger, sadness, disgust, fear negative; neutral);
    'surprise' is dropped (it is positive or negative in MELD's own sentiment layer);
    utterances without an aligned German subtitle ('NOT FOUND') are dropped."""
    for split in ("train", "dev", "test"):
        text = m.read(f"data/MELD_Friends_German/{split}_de.csv")
        for rec in csv.DictReader(io.StringIO(text)):
            lab = _MELD_SENTIMENT.get(rec["label"].strip())
            utt = rec["utterance_de"]
            if lab is None or "NOT FOUND" in utt:
                continue
            yield lab, utt


# XED numbering: anger 1, anticipation 2, disgust 3, fear 4, joy 5, sadness 6, surprise 7, trust 8
_XED_POS = {5, 8}
_XED_NEG = {1, 3, 4, 6}


def xed_subtitles(m: Mirror) -> Iterator[Row]:
    """XED German film subtitles, emotions projected from English/Finnish annotations:
    joy/trust (and no negative emotion) -> positive; anger/disgust/fear/sadness (and no
    positive emotion) -> negative; anticipation/surprise are ignored; lines with both
    polarities or none are dropped."""
    for line in m.read("Projections/de-projections.tsv").splitlines():
        if "\t" not in line:
            continue
        text, codes_s = line.rsplit("\t", 1)
        try:
            codes = {int(c) for c in codes_s.split(",") if c.strip()}
        except ValueError:
            continue
        pos, neg = bool(codes & _XED_POS), bool(codes & _XED_NEG)
        if pos != neg:
            yield ("positive" if pos else "negative"), text


def sentianno_news(m: Mirror) -> Iterator[Row]:
    """SentiAnno gold standard: sentences from two 19th-century Austrian newspapers,
    majority label of three annotators; 'mixed' is dropped."""
    for rec in csv.DictReader(io.StringIO(m.read("gold_standard.csv"))):
        lab = rec["annotation"].strip().lower()
        if lab in ("positive", "negative", "neutral"):
            yield lab, rec["Sentence"]


# The explicit list of sets (order = report order).
SETS: tuple[OodSet, ...] = (
    OodSet(
        name="amazon_products_de",
        repo="madvx/NLP_22Z",
        genre="product reviews (amazon.de: thermal mugs, dishwasher tablets, washing powder)",
        scheme="binary",
        licence="none stated (reviews scraped from amazon.de by the repository's authors); "
        "internal evaluation only, never redistribute",
        citation="Firlej, Gierulski, Kaniuka: NLP 22Z project, github.com/madvx/NLP_22Z",
        mapping="stars 1-2 negative, 4-5 positive, 3 dropped; non-German reviews dropped",
        rows=amazon_products,
    ),
    OodSet(
        name="meld_friends_de",
        repo="a-rios/emotion_detection",
        genre="spoken dialogue (TV sitcom Friends, human-translated German subtitles)",
        scheme="three-class",
        licence="GPL-3.0 (repository); MELD itself is GPL-3.0",
        citation="Poria et al. 2019 (MELD); German alignment by A. Rios, EASIER project, "
        "github.com/a-rios/emotion_detection",
        mapping=(
            "joy positive; anger/sadness/disgust/fear negative; neutral neutral; "
            "surprise and unaligned lines dropped"
        ),
        rows=meld_friends,
    ),
    OodSet(
        name="xed_subtitles_de",
        repo="Helsinki-NLP/XED",
        genre="film subtitles (OpenSubtitles), conversational",
        scheme="binary",
        licence="CC BY 4.0",
        citation="Öhman et al. 2020, XED (COLING 2020)",
        mapping=(
            "projected emotions: joy/trust positive, anger/disgust/fear/sadness negative, "
            "anticipation/surprise ignored, both or neither dropped"
        ),
        rows=xed_subtitles,
    ),
    OodSet(
        name="sentianno_news_de",
        repo="lucijakrusic/SentiAnno",
        genre="newspaper sentences (19th-century Austrian periodicals; formal, historical)",
        scheme="three-class",
        licence="none stated in the repository (Hugging Face copy: 'unknown'); "
        "internal evaluation only",
        citation="Krušic 2024, Constructing a Sentiment-Annotated Corpus of Austrian Historical "
        "Newspapers (NLP4DH 2024)",
        mapping="majority label; 'mixed' dropped",
        rows=sentianno_news,
    ),
)


# ---------------------------------------------------------------- cleaning and sampling


def clean_text(text: str) -> str:
    """One line, single spaces (tabs and newlines would break the TSV)."""
    return " ".join(text.split())


def norm_key(text: str) -> str:
    return " ".join(text.casefold().split())


def dedupe(rows: Iterable[Row]) -> tuple[list[Row], int, int]:
    """Unique texts; a text seen with two different labels is dropped entirely.

    Returns (rows, duplicates removed, conflicting texts dropped).
    """
    seen: dict[str, Row] = {}
    conflict: set[str] = set()
    dups = 0
    for lab, raw in rows:
        text = clean_text(raw)
        if len(text) < 2:
            continue
        key = norm_key(text)
        if key in seen:
            dups += 1
            if seen[key][0] != lab:
                conflict.add(key)
            continue
        seen[key] = (lab, text)
    kept = [row for key, row in seen.items() if key not in conflict]
    return kept, dups, len(conflict)


def sample(rows: list[Row], labels: tuple[str, ...], max_rows: int, seed: int) -> list[Row]:
    """At most ``max_rows // len(labels)`` rows per class, drawn with a fixed seed from rows
    sorted by text (independent of the source's file order); output sorted by label, text."""
    per_class = max_rows // len(labels)
    rng = random.Random(seed)
    out: list[Row] = []
    for lab in labels:
        pool = sorted(r for r in rows if r[0] == lab)
        if len(pool) > per_class:
            pool = sorted(rng.sample(pool, per_class))
        out.extend(pool)
    return out


def training_texts(paths: Iterable[Path]) -> set[str]:
    """Normalised texts of every ``*.tsv`` in the training-data directories (last column)."""
    keys: set[str] = set()
    for base in paths:
        if not base.is_dir():
            continue
        for tsv in sorted(base.glob("*.tsv")):
            with tsv.open(encoding="utf-8") as fh:
                for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                    if row:
                        keys.add(norm_key(row[-1]))
    return keys


@dataclass(frozen=True)
class Built:
    spec: OodSet
    commit: str
    read: int
    unique: int
    duplicates: int
    conflicts: int
    in_training: int
    natural: dict[str, int]
    rows: list[Row]


def build(spec: OodSet, mirror: Mirror, train_keys: set[str], max_rows: int, seed: int) -> Built:
    raw = list(spec.rows(mirror))
    unique, dups, conflicts = dedupe(raw)
    kept = [r for r in unique if norm_key(r[1]) not in train_keys]
    natural = Counter(lab for lab, _ in kept)
    return Built(
        spec=spec,
        commit=mirror.commit,
        read=len(raw),
        unique=len(unique),
        duplicates=dups,
        conflicts=conflicts,
        in_training=len(unique) - len(kept),
        natural={lab: natural.get(lab, 0) for lab in spec.labels},
        rows=sample(kept, spec.labels, max_rows, seed),
    )


def write_tsv(path: Path, rows: list[Row]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("label\ttext\n")
        for lab, text in rows:
            fh.write(f"{lab}\t{text}\n")


def _counts(d: dict[str, int]) -> str:
    return " · ".join(f"{k} {v:,}" for k, v in d.items())


def readme(built: list[Built], missing: list[OodSet], max_rows: int, seed: int) -> str:
    lines = [
        "# Out-of-domain German sentiment dev sets (issue 12)",
        "",
        "Generated by `scripts/ood_sets.py` in the toneprobe repository; do not edit, do not "
        "commit, do not redistribute (see the licences). `data/OOD.md` in the repository "
        "describes the sets.",
        "",
        f"Each file: `label<TAB>text` with a header, de-duplicated, texts that occur in the "
        f"training data removed, at most {max_rows} rows (at most {max_rows}/n_classes per "
        f"class, seed {seed}). Binary sets have only positive/negative gold labels: a neutral "
        "answer counts as wrong.",
        "",
        "| file | rows | labels (in file) | natural distribution after cleaning | genre | source | "
        "licence | label mapping |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for b in built:
        in_file = Counter(lab for lab, _ in b.rows)
        lines.append(
            f"| {b.spec.name}.tsv | {len(b.rows):,} | {b.spec.scheme}: "
            f"{_counts({k: in_file.get(k, 0) for k in b.spec.labels})} | {_counts(b.natural)} | "
            f"{b.spec.genre} | github.com/{b.spec.repo} @ {b.commit[:10]}; {b.spec.citation} | "
            f"{b.spec.licence} | {b.spec.mapping} |"
        )
    lines += ["", "Cleaning counts (rows read -> unique texts; duplicates; texts with conflicting "]
    lines[-1] += "labels dropped; texts also in the training data dropped):"
    lines.append("")
    for b in built:
        lines.append(
            f"- {b.spec.name}: {b.read:,} read -> {b.unique:,} unique; {b.duplicates:,} duplicates; "
            f"{b.conflicts:,} conflicting; {b.in_training:,} in training data"
        )
    for spec in missing:
        lines.append(f"- {spec.name}: NOT BUILT, no mirror of github.com/{spec.repo}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Build the OOD German sentiment dev sets.")
    ap.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--out", type=Path, default=REPO.parent / "ood")
    ap.add_argument("--max-rows", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument(
        "--train-data",
        type=Path,
        action="append",
        default=None,
        help="directory of training TSVs whose texts are removed (default: ../shared/data, "
        "data/callcenter and data/styles)",
    )
    ap.add_argument("--only", action="append", default=[], help="build only these sets")
    args = ap.parse_args(argv)

    train_dirs = args.train_data or [
        REPO.parent / "shared" / "data",
        REPO / "data" / "callcenter",
        REPO / "data" / "styles",
    ]
    train_keys = training_texts(train_dirs)
    args.out.mkdir(parents=True, exist_ok=True)
    built: list[Built] = []
    missing: list[OodSet] = []
    for spec in SETS:
        if args.only and spec.name not in args.only:
            continue
        try:
            mirror = Mirror.open(args.mirrors, spec.repo)
        except FileNotFoundError as err:
            print(f"skip {spec.name}: {err}", file=sys.stderr)
            missing.append(spec)
            continue
        b = build(spec, mirror, train_keys, args.max_rows, args.seed)
        write_tsv(args.out / f"{spec.name}.tsv", b.rows)
        built.append(b)
        print(
            f"{spec.name}: {len(b.rows)} rows ({_counts(dict(Counter(r[0] for r in b.rows)))}) "
            f"from {b.unique} unique",
            file=sys.stderr,
        )
    (args.out / "README.md").write_text(
        readme(built, missing, args.max_rows, args.seed), encoding="utf-8"
    )
    return 0 if built else 1


if __name__ == "__main__":
    raise SystemExit(main())
