"""The gate saved with a model: through the real owner it loads back scoring the same, a damaged
or mismatched sample is refused naming the file, and a model without a gate says so."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from alphaforge.artifacts import GATE_DIR, NoveltyGateFile
from alphaforge.config import parse_config
from alphaforge.errors import InputError, MissingInputError
from alphaforge.novelty import DissimilarityIndex, configured_gate, drift_report, load_gate

COLUMNS = ["a", "b", "c", "d"]


def frame(rows: int, seed: int, loc: float = 0.0) -> pd.DataFrame:
    values = np.random.default_rng(seed).normal(loc, 1.0, size=(rows, len(COLUMNS))).astype(np.float32)
    values[::13, 1] = np.nan
    return pd.DataFrame(values, columns=COLUMNS)


@pytest.fixture
def saved(tmp_path) -> tuple[DissimilarityIndex, object]:
    """A gate fitted on 4 000 rows (a 1 000-row sample), saved in a version folder's novelty/."""
    gate = DissimilarityIndex(threshold=0.8, neighbours=2, reference_rows=1000, psi_bins=8, seed=5).fit(frame(4000, 1))
    version = tmp_path / "models" / "m" / "v1"
    gate.save(version / GATE_DIR)
    return gate, version


def test_a_saved_gate_loads_back_scoring_and_reporting_the_same(saved):
    gate, version = saved
    loaded = load_gate(version)
    rows = pd.concat([frame(300, 2), frame(50, 3, loc=5.0)], ignore_index=True)
    np.testing.assert_array_equal(loaded.score(rows), gate.score(rows))
    assert (loaded.threshold, loaded.neighbours, loaded.features_, loaded.seed) == (0.8, 2, COLUMNS, 5)
    assert drift_report(loaded, rows) == drift_report(gate, rows)
    assert load_gate(version / GATE_DIR).distance_ == gate.distance_  # the gate's own folder too


def test_the_files_are_the_schema_json_and_a_float32_sample_it_checks(saved):
    _, version = saved
    document = json.loads((version / GATE_DIR / "gate.json").read_text(encoding="utf-8"))
    assert next(iter(document)) == "schema" and document["schema"] == NoveltyGateFile.schema_id()
    assert document["reference"]["rows"] == 1000 and document["training_rows"] == 4000
    sample = np.load(version / GATE_DIR / "reference.npy", allow_pickle=False)
    assert sample.dtype == np.float32 and sample.shape == (1000, 4)


def test_a_model_without_a_gate_says_it_was_trained_before_gates_were_saved(tmp_path):
    with pytest.raises(MissingInputError, match="trained before AlphaForge saved one") as caught:
        load_gate(tmp_path)
    assert caught.value.where == str(tmp_path) and "retrain it with `alphaforge train`" in caught.value.fix


@pytest.mark.parametrize(("damage", "message"), [
    (lambda path: path.write_bytes(path.read_bytes()[:200]), "cannot read reference.npy"),
    (lambda path: np.save(path, np.zeros((1000, 4), dtype=np.float32)), "not the sample gate.json records"),
    (lambda path: np.save(path, np.zeros((10, 4), dtype=np.float32)), "shape"),
    (lambda path: np.save(path, np.array([{"x": 1}], dtype=object), allow_pickle=True), "cannot read reference.npy"),
    (lambda path: path.unlink(), "no reference.npy here"),
])
def test_a_damaged_or_mismatched_sample_is_refused_naming_the_file(saved, damage, message):
    _, version = saved
    path = version / GATE_DIR / "reference.npy"
    damage(path)
    with pytest.raises(InputError if "no reference" not in message else MissingInputError, match=message) as caught:
        load_gate(version)
    assert caught.value.where == str(path) and "alphaforge train" in caught.value.fix


def test_a_gate_json_inconsistent_with_its_features_is_refused(saved):
    _, version = saved
    path = version / GATE_DIR / "gate.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["features"] = document["features"][:3]
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(InputError, match="has scaling for other than its 3 features"):
        load_gate(version)


def test_the_configured_gate_follows_the_novelty_section_and_the_seed():
    config = parse_config({"seed": 9, "novelty": {"threshold": 1.5, "neighbours": 3, "reference_rows": 500,
                                                  "psi_bins": 5}})
    gate = configured_gate(config)
    assert (gate.threshold, gate.neighbours, gate.reference_rows, gate.psi_bins, gate.seed) == (1.5, 3, 500, 5, 9)
    with pytest.raises(InputError, match="novelty.threshold"):
        parse_config({"novelty": {"threshold": 0}})
    with pytest.raises(InputError, match="unknown key 'novelty.k'"):
        parse_config({"novelty": {"k": 3}})


def test_a_gate_fitted_to_score_only_scores_the_same_and_refuses_to_report_drift(saved, tmp_path):
    """The as-live walk-forward fits its gates without the drift baseline (a third of the fit)."""
    gate, _ = saved
    scoring = DissimilarityIndex(threshold=0.8, neighbours=2, reference_rows=1000, psi_bins=8, seed=5).fit(
        frame(4000, 1), drift=False)
    rows = pd.concat([frame(300, 2), frame(50, 3, loc=5.0)], ignore_index=True)
    np.testing.assert_array_equal(scoring.score(rows), gate.score(rows))
    with pytest.raises(InputError, match="without its drift baseline"):
        drift_report(scoring, rows)
    with pytest.raises(InputError, match="without its drift baseline"):
        scoring.save(tmp_path / GATE_DIR)
