"""Setup files: the plain-text lists of setup ids the holdout commands pass around."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from alphaforge.errors import InputError
from alphaforge.store.setups import read_setup_file, write_setup_file


def test_ids_round_trip_without_comments_or_repeats(tmp_path: Path) -> None:
    path = tmp_path / "h.txt"
    write_setup_file(path, ["A@2024-01-02T21:00:00Z", "B@2024-01-02T21:00:00Z"], header=["made by a test"])
    path.write_text(path.read_text() + "\nA@2024-01-02T21:00:00Z\n")
    assert read_setup_file(path) == ["A@2024-01-02T21:00:00Z", "B@2024-01-02T21:00:00Z"]


@pytest.mark.parametrize("data", [pickle.dumps(["A@2024-01-02T21:00:00Z"]), b"A@2024-01-02\xff\xfe\n"],
                         ids=["pickle", "non-utf8"])
def test_a_pickle_or_non_utf8_bytes_are_an_input_error_naming_the_file(tmp_path: Path, data: bytes) -> None:
    """Issue 20: a pickle or non-UTF-8 bytes as a setup file raised UnicodeDecodeError."""
    path = tmp_path / "h.txt"
    path.write_bytes(data)
    with pytest.raises(InputError, match="not a setup file: not UTF-8") as info:
        read_setup_file(path)
    assert info.value.where == str(path) and "holdout create" in info.value.fix
