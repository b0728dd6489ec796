"""Prediction: recent bars through the shared feature path, scores, signals, charts.

Never imports :mod:`alphaforge.targets` (a test checks it): training-only code cannot reach
live prediction.
"""

from alphaforge.lazy import lazy_exports

_OWNERS = {"Prediction": "live", "predict_recent": "live", "model_scores": "scores", "score_center": "scores",
           "SignalRule": "signals", "rule_from_config": "signals"}
"""Each public name -> its module, imported on first use: the processes that draw charts import
:mod:`alphaforge.predict.chart`, and the prediction path's modules would cost each 0.2 s."""

__getattr__ = lazy_exports(__name__, _OWNERS, globals())


__all__ = ["Prediction", "SignalRule", "model_scores", "predict_recent", "rule_from_config", "score_center"]
