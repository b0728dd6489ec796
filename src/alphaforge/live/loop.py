"""The live loop: poll a feed, store the new bars, score them, log the signals, retrain on schedule.

One iteration (:meth:`LiveLoop.iterate`):

1. poll the feed for bars after each symbol's last stored bar (a source that is down is
   reported and polled again next iteration; the loop keeps going);
2. merge them into the prediction dataset and store it as a new raw-store version
   (:mod:`alphaforge.live.prediction_data` says what happens to repeated, revised and late bars);
3. compute the features of the bars not yet signalled from them and their warm-up only, with
   the one compute path (:func:`alphaforge.features.compute_features`), so each value is the
   one a batch computation over the whole history gives;
4. score them with the model, check each row with its novelty gate, turn scores into signals
   with the configured rule and withhold those of novel rows (:mod:`alphaforge.live.scoring`);
5. append them to the signal log and commit (:mod:`alphaforge.live.signal_log`);
6. retrain when the schedule says so (:mod:`alphaforge.live.schedule`) or, when enabled, when
   too many recent rows were novel; the new version scores from the next iteration on;
7. redraw the chart.

With ``background`` (a loop on live data), a retrain runs in a thread while the iterations go
on scoring with the current model, and the new version replaces it at the first iteration after
it is registered (``retrain_started``, then ``retrain`` in the events): predictions never wait
for training. Without it (a replay, which must trade exactly what the as-live backtest assumes)
the new version scores from the very next bar. A stop waits for a retrain in progress and adopts
it; a kill abandons it (the schedule counts from when it started, so it is not repeated at once).

The model is the one the loop started with (an explicit ``model_path``, else the workspace's
latest), then each version its retrains register; ``state.json`` remembers it across restarts.
A SIGTERM or SIGINT lets the iteration in progress finish and stops before the next one; a
second one, or a kill, abandons it, and the commit protocol of the signal log redoes it whole
on the next start.
"""

from __future__ import annotations

import signal
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
import warnings
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.artifacts import LiveState
from alphaforge.config import Config
from alphaforge.data.datasets import load_aligned_macro, raw_store
from alphaforge.errors import AlphaForgeError
from alphaforge.features import compute_features
from alphaforge.live._feed import Feed
from alphaforge.live.prediction_data import PredictionData
from alphaforge.live.schedule import RetrainSchedule
from alphaforge.live.scoring import Scorer, decide, keep_past
from alphaforge.live.signal_log import SignalLog
from alphaforge.models.base import INPUT_DTYPE
from alphaforge.models.registry import ResolvedModel, resolve_model
from alphaforge.timestamps import to_duration
from alphaforge.workspace import Workspace

LIVE_DIR = "live"
KEPT_REPORTS = 50
"""Iteration reports a run's summary keeps (the last ones): its memory stays bounded however long it runs."""
Retrain = Callable[[ResolvedModel, pd.Timestamp], Path]
"""Train the model again (its target, family, features and symbols) on the data up to a bar time
(the labels known by then) and register it as a new version; returns its folder. The pipeline passes one that calls `alphaforge train`'s code."""


@dataclass(frozen=True)
class _Retraining:
    """A retrain running in the background: its outcome, the bar time it fell due, and why."""

    future: Future[Path]
    due: pd.Timestamp
    reason: str


@dataclass
class IterationReport:
    """What one iteration did (one line of the CLI's progress, one entry of the summary)."""

    iteration: int
    status: str
    rows: int = 0
    bars_added: int = 0
    last_bar: str | None = None
    model: str = ""
    data_sha256: str = ""
    signals: dict[str, int] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    retrained: str = ""
    exhausted: bool = False

    def line(self) -> str:
        """One line for people (within 80 columns for a few symbols)."""
        if self.status != "signalled":
            return f"#{self.iteration} {self.status}"
        held = sum(1 for s in self.signals.values() if s)
        bar = pd.Timestamp(self.last_bar).strftime("%Y-%m-%d %H:%M")
        text = f"#{self.iteration} {bar}: {self.rows} rows, {held} positions, {self.model}"
        return text + (f" -> {self.retrained.rsplit('/', 1)[-1]}" if self.retrained else "")


class LiveLoop:
    """A live loop named ``name`` in ``workspace`` (see the module docstring)."""

    def __init__(self, workspace: Workspace, config: Config, feed: Feed, *, name: str = "live",
                 model_path: Path | None = None, retrain: Retrain | None = None,
                 floor: pd.Timestamp | None = None, background: bool = False) -> None:
        self.workspace, self.config, self.feed, self.name = workspace, config, feed, name
        self.folder = workspace.subdir(LIVE_DIR) / name
        self.log = SignalLog(self.folder)
        self.data = PredictionData(raw_store(workspace), f"live_{name}")
        self.model_path, self.retrain, self.floor, self.background = model_path, retrain, floor, background
        self._retraining: _Retraining | None = None
        self._pool: ThreadPoolExecutor | None = None
        self.schedule = RetrainSchedule.parse(config.live.retrain_every)
        self.max_age = to_duration(config.live.max_model_age, "[live] max_model_age")
        self._scorer: Scorer | None = None
        self._recent: deque[pd.DataFrame] = deque()
        self.stop = threading.Event()

    # ------------------------------------------------------------------ state and model
    def _new_state(self) -> LiveState:
        return LiveState(name=self.name, dataset=self.data.name, iterations=0, parts=0, rows=0, csv_bytes=0,
                         events_bytes=0, floor=self.floor.isoformat() if self.floor is not None else "",
                         signalled={}, model="", retrained_at="", bars_since_retrain=0, past_scores={},
                         recent_novel=[])

    def scorer(self, state: LiveState) -> Scorer:
        """The model the loop scores with now (loaded once per version)."""
        if state.model and self.model_path is None:
            path = self.workspace.root / state.model
        else:
            path = self.model_path
        if self._scorer is None or path is None or _version_folder(self._scorer.model.path) != Path(path):
            resolved = resolve_model(self.workspace.root, path)
            self._scorer = Scorer.load(resolved, self.config)
            self.model_path = None  # an explicit model is where the loop starts; its retrains follow
        return self._scorer

    # ------------------------------------------------------------------ one iteration
    def iterate(self) -> IterationReport:
        """Poll, store, score, log, maybe retrain (see the module docstring)."""
        state, adopted = self._adopt(self.log.open() or self._new_state())
        scorer = self.scorer(state)
        state = state.model_copy(update={"model": self.workspace.relative(_version_folder(scorer.model.path))})
        number = state.iterations + 1
        report = IterationReport(number, "no new bars", model=scorer.label, notices=list(scorer.notices),
                                 retrained=adopted)
        stored = self.data.load()
        last = {} if stored is None else {str(s): t for s, t in stored.groupby("symbol")["timestamp"].max().items()}
        events: list[dict[str, Any]] = []
        try:
            batch = self.feed.fetch(last, warmup=scorer.warmup + self.config.live.history_bars)
        except AlphaForgeError as error:
            report.status = f"source unavailable ({error.message}); polling again next iteration"
            self.log.commit(state, _no_rows(), [_event(number, "source_down", detail=error.message)])
            return report
        report.notices += batch.notices
        report.exhausted = batch.exhausted
        if batch.exhausted:
            report.status = "replay finished: no more recorded bars"
        with self.workspace.lock(f"live {self.name}", wait=60):
            merged = self.data.merge(stored, batch.bars)
            for kind, found in (("gap", merged.gaps), ("late", merged.late), ("revised", merged.revised)):
                events += [_event(number, kind, **entry) for entry in found]
            report.notices += [f"{e['kind']} bar {e['symbol']} {e['bar_time']}: {e['detail']}" for e in events]
            if merged.bars.empty:
                self.log.commit(state, _no_rows(), events)
                return report
            signalled = self._signalled(state, merged.bars)
            window = self.data.trim(merged.bars, signalled, scorer.warmup + self.config.live.history_bars)
            version = self.data.write(window) if merged.added or stored is None else self.data.version()
            report.bars_added, report.data_sha256 = merged.added, version.content_sha256
            pending = window["timestamp"] > window["symbol"].map(signalled)
            if not pending.any():
                self.log.commit(state, _no_rows(), events)
                return report
            rows, features = self._score(scorer, window, pending, state, version.content_sha256, number, events)
            first = window.loc[pending, "timestamp"].min()
            done = rows.groupby("symbol")["timestamp"].max()
            novel = [*state.recent_novel, *rows["novel"].astype(bool)][-self.config.live.drift_rows:]
            state = self.log.commit(state.model_copy(update={
                "iterations": number,
                "signalled": {**{s: t.isoformat() for s, t in signalled.items()},
                              **{str(s): t.isoformat() for s, t in done.items()}},
                "retrained_at": state.retrained_at or _before(window, first).isoformat(),
                "bars_since_retrain": state.bars_since_retrain + rows["timestamp"].nunique(),
                "past_scores": keep_past(state.past_scores, rows, scorer.rule.lookback),
                "recent_novel": novel}), rows, events)
        self._remember(features)
        latest = rows.sort_values(["timestamp", "symbol"]).groupby("symbol").tail(1).sort_values("symbol")
        report.status, report.rows = "signalled", len(rows)
        report.last_bar = rows["timestamp"].max().isoformat()
        report.signals = {str(r.symbol): int(r.signal) for r in latest.itertuples()}
        report.retrained = self._maybe_retrain(state, window["timestamp"].max()) or report.retrained
        if self.config.live.chart:
            self._chart(window, scorer)
        return report

    def _signalled(self, state: LiveState, bars: pd.DataFrame) -> dict[str, pd.Timestamp]:
        """Each symbol's last signalled bar; a symbol new to the loop starts at the floor, or, with
        none, at its newest bar (the bars before it are warm-up)."""
        signalled = {s: pd.Timestamp(t) for s, t in state.signalled.items()}
        floor = pd.Timestamp(state.floor) if state.floor else None
        for symbol, times in bars.groupby("symbol")["timestamp"]:
            if symbol not in signalled:
                before = times[times < floor] if floor is not None else times.iloc[:-1]
                signalled[str(symbol)] = before.max() if len(before) else times.min() - pd.Timedelta(1, "ns")
        return signalled

    def _score(self, scorer: Scorer, window: pd.DataFrame, pending: pd.Series, state: LiveState, sha256: str,
               number: int, events: list[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The signal log rows of the pending bars, and their features."""
        since = window.loc[pending, "timestamp"].min()
        macro = load_aligned_macro(self.workspace, window, self.config, recent=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # skip notices: the model's columns are checked below
            frame = compute_features(window, macro, scorer.features, since=since)
        keys = window.loc[pending, ["symbol", "timestamp"]]
        frame = keys.merge(frame, on=["symbol", "timestamp"], how="left")
        missing = [c for c in scorer.columns if c not in frame.columns]
        if missing:
            raise AlphaForgeError(f"features the model needs could not be computed: {missing}",
                                  where=f"prediction dataset {self.data.name}",
                                  fix="feed bars with the columns the model was trained on (open, high, low, volume)")
        scored = scorer.score(frame)
        refuse = False
        trained_until = pd.Timestamp(scorer.model.card.training_range.end)
        if self.max_age > pd.Timedelta(0) and scored["timestamp"].max() - trained_until > self.max_age:
            refuse = self.config.live.on_expired == "refuse"
            events.append(_event(number, "model_expired", detail=(
                f"{scorer.label} last trained on {trained_until}, more than {self.max_age} before these bars; "
                + ("no signals until it is retrained" if refuse else "signalling anyway ([live] on_expired = warn)"))))
        decided = decide(scored, scorer.rule, state.past_scores, refuse)
        rows = decided.assign(model=scorer.label, data_sha256=sha256, iteration=number)
        order = np.lexsort((rows["symbol"].to_numpy(), rows["timestamp"].to_numpy()))
        return rows.iloc[order].reset_index(drop=True), frame[["symbol", "timestamp", *scorer.columns]]

    def _remember(self, features: pd.DataFrame) -> None:
        """Keep the last ``drift_rows`` scored feature rows for the drift report."""
        self._recent.append(features)
        while sum(len(f) for f in self._recent) - len(self._recent[0]) >= self.config.live.drift_rows:
            self._recent.popleft()

    def _maybe_retrain(self, state: LiveState, now: pd.Timestamp) -> str:
        """Retrain when due; the new version's label, or "" when none was trained (yet: a
        background retrain is adopted by a later iteration, see :meth:`_adopt`)."""
        settings = self.config.live
        if self.retrain is None or self._retraining is not None:
            return ""
        drifted = (settings.retrain_on_drift and len(state.recent_novel) >= settings.drift_rows
                   and float(np.mean(state.recent_novel)) > settings.drift_share)
        scheduled = self.schedule.due(bars_since=state.bars_since_retrain,
                                      since=pd.Timestamp(state.retrained_at) if state.retrained_at else None, now=now)
        if not (scheduled or drifted):
            return ""
        reason = "schedule" if scheduled else f"drift ({np.mean(state.recent_novel):.0%} of recent rows novel)"
        restart = {"retrained_at": now.isoformat(), "bars_since_retrain": 0, "recent_novel": []}
        model, retrain = self.scorer(state), self.retrain
        if not self.background:
            return self._record(state, now, reason, lambda: retrain(model.model, now), restart)[1]
        self._pool = self._pool or ThreadPoolExecutor(max_workers=1, thread_name_prefix="alphaforge-retrain")
        self._retraining = _Retraining(self._pool.submit(retrain, model.model, now), now, reason)
        self.log.commit(state.model_copy(update=restart), _no_rows(), [_event(
            state.iterations, "retrain_started", bar_time=now,
            detail=f"{reason}: training in the background; {model.label} scores until it is done")])
        return ""

    def _adopt(self, state: LiveState, *, wait: bool = False) -> tuple[LiveState, str]:
        """``state`` with the model of a finished background retrain (waiting for it with
        ``wait``), and its label ("" when none finished)."""
        pending = self._retraining
        if pending is None or not (wait or pending.future.done()):
            return state, ""
        wait_for([pending.future])
        self._retraining = None
        return self._record(state, pending.due, pending.reason, pending.future.result, {})

    def _record(self, state: LiveState, due: pd.Timestamp, reason: str, outcome: Callable[[], Path],
                update: dict[str, Any]) -> tuple[LiveState, str]:
        """Commit a retrain's outcome: its model becomes the loop's (with ``update`` to the state),
        or the failure is logged and the state kept."""
        try:
            folder = outcome()
        except AlphaForgeError as error:
            return self.log.commit(state, _no_rows(), [_event(state.iterations, "retrain_failed", bar_time=due,
                                                               detail=f"{reason}: {error.message}")]), ""
        label = f"{folder.parent.name}/{folder.name}"
        update = {**update, "model": self.workspace.relative(folder)}
        state = self.log.commit(state.model_copy(update=update), _no_rows(), [_event(
            state.iterations, "retrain", bar_time=due, detail=f"{reason}: {label} trained on data to {due}")])
        return state, label

    def _chart(self, window: pd.DataFrame, scorer: Scorer) -> None:
        from alphaforge.predict.chart import write_prediction_charts

        prices = window.groupby("symbol").tail(self.config.predict.bars)[["symbol", "timestamp", "close"]]
        shown = self.log.tail(prices["timestamp"].min())
        if len(shown):
            write_prediction_charts(prices, shown[["symbol", "timestamp", "score", "signal"]], self.folder / "chart",
                                    title=f"live {self.name}: {scorer.label}")

    def drift(self) -> dict[str, Any] | None:
        """The drift report of the last scored rows against the model's training rows (and its
        chart, ``drift.png``); None without a gate or rows."""
        scorer = self._scorer
        if scorer is None or scorer.gate is None or not self._recent:
            return None
        from alphaforge.novelty import drift_chart, drift_report

        rows = pd.concat(list(self._recent), ignore_index=True).tail(self.config.live.drift_rows)
        report = drift_report(scorer.gate, rows[scorer.columns].astype(INPUT_DTYPE))
        drift_chart(report, self.folder / "drift.png")
        document = report.to_dict()
        return {key: document[key] for key in ("rows", "novel_share", "threshold", "shifted", "moderate")} | {
            "summary": report.summary(), "chart": self.workspace.relative(self.folder / "drift.png")}

    # ------------------------------------------------------------------ the loop
    def run(self, *, max_iterations: int | None = None, until: pd.Timestamp | None = None, poll: float = 60.0,
            on_iteration: Callable[[IterationReport], None] | None = None) -> dict[str, Any]:
        """Iterate until ``max_iterations``, until a bar at or after ``until`` was signalled (or the
        wall clock passes it while waiting), until the replay ends, or until SIGTERM/SIGINT."""
        reports: deque[IterationReport] = deque(maxlen=KEPT_REPORTS)  # a loop may run for months
        totals = {"iterations": 0, "rows": 0}
        retrained: list[str] = []
        try:
            with _stop_on_signals(self.stop):
                stopped = self._iterate_until(reports, totals, retrained, max_iterations, until, poll, on_iteration)
            if self._retraining is not None:  # a stop (not a kill) keeps the retrain in progress
                _, label = self._adopt(self.log.open() or self._new_state(), wait=True)
                retrained += [label] if label else []
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=False)
                self._pool, self._retraining = None, None
        return self.summary(list(reports), stopped, totals, retrained)

    def _iterate_until(self, reports: deque[IterationReport], totals: dict[str, int], retrained: list[str],
                       max_iterations: int | None, until: pd.Timestamp | None, poll: float,
                       on_iteration: Callable[[IterationReport], None] | None) -> str:
        """The iterations of :meth:`run`; why they stopped."""
        stopped = "signal"
        while not self.stop.is_set():
            report = self.iterate()
            reports.append(report)
            totals["iterations"] += 1
            totals["rows"] += report.rows
            retrained += [report.retrained] if report.retrained else []
            if on_iteration is not None:
                on_iteration(report)
            if report.exhausted:
                stopped = "replay finished"
                break
            if max_iterations is not None and totals["iterations"] >= max_iterations:
                stopped = "max iterations"
                break
            if until is not None and report.last_bar and pd.Timestamp(report.last_bar) >= until:
                stopped = "until"
                break
            if poll > 0:
                now = pd.Timestamp.now(tz="UTC")
                if until is not None and now >= until:
                    stopped = "until"
                    break
                self.stop.wait(poll if until is None else min(poll, (until - now).total_seconds()))
        return stopped

    def summary(self, reports: list[IterationReport], stopped: str, totals: dict[str, int],
                retrained: list[str]) -> dict[str, Any]:
        """What a run did: its totals, the last iterations' reports (at most :data:`KEPT_REPORTS`),
        the latest signals, the drift report, the files."""
        state = self.log.open()
        relative = self.workspace.relative
        files = [self.log.parts, self.log.csv, self.log.events, self.log.state_path, self.folder / "chart.png"]
        return {"name": self.name, "dataset": self.data.name, "stopped": stopped, "iterations": totals["iterations"],
                "rows": totals["rows"], "log_rows": state.rows if state else 0,
                "model": reports[-1].model if reports else "",
                "last_bar": next((r.last_bar for r in reversed(reports) if r.last_bar), None),
                "retrained": retrained,
                "signals": next((r.signals for r in reversed(reports) if r.signals), {}),
                "files": [relative(f) for f in files if f.exists()],
                "notices": list(dict.fromkeys(n for r in reports for n in r.notices)),
                "drift": self.drift(), "reports": [asdict(r) for r in reports]}


def _version_folder(path: Path) -> Path:
    """A model's version folder (``models/<name>/<version>``) from its final or best model folder."""
    path = Path(path)
    return path.parent if path.name in ("final", "best") else path


def _before(window: pd.DataFrame, first: pd.Timestamp) -> pd.Timestamp:
    """The last bar time before ``first`` (the data the starting model may have seen), else ``first``."""
    earlier = window.loc[window["timestamp"] < first, "timestamp"]
    return earlier.max() if len(earlier) else first


def _no_rows() -> pd.DataFrame:
    return pd.DataFrame()


def _event(iteration: int, kind: str, *, symbol: str = "", bar_time: object = "", detail: str = "") -> dict[str, Any]:
    return {"time": pd.Timestamp.now(tz="UTC").isoformat(), "iteration": iteration, "kind": kind, "symbol": symbol,
            "bar_time": "" if bar_time in ("", None) else pd.Timestamp(bar_time).isoformat(), "detail": detail}


class _stop_on_signals:
    """SIGTERM and SIGINT set ``stop`` (the iteration in progress finishes); a second one raises
    KeyboardInterrupt (abandoning it; the log's commit protocol redoes it on the next start).
    Only the main thread can take signals: elsewhere this does nothing."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop, self.previous = stop, {}

    def _handle(self, number: int, frame: object) -> None:
        if self.stop.is_set():
            raise KeyboardInterrupt
        self.stop.set()

    def __enter__(self) -> _stop_on_signals:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

