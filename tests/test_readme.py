"""Every `alphaforge` command line in README.md is one the CLI accepts, and the cheap ones run.

Each line of the README's ``bash`` blocks that calls ``alphaforge`` (continuation lines joined,
``&&`` chains split, comments dropped), and each ```alphaforge ...``` span of its text, is parsed
by the CLI itself: the command path resolved
and every option and argument converted by its type, as a real call would, without running
it. A README line that names a missing option, a misspelt command or a value of the wrong type
fails here. Placeholders read as their first form: ``[--domain a|b]`` is ``--domain a``, and
``...`` is left out. The
lines that run in seconds on a fresh workspace then run for real, in README order.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer.main

from alphaforge.cli import app
from tests.test_cli import ALL_COMMANDS

README = Path(__file__).resolve().parents[1] / "README.md"


def _placeholder_free(token: str) -> str:
    """``[--domain`` → ``--domain``; ``fwd_ret_5|lightgbm|ta]`` → ``fwd_ret_5``."""
    token = token.strip("[]")
    return token.split("|")[0] if "|" in token and not token.startswith("-") else token


def readme_commands() -> list[list[str]]:
    """The arguments (after ``alphaforge``) of every command line in the README's bash blocks and
    of every ```alphaforge ...``` span in its text, each once, in README order."""
    text = README.read_text(encoding="utf-8")
    lines = [line for block in re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL)
             for line in block.replace("\\\n", " ").splitlines()]
    lines += re.findall(r"`(alphaforge [^`]+)`", text)
    commands: list[list[str]] = []
    for part in (part for line in lines for part in line.split("&&")):
        words = shlex.split(part, comments=True)
        args = [_placeholder_free(w) for w in words[1:] if w != "..."]
        if words[:1] == ["alphaforge"] and args not in commands:
            commands.append(args)
    return commands


COMMANDS = readme_commands()
CHEAP = [  # run for real, in this order, on one fresh workspace: each takes a second or two
    ["init", "my-research"],
    ["data", "demo"],
    ["data", "list"],
    ["data", "show", "AAPL"],
    ["features", "list"],
    ["targets", "list"],
    ["models", "families"],
    ["models", "list"],
]


def _parse(args: list[str]) -> None:
    """Resolve ``alphaforge ARGS`` to its command and convert every parameter, without invoking it."""
    command = typer.main.get_command(app)
    context = command.make_context("alphaforge", list(args))
    while hasattr(command, "resolve_command"):  # a group (Typer vendors its own click classes)
        name, command, rest = command.resolve_command(context, [*context._protected_args, *context.args])
        context = command.make_context(name, rest, parent=context)


def test_the_readme_shows_every_command() -> None:
    """Each command of the CLI (``meta train``, ``targets rank``, ``plan``, ...) has a README line."""
    commands = [path for path in ALL_COMMANDS if path and not any(
        len(other) > len(path) and other[:len(path)] == path for other in ALL_COMMANDS)]
    shown = {tuple(args[:len(path)]) for args in COMMANDS for path in commands}
    assert [" ".join(path) for path in commands if path not in shown] == []
    assert ["run", "--auto-targets", "--auto-features", "--skip-training"] in COMMANDS


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_every_readme_command_line_is_accepted(args: list[str]) -> None:
    _parse(args)


def test_the_cheap_readme_commands_run(cli, tmp_path, monkeypatch) -> None:
    assert all(args in COMMANDS for args in CHEAP)
    monkeypatch.chdir(tmp_path)
    for args in CHEAP:
        root = ["-w", "my-research"] if args[0] != "init" else []
        result = cli(*root, *args)
        assert result.code == 0, (args, result.stderr)
