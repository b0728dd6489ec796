"""`predict_recent`: windows counted per symbol, and signals equal to the backtest's positions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphaforge.config import Config
from alphaforge.models.registry import resolve_model
from alphaforge.pipeline.backtest import _model_strategy
from alphaforge.predict import predict_recent
from alphaforge.workspace import Workspace
from tests.predict.conftest import EARLY


def _config(workspace: Workspace, **backtest: object) -> Config:
    data = workspace.config().model_dump()
    return Config.model_validate({**data, "backtest": {**data["backtest"], **backtest}})


def test_bars_are_counted_back_from_each_symbols_own_last_bar(trained: Workspace) -> None:
    prediction = predict_recent(trained, resolve_model(trained.root), bars=20)
    frame = prediction.frame
    assert frame.groupby("symbol").size().to_dict() == dict.fromkeys(["SYN00", "SYN01", "SYN02", EARLY], 20)
    last = frame.groupby("symbol")["timestamp"].max()
    assert last[EARLY] == last["SYN00"] - pd.Timedelta(days=40)  # its own last bar, not the dataset's
    assert not [n for n in prediction.notices if "fewer" in n]
    assert frame["close"].notna().all() and len(prediction.prices) == len(frame)


def test_a_symbol_with_fewer_bars_than_asked_is_named_in_a_notice(trained: Workspace) -> None:
    prediction = predict_recent(trained, resolve_model(trained.root), bars=280)
    assert prediction.notices == [f"{EARLY} has 260 bars, fewer than the 280 asked"]
    assert prediction.frame.groupby("symbol").size()[EARLY] == 260
    hours = predict_recent(trained, resolve_model(trained.root), hours=24 * 5).frame
    assert hours.groupby("symbol").size().to_dict() == dict.fromkeys(["SYN00", "SYN01", "SYN02", EARLY], 6)


@pytest.mark.parametrize(("settings", "rule"), [
    ({}, "quantile"),  # auto, on a panel of four symbols
    ({"rule": "quantile", "quantile": 0.25, "direction": "long_short"}, "quantile"),
    ({"rule": "rolling", "window": 30, "min_periods": 10, "direction": "long_short"}, "rolling"),
])
def test_predict_signals_equal_the_backtest_positions_on_the_same_bars(trained: Workspace, settings: dict,
                                                                       rule: str) -> None:
    config = _config(trained, **settings)
    model = resolve_model(trained.root)
    every = predict_recent(trained, model, bars=10_000, config=config).frame
    strategy = _model_strategy(config, every, model.model.task, walk_forward_rows=False, training_range=None)
    close = every.pivot(index="timestamp", columns="symbol", values="close")
    positions = strategy.target_weights(close).stack().rename("weight")
    live = predict_recent(trained, model, symbols=["SYN01", EARLY], bars=15, config=config)
    assert live.rule == strategy.signal_rule.rule == rule
    backtest = np.sign(positions.reindex(pd.MultiIndex.from_frame(live.frame[["timestamp", "symbol"]])).to_numpy())
    np.testing.assert_array_equal(live.frame["signal"].to_numpy(), backtest)
    assert (live.frame["signal"] != 0).any()
    scores = every.set_index(["symbol", "timestamp"]).loc[pd.MultiIndex.from_frame(live.frame[["symbol",
                                                                                               "timestamp"]]), "score"]
    np.testing.assert_array_equal(live.frame["score"].to_numpy(), scores.to_numpy())
