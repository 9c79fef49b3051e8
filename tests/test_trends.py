"""Issue 15, trends: call dates, saved scores as input, per-agent trends, the report's charts.

Every behaviour is checked through the CLI in its own process on real files: the samples,
copies of them under dated names, and score files that ``score --format jsonl`` wrote.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest
from cli import run_toneprobe

from toneprobe.scoring import mean_ci95
from toneprobe.trends import TrendAggregator, period_bounds, period_of, period_range

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_transcripts"
FAKE = ("--model", "fake")


def _jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _score_jsonl(*args: str) -> list[dict]:
    proc = run_toneprobe("score", *args, "--format", "jsonl", *FAKE, "-j", "1")
    assert proc.returncode == 0, proc.stderr
    return _jsonl(proc.stdout)


@pytest.fixture(scope="module")
def saved_samples(tmp_path_factory) -> Path:
    """The 44 sample calls scored once and saved as JSONL, as a user would keep them."""
    out = tmp_path_factory.mktemp("saved") / "scores.jsonl"
    proc = run_toneprobe(
        "score", str(SAMPLES), "--format", "jsonl", "--output", str(out), *FAKE, "-j", "1"
    )
    assert proc.returncode == 0, proc.stderr
    assert len(_jsonl(out.read_text(encoding="utf-8"))) == 44
    return out


# --------------------------------------------------------------------------- dates


def test_dates_come_from_file_and_folder_names(tmp_path):
    call = SAMPLES / "json" / "call_001.json"
    names = {
        "anruf_2026-11-23.json": "2026-11-23",
        "20261124_0815_hotline.json": "2026-11-24",
        "Gespräch 25.11.2026.json": "2026-11-25",
        "2026/11/26/abc.json": "2026-11-26",
        "export-2026_11_27/call.json": "2026-11-27",
        "call_2026-02-30.json": None,  # not a day
        "kunde_12345678.json": None,  # an id, not a date
        "ohne_datum.json": None,
    }
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(call, tmp_path / name)
    shutil.copy(SAMPLES / "text" / "call_003.txt", tmp_path / "mitschnitt_20261128.txt")
    names["mitschnitt_20261128.txt"] = "2026-11-28"
    records = _score_jsonl(str(tmp_path))
    got = {Path(r["source"]).relative_to(tmp_path).as_posix(): r["date"] for r in records}
    assert got == names


def test_dates_come_from_source_metadata(tmp_path):
    # Genesys: conversationStartTime (epoch ms, UTC day), even against a date in the name
    shutil.copy(SAMPLES / "genesys" / "call_008.json", tmp_path / "2020-01-01_genesys.json")
    # Contact Lens voice: the recording's S3 path in CustomerMetadata
    connect = json.loads((SAMPLES / "connect" / "call_007.json").read_text(encoding="utf-8"))
    connect["CustomerMetadata"] = {
        "ContactId": "c-1",
        "InputS3Uri": "s3://bucket/connect/x/CallRecordings/2026/10/05/c-1_20261005T09:12_UTC.wav",
    }
    (tmp_path / "connect.json").write_text(json.dumps(connect), encoding="utf-8")
    # AWS Transcribe has no date of its own: the job name
    aws = json.loads((SAMPLES / "aws" / "call_006.json").read_text(encoding="utf-8"))
    aws["jobName"] = "hotline-2026-10-06-0815"
    (tmp_path / "aws.json").write_text(json.dumps(aws), encoding="utf-8")
    # toneprobe JSON: date, or started_at whose day is kept as written (not moved to UTC)
    own = json.loads((SAMPLES / "json" / "call_002.json").read_text(encoding="utf-8"))
    (tmp_path / "own_date.json").write_text(json.dumps({**own, "date": "2026-10-07"}))
    started = {**own, "call_id": "spät", "started_at": "2026-10-08T00:30:00+02:00"}
    (tmp_path / "own_started.json").write_text(json.dumps(started), encoding="utf-8")
    records = {Path(r["source"]).name: r["date"] for r in _score_jsonl(str(tmp_path))}
    assert records == {
        "2020-01-01_genesys.json": "2025-10-31",
        "connect.json": "2026-10-05",
        "aws.json": "2026-10-06",
        "own_date.json": "2026-10-07",
        "own_started.json": "2026-10-08",
    }
    ccai = _score_jsonl(str(SAMPLES / "ccai"))
    assert {r["call_id"]: r["date"] for r in ccai} == {
        "call_015": "2025-11-19",
        "call_030": "2025-11-07",
    }


def test_dates_come_from_a_date_column_of_an_export(tmp_path):
    export = tmp_path / "export_2020-01-01.csv"  # the column wins over the name
    export.write_text(
        "Anruf-ID;Datum;Rolle;Äußerung\n"
        "K-1;23.11.2026;Agent;Guten Morgen, Kundenservice, was kann ich für Sie tun?\n"
        "K-1;23.11.2026;Kunde;Meine Rechnung ist doppelt so hoch wie sonst.\n"
        "K-2;;Agent;Guten Tag, Sie sprechen mit Herrn Albers.\n"
        "K-2;;Kunde;Ich wollte nur meine neue Adresse durchgeben.\n",
        encoding="utf-8",
    )
    records = _score_jsonl(str(export))
    assert {r["call_id"]: r["date"] for r in records} == {"K-1": "2026-11-23", "K-2": "2020-01-01"}
    bad = tmp_path / "falsch.csv"
    bad.write_text(
        "call_id;date;role;text\nK-3;morgen;agent;Guten Tag, was kann ich für Sie tun?\n",
        encoding="utf-8",
    )
    proc = run_toneprobe("score", str(bad), *FAKE)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"Error: {bad}:2: malformed date 'morgen'"]


def test_convert_keeps_the_date_and_reads_it_back(tmp_path):
    proc = run_toneprobe("convert", str(SAMPLES / "genesys" / "call_029.json"))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["date"] == "2025-09-26"
    (tmp_path / "c.json").write_text(proc.stdout, encoding="utf-8")
    assert _score_jsonl(str(tmp_path / "c.json"))[0]["date"] == "2025-09-26"


def test_a_bad_date_field_names_the_file(tmp_path):
    own = json.loads((SAMPLES / "json" / "call_002.json").read_text(encoding="utf-8"))
    bad = tmp_path / "falsch.json"
    bad.write_text(json.dumps({**own, "date": "23.11.2026"}), encoding="utf-8")
    proc = run_toneprobe("score", str(bad), *FAKE)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"Error: {bad}: 'date': expected a date YYYY-MM-DD, got '23.11.2026'"
    ]


def test_date_option_overrides_every_source(tmp_path):
    shutil.copy(SAMPLES / "genesys" / "call_008.json", tmp_path / "g.json")
    shutil.copy(SAMPLES / "json" / "call_001.json", tmp_path / "anruf_2026-01-02.json")
    records = _score_jsonl(str(tmp_path), "--date", "2026-11-23")
    assert [r["date"] for r in records] == ["2026-11-23", "2026-11-23"]
    for bad in ("2026-13-01", "23.11.2026", "2026-11-23T10:00"):
        proc = run_toneprobe("score", str(tmp_path), "--date", bad, *FAKE)
        assert proc.returncode == 2, bad
        assert proc.stderr.strip().splitlines() == [
            f"Error: --date: expected a date YYYY-MM-DD, got {bad!r}"
        ]


def test_csv_rows_end_with_the_date(tmp_path):
    shutil.copy(SAMPLES / "json" / "call_001.json", tmp_path / "2026-11-23.json")
    proc = run_toneprobe("score", str(tmp_path), "--format", "csv", *FAKE)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert list(rows[0])[-1] == "date" and rows[0]["date"] == "2026-11-23"


# --------------------------------------------------------------------------- saved scores


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


def test_saved_scores_are_read_not_scored_again(saved_samples, tmp_path):
    records = _jsonl(saved_samples.read_text(encoding="utf-8"))
    # a score the models could never give this call: only reading the file keeps it
    records[0]["empathy_score"] = 3.5
    edited = _write(tmp_path / "edited.jsonl", records)
    proc = run_toneprobe("score", str(edited), "--by", "agent", "--format", "json", *FAKE)
    assert proc.returncode == 0, proc.stderr
    assert "read 44 saved calls from 1 score file(s), not scored again" in proc.stderr
    assert "scored 44" not in proc.stderr
    doc = json.loads(proc.stdout)
    agent = records[0]["agent"]
    mine = [r["empathy_score"] for r in records if r["agent"] == agent]
    row = next(a for a in doc["agents"] if a["agent"] == agent)
    assert row["calls"] == len(mine)
    assert row["empathy_score"] == round(sum(mine) / len(mine), 1)
    assert doc["summary"]["saved_calls"] == 44


def test_saved_scores_and_transcripts_mix(saved_samples, tmp_path):
    shutil.copy(SAMPLES / "json" / "call_001.json", tmp_path / "neu.json")
    proc = run_toneprobe(
        "score", str(saved_samples), str(tmp_path / "neu.json"), "--by", "call",
        "--format", "csv", *FAKE, "-j", "1",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(rows) == 45
    assert "not scored again" in proc.stderr and "scored 1 calls" in proc.stderr


def test_a_bad_saved_line_is_the_error_for_one_file(saved_samples, tmp_path):
    lines = saved_samples.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2][:40] + "\n"
    broken = tmp_path / "broken.jsonl"
    broken.write_text("".join(lines), encoding="utf-8")
    proc = run_toneprobe("score", str(broken), "--by", "agent", *FAKE)
    assert proc.returncode == 2
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"Error: {broken}:3: not valid JSON")
    assert "Traceback" not in proc.stderr
    report = run_toneprobe("report", str(broken), "--output", str(tmp_path / "r.html"))
    assert report.returncode == 2
    assert report.stderr.strip().startswith(f"Error: {broken}:3: not valid JSON")


def test_bad_saved_lines_are_skipped_and_counted_in_a_batch(saved_samples, tmp_path):
    records = _jsonl(saved_samples.read_text(encoding="utf-8"))
    first, second = records[:20], records[20:]
    del second[3]["hangup"]
    a = _write(tmp_path / "a.jsonl", first)
    b = tmp_path / "b.jsonl"
    b.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in second)
        + json.dumps(second[0])[:30],  # a run killed mid-line
        encoding="utf-8",
    )
    proc = run_toneprobe("score", str(a), str(b), "--format", "json", *FAKE)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["summary"]["saved_calls"] == 43
    assert doc["summary"]["saved_lines_skipped"] == 2
    assert doc["errors"] == [
        {"source": str(b), "line": 4, "message": "not a toneprobe call record: no 'hangup'"},
        {"source": str(b), "line": 25, "message": "incomplete last line (an interrupted run?)"},
    ]
    assert f"skipped: {b}:4: not a toneprobe call record: no 'hangup'" in proc.stderr
    strict = run_toneprobe("score", str(a), str(b), "--strict", *FAKE)
    assert strict.returncode == 2


def test_commands_that_need_transcripts_say_so_for_saved_scores(saved_samples, tmp_path):
    renamed = tmp_path / "scores.txt"  # known by content, not by the name
    shutil.copy(saved_samples, renamed)
    proc = run_toneprobe("score", str(renamed), "--by", "agent", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["summary"]["saved_calls"] == 44
    proc = run_toneprobe("examples", str(saved_samples), *FAKE)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"Error: {saved_samples}:1: saved scores, not transcripts: `score` and `report` read "
        "them (as a file, not stdin) without scoring; other commands need the transcripts"
    ]


def test_turn_row_jsonl_is_still_a_transcript(tmp_path):
    rows = [
        ("agent", "Guten Tag, Stadtwerke Elmtal, Sie sprechen mit Frau Ostermann."),
        ("customer", "Mein Abschlag wurde diesen Monat zweimal abgebucht, das ärgert mich."),
        ("agent", "Das tut mir leid, das schaue ich mir sofort an und buche es zurück."),
        ("customer", "Danke, das ist nett von Ihnen."),
    ]
    path = tmp_path / "export.jsonl"
    _write(path, [{"call_id": "A-7", "role": r, "text": t} for r, t in rows])
    proc = run_toneprobe("score", str(path), "--format", "jsonl", *FAKE)
    assert proc.returncode == 0, proc.stderr
    (record,) = _jsonl(proc.stdout)
    assert record["call_id"] == "A-7" and record["n_turns"] == 4
    assert "scored 1 calls" in proc.stderr and "saved" not in proc.stderr


# --------------------------------------------------------------------------- trends


def _dated(records: list[dict], agent: str, days: list[str | None]) -> list[dict]:
    """Copies of one agent's saved records on the given days (ids made unique)."""
    mine = [r for r in records if r["agent"] == agent]
    out = []
    for n, day in enumerate(days):
        r = dict(mine[n % len(mine)])
        r["call_id"] = f"{r['call_id']}-{n}"
        r["date"] = day
        out.append(r)
    return out


def test_weekly_trend_marks_few_calls_and_skips_them_in_the_change(saved_samples, tmp_path):
    records = _jsonl(saved_samples.read_text(encoding="utf-8"))
    agent = "Jana Krüger"
    days = (
        ["2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06"]  # week 45: 5
        + ["2026-11-10", "2026-11-12"]  # week 46: 2 calls (few)
        + ["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20", "2026-11-21"]
        + [None, None, None]  # no date
    )
    calls = _dated(records, agent, days)
    calls[5]["empathy_score"] = 0.0  # a very bad week of two calls: must not read as a drop
    calls[6]["empathy_score"] = 0.0
    path = _write(tmp_path / "jana.jsonl", calls)
    proc = run_toneprobe("score", str(path), "--by", "agent", "--period", "week", "-F", "jsonl")
    assert proc.returncode == 0, proc.stderr
    rows = _jsonl(proc.stdout)
    assert [(r["period"], r["calls"], r["low_n"]) for r in rows] == [
        ("2026-W45", 5, False),
        ("2026-W46", 2, True),
        ("2026-W47", 6, False),
        (None, 3, True),  # the calls without a date, counted
    ]

    def stats(chunk: list[dict]) -> tuple[float, float, float]:
        s = [float(c["empathy_score"]) for c in chunk]
        out = mean_ci95(len(s), sum(s), sum(x * x for x in s))
        assert out is not None
        return out

    w45, w47 = stats(calls[:5]), stats(calls[7:13])
    assert rows[0]["empathy_score"] == round(w45[0], 1)
    assert rows[0]["ci95"] == [round(w45[1], 1), round(w45[2], 1)]
    assert rows[0]["change"] is None  # nothing before it
    assert rows[1]["change"] is None and rows[1]["empathy_score"] == 0.0
    assert rows[2]["change"] == round(w47[0] - w45[0], 1)  # against week 45, not the dip
    assert rows[1]["start"] == "2026-11-09" and rows[1]["end"] == "2026-11-15"

    table = run_toneprobe("score", str(path), "--by", "agent", "--period", "week")
    assert table.returncode == 0, table.stderr
    assert "few calls" in table.stdout and "(no date)" in table.stdout
    assert f"{rows[2]['change']:+.1f}" in table.stdout
    csv_out = run_toneprobe("score", str(path), "--period", "week", "--format", "csv")
    assert csv_out.returncode == 0, csv_out.stderr
    csv_rows = list(csv.DictReader(io.StringIO(csv_out.stdout)))
    assert [r["period"] for r in csv_rows] == ["2026-W45", "2026-W46", "2026-W47", ""]
    assert [r["low_n"] for r in csv_rows] == ["0", "1", "0", "1"]
    md = run_toneprobe("score", str(path), "--period", "month", "--format", "markdown")
    assert md.returncode == 0, md.stderr
    assert md.stdout.splitlines()[2].startswith(
        f"| {agent} | 2026-11 | 2026-11-01 | 2026-11-30 | 13 |"
    )


def test_period_needs_agents_and_a_known_period(saved_samples):
    proc = run_toneprobe("score", str(saved_samples), "--by", "call", "--period", "week")
    assert proc.returncode == 2
    assert "Error: --period gives per-agent trends: use it with --by agent" in proc.stderr
    proc = run_toneprobe("score", str(saved_samples), "--period", "quarter")
    assert proc.returncode == 2 and "quarter" in proc.stderr


def test_json_document_carries_the_trends(saved_samples):
    proc = run_toneprobe(
        "score", str(saved_samples), "--by", "agent", "--period", "month", "--format", "json"
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["schema_version"] == 1
    trends = doc["trends"]
    assert trends["period"] == "month" and trends["low_n"] == 5
    # four sample calls carry a date (Genesys, CCAI); the other 40 are counted as undated
    dated = [p for p in trends["points"] if p["period"] is not None]
    assert sum(p["calls"] for p in dated) == 4
    assert sum(p["calls"] for p in trends["points"] if p["period"] is None) == 40
    assert {p["period"] for p in dated} == {"2025-09", "2025-10", "2025-11"}


# --------------------------------------------------------------------------- report


def test_report_from_saved_scores_has_a_trend_chart_per_agent(saved_samples, tmp_path):
    records = _jsonl(saved_samples.read_text(encoding="utf-8"))
    weeks = ["2026-11-02"] * 6 + ["2026-11-10"] * 2 + ["2026-11-17"] * 6 + [None] * 2
    calls = _dated(records, "Lea Brandt", weeks) + _dated(records, "Dirk Lemke", weeks[:6])
    _write(tmp_path / "scores.jsonl", calls)
    shutil.copy(SAMPLES / "json" / "call_001.json", tmp_path / "2026-11-18_neu.json")
    out = tmp_path / "report.html"
    proc = run_toneprobe("report", str(tmp_path), "--output", str(out), *FAKE, "-j", "1")
    assert proc.returncode == 0, proc.stderr
    assert "read 22 saved calls from 1 score file(s), not scored again" in proc.stderr
    assert "scored 1 calls" in proc.stderr  # the transcript among them
    html_text = out.read_text(encoding="utf-8")
    assert "<p>23 calls · 3 agents · " in html_text
    lea = [c["empathy_score"] for c in calls if c["agent"] == "Lea Brandt"]
    assert (
        '<tr data-agent="Lea Brandt"><td>Lea Brandt</td><td class="num">16</td>'
        f'<td class="num"><b>{sum(lea) / len(lea):.1f}</b></td>'
    ) in html_text
    assert '<section id="trends"><h2>Trend per week</h2>' in html_text
    for agent in ("Lea Brandt", "Dirk Lemke"):
        assert f'aria-label="{agent}: empathy score per week with 95% intervals"' in html_text
    assert "<b>2 calls without a date</b>" in html_text
    assert "2 calls without a date not shown." in html_text
    assert "fewer than 5 calls" in html_text
    # Lea's week 46 and the one scored call of Jana Krüger (week 47)
    assert html_text.count('<span class="low">few calls</span>') == 2
    assert "Scores read from a saved score file" in html_text


def test_report_says_when_no_call_has_a_date(saved_samples, tmp_path):
    records = [r for r in _jsonl(saved_samples.read_text(encoding="utf-8")) if not r["date"]]
    path = _write(tmp_path / "undatiert.jsonl", records)
    out = tmp_path / "r.html"
    proc = run_toneprobe("report", str(path), "--output", str(out), "--period", "month")
    assert proc.returncode == 0, proc.stderr
    html_text = out.read_text(encoding="utf-8")
    assert "No call has a date, so there is no trend (40 calls without a date)" in html_text
    dated = run_toneprobe(
        "report", str(path), "--output", str(out), "--date", "2026-11-23", "--period", "month"
    )
    assert dated.returncode == 0, dated.stderr
    assert "Trend per month" in out.read_text(encoding="utf-8")
    assert "Every call has a date." in out.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- pure functions


@pytest.mark.parametrize(
    ("day", "week", "month"),
    [
        (dt.date(2026, 11, 23), "2026-W48", "2026-11"),
        (dt.date(2026, 12, 31), "2026-W53", "2026-12"),
        (dt.date(2027, 1, 3), "2026-W53", "2027-01"),
        (dt.date(2027, 1, 4), "2027-W01", "2027-01"),
    ],
)
def test_trends_period_of_uses_iso_weeks(day, week, month):
    assert period_of(day, "week") == week
    assert period_of(day, "month") == month
    start, end = period_bounds(week, "week")
    assert start <= day <= end and (end - start).days == 6 and start.isoweekday() == 1


def test_trends_period_range_fills_gaps():
    assert period_range("2026-W52", "2027-W02", "week") == [
        "2026-W52", "2026-W53", "2027-W01", "2027-W02",
    ]  # fmt: skip
    assert period_range("2026-11", "2027-02", "month") == [
        "2026-11", "2026-12", "2027-01", "2027-02",
    ]  # fmt: skip
    assert period_bounds("2027-02", "month") == (dt.date(2027, 2, 1), dt.date(2027, 2, 28))


def test_trends_merge_a_bare_surname_into_the_full_name():
    agg = TrendAggregator("month", low_n=2)
    for agent, score in (("Kai Dornbusch", 80.0), ("Dornbusch", 60.0), ("Kai Dornbusch", 70.0)):
        agg.add({"agent": agent, "empathy_score": score, "date": "2026-11-05"})
    (point,) = agg.points()
    assert point.agent == "Kai Dornbusch" and point.calls == 3 and point.empathy_score == 70.0
