"""The workspace configuration (``alphaforge.toml``) as validated, typed models.

Every default lives here, once. ``alphaforge init`` renders these models into a commented TOML
file, so the file a user edits always spells out every key with its default and meaning.
Loading validates once; a bad value raises :class:`InputError` naming the key, the value
received and what is allowed.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import tomlkit
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    model_validator,
)

from alphaforge.choices import FAMILY_NAMES
from alphaforge.errors import InputError
from alphaforge.names import name_problem
from alphaforge.timestamps import to_duration, to_utc

if TYPE_CHECKING:  # the config loads without pandas: the CLI's help and version never need it
    import pandas as pd

CONFIG_FILENAME = "alphaforge.toml"


def _parse_duration(value: Any) -> str:
    """Accept '36h', '1D', '45 days', '15min'; store the normalised pandas spelling."""
    try:
        delta = to_duration(value, "duration")
    except InputError:
        raise ValueError(f"{value!r} is not a duration; use e.g. '1D', '36h', '15min'") from None
    if delta.total_seconds() < 0:
        raise ValueError(f"{value!r} is negative; durations must be >= 0")
    return str(value)


Duration = Annotated[str, BeforeValidator(_parse_duration)]


def _plain_name(value: str) -> str:
    """A name that becomes a folder name (see :mod:`alphaforge.names`); "" (none) passes."""
    problem = name_problem(value) if value else None
    if problem is not None:
        raise ValueError(problem)
    return value


def _date(value: str) -> str:
    """A date or time the data is cut at, checked here so a bad one stops the load, not a run; "" passes."""
    if value:
        try:
            to_utc(value, "date")
        except InputError as exc:
            raise ValueError(f"{value!r} is not a date; use an ISO-8601 date or time, e.g. 2021-01-01") from exc
    return value


Name = Annotated[str, AfterValidator(_plain_name)]
Date = Annotated[str, AfterValidator(_date)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True, frozen=True, defer_build=True)


class DataSection(_Section):
    """Which imported data the pipeline uses."""

    dataset: Name = Field("sp500", description="raw dataset (see `alphaforge data list`) the pipeline trains on")
    macro: Name = Field("macro", description="raw macro dataset joined as-of to the bars; \"\" for none")
    symbols: list[str] = Field(default_factory=list, description="symbols to use; empty = all in the dataset")
    start: Date = Field("", description="first timestamp to use (ISO date), \"\" = from the beginning")
    end: Date = Field("", description="last timestamp to use (ISO date), \"\" = to the end")


class MacroSeriesSection(_Section):
    """Publication timing of one macro series."""

    lag: Duration = Field(description="time between an observation's date and its publication")
    max_staleness: Duration = Field(description="after this long without a new value the series is missing")


class MacroSection(_Section):
    """As-of alignment of macro series onto bars."""

    default_lag: Duration = Field("1D", description="publication lag for series not listed under [macro.series]")
    default_max_staleness: Duration = Field("10D", description="staleness limit for series not listed")
    series: dict[str, MacroSeriesSection] = Field(
        default_factory=dict,
        description="per-series overrides, e.g. [macro.series.core_cpi] lag = \"45D\" max_staleness = \"80D\"",
    )


class DownloadSection(_Section):
    """Downloaders: endpoints and retry policy."""

    binance_url: str = Field("https://api.binance.com", description="base URL of the Binance REST API")
    fred_url: str = Field("https://fred.stlouisfed.org", description="base URL of FRED (CSV downloads)")
    timeout_s: float = Field(30.0, gt=0, description="seconds before an HTTP request times out")
    max_retries: int = Field(5, ge=0, le=20, description="retries on timeouts, 5xx and 429 before giving up")


class FeaturesSection(_Section):
    """The feature set: names, groups (ta, px, vol, xs, macro, cal) or glob patterns."""

    include: list[str] = Field(default_factory=lambda: ["default"],
                               description="features to compute: 'default', group names, names or patterns")
    exclude: list[str] = Field(default_factory=list, description="features to leave out (names or patterns)")


DEFAULT_CANDIDATE_TARGETS: tuple[str, ...] = (
    "fwd_ret_1", "fwd_ret_5", "fwd_ret_20", "fwd_volret_5_50", "binary_abs_5_0.02", "binary_outperf_5_ew",
    "multi_class_5_3_250", "tb_10_1.0_1.0", "y_will_swing_low_10_1.00", "y_will_swing_high_10_1.00",
)


class SelectionSection(_Section):
    """Target ranking, feature selection with leakage checks, routing and the training plan."""

    targets: list[str] = Field(default_factory=lambda: list(DEFAULT_CANDIDATE_TARGETS),
                               description="candidate targets that `targets rank` scores")
    top_n_targets: int = Field(10, ge=1, description="targets kept: the best N that beat the shuffled-label baseline")
    n_splits: int = Field(4, ge=2, le=20, description="purged walk-forward folds of every quick model")
    embargo: int = Field(5, ge=0, description="bars left out before each test window, besides purging on t1")
    shuffles: int = Field(2, ge=1, le=20, description="shuffled-label baseline fits per fold")
    min_z: float = Field(3.0, gt=0, description="edge over the shuffled-label baseline, in noise units, to pass")
    max_rows: int = Field(60_000, ge=1_000, description="rows the quick models use at most (every k-th timestamp)")
    top_k_features: int = Field(20, ge=1, description="features kept per target (method top_k)")
    method: Literal["top_k", "threshold"] = Field(
        "top_k", description="top_k: the K best cluster representatives; threshold: those with MDA > min_importance")
    min_importance: float = Field(0.0, description="out-of-sample MDA (skill lost when permuted) to keep (threshold)")
    correlation_threshold: float = Field(0.9, gt=0, le=1, description="|Spearman| at which features share a cluster")
    max_single_feature_skill: float = Field(
        0.5, gt=0, le=1, description="single-feature out-of-sample skill (rank corr. or 2*AUC-1) flagged as a leak")
    copy_correlation: float = Field(0.95, gt=0, le=1,
                                    description="|Spearman| with the (shifted) unknown target flagged as a copy")
    copy_max_shift: int = Field(5, ge=0, le=100, description="target shifts (bars, both ways) checked for copies")
    truncation_check: StrictBool = Field(True, description="truncation test (`check leakage`) before target ranking; "
                                                     "failing features are left out of ranking and selection")
    min_rows_per_symbol: int = Field(500, ge=50, description="labelled rows a symbol needs for its own model")
    routing_margin: float = Field(0.01, ge=0, description="skill a per-symbol model must add over the pooled one")
    families: list[str] = Field(default_factory=lambda: ["lightgbm", "xgboost"],
                                description="model families the training plan trains per job")
    gpu_families: list[str] = Field(default_factory=lambda: ["lstm"],
                                    description="families trained in the second (GPU) stage; the rest go first")


class TuningSection(_Section):
    """Hyperparameter search (`alphaforge tune`), extended cross-validation (`cv`) and `analyze`."""

    enabled: StrictBool = Field(False, description="`alphaforge run` includes tune -> cv -> analyze")
    family: str = Field("lightgbm", description="model family tuned (see `alphaforge models families`)")
    target: str = Field("fwd_ret_5", description="target the models learn (a name from `alphaforge targets list`)")
    metric: Literal["auto", "ic", "mse", "sharpe", "accuracy", "log_loss", "auc"] = Field(
        "auto", description="CV score: auto = ic for regression targets, log_loss for class targets")
    random_trials: int = Field(10, ge=0, description="phase 1: random exploration trials")
    bayes_trials: int = Field(20, ge=0, description="phase 2: multivariate TPE trials")
    fine_trials: int = Field(10, ge=0, description="phase 3: TPE trials in the space narrowed around the best")
    narrow_top: int = Field(5, ge=1, description="best trials whose parameter ranges define the narrowed space")
    timeout_s: float = Field(0.0, ge=0, description="stop tuning after this many seconds; 0 = no limit")
    pruner: Literal["median", "hyperband", "none"] = Field("median", description="stops hopeless trials after a fold: median, hyperband or none")
    n_splits: int = Field(4, ge=2, le=20, description="purged walk-forward folds scoring each trial")
    embargo: int = Field(5, ge=0, description="bars left out before each test window, besides purging on t1")
    max_rows: int = Field(20_000, ge=0, description="rows tuning and cv use at most (every k-th timestamp, whole "
                                                     "cross-sections); 0 = all")
    n_jobs: int = Field(1, ge=1, description="trials run in parallel threads by one process")
    storage: str = Field("", description="SQLAlchemy URL of the study storage; \"\" = sqlite in tuning/<study>/")
    checkpoints: int = Field(3, ge=0, description="models of the top-k trials saved under tuning/<study>/checkpoints")
    top_n: int = Field(3, ge=1, description="`cv`: best tuned configurations re-trained with more folds")
    cv_splits: int = Field(8, ge=2, le=50, description="`cv`: walk-forward folds (cpcv: number of groups)")
    cv_scheme: Literal["walk-forward", "cpcv"] = Field("walk-forward", description="`cv`: walk-forward or cpcv")
    cv_iterations: int = Field(0, ge=0, description="`cv`: rounds/epochs for families that have them; "
                                                    "0 = the trial's own")


class ModelsSection(_Section):
    """Training: the default target and model family, the validation split, the device."""

    target: str = Field("fwd_ret_5", description="target trained when `train` gets no --target (fwd_ret_5: the "
                                                  "simple return over the next 5 bars, a week of daily bars)")
    family: str = Field("lightgbm", description=f"model family: {', '.join(FAMILY_NAMES)}")
    validation_fraction: float = Field(0.2, gt=0, lt=1,
                                       description="last share of the timestamps held out for early stopping")
    early_stopping_rounds: int = Field(100, ge=1, description="rounds (epochs) without validation improvement "
                                                              "before stopping")
    min_rounds: int = Field(100, ge=0, description="rounds (epochs) every model trains at least, whatever early "
                                                   "stopping says (a model of two trees is not a result)")
    stopping_metric: Literal["auto", "ic", "loss"] = Field(
        "auto", description="what early stopping watches: ic = mean per-timestamp rank IC, loss = the training "
                            "loss; auto = ic for regression on panels, else loss (log loss for classes)")
    label_transform: Literal["auto", "rank", "zscore", "none"] = Field(
        "auto", description="labels transformed per timestamp before fitting (metrics keep the raw label): "
                            "rank or zscore across symbols; auto = rank for regression on panels, else none")
    feature_transform: Literal["auto", "rank", "none"] = Field(
        "auto", description="features as their rank across symbols at each timestamp (xsr_<feature> columns); "
                            "auto = rank on panels, else none")
    market_features: Literal["auto", "exclude", "include"] = Field(
        "auto", description="features equal for every symbol on a bar (macro, calendar) can only time the "
                            "market; auto = exclude them from panel models, include them for one symbol")
    min_cross_section: int = Field(3, ge=2, description="symbols per timestamp (median) that make the data a "
                                                        "panel, ranked across symbols")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="auto (GPU when usable), cpu, or cuda "
                                                                         "(falls back to CPU with a notice)")


class TrackingSection(_Section):
    """Experiment tracking with MLflow (a SQLite store inside the workspace)."""

    enabled: StrictBool = Field(True, description="record every train/tune/CV/backtest run in mlruns.db")
    experiment: Name = Field("alphaforge", description="MLflow experiment name when --experiment-name is not given")


class ValidationSection(_Section):
    """Walk-forward cross-validation: the folds whose out-of-sample predictions feed the backtest."""

    n_splits: int = Field(5, ge=2, le=50, description="walk-forward test windows (each refits on all earlier data)")
    embargo: int = Field(0, ge=0, description="bars dropped before each test window beyond purging on label times")
    max_train_rows: int = Field(0, ge=0, description="rows a fold trains on at most (most recent kept); 0 = all")
    edge_t: float = Field(2.0, gt=0, description="t-statistic of the out-of-sample IC a model needs for the run "
                                                 "to say it has an edge (below: \"no edge\")")
    n_quantiles: int = Field(5, ge=2, le=20, description="score quantiles of the tear sheet (mean return by "
                                                        "quantile, top-minus-bottom spread, turnover)")


class PredictSection(_Section):
    """What `alphaforge predict` scores; its signals follow [backtest] rule, so a live signal is the
    position the backtest would take on that bar."""

    bars: int = Field(256, ge=1, description="recent bars per symbol `alphaforge predict` scores by default, "
                                             "counted back from each symbol's own last bar")
    band: float = Field(0.05, ge=0, lt=0.5, description="rule = threshold, classifiers: long above 0.5 + band, "
                                                        "short below 0.5 - band (probability of the up class)")


class BacktestSection(_Section):
    """The backtest of `alphaforge run` and `alphaforge backtest`."""

    strategy: str = Field("model", description="model (walk-forward predictions), trend_baseline, mean_reversion")
    rule: Literal["auto", "quantile", "rolling", "top_k", "threshold"] = Field(
        "auto", description="scores to positions, for the backtest and `alphaforge predict`: auto (quantile on "
                            "a panel, [models] min_cross_section, else rolling), quantile, rolling, top_k, threshold "
                            "(fixed levels)")
    quantile: float = Field(0.2, gt=0, le=0.5, description="quantile: share of the scored symbols long (top) "
                                                            "and short (bottom), at least one name")
    k: int = Field(3, ge=1, description="top_k: symbols long (and short) at each bar")
    window: int = Field(250, ge=2, description="rolling: past scores of a symbol its thresholds come from")
    upper: float = Field(0.8, gt=0, lt=1, description="rolling: long above this quantile of the past scores")
    lower: float = Field(0.2, gt=0, lt=1, description="rolling: short (when allowed) below this quantile")
    min_periods: int = Field(50, ge=1, description="rolling: past scores needed before any position (flat "
                                                   "until then)")
    direction: Literal["long_only", "long_short", "short_only"] = Field("long_only", description="which sides trade")
    sizing: Literal["equal", "probability"] = Field("equal", description="equal weights, or scaled by |2p - 1|")
    fees_bps: float = Field(10.0, ge=0, description="fees in basis points of traded value")
    slippage_bps: float = Field(5.0, ge=0, description="slippage in basis points of traded value")
    benchmark: Literal["buy_and_hold", "equal_weight"] = Field("buy_and_hold", description="what the strategy is "
                                                                                            "compared with")

    @model_validator(mode="after")
    def _rolling_bounds(self) -> BacktestSection:
        """The rolling rule's quantiles in order and its warm-up within its window."""
        if self.lower > self.upper:
            raise ValueError(f"lower = {self.lower} is above upper = {self.upper}; set lower <= upper")
        if self.min_periods > self.window:
            raise ValueError(f"min_periods = {self.min_periods} is more than window = {self.window}; set "
                             "min_periods <= window")
        return self


_CRITERION = re.compile(r"\s*([A-Za-z_]\w*)\s*(>=|<=|≥|≤)\s*([-+]?(?:\d+\.?\d*|\.\d+))\s*(%?)\s*")


def parse_criterion(text: str) -> tuple[str, str, float]:
    """An acceptance criterion as (metric, ``>=`` or ``<=``, bound); a percentage is a fraction.

    >>> parse_criterion("r2 ≥ 70 %")
    ('r2', '>=', 0.7)
    """
    match = _CRITERION.fullmatch(str(text))
    if match is None:
        raise ValueError(f"{text!r} is not a criterion; write METRIC >= NUMBER or METRIC <= NUMBER, e.g. 'r2 >= 0.7'")
    metric, direction, number, percent = match.groups()
    return metric, {"≥": ">=", "≤": "<="}.get(direction, direction), float(number) / (100 if percent else 1)


def _criterion(value: str) -> str:
    parse_criterion(value)
    return value


class AcceptanceSection(_Section):
    """Pass/fail criteria `train` reports, like the seeds' 'Signal R² >= 70 %'."""

    criteria: list[Annotated[str, AfterValidator(_criterion)]] = Field(
        default_factory=list, description="bounds on the best model's validation metrics, e.g. [\"r2 >= 0.7\", "
                                          "\"ic >= 2%\", \"log_loss <= 0.65\"] (rmse, mae, r2, ic, pooled_ic, "
                                          "hit_rate, log_loss, accuracy, auc, brier)")


class NoveltySection(_Section):
    """The novelty gate and drift report saved with every trained model (`alphaforge.novelty`).
    Named ``novelty``, not ``live``: the live loop's own settings are a section of their own."""

    method: Literal["di"] = Field("di", description="di: the dissimilarity index, a row's distance to its nearest "
                                                    "training rows over the training rows' mean pairwise distance")
    threshold: float = Field(1.0, gt=0, description="rows whose DI is above this are flagged novel (1: as far from "
                                                    "the nearest training row as two typical training rows are "
                                                    "from each other)")
    neighbours: int = Field(1, ge=1, le=100, description="nearest training rows whose mean distance is a row's DI")
    reference_rows: int = Field(20_000, ge=100, le=200_000,
                                description="training rows (a seeded sample) distances are measured to, saved "
                                            "with the model")
    psi_bins: int = Field(10, ge=2, le=100, description="bins of the drift report's PSI, cut at the training "
                                                       "window's quantiles")


def _retrain_every(value: str) -> str:
    """``""`` (never), a number of bars (``"500"``) or a duration (``"30D"``)."""
    text = str(value).strip()
    if text and not text.isdigit():
        _parse_duration(text)
    if text.isdigit() and int(text) < 1:
        raise ValueError(f"{value!r} bars: retrain every 1 bar or more, or \"\" for never")
    return text


class LiveSection(_Section):
    """`alphaforge live`: keep the model predicting as bars arrive (`alphaforge.live`)."""

    source: Literal["replay", "folder", "binance"] = Field(
        "replay", description="where new bars come from: replay (recorded history bar by bar, no network), folder "
                              "(CSV/Parquet files you add to [live] folder), binance (the resumable downloader)")
    replay_dataset: Name = Field("", description="replay: the stored dataset replayed; \"\" = [data] dataset")
    folder: str = Field("", description="folder: the folder of CSV/Parquet bar files, read like `data import`")
    pairs: list[str] = Field(default_factory=list, description="binance: pairs to poll; empty = the model's symbols")
    interval: str = Field("1h", description="binance: candle interval")
    start: Date = Field("", description="first bar time that gets a signal (earlier bars are warm-up); \"\" = "
                                        "replay: after [data] end; folder, binance: each symbol's newest bar on")
    poll: Duration = Field("1min", description="wait between iterations (--interval)")
    history_bars: int = Field(256, ge=1, description="bars per symbol the prediction dataset keeps beyond the "
                                                     "features' warm-up (seed 002: the last 256-512 hours)")
    retrain_every: Annotated[str, AfterValidator(_retrain_every)] = Field(
        "", description="retrain after this many new bars (\"500\") or this long in bar time (\"30D\"); \"\" = never")
    window: Literal["expanding", "rolling"] = Field(
        "expanding", description="rows a retrain learns from: all until then, or the last window_length")
    window_length: Duration = Field("365D", description="rolling: the span of bar time a retrain learns from")
    continue_rounds: int = Field(
        50, ge=0, description="rounds a retrain adds to the model it replaces instead of training from scratch "
                              "(families that can: lightgbm, xgboost; others always start over); 0 = from scratch")
    full_refit_every: int = Field(6, ge=1, description="every Nth retrain trains from scratch, so old trees do not "
                                                       "stay forever (1 = always from scratch)")
    retrain_in_background: StrictBool = Field(
        True, description="folder/binance: retrain in a thread while predictions go on, the new model taking "
                          "over once registered; a replay always retrains in line, as the as-live backtest assumes")
    retrain_on_drift: StrictBool = Field(False, description="also retrain when more than drift_share of the last "
                                                            "drift_rows scored rows were flagged novel")
    drift_share: float = Field(0.5, gt=0, le=1, description="share of novel rows that triggers a drift retrain")
    drift_rows: int = Field(100, ge=1, description="scored rows the drift trigger and drift report look at")
    max_model_age: Duration = Field("0D", description="bar time since the model's last training row after which "
                                                      "it is expired; 0D = never")
    on_expired: Literal["warn", "refuse"] = Field(
        "warn", description="an expired model: warn (signals as usual) or refuse (rows logged without a signal)")
    chart: StrictBool = Field(True, description="redraw live/<name>/chart.png after each iteration with new bars")


class Config(_Section):
    """The whole workspace configuration."""

    seed: int = Field(0, description="seed for every random choice (splits, models, sampling)")
    data: DataSection = Field(default_factory=DataSection, description="input data")
    macro: MacroSection = Field(default_factory=MacroSection, description="macro alignment")
    download: DownloadSection = Field(default_factory=DownloadSection, description="downloaders")
    features: FeaturesSection = Field(default_factory=FeaturesSection, description="feature set")
    models: ModelsSection = Field(default_factory=ModelsSection, description="model training")
    tracking: TrackingSection = Field(default_factory=TrackingSection, description="experiment tracking")
    selection: SelectionSection = Field(default_factory=SelectionSection,
                                        description="target ranking, feature selection, plans")
    tuning: TuningSection = Field(default_factory=TuningSection, description="tune -> cv -> analyze")
    validation: ValidationSection = Field(default_factory=ValidationSection, description="walk-forward CV")
    predict: PredictSection = Field(default_factory=PredictSection, description="scores to signals")
    backtest: BacktestSection = Field(default_factory=BacktestSection, description="backtest")
    acceptance: AcceptanceSection = Field(default_factory=AcceptanceSection, description="acceptance criteria")
    novelty: NoveltySection = Field(default_factory=NoveltySection, description="novelty gate and drift report")
    live: LiveSection = Field(default_factory=LiveSection, description="the live loop")

    def macro_timing(self, series: str) -> tuple[pd.Timedelta, pd.Timedelta]:
        """(lag, max staleness) for one macro series, falling back to the defaults."""
        spec = self.macro.series.get(series)
        if spec is None:
            return (to_duration(self.macro.default_lag, "macro.default_lag"),
                    to_duration(self.macro.default_max_staleness, "macro.default_max_staleness"))
        return to_duration(spec.lag, f"macro.series.{series}.lag"), to_duration(spec.max_staleness,
                                                                             f"macro.series.{series}.max_staleness")


def _allowed(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Names of the keys allowed at ``loc`` (for "did you mean" hints)."""
    current: Any = model
    for part in loc[:-1]:
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        annotation = field.annotation
        current = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
        if current is None:
            return []
    return list(getattr(current, "model_fields", {}))


def _config_error(exc: ValidationError, source: str) -> InputError:
    first = exc.errors()[0]
    key = ".".join(str(p) for p in first["loc"])
    if first["type"] == "extra_forbidden":
        allowed = _allowed(Config, first["loc"])
        guess = difflib.get_close_matches(str(first["loc"][-1]), allowed, n=1)
        hint = f"did you mean '{guess[0]}'? " if guess else ""
        return InputError(f"unknown key '{key}'", where=source,
                          fix=f"{hint}allowed keys here: {', '.join(allowed)}")
    return InputError(f"bad value for '{key}': {first.get('input')!r} ({first['msg']})", where=source,
                      fix=f"set '{key}' to an allowed value; `alphaforge init --print` shows every default")


def parse_config(data: dict[str, Any], source: str = CONFIG_FILENAME) -> Config:
    """Validate a config mapping (e.g. parsed TOML)."""
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise _config_error(exc, source) from None


def load_config(path: Path) -> Config:
    """Read and validate ``alphaforge.toml``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no configuration file", where=str(path),
                         fix=f"run `alphaforge init {path.parent}` to create a workspace") from None
    except OSError as exc:  # unreadable: no permission, a folder in its place, ...
        raise InputError(f"cannot read the configuration file: {exc.strerror or exc}", where=str(path),
                         fix="make it a file you can read (check its permissions)") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text: byte {exc.object[exc.start]:#04x} at offset {exc.start}", where=str(path),
                         fix="save it as UTF-8, or re-create it with `alphaforge init --force`") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", where=str(path), fix="fix the syntax, or re-create it with "
                         "`alphaforge init --force`") from None
    return parse_config(data, str(path))


def _render_section(model: BaseModel, table: Any) -> None:
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if not isinstance(value, (BaseModel, dict)):  # a key, after its description
            if field.description:
                table.add(tomlkit.comment(field.description))
            table.add(name, value)
            continue
        sub = tomlkit.table()
        sub.add(tomlkit.comment(field.description or name))
        if isinstance(value, BaseModel):
            _render_section(value, sub)
        else:  # a dict of models: one sub-table each
            for key, item in value.items():
                inner = tomlkit.table()
                _render_section(item, inner)
                sub.add(key, inner)
        table.add(name, sub)


def render_config(config: Config | None = None) -> str:
    """The config as commented TOML: every key, its value and what it means."""
    config = config or Config()
    doc = tomlkit.document()
    doc.add(tomlkit.comment("AlphaForge workspace configuration. Every key is shown with its default."))
    doc.add(tomlkit.comment("Durations use pandas spellings: '1D', '36h', '15min'."))
    doc.add(tomlkit.nl())
    _render_section(config, doc)
    return tomlkit.dumps(doc)
