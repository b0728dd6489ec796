"""Leak-proof validation: purged splitters, sample weights and overfitting statistics.

Splitters follow scikit-learn's protocol (``split(X, y=None, groups=None)``,
``get_n_splits``); the label spans travel with the data as ``groups`` (a :class:`LabelSpans`).
Conventions (overlap rule, embargo units) are documented in ``_base``.
"""

from alphaforge.validation._base import OVERLAP_RULES
from alphaforge.validation._cpcv import CombinatorialPurgedKFold
from alphaforge.validation._purged_kfold import PurgedKFold
from alphaforge.validation._spans import LabelSpans
from alphaforge.validation._walk_forward import WalkForward

__all__ = [
    "OVERLAP_RULES",
    "CombinatorialPurgedKFold",
    "LabelSpans",
    "PurgedKFold",
    "WalkForward",
]
