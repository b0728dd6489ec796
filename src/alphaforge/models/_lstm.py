"""An LSTM in PyTorch (the ``deep`` extra) on sequence windows built from the feature table.

Windows: the features of a row and of the ``window - 1`` rows before it *of the same symbol*
(the level ``symbol`` of the frame's index; without one, all rows form one sequence), in the
order given, which must be time order. Rows near a symbol's start are padded with zeros. The
window reads only the row's own past, so it is as causal as the features themselves.

Features are standardised with the training rows' mean and standard deviation (NaN then
becomes 0, the mean): the imputation is fitted inside ``fit``. Regression targets are
standardised the same way for training. An epoch is one boosting "iteration": with a
validation set, the weights of the epoch with the lowest validation loss are kept and
``best_iteration_`` counts epochs. Saved as a state dict and loaded with ``weights_only=True``.
Trains on CUDA when ``device`` allows and a GPU is present, else on CPU.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.errors import InputError
from alphaforge.cpus import usable_cpus
from alphaforge.models.base import ModelFamily

SYMBOL_LEVEL = "symbol"


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise InputError("the lstm family needs PyTorch, which is not installed", where="model family lstm",
                         fix="install the deep extra: pip install 'alphaforge[deep]'") from None
    return torch


@functools.cache
def _network_class() -> type:
    torch = _torch()

    class SequenceNetwork(torch.nn.Module):
        """LSTM over a window, then a linear head on the last step's hidden state."""

        def __init__(self, n_features: int, hidden_size: int, num_layers: int, dropout: float, n_outputs: int):
            super().__init__()
            self.lstm = torch.nn.LSTM(n_features, hidden_size, num_layers=num_layers, batch_first=True,
                                      dropout=dropout if num_layers > 1 else 0.0)
            self.head = torch.nn.Linear(hidden_size, n_outputs)
            for name in ("feature_mean", "feature_scale", "target_mean", "target_scale"):
                self.register_buffer(name, torch.zeros(n_features if name.startswith("feature") else 1))

        def forward(self, windows: Any) -> Any:
            output, _ = self.lstm(windows)
            return self.head(output[:, -1, :])

    return SequenceNetwork


class LSTMModel(ModelFamily):
    """A one-layer LSTM classifier/regressor on per-symbol feature windows (see the module docstring)."""

    name = "lstm"
    supports_gpu = True
    iteration_param = "epochs"
    model_file = "weights.pt"
    default_params = MappingProxyType({"window": 20, "hidden_size": 32, "num_layers": 1, "dropout": 0.0,
                                       "learning_rate": 1e-3, "batch_size": 256, "epochs": 30,
                                       "weight_decay": 0.0})

    @classmethod
    def gpu_usable(cls) -> bool:
        """True when PyTorch sees a CUDA device."""
        return bool(_torch().cuda.is_available())

    def _outputs(self) -> int:
        return len(self.classes_) if self.task == "multiclass" else 1

    def _new_network(self) -> None:
        """A fresh ``network_`` for the resolved params, and the offsets (``-window + 1 .. 0``) of
        a window's rows from its end, which every minibatch reads."""
        params = self.resolved_params()
        self.network_ = _network_class()(self.n_features_in_, int(params["hidden_size"]),
                                         int(params["num_layers"]), float(params["dropout"]), self._outputs())
        self.window_offsets_ = _torch().arange(-int(params["window"]) + 1, 1)

    def _windows(self, X: np.ndarray, frame: pd.DataFrame | np.ndarray) -> tuple[Any, Any]:
        """(padded standardised rows, index of each row's window end in them) as tensors."""
        torch = _torch()
        window = len(self.window_offsets_)
        scaled = (X - self.network_.feature_mean.cpu().numpy()) / self.network_.feature_scale.cpu().numpy()
        scaled = np.nan_to_num(scaled, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)
        if isinstance(frame, pd.DataFrame) and SYMBOL_LEVEL in (frame.index.names or []):
            codes = pd.factorize(frame.index.get_level_values(SYMBOL_LEVEL))[0]
        else:
            codes = np.zeros(len(X), dtype=np.int64)
        order = np.argsort(codes, kind="stable")
        sorted_codes = codes[order]
        group_rank = np.concatenate(([0], np.cumsum(sorted_codes[1:] != sorted_codes[:-1])))
        padded = np.zeros((len(X) + (group_rank[-1] + 1 if len(X) else 0) * (window - 1), X.shape[1]),
                          dtype=np.float32)
        position = np.arange(len(X)) + (group_rank + 1) * (window - 1)
        padded[position] = scaled[order]
        ends = np.empty(len(X), dtype=np.int64)
        ends[order] = position
        return torch.from_numpy(padded), torch.from_numpy(ends)

    def _batch(self, padded: Any, ends: Any) -> Any:
        return padded[ends[:, None] + self.window_offsets_[None, :]].to(self.device_)

    def _criterion(self, logits: Any, labels: Any, weights: Any) -> Any:
        functional = _torch().nn.functional
        if self.task == "binary":
            losses = functional.binary_cross_entropy_with_logits(logits[:, 0], labels, reduction="none")
        elif self.task == "multiclass":
            losses = functional.cross_entropy(logits, labels.long(), reduction="none")
        else:
            losses = (logits[:, 0] - labels) ** 2
        return (losses * weights).sum() / weights.sum()

    def _fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None,
             validation: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None,
             frame: pd.DataFrame | np.ndarray) -> None:
        torch = _torch()
        params = self.resolved_params()
        torch.set_num_threads(usable_cpus())  # torch's default is one thread per core of the machine
        torch.manual_seed(self.seed)
        self._new_network()
        mean = np.nan_to_num(np.nanmean(X, axis=0)) if len(X) else np.zeros(X.shape[1])
        scale = np.nan_to_num(np.nanstd(X, axis=0), nan=1.0)
        self.network_.feature_mean.copy_(torch.from_numpy(mean))
        self.network_.feature_scale.copy_(torch.from_numpy(np.where(scale > 0, scale, 1.0)))
        if self.task == "regression":
            self.network_.target_mean.fill_(float(y.mean()))
            self.network_.target_scale.fill_(float(y.std()) or 1.0)
        self.network_.to(self.device_)
        train = self._tensors(X, y, sample_weight, frame)
        checked = None
        if validation is not None:
            val_x, val_y, val_w = validation
            checked = self._tensors(val_x, val_y, val_w, val_x)
        optimizer = torch.optim.Adam(self.network_.parameters(), lr=float(params["learning_rate"]),
                                     weight_decay=float(params["weight_decay"]))
        generator = torch.Generator().manual_seed(self.seed)
        curve: list[float] = []
        best_state = None
        for epoch in range(1, int(params["epochs"]) + 1):
            self.network_.train()
            for rows in torch.randperm(len(train[2]), generator=generator).split(int(params["batch_size"])):
                optimizer.zero_grad()
                loss = self._criterion(self.network_(self._batch(train[0], train[1][rows])),
                                       train[2][rows].to(self.device_), train[3][rows].to(self.device_))
                loss.backward()
                optimizer.step()
            if checked is None:
                continue
            curve.append(self.scorer_(self._outputs_of(self._evaluate(checked))))
            if self._keep_round(curve) == epoch:  # the best epoch so far (no smoothing: weights are kept per epoch)
                self.best_iteration_ = epoch
                best_state = {k: v.detach().clone() for k, v in self.network_.state_dict().items()}
            elif self._stop_now(curve):
                break
        if best_state is not None:
            self.network_.load_state_dict(best_state)
        self.network_.eval()

    def _tensors(self, X: np.ndarray, y: np.ndarray, weights: np.ndarray | None,
                 frame: pd.DataFrame | np.ndarray) -> tuple[Any, Any, Any, Any]:
        torch = _torch()
        padded, ends = self._windows(X, frame)
        labels = y if self.task != "regression" else (
            (y - float(self.network_.target_mean)) / float(self.network_.target_scale))
        weight = np.ones(len(y)) if weights is None else weights
        return padded, ends, torch.from_numpy(labels.astype(np.float32)), torch.from_numpy(weight.astype(np.float32))

    def _evaluate(self, tensors: tuple[Any, Any, Any, Any]) -> Any:
        """The network's logits on prepared validation tensors."""
        torch = _torch()
        self.network_.eval()
        with torch.no_grad():
            return self._logits(tensors[0], tensors[1])

    def _logits(self, padded: Any, ends: Any) -> Any:
        torch = _torch()
        batch = int(self.resolved_params()["batch_size"]) * 8
        outputs = [self.network_(self._batch(padded, part)) for part in ends.split(batch)]
        return torch.cat(outputs) if outputs else torch.zeros((0, self._outputs()), device=self.device_)

    def _raw_predict(self, X: np.ndarray, frame: pd.DataFrame | np.ndarray) -> np.ndarray:
        torch = _torch()
        self.network_.eval()
        with torch.no_grad():
            return self._outputs_of(self._logits(*self._windows(X, frame)))

    def _outputs_of(self, logits: Any) -> np.ndarray:
        """Regression values or class probabilities from the network's logits."""
        torch = _torch()
        logits = logits.double().cpu()
        if self.task == "regression":
            return (logits[:, 0] * self.network_.target_scale.cpu() + self.network_.target_mean.cpu()).numpy()
        if self.task == "binary":
            positive = torch.sigmoid(logits[:, 0]).numpy()
            return np.column_stack([1.0 - positive, positive])
        return torch.softmax(logits, dim=1).numpy()

    def _native_bytes(self) -> bytes:
        torch = _torch()
        buffer = io.BytesIO()
        torch.save({k: v.detach().cpu() for k, v in self.network_.state_dict().items()}, buffer)
        return buffer.getvalue()

    def _from_bytes(self, data: bytes, path: Path) -> None:
        torch = _torch()
        weights = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
        self._new_network()
        self.network_.load_state_dict(weights)
        self.network_.eval()

