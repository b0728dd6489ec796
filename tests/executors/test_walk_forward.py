"""Walk-forward folds on executors: the predictions and fold metrics of a serial run, bit for bit,
and the matrix reaches the workers through a temporary folder that is gone afterwards."""

from __future__ import annotations

import pandas as pd

from alphaforge.data.datasets import synthesize
from alphaforge.executors import LocalExecutor, make_executor
from alphaforge.executors.base import Executor, run_task
from alphaforge.pipeline import walkforward
from alphaforge.pipeline.runner import run_pipeline
from alphaforge.pipeline.walkforward import FOLDS_FILE, run_walk_forward, walk_forward_dir
from alphaforge.tracking import NullTracker
from alphaforge.workspace import Workspace
from tests.conftest import configure


def _folds(result: dict) -> list[dict]:
    return [{k: v for k, v in fold.items() if k != "seconds"} for fold in result["folds"]]


class _InTurn(Executor):
    """Two "workers" that run the tasks here, in the order given, and remember that order."""

    name = "in_turn"

    def __init__(self) -> None:
        super().__init__(2)
        self.given: list[int] = []

    def map(self, fn, items, *, on_done=None):
        items = list(items)
        self.given = [item.fold for item in items]
        results = []
        for index, item in enumerate(items):
            results.append(run_task(fn, index, item))
            if on_done is not None:
                on_done(results[-1])
        return results


def _workspace(tmp_path) -> Workspace:
    workspace = Workspace.create(tmp_path / "ws")
    synthesize(workspace, symbols=6, bars=1200, freq="1h", seed=5, mode="planted", lookback=6, horizon=1, ic=0.1)
    configure(workspace, data={"dataset": "synth", "macro": ""}, features={"include": ["px_ret_*", "px_rvol_*"]},
              models={"target": "fwd_ret_1"}, validation={"n_splits": 3}, seed=5)
    run_pipeline(workspace, NullTracker(), only=["features"])
    return workspace


def test_folds_on_two_workers_give_the_serial_result(tmp_path, local_pool):
    workspace = _workspace(tmp_path)
    config = workspace.config()
    folder = walk_forward_dir(workspace, "fwd_ret_1", "lightgbm")

    serial = run_walk_forward(workspace, config)
    serial_rows = pd.read_parquet(folder / "predictions.parquet")
    parallel = run_walk_forward(workspace, config, executor=local_pool)
    parallel_rows = pd.read_parquet(folder / "predictions.parquet")

    pd.testing.assert_frame_equal(parallel_rows, serial_rows, check_exact=True)
    assert _folds(parallel) == _folds(serial) and len(serial["folds"]) == 3
    assert parallel["evaluation"] == serial["evaluation"] and (folder / FOLDS_FILE).is_file()
    assert not list(workspace.root.glob(".walk_forward-*"))  # the hand-off folder went with the run


def test_the_longest_folds_are_handed_out_first_and_the_result_kept_in_fold_order(tmp_path):
    """Expanding folds grow: the last trains longest, and handed out last it would run alone at the end."""
    workspace = _workspace(tmp_path)
    config = workspace.config()
    folder = walk_forward_dir(workspace, "fwd_ret_1", "lightgbm")
    heard_serially, heard = [], []
    serial = run_walk_forward(workspace, config,
                              progress=lambda what, done, total: heard_serially.append((what, done, total)))
    serial_rows = pd.read_parquet(folder / "predictions.parquet")
    executor = _InTurn()
    handed = run_walk_forward(workspace, config, executor=executor,
                              progress=lambda what, done, total: heard.append((what, done, total)))

    assert executor.given == [2, 1, 0]
    # 0 before the first fold (the clock of the elapsed time and the estimate starts), then a line
    # as each fold ends, not one when all have
    assert heard == heard_serially == [("walk-forward folds", done, 3) for done in range(4)]
    assert [fold["fold"] for fold in handed["folds"]] == [0, 1, 2] and _folds(handed) == _folds(serial)
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "predictions.parquet"), serial_rows, check_exact=True)


def test_without_an_executor_large_folds_run_on_local_workers_with_the_serial_result(tmp_path, monkeypatch):
    """No --executor: folds worth a worker's start run on the workers the machine affords (two
    here), and an executor of one worker (--workers 1) keeps them in this process."""
    workspace = _workspace(tmp_path)
    config = workspace.config()
    folder = walk_forward_dir(workspace, "fwd_ret_1", "lightgbm")
    started: list[int] = []

    class Recorded(LocalExecutor):
        def __init__(self, workers: int) -> None:
            super().__init__(workers)
            started.append(workers)

    monkeypatch.setattr(walkforward, "PARALLEL_MIN_CELLS", 0)  # these small folds count as worth it
    monkeypatch.setattr(walkforward, "affordable_workers", lambda tasks, fold_bytes: 2)
    monkeypatch.setattr(walkforward, "LocalExecutor", Recorded)
    serial = run_walk_forward(workspace, config, executor=make_executor("local", workers=1))
    serial_rows = pd.read_parquet(folder / "predictions.parquet")
    assert started == []
    automatic = run_walk_forward(workspace, config)
    assert started == [2]
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "predictions.parquet"), serial_rows, check_exact=True)
    assert _folds(automatic) == _folds(serial)


def test_small_folds_stay_in_this_process(tmp_path, monkeypatch):
    workspace = _workspace(tmp_path)
    monkeypatch.setattr(walkforward, "LocalExecutor", None)  # starting one would fail
    assert len(run_walk_forward(workspace, workspace.config())["folds"]) == 3
