"""The `store` and `holdout` commands on a filled workspace: JSON output, exit codes, messages."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from alphaforge.errors import InputError
from alphaforge.store.db import connect


def test_store_info_and_holdout_errors(filled, cli, tmp_path):
    root = filled.root
    info = cli("-w", root, "store", "info", "--json")
    assert info.code == 0, info.stderr
    summary = json.loads(info.stdout)
    assert summary["training_rows"] > 0 and summary["held_out"] == 0 and "fwd_ret_5" in summary["targets"]
    assert summary["sources"]["data_fingerprint"]

    setups = tmp_path / "h.txt"
    created = cli("-w", root, "holdout", "create", "--count", "20", "--output", setups)
    assert created.code == 0 and "holdout preserve" in created.stdout
    refused = cli("-w", root, "holdout", "remove", "--setup-file", setups)
    assert refused.code == 2 and "not preserved first" in refused.stderr and "holdout preserve" in refused.stderr
    preserved = json.loads(cli("-w", root, "holdout", "preserve", "--setup-file", setups, "--json").stdout)
    assert cli("-w", root, "holdout", "remove", "--setup-file", setups).code == 0
    assert json.loads(cli("-w", root, "store", "info", "--json").stdout)["held_out"] == 20

    path = Path(preserved["preserved_file"])
    path.write_bytes(path.read_bytes()[:-1] + b"\0")
    mismatch = cli("-w", root, "holdout", "restore", "--preserved-file", path, "--json")
    assert mismatch.code == 2 and json.loads(mismatch.stdout)["error"] == "InputError"
    assert "checksum mismatch" in mismatch.stderr
    missing = cli("-w", root, "holdout", "preserve", "--setup-file", tmp_path / "nope.txt")
    assert missing.code == 2 and "no such setup file" in missing.stderr


def test_fill_before_the_caches_says_what_to_run(workspace, cli):
    result = cli("-w", workspace.root, "holdout", "create", "--count", "5", "--output", workspace.root / "h.txt")
    assert result.code == 2 and "alphaforge store fill" in result.stderr


@pytest.mark.parametrize("damage", ["truncated", "garbled", "emptied"])
def test_a_damaged_store_is_an_exit_2_error_naming_the_file(filled, cli, tmp_path, damage):
    """Issue 20: a truncated, garbled or emptied store.duckdb gave raw _duckdb.IOException / Error
    tracebacks from store info, holdout restore and train."""
    setups = tmp_path / "h.txt"
    assert cli("-w", filled.root, "holdout", "create", "--count", "5", "--output", setups).code == 0
    path = filled.store_path
    data = path.read_bytes()
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "garbled":
        data = bytes(b ^ 0xA5 for b in data[:8192]) + data[8192:]
    else:
        data = b""
    path.write_bytes(data)
    codes = []
    for command in (["store", "info"], ["holdout", "preserve", "--setup-file", setups]):
        result = cli("-w", filled.root, *command)
        codes.append(result.code)
        assert result.code in (0, 2), (command, result.stderr)  # 0: this command never read a damaged block
        if result.code == 2:
            assert "store is damaged" in result.stderr and str(path) in result.stderr and "store fill" in result.stderr
    assert 2 in codes


def test_a_damaged_block_found_by_a_query_is_the_same_clear_error(workspace):
    """A garbled block of table data passes the open and fails the query that reads it."""
    with duckdb.connect(str(workspace.store_path)) as raw:
        raw.execute("CREATE TABLE training AS SELECT range AS x, range * 0.5 AS y FROM range(200000)")
    data = bytearray(workspace.store_path.read_bytes())
    data[300_000:300_100] = bytes(b ^ 0xA5 for b in data[300_000:300_100])
    workspace.store_path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="store is damaged") as info, connect(workspace) as connection:
        connection.execute("SELECT sum(y) FROM training").fetchall()
    assert info.value.where == str(workspace.store_path)
