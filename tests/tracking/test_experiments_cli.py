"""Tracked `train` runs through the CLI, read back by `alphaforge experiments`."""

from __future__ import annotations

import json

SYNTH_CONFIG = '[data]\ndataset = "synth"\nmacro = ""\n[features]\ninclude = ["px", "ta_rsi_*"]\n'


def test_train_runs_are_tracked_and_read_back(cli, tmp_path):
    root = tmp_path / "ws"
    assert cli("init", root).code == 0
    assert cli("-w", root, "data", "synth", "--symbols", "2", "--bars", "400", "--freq", "1d").code == 0
    (root / "alphaforge.toml").write_text(SYNTH_CONFIG)
    runs = []
    for family in ("ridge", "lightgbm"):
        result = cli("-w", root, "train", "--family", family, "--experiment-name", "study",
                     "--experiment-tags", "idea=momentum,owner=me", "--json")
        assert result.code == 0, result.stderr
        runs.append(json.loads(result.stdout)["run_id"])
    assert all(runs) and (root / "mlruns.db").is_file()

    listed = json.loads(cli("-w", root, "experiments", "list", "--json").stdout)["runs"]
    assert [r["run_id"] for r in listed] == runs[::-1] and {r["experiment"] for r in listed} == {"study"}
    shown = json.loads(cli("-w", root, "experiments", "show", runs[0][:8], "--json").stdout)
    assert shown["tags"]["idea"] == "momentum" and shown["tags"]["family"] == "ridge"
    assert shown["params"]["cli.family"] == "ridge" and shown["params"]["config.data.dataset"] == "synth"
    assert shown["params"]["config.models.target"] == "fwd_ret_5" and "validation.ic" in shown["metrics"]
    assert len(shown["tags"]["data_fingerprint"]) == 64 and shown["artifacts"] == ["model"]
    compared = json.loads(cli("-w", root, "experiments", "compare", *runs, "--json").stdout)
    family = next(row for row in compared["params"] if row["key"] == "train.family")
    assert family == {"key": "train.family", "values": ["ridge", "lightgbm"], "differs": True}
    assert "validation.ic" in cli("-w", root, "experiments", "compare", *runs).stdout
    assert cli("-w", root, "experiments", "show", "zzzz").code == 2
