"""Issue 14, reader faults 1, 2, 3, 4, 6 and 8: files in the shape real exporters write them.

Every fixture under ``tests/fixtures/exporters/`` was written for toneprobe in the shape of the
exporter's file (Contact Lens, WhisperX .txt, a QA export, Zoom captions, Whisper TSV, a
near-miss toneprobe JSON, an undiarised WhisperX JSON). Each fault is checked with the CLI run
as a process, as a user runs it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli import run_toneprobe

FIXTURES = Path(__file__).parent.parent / "fixtures" / "exporters"


def run(*args: str, stdin: str | None = None):
    return run_toneprobe(*args, stdin=stdin, timeout=120)


def convert(path: Path | str, *args: str) -> list[dict]:
    """``toneprobe convert`` as a process: the calls it prints (one object or JSON lines)."""
    proc = run("convert", str(path), *args)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.strip()
    if out.startswith("{\n"):
        return [json.loads(out)]
    return [json.loads(line) for line in out.splitlines()]


def score_json(*args: str) -> tuple[dict, str]:
    proc = run("score", *args, "--model", "fake", "--format", "json", "--by", "call")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc.stderr


def one_error_line(proc, name: str) -> str:
    """Exit 2, nothing on stdout, one line on stderr naming the file, no traceback."""
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert name in lines[0]
    assert "Traceback" not in proc.stderr
    return lines[0]


# --- fault 1: a JSON-looking file that does not parse -------------------------------------


@pytest.mark.parametrize(
    "forced", [(), ("-f", "contact-lens"), ("-f", "whisper"), ("-f", "table"), ("-f", "aws")]
)
def test_issue_14_broken_json_names_the_json_error(forced):
    path = FIXTURES / "contact_lens_stray_brace.json"
    proc = run("score", str(path), "--model", "fake", *forced)
    line = one_error_line(proc, "contact_lens_stray_brace.json")
    # the stray brace closes the document early: the decoder stops at line 52, column 6
    assert "contact_lens_stray_brace.json:52:" in line
    assert "invalid JSON" in line and "column 6" in line
    assert "Transcript list" not in line


def test_issue_14_broken_json_never_read_as_text_in_a_batch(tmp_path):
    broken = tmp_path / "analysis.json"
    broken.write_text(
        '{\n  "Sentiment": {\n    "AGENT": 0,\n    "CUSTOMER": -2\n  }\n  "Transcript": []\n}\n'
    )
    good = tmp_path / "call.txt"
    good.write_text(
        "Agent: Guten Tag, was kann ich für Sie tun?\nKunde: Meine Rechnung ist falsch.\n"
    )
    doc, err = score_json(str(tmp_path))
    assert [c["source"] for c in doc["calls"]] == [str(good)]
    (error,) = doc["errors"]
    assert error["source"] == str(broken) and error["line"] == 6
    assert error["message"] == "invalid JSON: Expecting ',' delimiter (column 3)"
    assert doc["summary"]["files_skipped"] == 1


@pytest.mark.parametrize("first", ["[Musik]", "[00:00:00]", "{Aufnahme startet}"])
def test_issue_14_text_opening_with_a_bracket_is_still_text(tmp_path, first):
    path = tmp_path / "call.txt"
    path.write_text(
        f"{first}\nAgent: Guten Tag, was kann ich für Sie tun?\nKunde: Meine Rechnung ist falsch.\n"
    )
    (call,) = convert(path)
    assert [t["role"] for t in call["turns"]] == ["agent", "customer"]


def test_issue_14_truncated_json_array_is_a_json_error(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text('[\n  {"role": "agent", "text": "Guten Tag"},\n  {"role": "customer", "te')
    line = one_error_line(run("score", str(path), "--model", "fake"), "rows.json")
    assert "rows.json:3: truncated JSON" in line and "column" in line


# --- fault 2: WhisperX / whisper-ctranslate2 .txt with bracketed speaker labels ------------


def test_issue_14_whisperx_txt_reads_speakers_and_roles():
    path = FIXTURES / "whisperx_diarized.txt"
    (call,) = convert(path)
    assert [t["speaker"] for t in call["turns"]] == ["SPEAKER_01", "SPEAKER_00"] * 3 + [
        "SPEAKER_01"
    ]
    assert [t["role"] for t in call["turns"]] == ["agent", "customer"] * 3 + ["agent"]
    source_words = [
        w for line in path.read_text(encoding="utf-8").splitlines() for w in line.split()[1:]
    ]
    assert [w for t in call["turns"] for w in t["text"].split()] == source_words
    assert convert(path, "-f", "text") == [call]


@pytest.mark.parametrize(
    "prefix",
    ["[{spk}] ", "[{spk}]: ", "{spk}: ", "[00:0{n}.000 --> 00:0{m}.500] [{spk}]: "],
    ids=["no-colon", "colon", "unbracketed", "with-times"],
)
def test_issue_14_bracketed_and_unbracketed_labels(tmp_path, prefix):
    lines = [
        ("SPEAKER_00", "Guten Tag, Kundenservice der Beispiel AG, was kann ich für Sie tun?"),
        ("SPEAKER_01", "Mein Paket ist seit einer Woche nicht angekommen."),
        ("SPEAKER_00", "Das tut mir leid, ich schaue sofort nach der Sendung."),
    ]
    text = "".join(
        prefix.format(spk=spk, n=2 * i, m=2 * i + 1) + words + "\n"
        for i, (spk, words) in enumerate(lines)
    )
    path = tmp_path / "call.txt"
    path.write_text(text, encoding="utf-8")
    (call,) = convert(path)
    assert [(t["speaker"], t["text"]) for t in call["turns"]] == lines
    assert [t["role"] for t in call["turns"]] == ["agent", "customer", "agent"]
    if "-->" in prefix:
        assert [t["start"] for t in call["turns"]] == [0.0, 2.0, 4.0]


# --- fault 6: Whisper TSV times in milliseconds ---------------------------------------------


def test_issue_14_whisper_tsv_milliseconds_read_as_milliseconds():
    path = FIXTURES / "whisper_ms.tsv"
    proc = run("convert", str(path))
    assert proc.returncode == 0, proc.stderr
    call = json.loads(proc.stdout)
    assert call["turns"][0]["start"] == 0.0
    assert call["turns"][0]["end"] == 3.48
    assert call["turns"][-1]["end"] == 34.12  # a 34-second call, not 9 hours
    assert "read as milliseconds" in proc.stderr and "34.1 s" in proc.stderr
    # Whisper writes no speakers: every segment says who speaks, so roles are guessed
    assert [t["role"] for t in call["turns"]] == ["agent", "customer"] * 3 + ["agent"]
    assert call["metadata"]["roles"]["method"] == "guessed_per_segment"
    rows = path.read_text(encoding="utf-8").splitlines()[1:]
    assert (
        " ".join(t["text"] for t in call["turns"]).split()
        == " ".join(r.split("\t")[2] for r in rows).split()
    )


def test_issue_14_unitless_seconds_stay_seconds(tmp_path):
    rows = [
        (0, 4, "Guten Tag, hier ist der Kundenservice der Westbahn, was kann ich für Sie tun?"),
        (4, 8, "Ich wollte fragen, warum mein Ticket zweimal abgebucht wurde."),
        (9, 14, "Das tut mir leid. Nennen Sie mir bitte Ihre Buchungsnummer?"),
    ]
    path = tmp_path / "seconds.tsv"
    path.write_text("start\tend\ttext\n" + "".join(f"{a}\t{b}\t{t}\n" for a, b, t in rows))
    proc = run("convert", str(path))
    assert proc.returncode == 0, proc.stderr
    call = json.loads(proc.stdout)
    assert call["turns"][0]["start"] == 0.0
    assert max(t["end"] for t in call["turns"]) == 14.0
    assert "milliseconds" not in proc.stderr


# --- fault 3: the whole call in one cell, repeated on one row per QA question ---------------


def _cell_words(cell: str) -> list[str]:
    """The words of a transcript cell without its speaker markers."""
    import re

    return re.sub(r"\[turn=[^\]]*\]:|^(?:Agent|Kunde):", " ", cell, flags=re.M).split()


def test_issue_14_qa_export_cells_split_into_turns_and_read_once():
    import csv

    path = FIXTURES / "qa_export_one_cell.csv"
    doc, err = score_json(str(path))
    by_id = {c["call_id"]: c for c in doc["calls"]}
    assert sorted(by_id) == ["QA-7001", "QA-7002"]
    assert by_id["QA-7001"]["n_turns"] == 5
    assert by_id["QA-7002"]["n_turns"] == 4
    assert doc["summary"]["turns"] == 9
    assert "2 row(s) repeat a transcript already read (line(s) 8, 14)" in err
    assert "1 row(s) repeat a transcript already read (line(s) 24)" in err
    assert "no speaker labels" not in err
    calls = {c["call_id"]: c for c in convert(path)}
    first = calls["QA-7001"]
    assert [t["role"] for t in first["turns"]] == ["agent", "customer"] * 2 + ["agent"]
    assert [t["start"] for t in first["turns"]] == [1.0, 6.0, 14.0, 19.0, 27.0]
    with path.open(encoding="utf-8", newline="") as fh:
        cells = {row["Contact ID"]: row["Transcript"] for row in csv.DictReader(fh)}
    for cid, call in calls.items():
        assert [w for t in call["turns"] for w in t["text"].split()] == _cell_words(cells[cid])


def test_issue_14_qa_export_jsonl_rows_with_call_in_one_field():
    path = FIXTURES / "qa_export_one_cell.jsonl"
    (call,) = convert(path)
    assert call["call_id"] == "QA-7001" and call["agent"] == "Miriam Koch"
    assert [t["speaker"] for t in call["turns"]] == ["AGENT", "CUSTOMER"] * 2 + ["AGENT"]
    cell = json.loads(path.read_text(encoding="utf-8").splitlines()[0])["transcript"]
    assert [w for t in call["turns"] for w in t["text"].split()] == _cell_words(cell)


def test_issue_14_markers_inline_in_one_line_cell(tmp_path):
    cell = (
        "[turn=1 | 00:00:01 | AGENT]: Guten Tag, Stadtwerke Nord, was kann ich für Sie tun? "
        "[turn=2 | 00:00:05 | CUSTOMER]: Mein Abschlag ist viel zu hoch. "
        "[turn=3 | 00:00:09 | AGENT]: Das prüfe ich gern für Sie."
    )
    path = tmp_path / "qa.csv"
    path.write_text(f'call_id;frage;transcript\nC-1;Q1;"{cell}"\nC-1;Q2;"{cell}"\n')
    proc = run("convert", str(path))
    assert proc.returncode == 0, proc.stderr
    call = json.loads(proc.stdout)
    assert [(t["role"], t["start"]) for t in call["turns"]] == [
        ("agent", 1.0),
        ("customer", 5.0),
        ("agent", 9.0),
    ]
    assert call["turns"][1]["text"] == "Mein Abschlag ist viel zu hoch."
    assert "1 row(s) repeat a transcript already read (line(s) 3)" in proc.stderr


# --- fault 4: Zoom captions with display names typed in lower case --------------------------


def _zoom_lines(path: Path) -> list[str]:
    """The caption lines of a Zoom VTT: every line that is not a header, number or timing."""
    return [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and line != "WEBVTT" and not line.isdigit() and "-->" not in line
    ]


def _as_srt(lines: list[str]) -> str:
    return "".join(
        f"{i}\n00:00:{2 * i:02d},000 --> 00:00:{2 * i + 1:02d},500\n{line}\n\n"
        for i, line in enumerate(lines, 1)
    )


def _as_saved_captions(lines: list[str]) -> str:
    """Saved meeting captions: ``[name] hh:mm:ss text`` per line."""
    out = []
    for i, line in enumerate(lines):
        name, text = line.split(": ", 1)
        out.append(f"[{name}] 10:15:{2 * i:02d} {text}\n")
    return "".join(out)


@pytest.mark.parametrize("shape", ["vtt", "srt", "txt", "saved-captions"])
def test_issue_14_lower_case_display_names_are_speakers(tmp_path, shape):
    lines = _zoom_lines(FIXTURES / "zoom_lowercase.vtt")
    if shape == "vtt":
        path = FIXTURES / "zoom_lowercase.vtt"
    else:
        path = tmp_path / f"captions.{shape}".replace(".saved-captions", ".txt")
        text = {"srt": _as_srt, "saved-captions": _as_saved_captions}.get(
            shape, lambda x: "\n".join(x) + "\n"
        )(lines)
        path.write_text(text)
    (call,) = convert(path)
    assert [t["speaker"] for t in call["turns"]] == ["jörg weber", "anna m"] * 3
    assert [t["role"] for t in call["turns"]] == ["agent", "customer"] * 3
    # the names are gone from the text; "hinweis:", the URL and "10:30" stay speech
    words = [w for t in call["turns"] for w in t["text"].split()]
    assert words == [w for line in lines for w in line.split(":", 1)[1].split()]
    assert "hinweis: ich habe" in call["turns"][1]["text"]
    assert "https://rheinfunk.example/hilfe" in call["turns"][2]["text"]
    assert call["turns"][3]["text"] == "Um 10:30 hatte ich noch Empfang."


def test_issue_14_phrase_with_colon_is_not_a_speaker(tmp_path):
    path = tmp_path / "call.txt"
    path.write_text(
        "Agent: Guten Tag, wie kann ich Ihnen helfen?\n"
        "Kunde: Mein Router ist kaputt.\n"
        "kurz gesagt: nichts geht mehr.\n"
        "Agent: Das prüfe ich sofort.\n"
        "kurz gesagt: gar nichts.\n"
    )
    (call,) = convert(path)
    assert [t["speaker"] for t in call["turns"]] == ["Agent", "Kunde", "Agent"]
    assert call["turns"][1]["text"] == "Mein Router ist kaputt. kurz gesagt: nichts geht mehr."


# --- fault 8: near-miss JSON and undiarised calls -------------------------------------------


def test_issue_14_near_miss_json_speaker_gives_the_role():
    path = FIXTURES / "near_miss_speaker_roles.json"
    proc = run("convert", str(path))
    assert proc.returncode == 0, proc.stderr
    call = json.loads(proc.stdout)
    source = json.loads(path.read_text(encoding="utf-8"))
    assert [t["role"] for t in call["turns"]] == ["agent", "customer", "agent", "customer"]
    assert [t["text"] for t in call["turns"]] == [t["text"] for t in source["turns"]]
    assert "taken from 'speaker'" in proc.stderr
    doc, _ = score_json(str(path))
    (scored,) = doc["calls"]
    assert scored["n_turns"] == 4


@pytest.mark.parametrize(
    ("agent", "customer"), [("Mitarbeiterin", "Kundin"), ("agent", "caller"), ("Berater", "Kunde")]
)
def test_issue_14_near_miss_json_german_and_english_words(tmp_path, agent, customer):
    turns = [
        {"speaker": agent, "text": "Guten Tag, Autohaus Brandt, was kann ich für Sie tun?"},
        {"speaker": customer, "text": "Mein Wagen macht seit der Inspektion Geräusche."},
    ]
    path = tmp_path / "call.json"
    path.write_text(json.dumps({"call_id": "x", "turns": turns}, ensure_ascii=False))
    (call,) = convert(path)
    assert [t["role"] for t in call["turns"]] == ["agent", "customer"]


def test_issue_14_json_with_a_bad_role_still_exits_2(tmp_path):
    path = tmp_path / "call.json"
    path.write_text(json.dumps({"turns": [{"role": "chef", "speaker": "AGENT", "text": "Hallo"}]}))
    line = one_error_line(run("score", str(path), "--model", "fake"), "call.json")
    assert "unknown role 'chef'" in line


def test_issue_14_undiarised_call_is_skipped_with_reason_and_fix():
    path = FIXTURES / "whisperx_one_speaker.json"
    line = one_error_line(run("score", str(path), "--model", "fake"), "whisperx_one_speaker.json")
    assert "not diarised: one speaker label (SPEAKER_00) for the whole call" in line
    assert "diarised export" in line and "--agent-speaker SPEAKER_00" in line


def test_issue_14_undiarised_call_counted_as_skipped_in_a_batch():
    undiarised = FIXTURES / "whisperx_one_speaker.json"
    other = FIXTURES / "near_miss_speaker_roles.json"
    doc, err = score_json(str(undiarised), str(other))
    assert [c["call_id"] for c in doc["calls"]] == ["nm-0815"]
    (skipped,) = doc["errors"]
    assert skipped["skipped"] is True and skipped["call_id"] == "whisperx_one_speaker"
    assert skipped["message"].startswith("not diarised: one speaker label (SPEAKER_00)")
    summary = doc["summary"]
    assert (summary["calls"], summary["calls_skipped"], summary["calls_failed"]) == (1, 1, 0)
    assert f"skipped: {undiarised} (call whisperx_one_speaker): not diarised" in err
    assert "scored 1 calls (0 failed, 1 skipped)" in err


def test_issue_14_undiarised_agent_speaker_reads_it_as_the_agent_side():
    path = FIXTURES / "whisperx_one_speaker.json"
    doc, _ = score_json(str(path), "--agent-speaker", "SPEAKER_00")
    (call,) = doc["calls"]
    assert call["roles"]["method"] == "override"
    source = json.loads(path.read_text(encoding="utf-8"))
    (call,) = convert(path, "--agent-speaker", "SPEAKER_00")
    assert (
        call["turns"][0]["text"].split() == " ".join(s["text"] for s in source["segments"]).split()
    )


def test_issue_14_undiarised_call_split_by_cues_is_marked_guessed(tmp_path):
    texts = [
        "Guten Tag, Stadtwerke Lindau, Sie sprechen mit Nina Roth, was kann ich für Sie tun?",
        "Hallo, ich rufe an wegen meiner Rechnung, die ist viel zu hoch.",
        "Das prüfe ich gern für Sie. Einen Moment bitte.",
        "Mein Zähler funktioniert seit Montag nicht.",
        "Gibt es sonst noch etwas, das ich für Sie tun kann?",
    ]
    segments = [
        {"start": 4.0 * i, "end": 4.0 * i + 3.5, "text": " " + t, "speaker": "SPEAKER_00"}
        for i, t in enumerate(texts)
    ]
    path = tmp_path / "call.json"
    path.write_text(json.dumps({"segments": segments, "language": "de"}, ensure_ascii=False))
    doc, err = score_json(str(path))
    (call,) = doc["calls"]
    assert call["roles"]["method"] == "guessed_per_segment"
    assert call["roles"]["confidence"] == 0.3
    assert call["n_turns"] == 5
    assert "not diarised (one speaker label (SPEAKER_00) for the whole call)" in err
    assert doc["summary"]["calls_skipped"] == 0
    (read,) = convert(path)
    assert [t["role"] for t in read["turns"]] == ["agent", "customer", "agent", "customer", "agent"]
    assert [t["text"] for t in read["turns"]] == texts


def test_issue_14_undiarised_segments_with_few_cues_are_skipped(tmp_path):
    rows = [
        "Guten Tag, hier ist der Kundenservice der Westbahn, was kann ich für Sie tun?",
        "Die Buchungsnummer ist W X 3 4 9 1.",
        "Danke, ich sehe die doppelte Abbuchung und erstatte sie.",
        "Okay, dann bin ich beruhigt. Danke schön.",
    ]
    path = tmp_path / "whisper.tsv"
    path.write_text(
        "start\tend\ttext\n"
        + "".join(f"{4000 * i}\t{4000 * i + 3500}\t{t}\n" for i, t in enumerate(rows))
    )
    line = one_error_line(run("score", str(path), "--model", "fake"), "whisper.tsv")
    assert "not diarised: no speaker labels; cannot tell agent from customer" in line


def test_issue_14_aws_job_without_diarisation_is_skipped(tmp_path):
    words = [
        "Guten",
        "Tag",
        ",",
        "Kundenservice",
        "der",
        "Beispielbank",
        ",",
        "was",
        "kann",
        "ich",
        "für",
        "Sie",
        "tun",
        "?",
        "Meine",
        "Karte",
        "wurde",
        "gestern",
        "eingezogen",
        ".",
        "Das",
        "klären",
        "wir",
        "sofort",
        ".",
    ]
    items, t = [], 0.0
    for w in words:
        if w in ",.?":
            items.append({"type": "punctuation", "alternatives": [{"content": w}]})
        else:
            item = {"type": "pronunciation", "start_time": f"{t:.2f}", "end_time": f"{t + 0.3:.2f}"}
            items.append({**item, "alternatives": [{"confidence": "0.99", "content": w}]})
            t += 0.4
    doc = {"jobName": "ohne-sprecher", "status": "COMPLETED", "results": {"items": items}}
    doc["results"]["transcripts"] = [{"transcript": " ".join(words)}]
    path = tmp_path / "job.json"
    path.write_text(json.dumps(doc, ensure_ascii=False))
    line = one_error_line(run("score", str(path), "--model", "fake"), "job.json")
    assert "not diarised: no speaker labels" in line and "diarised export" in line


def test_issue_14_repeated_cell_without_markers_read_once_and_guessed(tmp_path):
    import csv

    lines = [
        "Guten Tag, Stadtwerke Nord, was kann ich für Sie tun?",
        "Ich rufe an wegen meiner Rechnung, die ist viel zu hoch.",
        "Das prüfe ich gern für Sie. Einen Moment bitte.",
    ]
    path = tmp_path / "qa.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["call_id", "frage", "transcript"])
        for question in ("Q1", "Q2", "Q3"):
            writer.writerow(["C-9", question, "\n".join(lines)])
    doc, err = score_json(str(path))
    (call,) = doc["calls"]
    assert call["n_turns"] == 3
    assert call["roles"]["method"] == "guessed_per_segment"
    assert "2 row(s) repeat a transcript already read (line(s) 5, 8)" in err
    assert "not diarised (no speaker labels)" in err
    (read,) = convert(path)
    assert [t["text"] for t in read["turns"]] == lines
    assert [t["role"] for t in read["turns"]] == ["agent", "customer", "agent"]
