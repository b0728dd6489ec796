"""Reading a JSON file the product wrote, with one friendly error for every way it can fail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alphaforge.errors import InputError, MissingInputError


def read_json(path: Path, *, what: str | None = None, fix: str) -> Any:
    """The parsed content of the JSON file ``path``.

    Every failure is an error the CLI prints without a traceback, naming the file (``where``)
    and ``fix`` (the command that rebuilds it): a missing file is a :class:`MissingInputError`;
    one that cannot be read, is not UTF-8 text or is not JSON (a damaged or half-copied file) an
    :class:`InputError`. ``what`` names the file in the message (default: its file name).

    >>> read_json(Path("/nonexistent/config.json"), fix="re-run `alphaforge train`")
    Traceback (most recent call last):
    ...
    alphaforge.errors.MissingInputError: /nonexistent/config.json: no config.json here
      fix: re-run `alphaforge train`
    """
    path = Path(path)
    what = what or path.name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise MissingInputError(f"no {what} here", where=str(path), fix=fix) from None
    except OSError as exc:  # no permission, a folder in its place, ...
        raise InputError(f"cannot read {what}: {exc.strerror or exc}", where=str(path), fix=fix) from None
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{what} is not valid JSON: not UTF-8 text (byte {data[exc.start]:#04x} at offset "
                         f"{exc.start})", where=str(path), fix=fix) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{what} is not valid JSON: {exc}", where=str(path), fix=fix) from None
