"""Names and paths from users are validated in one place and stay inside the workspace (issue 20).

Every entry point that turns a name into a path calls :func:`alphaforge.names.check_name`; these
tests drive each through the CLI with the names the probe used (a path into the raw store, paths
up and out, an absolute path, the workspace root, 300 characters) and prove each is refused with
exit code 2 before anything is written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from alphaforge.data.rawstore import RawStore
from alphaforge.errors import InputError
from alphaforge.names import MAX_NAME_LENGTH, check_name, confined_path, name_problem

HOSTILE = ["../data/raw/sp500/v1-abc/data", "../../x", "/abs/x", "..", ".", ".hidden", "a/b", "a\\b", "", "x" * 300]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_refused(name):
    assert name_problem(name) is not None
    with pytest.raises(InputError) as info:
        check_name(name, where="--name")
    assert info.value.where == "--name" and "letters, digits" in info.value.fix


@pytest.mark.parametrize("name", ["latest", "fwd_ret_5-lightgbm", "tb_10_1.0_1.0-xgboost", "BTC=F", "x" * 100])
def test_plain_names_pass(name):
    assert check_name(name, where="--name") == name


def test_an_over_long_name_is_refused_with_the_limit():
    problem = name_problem("x" * (MAX_NAME_LENGTH + 1))
    assert problem == f"the name is 101 characters long; the limit is {MAX_NAME_LENGTH}"


def test_confined_path_refuses_what_resolves_outside(tmp_path):
    inside = tmp_path / "folder"
    inside.mkdir()
    (inside / "link").symlink_to(tmp_path)
    assert confined_path(inside, "model.txt", where="m.json") == (inside / "model.txt").resolve()
    for relative in ("../x", "/etc/passwd", "link/x", "", "a/../../x"):
        with pytest.raises(InputError, match="outside|not a relative path"):
            confined_path(inside, relative, where="m.json")


@pytest.mark.parametrize("name", ["../data/raw/sp500/v1/data", "../../x", "/abs/x", "..", "x" * 300])
@pytest.mark.parametrize("command", [["predict"], ["backtest", "--no-track"], ["train", "--no-track"]])
def test_output_names_are_refused_before_anything_is_written(workspace, cli, snapshot, command, name):
    """`predict --name ../data/raw/<dataset>/<version>/data` overwrote the immutable raw data; `backtest
    --name ..` wrote into the workspace root; a 300-character `train --name` failed after the training."""
    before = snapshot(workspace.root)
    result = cli("-w", workspace.root, *command, "--name", name)
    assert result.code == 2, result.stderr
    assert "not a plain folder name" in result.stderr or "the limit is 100" in result.stderr
    assert snapshot(workspace.root) == before


@pytest.mark.parametrize("name", ["../../x", "/abs/x", "x" * 300])
def test_experiment_names_are_refused(workspace, cli, snapshot, name):
    before = snapshot(workspace.root)
    result = cli("-w", workspace.root, "backtest", "--experiment-name", name)
    assert result.code == 2 and "experiment name" in result.stderr
    assert snapshot(workspace.root) == before


@pytest.mark.parametrize("name", ["../../x", "/abs/x", "x" * 300])
def test_dataset_names_are_refused(workspace, cli, snapshot, tmp_path, name):
    before = snapshot(workspace.root)
    result = cli("-w", workspace.root, "data", "synth", "--symbols", "2", "--bars", "300", "--name", name)
    assert result.code == 2 and ("not a plain folder name" in result.stderr or "limit is 100" in result.stderr)
    csv = tmp_path / "bars.csv"
    csv.write_text("symbol,timestamp,open,high,low,close,volume\nA,2024-01-02T00:00Z,1,1,1,1,1\n")
    result = cli("-w", workspace.root, "data", "import", str(csv), "--name", name)
    assert result.code == 2 and ("not a plain folder name" in result.stderr or "limit is 100" in result.stderr)
    assert snapshot(workspace.root) == before


def test_a_config_dataset_cannot_read_another_workspace(workspace, cli, tmp_path):
    """`dataset = "../../../other/data/raw/synth"` read another workspace's data."""
    text = workspace.config_path.read_text().replace('dataset = "sp500"', 'dataset = "../../other/data/raw/synth"')
    workspace.config_path.write_text(text)
    result = cli("-w", workspace.root, "features", "build")
    assert result.code == 2 and "data.dataset" in result.stderr and "not a plain folder name" in result.stderr
    with pytest.raises(InputError, match="not a plain folder name"):
        RawStore(Path(workspace.raw_dir)).manifest("../../other/data/raw/synth")


def test_download_and_import_names_are_refused_before_any_download_or_read(workspace, tmp_path, monkeypatch):
    """A bad name used to be refused only when the dataset was stored: after the whole download."""
    from alphaforge.data import datasets
    from alphaforge.data import download as dl

    def never(*args, **kwargs):
        raise AssertionError("reached the download or the file read")

    monkeypatch.setattr(dl, "download_binance", never)
    monkeypatch.setattr(datasets, "import_path", never)
    with pytest.raises(InputError, match="not a plain folder name") as info:
        datasets.download(workspace, "binance", pairs=["BTCUSDT"], name="../x")
    assert info.value.where == "--name"
    with pytest.raises(InputError, match="not a plain folder name"):
        datasets.import_file(workspace, tmp_path / "my bars.csv")  # the default name is the file's stem
