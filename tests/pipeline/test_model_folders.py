"""Every kind of model folder the product writes carries the same card, and predict and backtest
use each of them.

Regression (issue 16): `predict` and `backtest --no-walk-forward` ended in ``AttributeError: 'str'
object has no attribute 'get'`` on a tuning checkpoint or the extended-CV model, whose
``config.json`` came from a second writer with ``"target": "fwd_ret_5"`` instead of an object.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from alphaforge.artifacts import ModelCard
from alphaforge.config import Config, render_config
from alphaforge.data.datasets import store_frame
from alphaforge.data.synthetic import SynthSpec, generate_bars
from alphaforge.pipeline.train import train
from alphaforge.tuning.workflow import run_extended_cv, run_tune
from alphaforge.workspace import Workspace, atomic_write_text

STUDY = "fwd_ret_5__ridge"
FOLDERS = {  # the kind of folder -> where the product writes it
    "registry version": Path("models") / "fwd_ret_5-ridge" / "v1",
    "tuning best_model": Path("tuning") / STUDY / "best_model",
    "tuning checkpoint": Path("tuning") / STUDY / "checkpoints",  # its one trial_<n> folder, found below
    "cv best_model": Path("cv") / "best_model",
}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace where train, tune and cv have each written their model folders."""
    workspace = Workspace.create(tmp_path_factory.mktemp("folders") / "ws")
    store_frame(workspace, "market", generate_bars(SynthSpec(symbols=3, bars=260, freq="1d", mode="planted", seed=3)),
                kind="bars", source="tests")
    config = Config.model_validate({
        "data": {"dataset": "market", "macro": ""}, "features": {"include": ["px", "ta_rsi_14"]},
        "models": {"family": "ridge", "target": "fwd_ret_5"},
        "tuning": {"family": "ridge", "random_trials": 2, "bayes_trials": 1, "fine_trials": 0, "checkpoints": 1,
                   "n_splits": 3, "top_n": 1, "cv_splits": 3}})
    atomic_write_text(workspace.config_path, render_config(config))
    train(workspace, config=config)
    run_tune(workspace, config)
    run_extended_cv(workspace, config)
    return workspace.root


def _folder(root: Path, kind: str) -> Path:
    folder = root / FOLDERS[kind]
    return next(folder.glob("trial_*")) if kind == "tuning checkpoint" else folder


@pytest.mark.parametrize("kind", list(FOLDERS))
def test_every_writer_writes_the_one_card(root, kind):
    folder = _folder(root, kind)
    assert json.loads((folder / "config.json").read_text())["schema"] == ModelCard.schema_id()
    card = ModelCard.load(folder / "config.json")
    assert card.target.name == "fwd_ret_5" and card.target.kind == "fwd_ret" and card.family == "ridge"
    assert card.stage == {"registry version": "train", "cv best_model": "extended_cv"}.get(kind, "tuning")
    assert card.training_range is not None and card.created


@pytest.mark.parametrize("kind", list(FOLDERS))
def test_predict_and_backtest_use_every_kind_of_model_folder(root, kind, cli):
    folder = _folder(root, kind)
    predicted = cli("-w", root, "predict", "--symbol", "SYN01", "--bars", "20", "--model-path", folder, "--chart",
                    "none", "--json")
    assert predicted.code == 0, predicted.stderr
    assert json.loads(predicted.stdout)["title"].endswith("target fwd_ret_5")
    # the model's training range is in-sample: refused (as for a registry version), then traded after it
    refused = cli("-w", root, "backtest", "--no-walk-forward", "--no-track", "--model-path", folder)
    assert refused.code == 2 and "overlaps the model's training range" in refused.stderr
    after = pd.Timestamp(ModelCard.load(folder / "config.json").training_range.end) + pd.Timedelta(days=1)
    traded = cli("-w", root, "backtest", "--no-walk-forward", "--no-track", "--model-path", folder,
                 "--start", after.isoformat(), "--json")
    assert traded.code == 0, traded.stderr
    assert json.loads(traded.stdout)["target"] == "fwd_ret_5"


def test_a_backtest_holds_the_benchmark_of_the_symbols_the_model_trades(root):
    """Regression (issue 19): a model trained on two of three symbols traded the two while the
    benchmark held all three."""
    from alphaforge.pipeline.backtest import backtest

    workspace = Workspace(root)
    config = workspace.config()
    two = ["SYN00", "SYN01"]
    trained = train(workspace, symbols=two, name="two-symbols", config=config)
    after = (pd.Timestamp(ModelCard.load(Path(trained["path"]) / "config.json").training_range.end)
             + pd.Timedelta(days=1)).isoformat()
    model = backtest(workspace, model_path=Path(trained["path"]), walk_forward_refits=False, start=after,
                     name="two", config=config)
    alone = backtest(workspace, strategy="trend_baseline", start=after, name="two-alone",
                     config=config.model_copy(update={"data": config.data.model_copy(update={"symbols": two})}))
    assert model["symbols"] == two
    assert model["benchmark_metrics"]["total_return"] == pytest.approx(alone["benchmark_metrics"]["total_return"])


def test_a_backtest_reports_its_steps(root):
    """The backtest stage took 3-4 s at 1 M rows with no line between its start and its end."""
    from alphaforge.pipeline.backtest import BACKTEST_PROGRESS, backtest

    heard = []
    backtest(Workspace(root), strategy="trend_baseline", name="steps",
             progress=lambda what, done, total: heard.append((what, done, total)))
    assert heard == [(BACKTEST_PROGRESS, done, 4) for done in range(5)]
