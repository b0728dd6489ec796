"""The front door for Python: a workspace and its configuration as one object, a verb per step.

``alphaforge.init(path)`` creates a workspace, ``alphaforge.open(path)`` opens one; every verb
runs the same library code as the CLI command of the same name and returns the same summary
(the dict ``--json`` prints). Settings are changed in memory, typed and validated, without
editing ``alphaforge.toml``: ``project.with_config(models={"target": "fwd_ret_1"})`` returns a
new project whose verbs use the changed configuration (``save_config()`` writes it).

    >>> import alphaforge as af
    >>> project = af.init(tmp / "research")                      # doctest: +SKIP
    >>> project.data_demo()                                      # doctest: +SKIP
    >>> summary = project.with_config(validation={"n_splits": 3}).run()   # doctest: +SKIP

Experiment tracking is off unless a verb is asked for it (``track=True``): a notebook's trial
runs stay out of ``mlruns.db`` until they matter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alphaforge.config import Config, render_config
from alphaforge.progress import Progress
from alphaforge.workspace import Workspace, atomic_write_text

if TYPE_CHECKING:
    from alphaforge.executors.base import Executor
    from alphaforge.tracking import Tracker


@dataclass(frozen=True)
class Project:
    """A workspace (``path``) and the configuration its verbs use (``config``, typed)."""

    workspace: Workspace
    config: Config

    @property
    def path(self) -> Path:
        return self.workspace.root

    # ---------------------------------------------------------------- configuration
    def with_config(self, config: Config | None = None, **sections: Any) -> Project:
        """A project with ``config``, or with ``section={key: value}`` (and ``seed=...``) changes to
        this one's, validated like ``alphaforge.toml`` (a bad key or value is an InputError naming it)."""
        from alphaforge.config import parse_config

        if config is None:
            data = self.config.model_dump()
            for name, value in sections.items():
                data[name] = {**data[name], **value} if isinstance(value, dict) and isinstance(data.get(name), dict) \
                    else value
            config = parse_config(data, source="Project.with_config")
        return Project(self.workspace, config)

    def save_config(self) -> Path:
        """Write this project's configuration to ``alphaforge.toml`` (every key, commented)."""
        atomic_write_text(self.workspace.config_path, render_config(self.config))
        return self.workspace.config_path

    # ---------------------------------------------------------------- data
    def data_demo(self, name: str | None = None) -> list[dict[str, Any]]:
        """Import the bundled sets (``sp500`` and ``macro``, or ``name``), as `alphaforge data demo`."""
        from alphaforge.data.datasets import import_bundled

        names = [name] if name else [n for n in (self.config.data.dataset, self.config.data.macro) if n]
        return [import_bundled(self.workspace, n) for n in names]

    def synth(self, *, name: str = "synth", use: bool = True, **spec: Any) -> Project:
        """Generate a synthetic market (:class:`alphaforge.data.synthetic.SynthSpec` fields) and, with
        ``use``, return a project that trains on it (no macro series)."""
        from alphaforge.data.datasets import synthesize

        synthesize(self.workspace, name=name, **spec)
        return self.with_config(data={"dataset": name, "macro": ""}) if use else self

    # ---------------------------------------------------------------- the pipeline
    def run(self, *, only: Sequence[str] | None = None, start_from: str | None = None, force: bool = False,
            auto_targets: bool = False, top_n_targets: int | None = None, skip_training: bool = False,
            track: bool = False, tracker: Tracker | None = None, on_stage: Callable[[Any, str], None] | None = None,
            progress: Progress | None = None, executor: Executor | None = None) -> dict[str, Any]:
        """Every stage, cached (`alphaforge run`): per-stage outcomes and summaries. ``on_stage(stage,
        status)`` hears when each stage starts or is a cache hit, ``progress`` the work inside;
        ``executor`` (e.g. ``make_executor("local", 4)``, opened and closed by the caller) runs the
        walk-forward folds and the plan's jobs in parallel, with the serial results."""
        from alphaforge.pipeline.runner import run_pipeline

        return run_pipeline(self.workspace, self._tracker(track, tracker), only=list(only or []),
                            start_from=start_from, force=force, auto_targets=auto_targets, top_n_targets=top_n_targets,
                            skip_training=skip_training, on_stage=on_stage, config=self.config, progress=progress,
                            executor=executor)

    def train(self, *, target: str | None = None, family: str | None = None, best_config: Path | None = None,
              symbols: list[str] | None = None, features: list[str] | None = None, name: str | None = None,
              params: dict[str, Any] | None = None, track: bool = False, tracker: Tracker | None = None,
              arguments: dict[str, Any] | None = None, progress: Progress | None = None) -> dict[str, Any]:
        """Best and final models registered as a new version (`alphaforge train`); ``params`` are the
        family's hyperparameters over the tuned ones."""
        from alphaforge.pipeline.train import train

        return train(self.workspace, target=target, family=family, best_config=best_config, symbols=symbols,
                     features=features, name=name, tracker=self._tracker(track, tracker), arguments=arguments,
                     config=self.config, progress=progress, params=params)

    def predict(self, *, symbols: Sequence[str] | None = None, bars: int | None = None, hours: float | None = None,
                model_path: Path | None = None, name: str = "latest", chart: str = "wait",
                progress: Progress | None = None) -> dict[str, Any]:
        """Score the latest bars and write predictions and charts (`alphaforge predict`); ``chart``:
        draw them before returning (``wait``; ``progress`` hears of each), in a detached process
        (``background``) or not (``none``)."""
        from alphaforge.pipeline.predict import predict

        return predict(self.workspace, model_path=model_path, symbols=symbols, bars=bars, hours=hours, name=name,
                       config=self.config, chart=chart, progress=progress)

    def live(self, *, name: str = "live", once: bool = False, max_iterations: int | None = None,
             until: str | None = None, poll: str | None = None, model_path: Path | None = None,
             source: str | None = None, track: bool = False, tracker: Tracker | None = None,
             on_iteration: Callable[[Any], None] | None = None) -> dict[str, Any]:
        """Keep the model predicting as bars arrive (`alphaforge live`): poll ``[live] source``, store,
        score, gate and log each new bar in ``live/<name>/``, retrain on ``[live] retrain_every``;
        ``on_iteration(report)`` hears of each iteration."""
        from alphaforge.pipeline.live import live

        return live(self.workspace, name=name, once=once, max_iterations=max_iterations, until=until, poll=poll,
                    model_path=model_path, source=source, config=self.config, tracker=self._tracker(track, tracker),
                    on_iteration=on_iteration)

    def backtest(self, *, strategy: str | None = None, model_path: Path | None = None, walk_forward: bool = True,
                 start: str | None = None, end: str | None = None, name: str | None = None,
                 track: bool = False, tracker: Tracker | None = None,
                 progress: Progress | None = None, as_live: bool = False) -> dict[str, Any]:
        """A backtest against the benchmark, with verdicts (`alphaforge backtest`); ``as_live`` trades
        what the live loop would have (retrained on ``[live] retrain_every``, novel rows flat)."""
        from alphaforge.pipeline.backtest import backtest

        return backtest(self.workspace, strategy=strategy, model_path=model_path, walk_forward_refits=walk_forward,
                        start=start, end=end, name=name, tracker=self._tracker(track, tracker), progress=progress,
                        config=self.config, as_live=as_live)

    def evaluate(self, *, target: str | None = None, family: str | None = None) -> dict[str, Any]:
        """The out-of-sample tear sheet, baselines and verdicts of the walk-forward predictions
        (computing them when missing), as ``cv/walk_forward/<target>-<family>/folds.json`` holds them."""
        from alphaforge.pipeline.walkforward import load_walk_forward, run_walk_forward

        target, family = target or self.config.models.target, family or self.config.models.family
        cached = load_walk_forward(self.workspace, target, family)
        if cached is None:
            return run_walk_forward(self.workspace, self.config, target=target, family=family)["evaluation"]
        return cached[1].evaluation

    # ---------------------------------------------------------------- tuning
    def tune(self, *, track: bool = False, tracker: Tracker | None = None, **overrides: Any) -> dict[str, Any]:
        """Run or resume the three-phase study (`alphaforge tune`; ``overrides`` as its options)."""
        from alphaforge.tuning.workflow import run_tune

        return run_tune(self.workspace, self.config, tracker=self._tracker(track, tracker), **overrides)

    def cv(self, *, track: bool = False, tracker: Tracker | None = None, **options: Any) -> dict[str, Any]:
        """Re-train the best tuned configurations with more folds (`alphaforge cv`)."""
        from alphaforge.tuning.workflow import run_extended_cv

        return run_extended_cv(self.workspace, self.config, tracker=self._tracker(track, tracker), **options)

    def analyze(self, *, track: bool = False, tracker: Tracker | None = None, **options: Any) -> dict[str, Any]:
        """Pick the best configuration into ``analysis/best_config.json`` (`alphaforge analyze`)."""
        from alphaforge.tuning.workflow import run_analyze

        return run_analyze(self.workspace, self.config, tracker=self._tracker(track, tracker), **options)

    # ---------------------------------------------------------------- holdout
    @property
    def holdout(self) -> Holdout:
        """The holdout workflow's verbs (create, preserve, remove, evaluate, restore)."""
        return Holdout(self)

    def _tracker(self, track: bool, tracker: Tracker | None = None) -> Tracker:
        """``tracker`` when the caller has one (the CLI, with its experiment name and tags), else the
        workspace's MLflow store with ``track``, else none."""
        from alphaforge.tracking import NullTracker, open_tracker

        if tracker is not None:
            return tracker
        return open_tracker(self.workspace, self.config) if track else NullTracker()


@dataclass(frozen=True)
class Holdout:
    """`alphaforge store fill` and `alphaforge holdout ...` on one project (each takes the lock itself)."""

    project: Project

    def fill(self, targets: Sequence[str] | None = None, **options: Any) -> dict[str, Any]:
        from alphaforge.store.fill import fill_store

        return fill_store(self.project.workspace, targets, **options)

    def create(self, output: Path, **options: Any) -> dict[str, Any]:
        from alphaforge.store.holdout import create_holdout

        return create_holdout(self.project.workspace, Path(output), **options)

    def preserve(self, setup_file: Path) -> dict[str, Any]:
        from alphaforge.store.holdout import preserve_setups

        return preserve_setups(self.project.workspace, Path(setup_file))

    def remove(self, setup_file: Path) -> dict[str, Any]:
        from alphaforge.store.holdout import remove_setups

        return remove_setups(self.project.workspace, Path(setup_file))

    def evaluate(self, domain: str | None = None, predictions: Sequence[Path] | None = None) -> dict[str, Any]:
        from alphaforge.store.evaluate import evaluate_holdout

        return evaluate_holdout(self.project.workspace, domain, predictions)

    def restore(self, preserved_file: Path) -> dict[str, Any]:
        from alphaforge.store.holdout import restore_preserved

        return restore_preserved(self.project.workspace, Path(preserved_file))


def init(path: str | Path, *, force: bool = False) -> Project:
    """Create a workspace at ``path`` (an ``alphaforge.toml`` spelling out every default), as `alphaforge init`."""
    workspace = Workspace.create(Path(path), force=force)
    return Project(workspace, workspace.config())


def open(path: str | Path = ".") -> Project:  # noqa: A001  (alphaforge.open reads like the verb it is)
    """Open the workspace at ``path`` with its ``alphaforge.toml``."""
    workspace = Workspace.open(Path(path))
    return Project(workspace, workspace.config())


__all__ = ["Holdout", "Project", "init", "open"]
