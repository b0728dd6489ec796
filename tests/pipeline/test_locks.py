"""predict and backtest write under the workspace lock: while another process writes (a `run`), they
say "workspace busy" instead of overwriting predictions/latest.* and backtests/<name>/."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from alphaforge.data.datasets import import_bundled
from alphaforge.errors import WorkspaceBusyError
from alphaforge.pipeline.backtest import backtest
from alphaforge.pipeline.predict import predict


@pytest.fixture
def held(workspace):
    """Another process holding the workspace's write lock while the test runs."""
    import_bundled(workspace, "us_ohlcv")
    code = ("import sys, time\nfrom pathlib import Path\nfrom alphaforge.workspace import Workspace\n"
            "with Workspace(Path(sys.argv[1])).lock('alphaforge run'):\n    print('held', flush=True)\n"
            "    time.sleep(60)\n")
    holder = subprocess.Popen([sys.executable, "-c", code, str(workspace.root)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    yield workspace
    holder.kill()
    holder.wait()


def test_predict_and_backtest_refuse_to_write_while_another_process_does(held):
    before = sorted(p.relative_to(held.root) for p in held.root.rglob("*") if p.is_file())
    started = time.perf_counter()
    with pytest.raises(WorkspaceBusyError, match="alphaforge run"):
        predict(held)
    with pytest.raises(WorkspaceBusyError, match="alphaforge run"):
        backtest(held, strategy="trend_baseline")
    assert time.perf_counter() - started < 30
    assert sorted(p.relative_to(held.root) for p in held.root.rglob("*") if p.is_file()) == before
