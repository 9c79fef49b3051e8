"""The HTML report in a real browser: headless Chromium renders agents and SVG charts, the
agent filter works, and the page logs nothing to the console (no script errors, and no
script smuggled in through transcript text).

By default the report is built from synthetic calls (fast, no model). ``make report-check``
points ``TONEPROBE_REPORT`` at the report of the bundled samples and keeps the screenshot
at ``TONEPROBE_SCREENSHOT``.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from callfactory import make_agents, make_call, make_transcript, synthetic_batch

from toneprobe.report import build_report

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _chromium() -> str:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip(
        "no Chromium binary on PATH (Debian: apt-get install -y chromium); "
        "the browser check of the HTML report needs one"
    )


def _run(binary: str, profile: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    args = [
        binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
        "--enable-logging=stderr", "--v=0", *extra, url,
    ]  # fmt: skip
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def _report_file(tmp_path: Path) -> tuple[Path, list[str]]:
    given = os.environ.get("TONEPROBE_REPORT")
    if given:
        path = Path(given).resolve()
        agents = re.findall(r'<option value="([^"]+)"', path.read_text(encoding="utf-8"))
        return path, agents
    items = synthetic_batch(24)
    lines = (
        ("agent", "Guten Tag, hier ist {agent}."),
        ("customer", 'Test <script>console.error("injected")</script> <b onmouseover=x>ende</b>'),
    )
    t = make_transcript("c_hostile", "Jana Krüger", "Anna Becker", lines)
    items.append((make_call(t, score=1.0, polarities=[0.0, -0.5]), t))
    path = tmp_path / "report.html"
    agents = make_agents([c for c, _ in items])
    path.write_text(build_report(items, agents), encoding="utf-8")
    return path, [a["agent"] for a in agents]


def test_report_browser_renders_agents_and_charts(tmp_path: Path) -> None:
    binary = _chromium()
    report, agents = _report_file(tmp_path)
    assert len(agents) >= 2
    shot = Path(os.environ.get("TONEPROBE_SCREENSHOT") or tmp_path / "report.png").resolve()
    shot.parent.mkdir(parents=True, exist_ok=True)
    url = report.as_uri()

    proc = _run(binary, tmp_path / "p1", url, "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    assert not _console(proc.stderr), _console(proc.stderr)
    for agent in agents:
        assert f'<tr data-agent="{agent}"' in dom
    assert dom.count("<svg") >= len(agents) + 2
    assert 'class="pygal-chart"' in dom
    assert "injected" not in "".join(re.findall(r"<script>(.*?)</script>", dom, flags=re.S))

    # the agent filter: "#agent=NAME" hides the other agents' rows after the script ran
    chosen = agents[1]
    proc = _run(binary, tmp_path / "p2", f"{url}#agent={quote(chosen)}", "--dump-dom")
    rows = re.findall(r'<tr data-agent="([^"]*)"( hidden="")?', proc.stdout)
    assert rows and all((name == chosen) != bool(hidden) for name, hidden in rows)
    assert not _console(proc.stderr), _console(proc.stderr)

    proc = _run(binary, tmp_path / "p3", url, f"--screenshot={shot}", "--window-size=1280,2000")
    assert proc.returncode == 0, proc.stderr[-2000:]
    head = shot.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    assert (width, height) == (1280, 2000)
    assert shot.stat().st_size > 50_000  # a blank page compresses to a few KB


def test_report_browser_console_check_sees_errors(tmp_path: Path) -> None:
    """The console check above can fail: a page with a script error is reported."""
    binary = _chromium()
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><p>x</p><script>notDefined();</script>", encoding="utf-8")
    proc = _run(binary, tmp_path / "p", page.as_uri(), "--dump-dom")
    assert any("notDefined" in line for line in _console(proc.stderr))
