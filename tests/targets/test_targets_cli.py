"""`alphaforge targets list|build` through the Typer sub-app, on a workspace with synthetic data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from alphaforge.cli._common import AppState
from alphaforge.cli.targets import app
from alphaforge.data import datasets
from alphaforge.errors import AlphaForgeError
from alphaforge.targets import TARGET_KINDS
from alphaforge.workspace import Workspace


@pytest.fixture
def workspace_with_bars(tmp_path: Path) -> Path:
    workspace = Workspace.create(tmp_path / "ws")
    datasets.synthesize(workspace, name="synth", symbols=2, bars=200, freq="1h", seed=0, mode="random_walk")
    config = workspace.config_path.read_text()
    pointed = re.sub(r'(?m)^dataset = ".*"$', 'dataset = "synth"', config)
    assert pointed != config
    workspace.config_path.write_text(pointed)
    return workspace.root


def invoke(root: Path | None, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), obj=AppState(workspace=root or Path(".")))
    if isinstance(result.exception, AlphaForgeError):  # the top-level app maps these to exit codes
        return result.exception.exit_code, str(result.exception)
    return result.exit_code, result.output


def test_list_shows_every_kind() -> None:
    code, output = invoke(None, "list", "--json")
    assert code == 0
    assert [k["kind"] for k in json.loads(output)["kinds"]] == list(TARGET_KINDS)


def test_build_computes_then_hits_the_cache(workspace_with_bars: Path) -> None:
    code, output = invoke(workspace_with_bars, "build", "fwd_ret_5", "binary_abs_5_0.010", "--json")
    assert code == 0, output
    first = json.loads(output)
    assert [t["target"] for t in first["targets"]] == ["fwd_ret_5", "binary_abs_5_0.01"]
    assert {t["cache"] for t in first["targets"]} == {"computed"}
    assert first["targets"][0]["labelled"] == 2 * (200 - 5)
    code, output = invoke(workspace_with_bars, "build", "fwd_ret_5", "--json")
    assert json.loads(output)["targets"][0]["cache"] == "hit"
    assert any((workspace_with_bars / "data" / "targets").glob("*.parquet"))


def test_build_without_names_says_what_to_type(workspace_with_bars: Path) -> None:
    code, output = invoke(workspace_with_bars, "build")
    assert code == 2 and "alphaforge targets build fwd_ret_24" in output
    code, output = invoke(workspace_with_bars, "build", "fwd_return_5")
    assert code == 2 and "did you mean" in output


def test_build_labels_the_events_of_a_file_and_keys_the_cache_on_them(workspace_with_bars: Path) -> None:
    bars = datasets.load_bars(Workspace.open(workspace_with_bars))
    events = bars.iloc[[30, 40, 250]][["symbol", "timestamp"]]
    path = workspace_with_bars / "events.csv"
    events.to_csv(path, index=False)
    name = "tb_5h_1.0_1.0_given"
    code, output = invoke(workspace_with_bars, "build", name, "--events", str(path), "--json")
    assert code == 0, output
    [built] = json.loads(output)["targets"]
    assert built["target"] == name and built["labelled"] == 3 and built["cache"] == "computed"
    code, output = invoke(workspace_with_bars, "build", name, "--events", str(path), "--json")
    assert json.loads(output)["targets"][0]["cache"] == "hit"
    events.iloc[:2].to_csv(path, index=False)  # other events: computed again
    code, output = invoke(workspace_with_bars, "build", name, "--events", str(path), "--json")
    [rebuilt] = json.loads(output)["targets"]
    assert rebuilt["cache"] == "computed" and rebuilt["labelled"] == 2
    pd.DataFrame({"symbol": [events["symbol"].iloc[0]], "timestamp": ["1990-01-01"]}).to_csv(path, index=False)
    code, output = invoke(workspace_with_bars, "build", name, "--events", str(path))
    assert code == 2 and "events row 0" in output and "falls on no bar" in output
    code, output = invoke(workspace_with_bars, "build", name)
    assert code == 2 and "--events FILE" in output
