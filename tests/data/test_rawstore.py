"""The raw store is immutable: same content is a no-op, new content needs replace, old versions stay."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from alphaforge.data.rawstore import RawStore, content_sha256
from alphaforge.errors import AlphaForgeError, InputError, MissingInputError


def _bars(close: float = 1.0) -> pd.DataFrame:
    ts = pd.date_range("2021-01-01", periods=3, freq="1h", tz="UTC")
    return pd.DataFrame({"symbol": "A", "timestamp": ts, "close": [close, 2.0, 3.0]})


def test_same_content_twice_is_a_noop(tmp_path):
    store = RawStore(tmp_path)
    first, created = store.write("d", _bars(), kind="bars", source="t")
    again, created_again = store.write("d", _bars(), kind="bars", source="t")
    assert created and not created_again and first == again
    assert len(store.manifest("d")["versions"]) == 1


def test_different_content_needs_replace_and_keeps_the_old_version(tmp_path):
    store = RawStore(tmp_path)
    old, _ = store.write("d", _bars(), kind="bars", source="t")
    with pytest.raises(InputError, match="already exists with different content"):
        store.write("d", _bars(5.0), kind="bars", source="t")
    new, created = store.write("d", _bars(5.0), kind="bars", source="t", replace=True)
    assert created and new.version != old.version
    assert (tmp_path / "d" / old.version / "data.parquet").is_file()
    assert store.load("d")["close"].iloc[0] == 5.0
    manifest = json.loads((tmp_path / "d" / "manifest.json").read_text())
    assert [v["version"] for v in manifest["versions"]] == [old.version, new.version]
    assert manifest["current"] == new.version


def test_manifest_records_sha_rows_symbols_range(tmp_path):
    version, _ = RawStore(tmp_path).write("d", _bars(), kind="bars", source="t")
    assert version.rows == 3 and version.keys == ["A"] and version.content_sha256 == content_sha256(_bars())
    assert version.start == "2021-01-01T00:00:00+00:00" and version.end == "2021-01-01T02:00:00+00:00"


def test_tampered_file_is_detected(tmp_path):
    store = RawStore(tmp_path)
    version, _ = store.write("d", _bars(), kind="bars", source="t")
    _bars(9.0).to_parquet(tmp_path / "d" / version.version / "data.parquet")
    with pytest.raises(AlphaForgeError, match="does not match its manifest"):
        store.load("d")


def test_missing_dataset_names_the_command(tmp_path):
    with pytest.raises(MissingInputError) as info:
        RawStore(tmp_path).load("nope")
    assert "alphaforge data demo" in str(info.value)


def test_content_hash_ignores_parquet_encoding_but_not_values():
    a = _bars()
    assert content_sha256(a) == content_sha256(a.copy())
    assert content_sha256(a) != content_sha256(_bars(1.0 + 1e-12))


def test_a_manifest_that_is_not_utf8_is_a_clear_error(tmp_path):
    """Issue 20: a non-UTF-8 manifest raised UnicodeDecodeError (only JSONDecodeError was caught)."""
    store = RawStore(tmp_path)
    store.write("d", _bars(), kind="bars", source="t")
    (tmp_path / "d" / "manifest.json").write_bytes(b"\xff\xfe{}")
    with pytest.raises(AlphaForgeError, match="manifest"):
        store.load("d")


def test_a_manifest_version_pointing_outside_the_dataset_is_refused(tmp_path):
    """A path read from a file is confined too: a version of '../other/v1' would read another dataset."""
    store = RawStore(tmp_path)
    store.write("d", _bars(), kind="bars", source="t")
    store.write("other", _bars(9.0), kind="bars", source="t")
    manifest = json.loads((tmp_path / "d" / "manifest.json").read_text())
    other = store.current("other").version
    manifest["versions"][0]["version"] = manifest["current"] = f"../other/{other}"
    (tmp_path / "d" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="points outside"):
        store.load("d", verify=False)
