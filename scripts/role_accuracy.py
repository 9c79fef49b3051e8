"""Role accuracy per format on anonymous-speaker renders of the labelled calls.

    python scripts/role_accuracy.py [--min 0.98] [--json FILE]
    python scripts/role_accuracy.py --calibrate

Every labelled call of ``sample_transcripts/``, ``data/dev/calls/json`` and ``data/dev2/calls``
is rendered as WebVTT, SRT, AWS Transcribe and WhisperX with anonymous speakers
(``SPEAKER_00``, ``Speaker 1``, ``spk_0``), in six variants:

- ``plain``: as labelled;
- ``misplaced_first``: diarisation gives the call's first sentence to the other speaker
  (``Stadtwerke Musterstadt, guten Tag.`` carries the customer's label);
- ``misplaced_tail``: the last sentence (or clause) of the first turn goes to the next speaker
  (``..., was kann ich für Sie tun?`` opens the customer's turn);
- ``outbound``: the agent calls out: the callee answers first (``Ja, hallo?``, ``Müller?``,
  ``Bonjour.``) and the agent introduces themselves and their company;
- ``outbound_misplaced_first`` and ``outbound_misplaced_tail``: both.

``--calibrate`` adds short calls (the first 2, 3, 4 and 6 turns of each render), which carry
few cues and so give the wrong decisions a calibration needs; it fits the confidence
(a logistic curve over the score margin) and prints the parameters for ``rules/roles.yaml``.

Each render is read back as a user's file would be. A call counts as right when every turn
has the role of its speaker in the labelled call; words must come back 100 % identical.
Prints a table per format and variant, the calls under the confidence threshold (which warn),
and wrong calls above it. Exit 1 when a format is under ``--min`` or a word changed.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from labelled_sets import DISTINCT_GATED  # noqa: E402

#: (calls, labels): the gated sets, data/dev's calls once
SETS = tuple((calls, labels) for _, calls, labels in DISTINCT_GATED)
FORMATS = ("vtt", "srt", "aws", "whisperx")
VARIANTS = (
    "plain",
    "misplaced_first",
    "misplaced_tail",
    "outbound",
    "outbound_misplaced_first",
    "outbound_misplaced_tail",
)

# what a callee says on picking up, and how an agent opens an outbound call (written for this
# script; names and companies are invented)
ANSWERS = (
    "Ja, hallo?",
    "{surname}?",
    "Bonjour.",
    "Hallo?",
    "Ja, {surname}, hallo?",
    "Ja bitte?",
    "Hello?",
    "{surname}.",
    "Hallo, wer ist da?",
    "Ja?",
    "Ja, hier bei {surname}?",
    "Guten Tag?",
    "Yes, hello?",
    "Hallo, wer spricht da?",
    "Servus?",
    "Ja, {surname}, guten Tag.",
    "Moin?",
    "Hello, who is this?",
    "Oui, allô?",
    "{surname} hier?",
    "Ja, guten Abend?",
    "Hallo? Hallo?",
    "Ja, am Apparat.",
    "Wer ist denn da?",
    "Ja, bitte schön?",
    "Ja, hallo, wer ist da bitte?",
    "Ja, was gibt es?",
    "Hallo, ja, ich höre?",
)
OUTBOUND = (
    "Guten Tag, hier ist {agent} von {company}. Spreche ich mit {customer}?",
    "Guten Tag, mein Name ist {agent} von der Firma {company}. Ich rufe wegen Ihres Vertrags an.",
    "Hallo, {agent} hier, {company}. Haben Sie kurz zwei Minuten für mich?",
    "Schönen guten Tag, {company}, Sie sprechen mit {agent}. Ich melde mich wegen Ihrer Anfrage.",
    "Hi, this is {agent} from {company}, I'm calling about your recent order.",
    "Guten Abend, hier spricht {agent} vom Kundenservice {company}. Stör ich gerade?",
    "Schönen guten Tag, hier ist {agent} vom Autohaus Brenner, ich wollte mich wegen Ihres "
    "Termins melden.",
    "Guten Tag, {agent} mein Name, ich rufe im Auftrag der {company} an. Haben Sie einen Moment?",
    "Hallo, ich bin {agent} von {company}. Es geht um Ihre Bestellung.",
    "Good morning, this is {agent} calling from {company}. Is now a good time?",
    "Ja, guten Tag, {company}, {agent}. Sie hatten um Rückruf gebeten.",
    "Guten Tag, spreche ich mit {customer}? Hier ist {agent} von der {company}.",
    "Hallo, hier spricht {agent}, {company}, wir hatten letzte Woche telefoniert.",
    "Guten Abend, entschuldigen Sie die Störung, {agent} von {company} hier.",
    "Hi, it's {agent} from {company}, just following up on your request.",
    "Tag, {agent} von der {company}, ich melde mich wegen der Zählerablesung.",
    "Guten Morgen, mein Name ist {agent}, ich bin Energieberaterin bei {company}.",
    "Ja, hallo, {agent} von {company}, ich hatte Ihnen eine E-Mail geschickt.",
    "Good afternoon, my name is {agent} and I'm calling on behalf of {company}.",
    "Grüß Gott, hier {agent}, {company}. Ich rufe wegen der offenen Rechnung an.",
    "Guten Tag, Sie hatten auf unserer Webseite ein Angebot angefordert. Mein Name ist {agent}.",
    "Einen schönen guten Tag, {agent} am Apparat, von {company}.",
    "Hi there, {agent} with {company}. Do you have two minutes?",
    "Hallo, hier ist {agent}, ich arbeite für {company} und hätte kurz eine Frage an Sie.",
    "Guten Tag, {agent}, {company}, wir hatten Ihnen letzte Woche geschrieben.",
    "Hello, this is {agent}, I work for {company}, do you have a moment?",
    "Ja, schönen guten Tag, hier spricht {agent} von {company}. Ich habe Ihre Anfrage vor mir.",
    "Hallo, {agent} ist mein Name, von {company}. Es geht um Ihren Vertrag.",
    "Guten Morgen, {company}, {agent} hier. Ich rufe an, weil Ihr Tarif ausläuft.",
    "Tag auch, {agent} von {company}. Hätten Sie zwei Minuten für eine kurze Umfrage?",
)
COMPANIES = (
    "Lindwerk Energie",
    "Auental Mobil",
    "Korvus Versicherung",
    "Fjordnet",
    "Brisa Solar",
    "Autohaus Brenner",
    "Telvia",
    "Pflegekasse Nord",
    "Quandt & Partner",
    "Sparkasse Odenkirchen",
    "Lumen Strom",
)


@dataclass
class Turn:
    role: str
    text: str


@dataclass
class Call:
    set: str
    call_id: str
    agent: str | None
    customer: str | None
    turns: list[Turn]


def load_calls() -> list[Call]:
    """The labelled calls as read from their files (sample roles checked against the labels)."""
    from toneprobe.readers import iter_input_files, read_path

    calls = []
    for folder, labels_path in SETS:
        with open(REPO / labels_path, encoding="utf-8") as fh:
            labelled = {row["call_id"]: row["agent"] for row in csv.DictReader(fh)}
        for f in iter_input_files([str(REPO / folder)]):
            for t in read_path(f).transcripts:
                if t.call_id not in labelled:
                    continue
                if t.agent != labelled[t.call_id]:
                    raise SystemExit(f"{f}: agent {t.agent!r}, labelled {labelled[t.call_id]!r}")
                turns = [Turn(x.role, x.text) for x in t.turns]
                if {x.role for x in turns} != {"agent", "customer"}:
                    continue
                calls.append(Call(folder, t.call_id, t.agent, t.customer, turns))
    return calls


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=\S)")


def merged(turns: list[Turn]) -> list[Turn]:
    out: list[Turn] = []
    for t in turns:
        if out and out[-1].role == t.role:
            out[-1] = Turn(t.role, out[-1].text + " " + t.text)
        else:
            out.append(Turn(t.role, t.text))
    return out


def outbound(call: Call, k: int) -> list[Turn]:
    """The callee answers, the agent introduces themselves and the company, the call goes on."""
    surname = (call.customer or "Frau Wagner").split()[-1]
    customer = call.customer or "Frau Wagner"
    agent = call.agent or "Lena Stahl"
    answer = ANSWERS[(7 * k) % len(ANSWERS)].format(surname=surname)
    intro = OUTBOUND[k % len(OUTBOUND)].format(
        agent=agent, company=COMPANIES[(3 * k) % len(COMPANIES)], customer=customer
    )
    rest = list(call.turns)
    if rest[0].role == "agent":
        rest = rest[1:]  # the inbound opening is replaced by the outbound introduction
    return merged([Turn("customer", answer), Turn("agent", intro), *rest])


@dataclass
class Piece:
    speaker: int  # index of the true speaker (order of first appearance in the render)
    label: int  # the speaker label the render gives it (differs where diarisation errs)
    text: str


def pieces(turns: list[Turn], misplace: str | None) -> tuple[list[Piece], dict[int, str]]:
    """One piece per sentence. ``misplace="first"``: the call's first sentence carries the label
    of the second speaker; ``"tail"``: the last sentence of the first turn carries the label of
    the next speaker (who then starts with it); a first turn of one sentence gives its last
    clause (``..., was kann ich für Sie tun?``). A first turn of one sentence keeps its first
    words: a whole turn under the wrong label is a different fault (swapped speakers)."""
    order: dict[str, int] = {}
    for t in turns:
        order.setdefault(t.role, len(order))
    out: list[Piece] = []
    other = order[turns[1].role]
    for i, t in enumerate(turns):
        sentences = _SENTENCE.split(t.text)
        if i == 0 and misplace == "tail" and len(sentences) == 1 and ", " in t.text:
            head, tail = t.text.rsplit(", ", 1)
            sentences = [head + ",", tail]
        spk = order[t.role]
        for j, s in enumerate(sentences):
            label = spk
            if i == 0 and misplace == "first" and j == 0 and len(sentences) > 1:
                label = other
            if i == 0 and misplace == "tail" and j == len(sentences) - 1 and len(sentences) > 1:
                label = other
            out.append(Piece(spk, label, s))
    # speaker labels are numbered in order of first appearance, as diarisation does
    first_seen: dict[int, int] = {}
    for p in out:
        first_seen.setdefault(p.label, len(first_seen))
    for p in out:
        p.label = first_seen[p.label]
        p.speaker = first_seen.get(p.speaker, p.speaker)
    roles = {first_seen[v]: k for k, v in order.items() if v in first_seen}
    return out, roles


def _times(ps: list[Piece]) -> list[tuple[float, float]]:
    t, out = 0.4, []
    for p in ps:
        d = 0.32 * len(p.text.split()) + 0.2
        out.append((round(t, 3), round(t + d, 3)))
        t += d + 0.35
    return out


def _ts(sec: float, sep: str) -> str:
    h, rem = divmod(sec, 3600)
    m, s = divmod(rem, 60)
    return f"{int(h):02d}:{int(m):02d}:{s:06.3f}".replace(".", sep)


def render(fmt: str, ps: list[Piece]) -> str:
    times = _times(ps)
    if fmt == "vtt":
        blocks = [
            f"{i + 1}\n{_ts(a, '.')} --> {_ts(b, '.')}\n<v SPEAKER_{p.label:02d}>{p.text}</v>"
            for i, (p, (a, b)) in enumerate(zip(ps, times, strict=True))
        ]
        return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"
    if fmt == "srt":
        blocks = [
            f"{i + 1}\n{_ts(a, ',')} --> {_ts(b, ',')}\nSpeaker {p.label + 1}: {p.text}"
            for i, (p, (a, b)) in enumerate(zip(ps, times, strict=True))
        ]
        return "\n\n".join(blocks) + "\n"
    if fmt == "aws":
        return json.dumps(_aws(ps, times), ensure_ascii=False)
    if fmt == "whisperx":
        return json.dumps(_whisperx(ps, times), ensure_ascii=False)
    raise ValueError(fmt)


_PUNCT = re.compile(r"^(.*?[^\W_].*?)([.,!?;:]+)$", re.DOTALL)


def _aws(ps: list[Piece], times: list[tuple[float, float]]) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    segments = []
    for p, (a, b) in zip(ps, times, strict=True):
        words = p.text.split()
        step = (b - a) / len(words)
        label = f"spk_{p.label}"
        for k, word in enumerate(words):
            m = _PUNCT.match(word)
            body, punct = (m.group(1), m.group(2)) if m else (word, "")
            s, e = a + k * step, a + (k + 1) * step - 0.02
            items.append(
                {
                    "start_time": f"{s:.3f}",
                    "end_time": f"{e:.3f}",
                    "alternatives": [{"confidence": "0.97", "content": body}],
                    "type": "pronunciation",
                    "speaker_label": label,
                }
            )
            if punct:
                items.append(
                    {
                        "alternatives": [{"confidence": "0.0", "content": punct}],
                        "type": "punctuation",
                    }
                )
        segments.append({"start_time": f"{a:.3f}", "end_time": f"{b:.3f}", "speaker_label": label})
    return {
        "jobName": "render",
        "status": "COMPLETED",
        "results": {
            "transcripts": [{"transcript": " ".join(p.text for p in ps)}],
            "speaker_labels": {"speakers": 2, "segments": segments},
            "items": items,
        },
    }


def _whisperx(ps: list[Piece], times: list[tuple[float, float]]) -> dict[str, Any]:
    segs = []
    for p, (a, b) in zip(ps, times, strict=True):
        words = p.text.split()
        step = (b - a) / len(words)
        label = f"SPEAKER_{p.label:02d}"
        segs.append(
            {
                "start": a,
                "end": b,
                "text": " " + p.text,
                "speaker": label,
                "words": [
                    {
                        "word": w,
                        "start": round(a + k * step, 3),
                        "end": round(a + (k + 1) * step, 3),
                        "score": 0.9,
                        "speaker": label,
                    }
                    for k, w in enumerate(words)
                ],
            }
        )
    return {"segments": segs, "language": "de"}


@dataclass
class Outcome:
    fmt: str
    variant: str
    call: str
    right: bool
    words_same: bool
    confidence: float
    warned: bool
    method: str
    margin: float


def check(call: Call, fmt: str, variant: str, k: int, keep: int | None = None) -> Outcome:
    from toneprobe.readers import read_text

    turns = outbound(call, k) if variant.startswith("outbound") else call.turns
    if keep is not None:
        turns = turns[:keep]
    misplace = variant.rsplit("_", 1)[-1] if "misplaced" in variant else None
    ps, roles = pieces(turns, misplace)
    ext = {"vtt": ".vtt", "srt": ".srt", "aws": ".json", "whisperx": ".json"}[fmt]
    result = read_text(render(fmt, ps), path=f"{call.call_id}{ext}")
    (t,) = result.transcripts
    words_same = [w for x in t.turns for w in x.text.split()] == [
        w for p in ps for w in p.text.split()
    ]
    label_role = {}
    for x in t.turns:
        n = int(re.sub(r"\D", "", x.speaker or "0") or 0)
        idx = n - 1 if fmt == "srt" else n
        label_role[idx] = x.role
    right = all(label_role.get(i) == roles[i] for i in roles)
    info = t.metadata.get("roles", {})
    warned = any("roles uncertain" in w for w in result.warnings)
    return Outcome(
        fmt,
        variant,
        f"{call.set}/{call.call_id}",
        right,
        words_same,
        float(info.get("confidence", 0.0)),
        warned,
        str(info.get("method")),
        float(info.get("margin", 0.0)),
    )


def calibrate(calls: list[Call]) -> int:
    """Fit confidence = sigmoid(a + b * margin) on full and shortened renders."""
    import numpy as np

    outcomes = [
        check(c, fmt, variant, k, keep)
        for k, c in enumerate(calls)
        for fmt in ("vtt", "aws")
        for variant in VARIANTS
        for keep in (2, 3, 4, 6, None)
    ]
    margin = np.array([o.margin for o in outcomes])
    right = np.array([float(o.right) for o in outcomes])
    print(f"{len(outcomes)} renders, {int(len(right) - right.sum())} wrong")
    edges = [0, 0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 1e9]
    for lo, hi in zip(edges, edges[1:], strict=False):
        sel = (margin >= lo) & (margin < hi)
        if sel.any():
            print(f"  margin {lo:>4}-{hi:<5} n={int(sel.sum()):5d} right {right[sel].mean():.3f}")
    # share right per margin bin (with one right and one wrong added as a prior), made
    # non-decreasing by pooling adjacent bins (isotonic regression), between 0.5 and 0.99
    stats = []
    for lo, hi in zip(edges, edges[1:], strict=False):
        sel = (margin >= lo) & (margin < hi)
        stats.append([lo, float(right[sel].sum()) + 1.0, float(sel.sum()) + 2.0])
    blocks = [[s[0], s[1], s[2], 1] for s in stats]
    k = 0
    while k < len(blocks) - 1:
        if blocks[k][1] / blocks[k][2] > blocks[k + 1][1] / blocks[k + 1][2]:
            a, b = blocks[k], blocks.pop(k + 1)
            a[1] += b[1]
            a[2] += b[2]
            a[3] += b[3]
            k = max(k - 1, 0)
        else:
            k += 1
    points, i = [], 0
    for _, r, n, width in blocks:
        for _ in range(width):
            points.append((stats[i][0], round(min(0.99, max(0.5, r / n)), 2)))
            i += 1
    points = [(0.0, 0.5)] + [p for p in points if p[0] > 0 and p[0] < 100]
    curve = [list(p) for p in points]
    print("confidence:", json.dumps(curve))

    def conf_of(m: float) -> float:
        for (m0, c0), (m1, c1) in zip(points, points[1:], strict=False):
            if m <= m1:
                return c0 + (c1 - c0) * (m - m0) / (m1 - m0)
        return points[-1][1]

    conf = np.array([round(conf_of(m), 2) for m in margin])
    wrong_conf = conf[right == 0]
    print(f"highest confidence of a wrong decision: {float(wrong_conf.max()):.2f}")
    for t in (0.8, 0.85, 0.9, 0.95, 0.97):
        sel = conf < t
        print(
            f"  warn_below {t}: warns {int(sel.sum())} ({sel.mean():.1%}), "
            f"right among them {int(right[sel].sum())}, wrong above {int(((~sel) & (right == 0)).sum())}"
        )
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--min", type=float, default=None, help="bar for role accuracy per format")
    ap.add_argument("--json", type=Path, default=None, help="write every outcome here")
    ap.add_argument("--calibrate", action="store_true", help="fit the confidence curve")
    args = ap.parse_args()
    calls = load_calls()
    if args.calibrate:
        return calibrate(calls)
    outcomes = [
        check(c, fmt, variant, k)
        for k, c in enumerate(calls)
        for fmt in FORMATS
        for variant in VARIANTS
    ]
    by: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by[(o.fmt, o.variant)].append(o)
        by[(o.fmt, "all")].append(o)
    print(f"role accuracy on anonymous-speaker renders of {len(calls)} labelled calls")
    print(f"{'format':9} " + " ".join(f"{v[:16]:>16}" for v in (*VARIANTS, "all")) + "  words")
    failed = False
    for fmt in FORMATS:
        cells = []
        for v in (*VARIANTS, "all"):
            os_ = by[(fmt, v)]
            acc = sum(o.right for o in os_) / len(os_)
            cells.append(f"{acc:.3f} {sum(o.right for o in os_):4d}/{len(os_):<4d}")
        all_ = by[(fmt, "all")]
        words = sum(o.words_same for o in all_) / len(all_)
        print(f"{fmt:9} " + " ".join(f"{c:>16}" for c in cells) + f"  {words:.0%}")
        acc = sum(o.right for o in all_) / len(all_)
        if (args.min is not None and acc < args.min) or words < 1.0:
            failed = True
    wrong = [o for o in outcomes if not o.right]
    silent = [o for o in wrong if not o.warned]
    warned = [o for o in outcomes if o.warned]
    print(
        f"wrong: {len(wrong)} of {len(outcomes)}; warned: {len(warned)} "
        f"(of them right: {sum(o.right for o in warned)}); wrong without a warning: {len(silent)}"
    )
    for o in silent[:20]:
        print(f"  silent: {o.fmt} {o.variant} {o.call} confidence {o.confidence:.2f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps([o.__dict__ for o in outcomes], ensure_ascii=False, indent=1) + "\n",
            encoding="utf-8",
        )
    if args.min is not None:
        print(f"bar: >= {args.min} in every format, words 100 %: {'FAIL' if failed else 'ok'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
