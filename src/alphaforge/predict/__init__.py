"""Prediction: recent bars through the shared feature path, scores, signals, charts.

Never imports :mod:`alphaforge.targets` (a test checks it): training-only code cannot reach
live prediction.
"""

import importlib
from typing import Any

_OWNERS = {"Prediction": "live", "predict_recent": "live", "model_scores": "scores", "score_center": "scores",
           "SignalRule": "signals", "rule_from_config": "signals"}
"""Each public name -> its module, imported on first use: the processes that draw charts import
:mod:`alphaforge.predict.chart`, and the prediction path's modules would cost each 0.2 s."""


def __getattr__(name: str) -> Any:
    if name in _OWNERS:
        value = getattr(importlib.import_module(f"alphaforge.predict.{_OWNERS[name]}"), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'alphaforge.predict' has no attribute {name!r}")


__all__ = ["Prediction", "SignalRule", "model_scores", "predict_recent", "rule_from_config", "score_center"]
