"""Verdicts on tear sheets: degenerate models, edge or no edge, the simplest factors, luck."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphaforge.validation import tear_sheet
from alphaforge.validation.evaluation import BEST_FEATURE, evaluate
from alphaforge.validation.verdicts import backtest_edge, degenerate, edge, model_verdicts, verdict_tags


def _panel(ic: float, *, days: int = 600, names: int = 10, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Predictions whose score has rank correlation about ``ic`` with the next bar's return."""
    rng = np.random.default_rng(seed)
    times = pd.date_range("2020-01-01", periods=days + 1, freq="D", tz="UTC")
    steps = rng.normal(0.0, 0.01, (days + 1, names))
    close = pd.DataFrame(100 * np.exp(np.cumsum(steps, axis=0)), index=times,
                         columns=[f"S{i}" for i in range(names)]).rename_axis(index="timestamp", columns="symbol")
    label = (close.shift(-1) / close - 1).iloc[:-1]
    noise = rng.normal(size=label.shape) * label.to_numpy().std()
    weight = ic / np.sqrt(1 - ic ** 2) if ic else 0.0
    score = pd.DataFrame(weight * label.to_numpy() + noise, index=label.index, columns=label.columns)
    frame = pd.concat({"score": score.stack(), "label": label.stack()}, axis=1).reset_index()
    return frame.sort_values(["timestamp", "symbol"]).reset_index(drop=True), close


def test_a_real_signal_is_an_edge_and_noise_is_not():
    frame, close = _panel(0.2)
    assert edge(tear_sheet(frame, close, horizon=1)).kind == "edge"
    noise, close = _panel(0.0, seed=3)
    verdict = edge(tear_sheet(noise, close, horizon=1))
    assert verdict.kind == "no_edge" and verdict.warning and "not significant" in verdict.message


def test_a_model_that_ranks_the_wrong_way_is_called_out():
    frame, close = _panel(0.2)
    assert edge(tear_sheet(frame.assign(score=-frame["score"]), close, horizon=1)).kind == "negative_edge"


def test_tied_scores_and_a_handful_of_trees_are_degenerate():
    frame, close = _panel(0.2)
    tied = frame.assign(score=np.where(frame["timestamp"].dt.day % 10 == 0, 0.0, frame["score"]))
    found = degenerate(tear_sheet(tied, close, horizon=1), rounds=[2, 300])
    messages = " ".join(v.message for v in found)
    assert [v.kind for v in found] == ["degenerate", "degenerate"]
    assert "stopped after 2 round(s)" in messages and "all scores tie on" in messages
    assert degenerate(tear_sheet(frame, close, horizon=1), rounds=[150, 300]) == []


def test_the_model_is_compared_with_the_best_baseline_on_the_same_rows():
    frame, close = _panel(0.1)
    predictions = frame.assign(**{BEST_FEATURE: frame["label"]})  # a baseline that knows the answer
    evaluation = evaluate(predictions, close, horizon=1)
    assert set(evaluation.baselines) == {"momentum_12_1", "reversal_1w", BEST_FEATURE}
    compared = evaluation.verdicts[-1]
    assert compared.kind == "baselines" and compared.warning and "does not beat" in compared.message
    assert [row["system"] for row in evaluation.rows()][0] == "model"
    assert evaluation.to_dict()["verdicts"][-1]["message"] == compared.message


def test_baselines_without_enough_history_are_left_out_with_a_note():
    frame, close = _panel(0.1, days=120)  # a year of momentum history does not exist
    evaluation = evaluate(frame, close, horizon=1)
    assert "momentum_12_1" not in evaluation.baselines
    assert any("momentum_12_1 left out" in note for note in evaluation.notes)


def test_a_backtest_sharpe_is_luck_unless_its_psr_or_dsr_is_high():
    assert backtest_edge(0.99).kind == "edge"
    assert backtest_edge(0.99, 0.62).kind == "no_edge"  # the deflated ratio decides when trials were counted
    assert backtest_edge(None).kind == "no_edge"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_scores_get_no_edge_verdict(seed):
    frame, close = _panel(0.0, seed=seed + 10)
    kinds = [v.kind for v in model_verdicts(tear_sheet(frame, close, horizon=1))]
    assert kinds == ["no_edge"]


def test_tags_carry_one_sentence_per_kind():
    frame, close = _panel(0.2)
    tags = verdict_tags(model_verdicts(tear_sheet(frame, close, horizon=1), rounds=[1]))
    assert set(tags) == {"verdict.degenerate", "verdict.edge"}


def test_the_sheets_on_several_threads_are_the_one_thread_figures(monkeypatch):
    """evaluate draws up the model's and the baselines' sheets on one thread per usable CPU when the
    rows are many: every figure the same as on one thread, each sheet under its own name."""
    frame, close = _panel(0.1, days=2_500, names=10)  # 25 000 rows: above the threaded threshold
    predictions = frame.assign(**{BEST_FEATURE: frame["label"]})
    monkeypatch.setenv("ALPHAFORGE_THREADS", "1")
    one = evaluate(predictions, close, horizon=1).to_dict()
    monkeypatch.setenv("ALPHAFORGE_THREADS", "2")
    assert evaluate(predictions, close, horizon=1).to_dict() == one
    assert list(one["baselines"]) == ["momentum_12_1", "reversal_1w", BEST_FEATURE]
