"""The leak gate: features failing the truncation test never reach target ranking, and the verdict is on disk."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from alphaforge.errors import InputError
from alphaforge.features import FeatureRegistry
from alphaforge.selection import dataset, leakage
from alphaforge.selection.auto import leak_flags, run_selection_stages
from alphaforge.selection.leakage import LEAK_FLAGS_SCHEMA
from alphaforge.workspace import Workspace
from tests.selection.conftest import LEAKY, LEAKY_5, WORKSPACE_FEATURES, configure


@pytest.fixture
def leaky_workspace(planted_workspace: Workspace) -> Workspace:
    configure(planted_workspace, [*WORKSPACE_FEATURES, LEAKY, LEAKY_5], targets=["fwd_ret_5", "fwd_ret_1"],
              n_splits=3, shuffles=1)
    return planted_workspace


def test_ranking_never_sees_a_feature_that_fails_the_truncation_test(
        leaky_workspace: Workspace, registry: FeatureRegistry, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []

    def spy(features: pd.DataFrame, *args: Any, **kwargs: Any) -> Any:
        seen.append(list(features.columns))
        return target_data(features, *args, **kwargs)

    target_data = dataset.target_data  # each candidate's rows, built from the features ranking sees
    monkeypatch.setattr(dataset, "target_data", spy)  # the stage imports it when it runs
    result = run_selection_stages(leaky_workspace, until="target_ranking", registry=registry)
    leakage = result["leakage_check"]
    assert leakage["excluded"] == [LEAKY, LEAKY_5]
    assert {f["check"] for f in leakage["flagged"]} == {"truncation"}
    assert len(seen) == 2  # one per candidate
    assert all(LEAKY not in columns and LEAKY_5 not in columns and "px_ret_6" in columns for columns in seen)
    ranking = {row["target"]: row for row in result["target_ranking"]["ranking"]}
    # px_peek_5 is fwd_ret_5 itself: ranked on it, fwd_ret_5 scores an IC near 1.
    assert ranking["fwd_ret_5"]["skill"] < 0.3 and ranking["fwd_ret_1"]["skill"] < 0.3
    assert result["target_ranking"]["selected"][0] == "fwd_ret_1"  # the planted target, found honestly


def test_the_verdict_is_written_to_plans_leakage(leaky_workspace: Workspace, registry: FeatureRegistry) -> None:
    summary = run_selection_stages(leaky_workspace, until="leakage_check", registry=registry)["leakage_check"]
    folder = leaky_workspace.root / "plans" / "leakage"
    document = json.loads((folder / "leakage_flags.json").read_text())
    assert summary["path"] == "plans/leakage/leakage_flags.json"
    assert document["schema"] == LEAK_FLAGS_SCHEMA and document["enabled"] is True
    assert document["excluded"] == [LEAKY, LEAKY_5] and len(document["columns"]) == summary["checked"]
    assert document["flagged"] == summary["flagged"]
    report = (folder / "leakage_flags.md").read_text()
    assert "2 of" in report and f"| {LEAKY} | truncation |" in report


def test_leak_flags_gates_a_feature_list_and_is_cached(leaky_workspace: Workspace, registry: FeatureRegistry,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    config = leaky_workspace.config()
    assert [f.feature for f in leak_flags(leaky_workspace, config, ["px_ret_1", LEAKY], registry=registry)] == [LEAKY]

    def fail(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the truncation test ran again on unchanged inputs")

    monkeypatch.setattr(leakage, "truncation_flags", fail)  # the stage imports it when it runs
    assert [f.feature for f in leak_flags(leaky_workspace, config, ["px_ret_1", LEAKY], registry=registry)] == [LEAKY]
    with pytest.raises(InputError, match="px_nonsense_3"):
        leak_flags(leaky_workspace, config, ["px_ret_1", "px_nonsense_3"], registry=registry)


def test_the_check_can_be_turned_off_and_says_so(leaky_workspace: Workspace, registry: FeatureRegistry) -> None:
    configure(leaky_workspace, [*WORKSPACE_FEATURES, LEAKY], truncation_check=False)
    assert leak_flags(leaky_workspace, registry=registry) == []
    folder = leaky_workspace.root / "plans" / "leakage"
    assert json.loads((folder / "leakage_flags.json").read_text())["enabled"] is False
    assert "turned off" in (folder / "leakage_flags.md").read_text()
