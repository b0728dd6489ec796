"""LightGBM gradient boosting (the default family), saved as LightGBM's own text model.

A fitted model holds the ``lightgbm`` package's Booster (``booster_``); a loaded one holds the
model text that passed its sha256 check, scored through ``lib_lightgbm`` directly
(:class:`~alphaforge.models._lightgbm_native.NativeBooster`, the same scores), so scoring a saved
model never imports the package and, with it, scikit-learn and SciPy.
"""

from __future__ import annotations

import functools
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.cpus import usable_cpus
from alphaforge.models._lightgbm_native import NativeBooster
from alphaforge.models.base import ModelFamily

_OBJECTIVES = {"binary": "binary", "multiclass": "multiclass", "regression": "regression"}


class LightGBMModel(ModelFamily):
    """``lightgbm.train`` on a float32 matrix (:data:`~alphaforge.models.base.INPUT_DTYPE`); NaN features are
    handled natively.

    ``params`` are LightGBM parameters plus ``n_estimators`` (boosting rounds). Training is
    deterministic for a seed (``deterministic=True``, column-wise histograms).
    """

    name = "lightgbm"
    supports_gpu = True
    iteration_param = "n_estimators"
    continues_training = True
    model_file = "booster.txt"
    default_params = MappingProxyType({"n_estimators": 1000, "learning_rate": 0.02, "num_leaves": 15,
                                       "min_data_in_leaf": "auto", "feature_fraction": 0.5, "bagging_fraction": 0.8,
                                       "bagging_freq": 1, "lambda_l2": 10.0})
    """Small, slow, strongly regularised trees: returns are mostly noise, and a model that fits
    them quickly fits the noise (the old defaults stopped after 1-17 rounds)."""

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

    def lightgbm_params(self, rows: int | None = None) -> tuple[dict[str, Any], int]:
        """(LightGBM parameter dict, boosting rounds) exactly as passed to ``lightgbm.train``.

        ``min_data_in_leaf = "auto"`` (the default) grows with the training rows (``rows``):
        1 % of them, between 20 and 500, so a leaf on a large panel averages enough days to
        be signal rather than one day's noise, and a small data set still gets trees.
        """
        params = self.resolved_params()
        rounds = int(params.pop("n_estimators"))
        if params.get("min_data_in_leaf") == "auto":
            params["min_data_in_leaf"] = int(np.clip((rows or 0) // 100, 20, 500))
        params.setdefault("num_threads", usable_cpus())
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

        params, rounds = self.lightgbm_params(len(X))
        train = lgb.Dataset(X, label=y, weight=sample_weight, free_raw_data=True)
        # continued from the model's saved text (its best iteration), so a model continued in memory
        # and the same model loaded from disk grow the same trees
        init = None if self._init_model is None else lgb.Booster(
            model_str=self._init_model._native_bytes().decode("utf-8"))
        start = 0 if init is None else init.current_iteration()

        def report(env: Any) -> None:
            self._report_round(env.iteration - start + 1, rounds)

        if validation is None:
            self.booster_ = lgb.train(params, train, num_boost_round=rounds, init_model=init, callbacks=[report])
            self.booster_.free_dataset()  # its binned rows: a model predicts without them (95 MB at 1 M x 95)
            return
        val_x, val_y, val_w = validation
        curve: list[float] = []

        def record(predictions: np.ndarray, data: object) -> tuple[str, float, bool]:
            output = np.column_stack([1.0 - predictions, predictions]) if self.task == "binary" else predictions
            return self.scorer_.metric, self.scorer_(output), True

        def score_and_stop(env: Any) -> None:
            # the validation rows are scored here rather than by lgb.train's feval, which would copy out
            # and score every round's outputs: rounds before the first that can decide stay unscored
            # (at 1 M rows, 540 of the 1 686 rounds of the best models' fits, each 1.4 ms of LightGBM's
            # copy and 3 ms of rank IC)
            report(env)
            done = env.iteration - start + 1
            curve.append(env.model.eval_valid(record)[0][2] if done >= self.first_scored_round else float("nan"))
            if self._stop_now(curve):
                raise lgb.callback.EarlyStopException(len(curve), [])

        # the validation set is added from the start (LightGBM adds each tree's outputs to its scores as it
        # grows): one added later would have its scores replayed in another order, and other last bits
        valid = lgb.Dataset(val_x, label=val_y, weight=val_w, reference=train)
        self.booster_ = lgb.train({**params, "metric": "None"}, train, num_boost_round=rounds, valid_sets=[valid],
                                  callbacks=[score_and_stop])
        self.booster_.free_dataset()
        self.best_iteration_ = self._keep_round(curve)

    def _raw_predict(self, X: np.ndarray, frame: pd.DataFrame | np.ndarray) -> np.ndarray:
        if hasattr(self, "booster_"):
            output = self.booster_.predict(X, num_iteration=self.best_iteration_)
        else:  # loaded: Booster.predict's num_iteration=None meant the loaded Booster's best_iteration, -1 (all)
            rounds = -1 if self.best_iteration_ is None else self.best_iteration_
            output = self.native_.predict(X, num_iteration=rounds)
        if self.task == "binary":
            return np.column_stack([1.0 - output, output])
        return output

    def _native_importance(self) -> np.ndarray:
        return self.booster_.feature_importance("gain", iteration=self.best_iteration_)

    def _native_bytes(self) -> bytes:
        if hasattr(self, "booster_"):
            return self.booster_.model_to_string(num_iteration=self.best_iteration_).encode("utf-8")
        return self.model_text_  # loaded: the text it was loaded from, already cut at its best iteration

    def _from_bytes(self, data: bytes, path: Path) -> None:
        self.native_ = NativeBooster(data)
        self.model_text_ = data
