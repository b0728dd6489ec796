"""The bar frequency implied by timestamps (shared by the backtest and the baselines)."""

from __future__ import annotations

import pandas as pd
import pytest

from alphaforge.errors import InputError
from alphaforge.timestamps import infer_periods_per_year


def test_periods_per_year_follow_the_calendar() -> None:
    business_days = pd.bdate_range("2021-01-01", "2023-12-31", tz="UTC")
    assert infer_periods_per_year(business_days) == pytest.approx(261, abs=1)
    hours = pd.date_range("2021-01-01", "2022-01-01", freq="h", tz="UTC")
    assert infer_periods_per_year(hours) == pytest.approx(24 * 365.25)  # 8760 steps over 365 / 365.25 years


def test_one_bar_has_no_frequency() -> None:
    with pytest.raises(InputError, match="at least 2 bars"):
        infer_periods_per_year(pd.DatetimeIndex(["2021-01-01"], tz="UTC"))
