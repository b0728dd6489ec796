"""The background chart job publishes only the charts of the latest prediction of a name."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from alphaforge.predict import chart_job
from alphaforge.predict.chart import write_prediction_charts
from alphaforge.predict.chart_job import chart_lock, job_folder, remove_charts, run_chart_job, start_chart_job
from tests.predict.test_chart import frames


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The command lines of the background processes start_chart_job would have started."""
    commands: list[list[str]] = []
    monkeypatch.setattr(chart_job.subprocess, "Popen", lambda command, **_: commands.append(command))
    return commands


def _start(stem: Path, symbols: list[str], title: str, started: list[list[str]]) -> str:
    """A prediction in background mode: take the last charts down, queue the job; its token."""
    with chart_lock(stem):
        remove_charts(stem)
        start_chart_job(*frames(symbols, [0, 1, 1, -1]), stem, title=title)
    return started[-1][-1]


def test_only_the_latest_job_publishes_and_its_charts_equal_those_drawn_in_line(tmp_path, started):
    stem = tmp_path / "predictions" / "latest"
    first = _start(stem, ["A", "B"], "m v1, target t", started)
    assert started[-1][:3] == [sys.executable, "-m", "alphaforge.predict.chart_job"]
    second = _start(stem, ["C"], "m v2, target t", started)
    run_chart_job(job_folder(stem), first)  # replaced while it waited: publishes nothing
    assert not stem.with_suffix(".png").exists() and job_folder(stem).is_dir()
    run_chart_job(job_folder(stem), second)
    assert not job_folder(stem).exists()
    expected = write_prediction_charts(*frames(["C"], [0, 1, 1, -1]), tmp_path / "inline" / "latest",
                                       title="m v2, target t")
    assert [p.read_bytes() for p in expected] == [stem.with_suffix(".png").read_bytes(), (stem / "C.png").read_bytes()]


def test_a_new_prediction_takes_the_last_charts_down(tmp_path, started):
    stem = tmp_path / "predictions" / "latest"
    token = _start(stem, ["A"], "m v1, target t", started)
    run_chart_job(job_folder(stem), token)
    assert (stem / "A.png").is_file()
    _start(stem, ["B"], "m v2, target t", started)
    assert not stem.with_suffix(".png").exists() and not stem.exists()
