"""The CLI surface: --help everywhere, --version, --json, exit codes 0/2/1."""

from __future__ import annotations

import json

import numpy as np
import pytest
import typer.main

from alphaforge import __version__
from alphaforge.cli import app
from alphaforge.cli._lazy import command_paths

ALL_COMMANDS = command_paths(typer.main.get_command(app))


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda p: " ".join(p) or "alphaforge")
def test_every_command_has_help(cli, path):
    result = cli(*path, "--help")
    assert result.code == 0 and "Usage" in result.stdout


def _words(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda p: " ".join(p) or "alphaforge")
def test_help_prints_every_text_whole_in_80_columns(cli, monkeypatch, path):
    """Square brackets survive ('[predict] bars' was printed '  bars'), option names are not cut
    ('--meta-model-pa…'), and no line is wider than the terminal."""
    monkeypatch.setenv("COLUMNS", "80")
    command = typer.main.get_command(app)
    for name in path:
        command = command.get_command(command.context_class(command), name)
    shown = cli(*path, "--help").stdout
    assert max(map(len, shown.splitlines())) <= 80 and "…" not in shown
    for text in [command.help or "", *(getattr(p, "help", None) or "" for p in command.params)]:
        assert _words(text.split("\f")[0]) in _words(shown), text
    for param in command.params:
        assert all(option in shown for option in (*param.opts, *param.secondary_opts)), param.opts


def test_a_wide_table_folds_into_parts_and_keeps_every_value_whole(capsys):
    """Ids, numbers and dates are never split across lines, nothing is cut, square brackets are text."""
    from alphaforge.cli._common import print_table, stdout

    run_id = "3f9c2d7e8a1b4c5d6e7f8091a2b3c4d5"
    rows = [{"run_id": run_id, "experiment": "alphaforge", "stage": "train", "start": "2024-05-01T12:30:00+00:00",
             "ic": np.float32(0.0881997), "icir": 1.234567, "rows": 174573, "version": "v1-87ffb2c2d803",
             "fix": "pip install 'alphaforge[deep]'"}]
    print_table("Runs", rows)
    shown = capsys.readouterr().out
    assert max(map(len, shown.splitlines())) <= stdout.width and "…" not in shown
    for whole in (run_id, "0.0882", "1.235", "174573", "v1-87ffb2c2d803", "2024-05-01", "'alphaforge[deep]'"):
        assert whole in shown, whole
    assert "Runs (3/3)" in shown and shown.count(run_id) == 3  # the first column heads every part


def test_version(cli):
    result = cli("--version")
    assert result.code == 0 and __version__ in result.stdout


def test_init_writes_a_commented_config(cli, tmp_path):
    result = cli("init", tmp_path / "w", "--json")
    assert result.code == 0
    assert json.loads(result.stdout)["config"].endswith("alphaforge.toml")
    assert "# raw dataset" in (tmp_path / "w" / "alphaforge.toml").read_text()
    assert cli("init", tmp_path / "w").code == 2


def test_missing_workspace_is_exit_2_with_the_fix(cli, tmp_path):
    result = cli("-w", tmp_path / "nowhere", "data", "list")
    assert result.code == 2 and "alphaforge init" in result.stderr


@pytest.mark.parametrize("how", ["option", "environment", "default"])
def test_the_workspace_comes_from_the_option_the_environment_or_the_current_folder(cli, tmp_path, monkeypatch, how):
    """The root's options are coerced without Typer's Pydantic layer (see ``cli._lazy``): each way
    of naming the workspace still reaches the command as a path."""
    assert cli("init", tmp_path / "w").code == 0
    args: tuple[str, ...] = ()
    if how == "option":
        args = ("-w", str(tmp_path / "w"))
    elif how == "environment":
        monkeypatch.setenv("ALPHAFORGE_WORKSPACE", str(tmp_path / "w"))
    else:
        monkeypatch.chdir(tmp_path / "w")
    result = cli(*args, "data", "list", "--json")
    assert result.code == 0, result.stderr
    monkeypatch.chdir(tmp_path)  # from elsewhere, without the workspace named, it is missing
    monkeypatch.delenv("ALPHAFORGE_WORKSPACE", raising=False)
    assert cli("data", "list").code == 2


def test_usage_error_is_exit_2(cli):
    assert cli("data", "import").code == 2
    assert cli("no-such-command").code == 2


def test_json_error_object_on_stdout(cli, tmp_path):
    result = cli("-w", tmp_path, "data", "list", "--json")
    assert result.code == 2 and json.loads(result.stdout)["error"] == "MissingInputError"


def test_bad_config_value_names_key(cli, workspace):
    workspace.config_path.write_text('[data]\ndataset = 3\n')
    result = cli("-w", workspace.root, "data", "list")
    assert result.code in (0, 2)  # listing does not read the config: it must not fail because of it


HEAVY = ("numpy", "pandas", "pyarrow", "scipy", "sklearn", "lightgbm", "xgboost", "torch", "optuna", "mlflow",
         "duckdb", "matplotlib", "ray", "pydantic")
"""Libraries no help may import: the scientific stack, and Pydantic (the configuration's, and Typer's
coercion of a group's options: 90 ms of a help's 0.22 s)."""
_HELP_IN_ONE_PROCESS = """
import contextlib, io, json, sys
from alphaforge.cli import main
argvs, libraries = json.loads(sys.argv[1]), json.loads(sys.argv[2])
codes, loaded_by, seen = [], {}, set()
for argv in argvs:
    sys.argv = ["alphaforge", *argv]
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            main()
        except SystemExit as exc:
            codes.append(exc.code)
    loaded = [m for m in libraries if m in sys.modules and m not in seen]
    if loaded:
        loaded_by[" ".join(argv)] = loaded
        seen.update(loaded)
print(json.dumps({"codes": codes, "loaded_by": loaded_by}))
"""


def test_help_and_version_of_every_command_load_no_heavy_library():
    """`alphaforge --help`, `--version` and every `<command> --help` must answer at once (issue 17:
    4.2 s and 250 MB before): a command imports its libraries when it runs, and an option's
    choices come from :mod:`alphaforge.choices`. All of them in one fresh interpreter (one start for
    every command), which names the first help that loaded each library."""
    import subprocess
    import sys

    argvs = [["--version"], *([*path, "--help"] for path in ALL_COMMANDS)]
    out = subprocess.run([sys.executable, "-c", _HELP_IN_ONE_PROCESS, json.dumps(argvs), json.dumps(HEAVY)],
                         capture_output=True, text=True, check=True).stdout
    result = json.loads(out.splitlines()[-1])
    assert result == {"codes": [0] * len(argvs), "loaded_by": {}}


class _ThroughTheFrontDoor(Exception):
    """Raised by a patched Project verb: the CLI command called it."""


@pytest.mark.parametrize(("verb", "args"), [
    ("run", ["run", "--no-track"]), ("train", ["train", "--no-track", "--no-training-plan"]),
    ("predict", ["predict"]), ("backtest", ["backtest", "--no-track"]), ("tune", ["tune", "--no-track"]),
    ("cv", ["cv", "--no-track"]), ("analyze", ["analyze", "--no-track"])])
def test_commands_are_thin_calls_of_the_front_door(workspace, cli, monkeypatch, verb, args):
    from alphaforge.project import Project

    def called(*_args, **_kwargs):
        raise _ThroughTheFrontDoor(verb)

    monkeypatch.setattr(Project, verb, called)
    with pytest.raises(_ThroughTheFrontDoor):
        cli("-w", workspace.root, *args)


def test_run_hands_its_executor_to_the_front_door_and_closes_it(workspace, cli, monkeypatch):
    from alphaforge.executors import LocalExecutor
    from alphaforge.project import Project

    seen = []

    def run(self, **kwargs):
        seen.append(kwargs["executor"])
        raise _ThroughTheFrontDoor("run")

    monkeypatch.setattr(Project, "run", run)
    for args in (["--executor", "local", "--workers", "3"], []):
        with pytest.raises(_ThroughTheFrontDoor):
            cli("-w", workspace.root, "run", "--no-track", *args)
    assert isinstance(seen[0], LocalExecutor) and seen[0].workers == 3 and seen[0]._pool is None
    assert seen[1] is None  # no option: the folds run serially in this process
