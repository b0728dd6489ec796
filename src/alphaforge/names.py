"""User-given names and relative paths: the one check that keeps them inside the workspace.

A name that becomes part of a path (``predict --name``, ``backtest --name``, ``train --name``,
``data synth|import|download --name``, ``--experiment-name``, ``[data] dataset`` and ``macro``,
``[tracking] experiment``) must be a plain folder name: it starts with a letter or digit, holds
only letters, digits, ``_ . = -`` and is at most :data:`MAX_NAME_LENGTH` characters. So it can
name no other folder (``..``, ``/abs``, ``../data/raw/...``), no hidden file, and no file whose
name the file system refuses once a suffix or a temporary prefix is added (a 300-character name
used to fail with ``OSError: File name too long`` at the end of a whole training).

A relative path read from a file (``model.json``'s ``model_file``) goes through
:func:`confined_path`, which resolves it (symbolic links included) and refuses anything that
lands outside the folder it belongs to.

:func:`name_problem` says what is wrong (for validators that raise their own error, such as the
config's); :func:`check_name` raises the :class:`~alphaforge.errors.InputError`.
"""

from __future__ import annotations

import re
from pathlib import Path

from alphaforge.errors import InputError

MAX_NAME_LENGTH = 100
"""Characters a name may have: file systems allow 255 bytes, and names get suffixes
(``.parquet``), temporary prefixes and suffixes (``.NAME.parquet.abc123.tmp``) and sit inside
MLflow's artifact paths."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.=-]*")
NAME_RULE = f"letters, digits, '_', '.', '=' and '-', starting with a letter or digit, at most {MAX_NAME_LENGTH} " \
            "characters"


def name_problem(value: object) -> str | None:
    """What makes ``value`` unusable as a folder name, or None when it is fine.

    >>> name_problem("fwd_ret_5-lightgbm") is None
    True
    >>> name_problem("../data/raw/sp500")
    "'../data/raw/sp500' is not a plain folder name"
    """
    if not isinstance(value, str):
        return f"{value!r} is not text"
    if len(value) > MAX_NAME_LENGTH:
        return f"the name is {len(value)} characters long; the limit is {MAX_NAME_LENGTH}"
    if not _NAME.fullmatch(value):
        return f"{value!r} is not a plain folder name"
    return None


def check_name(value: str, *, where: str) -> str:
    """``value`` when it is a plain folder name (see the module docstring); an InputError naming
    ``where`` (the option or key it came from) otherwise.

    >>> check_name("latest", where="--name")
    'latest'
    """
    problem = name_problem(value)
    if problem is not None:
        raise InputError(problem, where=where, fix=f"use {NAME_RULE}")
    return value


def confined_path(base: Path, relative: str, *, where: str) -> Path:
    """``base / relative`` resolved, when it lies inside ``base``; an InputError naming ``where``
    (the file the path was read from) otherwise.

    >>> confined_path(Path("/models/v1"), "model.txt", where="model.json").name
    'model.txt'
    """
    root = Path(base).resolve()
    if not isinstance(relative, str) or not relative or Path(relative).is_absolute():
        raise InputError(f"path {relative!r} is not a relative path inside {base}", where=where,
                         fix="name a file inside the folder (re-create the file that holds this path)")
    resolved = (root / relative).resolve()
    if not resolved.is_relative_to(root):
        raise InputError(f"path {relative!r} points outside {base}", where=where,
                         fix="name a file inside the folder (re-create the file that holds this path)")
    return resolved
