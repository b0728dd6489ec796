"""`alphaforge live` is a thin call of Project.live and prints one JSON object with --json."""

from __future__ import annotations

import json

import alphaforge.project


def test_live_once_prints_the_iteration_as_json(cli, project):
    project = project()
    project.save_config()
    result = cli("-w", project.path, "live", "--once", "--no-track", "--json")
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["iterations"] == 1 and summary["rows"] == 4 and summary["stopped"] == "max iterations"
    assert "live/live/signals.csv" in summary["files"] and len(summary["signals"]) == 4
    assert "#1 2020-01-15 01:00: 4 rows" in result.stderr


def test_the_command_reaches_the_project_verb(cli, project, monkeypatch):
    project = project()
    seen = {}

    def verb(self, **options):
        seen.update(options)
        return {"name": options["name"], "stopped": "until", "iterations": 0, "rows": 0, "log_rows": 0,
                "last_bar": None, "model": "", "retrained": [], "retrain_every": "never", "signals": {},
                "drift": None, "files": [], "notices": []}

    monkeypatch.setattr(alphaforge.project.Project, "live", verb)
    result = cli("-w", project.path, "live", "--until", "2020-02-01", "--interval", "1h", "--name", "paper",
                 "--source", "folder", "--max-iterations", "3", "-q")
    assert result.code == 0, result.stderr
    assert seen["until"] == "2020-02-01" and seen["poll"] == "1h" and seen["name"] == "paper"
    assert seen["source"] == "folder" and seen["max_iterations"] == 3
