"""Workspace-level data operations: what `alphaforge data ...` does, callable from a notebook.

Each function takes a :class:`~alphaforge.workspace.Workspace`, writes through the raw store
under the workspace lock, and returns a plain dict the CLI prints (or emits as JSON).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import tomlkit

from alphaforge.config import Config, parse_config
from alphaforge.data._recent import Recent
from alphaforge.data.importers import ImportOptions, import_path
from alphaforge.data.macro import align_macro
from alphaforge.data.rawstore import RawStore, RawVersion
from alphaforge.data.schema import KEY_COLUMN
from alphaforge.data.summary import summarise_dataset, summarise_rows
from alphaforge.errors import InputError
from alphaforge.names import check_name
from alphaforge.workspace import Workspace, atomic_write_text


def raw_store(workspace: Workspace) -> RawStore:
    """The workspace's raw store."""
    return RawStore(workspace.raw_dir)


def _stored(name: str, version: RawVersion, created: bool, notices: list[str]) -> dict[str, Any]:
    return {"dataset": name, "created": created, "version": version.version, "rows": version.rows,
            "keys": version.keys, "start": version.start, "end": version.end,
            "content_sha256": version.content_sha256, "notices": notices}


def store_frame(workspace: Workspace, name: str, frame: pd.DataFrame, *, kind: str, source: str,
                replace: bool = False, notices: list[str] | None = None,
                extra: dict[str, Any] | None = None, use: bool = False) -> dict[str, Any]:
    """Write a frame into the raw store under the workspace lock; ``use`` points the pipeline at it
    (:func:`use_dataset`), else a notice says how when the config names another dataset."""
    notices = list(notices or [])
    with workspace.lock(f"data import {name}"):
        version, created = raw_store(workspace).write(name, frame, kind=kind, source=source,  # type: ignore[arg-type]
                                                      replace=replace, extra=extra)
        key = "dataset" if kind == "bars" else "macro"
        if use:
            notices.append(f"the pipeline now reads {use_dataset(workspace, name)} = \"{name}\" (alphaforge.toml)")
        elif (configured := _configured(workspace, key)) not in (None, name):
            notices.append(f"the pipeline reads [data] {key} = \"{configured}\", not '{name}': pass --use, or set "
                           f"[data] {key} = \"{name}\" in alphaforge.toml, to work on it")
    return _stored(name, version, created, notices)


def _configured(workspace: Workspace, key: str) -> str | None:
    """``[data] <key>`` of the workspace's config; None when the config does not load (importing data
    does not need it, and the command that does will name the problem)."""
    try:
        return str(getattr(workspace.config().data, key))
    except InputError:
        return None


def use_dataset(workspace: Workspace, name: str) -> str:
    """Point the pipeline at stored dataset ``name``: ``[data] dataset`` for bars, ``[data] macro``
    for macro series, written into alphaforge.toml with the rest of the file (comments too) kept;
    returns the key set. The caller holds the workspace lock."""
    key = "dataset" if raw_store(workspace).kind(name) == "bars" else "macro"
    workspace.config()  # a config that does not load is named before it is edited
    document = tomlkit.parse(workspace.config_path.read_text(encoding="utf-8"))
    if "data" not in document:
        document["data"] = tomlkit.table()
    document["data"][key] = name  # type: ignore[index]
    text = tomlkit.dumps(document)
    parse_config(tomllib.loads(text), str(workspace.config_path))
    atomic_write_text(workspace.config_path, text)
    return f"[data] {key}"


def import_file(workspace: Workspace, path: Path, *, name: str | None = None,
                options: ImportOptions | None = None, replace: bool = False, use: bool = False) -> dict[str, Any]:
    """Import a user's CSV/Parquet file or folder as dataset ``name`` (default: the file's stem);
    ``use`` points the pipeline at it."""
    options = options or ImportOptions()
    dataset = check_name(name or Path(path).name.split(".")[0], where="--name")  # before reading the file
    frame, report = import_path(Path(path), options)
    return store_frame(workspace, dataset, frame, kind=options.kind, source=str(Path(path).resolve()),
                       replace=replace, notices=report.notices, use=use)


def timing_for(config: Config, manifest: dict[str, Any]) -> Callable[[str], tuple[pd.Timedelta, pd.Timedelta]]:
    """Publication timing per macro series: the config's override, else the dataset's recommendation,
    else the config defaults."""
    recommended = manifest.get("timing", {})

    def timing(series: str) -> tuple[pd.Timedelta, pd.Timedelta]:
        if series not in config.macro.series and series in recommended:
            entry = recommended[series]
            return pd.Timedelta(entry["lag"]), pd.Timedelta(entry["max_staleness"])
        return config.macro_timing(series)

    return timing


def source_key(workspace: Workspace, config: Config) -> dict[str, Any]:
    """What the configured bars and aligned macro are made of, read from the manifests alone: the
    raw versions' content sha256 and the config's ``[data]`` and ``[macro]`` sections. Stage keys
    use it, so recognising a cached stage never loads the data."""
    store = raw_store(workspace)
    versions = {name: store.current(name).content_sha256 for name in (config.data.dataset, config.data.macro) if name}
    return {"data": config.data.model_dump(), "macro": config.macro.model_dump(), "versions": versions}


def _bars_request(workspace: Workspace, config: Config, symbols: list[str] | None) -> tuple[RawStore, list[str] | None]:
    """The raw store and the symbols to read (None: all) of the configured bars dataset; a dataset of
    macro series or an unknown symbol is refused."""
    store = raw_store(workspace)
    dataset = config.data.dataset
    if store.kind(dataset) != "bars":
        raise InputError(f"dataset '{dataset}' holds macro series, not bars", where="alphaforge.toml: data.dataset",
                         fix="set data.dataset to a bars dataset (see `alphaforge data list`)")
    wanted = symbols or config.data.symbols or None
    if wanted:
        known = store.current(dataset).keys
        unknown = sorted(set(wanted) - set(known))
        if unknown:
            raise InputError(f"unknown symbol(s) {unknown} in dataset '{dataset}'",
                             fix=f"choose from: {', '.join(sorted(known))}")
    return store, wanted


def _date_range(config: Config) -> tuple[int | None, int | None]:
    """The configured ``[data] start``/``end`` as UTC nanoseconds (None: open)."""
    return tuple(int(pd.Timestamp(value, tz="UTC").value) if value else None  # type: ignore[return-value]
                 for value in (config.data.start, config.data.end))


def load_bars(workspace: Workspace, config: Config | None = None, *,
              symbols: list[str] | None = None) -> pd.DataFrame:
    """The configured dataset's bars, filtered by the config's symbols and date range."""
    config = config or workspace.config()
    store, wanted = _bars_request(workspace, config, symbols)
    bars = store.load(config.data.dataset)
    if wanted:
        bars = bars[bars["symbol"].isin(wanted)]
    if config.data.start:
        bars = bars[bars["timestamp"] >= pd.Timestamp(config.data.start, tz="UTC")]
    if config.data.end:
        bars = bars[bars["timestamp"] <= pd.Timestamp(config.data.end, tz="UTC")]
    return bars.reset_index(drop=True)


def load_recent_bars(workspace: Workspace, config: Config | None = None, *, symbols: list[str] | None = None,
                     rows: int = 0, since: pd.Timestamp | None = None,
                     span: pd.Timedelta | None = None) -> pd.DataFrame:
    """Each symbol's recent bars of :func:`load_bars` (same filters, same order and values), read
    without the rest of the history: its bars from a cut-off on and the ``rows`` bars before it.

    The cut-off is ``since``, else ``span`` before the symbol's own last bar, else after its last
    bar (so: its last ``rows`` bars). Prediction reads so the warm-up its features need.
    """
    config = config or workspace.config()
    store, wanted = _bars_request(workspace, config, symbols)
    dataset = config.data.dataset
    start, end = _date_range(config)
    want = Recent(rows=rows, since_ns=None if since is None else int(pd.Timestamp(since).value),
                  span_ns=None if span is None else int(pd.Timedelta(span).value), start_ns=start, end_ns=end)
    return store.load_recent(dataset, wanted or store.current(dataset).keys, want)


def load_aligned_macro(workspace: Workspace, bars: pd.DataFrame, config: Config | None = None, *,
                       recent: bool = False) -> pd.DataFrame | None:
    """The configured macro series aligned as-of to ``bars`` (None when no macro dataset is set).

    ``recent`` reads only the macro rows the alignment can use, those published from just before
    the first bar on (the same values: every bar takes a series' last value published by its time).
    """
    config = config or workspace.config()
    if not config.data.macro:
        return None
    store = raw_store(workspace)
    timing = timing_for(config, store.manifest(config.data.macro))
    if recent and len(bars):
        series = store.current(config.data.macro).keys
        lag = max((timing(name)[0] for name in series), default=pd.Timedelta(0))
        since = pd.Timestamp(bars["timestamp"].min()) - max(lag, pd.Timedelta(0))
        macro = store.load_recent(config.data.macro, series, Recent(rows=1, since_ns=int(since.value)))
    else:
        macro = store.load(config.data.macro)
    return align_macro(bars, macro, timing)


def list_datasets(workspace: Workspace) -> dict[str, Any]:
    """Every stored dataset with its current version's summary."""
    store = raw_store(workspace)
    rows = []
    for name in store.names():
        manifest = store.manifest(name)
        version = store.current(name)
        rows.append({"dataset": name, "kind": manifest["kind"], "version": version.version, "rows": version.rows,
                     "keys": len(version.keys), "start": version.start, "end": version.end,
                     "versions": len(manifest["versions"]), "source": version.source})
    return {"datasets": rows}


def show_key(workspace: Workspace, key: str, *, dataset: str | None = None) -> dict[str, Any]:
    """Summary of one symbol (or macro series), searched in ``dataset`` or in every dataset."""
    store = raw_store(workspace)
    names = [dataset] if dataset else store.names()
    for name in names:
        version = store.current(name)
        if key in version.keys:
            frame = store.load(name)
            column = KEY_COLUMN[store.kind(name)]
            summary = summarise_rows(frame[frame[column] == key], column, key)
            return {"dataset": name, **summary}
    known = sorted({k for n in names for k in store.current(n).keys})
    raise InputError(f"no symbol or series '{key}' in {', '.join(names) or 'the workspace'}",
                     fix=f"choose from: {', '.join(known[:40])}" if known else "import data first: "
                         "`alphaforge data demo`")


def describe_dataset(workspace: Workspace, name: str) -> dict[str, Any]:
    """Per-symbol summaries of a whole dataset."""
    store = raw_store(workspace)
    column = KEY_COLUMN[store.kind(name)]
    return {"dataset": name, "summaries": summarise_dataset(store.load(name), column)}


DEFAULT_DEMO_SETS = ("sp500", "macro")


def import_bundled(workspace: Workspace, name: str) -> dict[str, Any]:
    """Import a bundled real-data set under its own name; macro sets carry their publication timing."""
    from alphaforge.data.bundled import get_bundled, load_bundled

    spec = get_bundled(name)
    extra: dict[str, Any] = {"bundled": name, "frequency": spec.frequency}
    if spec.kind == "macro":
        extra["timing"] = {s.name: {"lag": str(s.publication_lag), "max_staleness": str(s.max_staleness)}
                           for s in spec.series}
    return store_frame(workspace, name, load_bundled(spec), kind=spec.kind, source=f"bundled:{name}", extra=extra)


def synthesize(workspace: Workspace, *, name: str = "synth", replace: bool = False, use: bool = False,
               **spec: Any) -> dict[str, Any]:
    """Generate a synthetic market (see :class:`alphaforge.data.synthetic.SynthSpec`) into the raw store;
    ``use`` points the pipeline at it."""
    from alphaforge.data.synthetic import SynthSpec, describe_planted, generate_bars

    synth_spec = SynthSpec(**spec)
    result = store_frame(workspace, name, generate_bars(synth_spec), kind="bars", source=f"synth:{synth_spec}",
                         replace=replace, extra={"synthetic": {k: str(v) for k, v in spec.items()}}, use=use)
    if synth_spec.mode == "planted":
        result["planted"] = describe_planted(synth_spec)
    return result


DownloadProgress = Callable[[str, float], None]


def download(workspace: Workspace, source: str, *, pairs: list[str] | None = None, series: list[str] | None = None,
             interval: str = "1h", start: str = "2021-01-01", end: str | None = None, name: str | None = None,
             on_progress: DownloadProgress | None = None, use: bool = False) -> dict[str, Any]:
    """Download bars (``binance``) or macro series (``fred``, ``yahoo``) and store them.

    Re-running a Binance download resumes after the last stored bar of each pair: only newer
    bars are fetched, appended, and stored as a new version (the previous version is kept).
    """
    from alphaforge.data import download as dl

    if name is not None:
        check_name(name, where="--name")  # refused before the download, not after it
    config = workspace.config().download
    client = dl.HttpClient(policy=dl.RetryPolicy(timeout=config.timeout_s, max_retries=config.max_retries))
    store = raw_store(workspace)
    if source == "binance":
        if not pairs:
            raise InputError("no pairs given", fix="pass --pairs, e.g. --pairs BTCUSDT ETHUSDT")
        dataset = name or f"binance_{interval}"
        existing = store.load(dataset) if dataset in store.names() else None
        resume = ({str(s): t for s, t in existing.groupby("symbol")["timestamp"].max().items() if s in pairs}
                  if existing is not None else None)
        fresh = dl.download_binance(pairs, interval, start, end, base_url=config.binance_url, resume_from=resume,
                                    client=client,
                                    progress=(lambda pair, done, rows: on_progress(pair, done)) if on_progress
                                    else None)
        frame = pd.concat([existing, fresh], ignore_index=True) if existing is not None else fresh
        kind = "bars"
    elif source in ("fred", "yahoo"):
        if not series:
            raise InputError("no series given", fix="pass --series, e.g. --series VIXCLS DGS10 (FRED) or SPY ^VIX "
                                                    "(Yahoo)")
        dataset = name or source
        fetch = dl.download_fred if source == "fred" else dl.download_yahoo
        base_url = config.fred_url if source == "fred" else dl.YAHOO_BASE_URL
        frame = fetch(series, start, end, base_url=base_url, client=client)
        if on_progress:
            on_progress(source, 1.0)
        existing = store.load(dataset) if dataset in store.names() else None
        if existing is not None:
            frame = (pd.concat([existing[~existing["series"].isin(frame["series"].unique())], frame],
                               ignore_index=True))
        kind = "macro"
    else:
        raise InputError(f"unknown download source {source!r}", fix="use one of: binance, fred, yahoo")
    if frame.empty:
        raise InputError(f"the {source} download returned no data", fix="check the symbols and the date range")
    return store_frame(workspace, dataset, frame, kind=kind, source=f"download:{source}", replace=True, use=use)


def load_inputs(workspace: Workspace, config: Config | None = None, *,
                symbols: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The configured bars and the macro series aligned to them: what every feature computation reads."""
    config = config or workspace.config()
    bars = load_bars(workspace, config, symbols=symbols)
    return bars, load_aligned_macro(workspace, bars, config)
