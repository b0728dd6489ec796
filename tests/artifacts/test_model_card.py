"""Model cards written before the card had one owner (no ``schema``: version 1) still load, in
both shapes the two old writers gave them."""

from __future__ import annotations

import json

import pytest

from alphaforge.artifacts import MetaModelCard, ModelCard, TargetRef, read_card
from alphaforge.errors import InputError

# config.json as pipeline/train.py wrote it before (abridged lists, every key it wrote)
REGISTRY_V1 = {
    "created": "2024-07-01T10:00:00+00:00", "family": "lightgbm", "task": "regression",
    "params": {"learning_rate": 0.05}, "best_iteration": 40, "seed": 0,
    "device": {"requested": "auto", "used": "cpu"},
    "target": {"name": "fwd_ret_5", "kind": "fwd_ret", "params": {"horizon": 5}},
    "features": ["px_ret_1", "ta_rsi_14"], "symbols": ["SYN00", "SYN01"], "scope": "cross_sectional",
    "panel": {"kind": "quantile"}, "classes": None,
    "training_range": {"start": "2020-01-01T00:00:00+00:00", "end": "2020-12-31T00:00:00+00:00",
                       "validation_start": "2020-10-01T00:00:00+00:00"},
    "dataset": "sp500", "macro": "macro", "data_fingerprint": "d" * 64, "feature_fingerprint": "e" * 64,
    "versions": {"lightgbm": "4.5.0"}, "git_commit": None,
}
# config.json as tuning/outputs.py wrote it beside a checkpoint before
TUNING_V1 = {
    "family": "ridge", "target": "fwd_ret_5", "task": "regression", "params": {"alpha": 0.005},
    "features": ["px_ret_1"], "symbols": ["SYN00", "SYN01", "SYN02"], "scope": "cross_sectional", "seed": 0,
    "data_fingerprint": "d" * 64,
    "source": {"stage": "tuning", "study": "fwd_ret_5__ridge", "trial": 3, "phase": "bayes", "value": 0.02},
}


def test_an_old_registry_card_loads_unchanged(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(REGISTRY_V1))
    card = read_card(path)
    assert isinstance(card, ModelCard) and card.stage == "train"
    assert card.model_dump(exclude={"kind", "stage", "provenance"}) == REGISTRY_V1


@pytest.mark.parametrize("stage", ["tuning", "extended_cv"])
def test_an_old_checkpoint_card_loads_as_the_one_card(tmp_path, stage):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**TUNING_V1, "source": {**TUNING_V1["source"], "stage": stage}}))
    card = ModelCard.load(path)
    assert card.target == TargetRef(name="fwd_ret_5") and card.stage == stage
    assert card.provenance == {"study": "fwd_ret_5__ridge", "trial": 3, "phase": "bayes", "value": 0.02}
    assert card.training_range is None and card.created == ""  # it recorded neither


def test_a_version_two_card_keeps_its_shape(tmp_path):
    """A version-2 card is read as written: an object ``target`` is required, no field is guessed."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**TUNING_V1, "schema": ModelCard.schema_id()}))
    with pytest.raises(InputError, match="config.json records no stage"):
        ModelCard.load(path)


def test_read_card_tells_a_meta_model_card_apart(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({
        "kind": "meta", "strategy": {"name": "trend_baseline", "params": {}},
        "label": {"horizon": 5, "threshold": 0.02, "label_type": "binary_absolute"}, "recipe": {"family": "logistic"},
        "features": ["side"], "trained_until": "2024-06-28", "created": "2024-07-01",
        "training_range": {"start": "2024-01-01", "end": "2024-06-28"}, "dataset": "sp500", "symbols": ["A"],
        "freq": "1d"}))
    assert isinstance(read_card(path), MetaModelCard)
