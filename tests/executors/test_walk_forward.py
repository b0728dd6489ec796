"""Walk-forward folds on executors: the predictions and fold metrics of a serial run, bit for bit,
and the matrix reaches the workers through a temporary folder that is gone afterwards."""

from __future__ import annotations

import pandas as pd

from alphaforge.data.datasets import synthesize
from alphaforge.pipeline.runner import run_pipeline
from alphaforge.pipeline.walkforward import FOLDS_FILE, run_walk_forward, walk_forward_dir
from alphaforge.tracking import NullTracker
from alphaforge.workspace import Workspace
from tests.conftest import configure


def _folds(result: dict) -> list[dict]:
    return [{k: v for k, v in fold.items() if k != "seconds"} for fold in result["folds"]]


def test_folds_on_two_workers_give_the_serial_result(tmp_path, local_pool):
    workspace = Workspace.create(tmp_path / "ws")
    synthesize(workspace, symbols=6, bars=1200, freq="1h", seed=5, mode="planted", lookback=6, horizon=1, ic=0.1)
    configure(workspace, data={"dataset": "synth", "macro": ""}, features={"include": ["px_ret_*", "px_rvol_*"]},
              models={"target": "fwd_ret_1"}, validation={"n_splits": 3}, seed=5)
    run_pipeline(workspace, NullTracker(), only=["features"])
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
