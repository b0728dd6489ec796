"""Training/prediction parity: prediction mode gives bit-identical values at the same (symbol, t).

Prediction mode (``since=...``) reads per symbol only the warm-up before ``since``; the
property below draws symbols, features and the cut point at random and compares it with
training mode (the whole history) value for value, NaN for NaN.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alphaforge.features import REGISTRY, FeatureSkipWarning, compute_features, resolve_features, warmup_rows

Panel = tuple[pd.DataFrame, pd.DataFrame]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(which=st.lists(st.integers(0, 3), min_size=1, max_size=4, unique=True),
       names=st.lists(st.sampled_from(REGISTRY.names()), min_size=1, max_size=6, unique=True),
       cut=st.floats(0.0, 1.0))
def test_prediction_mode_equals_training_mode(parity_panel: Panel, which: list[int], names: list[str],
                                              cut: float) -> None:
    panel, panel_macro = parity_panel
    symbols = sorted(panel["symbol"].unique())
    keep = panel["symbol"].isin([symbols[i] for i in which]).to_numpy()
    bars, macro = panel[keep].reset_index(drop=True), panel_macro[keep].reset_index(drop=True)
    stamps = np.sort(bars["timestamp"].unique())
    since = stamps[int(cut * (len(stamps) - 1))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FeatureSkipWarning)
        training = compute_features(bars, macro, names)
        prediction = compute_features(bars, macro, names, since=since)
    expected = training[training["timestamp"] >= since].reset_index(drop=True)
    pd.testing.assert_frame_equal(prediction, expected, check_exact=True)


def test_last_warmup_rows_are_all_prediction_needs(parity_panel: Panel) -> None:
    """A live predictor holding only ``warmup_rows`` bars before ``since`` gets the same values."""
    panel, panel_macro = parity_panel
    features = resolve_features("default")
    since = np.sort(panel["timestamp"].unique())[-3]
    warmup = warmup_rows(features)
    keep = np.zeros(len(panel), dtype=bool)
    for rows in panel.groupby("symbol").indices.values():
        first = rows[np.searchsorted(panel["timestamp"].to_numpy()[rows], since)]
        keep[max(rows[0], first - warmup): rows[-1] + 1] = True
    assert 0 < keep.sum() < len(panel)
    short = compute_features(panel[keep].reset_index(drop=True), panel_macro[keep].reset_index(drop=True),
                             features, since=since)
    full = compute_features(panel, panel_macro, features, since=since)
    assert len(full) == 3 * panel["symbol"].nunique() and full.iloc[:, 2:].notna().all().all()
    pd.testing.assert_frame_equal(short, full, check_exact=True)
