"""`alphaforge live`: the live loop (:mod:`alphaforge.live`) on a workspace, with its feed and
retrains wired to the workspace's data, downloaders and `alphaforge train`'s code.

Retrains train the running model's target, family, features and symbols again, with the
workspace's configuration and tuned parameters, on the training dataset (``[data] dataset``)
cut at the bar the schedule fell due (``[data] end``), from ``[live] window_length`` before it
with a rolling window. Keep that dataset fresh (`alphaforge data download` resumes) for a loop
on an exchange; a replay retrains on the history it replays, seeing nothing after its bar.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from alphaforge.config import Config
from alphaforge.data.datasets import raw_store
from alphaforge.errors import InputError
from alphaforge.live import (
    CONTINUATIONS,
    BinanceFeed,
    Feed,
    FolderFeed,
    IterationReport,
    LiveLoop,
    RefitPolicy,
    ReplayFeed,
    RetrainSchedule,
)
from alphaforge.models import family_class, load_model
from alphaforge.models.base import META_FILE
from alphaforge.models.registry import BEST_DIR, FINAL_DIR, ResolvedModel, resolve_model
from alphaforge.names import check_name
from alphaforge.report.live_report import write_live_report
from alphaforge.timestamps import to_duration, to_utc
from alphaforge.tracking import NullTracker, Tracker
from alphaforge.workspace import Workspace


def live(workspace: Workspace, *, name: str = "live", once: bool = False, max_iterations: int | None = None,
         until: str | pd.Timestamp | None = None, poll: str | None = None, model_path: Path | None = None,
         source: str | None = None, config: Config | None = None, tracker: Tracker | None = None,
         feed: Feed | None = None, on_iteration: Callable[[IterationReport], None] | None = None) -> dict[str, Any]:
    """Run the live loop ``name`` (``live/<name>/``) until ``once``/``max_iterations``/``until``, the
    end of a replay, or SIGTERM; returns its summary (iterations, rows, the latest signal per
    symbol, retrains, drift report, files). ``feed`` replaces the configured source (tests, programs)."""
    check_name(name, where="name (--name)")
    config = config or workspace.config()
    source = source or config.live.source
    floor = to_utc(config.live.start, "[live] start") if config.live.start else None
    if feed is None:
        feed, floor = make_feed(workspace, config, source, model_path, floor)
    schedule = RetrainSchedule.parse(config.live.retrain_every)
    retrain = retrainer(workspace, config, tracker or NullTracker(), name) \
        if schedule.enabled or config.live.retrain_on_drift else None
    loop = LiveLoop(workspace, config, feed, name=name, model_path=model_path, retrain=retrain, floor=floor,
                    background=config.live.retrain_in_background and source != "replay")
    period = poll or (config.live.poll if source != "replay" else "0s")
    summary = loop.run(max_iterations=1 if once else max_iterations,
                       until=to_utc(until, "--until") if until is not None else None,
                       poll=to_duration(period, "--interval").total_seconds(), on_iteration=on_iteration)
    summary = {**summary, "source": source, "retrain_every": schedule.describe()}
    report = write_live_report(loop.folder, summary, loop.log.read_events())
    return {**summary, "files": [*summary["files"], workspace.relative(report)]}


def make_feed(workspace: Workspace, config: Config, source: str, model_path: Path | None,
              floor: pd.Timestamp | None) -> tuple[Feed, pd.Timestamp | None]:
    """The configured feed, and the first bar time the loop signals (None: each symbol's newest)."""
    settings = config.live
    if source == "replay":
        dataset = settings.replay_dataset or config.data.dataset
        history = raw_store(workspace).load(dataset)
        if config.data.symbols:
            history = history[history["symbol"].isin(config.data.symbols)].reset_index(drop=True)
        if floor is None:
            if not config.data.end:
                raise InputError("a replay needs to know where the recorded history stops being training data",
                                 where="alphaforge.toml: [live] start",
                                 fix="set [live] start (the first bar to signal), or [data] end (the replay "
                                     "starts after it)")
            floor = to_utc(config.data.end, "[data] end") + pd.Timedelta(1, "ns")
        return ReplayFeed(history, floor), floor
    if source == "folder":
        if not settings.folder:
            raise InputError("no folder to read bars from", where="alphaforge.toml: [live] folder",
                             fix="set [live] folder to the folder your CSV/Parquet bar files go to")
        folder = Path(settings.folder)
        return FolderFeed(folder if folder.is_absolute() else workspace.root / folder), floor
    if source == "binance":
        from alphaforge.data.download import HttpClient, RetryPolicy

        pairs = settings.pairs or list(resolve_model(workspace.root, model_path).card.symbols)
        client = HttpClient(policy=RetryPolicy(timeout=config.download.timeout_s,
                                               max_retries=config.download.max_retries))
        return BinanceFeed(pairs, settings.interval, config.download.binance_url, client=client), floor
    raise InputError(f"unknown live source {source!r}", where="--source", fix="use replay, folder or binance")


def retrainer(workspace: Workspace, config: Config, tracker: Tracker, name: str) \
        -> Callable[[ResolvedModel, pd.Timestamp], Path]:
    """What the loop calls to retrain: `alphaforge train`'s code on the data up to the bar time,
    continuing the running model's version where :class:`~alphaforge.live.RefitPolicy` says so
    (the as-live walk-forward decides alike)."""
    from alphaforge.pipeline.train import train

    policy = RefitPolicy.of(config.live)

    def retrain(model: ResolvedModel, now: pd.Timestamp) -> Path:
        card = model.card
        cut = config.model_copy(update={"data": config.data.model_copy(update={"end": now.isoformat()})})
        since = now - to_duration(config.live.window_length, "[live] window_length") \
            if config.live.window == "rolling" else None
        folder = model.path.parent if model.path.name == FINAL_DIR else model.path
        continuations = policy.continuations(
            can_continue=family_class(card.family).continues_training and (folder / BEST_DIR / META_FILE).is_file(),
            previous=int(card.provenance.get(CONTINUATIONS, 0)))
        result = train(workspace, target=card.target.name, family=card.family, features=list(card.features),
                       symbols=list(card.symbols), name=folder.parent.name, exclude=[], tracker=tracker, config=cut,
                       since=since, provenance={"live": name, "data_end": now.isoformat(), CONTINUATIONS: continuations},
                       arguments={"live": name, "retrain_at": now.isoformat()},
                       continue_from=(load_model(folder / BEST_DIR), model.model) if continuations else None)
        return Path(result["path"])

    return retrain
