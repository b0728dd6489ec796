"""What `alphaforge run` prints about its outputs: only files the stages it ran wrote."""

from __future__ import annotations

import json
from collections.abc import Callable

from alphaforge.data.datasets import synthesize
from alphaforge.workspace import Workspace
from tests.conftest import configure


def test_skip_training_announces_the_plan_not_a_report_it_did_not_write(workspace: Workspace,
                                                                      cli: Callable) -> None:
    synthesize(workspace, symbols=3, bars=600, freq="1d", seed=1)
    configure(workspace, data={"dataset": "synth", "macro": ""}, features={"include": ["px"]},
              selection={"targets": ["fwd_ret_1"], "n_splits": 3, "shuffles": 1})
    root = str(workspace.root)
    shown = cli("-w", root, "run", "--auto-targets", "--skip-training", "--no-track")
    assert shown.code == 0, shown.stderr
    assert "report.html" not in shown.stdout and "Training plan:" in shown.stdout
    assert not (workspace.root / "reports" / "report.html").exists()
    payload = json.loads(cli("-w", root, "run", "--auto-targets", "--skip-training", "--no-track", "--json").stdout)
    assert "report" not in payload and payload["summaries"]["training_plan"]["path"]
