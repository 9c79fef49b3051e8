"""Work shared between the embedded models (features.py): one word-vector table per process
for the sentiment, agent-move and customer-state models, and per-call shared featurisation.

Sharing must never change a probability: every test here compares exactly (``==`` on the
floats), and a model directory copied on its own must load and predict the same as the
shipped one loaded beside the others.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from toneprobe.sentiment.embedded import EmbeddedBackend, load_linear
from toneprobe.sentiment.features import shared_features, table_key
from toneprobe.sentiment.moves import AgentMoveClassifier
from toneprobe.sentiment.offense import OffenseClassifier
from toneprobe.sentiment.states import CustomerStateClassifier

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "models"

# written for these tests: agent and customer sentences, a long customer turn, a blank text
AGENT = [
    "Das tut mir wirklich leid, dass Sie schon zum dritten Mal anrufen müssen.",
    "Ich buche Ihnen die doppelte Abbuchung noch heute zurück und melde mich morgen.",
    "Haben Sie den Router überhaupt schon mal neu gestartet?",
    "Dafür bin ich nicht zuständig, da müssen Sie sich an die Technik wenden.",
]
CUSTOMER = [
    "Seit Montag geht mein Internet alle paar Minuten weg.",
    "Ich bin echt stinksauer, keiner ruft zurück!",
    "Ach so, dann bin ich ja beruhigt, vielen Dank.",
    "Ich mache mir Sorgen, dass der Strom abgestellt wird, weil die Zahlung nicht ankam.",
    "Also ich habe im März angerufen, da hieß es, das wird erledigt. Im April kam dann "
    "wieder die falsche Rechnung. Jetzt im Mai schon wieder. Ich weiß langsam nicht mehr, "
    "was ich noch machen soll, und ehrlich gesagt reicht es mir jetzt.",
    "",
]


Models = tuple[EmbeddedBackend, AgentMoveClassifier, CustomerStateClassifier]


@pytest.fixture(scope="module")
def models() -> Models:
    sentiment = EmbeddedBackend()
    sentiment.load()
    moves = AgentMoveClassifier()
    moves.load()
    states = CustomerStateClassifier()
    states.load()
    return sentiment, moves, states


def test_shared_shipped_models_carry_one_table() -> None:
    """The move and state models were trained on the same word vectors and ship a copy of
    them: same content, so one table in memory. The sentiment model retrained with the
    teacher's transfer text (sixth session) carries its own, larger table (50,000 words);
    move and state models retrained on it read worse (a blanked name read as an insult), so
    they keep theirs. A retrain that changes one of their tables fails here."""
    keys = {}
    for name in ("sentiment-de", "agent-moves-de", "customer-states-de", "offense-de"):
        config = json.loads((MODELS / name / "model.json").read_text(encoding="utf-8"))
        vocab = json.loads((MODELS / name / "vocab.json").read_text(encoding="utf-8"))
        with np.load(MODELS / name / "weights.npz", allow_pickle=False) as z:
            vectors = z["emb_vectors"]
        keys[name] = table_key(vocab["emb_words"], vectors, config.get("emb_pooling", ["mean"]))
    assert keys["agent-moves-de"] == keys["customer-states-de"]
    assert keys["sentiment-de"] != keys["agent-moves-de"]  # its own, larger table
    assert keys["offense-de"] not in (keys["sentiment-de"], keys["agent-moves-de"])


def test_shared_table_is_one_read_only_object(models: Models) -> None:
    sentiment, moves, states = models
    table = moves.model.embedding
    assert table is not None
    assert states._model.embedding is table
    assert sentiment._model.embedding is not table
    offense = OffenseClassifier()
    offense.load()
    assert offense._model.embedding is not table
    assert table.vectors.dtype == np.float16  # as stored; rows are widened when pooled
    with pytest.raises(ValueError, match="read-only"):
        table.vectors[0, 0] = 1.0


def test_shared_table_loads_again_after_release(tmp_path: Path) -> None:
    """A table held by no model is released; loading the directory again builds a new one."""
    copy = tmp_path / "customer-states-de"
    shutil.copytree(MODELS / "customer-states-de", copy)
    first, _ = load_linear(copy)
    again, _ = load_linear(copy)
    assert again.embedding is first.embedding  # still held by `first`
    probs = first.predict_proba(CUSTOMER[:3])
    del first, again
    fresh, _ = load_linear(copy)
    assert np.array_equal(fresh.predict_proba(CUSTOMER[:3]), probs)


def test_shared_features_give_the_same_probabilities(models: Models) -> None:
    """Inside shared_features() the models reuse tokens, n-grams and pooled vectors; every
    probability equals the one computed alone, bit for bit."""
    sentiment, moves, states = models
    texts_s = AGENT + CUSTOMER
    alone = (
        sentiment.predict_proba(texts_s),
        moves.predict_proba(AGENT),
        states.predict_proba(CUSTOMER),
        moves.top_words(AGENT[0], "apology_ownership"),
    )
    with shared_features() as memo:
        together = (
            sentiment.predict_proba(texts_s),
            moves.predict_proba(AGENT),
            states.predict_proba(CUSTOMER),
            moves.top_words(AGENT[0], "apology_ownership"),
        )
    # the agent sentences were read by the sentiment model first: moves reused them
    assert memo.hits >= len(AGENT) * 2
    for a, b in zip(alone[:3], together[:3], strict=True):
        assert a.shape == b.shape
        assert np.array_equal(a, b)
    assert alone[3] == together[3]
    assert "leid" in together[3]


def test_shared_features_end_with_the_block(models: Models) -> None:
    sentiment, _, _ = models
    with shared_features() as memo:
        sentiment.predict_proba(CUSTOMER[:2])
        with shared_features() as inner:
            assert inner is memo  # nested blocks share the outer memo
        seen = memo.misses
    sentiment.predict_proba(CUSTOMER[:2])
    assert memo.misses == seen  # nothing recorded outside the block


SCRIPT = """
import json, sys
from pathlib import Path
from toneprobe.sentiment.moves import AgentMoveClassifier
from toneprobe.sentiment.states import CustomerStateClassifier
kind, path, texts = sys.argv[1], Path(sys.argv[2]), json.loads(sys.argv[3])
clf = AgentMoveClassifier(path) if kind == "moves" else CustomerStateClassifier(path)
print(json.dumps(clf.predict_proba(texts).tolist()))
"""


@pytest.mark.parametrize(
    ("kind", "name", "texts"),
    [("moves", "agent-moves-de", AGENT), ("states", "customer-states-de", CUSTOMER)],
)
def test_shared_model_directory_loads_on_its_own(
    models: Models, tmp_path: Path, kind: str, name: str, texts: list[str]
) -> None:
    """A copy of the move or state model directory, alone in a fresh process with no other
    model loaded, predicts exactly what the shipped one predicts beside the sentiment model
    whose table it shares here."""
    copy = tmp_path / name
    shutil.copytree(MODELS / name, copy)
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, kind, str(copy), json.dumps(texts)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    on_its_own = np.array(json.loads(proc.stdout))
    _, moves, states = models
    shared = moves.predict_proba(texts) if kind == "moves" else states.predict_proba(texts)
    assert on_its_own.shape == shared.shape == (len(texts), on_its_own.shape[1])
    assert np.array_equal(on_its_own, shared)  # JSON round-trips floats exactly
