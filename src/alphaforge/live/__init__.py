"""The live loop: keep a model predicting as bars arrive, retrain it on schedule, refuse what it
has never seen, and a retrain schedule the walk-forward shares so a backtest trades what live would.

- :class:`LiveLoop` (:mod:`alphaforge.live.loop`): one iteration polls a feed, stores the new bars
  in the prediction dataset (raw store, a new immutable version), computes their features from
  them and their warm-up only, scores them, gates them and appends the signals to
  ``live/<name>/signals.{parquet,csv}``.
- Feeds: :class:`ReplayFeed` (recorded history bar by bar, no network), :class:`FolderFeed`
  (files a user or a program drops in a folder), :class:`BinanceFeed` (the resumable downloader).
- :class:`RetrainSchedule`: every N bars or every span of bar time.
- :func:`decide`: scores to signals with the novelty gate, shared with the as-live walk-forward.

`alphaforge live` (:func:`alphaforge.pipeline.live.live`) wires them to the workspace and to
`alphaforge train`'s code for retraining.
"""

from alphaforge.live._binance import BinanceFeed
from alphaforge.live._feed import Feed, FeedBatch
from alphaforge.live._folder import FolderFeed
from alphaforge.live._replay import ReplayFeed
from alphaforge.live.loop import LIVE_DIR, IterationReport, LiveLoop, Retrain
from alphaforge.live.prediction_data import PredictionData
from alphaforge.live.schedule import CONTINUATIONS, RefitPolicy, RetrainSchedule
from alphaforge.live.scoring import Scorer, decide, keep_past, live_rule
from alphaforge.live.signal_log import COLUMNS, SignalLog

__all__ = [
    "COLUMNS",
    "CONTINUATIONS",
    "LIVE_DIR",
    "BinanceFeed",
    "Feed",
    "FeedBatch",
    "FolderFeed",
    "IterationReport",
    "LiveLoop",
    "PredictionData",
    "RefitPolicy",
    "ReplayFeed",
    "Retrain",
    "RetrainSchedule",
    "Scorer",
    "SignalLog",
    "decide",
    "keep_past",
    "live_rule",
]
