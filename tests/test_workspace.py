"""Atomic writes leave nothing half-written; a second writer is told the workspace is busy."""

from __future__ import annotations

import multiprocessing
import os
import signal
import stat
import threading
import time
from pathlib import Path

import pytest

from alphaforge.errors import WorkspaceBusyError
from alphaforge.workspace import Workspace, atomic_dir, atomic_path, atomic_write_png, atomic_write_text


def test_atomic_write_keeps_the_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "f.txt"
    atomic_write_text(target, "old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


@pytest.mark.parametrize("umask", [0o022, 0o077], ids=["022", "077"])
def test_written_files_and_folders_get_the_users_umask_not_0600(tmp_path, umask):
    """Reports and preserved holdouts are for people to read: the mode is what the umask allows."""
    previous = os.umask(umask)
    try:
        atomic_write_text(tmp_path / "report.html", "<html/>")
        with atomic_dir(tmp_path / "model") as staging:
            atomic_write_text(staging / "model.json", "{}")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "report.html").stat().st_mode) == 0o666 & ~umask
    assert stat.S_IMODE((tmp_path / "model").stat().st_mode) == 0o777 & ~umask
    assert stat.S_IMODE((tmp_path / "model" / "model.json").stat().st_mode) == 0o666 & ~umask


def test_writers_racing_for_one_folder_each_succeed_and_one_whole_folder_stays(tmp_path):
    """Tuning workers save the best model to one folder at once: removing the folder and then
    renaming another in let a second writer's rename meet the first's folder (CI: Directory not
    empty) or its removal meet a folder already gone."""
    target, writers, rounds = tmp_path / "best_model", 4, 25
    failures: list[BaseException] = []
    start = threading.Barrier(writers)

    def write(writer: int) -> None:
        for round_ in range(rounds):
            try:
                with atomic_dir(target) as staging:
                    for part in range(3):
                        (staging / f"part{part}").write_text(f"{writer} {round_}")
                    if round_ % 5 == 0:  # line the writers up now and then
                        start.wait(timeout=10)
            except BaseException as error:  # noqa: BLE001 - the test collects every writer's failure
                failures.append(error)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best_model"]  # nothing aside or staged is left
    contents = {(target / f"part{part}").read_text() for part in range(3)}
    assert len(contents) == 1 and sorted(p.name for p in target.iterdir()) == ["part0", "part1", "part2"]


def test_a_file_where_the_folder_goes_is_replaced(tmp_path):
    (tmp_path / "model").write_text("not a folder")
    with atomic_dir(tmp_path / "model") as staging:
        (staging / "model.json").write_text("{}")
    assert (tmp_path / "model" / "model.json").read_text() == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_a_failed_rename_puts_the_old_folder_back(tmp_path, monkeypatch):
    target = tmp_path / "model"
    with atomic_dir(target) as staging:
        (staging / "model.json").write_text("old")
    real_replace = os.replace

    def refuse(source, destination):
        if Path(destination) == target:
            raise PermissionError(13, "Permission denied")
        return real_replace(source, destination)

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PermissionError), atomic_dir(target) as staging:
        (staging / "model.json").write_text("new")
    assert (target / "model.json").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def _hold_lock(root: str, ready, release) -> None:
    with Workspace(root).lock("test holder"):
        ready.set()
        release.wait(10)


@pytest.fixture
def held_workspace(tmp_path):
    """A workspace whose lock another process holds until ``release`` is set."""
    ws = Workspace.create(tmp_path / "ws")
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(ws.root), ready, release))
    holder.start()
    try:
        assert ready.wait(20)
        yield ws, release
    finally:
        release.set()
        holder.join(10)


def test_second_writer_gets_workspace_busy(held_workspace):
    ws, release = held_workspace
    with pytest.raises(WorkspaceBusyError, match="test holder"), ws.lock():
        pass


def test_a_waiting_writer_gets_the_lock_when_the_holder_finishes(held_workspace):
    ws, release = held_workspace
    threading.Timer(0.5, release.set).start()
    with ws.lock("queued", wait=20):
        assert release.is_set()


def test_init_refuses_to_overwrite_without_force(tmp_path):
    Workspace.create(tmp_path)
    with pytest.raises(Exception, match="already exists"):
        Workspace.create(tmp_path)
    Workspace.create(tmp_path, force=True)


def test_stale_temporaries_of_a_killed_writer_are_removed(tmp_path):
    ws = Workspace.create(tmp_path / "ws")
    leftover = ws.root / "data" / ".features.parquet.abc.tmp"
    leftover.parent.mkdir(parents=True)
    leftover.write_text("half")
    assert ws.remove_stale_temporaries() == [leftover] and not leftover.exists()
    assert ws.config_path.is_file()


def test_staging_folders_and_temporary_folders_of_killed_writers_are_removed(tmp_path):
    """Issue 20: a kill during `train` left models/<name>/.staging-* behind (only .*.tmp files were removed),
    and atomic_dir's .*.tmp folders stayed too."""
    ws = Workspace.create(tmp_path / "ws")
    staging = ws.root / "models" / "fwd_ret_5-lightgbm" / ".staging-k2j3"
    (staging / "final").mkdir(parents=True)
    (staging / "final" / "model.json").write_text("{}")
    charts = ws.root / "predictions" / ".latest.x1y2.tmp"
    charts.mkdir(parents=True)
    (charts / "overview-1.png").write_bytes(b"png")
    kept = ws.root / "models" / "fwd_ret_5-lightgbm" / "v1"
    kept.mkdir()
    with ws.lock("test"):
        removed = ws.remove_stale_temporaries()
    assert sorted(removed) == sorted([staging, charts]) and not staging.exists() and not charts.exists()
    assert kept.is_dir() and ws.config_path.is_file()


def test_temporaries_newer_than_the_lock_are_left_alone(tmp_path):
    """Only what is older than this run is stale: a writer working without the lock keeps its files."""
    ws = Workspace.create(tmp_path / "ws")
    with ws.lock("test"):
        time.sleep(0.05)
        fresh = ws.root / "models" / "m" / ".staging-new"
        fresh.mkdir(parents=True)
        (ws.root / ".fresh.json.abc.tmp").write_text("x")
        assert ws.remove_stale_temporaries() == [] and fresh.is_dir()


def _register_killed_midway(root: str) -> None:
    """In a forked child: register a model version and SIGKILL the process while it fills the staging folder."""
    from alphaforge.models.registry import ModelRegistry

    def write(folder):
        (folder / "final").mkdir()
        (folder / "final" / "model.json").write_text("{}")
        os.kill(os.getpid(), signal.SIGKILL)

    workspace = Workspace(root)
    with workspace.lock("train"):
        ModelRegistry(workspace.subdir("models")).create("m", write)


def test_a_kill_while_a_version_is_staged_leaves_nothing_after_the_next_run_starts(tmp_path):
    ws = Workspace.create(tmp_path / "ws")
    child = multiprocessing.get_context("fork").Process(target=_register_killed_midway, args=(str(ws.root),))
    child.start()
    child.join(30)
    assert child.exitcode == -signal.SIGKILL
    assert [p.name[:9] for p in (ws.root / "models" / "m").iterdir()] == [".staging-"]
    with ws.lock("alphaforge run"):
        ws.remove_stale_temporaries()
    assert list((ws.root / "models" / "m").iterdir()) == []


def test_another_thread_waits_for_the_lock_or_is_refused(tmp_path):
    """Regression: the lock was re-entrant for the whole process, so a second thread (the live
    loop's background retrain) wrote while the first held it."""
    import threading

    workspace = Workspace.create(tmp_path / "ws")
    held, release, outcome = threading.Event(), threading.Event(), []

    def holder() -> None:
        with workspace.lock("holder"):
            with workspace.lock("nested"):  # re-entrant in the same thread
                held.set()
                release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(10)
    with pytest.raises(WorkspaceBusyError, match="another thread"):
        with workspace.lock("second"):
            outcome.append("entered while held")
    timer = threading.Timer(0.2, release.set)
    timer.start()
    with workspace.lock("second", wait=10):  # waits for the first thread, then holds the lock file itself
        outcome.append("after")
        assert "second" in (workspace.root / ".alphaforge.lock").read_text()
    thread.join()
    assert outcome == ["after"]


def _log_scale_figure():
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4, 3), layout="tight")
    axes = figure.subplots()
    axes.plot([1.0, 2.0, 3.0], [1.0, 10.0, 100.0])
    axes.set_yscale("log")  # its tick labels go through matplotlib's font lookup
    return figure


def test_a_written_png_leaves_nothing_of_its_caller_alive(tmp_path):
    # rendering leaves reference cycles through the frames it ran in; on the caller's thread each
    # held the caller's frame, and so its locals, until the collector's next full pass
    import gc
    import weakref

    class Data:
        pass

    def caller() -> weakref.ref:
        data = Data()
        atomic_write_png(_log_scale_figure(), tmp_path / "chart.png")
        return weakref.ref(data)

    atomic_write_png(_log_scale_figure(), tmp_path / "chart.png")  # matplotlib's first fonts and caches
    gc.collect()
    gc.disable()
    try:
        alive = [caller()() is not None for _ in range(3)]
    finally:
        gc.enable()
    assert alive == [False, False, False]
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]


def test_a_failed_png_raises_in_the_caller_and_leaves_no_file(tmp_path, monkeypatch):
    def savefig_then_fail(target, **_options):  # the disk fills half-way through the file
        Path(target).write_bytes(b"half a PNG")
        raise ValueError("no room")

    figure = _log_scale_figure()
    monkeypatch.setattr(figure, "savefig", savefig_then_fail)
    with pytest.raises(ValueError, match="no room"):
        atomic_write_png(figure, tmp_path / "chart.png")
    assert list(tmp_path.iterdir()) == []
