"""Training-plan jobs on an executor: every (job, family) of the plan is one `train` call in a worker.

It drives :func:`alphaforge.pipeline.train.train` on the generic executors, so it lives at the
pipeline's level: ``executors/`` holds no domain code.

Jobs run in the plan's device-stage order (:func:`alphaforge.selection.staged_jobs`). A job
that raises is reported with its traceback and the others go on. Each job registers the model
``<job_id>-<family>``; its target, family, features and symbols are passed to `train` as
arguments. Training is deterministic for a seed, so the same plan gives the same models on
every executor and any number of workers.

`train` takes the workspace lock only to register a version, and a second process gets
:class:`~alphaforge.errors.WorkspaceBusyError` at once; a worker that meets it waits a moment
and trains again (bounded by ``REGISTER_ATTEMPTS``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from alphaforge.errors import WorkspaceBusyError
from alphaforge.executors.base import Executor, JobResult
from alphaforge.progress import Progress, counting
from alphaforge.selection.plan import StagedJob
from alphaforge.workspace import Workspace, atomic_write_json

REGISTER_ATTEMPTS = 20
REPORT_FILE = "training_plan_run.json"


@dataclass(frozen=True)
class PlanTask:
    """One model to train: a job of the plan with one of its families (picklable, sent to a worker)."""

    workspace: str
    job_id: str
    stage: str
    family: str
    target: str
    symbols: list[str]
    features: list[str]
    track: bool = False

    @property
    def model_name(self) -> str:
        return f"{self.job_id}-{self.family}"


def plan_tasks(workspace: Workspace, jobs: Sequence[StagedJob], *, track: bool = False) -> list[PlanTask]:
    """The tasks of ``jobs`` (from :func:`~alphaforge.selection.staged_jobs`), one per family, in order."""
    root = str(workspace.root.resolve())
    return [PlanTask(root, job.job_id, job.stage, family, job.target, list(job.symbols), list(job.features), track)
            for job in jobs for family in job.families]


def train_task(task: PlanTask) -> dict[str, Any]:
    """Train one plan task in this process (the function every executor ships to its workers)."""
    from alphaforge.pipeline.train import (
        train,  # the pipeline: loaded in the worker, not by importers
    )
    from alphaforge.tracking import open_tracker

    workspace = Workspace.open(Path(task.workspace))
    attempt = 1
    while True:
        tracker = open_tracker(workspace, workspace.config(), enabled=task.track,
                               tags={"training_plan.job": task.job_id})
        try:
            summary = train(workspace, target=task.target, family=task.family, symbols=task.symbols,
                            features=task.features, name=task.model_name, tracker=tracker,
                            arguments={"training_plan_job": task.job_id, "stage": task.stage})
            return summary | {"attempts": attempt}
        except WorkspaceBusyError:
            if attempt == REGISTER_ATTEMPTS:
                raise
            attempt += 1
            time.sleep(random.uniform(0.2, 1.0))

def run_plan(workspace: Workspace, jobs: Sequence[StagedJob], executor: Executor, *,
             track: bool = False, progress: Progress | None = None) -> dict[str, Any]:
    """Train every (job, family) of ``jobs`` on ``executor``; write and return the per-task report.
    ``progress("training-plan jobs", done, total)`` hears of each task as it ends.

    The report (``reports/training_plan_run.json``) lists each task with its model version and
    metrics, or its error and traceback; ``failed`` counts the failures.
    """
    tasks = plan_tasks(workspace, jobs, track=track)
    started = time.perf_counter()
    results = executor.map(train_task, tasks, on_done=counting(progress, "training-plan jobs", len(tasks)))
    report = {"executor": executor.describe(), "seconds": time.perf_counter() - started,
              "tasks": [_task_report(task, result) for task, result in zip(tasks, results, strict=True)]}
    report["failed"] = sum(not row["ok"] for row in report["tasks"])
    atomic_write_json(workspace.subdir("reports") / REPORT_FILE, report)
    return report


def _task_report(task: PlanTask, result: JobResult) -> dict[str, Any]:
    row = {key: value for key, value in asdict(task).items() if key in ("job_id", "stage", "family", "target")}
    row |= {"model": task.model_name, "ok": result.ok, "seconds": result.seconds}
    if result.ok:
        return row | {key: result.value[key] for key in ("version", "path", "rows", "metrics", "notices", "attempts")}
    return row | {"error": result.error, "traceback": result.traceback}
