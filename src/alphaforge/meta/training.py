"""Training a meta-model: purged cross-validation over signal events, metrics, calibration plot.

Signal events overlap in time (a trade's label spans ``horizon`` bars, and several symbols
signal together), so folds are :class:`~alphaforge.validation.PurgedKFold` blocks of event
times with the label spans (t0 = signal time, t1 = label time) as ``groups``: a training event
whose span touches a test block is purged, and an embargo follows each block. Inside every
fold the model and its calibrator are fitted on the training events only
(:func:`~alphaforge.meta.calibration.fit_calibrated`); the pooled out-of-fold probabilities
give ROC-AUC, PR-AUC (average precision), Brier score and log loss, and the calibration plot.
The final model is then fitted the same way on every event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.choices import META_FAMILIES
from alphaforge.errors import InputError
from alphaforge.meta.calibration import CALIBRATIONS, CalibratedModel, fit_calibrated
from alphaforge.meta.dataset import feature_columns, success
from alphaforge.models import ModelFamily, make_model
from alphaforge.timestamps import naive_utc
from alphaforge.validation import LabelSpans, PurgedKFold

META_PARAMS: dict[str, dict[str, Any]] = {
    "gradient_boosting": {"n_estimators": 100, "max_depth": 2, "min_samples_leaf": 20},
    "random_forest": {"n_estimators": 200, "min_samples_leaf": 20},
    "lightgbm": {"n_estimators": 200, "num_leaves": 7, "min_data_in_leaf": 20},
    "logistic": {},
}
"""Smaller, more regularised settings than the families' defaults: meta datasets have hundreds
or thousands of events, not the millions of bars the defaults are tuned for."""
_CALIBRATION_BINS = 10


@dataclass(frozen=True)
class MetaRecipe:
    """How a meta-model is trained: family, calibration, CV folds and embargo (events), seed."""

    family: str = "gradient_boosting"
    calibration: str = "sigmoid"
    n_splits: int = 5
    embargo: int = 0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.family not in META_FAMILIES:
            raise InputError(f"unknown meta-model type {self.family!r}", where="--model-type",
                             fix=f"use one of: {', '.join(META_FAMILIES)}")
        if self.calibration not in CALIBRATIONS:
            raise InputError(f"unknown calibration {self.calibration!r}", where="--calibration",
                             fix=f"use one of: {', '.join(CALIBRATIONS)}")

    def factory(self) -> Callable[[], ModelFamily]:
        """Builds an unfitted binary classifier of this recipe."""
        return lambda: make_model(self.family, task="binary", params=dict(META_PARAMS[self.family]),
                                  seed=self.seed, device="cpu")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Events:
    """A meta dataset as model inputs: features, success outcomes and label spans, time-ordered."""

    X: pd.DataFrame
    outcomes: np.ndarray
    t0: np.ndarray
    t1: np.ndarray
    keys: pd.DataFrame = field(repr=False)

    @classmethod
    def of(cls, dataset: pd.DataFrame) -> Events:
        """Events from a meta dataset (see :mod:`alphaforge.meta.dataset`), ordered by signal time."""
        for column in ("symbol", "timestamp", "label", "label_type", "t1"):
            if column not in dataset.columns:
                raise InputError(f"the meta dataset lacks column {column!r}", where="meta dataset",
                                 fix="build it with `alphaforge meta build-dataset`")
        if dataset.empty:
            raise InputError("the meta dataset has no rows", where="meta dataset",
                             fix="build it over a longer range or more symbols")
        if dataset["label"].isna().any():
            raise InputError(f"{int(dataset['label'].isna().sum())} row(s) have no label", where="meta dataset",
                             fix="train on labelled signals only (build_meta_dataset drops the others)")
        ordered = dataset.sort_values(["timestamp", "symbol"], kind="stable").reset_index(drop=True)
        columns = feature_columns(ordered)
        return cls(X=ordered[columns].astype("float64"), outcomes=success(ordered),
                   t0=naive_utc(ordered["timestamp"]), t1=naive_utc(ordered["t1"]),
                   keys=ordered[["symbol", "timestamp"]])

    def rows(self, index: np.ndarray) -> Events:
        return Events(self.X.iloc[index], self.outcomes[index], self.t0[index], self.t1[index],
                      self.keys.iloc[index])

    def fit(self, recipe: MetaRecipe) -> CalibratedModel:
        """A calibrated model of ``recipe`` trained on these events only."""
        return fit_calibrated(recipe.factory(), self.X, self.outcomes, self.t0, self.t1, method=recipe.calibration)


def classification_metrics(outcomes: np.ndarray, probability: np.ndarray) -> dict[str, float]:
    """ROC-AUC, PR-AUC (average precision), Brier score, log loss, base rate and count.

    AUCs are NaN when the outcomes hold one class.
    """
    from sklearn import metrics

    outcomes = np.asarray(outcomes, dtype="int64")
    p = np.clip(np.asarray(probability, dtype="float64"), 1e-15, 1 - 1e-15)
    both = len(np.unique(outcomes)) == 2
    return {"roc_auc": float(metrics.roc_auc_score(outcomes, p)) if both else float("nan"),
            "pr_auc": float(metrics.average_precision_score(outcomes, p)) if both else float("nan"),
            "brier_score": float(np.mean((p - outcomes) ** 2)),
            "log_loss": float(metrics.log_loss(outcomes, p, labels=[0, 1])),
            "base_rate": float(outcomes.mean()), "events": len(outcomes)}


@dataclass
class MetaTraining:
    """What :func:`train_meta_model` returns: the final model, CV metrics and out-of-fold rows."""

    model: CalibratedModel
    recipe: MetaRecipe
    features: list[str]
    metrics: dict[str, float]
    folds: list[dict[str, Any]]
    out_of_fold: pd.DataFrame


def cross_validate(events: Events, recipe: MetaRecipe) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Purged k-fold out-of-fold probabilities (symbol, timestamp, outcome, probability) and fold rows."""
    spans = LabelSpans.from_arrays(events.t0, events.t1, events.keys["symbol"].to_numpy())
    probability = np.full(len(events.outcomes), np.nan)
    folds = []
    splitter = PurgedKFold(recipe.n_splits, embargo=recipe.embargo)
    for k, (train, test) in enumerate(splitter.split(events.X, groups=spans)):
        model = events.rows(train).fit(recipe)
        probability[test] = model.predict(events.X.iloc[test])
        folds.append({"fold": k, "train_events": len(train), "test_events": len(test),
                      "test_start": pd.Timestamp(events.t0[test].min()).isoformat(),
                      "test_end": pd.Timestamp(events.t0[test].max()).isoformat(),
                      "calibration": model.calibrator.method_used,
                      **{key: value for key, value in classification_metrics(events.outcomes[test],
                                                                             probability[test]).items()
                         if key in ("roc_auc", "brier_score", "log_loss")}})
    out_of_fold = events.keys.assign(outcome=events.outcomes, probability=probability)
    return out_of_fold, folds


def train_meta_model(dataset: pd.DataFrame, recipe: MetaRecipe | None = None) -> MetaTraining:
    """Cross-validate (purged) and train a calibrated meta-model on a meta dataset.

    >>> from alphaforge.data.synthetic import SynthSpec, generate_bars
    >>> from alphaforge.backtest import make_strategy
    >>> from alphaforge.features import compute_features
    >>> from alphaforge.meta.dataset import LabelSpec, build_meta_dataset
    >>> bars = generate_bars(SynthSpec(symbols=8, bars=900, freq="1d", seed=3, mode="random_walk"))
    >>> dataset = build_meta_dataset(bars, make_strategy("trend_baseline", fast=5, slow=20),
    ...                              compute_features(bars, features="px"), LabelSpec())
    >>> trained = train_meta_model(dataset, MetaRecipe(family="logistic", n_splits=3))
    >>> sorted(trained.metrics)[:3], len(trained.folds)
    (['base_rate', 'brier_score', 'events'], 3)
    """
    recipe = recipe or MetaRecipe()
    events = Events.of(dataset)
    out_of_fold, folds = cross_validate(events, recipe)
    metrics = classification_metrics(out_of_fold["outcome"].to_numpy(), out_of_fold["probability"].to_numpy())
    return MetaTraining(model=events.fit(recipe), recipe=recipe, features=list(events.X.columns), metrics=metrics,
                        folds=folds, out_of_fold=out_of_fold)


def calibration_plot(outcomes: np.ndarray, probability: np.ndarray, path: Path, *, title: str) -> Path:
    """Reliability diagram (observed success rate per probability bin vs the diagonal) with a histogram."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.calibration import calibration_curve

    from alphaforge.workspace import atomic_write_png

    figure, (top, bottom) = plt.subplots(2, 1, figsize=(6, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    observed, predicted = calibration_curve(outcomes, probability, n_bins=_CALIBRATION_BINS, strategy="quantile")
    top.plot([0, 1], [0, 1], color="black", linestyle="--", linewidth=1, label="perfectly calibrated")
    top.plot(predicted, observed, marker="o", label="meta-model (out of fold)")
    top.set(ylabel="observed success rate", title=title)
    top.legend(loc="upper left")
    top.grid(alpha=0.3)
    bottom.hist(probability, bins=20, range=(0, 1), color="tab:blue", alpha=0.7)
    bottom.set(xlabel="predicted probability of success", ylabel="signals")
    figure.tight_layout()
    path = atomic_write_png(figure, path, dpi=100)
    plt.close(figure)
    return path
