"""XGBoost gradient boosting, saved as XGBoost's own JSON model."""

from __future__ import annotations

import functools
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.cpus import usable_cpus
from alphaforge.models.base import ModelFamily

_OBJECTIVES = {"binary": "binary:logistic", "multiclass": "multi:softprob", "regression": "reg:squarederror"}


class XGBoostModel(ModelFamily):
    """``xgboost.train`` with the ``hist`` tree method; NaN features are handled natively.

    ``params`` are XGBoost parameters plus ``n_estimators`` (boosting rounds). Columns are named
    ``f0..fN`` inside XGBoost (it rejects some characters in names); ``feature_names_`` maps back.
    """

    name = "xgboost"
    supports_gpu = True
    iteration_param = "n_estimators"
    continues_training = True
    model_file = "booster.json"
    default_params = MappingProxyType({"n_estimators": 1000, "learning_rate": 0.05, "max_depth": 6,
                                       "min_child_weight": 5.0, "subsample": 0.8, "colsample_bytree": 0.8,
                                       "reg_lambda": 1.0})

    @classmethod
    @functools.cache
    def gpu_usable(cls) -> bool:
        """True when this XGBoost build has CUDA (the xgboost-cpu wheel does not)."""
        import xgboost as xgb

        return bool(xgb.build_info().get("USE_CUDA"))

    def _params(self) -> tuple[dict[str, Any], int]:
        params = self.resolved_params()
        rounds = int(params.pop("n_estimators"))
        params.setdefault("nthread", usable_cpus())  # XGBoost's default is every core of the machine
        params.update({"objective": _OBJECTIVES[self.task], "seed": self.seed, "tree_method": "hist",
                       "device": self.device_, "verbosity": 0})
        if self.task == "multiclass":
            params["num_class"] = len(self.classes_)
        return params, rounds

    def _matrix_of(self, X: np.ndarray, label: np.ndarray | None = None, weight: np.ndarray | None = None) -> Any:
        import xgboost as xgb

        return xgb.DMatrix(X, label=label, weight=weight, missing=np.nan,
                           feature_names=[f"f{j}" for j in range(X.shape[1])])

    def _fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None,
             validation: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None,
             frame: pd.DataFrame | np.ndarray) -> None:
        import xgboost as xgb

        params, rounds = self._params()
        train = self._matrix_of(X, y, sample_weight)
        if validation is None:
            init = None
            if self._init_model is not None:  # from its saved bytes, as when it is loaded from disk
                init = xgb.Booster()
                init.load_model(bytearray(self._init_model._native_bytes()))
            self.booster_ = xgb.train(params, train, num_boost_round=rounds, xgb_model=init)
            return
        val_x, val_y, val_w = validation
        curve: list[float] = []

        def record(predictions: np.ndarray, data: object) -> tuple[str, float]:
            output = np.column_stack([1.0 - predictions, predictions]) if self.task == "binary" else predictions
            curve.append(self.scorer_(output))
            return self.scorer_.metric, curve[-1]

        family = self

        class Stop(xgb.callback.TrainingCallback):
            def after_iteration(self, model: object, epoch: int, evals_log: object) -> bool:
                return family._stop_now(curve)

        self.booster_ = xgb.train({**params, "disable_default_eval_metric": 1}, train, num_boost_round=rounds,
                                  evals=[(self._matrix_of(val_x, val_y, val_w), "validation")],
                                  custom_metric=record, callbacks=[Stop()], verbose_eval=False)
        self.best_iteration_ = self._keep_round(curve)
        self.booster_ = self.booster_[: self.best_iteration_]

    def _raw_predict(self, X: np.ndarray, frame: pd.DataFrame | np.ndarray) -> np.ndarray:
        output = self.booster_.predict(self._matrix_of(X))
        if self.task == "binary":
            return np.column_stack([1.0 - output, output])
        return output.astype(np.float64)

    def _native_importance(self) -> np.ndarray:
        gains = self.booster_.get_score(importance_type="total_gain")
        return np.array([gains.get(f"f{j}", 0.0) for j in range(self.n_features_in_)])

    def _native_bytes(self) -> bytes:
        return bytes(self.booster_.save_raw(raw_format="json"))

    def _from_bytes(self, data: bytes, path: Path) -> None:
        import xgboost as xgb

        self.booster_ = xgb.Booster()
        self.booster_.load_model(bytearray(data))
