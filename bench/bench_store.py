"""Store benchmark: restoring held-out setups vs recomputing their features, and reading the
training matrix from the store vs from the cached Parquet files.

Measured side by side in one run and printed with ratios, on synthetic hourly OHLCV panels
in throw-away workspaces:

1. Restore, on a small panel (20 x 5 000 bars) and on the large one below:
   ``holdout restore`` of 100 and of 10 000 setups (checksum check + one transaction)
   against the workflow it replaces, recomputing those setups from raw data: load the raw
   bars, compute the features and the labels, and write the setups' rows back into
   ``training`` in one transaction (ending in the same state, which the benchmark checks
   value by value). The feature computation alone is printed too. It runs over every
   symbol's whole history: a setup's features need its symbol's history before it and
   cross-sectional features every symbol's, so nothing smaller gives the same values.
   Goal: restore >= 100x faster.
2. Training matrix on the large panel, ``--symbols`` x ``--bars`` rows (default 50 x 20 000
   = 1 M) with the first 80 feature columns: ``read_training_matrix`` from the store against
   ``alphaforge.matrix.training_matrix`` before the store exists (raw bars, fingerprints,
   every feature a cache hit, targets from their cache), and against the bare floor of
   reading the cached Parquet files with pyarrow and joining them.

Times are wall clock, best of ``--repeat``, with this process's CPU time beside them; on a
shared machine CPU time below wall time means the difference was other work.

    .venv/bin/python bench/bench_store.py [--symbols 50] [--bars 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import warnings
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from alphaforge.data.datasets import load_bars, load_inputs, synthesize
from alphaforge.data.rawstore import content_sha256
from alphaforge.features import compute_features, resolve_features
from alphaforge.features.cache import FeatureCache
from alphaforge.matrix import training_matrix
from alphaforge.store.db import column_list, connect, transaction
from alphaforge.store.fill import CachedSources, fill_store, locate_sources
from alphaforge.store.holdout import create_holdout, preserve_setups, remove_setups, restore_preserved
from alphaforge.store.matrix import read_training_matrix
from alphaforge.store.setups import read_setup_file
from alphaforge.store.tables import SETUP_ID_SQL, TRAINING, columns_of
from alphaforge.targets import TargetCache, build_targets, compute_targets
from alphaforge.workspace import Workspace
from _timing import best_timed, timed
from _workspace import synthetic_workspace

TARGET = "fwd_ret_5"
N_FEATURES = 80


def _workspace(root: Path, symbols: int, bars: int) -> tuple[Workspace, list[str]]:
    """A workspace on a synthetic panel with the first 80 default features and the target cached."""
    names = [f.name for f in resolve_features("default")][:N_FEATURES]
    workspace = synthetic_workspace(root, features={"include": names})
    synthesize(workspace, symbols=symbols, bars=bars, freq="1h", seed=0)
    config = workspace.config()
    raw, macro = load_inputs(workspace, config)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        FeatureCache(workspace.features_dir).build(raw, macro, names)
    build_targets(raw, [TARGET], data_sha256=content_sha256(raw), cache=TargetCache(workspace.targets_dir))
    return workspace, names


def _line(label: str, timing: tuple[float, float]) -> str:
    return f"  {label:<58} {timing[0] * 1000:10.1f} ms  (cpu {timing[1] * 1000:8.1f} ms)"


def _ratio(label: str, slow: tuple[float, float], fast: tuple[float, float]) -> str:
    return f"  {label:<58} {slow[0] / fast[0]:10.2f} x  (cpu {slow[1] / fast[1]:7.2f} x)"


def _recompute_features(workspace: Workspace, names: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The raw bars and their features, computed from scratch: a setup's features need its symbol's
    history before it, and cross-sectional ones every symbol's, so nothing smaller gives the same values."""
    raw = load_bars(workspace, workspace.config())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return raw, compute_features(raw, None, names)


def _rebuild_rows(workspace: Workspace, names: list[str], ids: list[str]) -> None:
    """The workflow a restore replaces: recompute the setups' features and labels from raw data and
    write their rows back into ``training`` (and out of the holdout) in one transaction; keys, the
    join and the selection run in DuckDB, as ``store fill`` does them."""
    raw, features = _recompute_features(workspace, names)
    targets = compute_targets(raw, [TARGET])
    with workspace.lock("bench rebuild"), connect(workspace, write=True) as connection:
        connection.register("features_src", features)
        connection.register("targets_src", targets)
        connection.register("wanted", pd.DataFrame({"setup_id": ids}))
        bars = ("SELECT CAST(NULL AS VARCHAR) AS event, * FROM features_src "
                "JOIN targets_src USING (symbol, timestamp)")
        connection.execute(f"CREATE TEMP TABLE rebuilt AS SELECT * FROM (SELECT {SETUP_ID_SQL} AS setup_id, * "
                           f"FROM ({bars})) WHERE setup_id IN (SELECT setup_id FROM wanted)")
        with transaction(connection):
            connection.execute(f"INSERT INTO {TRAINING} SELECT {column_list(columns_of(connection, TRAINING))} "
                               "FROM rebuilt")
            connection.execute("DELETE FROM prediction WHERE setup_id IN (SELECT setup_id FROM rebuilt)")
            connection.execute("DELETE FROM holdouts WHERE setup_id IN (SELECT setup_id FROM rebuilt)")


def _check_same_rows(workspace: Workspace, preserved: Path) -> None:
    """Both ways must end with the preserved rows in training: the rebuild ran last, so check it."""
    expected = pd.read_parquet(preserved).sort_values("setup_id", ignore_index=True)
    with connect(workspace) as connection:
        connection.register("wanted", expected[["setup_id"]])
        stored = connection.execute(f"SELECT * FROM {TRAINING} WHERE setup_id IN (SELECT setup_id FROM wanted) "
                                    "ORDER BY setup_id").df()
    for frame in (stored, expected):  # an all-missing event column reads back as None or NaN
        frame["event"] = frame["event"].astype(object).where(frame["event"].notna(), None)
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False, rtol=1e-9)


def bench_restore(workspace: Workspace, names: list[str], folder: Path, repeat: int) -> None:
    """Restore 100 and 10 000 held-out setups against the two ways of recomputing them."""
    for count in (100, 10_000):
        setups = folder / f"setups_{count}.txt"
        create_holdout(workspace, setups, count=count, seed=count)
        preserved = Path(preserve_setups(workspace, setups)["preserved_file"])
        ids = read_setup_file(setups)
        def hold_out(path: Path = setups) -> None:  # every timed run starts with the setups held out
            remove_setups(workspace, path)

        restore = best_timed(lambda path=preserved: restore_preserved(workspace, path), repeat, before=hold_out)
        features = best_timed(lambda: _recompute_features(workspace, names), repeat)
        rebuild = best_timed(lambda wanted=ids: _rebuild_rows(workspace, names, wanted), repeat, before=hold_out)
        _check_same_rows(workspace, preserved)
        print(_line(f"restore {count:>6} setups (checksum + one transaction)", restore))
        print(_line("recompute features + labels from raw, write rows back", rebuild))
        print(_line("  of which: the features alone", features))
        print(_ratio("ratio (recompute + write back / restore)", rebuild, restore))
        print(_ratio("ratio (features alone / restore)", features, restore))


def _parquet_floor(sources: CachedSources) -> None:
    """Read the cached keys, feature and target files with pyarrow, join row-aligned, keep labelled rows."""
    table = pq.read_table(sources.keys_file)
    for path in sources.feature_files.values():
        part = pq.read_table(path)
        for name, column in zip(part.column_names, part.columns, strict=True):
            table = table.append_column(name, column)
    target = pq.read_table(sources.target_files[TARGET], columns=[TARGET])
    table.filter(pa.compute.is_valid(target.column(0))).to_pandas()


def bench_panel(folder: Path, symbols: int, bars: int, repeat: int, matrix: bool) -> None:
    """Build a panel's caches, (time the matrix both ways,) fill the store, time restores."""
    workspace, names = _workspace(folder, symbols=symbols, bars=bars)
    sources = locate_sources(workspace, [TARGET])  # now: a feature edit meanwhile must not move the files
    print(f"{symbols} symbols x {bars:,} bars = {symbols * bars:,} rows, {len(names)} features")
    if matrix:
        config = workspace.config()
        cached = best_timed(lambda: training_matrix(workspace, config, TARGET), repeat)
        floor = best_timed(lambda: _parquet_floor(sources), repeat)
    fill, _ = timed(lambda: fill_store(workspace, [TARGET]))
    print(f"  store.duckdb {workspace.store_path.stat().st_size / 2**20:,.0f} MiB, filled once in {fill:.1f} s")
    if matrix:
        read = read_training_matrix(workspace, TARGET)
        stored = best_timed(lambda: read_training_matrix(workspace, TARGET), repeat)
        print(f"  training matrix: {read.X.shape[0]:,} rows x {read.X.shape[1]} features")
        print(_line("store: read_training_matrix", stored))
        print(_line("cached Parquet: training_matrix (no store)", cached))
        print(_line("cached Parquet: pyarrow read + join floor", floor))
        print(_ratio("ratio (training_matrix from Parquet / store)", cached, stored))
        print(_ratio("ratio (Parquet floor / store)", floor, stored))
    bench_restore(workspace, names, folder, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=50, help="symbols in the matrix panel")
    parser.add_argument("--bars", type=int, default=20_000, help="bars per symbol in the matrix panel")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best is kept)")
    parser.add_argument("--small-only", action="store_true", help="only the small panel (quick)")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="bench_store_") as folder:
        print("1. Small panel: restore vs recompute")
        bench_panel(Path(folder) / "small", 20, 5_000, args.repeat, matrix=False)
        if not args.small_only:
            print("2. Large panel: training matrix from the store vs the cached Parquet; restore vs recompute")
            bench_panel(Path(folder) / "large", args.symbols, args.bars, args.repeat, matrix=True)


if __name__ == "__main__":
    main()
