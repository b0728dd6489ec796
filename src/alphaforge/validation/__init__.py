"""Leak-proof validation: purged splitters, sample weights and overfitting statistics.

Splitters follow scikit-learn's protocol (``split(X, y=None, groups=None)``,
``get_n_splits``); the label spans travel with the data as ``groups`` (a :class:`LabelSpans`).
Conventions: overlap rule and embargo units in ``_base``, weight grid in ``_concurrency``,
Sharpe estimators in ``stats``, PBO ranking in ``pbo``.
"""

from alphaforge.validation._base import OVERLAP_RULES
from alphaforge.validation._cpcv import CombinatorialPurgedKFold
from alphaforge.validation._purged_kfold import PurgedKFold
from alphaforge.validation._spans import LabelSpans
from alphaforge.validation._walk_forward import WalkForward
from alphaforge.validation.bootstrap import sequential_bootstrap
from alphaforge.validation.pbo import PBOResult, probability_of_backtest_overfitting
from alphaforge.validation.stats import (
    deflated_sharpe_ratio,
    expected_max_sharpe,
    probabilistic_sharpe_ratio,
    psr_from_moments,
    sharpe_ratio,
)
from alphaforge.validation.weights import average_uniqueness, return_attribution, time_decay

__all__ = [
    "OVERLAP_RULES",
    "CombinatorialPurgedKFold",
    "LabelSpans",
    "PBOResult",
    "PurgedKFold",
    "WalkForward",
    "average_uniqueness",
    "deflated_sharpe_ratio",
    "expected_max_sharpe",
    "probabilistic_sharpe_ratio",
    "probability_of_backtest_overfitting",
    "psr_from_moments",
    "return_attribution",
    "sequential_bootstrap",
    "sharpe_ratio",
    "time_decay",
]
