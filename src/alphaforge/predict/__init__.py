"""Prediction: recent bars through the shared feature path, scores, signals, charts.

Never imports :mod:`alphaforge.targets` (a test checks it): training-only code cannot reach
live prediction.
"""

from alphaforge.predict.live import Prediction, predict_recent
from alphaforge.predict.scores import model_scores, score_center
from alphaforge.predict.signals import SignalRule, rule_from_config

__all__ = ["Prediction", "SignalRule", "model_scores", "predict_recent", "rule_from_config", "score_center"]
