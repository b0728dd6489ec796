"""The training plan: the single source of truth for what ``alphaforge train`` trains.

``plans/training_plan/master_training_plan.json`` lists jobs. A job is one model to train:
``job_id``, ``target``, ``training_type`` (``cross_sectional``: one pooled model over
``symbols``; ``symbol_specific``: one model for its one symbol), ``features``,
``model_families`` and ``stages`` (the families split by device stage: ``cpu`` families train
first, then ``gpu`` ones). Beside it: a mirror ``training_plan.{json,yaml,md}`` and views
``by_target/``, ``by_symbol/``, ``by_type/`` (subsets of the jobs, for people and tools). The
plan travels as plain data; :class:`alphaforge.artifacts.TrainingPlanFile` checks it on the
way to disk and back.

Training reads the plan with :func:`load_training_plan` (or finds it with
:func:`find_training_plan`) and iterates :func:`staged_jobs`: every job's CPU families, then
every job's GPU families.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from alphaforge.artifacts import TrainingPlanFile
from alphaforge.errors import InputError, MissingInputError
from alphaforge.models import family_class
from alphaforge.selection._markdown import markdown_table
from alphaforge.workspace import Workspace, atomic_write_json, atomic_write_text

MASTER_FILENAME = "master_training_plan.json"
STAGES = ("cpu", "gpu")
STAGE_DEVICE = {"cpu": "cpu", "gpu": "cuda"}
"""Device each stage asks for; a family without a usable GPU falls back to CPU with a notice
(:func:`alphaforge.models.devices.resolve_device`)."""
TRAINING_TYPES = ("cross_sectional", "symbol_specific")


def plan_directory(workspace: Workspace) -> Path:
    """Where the workspace's training plan lives."""
    return workspace.subdir("plans") / "training_plan"


def _stages(families: Sequence[str], gpu_families: Sequence[str]) -> dict[str, list[str]]:
    gpu = set(gpu_families)
    return {"cpu": [f for f in families if f not in gpu], "gpu": [f for f in families if f in gpu]}


def build_training_plan(routes: Mapping[str, Mapping[str, Any]], features: Mapping[str, Sequence[str]],
                        families: Sequence[str], gpu_families: Sequence[str] = (), *,
                        created_from: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The plan for ``routes`` (``routing_plan.json``'s ``targets``) and each target's selected features.

    >>> plan = build_training_plan({"fwd_ret_1": {"route": "both", "cross_sectional": {"symbols": ["A", "B"]},
    ...     "symbol_specific": {"symbols": ["B"]}}}, {"fwd_ret_1": ["px_ret_1"]}, ["lightgbm", "lstm"], ["lstm"])
    >>> [(j["job_id"], j["stages"]["gpu"]) for j in plan["jobs"]]
    [('cs_fwd_ret_1', ['lstm']), ('ss_fwd_ret_1_B', ['lstm'])]
    """
    for family in families:
        family_class(family)  # an unknown name fails here, with "did you mean"
    stages = _stages(families, gpu_families)
    jobs = []
    for target, route in routes.items():
        common = {"target": target, "features": list(features[target]), "model_families": list(families),
                  "stages": stages, "route_reason": route.get("reason", "")}
        pooled = route["cross_sectional"]["symbols"]
        if pooled:
            jobs.append({"job_id": f"cs_{target}", "training_type": "cross_sectional", "symbols": list(pooled),
                         **common})
        jobs.extend({"job_id": f"ss_{target}_{symbol}", "training_type": "symbol_specific", "symbols": [symbol],
                     **common} for symbol in route["symbol_specific"]["symbols"])
    return TrainingPlanFile(
        created_from=dict(created_from or {}), targets=list(routes), model_families=stages,
        summary={"jobs": len(jobs), **{t: sum(j["training_type"] == t for j in jobs) for t in TRAINING_TYPES}},
        jobs=jobs).document()


def plan_markdown(plan: Mapping[str, Any]) -> str:
    """The plan as a Markdown report."""
    rows = [{**job, "symbols": f"{len(job['symbols'])}: " + ", ".join(job["symbols"][:8]),
             "features": len(job["features"]), "cpu": job["stages"]["cpu"], "gpu": job["stages"]["gpu"]}
            for job in plan["jobs"]]
    summary = plan["summary"]
    return "\n".join([
        "# Training plan", "",
        (f"{summary['jobs']} job(s): {summary['cross_sectional']} cross-sectional, "
         f"{summary['symbol_specific']} symbol-specific. Stage 1 trains the CPU families, stage 2 the GPU ones."), "",
        markdown_table(rows, ["job_id", "target", "training_type", "symbols", "features", "cpu", "gpu"])
        if rows else "No jobs: no target was selected.", ""])


def _write_view(directory: Path, views: Mapping[str, list[dict[str, Any]]], key: str) -> list[Path]:
    """One JSON file per view name; files of names no longer in the plan are removed."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, jobs in views.items():
        path = directory / f"{name}.json"
        atomic_write_json(path, {key: name, "jobs": jobs})
        paths.append(path)
    for stale in set(directory.glob("*.json")) - set(paths):
        stale.unlink()
    return paths


def write_training_plan(plan: Mapping[str, Any], directory: Path) -> list[Path]:
    """Write the master plan, its mirrors and the by_target/by_symbol/by_type views into ``directory``."""
    directory = Path(directory)
    paths = [directory / MASTER_FILENAME, directory / "training_plan.json", directory / "training_plan.yaml",
             directory / "training_plan.md"]
    checked = TrainingPlanFile.parse(plan, where=str(paths[0]))
    checked.save(paths[0])
    checked.save(paths[1])
    atomic_write_text(paths[2], yaml.safe_dump(checked.document(), sort_keys=False))
    atomic_write_text(paths[3], plan_markdown(plan))
    jobs = plan["jobs"]
    by_target = {t: [j for j in jobs if j["target"] == t] for t in dict.fromkeys(j["target"] for j in jobs)}
    symbols = dict.fromkeys(s for j in jobs for s in j["symbols"])
    by_symbol = {s: [j for j in jobs if s in j["symbols"]] for s in symbols}
    by_type = {t: [j for j in jobs if j["training_type"] == t] for t in TRAINING_TYPES}
    paths += _write_view(directory / "by_target", by_target, "target")
    paths += _write_view(directory / "by_symbol", by_symbol, "symbol")
    paths += _write_view(directory / "by_type", by_type, "training_type")
    return paths


def load_training_plan(path: Path) -> dict[str, Any]:
    """Read and check a training plan (its folder, or the master JSON file itself), as plain data."""
    path = Path(path)
    file = path / MASTER_FILENAME if path.is_dir() else path
    if not file.is_file():
        raise MissingInputError("no training plan here", where=str(file),
                                fix="create one with `alphaforge plan`, or train everything with --no-training-plan")
    return TrainingPlanFile.load(file).document()


def find_training_plan(workspace: Workspace, directory: Path | None = None) -> dict[str, Any] | None:
    """The plan in ``directory`` if given (it must exist), else the workspace's plan, else None."""
    if directory is not None:
        return load_training_plan(directory)
    master = plan_directory(workspace) / MASTER_FILENAME
    return load_training_plan(master) if master.is_file() else None


@dataclass(frozen=True)
class StagedJob:
    """One job's families of one device stage."""

    stage: str
    job_id: str
    target: str
    training_type: str
    symbols: list[str]
    features: list[str]
    families: list[str]

    @property
    def device(self) -> str:
        """The device this stage asks for (``cpu`` or ``cuda``)."""
        return STAGE_DEVICE[self.stage]


def _stage_of(plan: Mapping[str, Any], job: Mapping[str, Any], family: str) -> str:
    """The device stage ``family`` trains in for ``job``: where the job's ``stages`` list it, else
    where the plan's ``model_families`` do (a family added to a job by hand), else ``cpu``."""
    for stages in (job["stages"], plan.get("model_families", {})):
        for stage in STAGES:
            if family in stages.get(stage, []):
                return stage
    return "cpu"


def staged_jobs(plan: Mapping[str, Any], families: Sequence[str] | None = None,
                symbols: Sequence[str] | None = None) -> list[StagedJob]:
    """Work in training order: every job's CPU families, then every job's GPU families.

    A job trains the families its ``model_families`` list (so editing that list in the plan file
    adds or drops a family), each in the stage :func:`_stage_of` gives it. ``families``
    (optional) keeps only those families; ``symbols`` (optional) keeps only those symbols of
    each job, and the jobs that have one. Jobs with no family left in a stage give no work for
    that stage.
    """
    for family in (*(families or ()), *(f for job in plan["jobs"] for f in job["model_families"])):
        family_class(family)  # a misspelt family (on the command line or in the plan) fails here
    if symbols is not None:
        planned = {s for job in plan["jobs"] for s in job["symbols"]}
        unknown = [s for s in symbols if s not in planned]
        if unknown:
            raise InputError(f"no job of the training plan trains symbol(s) {', '.join(unknown)}",
                             where="--symbols", fix=f"choose from the plan's symbols: {', '.join(sorted(planned))} "
                                                    "(or train without the plan: --no-training-plan)")
    wanted = None if families is None else set(families)
    work = []
    for stage in STAGES:
        for job in plan["jobs"]:
            chosen = [f for f in job["model_families"]
                      if (wanted is None or f in wanted) and _stage_of(plan, job, f) == stage]
            kept = [s for s in job["symbols"] if symbols is None or s in symbols]
            if chosen and kept:
                work.append(StagedJob(stage, job["job_id"], job["target"], job["training_type"], kept,
                                      list(job["features"]), chosen))
    return work


def planned_targets(plan: Mapping[str, Any]) -> list[str]:
    """Targets with at least one job, in plan order."""
    return list(dict.fromkeys(job["target"] for job in plan["jobs"]))
