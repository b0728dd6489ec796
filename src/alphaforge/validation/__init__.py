"""Leak-proof validation: purged splitters, sample weights and overfitting statistics.

Splitters follow scikit-learn's protocol (``split(X, y=None, groups=None)``,
``get_n_splits``); the label spans travel with the data as ``groups`` (a :class:`LabelSpans`).
Conventions: overlap rule and embargo units in ``_base``, weight grid in ``_concurrency``,
Sharpe estimators in ``stats``, PBO ranking in ``pbo``. How out-of-sample scores are judged:
the cross-sectional measures in ``factor``, the single-series ones in ``single_series``, both
in one :class:`TearSheet` (``tearsheet``), beside the ``baselines`` a model must beat.
"""

from alphaforge.validation._base import OVERLAP_RULES
from alphaforge.validation._cpcv import CombinatorialPurgedKFold
from alphaforge.validation._purged_kfold import PurgedKFold
from alphaforge.validation._spans import LabelSpans
from alphaforge.validation._walk_forward import WalkForward
from alphaforge.validation.baselines import (
    BaselineWindows,
    baseline_frames,
    baseline_windows,
    best_single_feature,
    momentum,
    reversal,
)
from alphaforge.validation.bootstrap import sequential_bootstrap
from alphaforge.validation.factor import (
    ic_by_year,
    ic_decay,
    ic_statistics,
    long_short_returns,
    newey_west_t,
    quantile_returns,
    score_ties,
    timestamp_ic,
    turnover,
)
from alphaforge.validation.pbo import PBOResult, probability_of_backtest_overfitting
from alphaforge.validation.single_series import hit_rate, rolling_ic, series_ic, series_ic_by_year
from alphaforge.validation.stats import (
    deflated_sharpe_ratio,
    expected_max_sharpe,
    probabilistic_sharpe_ratio,
    psr_from_moments,
    sharpe_ratio,
)
from alphaforge.validation.tearsheet import TearSheet, tear_sheet
from alphaforge.validation.weights import average_uniqueness, return_attribution, time_decay

__all__ = [
    "OVERLAP_RULES",
    "BaselineWindows",
    "CombinatorialPurgedKFold",
    "LabelSpans",
    "PBOResult",
    "PurgedKFold",
    "TearSheet",
    "WalkForward",
    "average_uniqueness",
    "baseline_frames",
    "baseline_windows",
    "best_single_feature",
    "deflated_sharpe_ratio",
    "expected_max_sharpe",
    "hit_rate",
    "ic_by_year",
    "ic_decay",
    "ic_statistics",
    "long_short_returns",
    "momentum",
    "newey_west_t",
    "probabilistic_sharpe_ratio",
    "probability_of_backtest_overfitting",
    "psr_from_moments",
    "quantile_returns",
    "return_attribution",
    "reversal",
    "rolling_ic",
    "score_ties",
    "sequential_bootstrap",
    "series_ic",
    "series_ic_by_year",
    "sharpe_ratio",
    "tear_sheet",
    "time_decay",
    "timestamp_ic",
    "turnover",
]
