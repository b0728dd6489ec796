"""`alphaforge train` saves a novelty gate with every version, the resolved model loads it, and a
model from before gates were saved says it has none."""

from __future__ import annotations

import json
import shutil

import pytest

from alphaforge.errors import MissingInputError
from alphaforge.models.registry import resolve_model


def test_train_saves_the_gate_the_resolved_model_loads(cli, tmp_path):
    root = tmp_path / "ws"
    assert cli("init", root).code == 0
    assert cli("-w", root, "data", "synth", "--symbols", "2", "--bars", "600", "--freq", "1d").code == 0
    (root / "alphaforge.toml").write_text('[data]\ndataset = "synth"\nmacro = ""\n[novelty]\nthreshold = 0.9\n')
    trained = cli("-w", root, "train", "--no-track", "--json")
    assert trained.code == 0, trained.stderr
    summary = json.loads(trained.stdout)

    resolved = resolve_model(root)
    gate = resolved.novelty_gate()
    measured = [name for name in resolved.card.features if name not in gate.ignored_]
    assert gate.features_ == measured and gate.training_rows_ == summary["rows"]
    assert gate.notices()[0] in summary["notices"]  # the synthetic bars leave the longest windows empty
    assert gate.threshold == 0.9

    shutil.rmtree(resolved.path.parent / "novelty")  # as a model trained before gates were saved
    with pytest.raises(MissingInputError, match="no novelty gate saved with this model") as caught:
        resolve_model(root).novelty_gate()
    assert caught.value.where == str(resolved.path.parent)
