"""Findings of the agent-move model (issue 13), through the CLI on real files: ids, spans,
probabilities and words in the explanation; rules first; quotes shielded; empathy credit; the
model rules in ``toneprobe rules``. Every sentence here was written for this test."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from cli import run_toneprobe

REPO = Path(__file__).resolve().parents[1]
OPENING = "Guten Tag, Sie sprechen mit Frau Lindner vom Kundenservice, was kann ich für Sie tun?"
PROBLEM = "Ich habe eine Frage zu meiner letzten Rechnung, da stimmt etwas nicht."

# Per negative move: sentences the phrase rules do not catch and the model must. (`command`
# has no case here: its model finding was off from the nineteenth to the twentieth session,
# and on again at 0.85 since the twenty-first, see data/moves.yaml; its phrase rules stay.)
NEGATIVE = {
    "blame": [
        "Hätten Sie die Rechnung rechtzeitig bezahlt, gäbe es jetzt auch keine Mahnung.",
        "Wer seinen Zählerstand nie meldet, bekommt eben eine Schätzung.",
    ],
    "dismissal": [
        "Na ja, ein bisschen Warten hat noch niemandem geschadet.",
        "Die paar Tage Verzögerung sind jetzt wirklich kein Weltuntergang.",
    ],
    "condescension_sarcasm": [
        "Haben Sie das Gerät vielleicht auch schon mal eingeschaltet, bevor Sie hier anrufen?",
        # (the ironic "noch ein drittes Mal, ganz langsam" is respect.talking_down.v1's now)
        "Vielleicht lassen Sie das nächste Mal jemanden ran, der sich mit Technik auskennt.",
    ],
    "insult": [
        "Sie sind wirklich der unfähigste Kunde, den ich diese Woche am Telefon hatte.",
        "Mit so einem Sturkopf wie Ihnen kann man ja nicht vernünftig reden.",
    ],
    "refusing_help": [
        # ("Dafür bin ich nicht da, suchen Sie sich jemand anderen." refuses and dismisses at
        # once: the model reads both, and either may weigh more)
        "Das mache ich nicht, das können Sie schön selbst erledigen.",
        "Da mache ich heute gar nichts mehr für Sie.",
    ],
}
# Near misses: firm but polite, requests, quoted words, jokes at the agent's own expense.
NEAR_MISSES = [
    "Eine Erstattung ist nach Ablauf der vierzehn Tage leider nicht mehr möglich, ich kann "
    "Ihnen aber gern einen Gutschein anbieten.",
    "Würden Sie mir bitte noch kurz Ihr Geburtsdatum nennen?",
    "Klicken Sie dann bitte oben rechts auf Speichern.",
    "Herr Albrecht, 'Vollpfosten' lasse ich mir am Telefon nicht sagen.",
    "Da habe ich mich eben selbst verklickt, ich alter Schussel, einen Moment bitte.",
    "Kommen Sie gut durch den Winter!",
]
# the customer's words a near miss answers (the bill question otherwise): a boundary answers an
# insult; after a plain question the readers take the same line for the agent ending the call
NEAR_MISS_CONTEXT = {
    3: "Ich habe eine Frage zu meiner letzten Rechnung, da stimmt schon wieder etwas nicht, "
    "Sie Vollpfosten.",
}


def _call(call_id: str, agent_text: str, customer: str = PROBLEM) -> dict:
    return {
        "call_id": call_id,
        "agent": "Frau Lindner",
        "customer": "Herr Albrecht",
        "turns": [
            {"role": "agent", "text": OPENING},
            {"role": "customer", "text": customer},
            {"role": "agent", "text": agent_text},
        ],
    }


def _write(tmp_path: Path, calls: list[dict]) -> Path:
    folder = tmp_path / "calls"
    folder.mkdir()
    for call in calls:
        (folder / f"{call['call_id']}.json").write_text(
            json.dumps(call, ensure_ascii=False), encoding="utf-8"
        )
    return folder


def _score(path: Path, env: dict[str, str] | None = None) -> dict[str, dict]:
    proc = run_toneprobe("score", str(path), "--format", "jsonl", "-q", env=env)
    assert proc.returncode == 0, proc.stderr
    return {c["call_id"]: c for c in map(json.loads, proc.stdout.splitlines())}


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    tmp = tmp_path_factory.mktemp("moves")
    calls = [
        _call(f"{move}-{i}", text)
        for move, texts in NEGATIVE.items()
        for i, text in enumerate(texts)
    ]
    calls += [
        _call(f"near-{i}", text, NEAR_MISS_CONTEXT.get(i, PROBLEM))
        for i, text in enumerate(NEAR_MISSES)
    ]
    records = _score(_write(tmp, calls))
    assert len(records) == len(calls)
    return records


def _model_findings(call: dict, polarity: str | None = None) -> list[dict]:
    """The agent-move model's findings (not the context or call reader's, which weigh them in
    context: tests/detectors/test_context_reader.py, test_call_reader.py)."""
    return [
        f
        for f in call["findings"]
        if ".model." in f["rule_id"]
        and f["rule_id"] not in ("respect.model.context.v1", "respect.model.call.v1")
        and (polarity is None or f["polarity"] == polarity)
    ]


CASES = [(move, i) for move, texts in NEGATIVE.items() for i in range(len(texts))]


@pytest.mark.parametrize(("move", "i"), CASES, ids=[f"{m}-{i}" for m, i in CASES])
def test_agent_moves_negative_move_found(scored: dict[str, dict], move: str, i: int) -> None:
    call = scored[f"{move}-{i}"]
    text = NEGATIVE[move][i]
    negative = _model_findings(call, "negative")
    assert [f["rule_id"] for f in negative] == [f"respect.model.{move}.v1"], call["findings"]
    f = negative[0]
    assert (f["turn"], f["start"], f["end"], f["text"]) == (2, 0, len(text), text)
    assert f["detector"] == "respect" and f["role"] == "agent"
    # the explanation gives the probability and 3-5 words of the sentence that weighed most
    # (a clear finding gives three decimals and its clear probability)
    assert re.search(
        r"agent-move model p=(0\.\d\d\d?|1\.000?) >= 0\.\d+( \(clear\))?;", f["explanation"]
    )
    words = f["explanation"].split("words that weighed most: ")[1].split(" (")[0].split(", ")
    assert 3 <= len(words) <= 5
    assert all(w in text.lower() for w in words)
    assert call["respect"]["negative"] >= 1


@pytest.mark.parametrize("i", range(len(NEAR_MISSES)))
def test_agent_moves_near_miss_is_not_negative(scored: dict[str, dict], i: int) -> None:
    call = scored[f"near-{i}"]
    assert not _model_findings(call, "negative"), NEAR_MISSES[i]
    assert not call["respect"]["disrespect"]


def test_agent_moves_rules_first(tmp_path: Path) -> None:
    """A sentence a phrase rule flags gets no model finding of the same polarity."""
    text = "Da kann ich leider nichts machen, das ist nicht mein Problem."
    call = _score(_write(tmp_path, [_call("rule", text)]))["rule"]
    rule_hits = [
        f for f in call["findings"] if f["polarity"] == "negative" and ".model." not in f["rule_id"]
    ]
    assert rule_hits
    assert not _model_findings(call, "negative")


def test_agent_moves_quotes_shield_the_model(tmp_path: Path) -> None:
    own = "Sie sind ein unfähiger Sturkopf, Herr Albrecht."
    quoted = (
        'Sie schreiben, ich hätte Sie "einen unfähigen Sturkopf" genannt, das möchte ich klären.'
    )
    calls = _score(_write(tmp_path, [_call("own", own), _call("quoted", quoted)]))
    assert any(f["polarity"] == "negative" for f in calls["own"]["findings"] if f["turn"] == 2)
    assert not _model_findings(calls["quoted"], "negative")
    assert not calls["quoted"]["respect"]["disrespect"]


def test_agent_moves_a_limit_with_a_way_forward_or_owned_is_no_refusal_or_blame(
    tmp_path: Path,
) -> None:
    """data/moves.yaml: a refusal is one "without a way forward", so the agent's commitment
    or alternative in the same turn outweighs it; the blame move shares respect.blame.v3's
    guards, so the agent's side owning what it missed blames nobody."""
    limit = "Einen früheren Termin gebe ich Ihnen nicht."
    forward = "Ich rufe Sie aber morgen bis zwölf Uhr zurück und sage Ihnen, wie es steht."
    calls = _score(
        _write(
            tmp_path,
            [
                _call("limit", limit),
                _call("forward", f"{limit} {forward}"),
                _call("blame", "Das hätten Sie schon vor drei Wochen melden müssen."),
                _call("owned", "Das haben wir versäumt, nicht Sie, Herr Albrecht."),
            ],
        )
    )
    assert [f["rule_id"] for f in _model_findings(calls["limit"], "negative")] == [
        "respect.model.refusing_help.v1"
    ]
    assert not _model_findings(calls["forward"], "negative")
    assert any(f["kind"] == "next_step" for f in calls["forward"]["findings"])
    assert any(f["kind"] == "blame" for f in calls["blame"]["findings"])
    assert not [f for f in calls["owned"]["findings"] if f["polarity"] == "negative"]


UPSET = (
    "Ich warte seit drei Wochen auf mein Geld, niemand meldet sich, ich bin wirklich "
    "verzweifelt und weiß nicht mehr weiter."
)
WRITTEN_APOLOGY = (
    "Ich habe mir Ihr Kundenkonto und den Verlauf Ihrer Anfragen angesehen. Für diesen "
    "Ablauf steht unser Haus bei Ihnen in der Schuld. "
    "Die Rückzahlung habe ich eben als dringend markiert und an die Buchhaltung übergeben, "
    "Sie erhalten bis Freitag eine schriftliche Bestätigung von mir."
)


def test_agent_moves_empathy_credit_for_long_written_answer(tmp_path: Path) -> None:
    """The rules miss the written-register ownership ("steht ... in der Schuld"); the model's
    finding earns the credit (issue 13; the rules now catch "möchte mich ... entschuldigen")."""
    folder = _write(tmp_path, [_call("written", WRITTEN_APOLOGY, customer=UPSET)])
    with_model = _score(folder)["written"]
    # the same call with the shipped sentiment and offense models but no agent-move model
    bare = tmp_path / "models"
    bare.mkdir()
    for name in ("sentiment-de", "offense-de"):
        (bare / name).symlink_to(REPO / "models" / name)
    rules_only = _score(folder, env={**os.environ, "TONEPROBE_MODELS_DIR": str(bare)})["written"]
    assert not _model_findings(rules_only)
    apology = [f for f in _model_findings(with_model) if f["kind"] == "apology"]
    assert [f["rule_id"] for f in apology] == ["empathy.model.apology_ownership.v1"]
    assert apology[0]["text"].startswith("Für diesen Ablauf")
    detail = with_model["empathy"]["details"][0]
    assert detail["response_turn"] == 2 and "apology" in detail["moves"]
    assert with_model["components"]["empathy"] > (rules_only["components"]["empathy"] or 0.0)


def test_agent_moves_explain_shows_model_finding(tmp_path: Path) -> None:
    folder = _write(tmp_path, [_call("explain", NEGATIVE["insult"][1])])
    proc = run_toneprobe("explain", str(folder / "explain.json"))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "respect.model.insult.v1" in out
    assert "words that weighed most:" in out and "sturkopf" in out


def test_agent_moves_rules_lists_the_model_rules() -> None:
    proc = run_toneprobe("rules", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    rows = {r["id"]: r for r in json.loads(proc.stdout)["rules"]}
    for move in NEGATIVE:
        assert rows[f"respect.model.{move}.v1"]["detector"] == "respect"
    for move in ("acknowledge_feeling", "apology_ownership", "reassurance"):
        assert rows[f"empathy.model.{move}.v1"]["polarity"] == "positive"
    proc = run_toneprobe("rules", "--detector", "empathy", "--format", "json")
    ids = [r["id"] for r in json.loads(proc.stdout)["rules"]]
    assert "empathy.model.apology_ownership.v1" in ids
    assert not [i for i in ids if i.startswith("respect.")]
