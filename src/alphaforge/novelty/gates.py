"""Which gate ``[novelty]`` configures, and the gate saved with a model version.

`alphaforge train` fits :func:`configured_gate` on the final model's training rows and saves it
in ``models/<name>/<version>/novelty/``; :func:`load_gate` reads it back. Models trained before
gates were saved, and tuning or CV checkpoints, have none: :func:`load_gate` says so with a
:class:`~alphaforge.errors.MissingInputError` (a caller that can score without the gate catches it).
"""

from __future__ import annotations

from pathlib import Path

from alphaforge.artifacts.novelty import GATE_DIR, GATE_FILE, NoveltyGateFile
from alphaforge.config import Config
from alphaforge.errors import MissingInputError
from alphaforge.novelty._base import NoveltyGate
from alphaforge.novelty._dissimilarity import DissimilarityIndex

METHODS: dict[str, type[DissimilarityIndex]] = {"di": DissimilarityIndex}
"""``[novelty] method`` → gate class (closed: the config accepts these names only)."""


def configured_gate(config: Config) -> NoveltyGate:
    """An unfitted gate with the settings of ``[novelty]`` and the workspace's seed."""
    settings = config.novelty
    return METHODS[settings.method](threshold=settings.threshold, neighbours=settings.neighbours,
                                    reference_rows=settings.reference_rows, psi_bins=settings.psi_bins,
                                    seed=config.seed)


def load_gate(folder: Path) -> NoveltyGate:
    """The gate saved in the model version ``folder`` (``models/<name>/<version>``), or in the
    gate's own folder (its ``novelty/``), ready to score."""
    folder = Path(folder)
    gate_dir = folder if (folder / GATE_FILE).is_file() else folder / GATE_DIR
    if not (gate_dir / GATE_FILE).is_file():
        raise MissingInputError(f"no novelty gate saved with this model (no {GATE_DIR}/{GATE_FILE}): it was trained "
                                "before AlphaForge saved one with every model, or it is a tuning or CV checkpoint, "
                                "which has none", where=str(folder),
                                fix="retrain it with `alphaforge train` (or `alphaforge run`) to check rows for "
                                    "novelty; until then its predictions carry no novelty flag")
    document, sample = NoveltyGateFile.load_folder(gate_dir)
    return METHODS[document.method].from_file(document, sample)
