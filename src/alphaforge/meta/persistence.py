"""Saving and loading meta-models safely: no pickles anywhere.

A meta-model folder holds::

    config.json             the card (:class:`~alphaforge.artifacts.MetaModelCard`): kind "meta",
                            base strategy (name, parameters), label spec, recipe, ordered
                            features, training range, trained_until, created
    training_results.json   CV metrics (pooled out of fold) and the per-fold table
                            (:class:`~alphaforge.artifacts.MetaTrainingResults`)
    model/                  the classifier, saved by its family (skops / native formats)
    calibrator.json         the calibrator's method and parameters (a few numbers)
    plots/calibration.png   reliability diagram of the out-of-fold probabilities

The folder is written in a staging folder beside the target and renamed into place, so a
crash never leaves half a model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from alphaforge.artifacts import (
    MetaModelCard,
    MetaTrainingResults,
    read_card,
    read_json,
)
from alphaforge.errors import InputError, MissingInputError
from alphaforge.meta.calibration import CalibratedModel, Calibrator
from alphaforge.meta.training import MetaRecipe, MetaTraining, calibration_plot
from alphaforge.models import load_model
from alphaforge.workspace import atomic_dir, atomic_write_json

CONFIG_FILE = "config.json"
RESULTS_FILE = "training_results.json"
CALIBRATOR_FILE = "calibrator.json"
MODEL_DIR = "model"
CALIBRATION_PLOT = Path("plots") / "calibration.png"


@dataclass
class SavedMetaModel:
    """A loaded meta-model: the calibrated model, its card and its folder."""

    model: CalibratedModel
    card: MetaModelCard
    path: Path

    @property
    def recipe(self) -> MetaRecipe:
        return MetaRecipe(**self.card.recipe)

    @property
    def features(self) -> list[str]:
        return list(self.card.features)

    def results(self) -> MetaTrainingResults:
        """Its ``training_results.json``: the out-of-fold metrics and the fold table."""
        return MetaTrainingResults.load(self.path / RESULTS_FILE)


def write_meta_model(folder: Path, training: MetaTraining, config: dict[str, Any]) -> None:
    """Write every file of a meta-model into an existing, empty ``folder``; ``config`` is what the
    events came from (strategy, label, dataset, symbols, training range: see
    :class:`~alphaforge.artifacts.MetaModelCard`)."""
    training.model.model.save(folder / MODEL_DIR)
    atomic_write_json(folder / CALIBRATOR_FILE, training.model.calibrator.to_dict())
    oof = training.out_of_fold
    calibration_plot(oof["outcome"].to_numpy(), oof["probability"].to_numpy(), folder / CALIBRATION_PLOT,
                     title=f"Meta-model calibration ({training.recipe.family}, {training.recipe.calibration})")
    MetaTrainingResults(metrics=training.metrics, folds=training.folds).save(folder / RESULTS_FILE)
    MetaModelCard(kind=MetaModelCard.KIND, **config, recipe=training.recipe.to_dict(), features=training.features,
                  trained_until=str(training.model.trained_until),
                  created=pd.Timestamp.now(tz="UTC").isoformat()).save(folder / CONFIG_FILE)


PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")


def meta_model_folder(path: Path) -> Path:
    """The folder a meta-model named ``path`` lives in: ``x.joblib`` (where older tools saved one
    pickle) names the folder ``x``, since a meta-model is a folder of safe formats, never a pickle;
    saving and loading both map it, so the seed's ``--output-model-path`` and ``--meta-model-path``
    spellings meet."""
    path = Path(path)
    return path.with_suffix("") if path.suffix.lower() in PICKLE_SUFFIXES else path


def save_meta_model(path: Path, training: MetaTraining, config: dict[str, Any]) -> Path:
    """Save to a new folder ``path`` (:func:`meta_model_folder`; refused when it exists and is not
    empty); returns the folder."""
    path = meta_model_folder(path)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise InputError("the output model path exists", where=str(path),
                         fix="choose a new folder for --output-model-path, or remove this one")
    with atomic_dir(path) as staging:  # replaces the empty folder, if there is one
        write_meta_model(staging, training, config)
    return path


def load_meta_model(path: Path) -> SavedMetaModel:
    """Load a folder written by :func:`save_meta_model` (or the registry); the model file's
    sha256 is checked by its family's loader. ``path`` is mapped by :func:`meta_model_folder`."""
    path = meta_model_folder(path)
    card_path = path / CONFIG_FILE
    if not card_path.is_file():
        raise MissingInputError("no meta-model here", where=str(path),
                                fix="pass a folder written by `alphaforge meta train`")
    card = read_card(card_path, fix=MetaModelCard.FIX)
    if not isinstance(card, MetaModelCard):
        raise InputError("this folder holds a model that is not a meta-model", where=str(card_path),
                         fix="pass the folder `alphaforge meta train` printed")
    calibrator_path = path / CALIBRATOR_FILE
    calibrator_data = read_json(calibrator_path, fix=MetaModelCard.FIX)
    try:
        calibrator = Calibrator.from_dict(calibrator_data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"calibrator.json is incomplete or malformed ({type(exc).__name__}: {exc})",
                         where=str(calibrator_path), fix=MetaModelCard.FIX) from None
    model = CalibratedModel(load_model(path / MODEL_DIR), calibrator, pd.Timestamp(card.trained_until))
    return SavedMetaModel(model, card, path)
