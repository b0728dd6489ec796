"""Routing: a homogeneous market pools; symbols with opposite signals get their own models."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from alphaforge.config import SelectionSection
from alphaforge.data.synthetic import SynthSpec, generate_bars
from alphaforge.selection.routing import (
    CANDIDATE_COLUMNS,
    route_target,
    route_targets,
    write_routing_plan,
)
from alphaforge.targets import compute_targets
from tests.selection.conftest import feature_table

COLUMNS = ["px_ret_1", "px_ret_3", "px_ret_6", "px_rvol_24"]


def test_a_homogeneous_market_is_routed_to_one_pooled_model(planted_tables: tuple[pd.DataFrame, pd.DataFrame],
                                                            settings: SelectionSection) -> None:
    features, targets = planted_tables
    route = route_target(features, targets, "fwd_ret_1", COLUMNS, settings)
    assert route.route == "cross_sectional"
    assert route.symbol_specific_symbols == [] and len(route.cross_sectional_symbols) == 6
    assert route.pooled_skill > 0.03
    assert (route.candidates["decision"] == "cross_sectional").all()
    assert route.candidates["reason"].str.contains("does not beat pooled").all()


@pytest.fixture(scope="module")
def opposite_signals() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three momentum symbols and three reversal symbols: a pooled model averages the signs away."""
    momentum = generate_bars(SynthSpec(symbols=3, bars=3000, mode="planted", lookback=6, ic=0.2, seed=1))
    reversal = generate_bars(SynthSpec(symbols=3, bars=3000, mode="planted", lookback=6, ic=-0.2, seed=2))
    reversal["symbol"] = reversal["symbol"].str.replace("SYN", "REV")
    bars = pd.concat([reversal, momentum], ignore_index=True)  # REV.. sorts before SYN..
    return feature_table(bars, ",".join(COLUMNS)), compute_targets(bars, ["fwd_ret_1"])


def test_symbols_with_opposite_signals_get_their_own_models(opposite_signals: tuple[pd.DataFrame, pd.DataFrame],
                                                            settings: SelectionSection) -> None:
    route = route_target(*opposite_signals, "fwd_ret_1", COLUMNS, settings)
    print(route.candidates.to_string())
    assert route.route in ("symbol_specific", "both")
    assert len(route.symbol_specific_symbols) >= 4
    chosen = route.candidates[route.candidates["decision"] == "symbol_specific"]
    assert (chosen["own_skill"] - chosen["pooled_skill"] > chosen["threshold"]).all()


def test_too_little_data_keeps_a_symbol_on_the_pooled_model(opposite_signals: tuple[pd.DataFrame, pd.DataFrame],
                                                            settings: SelectionSection) -> None:
    strict = settings.model_copy(update={"min_rows_per_symbol": 5000})
    route = route_target(*opposite_signals, "fwd_ret_1", COLUMNS, strict)
    assert route.route == "cross_sectional"
    assert route.candidates["reason"].str.contains("too few for its own model").all()


def test_the_routing_plan_files(planted_tables: tuple[pd.DataFrame, pd.DataFrame], settings: SelectionSection,
                                tmp_path) -> None:
    features, targets = planted_tables
    plan = route_targets(features, targets, {"fwd_ret_1": COLUMNS, "fwd_ret_5": []}, settings)
    paths = write_routing_plan(plan, tmp_path)
    assert [p.name for p in paths] == ["routing_plan.json", "routing_plan.yaml", "routing_plan.md",
                                       "routing_candidates.parquet"]
    content = yaml.safe_load(paths[1].read_text())
    assert list(content["targets"]) == ["fwd_ret_1"]  # a target without selected features has no route
    assert content["targets"]["fwd_ret_1"]["route"] == "cross_sectional"
    candidates = pd.read_parquet(paths[3])
    assert list(candidates.columns) == CANDIDATE_COLUMNS and len(candidates) == 6
    assert "| fwd_ret_1 | cross_sectional |" in paths[2].read_text()
