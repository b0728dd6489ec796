"""Model families behind one interface, safe save/load, best/final training and the registry.

>>> from alphaforge.models import FAMILIES, make_model
>>> sorted(FAMILIES)[:3]
['gradient_boosting', 'hist_gradient_boosting', 'lightgbm']
>>> make_model("lightgbm", task="binary").supports_gpu
True
"""

from __future__ import annotations

import difflib
from pathlib import Path
from types import MappingProxyType
from typing import Any

from alphaforge.choices import FAMILY_NAMES
from alphaforge.errors import InputError
from alphaforge.models._lightgbm import LightGBMModel
from alphaforge.models._lstm import LSTMModel
from alphaforge.models._sklearn import (
    GradientBoostingModel,
    HistGradientBoostingModel,
    LogisticModel,
    RandomForestModel,
    RidgeModel,
)
from alphaforge.models._xgboost import XGBoostModel
from alphaforge.models.base import TASKS, ModelFamily, Task, UnsafeModelError, read_meta
from alphaforge.models.compat import (
    UnseenSymbolWarning,
    check_feature_order,
    check_symbols,
)
from alphaforge.models.devices import GpuFallbackWarning

DEFAULT_FAMILY = "lightgbm"
FAMILIES: MappingProxyType[str, type[ModelFamily]] = MappingProxyType(dict(zip(FAMILY_NAMES, (
    LightGBMModel, XGBoostModel, GradientBoostingModel, HistGradientBoostingModel, RandomForestModel,
    LogisticModel, RidgeModel, LSTMModel), strict=True)))
"""The closed map of family name to class (the CLI's ``--family`` choices): the names are
:data:`alphaforge.choices.FAMILY_NAMES`, which help lists without importing the classes."""


def family_class(name: str) -> type[ModelFamily]:
    """The class of family ``name``; an error with "did you mean" for an unknown one."""
    try:
        return FAMILIES[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(FAMILIES), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise InputError(f"unknown model family {name!r}", where="family",
                         fix=f"{hint}choose one of: {', '.join(FAMILIES)}") from None


def make_model(name: str, *, task: Task, params: dict[str, Any] | None = None, seed: int = 0,
               device: str = "auto", early_stopping_rounds: int = 100, min_rounds: int = 0) -> ModelFamily:
    """An unfitted model of family ``name`` for ``task``."""
    return family_class(name)(task=task, params=params, seed=seed, device=device,
                              early_stopping_rounds=early_stopping_rounds, min_rounds=min_rounds)


def load_model(directory: Path) -> ModelFamily:
    """Load a model saved by :meth:`ModelFamily.save`, whatever its family (read from model.json)."""
    return family_class(read_meta(directory)["family"]).load(directory)


__all__ = [
    "DEFAULT_FAMILY",
    "FAMILIES",
    "TASKS",
    "GpuFallbackWarning",
    "ModelFamily",
    "Task",
    "UnsafeModelError",
    "UnseenSymbolWarning",
    "check_feature_order",
    "check_symbols",
    "family_class",
    "load_model",
    "make_model",
]
