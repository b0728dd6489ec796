"""The model registry: ``models/<name>/<version>/`` in a workspace, and finding the model a
consumer (predict, backtest) should use.

A version folder holds::

    config.json             the model card (:class:`~alphaforge.artifacts.ModelCard`): family,
                            parameters, target, ordered features and symbols, scope, training
                            time range, data/feature fingerprints, library versions, seed
    training_results.json   split, best iteration, metrics (:class:`~alphaforge.artifacts.TrainingResults`)
    best/  final/           each a saved model (model.json + the native model file)
    novelty/                the novelty gate and drift bins fitted on the final model's training rows
                            (:class:`~alphaforge.artifacts.NoveltyGateFile`, :mod:`alphaforge.novelty`)
    plots/                  feature importance; ROC/calibration or predicted-vs-actual/residuals

Versions are numbered ``v1, v2, ...`` per name. A version is written into a staging folder
and renamed into place at the end, so a crash never leaves a half-written version.

Tuning and extended CV save their best model with :func:`save_checkpoint` at
:data:`CV_BEST_MODEL` and ``tuning/<study>/`` + :data:`CHECKPOINT_DIR`, with the same card.
:func:`resolve_model` looks, in order, at an explicit path, the latest final model, the
extended-CV model, the newest tuning checkpoint; with none, it says which command to run. It
never falls back to an untrained default. Meta-models share the registry (their card says
``kind: meta``) but are never what predict or backtest pick.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alphaforge.artifacts import (
    CARD_FILE,
    RESULTS_FILE,
    MetaModelCard,
    MetaTrainingResults,
    ModelCard,
    TrainingResults,
    read_card,
)
from alphaforge.errors import InputError, MissingInputError
from alphaforge.models import load_model
from alphaforge.models.base import META_FILE, ModelFamily
from alphaforge.models.compat import check_feature_order, check_symbols
from alphaforge.names import check_name

if TYPE_CHECKING:
    from alphaforge.novelty import NoveltyGate

CONFIG_FILE = CARD_FILE
PLOTS_DIR = "plots"
BEST_DIR = "best"
FINAL_DIR = "final"
CHECKPOINT_DIR = "best_model"
CV_BEST_MODEL = Path("cv") / CHECKPOINT_DIR
TUNING_DIR = "tuning"
_VERSION = re.compile(r"^v(\d+)$")


def rebuild_command(folder: Path) -> str:
    """What rewrites the model folder ``folder``, for the fix of an error about its files."""
    folder = Path(folder)
    if folder.name in (FINAL_DIR, BEST_DIR):
        folder = folder.parent
    in_study = folder.parent.name == "checkpoints" or folder.name == CHECKPOINT_DIR  # tuning/<study>/...
    if in_study and TUNING_DIR in folder.parts[-4:-1]:
        return "re-run `alphaforge tune` (it rewrites tuning/<study>/best_model and checkpoints/), or delete this folder"
    if Path(folder.parent.name, folder.name) == CV_BEST_MODEL:
        return "re-run `alphaforge cv`, or delete this folder"
    return "re-run `alphaforge train` (`alphaforge meta train` for a meta-model), or delete this model folder"


@dataclass(frozen=True)
class ModelVersion:
    """One registered version: ``models/<name>/<version>/``."""

    name: str
    version: str
    path: Path

    def card(self) -> ModelCard | MetaModelCard:
        """Its ``config.json``: a model's card, or a meta-model's."""
        return read_card(self.path / CONFIG_FILE, fix=rebuild_command(self.path))

    def results(self) -> TrainingResults | MetaTrainingResults:
        """Its ``training_results.json``, read by the owner its card's kind names."""
        owner = MetaTrainingResults if isinstance(self.card(), MetaModelCard) else TrainingResults
        return owner.load(self.path / RESULTS_FILE, fix=rebuild_command(self.path))

    def summary(self) -> dict[str, Any]:
        """One row of `models list` (a meta-model's family is its classifier's, its target none)."""
        card, results = self.card(), self.results()
        row = {"name": self.name, "version": self.version, "kind": card.kind, "features": len(card.features),
               "created": card.created, "path": str(self.path)}
        if isinstance(card, MetaModelCard):
            return {**row, "family": card.recipe.get("family"), "target": None, "task": "binary",
                    "symbols": len(card.symbols or []), "best_iteration": None, "validation": results.metrics}
        assert isinstance(results, TrainingResults)
        return {**row, "family": card.family, "target": card.target.name, "task": card.task,
                "symbols": len(card.symbols), "best_iteration": results.best_iteration,
                "validation": results.metrics.get("validation", {})}


class ModelRegistry:
    """Model versions under a workspace's ``models/`` folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))

    def versions(self, name: str) -> list[ModelVersion]:
        """Versions of ``name``, oldest first."""
        folder = self.root / name
        if not folder.is_dir():
            return []
        found = [(int(m.group(1)), p.name) for p in folder.iterdir() if (m := _VERSION.match(p.name))
                 and (p / CONFIG_FILE).is_file()]
        return [ModelVersion(name, version, folder / version) for _, version in sorted(found)]

    def all_versions(self) -> list[ModelVersion]:
        return [v for name in self.names() for v in self.versions(name)]

    def get(self, reference: str) -> ModelVersion:
        """``name`` (its latest version) or ``name/version``."""
        name, _, version = reference.partition("/")
        versions = self.versions(name)
        if not versions:
            known = ", ".join(self.names()) or "none yet"
            raise InputError(f"no model named {name!r} (models: {known})", where=str(self.root),
                             fix="see `alphaforge models list`, or train one with `alphaforge train`")
        if not version:
            return versions[-1]
        for candidate in versions:
            if candidate.version == version:
                return candidate
        raise InputError(f"model {name!r} has no version {version!r}", where=str(self.root / name),
                         fix=f"choose one of: {', '.join(v.version for v in versions)}")

    def latest(self) -> ModelVersion | None:
        """The most recently created version of any name, meta-models left out."""
        cards = [(version, version.card()) for version in self.all_versions()]
        models = [(version, card) for version, card in cards if isinstance(card, ModelCard)]
        if not models:
            return None
        return max(models, key=lambda pair: (pair[1].created, int(pair[0].version[1:])))[0]

    def create(self, name: str, write: Callable[[Path], None]) -> ModelVersion:
        """A new version of ``name``: ``write`` fills a staging folder, which is then renamed into place."""
        folder = self.root / check_name(name, where="model name (--name)")
        folder.mkdir(parents=True, exist_ok=True)
        staging = folder / f".staging-{secrets.token_hex(6)}"
        os.mkdir(staging, 0o777)  # the user's umask decides, as for every file the product writes
        try:
            write(staging)
            while True:
                existing = self.versions(name)
                number = int(existing[-1].version[1:]) + 1 if existing else 1
                target = folder / f"v{number}"
                try:
                    os.rename(staging, target)
                except OSError:
                    if target.exists():
                        continue  # another writer took this number; take the next
                    raise
                return ModelVersion(name, target.name, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def save_checkpoint(directory: Path, model: ModelFamily, card: ModelCard) -> Path:
    """Save ``model`` and its card (``config.json``) into ``directory`` (tuning/CV best models)."""
    directory = Path(directory)
    model.save(directory)
    card.save(directory / CONFIG_FILE)
    return directory


@dataclass
class ResolvedModel:
    """A loaded model, its card (how it was trained), where it came from and why it was chosen."""

    model: ModelFamily
    card: ModelCard
    path: Path
    source: str

    def check_compatible(self, features: Sequence[str], symbols: Sequence[str]) -> list[str]:
        """Features exactly as in training (else an error listing them); returns unseen symbols.

        Unseen symbols are an error for per-symbol models and a warning for cross-sectional ones.
        """
        check_feature_order(self.card.features, features, where=f"model {self.path}")
        return check_symbols(self.card.symbols, symbols, self.card.scope, where=f"model {self.path}")

    def novelty_gate(self) -> NoveltyGate:
        """The novelty gate saved with this model's version (:func:`alphaforge.novelty.load_gate`); a
        model trained before gates were saved, or a tuning or CV checkpoint, has none: a MissingInputError."""
        from alphaforge.novelty import load_gate

        return load_gate(self.path if (self.path / CONFIG_FILE).is_file() else self.path.parent)


def _load_dir(model_dir: Path, card_dir: Path, source: str) -> ResolvedModel:
    """The model saved in ``model_dir`` with the card in ``card_dir`` (a meta-model's is refused)."""
    card = read_card(card_dir / CONFIG_FILE, fix=rebuild_command(card_dir))
    if isinstance(card, MetaModelCard):
        raise InputError("this folder holds a meta-model, which judges a strategy's signals and does not "
                         "predict on its own", where=str(card_dir),
                         fix="pass it to `alphaforge backtest --meta-model-path`; predict and backtest "
                             "--no-walk-forward take a model from `alphaforge train`, `tune` or `cv`")
    return ResolvedModel(load_model(model_dir), card, model_dir, source)


def load_path(path: Path, source: str = "explicit") -> ResolvedModel:
    """A model from a path: a saved model folder, a version folder (its final model) or a name folder."""
    path = Path(path)
    if (path / META_FILE).is_file():
        return _load_dir(path, path if (path / CONFIG_FILE).is_file() else path.parent, source)
    if (path / FINAL_DIR / META_FILE).is_file():
        return _load_dir(path / FINAL_DIR, path, source)
    versions = ModelRegistry(path.parent).versions(path.name)
    if versions:
        return _load_dir(versions[-1].path / FINAL_DIR, versions[-1].path, source)
    raise InputError("no model here", where=str(path),
                     fix="pass a folder from `alphaforge models list` (models/<name>/<version>), or omit "
                         "--model-path to use the latest model")


def resolve_model(root: Path, model_path: Path | None = None) -> ResolvedModel:
    """The model a consumer should use (see the module docstring for the order)."""
    root = Path(root)
    if model_path is not None:
        return load_path(model_path)
    latest = ModelRegistry(root / "models").latest()
    if latest is not None:
        return _load_dir(latest.path / FINAL_DIR, latest.path, "final")
    if (root / CV_BEST_MODEL / META_FILE).is_file():
        return load_path(root / CV_BEST_MODEL, "extended_cv")
    checkpoints = sorted((root / TUNING_DIR).glob(f"*/{CHECKPOINT_DIR}/{META_FILE}"),
                         key=lambda p: (p.stat().st_mtime_ns, str(p)))
    if checkpoints:
        return load_path(checkpoints[-1].parent, "tuning")
    raise MissingInputError("no trained model in this workspace (no final model, extended-CV model or tuning "
                            "checkpoint)", where=str(root),
                            fix="train one first: `alphaforge train --target TARGET` (or `alphaforge run`), or "
                                "pass --model-path")
