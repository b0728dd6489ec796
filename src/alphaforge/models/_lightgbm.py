"""LightGBM gradient boosting (the default family), saved as LightGBM's own text model."""

from __future__ import annotations

import functools
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.models.base import ModelFamily

_OBJECTIVES = {"binary": "binary", "multiclass": "multiclass", "regression": "regression"}


class LightGBMModel(ModelFamily):
    """``lightgbm.train`` on a float64 matrix; NaN features are handled natively.

    ``params`` are LightGBM parameters plus ``n_estimators`` (boosting rounds). Training is
    deterministic for a seed (``deterministic=True``, column-wise histograms).
    """

    name = "lightgbm"
    supports_gpu = True
    iteration_param = "n_estimators"
    model_file = "booster.txt"
    default_params = MappingProxyType({"n_estimators": 1000, "learning_rate": 0.05, "num_leaves": 31,
                                       "min_data_in_leaf": 50, "feature_fraction": 0.8, "bagging_fraction": 0.8,
                                       "bagging_freq": 1, "lambda_l2": 1.0})

    @classmethod
    @functools.cache
    def gpu_usable(cls) -> bool:
        """True when this LightGBM build trains with ``device_type='cuda'`` (probed once, tiny data)."""
        import lightgbm as lgb

        data = lgb.Dataset(np.arange(200, dtype=np.float64).reshape(100, 2), label=np.arange(100.0) % 2,
                           params={"verbosity": -1})
        try:
            lgb.train({"device_type": "cuda", "verbosity": -1, "objective": "binary"}, data, num_boost_round=1)
        except lgb.basic.LightGBMError:
            return False
        return True

    def lightgbm_params(self) -> tuple[dict[str, Any], int]:
        """(LightGBM parameter dict, boosting rounds) exactly as passed to ``lightgbm.train``."""
        params = self.resolved_params()
        rounds = int(params.pop("n_estimators"))
        params.update({"objective": _OBJECTIVES[self.task], "seed": self.seed, "deterministic": True,
                       "force_col_wise": True, "verbosity": -1,
                       "device_type": "cuda" if getattr(self, "device_", "cpu") == "cuda" else "cpu"})
        if self.task == "multiclass":
            params["num_class"] = len(self.classes_)
        return params, rounds

    def _fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None,
             validation: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None,
             frame: pd.DataFrame | np.ndarray) -> None:
        import lightgbm as lgb

        params, rounds = self.lightgbm_params()
        train = lgb.Dataset(X, label=y, weight=sample_weight, free_raw_data=True)
        callbacks = []
        valid_sets = []
        if validation is not None:
            val_x, val_y, val_w = validation
            valid_sets = [lgb.Dataset(val_x, label=val_y, weight=val_w, reference=train)]
            callbacks = [lgb.early_stopping(self.early_stopping_rounds, first_metric_only=True, verbose=False)]
        booster = lgb.train(params, train, num_boost_round=rounds, valid_sets=valid_sets, callbacks=callbacks)
        if validation is not None:
            self.best_iteration_ = int(booster.best_iteration) or booster.current_iteration()
        self.booster_ = booster

    def _raw_predict(self, X: np.ndarray, frame: pd.DataFrame | np.ndarray) -> np.ndarray:
        output = self.booster_.predict(X, num_iteration=self.best_iteration_)
        if self.task == "binary":
            return np.column_stack([1.0 - output, output])
        return output

    def _native_importance(self) -> np.ndarray:
        return self.booster_.feature_importance("gain", iteration=self.best_iteration_)

    def _native_bytes(self) -> bytes:
        return self.booster_.model_to_string(num_iteration=self.best_iteration_).encode("utf-8")

    def _from_bytes(self, data: bytes, path: Path) -> None:
        import lightgbm as lgb

        self.booster_ = lgb.Booster(model_str=data.decode("utf-8"))
