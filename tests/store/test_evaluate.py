"""Scoring holdout predictions against the preserved labels, overall and per domain."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alphaforge.errors import InputError, MissingInputError
from alphaforge.store.evaluate import evaluate_holdout
from alphaforge.store.holdout import create_holdout, preserve_setups, remove_setups
from alphaforge.workspace import atomic_write_json, atomic_write_parquet


def _write_predictions(workspace, name, frame, info):
    path = workspace.root / "predictions" / f"setups_{name}.parquet"
    atomic_write_parquet(path, frame)
    atomic_write_json(path.with_suffix(".json"), {"file": path.name, "model_path": f"models/{name}", **info})


@pytest.fixture
def held_out(filled, tmp_path):
    setups = tmp_path / "h.txt"
    create_holdout(filled, setups, count=60, seed=9)
    preserved = preserve_setups(filled, setups)["preserved_file"]
    remove_setups(filled, setups)
    return pd.read_parquet(preserved)


def test_scores_against_the_preserved_labels(filled, held_out):
    regression = held_out[["setup_id"]].assign(prediction=held_out["fwd_ret_5"].to_numpy())
    _write_predictions(filled, "a", regression, {"family": "ridge", "target": "fwd_ret_5", "task": "regression",
                                                 "classes": [], "feature_groups": ["px", "ta"]})
    labels = held_out["binary_abs_5_0.02"].to_numpy()
    binary = held_out[["setup_id"]].assign(prediction=labels, proba_0=np.where(labels == 1, 0.1, 0.9),
                                           proba_1=np.where(labels == 1, 0.9, 0.1))
    _write_predictions(filled, "b", binary, {"family": "lightgbm", "target": "binary_abs_5_0.02",
                                             "task": "binary", "classes": [0.0, 1.0], "feature_groups": ["ta"]})
    result = evaluate_holdout(filled)
    overall = {row["target"]: row for row in result["overall"]}
    assert overall["fwd_ret_5"]["n"] == held_out["fwd_ret_5"].notna().sum()
    assert overall["fwd_ret_5"]["ic"] == pytest.approx(1.0) and overall["fwd_ret_5"]["rmse"] == 0.0
    assert overall["binary_abs_5_0.02"]["accuracy"] == 1.0
    domains = {(r["domain_kind"], r["domain"], r["target"]): r for r in result["by_domain"]}
    assert domains[("feature_group", "px, ta", "fwd_ret_5")]["ic"] == pytest.approx(1.0)
    assert ("family", "lightgbm", "binary_abs_5_0.02") in domains
    assert ("feature_group", "px", "binary_abs_5_0.02") not in domains
    assert json.loads(Path(result["report"]).read_text())["overall"]
    assert Path(result["plot"]).read_bytes()[:4] == b"\x89PNG"
    only = evaluate_holdout(filled, domain="lightgbm")
    assert [row["target"] for row in only["overall"]] == ["binary_abs_5_0.02"]
    with pytest.raises(InputError, match="choose one of"):
        evaluate_holdout(filled, domain="nope")


def test_groups_read_together_are_one_row_and_a_domain_shows_only_its_rows(filled, held_out):
    regression = held_out[["setup_id"]].assign(prediction=held_out["fwd_ret_5"].to_numpy())
    for name, family in (("a", "ridge"), ("b", "lightgbm")):
        _write_predictions(filled, name, regression, {"family": family, "target": "fwd_ret_5", "task": "regression",
                                                      "classes": [], "feature_groups": ["px", "ta", "vol"]})
    rows = evaluate_holdout(filled)["by_domain"]
    groups = [row for row in rows if row["domain_kind"] == "feature_group"]
    assert [(row["domain"], row["prediction_sets"]) for row in groups] == [("px, ta, vol", 2)]
    only = evaluate_holdout(filled, domain="ta")
    assert len(only["overall"]) == 2 and [row["domain"] for row in only["by_domain"]] == ["px, ta, vol"]
    assert [row["domain"] for row in evaluate_holdout(filled, domain="ridge")["by_domain"]] == ["ridge"]


def test_evaluate_without_predictions_names_the_next_command(filled, held_out):
    with pytest.raises(MissingInputError, match="no predictions") as error:
        evaluate_holdout(filled)
    assert "predict --setup-file" in error.value.fix


@pytest.mark.parametrize("sidecar", [None, "{not json"])
def test_a_prediction_file_without_a_readable_sidecar_is_named(filled, held_out, sidecar):
    frame = held_out[["setup_id"]].assign(prediction=held_out["fwd_ret_5"].to_numpy())
    _write_predictions(filled, "a", frame, {"family": "ridge", "target": "fwd_ret_5", "task": "regression",
                                            "classes": [], "feature_groups": ["px"]})
    json_path = filled.root / "predictions" / "setups_a.json"
    if sidecar is None:
        json_path.unlink()
    else:
        json_path.write_text(sidecar)
    with pytest.raises(InputError, match="sidecar") as error:
        evaluate_holdout(filled)
    assert error.value.where == str(json_path) and "alphaforge predict" in error.value.fix
