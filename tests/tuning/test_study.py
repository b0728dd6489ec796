"""The study storage: workers opening one new SQLite database at once never fail on its set-up."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import optuna

from alphaforge.tuning.study import open_storage


def test_a_new_sqlite_study_opens_while_another_worker_writes_to_it(tmp_path: Path):
    """The first worker to open a new database switches it to the write-ahead log; SQLite refuses
    the switch at once, not after its busy wait, while another worker writes. The switch used to run
    as each connection opened, so a worker's first query failed with 'database is locked' (CI: the
    tuning study on two workers). Now it is retried until the writer is done."""
    database = tmp_path / "study.db"
    url = f"sqlite:///{database}"
    open_storage(url).engine.dispose()  # tables made; the journal mode is set, so undo it below
    other = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    other.execute("PRAGMA journal_mode=DELETE")  # as a database that another worker has just created
    other.execute("BEGIN IMMEDIATE")  # another worker writing
    done = threading.Timer(1.0, other.execute, ("COMMIT",))
    done.start()
    try:
        storage = open_storage(url)
        optuna.create_study(storage=storage, study_name="s")
    finally:
        done.join()
        other.close()
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert optuna.study.get_all_study_names(storage) == ["s"]
