"""Target ranking: the planted target first, noise at chance (random walks: test_null_ranking.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphaforge.config import SelectionSection
from alphaforge.selection.ranking import (
    RANKING_COLUMNS,
    rank_targets,
    ranking_markdown,
    selected_targets,
)
from alphaforge.selection.scoring import skill
from alphaforge.targets import task_of
from tests.selection.conftest import LEAKY


@pytest.fixture(scope="module")
def planted_ranking(planted_tables: tuple[pd.DataFrame, pd.DataFrame], settings: SelectionSection) -> pd.DataFrame:
    features, targets = planted_tables
    return rank_targets(features.drop(columns=[LEAKY]), targets, ["noise_ret", "fwd_ret_1", "noise_up"], settings)


def test_the_planted_target_ranks_first_and_is_selected(planted_ranking: pd.DataFrame) -> None:
    first = planted_ranking.iloc[0]
    assert first["target"] == "fwd_ret_1"
    assert first["passed"] and first["selected"]
    assert first["z"] >= 3.0 and first["stability"] == 1.0
    assert selected_targets(planted_ranking) == ["fwd_ret_1"]


def test_pure_noise_targets_rank_at_chance_level(planted_ranking: pd.DataFrame) -> None:
    noise = planted_ranking.set_index("target").loc[["noise_ret", "noise_up"]]
    assert not noise["passed"].any() and not noise["selected"].any()
    assert (noise["z"].abs() < 3.0).all()
    assert (noise["skill"].abs() < 3 * noise["noise"]).all()
    assert noise.loc["noise_up", "task"] == "binary" and noise.loc["noise_up", "metric"] == "roc_auc"


def test_the_ranking_table_has_every_column_and_a_markdown_report(planted_ranking: pd.DataFrame) -> None:
    assert list(planted_ranking.columns[: len(RANKING_COLUMNS)]) == RANKING_COLUMNS
    assert planted_ranking["rank"].tolist() == [1, 2, 3]
    report = ranking_markdown(planted_ranking)
    assert "| 1 | fwd_ret_1 |" in report and "Selected: fwd_ret_1" in report


def test_top_n_limits_the_selection(planted_tables: tuple[pd.DataFrame, pd.DataFrame],
                                    settings: SelectionSection) -> None:
    features, targets = planted_tables
    ranking = rank_targets(features[["symbol", "timestamp", "px_ret_6", "px_ret_3"]], targets,
                           ["fwd_ret_1", "fwd_ret_5"], settings, top_n=1)
    assert ranking["selected"].sum() == 1


def test_skill_is_a_rank_correlation_for_every_task() -> None:
    labels = np.array([0.0, 1.0, 2.0, 3.0])
    assert skill(labels, labels, "regression") == pytest.approx(1.0)
    assert skill(labels, -labels, "regression") == pytest.approx(-1.0)
    assert skill(labels, np.ones(4), "regression") == 0.0
    assert skill(np.array([0.0, 1.0, 0.0, 1.0]), np.array([0.2, 0.1, 0.4, 0.3]), "binary") == pytest.approx(-0.5)
    classes = np.array([0.0, 1.0, 2.0])
    perfect = np.eye(3)[[0, 1, 2, 1]]
    assert skill(np.array([0.0, 1.0, 2.0, 1.0]), perfect, "multiclass", classes) == pytest.approx(1.0)
    cases = [("binary_abs_5_0.02", [0.0, 1.0]), ("tb_10_1.0_1.0", [-1.0, 0.0, 1.0]), ("fwd_ret_5", [0.0, 1.0]),
             ("y_will_swing_low_10_1.00", [np.nan, 1.0, 0.0])]
    assert [task_of(name, np.array(v)) for name, v in cases] == ["binary", "multiclass", "regression", "binary"]


def test_multi_class_skill_scores_direction_not_the_middle_class() -> None:
    # A perfect "extreme or middle?" prediction that is even between the extremes has no
    # direction: its expected class is 1 everywhere. Per-class AUCs scored it 0.78.
    labels = np.array([0.0, 1.0, 2.0, 1.0, 0.0, 2.0, 1.0, 1.0])
    extreme = np.array([0.5, 0.0, 0.5])
    probabilities = np.where((labels == 1.0)[:, None], np.array([0.0, 1.0, 0.0]), extreme)
    assert skill(labels, probabilities, "multiclass", np.array([0.0, 1.0, 2.0])) == 0.0
    leaning = probabilities + np.where((labels == 2.0)[:, None], [-0.1, 0.0, 0.1], 0.0)
    assert skill(labels, leaning, "multiclass", np.array([0.0, 1.0, 2.0])) > 0.3
