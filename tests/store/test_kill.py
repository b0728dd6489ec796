"""Kill -9 in the middle of preserve/remove/restore: the store stays consistent, the preserved
file is whole or absent, and running the command again finishes the job. Two writers at once
get "workspace busy"."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from alphaforge.errors import WorkspaceBusyError
from alphaforge.store._pause import PAUSE_ENV
from alphaforge.store.db import connect
from alphaforge.store.holdout import create_holdout, preserve_setups, remove_setups, restore_preserved
from alphaforge.store.matrix import read_training_matrix
from alphaforge.workspace import Workspace, file_sha256

# the library call in a subprocess (faster to start than the whole CLI): FUNCTION WORKSPACE PATH
LIBRARY = [sys.executable, "-c", ("import sys; from pathlib import Path; from alphaforge.store import holdout; "
                                  "from alphaforge.workspace import Workspace; "
                                  "getattr(holdout, sys.argv[1])(Workspace(sys.argv[2]), Path(sys.argv[3]))")]


@contextmanager
def paused(workspace: Workspace, point: str, function: str, path: Path | str) -> Iterator[subprocess.Popen[str]]:
    """Run ``holdout.FUNCTION(workspace, path)`` in a subprocess until it pauses at ``point``; SIGKILL it on exit."""
    env = {**os.environ, PAUSE_ENV: point}
    process = subprocess.Popen([*LIBRARY, function, str(workspace.root), str(path)], stderr=subprocess.PIPE,
                               text=True, env=env)
    try:
        assert process.stderr is not None
        seen = []
        for line in process.stderr:
            seen.append(line)
            if f"paused at {point}" in line:
                break
        else:
            pytest.fail(f"the command never reached {point}: {''.join(seen)}")
        yield process
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()


def _counts(workspace: Workspace) -> dict[str, int]:
    with connect(workspace) as connection:
        return {t: connection.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                for t in ("training", "prediction", "holdouts", "preserved")}


def _check_preserved_files(workspace: Workspace) -> list[Path]:
    """Every preserved file in place is complete: readable, and equal to its manifest when it has one."""
    files = sorted((workspace.root / "holdouts").glob("preserved_*.parquet"))
    for path in files:
        frame = pd.read_parquet(path)
        manifest = path.with_suffix(".json")
        if manifest.exists():
            info = json.loads(manifest.read_text())
            assert info["sha256"] == file_sha256(path) and info["count"] == len(frame)
    return files


def _training(workspace: Workspace) -> pd.DataFrame:
    with connect(workspace) as connection:
        return connection.execute("SELECT * FROM training ORDER BY setup_id").df()


@pytest.fixture
def holdout(filled: Workspace, tmp_path: Path) -> Path:
    path = tmp_path / "h.txt"
    create_holdout(filled, path, count=40, seed=2)
    return path


@pytest.mark.parametrize("point", ["preserve:before-write", "preserve:file-written", "preserve:manifest-written"])
def test_kill_during_preserve(filled, holdout, point):
    before = _counts(filled)
    with paused(filled, point, "preserve_setups", holdout):
        pass
    assert _counts(filled) == before  # nothing registered
    files = _check_preserved_files(filled)
    assert len(files) == (1 if point == "preserve:manifest-written" else 0)
    preserve_setups(filled, holdout)  # running it again finishes the job
    assert remove_setups(filled, holdout)["removed"] == 40


def test_kill_during_remove_leaves_no_partial_delete(filled, holdout):
    preserved = preserve_setups(filled, holdout)
    before, training = _counts(filled), _training(filled)
    with paused(filled, "remove:in-transaction", "remove_setups", holdout):
        pass
    assert _counts(filled) == before
    pd.testing.assert_frame_equal(_training(filled), training, check_exact=True)
    _check_preserved_files(filled)
    assert remove_setups(filled, holdout)["removed"] == 40
    assert restore_preserved(filled, Path(preserved["preserved_file"]))["restored"] == 40
    pd.testing.assert_frame_equal(_training(filled), training, check_exact=True)


def test_kill_during_restore_leaves_the_holdout_as_it_was(filled, holdout):
    training = _training(filled)
    path = preserve_setups(filled, holdout)["preserved_file"]
    remove_setups(filled, holdout)
    held = _counts(filled)
    with paused(filled, "restore:in-transaction", "restore_preserved", path):
        pass
    assert _counts(filled) == held
    _check_preserved_files(filled)
    assert restore_preserved(filled, Path(path))["restored"] == 40
    pd.testing.assert_frame_equal(_training(filled), training, check_exact=True)


def test_a_second_writer_gets_workspace_busy(filled, holdout, cli):
    preserve_setups(filled, holdout)
    with paused(filled, "remove:in-transaction", "remove_setups", holdout):
        with pytest.raises(WorkspaceBusyError, match="workspace busy"):
            preserve_setups(filled, holdout)
        with pytest.raises(WorkspaceBusyError, match="workspace busy"):
            read_training_matrix(filled, "fwd_ret_5")
        other = cli("-w", filled.root, "holdout", "remove", "--setup-file", holdout)
        assert other.code == 1 and "workspace busy" in other.stderr
    assert remove_setups(filled, holdout)["removed"] == 40
