"""Feature selection: the planted feature is kept, the leaky one is flagged by every check and excluded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphaforge.config import SelectionSection
from alphaforge.features import FeatureRegistry
from alphaforge.selection.clustering import consensus_clusters, correlation_clusters
from alphaforge.selection.importance import binned_mean_skill
from alphaforge.selection.leakage import copy_flags, truncation_flags
from alphaforge.selection.selection import (
    TABLE_COLUMNS,
    FeatureSelection,
    select_features,
    write_selection,
)
from tests.selection.conftest import LEAKY


@pytest.fixture(scope="module")
def selection(planted_bars: pd.DataFrame, planted_tables: tuple[pd.DataFrame, pd.DataFrame],
              registry: FeatureRegistry, settings: SelectionSection) -> FeatureSelection:
    features, targets = planted_tables
    columns = [c for c in features.columns if c not in ("symbol", "timestamp")]
    truncation = truncation_flags(planted_bars, None, columns, registry=registry)
    return select_features(features, targets, "fwd_ret_1", settings, truncation=truncation)


def test_the_planted_feature_is_selected_and_scores_best(selection: FeatureSelection, planted_feature: str) -> None:
    assert planted_feature in selection.selected
    table = selection.table.set_index("feature")
    assert table["score"].idxmax() == planted_feature
    assert table.loc[planted_feature, "mda"] > 0 and table.loc[planted_feature, "sfi"] > 0.05


def test_the_leaky_feature_is_flagged_by_every_check_and_excluded(selection: FeatureSelection) -> None:
    assert LEAKY not in selection.selected
    checks = {f.check: f for f in selection.flags if f.feature == LEAKY}
    assert set(checks) == {"truncation", "target_copy", "single_feature_skill"}
    assert checks["target_copy"].value > 0.99 and checks["single_feature_skill"].value > 0.9
    row = selection.table.set_index("feature").loc[LEAKY]
    assert row["status"] == "flagged" and np.isnan(row["mda"])
    assert "truncation test" in row["reason"] and "near-copy of the target" in row["reason"]
    assert f"| {LEAKY} | single_feature_skill |" in selection.report()


def test_only_the_leaky_feature_is_flagged(selection: FeatureSelection) -> None:
    # px_ret_1 equals fwd_ret_1 one bar earlier: a label already known at t, so a fair input.
    assert {f.feature for f in selection.flags} == {LEAKY}


def test_selection_keeps_top_k_cluster_representatives(selection: FeatureSelection,
                                                       settings: SelectionSection) -> None:
    table = selection.table
    chosen = table[table["status"] == "selected"]
    assert len(chosen) == settings.top_k_features == len(selection.selected)
    assert chosen["cluster"].is_unique and (chosen["feature"] == chosen["representative"]).all()
    clustered = table[table["reason"].str.startswith("clustered", na=False)]
    assert (clustered["feature"] != clustered["representative"]).all()
    assert list(table.columns) == TABLE_COLUMNS


def test_selection_outputs_are_written(selection: FeatureSelection, tmp_path) -> None:
    paths = write_selection(selection, tmp_path / "fwd_ret_1")
    assert sorted(p.name for p in paths) == ["feature_importance.parquet", "report.md", "selection.json"]
    assert pd.read_parquet(paths[1])["feature"].tolist() == selection.table["feature"].tolist()


def test_a_copy_of_a_future_label_is_flagged_but_a_copy_of_a_known_one_is_not(
        planted_tables: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    features, targets = planted_tables
    shifted = targets.groupby("symbol", sort=False)["fwd_ret_1"]
    frame = features[["symbol", "timestamp"]].assign(
        px_future_2=shifted.shift(-2).to_numpy(), px_past_1=shifted.shift(1).to_numpy())
    flags = copy_flags(frame, targets, "fwd_ret_1", ["px_future_2", "px_past_1"], threshold=0.95, max_shift=3)
    assert [(f.feature, f.check) for f in flags] == [("px_future_2", "target_copy")]
    assert "shifted by +2 bars" in flags[0].reason


def test_correlated_features_share_a_cluster_in_every_fold() -> None:
    rng = np.random.default_rng(0)
    base, other = rng.normal(size=500), rng.normal(size=500)
    X = pd.DataFrame({"a": base, "a_cubed": base**3, "a_noisy": base + rng.normal(0, 0.05, 500), "b": other})
    labels = correlation_clusters(X, 0.9)
    assert labels[0] == labels[1] == labels[2] != labels[3]
    votes = consensus_clusters([labels, np.array([1, 1, 2, 3]), labels], list(X.columns))
    assert votes["a"] == votes["a_cubed"] == votes["a_noisy"] != votes["b"]


def test_single_feature_importance_is_fitted_on_the_training_rows_only() -> None:
    x = np.arange(400.0)
    y = np.sin(x / 20.0)
    inside = binned_mean_skill(x[::2], y[::2], x[1::2], y[1::2], "regression")
    beyond = binned_mean_skill(x[:200], y[:200], x[200:], y[200:], "regression")
    assert inside > 0.7  # the bins follow a non-monotone relation a plain rank correlation misses:
    assert abs(pd.Series(x).corr(pd.Series(y), method="spearman")) < 0.3
    assert beyond == 0.0  # every test value lies past the training edges: one bin, a constant prediction


def test_threshold_selection_keeps_representatives_above_the_minimum_mda(
        planted_tables: tuple[pd.DataFrame, pd.DataFrame], settings: SelectionSection, planted_feature: str) -> None:
    features, targets = planted_tables
    small = features[["symbol", "timestamp", planted_feature, "px_ret_1", "px_rvol_24", "vol_ratio_24", "vol_z_24"]]
    chosen = select_features(small, targets, "fwd_ret_1",
                             settings.model_copy(update={"method": "threshold", "min_importance": 0.002}))
    table = chosen.table.set_index("feature")
    assert planted_feature in chosen.selected
    assert (table.loc[chosen.selected, "mda"] > 0.002).all()
    dropped = table[(table["status"] == "dropped") & ~table["reason"].str.startswith("clustered")]
    assert len(dropped) and (dropped["mda"] <= 0.002).all()
    assert dropped["reason"].str.contains("MDA at or below 0.002").all()
