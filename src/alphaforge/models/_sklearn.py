"""scikit-learn families: gradient boosting, histogram gradient boosting, random forest, and
the logistic / ridge baselines. Saved with skops (no pickle; see :mod:`._skops`).

Missing feature values: histogram boosting and random forests handle NaN natively. Gradient
boosting and the linear baselines cannot, so a median :class:`~sklearn.impute.SimpleImputer`
(``keep_empty_features=True``: an all-NaN column becomes zeros) is the first step of their
pipeline; it is fitted inside ``fit``, on the training rows only, never on validation data.
The linear baselines also standardise features (a scaler fitted the same way), so their
coefficients are comparable and serve as importances.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from alphaforge.models._skops import dumps_canonical, loads_trusted
from alphaforge.models.base import ModelFamily, Task


class SklearnFamily(ModelFamily):
    """Shared fitting, prediction and persistence of the scikit-learn families."""

    model_file = "estimator.skops"
    imputes: ClassVar[bool] = False
    scales: ClassVar[bool] = False
    ensemble: ClassVar[tuple[str, str]] = ("", "")
    """The (regressor, classifier) classes of ``sklearn.ensemble`` the default ``_estimator`` builds."""

    def _estimator(self, params: dict[str, Any]) -> Any:
        """The unfitted final estimator for ``self.task`` with ``params`` (default: the ``ensemble``
        class for the task, seeded)."""
        import sklearn.ensemble

        regressor, classifier = self.ensemble
        cls = getattr(sklearn.ensemble, regressor if self.task == "regression" else classifier)
        return cls(random_state=self.seed, **params)

    def _build(self, params: dict[str, Any]) -> Any:
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        estimator = self._estimator(params)
        steps = [("impute", SimpleImputer(strategy="median", keep_empty_features=True))] if self.imputes else []
        steps += [("scale", StandardScaler())] if self.scales else []
        return Pipeline([*steps, ("model", estimator)]) if steps else estimator

    def _final_step(self) -> Any:
        return self.estimator_.steps[-1][1] if hasattr(self.estimator_, "steps") else self.estimator_

    def _fit_estimator(self, params: dict[str, Any], X: np.ndarray, y: np.ndarray,
                       sample_weight: np.ndarray | None, **extra: Any) -> None:
        estimator = self._build(params)
        prefix = "model__" if hasattr(estimator, "steps") else ""
        fit_args = {f"{prefix}{k}": v for k, v in extra.items()}
        if sample_weight is not None:
            fit_args[f"{prefix}sample_weight"] = sample_weight
        self.estimator_ = estimator.fit(X, self._labels(y), **fit_args)

    def _labels(self, y: np.ndarray) -> np.ndarray:
        return y if self.task == "regression" else y.astype(np.int64)

    def _fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None,
             validation: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None,
             frame: pd.DataFrame | np.ndarray) -> None:
        self._fit_estimator(self.resolved_params(), X, y, sample_weight)

    def _raw_predict(self, X: np.ndarray, frame: pd.DataFrame | np.ndarray) -> np.ndarray:
        if self.task == "regression":
            return np.asarray(self.estimator_.predict(X), dtype=np.float64)
        return np.asarray(self.estimator_.predict_proba(X), dtype=np.float64)

    def _native_importance(self) -> np.ndarray | None:
        return getattr(self._final_step(), "feature_importances_", None)

    def _native_bytes(self) -> bytes:
        return dumps_canonical(self.estimator_)

    def _from_bytes(self, data: bytes, path: Path) -> None:
        self.estimator_ = loads_trusted(data, str(path))


class GradientBoostingModel(SklearnFamily):
    """scikit-learn ``GradientBoosting{Classifier,Regressor}`` behind a median imputer.

    With a validation set the staged validation loss picks the best number of stages and the
    model is refitted with exactly that many (scikit-learn cannot drop trained stages).
    """

    name = "gradient_boosting"
    iteration_param = "n_estimators"
    imputes = True
    ensemble = ("GradientBoostingRegressor", "GradientBoostingClassifier")
    default_params = MappingProxyType({"n_estimators": 200, "learning_rate": 0.05, "max_depth": 3,
                                       "subsample": 0.8, "min_samples_leaf": 20})

    def _fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None,
             validation: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None,
             frame: pd.DataFrame | np.ndarray) -> None:
        params = self.resolved_params()
        self._fit_estimator(params, X, y, sample_weight)
        if validation is None:
            return
        prepared = self.estimator_[:-1].transform(validation[0])
        self.best_iteration_ = self._keep_round([self.scorer_(stage) for stage in self._staged(prepared)])
        if self.best_iteration_ < params["n_estimators"]:
            self._fit_estimator({**params, "n_estimators": self.best_iteration_}, X, y, sample_weight)

    def _staged(self, prepared: np.ndarray) -> Any:
        model = self._final_step()
        return model.staged_predict(prepared) if self.task == "regression" else model.staged_predict_proba(prepared)


class HistGradientBoostingModel(SklearnFamily):
    """scikit-learn ``HistGradientBoosting{Classifier,Regressor}`` (NaN handled natively).

    With a validation set every round is scored on it (the staged predictions) and the model
    keeps the best round (at least ``min_rounds``), refitted with exactly that many.
    """

    name = "hist_gradient_boosting"
    iteration_param = "max_iter"
    ensemble = ("HistGradientBoostingRegressor", "HistGradientBoostingClassifier")
    default_params = MappingProxyType({"max_iter": 1000, "learning_rate": 0.05, "max_leaf_nodes": 31,
                                       "min_samples_leaf": 20, "l2_regularization": 1.0})

    def _fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None,
             validation: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None,
             frame: pd.DataFrame | np.ndarray) -> None:
        params = {**self.resolved_params(), "early_stopping": False}
        self._fit_estimator(params, X, y, sample_weight)
        if validation is None:
            return
        model = self._final_step()
        stages = model.staged_predict(validation[0]) if self.task == "regression" else \
            model.staged_predict_proba(validation[0])
        self.best_iteration_ = self._keep_round([self.scorer_(stage) for stage in stages])
        if self.best_iteration_ < params["max_iter"]:
            self._fit_estimator({**params, "max_iter": self.best_iteration_}, X, y, sample_weight)


class RandomForestModel(SklearnFamily):
    """scikit-learn ``RandomForest{Classifier,Regressor}`` (NaN handled natively; no early stopping)."""

    name = "random_forest"
    ensemble = ("RandomForestRegressor", "RandomForestClassifier")
    default_params = MappingProxyType({"n_estimators": 300, "min_samples_leaf": 20, "max_features": "sqrt",
                                       "n_jobs": 1})


class _LinearBaseline(SklearnFamily):
    imputes = True
    scales = True

    def _native_importance(self) -> np.ndarray:
        coefficients = np.atleast_2d(self._final_step().coef_)
        return np.abs(coefficients).sum(axis=0)


class LogisticModel(_LinearBaseline):
    """Baseline classifier: imputer, scaler, L2 logistic regression."""

    name = "logistic"
    tasks: ClassVar[tuple[Task, ...]] = ("binary", "multiclass")
    default_params = MappingProxyType({"C": 1.0, "max_iter": 1000})

    def _estimator(self, params: dict[str, Any]) -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(random_state=self.seed, **params)


class RidgeModel(_LinearBaseline):
    """Baseline regressor: imputer, scaler, ridge regression."""

    name = "ridge"
    tasks: ClassVar[tuple[Task, ...]] = ("regression",)
    default_params = MappingProxyType({"alpha": 1.0})

    def _estimator(self, params: dict[str, Any]) -> Any:
        from sklearn.linear_model import Ridge

        return Ridge(**params)

