"""Compatibility errors at load: features missing or reordered, symbols not seen in training."""

from __future__ import annotations

import pytest

from alphaforge.errors import InputError
from alphaforge.models import UnseenSymbolWarning, check_feature_order, check_symbols


def test_identical_features_pass():
    check_feature_order(["a", "b", "c"], ["a", "b", "c"])


def test_missing_features_are_listed():
    with pytest.raises(InputError, match=r"2 feature\(s\) the model was trained on are missing: b, c"):
        check_feature_order(["a", "b", "c"], ["a"])


def test_extra_columns_are_listed():
    with pytest.raises(InputError, match=r"1 column\(s\) the model was not trained on: z"):
        check_feature_order(["a", "b"], ["a", "b", "z"])


def test_reordered_features_name_their_positions():
    with pytest.raises(InputError, match=r"c \(position 2 in training, 0 here\)") as caught:
        check_feature_order(["a", "b", "c"], ["c", "a", "b"])
    assert "frame[model.feature_names_]" in str(caught.value)


def test_long_lists_are_shortened():
    expected = [f"f{i}" for i in range(50)]
    with pytest.raises(InputError, match=r"\(\+30 more\)"):
        check_feature_order(expected, [])


def test_unseen_symbol_is_an_error_for_a_per_symbol_model():
    with pytest.raises(InputError, match="not seen in training: MSFT") as caught:
        check_symbols(["AAPL"], ["AAPL", "MSFT"], "per_symbol")
    assert "alphaforge train --symbols MSFT" in str(caught.value)


def test_unseen_symbol_is_a_warning_for_a_cross_sectional_model():
    with pytest.warns(UnseenSymbolWarning, match="not seen in training: MSFT"):
        assert check_symbols(["AAPL", "SPY"], ["MSFT", "AAPL"], "cross_sectional") == ["MSFT"]


def test_seen_symbols_pass_silently(recwarn):
    assert check_symbols(["A", "B"], ["B"], "per_symbol") == []
    assert not recwarn.list


def test_unknown_scope_is_refused():
    with pytest.raises(InputError, match="unknown model scope"):
        check_symbols(["A"], ["A"], "global")
