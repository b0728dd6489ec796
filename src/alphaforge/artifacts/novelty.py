"""``models/<name>/<version>/novelty/``: the novelty gate saved with a model (see :mod:`alphaforge.novelty`).

Two files: ``gate.json`` (:class:`NoveltyGateFile`: the features measured and those left out,
their scaling, the dissimilarity index's threshold, neighbours and characteristic distance, the
drift report's training bins) and ``reference.npy``, the seeded sample of standardised training
rows distances are measured to (float32, read without pickle, checked against the sha256 and
shape ``gate.json`` records). The sample is written first and ``gate.json`` last, so a
``gate.json`` always names a complete sample.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal, Self

from pydantic import Field, model_validator

from alphaforge.artifacts._base import Artifact, Part
from alphaforge.errors import InputError, MissingInputError
from alphaforge.workspace import atomic_path

if TYPE_CHECKING:  # numpy loads with the first gate saved or read, not with this package
    import numpy as np

GATE_DIR = "novelty"
GATE_FILE = "gate.json"
REFERENCE_FILE = "reference.npy"


class Scaling(Part):
    """Per feature, in the gate's order: the training median a missing value takes, then the
    training mean and scale (standard deviation; 1 for a constant feature) that standardise it."""

    medians: list[float]
    means: list[float]
    scales: list[float]


class ReferenceSample(Part):
    """The file of standardised training rows, its row count and the sha256 of its float32 values."""

    file: str = REFERENCE_FILE
    rows: int
    sha256: str

    @classmethod
    def of(cls, sample: np.ndarray) -> ReferenceSample:
        """The record of ``sample`` (rows x features, float32)."""
        return cls(rows=len(sample), sha256=_digest(sample))


class DriftBins(Part):
    """One feature's PSI bins: the inner edges (bins closed on the right, cut at training
    quantiles), the training window's share of its present values in each bin, and its share of
    missing values."""

    edges: list[float]
    shares: list[float]
    missing: float


class NoveltyGateFile(Artifact):
    """``gate.json`` (see the module docstring)."""

    SCHEMA: ClassVar[str] = "alphaforge.novelty_gate"
    WHAT: ClassVar[str] = "novelty gate (novelty/gate.json)"
    FIX: ClassVar[str] = "re-run `alphaforge train`: it saves a novelty gate with every model"

    method: Literal["di"]
    features: list[str]
    ignored: list[str] = Field(default_factory=list)
    scaling: Scaling
    threshold: float
    neighbours: int
    distance: float
    seed: int
    training_rows: int
    reference: ReferenceSample
    psi_bins: int
    drift: dict[str, DriftBins]

    @model_validator(mode="after")
    def _one_entry_per_feature(self) -> Self:
        width = len(self.features)
        if {len(self.scaling.medians), len(self.scaling.means), len(self.scaling.scales)} != {width}:
            raise ValueError(f"has scaling for other than its {width} features")
        if list(self.drift) != self.features:
            raise ValueError("has drift bins for other features than it lists")
        if set(self.ignored) & set(self.features):
            raise ValueError("lists features as both measured and ignored")
        return self

    def save_folder(self, folder: Path, sample: np.ndarray) -> Path:
        """Write ``sample`` (``reference.npy``) and then ``gate.json`` into ``folder``, each atomically."""
        import numpy as np

        if (sample.dtype != np.float32 or sample.shape != (self.reference.rows, len(self.features))
                or ReferenceSample.of(sample) != self.reference):
            raise ValueError("the reference sample is not the one this gate records")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(folder / self.reference.file) as tmp, open(tmp, "wb") as handle:
            np.save(handle, sample, allow_pickle=False)
        return self.save(folder / GATE_FILE)

    @classmethod
    def load_folder(cls, folder: Path, *, fix: str | None = None) -> tuple[Self, np.ndarray]:
        """``gate.json`` of ``folder`` and its reference sample, both checked (errors name the file)."""
        import numpy as np

        fix = fix or cls.FIX
        document = cls.load(Path(folder) / GATE_FILE, fix=fix)
        path = Path(folder) / document.reference.file
        try:
            sample = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            raise MissingInputError(f"no {path.name} here, which {GATE_FILE} names", where=str(path), fix=fix) from None
        except (OSError, ValueError, EOFError) as exc:  # damaged, truncated, not a .npy, or holding objects
            raise InputError(f"cannot read {path.name}: {exc}", where=str(path), fix=fix) from None
        expected = (document.reference.rows, len(document.features))
        if sample.dtype != np.float32 or sample.shape != expected:
            raise InputError(f"{path.name} holds {sample.dtype} of shape {sample.shape}, not float32 of shape "
                             f"{expected} as {GATE_FILE} records", where=str(path), fix=fix)
        if _digest(sample) != document.reference.sha256:
            raise InputError(f"{path.name} is not the sample {GATE_FILE} records (its sha256 differs)",
                             where=str(path), fix=fix)
        return document, sample


def _digest(sample: np.ndarray) -> str:
    import numpy as np

    return hashlib.sha256(np.ascontiguousarray(sample).tobytes()).hexdigest()
