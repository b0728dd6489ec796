"""Filling the store from the caches: schema, the prediction table's guard, no recomputation."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import alphaforge.features.cache as feature_cache
import alphaforge.targets.cache as target_cache
from alphaforge.errors import InputError, MissingInputError
from alphaforge.store.db import connect
from alphaforge.store.fill import fill_store, locate_sources
from alphaforge.store.guard import check_prediction_columns, create_prediction_table
from alphaforge.store.matrix import read_training_matrix
from alphaforge.store.tables import KEY_COLUMNS, setup_id
from tests.store.conftest import TARGETS


@pytest.mark.parametrize("column", ["fwd_ret_5", "tb_10_1.0_1.0", "binary_abs_5_0.02", "anything__t1"])
def test_prediction_guard_rejects_targets_and_t1(column):
    with pytest.raises(InputError, match="cannot hold target or t1"):
        check_prediction_columns(["px_ret_1", column])
    check_prediction_columns(["px_ret_1", "ta_rsi_14", "macro_level_vix"])


def test_prediction_table_cannot_be_created_with_a_label(filled):
    with connect(filled, write=True) as connection:
        with pytest.raises(InputError, match="cannot hold target"):
            create_prediction_table(connection, 'SELECT setup_id, symbol, timestamp, event, "fwd_ret_5" FROM training')
        columns = [row[0] for row in connection.execute("DESCRIBE prediction").fetchall()]
    assert not [c for c in columns if c in TARGETS or c.endswith("__t1")]
    assert tuple(columns[:4]) == KEY_COLUMNS


def test_fill_reads_the_caches_and_never_computes(cached, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the fill recomputed instead of reading the cache")

    monkeypatch.setattr(feature_cache, "compute_features", refuse)
    monkeypatch.setattr(target_cache, "compute_target", refuse)
    result = fill_store(cached, TARGETS)
    sources = locate_sources(cached, TARGETS)
    keys = pd.read_parquet(sources.keys_file)
    labels = pd.concat([pd.read_parquet(p, columns=[t]) for t, p in sources.target_files.items()], axis=1)
    labelled = labels.notna().any(axis=1).to_numpy()
    assert result["training_rows"] == labelled.sum() and result["prediction_rows"] == (~labelled).sum()
    # values are the cached ones, bit for bit
    feature, path = next(iter(sources.feature_files.items()))
    cached_values = pq.read_table(path).column(0).to_numpy()[labelled]
    with connect(cached) as connection:
        stored = connection.execute(f'SELECT "{feature}" FROM training ORDER BY symbol, timestamp').df()[feature]
    np.testing.assert_array_equal(stored.to_numpy(), cached_values)
    assert len(keys) == result["training_rows"] + result["prediction_rows"]


def test_setup_ids_are_the_documented_text(filled):
    with connect(filled) as connection:
        rows = connection.execute("SELECT setup_id, symbol, timestamp FROM training USING SAMPLE 20 ROWS").df()
    assert [setup_id(s, t) for s, t in zip(rows["symbol"], rows["timestamp"], strict=True)] == rows["setup_id"].tolist()
    assert setup_id("AAPL", pd.Timestamp("2024-01-02 16:00", tz="America/New_York")) == "AAPL@2024-01-02T21:00:00Z"


def test_missing_cache_names_the_command_to_run(cached):
    with pytest.raises(MissingInputError, match="targets build fwd_ret_7"):
        fill_store(cached, ["fwd_ret_7"])


def test_events_become_setups_with_their_own_ids(cached):
    bars_times = pd.read_parquet(locate_sources(cached, TARGETS).keys_file).iloc[[100, 250, 900]]
    events = bars_times.assign(event=["breakout", "breakout", "reversal"])
    result = fill_store(cached, TARGETS, events=events)
    with connect(cached) as connection:
        ids = sorted(connection.execute("SELECT setup_id FROM training UNION ALL SELECT setup_id FROM prediction")
                     .df()["setup_id"])
    assert result["training_rows"] + result["prediction_rows"] == 3
    assert ids == sorted(setup_id(s, t, e) for s, t, e in events.itertuples(index=False))
    off_bar = events.assign(timestamp=events["timestamp"] + pd.Timedelta("1min"))
    with pytest.raises(InputError, match="fall on no bar"):
        fill_store(cached, TARGETS, events=off_bar)


def test_training_matrix_matches_the_caches(filled):
    matrix = read_training_matrix(filled, "fwd_ret_5", ["px_ret_1", "ta_rsi_14"])
    sources = locate_sources(filled, TARGETS)
    keys = pd.read_parquet(sources.keys_file)
    expected = pd.concat([keys, pd.read_parquet(sources.feature_files["px_ret_1"]),
                          pd.read_parquet(sources.target_files["fwd_ret_5"], columns=["fwd_ret_5"])], axis=1)
    expected = expected[expected["fwd_ret_5"].notna()].sort_values(["timestamp", "symbol"], kind="stable")
    # the matrix holds model inputs: the cached float64 values in single precision (models.base.INPUT_DTYPE)
    np.testing.assert_array_equal(matrix.X["px_ret_1"].to_numpy(), expected["px_ret_1"].to_numpy().astype(np.float32))
    np.testing.assert_array_equal(matrix.y, expected["fwd_ret_5"].to_numpy())
    assert list(matrix.X.index.get_level_values("timestamp")) == list(expected["timestamp"])
    assert str(matrix.t1.tz) == "UTC" and (matrix.t1 > matrix.X.index.get_level_values("timestamp")).all()


def test_predicting_setups_never_imports_targets():
    code = ("import sys, alphaforge.store.predict\n"
            "print(' '.join(m for m in sys.modules if m.startswith('alphaforge.targets')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_training_refuses_a_store_older_than_the_data_or_config(filled):
    read_training_matrix(filled, "fwd_ret_5")
    text = filled.config_path.read_text(encoding="utf-8")
    filled.config_path.write_text(text.replace('end = ""', 'end = "2020-12-31"', 1), encoding="utf-8")
    with pytest.raises(MissingInputError, match="out of date.*data changed") as error:
        read_training_matrix(filled, "fwd_ret_5")
    assert "alphaforge store fill" in error.value.fix
    filled.config_path.write_text(text, encoding="utf-8")
    assert len(read_training_matrix(filled, "fwd_ret_5").y) > 0


def test_a_damaged_cache_file_is_not_filled_into_the_store(cached):
    """Issue 20: store fill read the cache files without checking them: a changed feature file went
    into the training table. A file that fails its checksum counts as not cached."""
    sources = locate_sources(cached, TARGETS)
    path = next(iter(sources.feature_files.values()))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(MissingInputError, match="or damaged") as info:
        fill_store(cached, TARGETS)
    assert "features build" in info.value.fix and not cached.store_path.exists()
