"""The tuning chain on a workspace: what `alphaforge tune`, `cv` and `analyze` (and the
pipeline's stages) call.

Each reads the configuration (``[tuning]``, overridable per call), loads the same training
data through the shared training matrix, runs its library step and returns a JSON-able
summary. The study is found from (target, family) and the storage URL, so `cv` and `analyze`
find what `tune` made; a missing prerequisite names the command to run first.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from alphaforge.config import Config
from alphaforge.tracking import NullTracker, Tracker
from alphaforge.tuning.analysis import analyze
from alphaforge.tuning.dataset import TuningData, load_tuning_data
from alphaforge.tuning.extended import ExtendedSettings, extended_cv
from alphaforge.tuning.study import load_existing_study
from alphaforge.tuning.tune import TuneSettings, tune
from alphaforge.workspace import Workspace


def tuning_data(workspace: Workspace, config: Config, target: str) -> TuningData:
    """The rows tuning and cv score on (thinned to ``[tuning] max_rows``)."""
    return load_tuning_data(workspace, config, target, config.tuning.max_rows)


def run_tune(workspace: Workspace, config: Config, *, tracker: Tracker | None = None,
             **overrides: Any) -> dict[str, Any]:
    """Run or resume the study; ``overrides`` are :class:`TuneSettings` fields (None = config)."""
    settings = TuneSettings.from_config(config, **overrides)
    data = tuning_data(workspace, config, settings.target)
    with (tracker or NullTracker()).run("tune", run_name=f"tune {settings.study}") as run:
        result = tune(workspace, data, settings).to_dict()
        run.log_params({"tune": asdict(settings)})
        run.set_tags({"study": settings.study, "target": data.target, "family": settings.family,
                      "data_fingerprint": data.fingerprint})
        counts = {f"{phase}.{state}": n for phase, states in result["phases"].items() for state, n in states.items()}
        run.log_metrics({**counts, "trials_run": result["trials_run"],
                         **({"best_value": result["best"]["value"]} if result["best"] else {})})
        run.log_artifacts(result["directory"], "tuning")
    return result


def run_extended_cv(workspace: Workspace, config: Config, *, target: str | None = None, family: str | None = None,
                    storage: str | None = None, top_n: int | None = None, scheme: str | None = None,
                    n_splits: int | None = None, iterations: int | None = None,
                    tracker: Tracker | None = None) -> dict[str, Any]:
    """Re-score the study's top configurations with more folds (`alphaforge cv`)."""
    settings = TuneSettings.from_config(config, target=target, family=family, storage=storage)
    study = load_existing_study(settings.storage_url(workspace), settings.study)
    extended = ExtendedSettings.from_config(config, top_n=top_n, scheme=scheme, n_splits=n_splits,
                                            iterations=iterations)
    data = tuning_data(workspace, config, settings.target)
    with (tracker or NullTracker()).run("cv", run_name=f"cv {settings.study}") as run:
        result = extended_cv(workspace, study, data, extended)
        run.log_params({"cv": asdict(extended)})
        run.set_tags({"study": settings.study, "target": data.target, "family": settings.family,
                      "data_fingerprint": data.fingerprint})
        run.log_metrics({f"trial_{c['trial']}.{key}": c[key] for c in result["configs"]
                         for key in ("mean", "std", "training_seconds")})
    return result


def run_analyze(workspace: Workspace, config: Config, *, target: str | None = None, family: str | None = None,
                storage: str | None = None, tracker: Tracker | None = None) -> dict[str, Any]:
    """Pick the best configuration into ``analysis/best_config.json`` (`alphaforge analyze`)."""
    settings = TuneSettings.from_config(config, target=target, family=family, storage=storage)
    url = settings.storage_url(workspace)
    study = load_existing_study(url, settings.study)
    with (tracker or NullTracker()).run("analyze", run_name=f"analyze {settings.study}") as run:
        best = analyze(workspace, study, url)
        run.log_params({"best_config": {"family": best["family"], "target": best["target"], "params": best["params"]}})
        run.set_tags({"study": settings.study, "trial": best["provenance"]["trial"]})
        dsr = (best["deflated_sharpe"] or {}).get("dsr")
        run.log_metrics({"cv_mean": best["provenance"]["cv_mean"], "cv_std": best["provenance"]["cv_std"],
                         **({"deflated_sharpe": dsr} if dsr is not None else {})})
        run.log_artifacts(workspace.subdir("analysis"), "analysis")
    return best
