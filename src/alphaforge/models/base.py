"""The one interface every model family implements, and what they share: label encoding,
feature bookkeeping, device choice and safe save/load.

A family is a scikit-learn style estimator: the constructor only stores hyperparameters,
``fit`` learns state into attributes ending in ``_`` and returns ``self``. Subclasses write
four hooks (``_fit``, ``_raw_predict``, ``_native_bytes``, ``_from_bytes``) and declare:

- ``name``: the family's name in the closed map (``alphaforge.models.FAMILIES``);
- ``tasks``: which of ``binary``, ``multiclass``, ``regression`` it can learn;
- ``supports_gpu``: whether it can train on a GPU (LightGBM/XGBoost device, PyTorch CUDA);
- ``iteration_param``: the parameter counting boosting rounds / epochs (None when none), so
  the final refit can use the best count found with early stopping;
- ``model_file``: the file holding the learned model, always in a native, non-executable
  format. ``model.json`` beside it records the family, parameters, feature names, classes
  and the sha256 of the model file: loading refuses a file whose hash differs (tampered).

Classifiers are trained on labels encoded 0..K-1; ``classes_`` keeps the original values
(e.g. -1, 0, 1 for a triple barrier) and ``predict`` returns them.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, Literal, Self

import numpy as np
import pandas as pd

from alphaforge.artifacts import read_json
from alphaforge.cpus import cpu_threads
from alphaforge.errors import AlphaForgeError, InputError, MissingInputError
from alphaforge.models.compat import check_feature_order
from alphaforge.models.devices import DEVICES, resolve_device
from alphaforge.progress import Progress
from alphaforge.models.stopping import (
    ValidationScorer,
    best_round,
    first_counted_round,
    mean_loss,
    should_stop,
)
from alphaforge.names import confined_path
from alphaforge.workspace import atomic_write_bytes, atomic_write_json

Task = Literal["binary", "multiclass", "regression"]
TASKS: tuple[Task, ...] = ("binary", "multiclass", "regression")
META_FILE = "model.json"
INPUT_DTYPE = np.float32
"""What every family fits and predicts on: single precision halves the memory of a 1 M-row matrix
and the trees' split search loses nothing (LightGBM, XGBoost and scikit-learn's trees bin or
compare in float32 anyway); predictions are float64."""
FORMAT_VERSION = 1
_PERMUTATION_ROWS = 2000


class UnsafeModelError(AlphaForgeError):
    """A saved model failed its integrity or safety check and was not loaded."""


class ModelFamily(ABC):
    """Base class of model families (see the module docstring)."""

    name: ClassVar[str]
    tasks: ClassVar[tuple[Task, ...]] = TASKS
    supports_gpu: ClassVar[bool] = False
    iteration_param: ClassVar[str | None] = None
    model_file: ClassVar[str]
    default_params: ClassVar[MappingProxyType] = MappingProxyType({})
    continues_training: ClassVar[bool] = False
    """Whether ``fit(init_model=...)`` can add rounds to a fitted model of the family (boosting):
    what a scheduled retrain reuses instead of training from scratch."""

    def __init__(self, task: Task = "regression", params: dict[str, Any] | None = None, *, seed: int = 0,
                 device: str = "auto", early_stopping_rounds: int = 100, min_rounds: int = 0) -> None:
        self.task = task
        self.params = params
        self.seed = seed
        self.device = device
        self.early_stopping_rounds = early_stopping_rounds
        self.min_rounds = min_rounds

    @classmethod
    def gpu_usable(cls) -> bool:
        """Whether this family's library can train on the GPU present (families that can override)."""
        return False

    # ----------------------------------------------------------------- parameters
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor arguments (scikit-learn protocol)."""
        return {"task": self.task, "params": self.params, "seed": self.seed, "device": self.device,
                "early_stopping_rounds": self.early_stopping_rounds, "min_rounds": self.min_rounds}

    def set_params(self, **values: Any) -> Self:
        """Set constructor arguments (scikit-learn protocol)."""
        for key, value in values.items():
            if key not in self.get_params():
                raise InputError(f"unknown argument {key!r}", where=f"model family {self.name}",
                                 fix=f"use one of {sorted(self.get_params())}")
            setattr(self, key, value)
        return self

    def resolved_params(self) -> dict[str, Any]:
        """The family's defaults overridden by ``params``: what the model is trained with."""
        return {**self.default_params, **(self.params or {})}

    def with_iterations(self, iterations: int | None) -> ModelFamily:
        """An unfitted copy training exactly ``iterations`` rounds/epochs (the final refit)."""
        params = dict(self.params or {})
        if self.iteration_param is not None and iterations is not None:
            params[self.iteration_param] = int(iterations)
        return type(self)(**{**self.get_params(), "params": params})

    # ----------------------------------------------------------------- fitting
    def fit(self, X: pd.DataFrame | np.ndarray, y: object, *, sample_weight: object = None,
            eval_set: tuple[pd.DataFrame | np.ndarray, object] | None = None,
            eval_sample_weight: object = None, eval_groups: object = None, progress: Progress | None = None,
            init_model: ModelFamily | None = None) -> Self:
        """Learn from ``X``, ``y``; with ``eval_set`` stop early (``best_iteration_``, at least ``min_rounds``).

        ``init_model`` (a fitted model of the same family, features and classes, for families that
        :attr:`continues_training`) is continued: its trees as saved (up to its best iteration) are
        kept and this fit's rounds are added, fitted to what they leave unexplained in ``X``, ``y``.
        A continued fit trains exactly its rounds (no ``eval_set``).

        Early stopping scores the validation rows with a :class:`~alphaforge.models.stopping.ValidationScorer`:
        the mean rank IC per group when ``eval_groups`` (one int64 per validation row, e.g. its
        timestamp) is given for a regression, else the loss. ``progress("rounds", done, total)``
        hears of the rounds as they go, for families that train round by round.
        """
        self._check_task()
        self.feature_names_ = _feature_names(X)
        self.n_features_in_ = len(self.feature_names_)
        target = _as_labels(y, len(X))
        if self.task == "regression":
            self.classes_ = None
            encoded = target
        else:
            self.classes_ = np.unique(target)
            if len(self.classes_) < 2:
                raise InputError(f"only one class ({self.classes_[0]}) in the training labels",
                                 where=f"model family {self.name}", fix="use more data or a different target")
            if self.task == "binary" and len(self.classes_) != 2:
                raise InputError(f"task binary but {len(self.classes_)} classes {self.classes_.tolist()}",
                                 where=f"model family {self.name}", fix="use task multiclass")
            encoded = np.searchsorted(self.classes_, target).astype(np.float64)
        weights = _as_weights(sample_weight, len(X))
        validation = None
        if eval_set is not None:
            val_x, val_y = eval_set
            val_target = _as_labels(val_y, len(val_x))
            if self.classes_ is not None:
                val_target = self._encode(val_target)
            val_weights = _as_weights(eval_sample_weight, len(val_x))
            groups = None if eval_groups is None else np.asarray(eval_groups, dtype=np.int64).ravel()
            if groups is not None and len(groups) != len(val_x):
                raise InputError(f"eval_groups has {len(groups)} values for {len(val_x)} validation rows",
                                 where=f"model family {self.name}", fix="pass one group (timestamp) per row")
            self.scorer_ = ValidationScorer(self.task, val_target, val_weights, groups)
            validation = (self._matrix(val_x, check=True), val_target, val_weights)
        if self.device not in DEVICES:
            raise InputError(f"unknown device {self.device!r}", where=f"model family {self.name}",
                             fix=f"use one of {list(DEVICES)}")
        self.device_ = resolve_device(self.device, self)
        self.best_iteration_: int | None = None
        if init_model is not None:
            self._check_continues(init_model, eval_set is not None)
        # for the length of this fit only: a model holds no callback and no other model
        self._progress, self._init_model = progress, init_model
        try:
            with cpu_threads():
                self._fit(self._matrix(X, check=False), encoded, weights, validation, X)
        finally:
            self._progress, self._init_model = None, None
        self.feature_importances_ = self._importances(X, encoded)
        return self

    def _check_continues(self, init_model: ModelFamily, early_stopping: bool) -> None:
        """Refuse an ``init_model`` this fit cannot continue (see :meth:`fit`)."""
        where = f"model family {self.name}: continued training"
        if not self.continues_training:
            raise InputError(f"family {self.name!r} cannot continue a fitted model", where=where,
                             fix="train it from scratch (families that can: the boosting ones)")
        if type(init_model) is not type(self) or init_model.task != self.task:
            raise InputError(f"cannot continue a {init_model.name} {init_model.task} model as {self.name} {self.task}",
                             where=where, fix="continue a model of the same family and task")
        check_feature_order(init_model.feature_names_, self.feature_names_, where=where)
        same_classes = (self.classes_ is None) == (init_model.classes_ is None) and (
            self.classes_ is None or np.array_equal(self.classes_, init_model.classes_))
        if not same_classes:
            raise InputError("the new training labels have other classes than the model continued", where=where,
                             fix="train from scratch when the classes change")
        if early_stopping:
            raise InputError("a continued fit trains a set number of rounds", where=where,
                             fix="pass no eval_set; give the rounds as the family's iteration parameter")

    @property
    def smoothing(self) -> int:
        """Rounds the validation curve is averaged over before its best round is picked (a tenth
        of the patience): one lucky round on a noisy curve does not decide."""
        return max(1, self.early_stopping_rounds // 10)

    @property
    def first_scored_round(self) -> int:
        """The first round whose validation score can decide the round kept
        (:func:`~alphaforge.models.stopping.first_counted_round`): a family may leave the rounds
        before it unscored (NaN in its curve)."""
        return first_counted_round(self.min_rounds, self.smoothing)

    def _stop_now(self, curve: list[float]) -> bool:
        """For families that train round by round: enough rounds without a better smoothed score."""
        return should_stop(curve, patience=self.early_stopping_rounds, min_rounds=self.min_rounds,
                           smoothing=self.smoothing)

    def _report_round(self, done: int, total: int | None) -> None:
        """Tell this fit's listener a round finished (every 10th, and the last)."""
        report = getattr(self, "_progress", None)
        if report is not None and (done % 10 == 0 or done == total):
            report("rounds", done, total)

    def _keep_round(self, curve: list[float] | np.ndarray) -> int:
        """Record the validation curve (``validation_curve_``) and return the round to keep."""
        self.validation_curve_ = [float(v) for v in curve]
        return best_round(np.asarray(curve, dtype=np.float64), min_rounds=self.min_rounds, smoothing=self.smoothing)

    def _encode(self, labels: np.ndarray) -> np.ndarray:
        unknown = ~np.isin(labels, self.classes_)
        if unknown.any():
            raise InputError(f"validation labels {np.unique(labels[unknown]).tolist()} are not in the training "
                             f"classes {self.classes_.tolist()}", where=f"model family {self.name}",
                             fix="make sure the training period contains every class")
        return np.searchsorted(self.classes_, labels).astype(np.float64)

    def _check_task(self) -> None:
        if self.task not in self.tasks:
            raise InputError(f"family {self.name!r} cannot learn task {self.task!r}", where="model family",
                             fix=f"{self.name} supports {list(self.tasks)}; choose another family for this target")

    def _matrix(self, X: pd.DataFrame | np.ndarray, *, check: bool) -> np.ndarray:
        """``X`` as a :data:`INPUT_DTYPE` array (a view where possible); ``check`` verifies the
        feature order. Fitting and predicting both pass through here, so a model always sees its
        inputs rounded the same way."""
        if isinstance(X, pd.DataFrame):
            if check:
                check_feature_order(self.feature_names_, list(X.columns))
            array = X.to_numpy(dtype=INPUT_DTYPE, copy=False)
            # rows of a row-major matrix (the training matrix) are a contiguous view; a view of
            # consecutive rows of a column-major one (the store's) is contiguous in neither order: a copy
            return array if array.flags.c_contiguous or array.flags.f_contiguous else np.ascontiguousarray(array)
        array = np.asarray(X, dtype=INPUT_DTYPE)
        if array.ndim != 2 or array.shape[1] != self.n_features_in_:
            raise InputError(f"X has shape {array.shape}, expected (n, {self.n_features_in_})",
                             where=f"model family {self.name}", fix="pass the features the model was trained on")
        return array

    def _importances(self, X: pd.DataFrame | np.ndarray, encoded: np.ndarray) -> np.ndarray:
        native = self._native_importance()
        if native is not None:
            values = np.asarray(native, dtype=np.float64)
        else:
            values = self._permutation_importance(X, encoded)
        total = values.sum()
        return values / total if total > 0 else values

    def _permutation_importance(self, X: pd.DataFrame | np.ndarray, encoded: np.ndarray) -> np.ndarray:
        """Mean rise of the training loss when one column is shuffled, on up to 2,000 rows.

        For families without a native importance (histogram boosting, LSTM). Rows are taken
        as a contiguous block so sequence models keep their windows intact.
        """
        rows = slice(0, min(len(X), _PERMUTATION_ROWS))
        sample = X.iloc[rows] if isinstance(X, pd.DataFrame) else np.asarray(X)[rows]
        labels = encoded[rows]
        rng = np.random.default_rng(self.seed)
        base = self._loss(sample, labels)
        rises = np.zeros(self.n_features_in_)
        for j in range(self.n_features_in_):
            shuffled = sample.copy()
            column = rng.permutation(len(labels))
            if isinstance(shuffled, pd.DataFrame):
                shuffled.iloc[:, j] = shuffled.iloc[column, j].to_numpy()
            else:
                shuffled[:, j] = shuffled[column, j]
            rises[j] = max(self._loss(shuffled, labels) - base, 0.0)
        return rises

    def _loss(self, X: pd.DataFrame | np.ndarray, encoded: np.ndarray) -> float:
        return mean_loss(self.task, self._predicted(X, check=False), encoded)

    def _predicted(self, X: pd.DataFrame | np.ndarray, *, check: bool) -> np.ndarray:
        """The family's raw output as float64; class probabilities are renormalised per row, since a
        family that computes in float32 sums them to one only to single precision (which
        scikit-learn's log loss refuses)."""
        with cpu_threads():
            output = np.asarray(self._raw_predict(self._matrix(X, check=check), X), dtype=np.float64)
        return output if self.task == "regression" else output / output.sum(axis=1, keepdims=True)

    # ----------------------------------------------------------------- prediction
    def predict(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Regression: the predicted values. Classification: the most probable original class."""
        self._check_fitted()
        output = self._predicted(X, check=True)
        if self.task == "regression":
            return output
        return self.classes_[np.argmax(output, axis=1)]

    def predict_proba(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Class probabilities, one column per entry of ``classes_`` (classifiers only)."""
        self._check_fitted()
        if self.task == "regression":
            raise InputError("predict_proba is for classifiers; this model does regression",
                             where=f"model family {self.name}", fix="call predict")
        return self._predicted(X, check=True)

    def outputs(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """What metrics and plots read: ``predict_proba`` for classifiers, ``predict`` for regression."""
        return self.predict(X) if self.task == "regression" else self.predict_proba(X)

    def encode(self, y: object) -> np.ndarray:
        """Labels as the model sees them: classes encoded 0..K-1 (regression values unchanged)."""
        self._check_fitted()
        labels = _as_labels(y, len(np.asarray(y)))
        return labels if self.classes_ is None else self._encode(labels)

    def feature_importance(self) -> pd.Series:
        """Importance of each feature (native gain/impurity, else permutation), summing to 1."""
        self._check_fitted()
        return pd.Series(self.feature_importances_, index=self.feature_names_, name="importance")

    def _check_fitted(self) -> None:
        if not hasattr(self, "feature_names_"):
            raise InputError(f"this {self.name} model is not fitted", where=f"model family {self.name}",
                             fix="call fit first, or load a saved model")

    # ----------------------------------------------------------------- persistence
    def save(self, directory: Path) -> Path:
        """Write the model file and ``model.json`` into ``directory``; returns the model file's path."""
        self._check_fitted()
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / self.model_file
        data = self._native_bytes()
        atomic_write_bytes(path, data)
        meta = {"format_version": FORMAT_VERSION, "family": self.name, **self.get_params(),
                "resolved_params": self.resolved_params(), "device_used": self.device_,
                "feature_names": self.feature_names_,
                "classes": None if self.classes_ is None else self.classes_.tolist(),
                "best_iteration": self.best_iteration_, "feature_importances": self.feature_importances_.tolist(),
                "model_file": self.model_file, "model_sha256": hashlib.sha256(data).hexdigest()}
        atomic_write_json(directory / META_FILE, meta)
        return path

    @classmethod
    def load(cls, directory: Path) -> Self:
        """Load a model saved by :meth:`save`, refusing a missing, tampered or unsafe file."""
        directory = Path(directory)
        meta = read_meta(directory)
        if meta["family"] != cls.name:
            raise InputError(f"the model in {directory} is a {meta['family']} model, not {cls.name}",
                             where=str(directory / META_FILE), fix="load it with alphaforge.models.load_model")
        path = confined_path(directory, meta["model_file"], where=str(directory / META_FILE))  # not read if outside
        if not path.is_file():
            raise UnsafeModelError("model file is missing", where=str(path), fix="re-run `alphaforge train`")
        data = path.read_bytes()  # read once: the bytes checked are the bytes loaded
        if hashlib.sha256(data).hexdigest() != meta["model_sha256"]:
            raise UnsafeModelError("model file does not match the sha256 recorded when it was saved (changed or "
                                   "tampered with); refusing to load it", where=str(path),
                                   fix="re-run `alphaforge train` to write a fresh model")
        model = cls(task=meta["task"], params=meta["params"], seed=meta["seed"], device=meta["device"],
                    early_stopping_rounds=meta["early_stopping_rounds"], min_rounds=meta.get("min_rounds", 0))
        model.feature_names_ = list(meta["feature_names"])
        model.n_features_in_ = len(model.feature_names_)
        model.classes_ = None if meta["classes"] is None else np.asarray(meta["classes"], dtype=np.float64)
        model.best_iteration_ = meta["best_iteration"]
        model.feature_importances_ = np.asarray(meta["feature_importances"], dtype=np.float64)
        model.device_ = "cpu"
        try:
            model._from_bytes(data, path)
        except AlphaForgeError:
            raise
        except Exception as exc:  # noqa: BLE001 - any reader failure means the file is not what we wrote
            raise UnsafeModelError(f"cannot read the model file ({type(exc).__name__}: {exc}); refusing it",
                                   where=str(path), fix="re-run `alphaforge train` to write a fresh model") from None
        return model

    # ----------------------------------------------------------------- hooks
    @abstractmethod
    def _fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None,
             validation: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None,
             frame: pd.DataFrame | np.ndarray) -> None:
        """Train on encoded labels; set ``best_iteration_`` when ``validation`` drives early stopping.

        ``frame`` is the caller's ``X`` as given (sequence models read its symbol index).
        """

    @abstractmethod
    def _raw_predict(self, X: np.ndarray, frame: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Regression values (n,) or class probabilities (n, K)."""

    @abstractmethod
    def _native_bytes(self) -> bytes:
        """The learned model in the family's native, non-executable format (the model file's bytes)."""

    @abstractmethod
    def _from_bytes(self, data: bytes, path: Path) -> None:
        """Restore the learned model from ``data`` (read from ``path``) without unpickling anything."""

    def _native_importance(self) -> np.ndarray | None:
        """The family's own importance per feature, or None to use permutation importance."""
        return None


def read_meta(directory: Path) -> dict[str, Any]:
    """The ``model.json`` of a saved model; a clear error when absent or unreadable."""
    path = Path(directory) / META_FILE
    try:
        meta = read_json(path, fix="re-run `alphaforge train`")
    except MissingInputError:
        raise InputError("no saved model here (no model.json)", where=str(directory),
                         fix="pass a model version folder (models/<name>/<version>/final), or run "
                             "`alphaforge train`") from None
    except InputError as damaged:  # not UTF-8 or not JSON: refused like a model file that fails its check
        raise UnsafeModelError(damaged.message, where=damaged.where, fix=damaged.fix) from None
    version = meta.get("format_version") if isinstance(meta, dict) else None
    if version != FORMAT_VERSION:
        raise InputError(f"model format version {version!r} is not {FORMAT_VERSION}",
                         where=str(path), fix="re-train the model with this version of AlphaForge")
    return meta


def _feature_names(X: pd.DataFrame | np.ndarray) -> list[str]:
    if isinstance(X, pd.DataFrame):
        return [str(c) for c in X.columns]
    shape = np.shape(X)
    if len(shape) != 2:
        raise InputError(f"X has shape {shape}; a model needs a 2-D table", where="X",
                         fix="pass a DataFrame of features (rows x columns)")
    return [f"f{j}" for j in range(shape[1])]


def _as_labels(y: object, n_rows: int) -> np.ndarray:
    labels = np.asarray(y, dtype=np.float64).ravel()
    if len(labels) != n_rows:
        raise InputError(f"y has {len(labels)} values for {n_rows} rows", where="y", fix="pass one label per row")
    if not np.isfinite(labels).all():
        raise InputError("y holds NaN or infinite labels", where="y",
                         fix="drop unlabelled rows first (alphaforge.matrix does)")
    return labels


def _as_weights(weights: object, n_rows: int) -> np.ndarray | None:
    if weights is None:
        return None
    values = np.asarray(weights, dtype=np.float64).ravel()
    if len(values) != n_rows or not np.isfinite(values).all() or (values < 0).any() or values.sum() <= 0:
        raise InputError(f"sample weights must be {n_rows} finite values >= 0 with a positive sum",
                         where="sample_weight", fix="pass one weight per row (see alphaforge.validation.weights)")
    return values
