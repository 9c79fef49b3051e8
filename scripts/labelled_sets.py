"""The labelled call sets the fitting scripts tune on, named once (``make`` reads the list too).

    python scripts/labelled_sets.py        # the tuning folders, space-separated (Makefile FIT_SETS)

``GATED``: the sets ``make evaluate`` holds to the bars (name, calls, labels; data/dev's plain
text renders the same calls as its JSON). ``TUNING``: the folders (``DIR/calls``,
``DIR/labels.csv``) that the fits count in their objective without holding them to the bars. The
held-out and fresh sets are named nowhere here: no script can tune on them by default.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

GATED: tuple[tuple[str, str, str], ...] = (
    ("samples", "sample_transcripts", "sample_transcripts/labels.csv"),
    ("dev-json", "data/dev/calls/json", "data/dev/calls/labels.csv"),
    ("dev-text", "data/dev/calls/text", "data/dev/calls/labels.csv"),
    ("dev2", "data/dev2/calls", "data/dev2/labels.csv"),
)
#: the gated sets without repeats: data/dev's plain-text folder holds the same calls as its JSON
#: folder, so fits that learn from calls count them once
DISTINCT_GATED: tuple[tuple[str, str, str], ...] = tuple(s for s in GATED if s[0] != "dev-text")
TUNING_NAMES: tuple[str, ...] = (
    "dev3", "chat", "dev6", "dev7", "dev8", "dev9", "dev10", "dev11", "dev12", "dev13", "dev15",
    # fresh from the eleventh to the thirteenth session, tuning sets since the fourteenth
    "dev14", "dev16", "dev17", "dev18",
    # fresh from the thirteenth to the fifteenth session, tuning sets since the sixteenth
    "dev19", "dev20", "dev21", "dev22", "dev23", "dev24", "dev25",
    # fresh in the fifteenth and sixteenth sessions (measured twice), tuning since the seventeenth
    "dev26", "dev27", "dev28", "dev29", "dev30",
    # fresh in the seventeenth session (measured twice), tuning since the eighteenth
    "dev31", "dev32", "dev33",
    # fresh in the eighteenth session (measured three times), tuning since the nineteenth
    "dev34", "dev35", "dev36",
    # fresh in the nineteenth session (measured twice), tuning since the twentieth
    "dev37", "dev38", "dev39",
    # fresh in the twentieth session (measured two or three times), tuning since the twenty-first
    "dev40", "dev41", "dev42", "dev43", "dev44",
    # fresh in the twenty-first session (measured five times), tuning since the twenty-second
    "dev45", "dev46", "dev47", "dev48", "dev49",
    # fresh in the twenty-second session (measured twice), tuning since the twenty-third
    "dev50", "dev51", "dev52", "dev53", "dev54",
    # fresh in the twenty-third session (measured twice), tuning since the twenty-fourth
    "dev55", "dev56", "dev57", "dev58",
    # fresh in the twenty-fourth session, tuning sets since the twenty-fifth (measured twice)
    "dev59", "dev60", "dev61", "dev62",
    # fresh in the twenty-fifth session (measured twice), tuning sets since the twenty-sixth
    "dev63", "dev64", "dev65", "dev66",
)  # fmt: skip
#: name -> (calls folder, labels file)
TUNING: dict[str, tuple[str, str]] = {
    name: (f"data/{name}/calls", f"data/{name}/labels.csv") for name in TUNING_NAMES
}


def labelled_calls(sets: Iterable[tuple[str, str, str]]) -> Iterator[tuple[str, Any, Any]]:
    """``(set name, transcript, label)`` for every call of ``sets`` (``(name, calls, labels)``)
    that its labels file names, in reading order: the loop every fitting script runs."""
    from toneprobe.evaluate import load_labels
    from toneprobe.readers import iter_input_files, read_path

    for name, calls_path, labels_path in sets:
        labels = load_labels(labels_path)
        for file in iter_input_files([calls_path]):
            for t in read_path(file).transcripts:
                label = labels.get(t.call_id)
                if label is not None:
                    yield name, t, label


if __name__ == "__main__":
    print(" ".join(f"data/{name}" for name in TUNING_NAMES))
