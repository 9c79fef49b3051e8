"""House style for du/Sie (issue 13): ``[respect] address`` and ``--address`` on every command
that scores, run as real processes on real files, in one process and in worker processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli import run_toneprobe

from toneprobe.scoring import default_weights

# A brand that says "du" to every customer; the first customer keeps "Sie", the second says "du".
SIE_CUSTOMER = """\
Agent: Hallo und willkommen bei Radhaus Nord, hier ist Mia. Wie kann ich dir helfen?
Kunde: Guten Tag. Können Sie mir sagen, wann mein Lastenrad aus der Werkstatt kommt?
Agent: Klar, schau mal in deine Mail von gestern, da steht der Abholtermin. Danke dir fürs Warten!
Kunde: Danke, das ist nett von Ihnen.
Agent: Gern, mach's gut und komm gut heim!
"""
DU_CUSTOMER = """\
Agent: Hallo und willkommen bei Radhaus Nord, hier ist Mia. Wie kann ich dir helfen?
Kunde: Hi, kannst du mir sagen, wann mein Lastenrad aus der Werkstatt kommt?
Agent: Klar, schau mal in deine Mail von gestern, da steht der Abholtermin. Danke dir fürs Warten!
Kunde: Super, danke dir.
Agent: Gern, mach's gut und komm gut heim!
"""
LABELS = """\
call_id,agent,deescalation,hangup,disrespect,empathy
radhaus_sie,Mia,not_needed,none,0,5
radhaus_du,Mia,not_needed,none,0,4
"""
DU_RULE = "respect.du_switch.v1"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    calls = tmp_path / "calls"
    calls.mkdir()
    (calls / "radhaus_sie.txt").write_text(SIE_CUSTOMER, encoding="utf-8")
    (calls / "radhaus_du.txt").write_text(DU_CUSTOMER, encoding="utf-8")
    (tmp_path / "labels.csv").write_text(LABELS, encoding="utf-8")
    return tmp_path


def score(shop: Path, *args: str) -> dict[str, dict]:
    proc = run_toneprobe("score", "calls", "-F", "jsonl", "--model", "fake", "-q", *args, cwd=shop)
    assert proc.returncode == 0, proc.stderr
    return {c["call_id"]: c for c in map(json.loads, proc.stdout.splitlines())}


def du_calls(calls: dict[str, dict]) -> set[str]:
    return {cid for cid, c in calls.items() if any(f["rule_id"] == DU_RULE for f in c["findings"])}


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize(
    ("address", "expected"),
    [
        (None, {"radhaus_sie"}),  # default mirror: du counts where the customer says Sie
        ("mirror", {"radhaus_sie"}),
        ("Sie", {"radhaus_sie", "radhaus_du"}),
        ("du", set()),
    ],
)
def test_house_style_address_option_decides_which_du_counts(shop, workers, address, expected):
    args = ("-j", workers) + (("--address", address) if address else ())
    calls = score(shop, *args)
    assert du_calls(calls) == expected
    assert {cid for cid, c in calls.items() if c["respect"]["disrespect"]} == expected
    courtesy = {c["respect"]["courtesy"] for c in calls.values()}
    # greeting, bitte/danke and the farewell: 3 of 5 elements, or of 4 where Sie is not expected
    assert courtesy == ({0.75} if address == "du" else {0.6})


@pytest.mark.parametrize("workers", ["1", "2"])
def test_house_style_from_the_config_file_and_the_option_overrides_it(shop, workers):
    (shop / "toneprobe.toml").write_text('[respect]\naddress = "du"\n', encoding="utf-8")
    from_config = score(shop, "-j", workers)
    assert du_calls(from_config) == set()
    # no du finding, 3 of the 4 courtesy elements a du house style expects
    w = default_weights().respect
    assert {c["components"]["respect"] for c in from_config.values()} == {
        round(w.base + w.courtesy * 0.75, 1)
    }
    overridden = score(shop, "-j", workers, "--address", "Sie")
    assert du_calls(overridden) == {"radhaus_sie", "radhaus_du"}


def test_house_style_reaches_evaluate_examples_report_and_explain(shop):
    def evaluate(*args: str) -> dict:
        proc = run_toneprobe(
            "evaluate", "calls", "--labels", "labels.csv", "-F", "json", "--model", "fake",
            "-q", *args, cwd=shop,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    def disrespect_disagreements(*args: str) -> list[str]:
        doc = evaluate(*args)
        return [d["call_id"] for d in doc["disagreements"] if d["detector"] == "disrespect"]

    # the labels say Mia is respectful: the du style agrees with them, mirror does not
    assert disrespect_disagreements() == ["radhaus_sie"]
    assert disrespect_disagreements("--address", "du", "-j", "2") == []  # reaches the workers

    def worst(*args: str) -> list[str]:
        proc = run_toneprobe(
            "examples", "calls", "--kind", "worst", "-F", "json", "--model", "fake", "-q",
            *args, cwd=shop,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return [m["rule_id"] for m in json.loads(proc.stdout)["moments"]]

    assert DU_RULE in worst("--address", "Sie")
    assert worst("--address", "du") == []

    for address, present in (("Sie", True), ("du", False)):
        out = shop / f"report-{address}.html"
        proc = run_toneprobe(
            "report", "calls", "-o", str(out), "--model", "fake", "-q",
            "--address", address, cwd=shop,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert (DU_RULE in out.read_text(encoding="utf-8")) is present

    # three "du" findings saturate: 0.7 * (1 + d + d**2) (1.37 at decay 0.6, not 2.1), and
    # one rule weighs at most respect.max_per_rule
    w = default_weights().respect
    three = 0.7 * (1 + w.repeat_decay + w.repeat_decay**2)
    three = three if w.max_per_rule is None else min(three, w.max_per_rule)
    for address, present, weight in (("Sie", True, f"{three:.2f}"), ("du", False, "0.00")):
        proc = run_toneprobe(
            "explain", "calls/radhaus_du.txt", "--model", "fake", "--address", address, cwd=shop
        )
        assert proc.returncode == 0, proc.stderr
        assert (DU_RULE in proc.stdout) is present
        assert f"negative findings weighing {weight} with repeats" in proc.stdout


@pytest.mark.parametrize("command", ["score", "explain", "evaluate", "examples", "report"])
def test_house_style_unknown_address_is_a_usage_error(shop, command):
    args = {
        "score": ["calls"],
        "explain": ["calls/radhaus_du.txt"],
        "evaluate": ["calls", "--labels", "labels.csv"],
        "examples": ["calls"],
        "report": ["calls", "-o", "r.html"],
    }[command]
    proc = run_toneprobe(command, *args, "--model", "fake", "--address", "Du", cwd=shop)
    assert proc.returncode == 2
    assert "--address" in proc.stderr and "mirror, Sie, du" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_house_style_wrong_value_in_the_config_names_file_and_key(shop):
    (shop / "toneprobe.toml").write_text('[respect]\naddress = "ihr"\n', encoding="utf-8")
    proc = run_toneprobe("score", "calls", "--model", "fake", cwd=shop)
    assert proc.returncode == 2
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith("Error: toneprobe.toml: respect.address: Input should be 'mirror'")
    assert "Traceback" not in proc.stderr
