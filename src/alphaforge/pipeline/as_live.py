"""The as-live walk-forward: retrain on the live loop's schedule, gate with each model's novelty
gate, signal with the live rule, so a backtest trades exactly what `alphaforge live` would have.

The default walk-forward (:mod:`alphaforge.pipeline.walkforward`) refits ``n_splits`` times,
so a fold's model may trade for years. This one walks the bar times from ``start`` on and, at
each bar the :class:`~alphaforge.live.RetrainSchedule` calls a retrain at (every N bars, or
once a span of bar time has passed, counted as the live loop counts), trains the family on the
rows whose labels are known by that bar (``t1`` at or before it; the last ``window_length`` of
them with a rolling window), fits the novelty gate on the same rows as `alphaforge train` does,
and scores the bars up to the next retrain. Signals come from :func:`alphaforge.live.decide`
with the rule resolved on the panel size, as live: rows the gate flags get no signal.

A replay of the live loop over the same history retrains with `alphaforge train`'s code on
the data cut at the same bars and computes features incrementally; training on a cut history
sees exactly the rows with ``t1`` at or before the cut, features are bit-identical, and the
families are seeded, so the two give the same signals (``tests/live/test_as_live.py``).
Drift-triggered retrains and model expiry are the live loop's alone: they depend on what it
scored, not on a schedule.

Retrains reuse the model they replace where the family can (:class:`~alphaforge.live.RefitPolicy`:
``[live] continue_rounds`` more rounds on the new window, from scratch every
``full_refit_every``-th time), as the live loop's retrains do; each segment says which it was.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.config import Config
from alphaforge.errors import InputError
from alphaforge.live import RefitPolicy, RetrainSchedule, decide, live_rule
from alphaforge.live.scoring import NOVEL
from alphaforge.matrix import TrainingMatrix, shared_training_matrix
from alphaforge.novelty import configured_gate
from alphaforge.pipeline.best_config import find_tuned
from alphaforge.models import family_class
from alphaforge.models.base import ModelFamily
from alphaforge.models.training import rows_of
from alphaforge.pipeline.walkforward import continue_model, fit_models
from alphaforge.predict.scores import model_scores
from alphaforge.progress import Progress
from alphaforge.timestamps import to_duration, to_utc
from alphaforge.workspace import Workspace, atomic_write_table

AS_LIVE_DIR = "cv/as_live"


@dataclass
class AsLiveResult:
    """Each retrain (its bar, rows trained on and scored, seconds) and the prediction rows:
    symbol, timestamp, score, novelty, novel, signal, blocked, segment, trained_until, label."""

    segments: list[dict[str, Any]]
    predictions: pd.DataFrame


def retrain_segments(grid: np.ndarray, first: int, schedule: RetrainSchedule) -> list[tuple[int, int, int]]:
    """``(lo, hi, at)`` per model: it scores bar times ``grid[lo:hi]`` and was trained on the data up
    to ``grid[at]`` (nanoseconds, ascending). The live loop asks the schedule after each bar, with
    the bars signalled since the last training and that training's last bar.

    >>> retrain_segments(np.arange(10), 4, RetrainSchedule(bars=3))
    [(4, 7, 3), (7, 10, 6)]
    """
    segments, lo, at = [], first, first - 1
    for i in range(first, len(grid)):
        due = schedule.due(bars_since=i - lo + 1, since=pd.Timestamp(int(grid[at]), tz="UTC"),
                           now=pd.Timestamp(int(grid[i]), tz="UTC"))
        if due and i + 1 < len(grid):
            segments.append((lo, i + 1, at))
            lo, at = i + 1, i
    segments.append((lo, len(grid), at))
    return segments


def as_live_walk_forward(matrix: TrainingMatrix, config: Config, *, family: str, start: pd.Timestamp,
                         schedule: RetrainSchedule, params: dict[str, Any] | None = None,
                         window_length: pd.Timedelta | None = None,
                         progress: Progress | None = None) -> AsLiveResult:
    """Retrain ``family`` on ``schedule`` over ``matrix`` from bar time ``start`` on (see the module
    docstring); ``window_length`` makes the window rolling."""
    stamps = matrix.timestamps.as_unit("ns").asi8
    grid = np.unique(stamps)
    first = int(np.searchsorted(grid, pd.Timestamp(start).value, side="left"))
    if first == 0 or first >= len(grid):
        raise InputError(f"start {start} leaves no bars to train on before it or none to score after it",
                         where="as-live walk-forward start", fix="choose a start inside the labelled data")
    t1 = matrix.t1.as_unit("ns").asi8
    segments, parts = [], []
    plan = retrain_segments(grid, first, schedule)
    policy, can_continue = RefitPolicy.of(config.live), family_class(family).continues_training
    model: ModelFamily | None = None
    continuations = 0
    for number, (lo, hi, at) in enumerate(plan):
        started = time.perf_counter()
        known = t1 <= grid[at]
        if window_length is not None:
            known &= stamps >= grid[at] - window_length.value
        train = np.flatnonzero(known)
        test = np.flatnonzero((stamps >= grid[lo]) & (stamps < (grid[hi] if hi < len(grid) else np.iinfo(np.int64).max)))
        if len(train) == 0:
            raise InputError(f"no labelled rows before {pd.Timestamp(int(grid[at]), tz='UTC')} to train on",
                             where="as-live walk-forward", fix="start later, or lengthen the rolling window")
        continuations = policy.continuations(can_continue=can_continue and model is not None,
                                             previous=continuations)
        if continuations and model is not None:
            model = continue_model(matrix, config, family, train, params, model)
        else:
            model = fit_models(matrix, config, family, train, params, scored=False).final
        inputs = rows_of(matrix.X, test)
        gate = configured_gate(config).fit(rows_of(matrix.X, train), drift=False)  # scores only, as train's gate does
        novelty = gate.score(inputs).to_numpy()
        trained_until = pd.Timestamp(int(grid[at]), tz="UTC")
        parts.append(pd.DataFrame({
            "symbol": inputs.index.get_level_values("symbol").to_numpy(), "timestamp": matrix.timestamps[test],
            "score": model_scores(model, inputs), "novelty": novelty, "novel": novelty > gate.threshold,
            "segment": number, "trained_until": trained_until, "label": matrix.y[test]}))
        segments.append({"segment": number, "retrained_at": trained_until.isoformat(), "train_rows": int(len(train)),
                         "continued": continuations > 0, "test_rows": int(len(test)), "seconds": round(time.perf_counter() - started, 3)})
        if progress:
            progress("as-live retrains", number + 1, len(plan))
    scored = pd.concat(parts, ignore_index=True)
    rule = live_rule(config, matrix.task, matrix.panel.cross_section)
    return AsLiveResult(segments, decide(scored, rule))


def run_as_live_walk_forward(workspace: Workspace, config: Config, *, start: str | None = None,
                             retrain_every: str | None = None, features: list[str] | None = None,
                             target: str | None = None, family: str | None = None,
                             progress: Progress | None = None) -> dict[str, Any]:
    """The as-live walk-forward of the configured target and family on the whole training dataset,
    with ``[live]``'s schedule and window, trading from ``start`` (default: ``[live] start``, else
    the first bar after ``[data] end``, where a replay of the live loop starts); writes
    ``cv/as_live/<target>-<family>/predictions.{parquet,csv}``, the rows a backtest trades."""
    settings = config.live
    schedule = RetrainSchedule.parse(retrain_every if retrain_every is not None else settings.retrain_every)
    if start or settings.start:
        begin = to_utc(start or settings.start, "start")
    elif config.data.end:
        begin = to_utc(config.data.end, "[data] end") + pd.Timedelta(1, "ns")
    else:
        raise InputError("the as-live walk-forward needs the first bar to trade", where="[live] start",
                         fix="set [live] start (or [data] end, the last bar the first model trains on)")
    config = config.model_copy(update={"data": config.data.model_copy(update={"end": ""})})  # the whole history
    target, family = target or config.models.target, family or config.models.family
    if features is None:
        from alphaforge.selection.auto import leak_flags

        exclude = sorted({flag.feature for flag in leak_flags(workspace, config)})
    else:
        exclude = []
    matrix = shared_training_matrix(None, workspace, config, target, None, features, exclude)
    tuned, _ = find_tuned(workspace, config)
    window = to_duration(settings.window_length, "[live] window_length") if settings.window == "rolling" else None
    result = as_live_walk_forward(matrix, config, family=family, start=begin, schedule=schedule,
                                  params=(tuned.settings.get("params") if tuned else None), window_length=window,
                                  progress=progress)
    folder: Path = workspace.root / AS_LIVE_DIR / f"{matrix.target}-{family}"
    files = atomic_write_table(result.predictions, folder / "predictions")
    frame = result.predictions
    return {"target": matrix.target, "family": family, "schedule": schedule.describe(), "window": settings.window,
            "retrains": len(result.segments), "continued": sum(s["continued"] for s in result.segments),
            "segments": result.segments, "rows": len(frame),
            "novel_rows": int((frame["blocked"] == NOVEL).sum()), "files": [workspace.relative(f) for f in files]}
