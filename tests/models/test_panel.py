"""Panel-aware learning: the per-timestamp label transforms, the panel decision, the model's features."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import rankdata

from alphaforge.config import ModelsSection
from alphaforge.features import REGISTRY, resolve_features
from alphaforge.models.panel import cross_section_size, model_features, plan_panel, transform_labels


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(-3, 3)), min_size=1, max_size=60))
def test_rank_transform_is_the_centred_percentile_rank_within_each_timestamp(rows):
    groups = np.array([g for g, _ in rows])
    values = np.array([v for _, v in rows], dtype=float)  # small integers: many ties
    ranked = transform_labels(values, groups, "rank")
    for group in np.unique(groups):
        mine = groups == group
        n = mine.sum()
        expected = (rankdata(values[mine]) - 1) / (n - 1) - 0.5 if n > 1 else np.zeros(1)
        np.testing.assert_allclose(ranked[mine], expected, atol=1e-12)


def test_zscore_transform_centres_and_scales_each_timestamp():
    groups = np.array([0, 0, 0, 1, 1, 2])
    values = np.array([1.0, 2.0, 3.0, 10.0, 10.0, 7.0])
    out = transform_labels(values, groups, "zscore")
    np.testing.assert_allclose(out[:3], (values[:3] - 2.0) / np.std(values[:3]))
    assert out[3:].tolist() == [0.0, 0.0, 0.0]  # no spread, or a single row: nothing to learn


def test_the_transform_reads_only_its_own_timestamp():
    groups = np.repeat(np.arange(5), 4)
    values = np.random.default_rng(0).normal(size=20)
    before = transform_labels(values, groups, "rank")
    changed = values.copy()
    changed[groups == 4] *= -100  # another timestamp's labels
    np.testing.assert_array_equal(transform_labels(changed, groups, "rank")[groups < 4], before[groups < 4])


def test_auto_ranks_panels_and_leaves_single_series_alone():
    settings_ = ModelsSection()
    panel = plan_panel(settings_, regression=True, cross_section=20)
    assert (panel.panel, panel.label_transform, panel.feature_transform, panel.market_features,
            panel.stopping_metric) == (True, "rank", "rank", "exclude", "ic")
    classes = plan_panel(settings_, regression=False, cross_section=20)
    assert (classes.label_transform, classes.stopping_metric) == ("none", "loss")
    single = plan_panel(settings_, regression=True, cross_section=1)
    assert (single.panel, single.label_transform, single.feature_transform, single.market_features,
            single.stopping_metric) == (False, "none", "none", "include", "loss")
    chosen = plan_panel(ModelsSection(label_transform="zscore", market_features="include"), regression=True,
                        cross_section=20)
    assert (chosen.label_transform, chosen.market_features) == ("zscore", "include")


def test_cross_section_size_is_the_median_rows_per_timestamp():
    assert cross_section_size(np.array([1, 1, 1, 2, 2, 3, 3, 3])) == 3.0
    assert cross_section_size(np.array([], dtype=np.int64)) == 0.0


def test_panel_models_rank_symbol_features_and_leave_out_market_wide_ones():
    features = resolve_features("px_ret_1, xs_rank_ret_1, cal_dow_sin, macro_level")
    panel = plan_panel(ModelsSection(), regression=True, cross_section=20)
    assert [f.name for f in model_features(features, panel)] == ["xsr_px_ret_1", "xs_rank_ret_1"]
    single = plan_panel(ModelsSection(), regression=True, cross_section=1)
    assert [f.name for f in model_features(features, single)] == ["px_ret_1", "xs_rank_ret_1", "cal_dow_sin",
                                                                   "macro_level"]


def test_market_wide_is_derived_from_what_a_feature_reads():
    assert REGISTRY.get("cal_hour_sin").market_wide and REGISTRY.get("macro_level").market_wide
    assert not REGISTRY.get("px_ret_1").market_wide and not REGISTRY.get("xs_rank_ret_1").market_wide


def test_ranked_features_are_derived_on_first_use_for_per_symbol_features_only():
    ranked = REGISTRY.get("xsr_ta_rsi_14")
    assert (ranked.kind, ranked.base, ranked.lookback) == ("cross_sectional", "ta_rsi_14",
                                                           REGISTRY.get("ta_rsi_14").lookback)
    assert "xsr_cal_hour_sin" not in REGISTRY and "xsr_xs_rank_ret_1" not in REGISTRY
    with pytest.raises(Exception, match="unknown feature"):
        REGISTRY.get("xsr_no_such_feature")
