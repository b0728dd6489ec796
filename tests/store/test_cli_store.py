"""The `store` and `holdout` commands on a filled workspace: JSON output, exit codes, messages."""

from __future__ import annotations

import json
from pathlib import Path


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
