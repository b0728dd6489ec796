"""The holdout cycle in the library: create, preserve, remove, restore, and what training sees."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alphaforge.errors import InputError
from alphaforge.store.db import connect
from alphaforge.store.fill import fill_store
from alphaforge.store.holdout import create_holdout, preserve_setups, remove_setups, restore_preserved
from alphaforge.store.matrix import read_training_matrix
from alphaforge.store.setups import read_setup_file
from alphaforge.workspace import file_sha256
from tests.store.conftest import TARGETS


def _table(workspace, name):
    with connect(workspace) as connection:
        return connection.execute(f"SELECT * FROM {name} ORDER BY setup_id").df()


def _counts(workspace):
    with connect(workspace) as connection:
        return {t: connection.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                for t in ("training", "prediction", "holdouts", "preserved")}


def test_create_is_reproducible_and_filters(filled, tmp_path):
    a = create_holdout(filled, tmp_path / "a.txt", count=50, seed=7)
    b = create_holdout(filled, tmp_path / "b.txt", count=50, seed=7)
    c = create_holdout(filled, tmp_path / "c.txt", count=50, seed=8)
    ids = read_setup_file(tmp_path / "a.txt")
    assert a["count"] == 50 and len(ids) == 50 and ids == read_setup_file(tmp_path / "b.txt")
    assert ids != read_setup_file(tmp_path / "c.txt") and b["seed"] == 7 and c["seed"] == 8
    create_holdout(filled, tmp_path / "d.txt", symbols=["JPM"], start="2019-03-01", end="2019-03-31")
    dated = read_setup_file(tmp_path / "d.txt")
    assert dated[0] == "JPM@2019-03-01T21:00:00Z" and dated[-1] == "JPM@2019-03-29T20:00:00Z"
    assert len(dated) == 21
    with pytest.raises(InputError, match="--count"):
        create_holdout(filled, tmp_path / "e.txt")
    with pytest.raises(InputError, match="match"):
        create_holdout(filled, tmp_path / "e.txt", count=10**7)


@pytest.mark.parametrize(("bounds", "option"), [({"start": "not a date"}, "--from"), ({"end": "2021-13-45"}, "--to")])
def test_create_names_the_option_holding_a_bad_date(filled, tmp_path, bounds, option):
    with pytest.raises(InputError, match="is not a date") as error:
        create_holdout(filled, tmp_path / "h.txt", **bounds)
    assert error.value.where == option and not (tmp_path / "h.txt").exists()


def test_round_trip_is_exact_and_restore_twice_changes_nothing(filled, tmp_path):
    before = _table(filled, "training")
    predictions_before = _table(filled, "prediction")
    create_holdout(filled, tmp_path / "h.txt", count=100, seed=1)
    ids = read_setup_file(tmp_path / "h.txt")
    preserved = preserve_setups(filled, tmp_path / "h.txt")
    manifest = json.loads(Path(preserved["manifest"]).read_text())
    assert manifest["count"] == 100 and manifest["sha256"] == file_sha256(preserved["preserved_file"])
    assert manifest["sources"]["data_fingerprint"] and set(manifest["targets"]) == set(TARGETS)
    removed = remove_setups(filled, tmp_path / "h.txt")
    assert removed["removed"] == 100 and len(_table(filled, "training")) == len(before) - 100
    # the prediction rows are the preserved features, without labels
    holdout_rows = _table(filled, "prediction").set_index("setup_id").loc[sorted(ids)]
    assert not [c for c in holdout_rows.columns if c in TARGETS or c.endswith("__t1")]
    original = before.set_index("setup_id").loc[sorted(ids), holdout_rows.columns]
    pd.testing.assert_frame_equal(holdout_rows, original, check_exact=True)
    assert remove_setups(filled, tmp_path / "h.txt")["removed"] == 0  # already held out
    first = restore_preserved(filled, preserved["preserved_file"])
    assert first["restored"] == 100
    pd.testing.assert_frame_equal(_table(filled, "training"), before, check_exact=True)
    pd.testing.assert_frame_equal(_table(filled, "prediction"), predictions_before, check_exact=True)
    state = _counts(filled)
    second = restore_preserved(filled, preserved["preserved_file"])
    assert second["restored"] == 0 and second["already_in_training"] == 100 and _counts(filled) == state
    pd.testing.assert_frame_equal(_table(filled, "training"), before, check_exact=True)


def test_remove_refuses_setups_not_preserved(filled, tmp_path):
    create_holdout(filled, tmp_path / "h.txt", count=20, seed=3)
    state = _counts(filled)
    with pytest.raises(InputError, match="not preserved first"):
        remove_setups(filled, tmp_path / "h.txt")
    assert _counts(filled) == state
    (tmp_path / "bad.txt").write_text("# made by hand\nNOPE@2020-01-01T00:00:00Z\n")
    with pytest.raises(InputError, match="not in the"):
        preserve_setups(filled, tmp_path / "bad.txt")


def test_restore_refuses_a_file_whose_checksum_differs(filled, tmp_path):
    create_holdout(filled, tmp_path / "h.txt", count=30, seed=4)
    path = preserve_setups(filled, tmp_path / "h.txt")["preserved_file"]
    remove_setups(filled, tmp_path / "h.txt")
    state = _counts(filled)
    data = bytearray(Path(path).read_bytes())
    data[len(data) // 2] ^= 0xFF
    Path(path).write_bytes(bytes(data))
    with pytest.raises(InputError, match="checksum mismatch") as error:
        restore_preserved(filled, path)
    assert error.value.fix and "intact copy" in error.value.fix
    assert _counts(filled) == state


@pytest.mark.parametrize("manifest", ['{"sha256": ', "[1, 2]", '{"count": 30}'])
def test_restore_refuses_a_corrupt_manifest(filled, tmp_path, manifest):
    create_holdout(filled, tmp_path / "h.txt", count=30, seed=4)
    path = Path(preserve_setups(filled, tmp_path / "h.txt")["preserved_file"])
    remove_setups(filled, tmp_path / "h.txt")
    state = _counts(filled)
    path.with_suffix(".json").write_text(manifest)
    with pytest.raises(InputError, match="manifest") as error:
        restore_preserved(filled, path)
    assert error.value.where == str(path.with_suffix(".json")) and "copy" in error.value.fix
    assert _counts(filled) == state


def test_held_out_setups_never_reach_training_even_after_a_refill(filled, tmp_path):
    create_holdout(filled, tmp_path / "h.txt", count=80, seed=5)
    held = set(read_setup_file(tmp_path / "h.txt"))
    path = preserve_setups(filled, tmp_path / "h.txt")["preserved_file"]
    remove_setups(filled, tmp_path / "h.txt")
    for target in TARGETS:
        assert not held & set(read_training_matrix(filled, target).setup_ids)
    fill_store(filled, TARGETS)  # a refill keeps the holdout out
    matrix = read_training_matrix(filled, "fwd_ret_5")
    assert not held & set(matrix.setup_ids)
    assert _counts(filled)["holdouts"] == 80
    restore_preserved(filled, path)
    assert held <= set(read_training_matrix(filled, "fwd_ret_5").setup_ids)


def test_training_entry_point_reads_the_store_without_the_holdout(filled, tmp_path):
    from alphaforge.matrix import training_matrix

    config = filled.config()
    before = training_matrix(filled, config, "fwd_ret_5")
    create_holdout(filled, tmp_path / "h.txt", count=50, seed=6)
    preserve_setups(filled, tmp_path / "h.txt")
    remove_setups(filled, tmp_path / "h.txt")
    after = training_matrix(filled, config, "fwd_ret_5")
    held = {tuple(i.split("@")) for i in read_setup_file(tmp_path / "h.txt")}
    keys = {(s, t.strftime("%Y-%m-%dT%H:%M:%SZ")) for s, t in after.X.index}
    labelled_held = sum(1 for s, t in held if (s, t) in
                        {(a, b.strftime("%Y-%m-%dT%H:%M:%SZ")) for a, b in before.X.index})
    assert not held & keys and len(after.y) == len(before.y) - labelled_held
    assert after.feature_names == before.feature_names and after.task == "regression"


def test_training_matrix_is_the_same_from_the_store_and_from_the_caches(cached):
    from alphaforge.matrix import training_matrix

    config = cached.config()
    for target in ("fwd_ret_5", "tb_10_1.0_1.0"):
        from_caches = training_matrix(cached, config, target)
        fill_store(cached, TARGETS)
        from_store = training_matrix(cached, config, target)
        pd.testing.assert_frame_equal(from_store.X, from_caches.X, check_exact=True)
        np.testing.assert_array_equal(from_store.y, from_caches.y)
        pd.testing.assert_index_equal(from_store.t1, from_caches.t1)
        pd.testing.assert_index_equal(from_store.timestamps, from_caches.timestamps)
        assert (from_store.task, from_store.data_fingerprint, from_store.feature_fingerprint) == \
            (from_caches.task, from_caches.data_fingerprint, from_caches.feature_fingerprint)
        cached.store_path.unlink()


def test_a_holdout_change_reruns_the_stages_that_read_the_store(filled, tmp_path):
    """Regression: after holdout remove, `run` reported every stage cached and served the model
    trained on the held-out setups too (the stage keys ignored the store's contents)."""
    from alphaforge.pipeline.runner import pipeline_stages
    from alphaforge.stages import stage_key
    from alphaforge.tracking import NullTracker

    def keys() -> dict[str, str]:
        config, found = filled.config(), {}
        for stage in pipeline_stages(filled, config, NullTracker()):
            found[stage.name] = stage_key(stage, stage.params(config), {r: found[r] for r in stage.requires
                                                                        if r in found})
        return found

    before = keys()
    create_holdout(filled, tmp_path / "h.txt", count=20, seed=8)
    preserve_setups(filled, tmp_path / "h.txt")
    remove_setups(filled, tmp_path / "h.txt")
    after = keys()
    assert before["features"] == after["features"]
    assert before["walk_forward"] != after["walk_forward"] and before["train"] != after["train"]


def _pickled(path):
    import pickle

    return pickle.dumps({"rows": [1, 2, 3]})


def _extension_typed(path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    class Pickled(pa.ExtensionType):
        def __init__(self):
            super().__init__(pa.binary(), "test.pickled")

        def __arrow_ext_serialize__(self):
            return b""

        @classmethod
        def __arrow_ext_deserialize__(cls, storage_type, serialized):
            return cls()

    pa.register_extension_type(Pickled())
    try:
        table = pq.read_table(path)
        storage = pa.array([b"x"] * table.num_rows, pa.binary())
        table = table.append_column("payload", pa.ExtensionArray.from_storage(Pickled(), storage))
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        return sink.getvalue().to_pybytes()
    finally:
        pa.unregister_extension_type("test.pickled")


@pytest.mark.parametrize("forge", [_pickled, _extension_typed])
def test_restore_refuses_what_is_not_a_plain_parquet_even_with_a_matching_checksum(filled, tmp_path, forge):
    """Regression (issue 20): a pickle (or a pickled extension type) in place of a preserved holdout,
    with its manifest's sha256 updated to match, ended in ArrowInvalid / a DuckDB BinderException."""
    import hashlib
    import json

    create_holdout(filled, tmp_path / "h.txt", count=30, seed=4)
    path = Path(preserve_setups(filled, tmp_path / "h.txt")["preserved_file"])
    remove_setups(filled, tmp_path / "h.txt")
    state = _counts(filled)
    forged = forge(path)
    path.write_bytes(forged)
    manifest_file = path.with_suffix(".json")
    manifest = json.loads(manifest_file.read_text())
    manifest["sha256"] = hashlib.sha256(forged).hexdigest()
    manifest_file.write_text(json.dumps(manifest))
    with pytest.raises(InputError) as error:
        restore_preserved(filled, path)
    assert "preserve" in (error.value.fix or "")
    assert _counts(filled) == state
