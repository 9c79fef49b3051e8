"""How well toneprobe finds apologies: rules alone, the agent-move model alone, and combined.

    python scripts/apology_eval.py data/apologies/tune.tsv [--errors] [--json]
    python scripts/apology_eval.py --calls data/chat/calls --labels data/chat/apology.csv

Sentence mode (a TSV with ``id, apology, role, voice, text``, see data/apologies/README.md):
each row is scored as a one-turn call with the row's role, through the real pipeline
(``Scorer``, the shipped rules and models; the offense and customer-state models are off, they
do not touch apologies). Call mode (``--calls`` with ``--labels call_id,apology``): every call
of the directory, labelled 1 if the agent apologises anywhere.

Predicted apology, per row or call:
- ``rules``: a finding of kind ``apology`` from a rule (respect rules) on an agent turn;
- ``model``: an agent sentence whose ``apology_ownership`` probability reaches the threshold of
  ``empathy.model.apology_ownership.v1`` in data/moves.yaml (what the model reads: quoted words
  blanked), whether or not the pipeline reports it;
- ``combined``: a finding of kind ``apology`` of any source in the call record (rules, or the
  model where no other positive finding of the empathy detector already covers the sentence).

Prints precision, recall and F1 per mode (``--json``: one JSON document); ``--errors`` lists the
misses and false alarms of the combined mode with the findings' rule ids, turns and words.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from toneprobe.detectors.moves import load_move_rules  # noqa: E402
from toneprobe.evaluate import classification_metrics  # noqa: E402
from toneprobe.model import Transcript, Turn  # noqa: E402
from toneprobe.pipeline import Scorer, build_record  # noqa: E402

MODES = ("rules", "model", "combined")
MODEL_RULE = "empathy.model.apology_ownership.v1"


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a data/apologies TSV; exits naming file:line on a malformed row."""
    rows = []
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        want = ["id", "apology", "role", "voice", "text"]
        if reader.fieldnames != want:
            sys.exit(f"{path}:1: header must be {want}")
        for n, row in enumerate(reader, 2):
            if row["apology"] not in ("0", "1") or row["role"] not in ("agent", "customer"):
                sys.exit(f"{path}:{n}: apology must be 0/1 and role agent/customer")
            rows.append(row)
    return rows


def row_transcript(row: dict[str, str]) -> Transcript:
    turn = Turn(index=0, role=row["role"], text=row["text"], speaker=row["role"])  # type: ignore[arg-type]
    return Transcript(call_id=row["id"], turns=(turn,), source=row["id"])


def predict(scorer: Scorer, transcript: Transcript, threshold: float) -> dict[str, Any]:
    """Predicted apology per mode for one call, and the findings behind it."""
    ctx = scorer.analyse(transcript)  # as Scorer.score, keeping the context for the model mode
    record = build_record(transcript, ctx, scorer.weights)
    found = [f for f in record["findings"] if f["kind"] == "apology" and f["role"] == "agent"]
    rules = [f for f in found if ".model." not in f["rule_id"]]
    model_sents = []
    for turn, moves in zip(transcript.turns, ctx.moves or (), strict=False):
        if moves is None or turn.role != "agent":
            continue
        for sent in moves.sentences:
            prob = sent.probs.get("apology_ownership", 0.0)
            if prob >= threshold:
                model_sents.append({"turn": turn.index, "text": sent.text, "p": round(prob, 3)})
    return {
        "rules": bool(rules),
        "model": bool(model_sents),
        "combined": bool(found),
        "findings": [
            {"rule_id": f["rule_id"], "turn": f["turn"], "text": f["text"]} for f in found
        ],
        "model_sentences": model_sents,
    }


def prf(gold: list[bool], pred: list[bool]) -> dict[str, float | int]:
    """Binary precision/recall/F1 on "apology" (toneprobe.evaluate's metrics), with counts."""
    m = classification_metrics(
        "apology", [str(g) for g in gold], [str(p) for p in pred], ["True", "False"],
        positive="True",
    )  # fmt: skip
    c = m.confusion
    return {
        "tp": c["True"]["True"],
        "fp": c["False"]["True"],
        "fn": c["True"]["False"],
        "p": round(m.precision, 3),
        "r": round(m.recall, 3),
        "f1": round(m.f1, 3),
    }


def evaluate_items(items: list[tuple[str, bool, Transcript]], scorer: Scorer) -> dict[str, Any]:
    threshold = next(m.threshold for m in load_move_rules().moves if m.id == MODEL_RULE)
    results = []
    for item_id, gold, transcript in items:
        res = predict(scorer, transcript, threshold)
        results.append({"id": item_id, "gold": gold, **res})
    gold = [r["gold"] for r in results]
    scores = {m: prf(gold, [r[m] for r in results]) for m in MODES}
    errors = [r for r in results if r["gold"] != r["combined"]]
    return {"n": len(results), "positives": sum(gold), "scores": scores, "errors": errors}


def sentence_items(path: Path) -> list[tuple[str, bool, Transcript]]:
    return [(r["id"], r["apology"] == "1", row_transcript(r)) for r in read_rows(path)]


def call_items(calls: Path, labels: Path) -> list[tuple[str, bool, Transcript]]:
    from toneprobe.readers import iter_input_files, read_path

    with open(labels, encoding="utf-8", newline="") as handle:
        gold = {r["call_id"]: r["apology"] == "1" for r in csv.DictReader(handle)}
    items = []
    for path in iter_input_files([str(calls)]):
        for t in read_path(path).transcripts:
            if t.call_id not in gold:
                sys.exit(f"{labels}: no apology label for call {t.call_id} ({path})")
            items.append((t.call_id, gold[t.call_id], t))
    if len(items) != len(gold):
        sys.exit(f"{labels}: {len(gold)} labels but {len(items)} calls in {calls}")
    return items


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tsv", nargs="?", type=Path, help="a data/apologies TSV")
    ap.add_argument("--calls", type=Path, help="a directory of calls (with --labels)")
    ap.add_argument("--labels", type=Path, help="call_id,apology CSV for --calls")
    ap.add_argument("--errors", action="store_true", help="list misses and false alarms")
    ap.add_argument("--json", action="store_true", help="one JSON document on stdout")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if (args.tsv is None) == (args.calls is None) or (args.calls is None) != (args.labels is None):
        ap.error("give a TSV, or --calls with --labels")
    items = sentence_items(args.tsv) if args.tsv else call_items(args.calls, args.labels)
    scorer = Scorer(use_offense_model=False, use_state_model=False)
    report = evaluate_items(items, scorer)
    report["source"] = str(args.tsv or args.calls)
    if args.json:
        json.dump(report, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    print(f"{report['source']}: {report['n']} items, {report['positives']} apologies")
    print(f"{'mode':<9} {'P':>6} {'R':>6} {'F1':>6}   tp  fp  fn")
    for mode, s in report["scores"].items():
        print(
            f"{mode:<9} {s['p']:>6.3f} {s['r']:>6.3f} {s['f1']:>6.3f}  "
            f"{s['tp']:>3} {s['fp']:>3} {s['fn']:>3}"
        )
    if args.errors:
        for r in report["errors"]:
            kind = "MISS" if r["gold"] else "FALSE"
            text = (
                r["id"]
                if args.calls
                else next(t.turns[0].text for i, _, t in items if i == r["id"])
            )
            print(f"\n{kind} {r['id']}: {text}")
            for f in r["findings"]:
                print(f"   {f['rule_id']} (turn {f['turn']}): {f['text']!r}")
            for s in r["model_sentences"]:
                print(f"   model p={s['p']} (turn {s['turn']}): {s['text']!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
