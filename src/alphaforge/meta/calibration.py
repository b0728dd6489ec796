"""Probability calibration of a meta-model, fitted inside the training data only.

A classifier's scores are often not probabilities (boosted trees push them towards 0 and 1,
random forests towards the middle), yet the ensemble layer reads them as the chance that a
trade succeeds. A :class:`Calibrator` maps scores to probabilities:

``none``      the scores as they are;
``sigmoid``   Platt scaling: p = 1 / (1 + exp(-(a * logit(s) + b))), a logistic regression on
              the score's logit;
``isotonic``  a non-decreasing step function of the score (isotonic regression), linear
              between its thresholds, clipped at the ends.

:func:`fit_calibrated` is how a model and its calibrator are trained together: the training
events are split in time; the model learns from the earlier part and the calibrator from the
model's scores on the later part (``calibration_fraction`` of the distinct event times), with
the earlier part purged of events whose label is not known before the later part starts.
Test data never reaches either. The calibrator's state is a few numbers, saved as JSON (no
pickles). When the calibration slice holds a single class, nothing can be learned from it and
the calibrator falls back to ``none`` (``method_used`` says so).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.choices import CALIBRATIONS
from alphaforge.errors import InputError
from alphaforge.models import ModelFamily

DEFAULT_CALIBRATION_FRACTION = 0.25
_EPSILON = 1e-6


def _logit(scores: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(scores, dtype="float64"), _EPSILON, 1.0 - _EPSILON)
    return np.log(p / (1.0 - p))


@dataclass
class Calibrator:
    """Scores to probabilities by ``method`` (module docstring); fit on scores and 0/1 outcomes.

    >>> c = Calibrator("isotonic").fit(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 0, 1, 1]))
    >>> c.transform(np.array([0.15, 0.85])).tolist()
    [0.0, 1.0]
    """

    method: str = "none"
    method_used: str = "none"
    params: dict[str, list[float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.method not in CALIBRATIONS:
            raise InputError(f"unknown calibration {self.method!r}", where="--calibration",
                             fix=f"use one of: {', '.join(CALIBRATIONS)}")

    def fit(self, scores: np.ndarray, outcomes: np.ndarray) -> Calibrator:
        """Learn the mapping from ``scores`` (probabilities of success) and 0/1 ``outcomes``."""
        outcomes = np.asarray(outcomes, dtype="int64")
        if self.method == "none" or len(np.unique(outcomes)) < 2:
            self.method_used, self.params = "none", {}
            return self
        if self.method == "sigmoid":
            from sklearn.linear_model import LogisticRegression

            fitted = LogisticRegression(C=1e6).fit(_logit(scores)[:, None], outcomes)
            self.params = {"slope": [float(fitted.coef_[0, 0])], "intercept": [float(fitted.intercept_[0])]}
        else:
            from sklearn.isotonic import IsotonicRegression

            fitted = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(scores, outcomes)
            self.params = {"x": fitted.X_thresholds_.tolist(), "y": fitted.y_thresholds_.tolist()}
        self.method_used = self.method
        return self

    def transform(self, scores: np.ndarray) -> np.ndarray:
        """Calibrated probabilities for ``scores``."""
        scores = np.asarray(scores, dtype="float64")
        if self.method_used == "sigmoid":
            z = self.params["slope"][0] * _logit(scores) + self.params["intercept"][0]
            return 1.0 / (1.0 + np.exp(-z))
        if self.method_used == "isotonic":
            return np.interp(scores, self.params["x"], self.params["y"])
        return scores

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state."""
        return {"method": self.method, "method_used": self.method_used, "params": self.params}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibrator:
        """The calibrator :meth:`to_dict` described."""
        return cls(method=data["method"], method_used=data["method_used"],
                   params={k: [float(v) for v in values] for k, values in data["params"].items()})


@dataclass
class CalibratedModel:
    """A fitted model and its calibrator: :meth:`predict` is the calibrated probability of success."""

    model: ModelFamily
    calibrator: Calibrator
    trained_until: pd.Timestamp

    def scores(self, X: pd.DataFrame) -> np.ndarray:
        """The model's own probability of success (before calibration)."""
        return self.model.predict_proba(X)[:, 1]

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated probability of success per row."""
        return self.calibrator.transform(self.scores(X))


def calibration_split(t0: np.ndarray, t1: np.ndarray, fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """(fit rows, calibration rows): the calibration rows are the last ``fraction`` of the distinct
    times; fit rows are the earlier events whose label is known before the first of them (purged)."""
    times = np.unique(t0)
    if not 0.0 < fraction < 1.0:
        raise InputError(f"calibration fraction {fraction} is not in (0, 1)", where="calibration",
                         fix="use e.g. 0.25")
    first = times[min(len(times) - 1, int(np.floor(len(times) * (1.0 - fraction))))]
    calibrate = np.flatnonzero(t0 >= first)
    fit = np.flatnonzero(t1 < first)
    return fit, calibrate


def fit_calibrated(make: Callable[[], ModelFamily], X: pd.DataFrame, outcomes: np.ndarray, t0: np.ndarray,
                   t1: np.ndarray, *, method: str, fraction: float = DEFAULT_CALIBRATION_FRACTION) -> CalibratedModel:
    """Train a model (``make()`` builds it unfitted) and its calibrator on these events only.

    ``t0``/``t1`` are the events' times and label times (naive UTC datetime64). With ``method="none"``
    the model learns from every event; otherwise see the module docstring.
    """
    calibrator = Calibrator(method)
    t0, t1 = np.asarray(t0), np.asarray(t1)
    if method == "none":
        fit_rows, calibrate_rows = np.arange(len(outcomes)), np.empty(0, dtype="int64")
    else:
        fit_rows, calibrate_rows = calibration_split(t0, t1, fraction)
    if len(np.unique(outcomes[fit_rows])) < 2:
        raise InputError(f"{len(fit_rows)} training signal(s) hold a single outcome; a meta-model needs both "
                         "successes and failures", where="meta-model training",
                         fix="use more data (dates, symbols), another --success-threshold or --calibration none")
    model = make().fit(X.iloc[fit_rows], outcomes[fit_rows])
    if len(calibrate_rows):
        calibrator.fit(model.predict_proba(X.iloc[calibrate_rows])[:, 1], outcomes[calibrate_rows])
    return CalibratedModel(model, calibrator, pd.Timestamp(t1.max(), tz="UTC"))
