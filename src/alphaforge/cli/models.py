"""`alphaforge models ...`: the model families and the registered model versions.

The model library is imported inside the commands: `--help` must not load numpy or pandas."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from alphaforge.cli._common import (
    JsonOption,
    command_group,
    emit,
    open_workspace,
    print_fields,
    print_table,
)

if TYPE_CHECKING:
    from alphaforge.models.registry import ModelRegistry

app = command_group("Model families and the model registry (models/<name>/<version>/).")


def _registry(ctx: typer.Context) -> ModelRegistry:
    from alphaforge.models.registry import ModelRegistry

    return ModelRegistry(open_workspace(ctx).subdir("models"))


@app.command("families")
def families(as_json: JsonOption = False) -> None:
    """The model families: tasks, GPU support, what counts as an iteration, the saved format."""
    from alphaforge.models import FAMILIES

    rows = [{"family": name, "tasks": list(cls.tasks), "gpu": cls.supports_gpu, "iterations": cls.iteration_param,
             "file": cls.model_file} for name, cls in FAMILIES.items()]
    emit({"families": rows}, as_json, lambda r: print_table("Model families (--family)", r["families"]))


def _headline(metrics: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:.4g}" for k, v in metrics.items() if k in ("ic", "rmse", "auc", "log_loss", "accuracy"))


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Every registered version, oldest first."""
    rows = [version.summary() for version in _registry(ctx).all_versions()]

    def render(r: dict[str, Any]) -> None:
        table = [{**row, "validation": _headline(row["validation"])} for row in r["models"]]
        print_table(f"{len(table)} model version(s)" if table else "No models yet: run `alphaforge train`", table,
                    ["name", "version", "family", "target", "task", "symbols", "features", "best_iteration",
                     "validation", "created"])

    emit({"models": rows}, as_json, render)


@app.command("show")
def show(
    ctx: typer.Context,
    reference: Annotated[str, typer.Argument(help="NAME (latest version) or NAME/VERSION.")],
    as_json: JsonOption = False,
) -> None:
    """A version's card (family, params, target, features, symbols, fingerprints) and results."""
    version = _registry(ctx).get(reference)
    card, results = version.card(), version.results()
    plots = sorted(p.name for p in (Path(version.path) / "plots").glob("*.png"))
    result = {"name": version.name, "version": version.version, "path": str(version.path), "config": card.to_dict(),
              "results": results.to_dict(), "plots": plots}

    def render(r: dict[str, Any]) -> None:
        c = r["config"]
        features = f"{len(c['features'])}: " + ", ".join(c["features"][:8]) + " …"
        if c["kind"] == "meta":
            print_fields(f"{r['name']} {r['version']} (meta-model)", {
                "strategy": c["strategy"]["name"], "classifier": c["recipe"].get("family"),
                "calibration": c["recipe"].get("calibration"), "label": c["label"], "features": features,
                "trained on": f"{c['training_range']['start']} .. {c['training_range']['end']}",
                "trained until": c["trained_until"], "plots": r["plots"], "path": r["path"]})
            print_table("Metrics (out of fold)", [{"metric": k, "value": v} for k, v in r["results"]["metrics"].items()])
            return
        print_fields(f"{r['name']} {r['version']}", {
            "family": c["family"], "task": c["task"], "target": c["target"]["name"], "scope": c["scope"],
            "symbols": c["symbols"], "features": features,
            "trained on": f"{c['training_range']['start']} .. {c['training_range']['end']}",
            "validation from": c["training_range"]["validation_start"], "best iteration": c["best_iteration"],
            "seed": c["seed"], "data fingerprint": c["data_fingerprint"][:16],
            "feature fingerprint": (c["feature_fingerprint"] or "")[:16], "params": c["params"], "plots": r["plots"],
            "path": r["path"]})
        rows = [{"split": part, **values} for part, values in r["results"]["metrics"].items()]
        print_table("Metrics", rows)

    emit(result, as_json, render)
