"""A run assembles its training matrix once and hands it from the walk-forward to the final
training; the reuse is a speed change only: the models are the bytes a standalone train writes."""

from __future__ import annotations

from alphaforge.data.datasets import synthesize
from alphaforge.matrix import shared_training_matrix, training_matrix
from alphaforge.pipeline.runner import run_pipeline
from alphaforge.pipeline.train import train
from alphaforge.tracking import NullTracker
from alphaforge.workspace import Workspace
from tests.conftest import configure


def _workspace(root) -> Workspace:
    workspace = Workspace.create(root)
    synthesize(workspace, symbols=6, bars=900, freq="1h", seed=4, mode="planted", lookback=6, horizon=1, ic=0.1)
    configure(workspace, data={"dataset": "synth", "macro": ""}, features={"include": ["px_ret_*"]},
              models={"target": "fwd_ret_1"}, validation={"n_splits": 2}, seed=4)
    return workspace


def test_a_shared_matrix_is_built_once_and_equals_a_fresh_one(tmp_path):
    workspace = _workspace(tmp_path / "ws")
    run_pipeline(workspace, NullTracker(), only=["features"])
    config = workspace.config()
    shared: dict = {}
    first = shared_training_matrix(shared, workspace, config, "fwd_ret_1")
    assert shared_training_matrix(shared, workspace, config, "fwd_ret_1") is first
    assert shared_training_matrix(shared, workspace, config, "fwd_ret_1", exclude=["px_ret_1"]) is not first
    fresh = training_matrix(workspace, config, "fwd_ret_1")
    assert first.X.equals(fresh.X) and (first.y == fresh.y).all()


def test_the_run_trains_the_bytes_a_standalone_train_writes(tmp_path):
    workspace = _workspace(tmp_path / "ws")
    summaries = run_pipeline(workspace, NullTracker(), only=["features", "leakage_check", "walk_forward",
                                                             "train"])["summaries"]
    in_run = workspace.root / summaries["train"]["path"]
    alone = train(workspace, tracker=NullTracker())["path"]  # the truncation test's exclusions, read again
    for model in ("best", "final"):
        assert (in_run / model / "booster.txt").read_bytes() == (workspace.root / alone / model
                                                                 / "booster.txt").read_bytes()


def test_the_validation_verdicts_read_the_outputs_the_fit_kept(tmp_path, monkeypatch):
    """`train` predicts the best model's validation rows once: its verdicts read the outputs the
    fit kept (0.7 s at 1 M rows to predict again), which are the rows' predictions bit for bit."""
    from alphaforge.models.base import ModelFamily
    from alphaforge.pipeline.walkforward import fit_models

    workspace = _workspace(tmp_path / "ws")
    run_pipeline(workspace, NullTracker(), only=["features", "leakage_check"])
    predicted: list[int] = []
    outputs = ModelFamily.outputs
    monkeypatch.setattr(ModelFamily, "outputs", lambda self, X: predicted.append(len(X)) or outputs(self, X))
    result = train(workspace, tracker=NullTracker())
    assert predicted.count(result["split"]["validation_rows"]) == 1

    config = workspace.config()
    matrix = training_matrix(workspace, config, "fwd_ret_1")
    outcome = fit_models(matrix, config, "lightgbm", slice(None))
    again = outputs(outcome.best, matrix.X.iloc[outcome.split.validation])
    assert again.tobytes() == outcome.validation_output.tobytes()
