"""Every artifact owner passes the same checks: what it saves it loads back, the file records its
schema, and a file it cannot use — damaged, not UTF-8, of another schema or a newer version, or
missing a field — is an InputError naming the file and the command that rebuilds it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alphaforge import artifacts
from alphaforge.artifacts import (
    Artifact,
    BestConfig,
    ChartJob,
    CodeVersions,
    ExtendedResults,
    LiveState,
    MetaModelCard,
    MetaTrainingResults,
    ModelCard,
    NoveltyGateFile,
    RoutingPlanFile,
    StageManifest,
    TargetRef,
    TimeRange,
    TrainingPlanFile,
    TrainingResults,
    TrialResults,
    VerifiedOutputs,
    VerifiedParquet,
    WalkForwardFolds,
    read_json,
)
from alphaforge.artifacts.verified import ByteRange, CodeVersion, FileStamp, SourceStamp
from alphaforge.errors import InputError, MissingInputError

RANGE = TimeRange(start="2024-01-01T00:00:00+00:00", end="2024-06-28T00:00:00+00:00")
SAMPLES: dict[type[Artifact], Artifact] = {
    ModelCard: ModelCard(stage="train", created="2024-07-01T00:00:00+00:00", family="ridge", task="regression",
                         params={"alpha": 1.0}, seed=0, target=TargetRef(name="fwd_ret_5", kind="fwd_ret",
                                                                         params={"horizon": 5}),
                         features=["px_ret_1"], symbols=["A", "B"], scope="cross_sectional", training_range=RANGE,
                         data_fingerprint="f" * 64),
    TrainingResults: TrainingResults(rows=10, split={"train_rows": 8}, best_iteration=None,
                                     metrics={"validation": {"ic": 0.1}}, verdicts=[]),
    MetaModelCard: MetaModelCard(kind="meta", strategy={"name": "trend_baseline", "params": {}},
                                 label={"horizon": 5, "threshold": 0.02, "label_type": "binary_absolute"},
                                 recipe={"family": "logistic"}, features=["side"], trained_until="2024-06-28",
                                 created="2024-07-01", training_range={"start": "2024-01-01", "end": "2024-06-28"}),
    MetaTrainingResults: MetaTrainingResults(metrics={"auc": 0.6}, folds=[{"fold": 0}]),
    BestConfig: BestConfig(family="ridge", params={"alpha": 1.0}, target="fwd_ret_5", features=["px_ret_1"]),
    StageManifest: StageManifest(stage="train", key="k", params={}, finished="2024-07-01T00:00:00+0000", seconds=1.5,
                                 outputs={"models/m/v1/config.json": "0" * 64}, summary={"rows": 10}),
    RoutingPlanFile: RoutingPlanFile(targets={"fwd_ret_5": {
        "route": "both", "reason": "r", "pooled_skill": 0.1, "cross_sectional": {"symbols": ["A"]},
        "symbol_specific": {"symbols": ["B"]}, "symbols": {"B": {"decision": "symbol_specific", "reason": "r"}}}}),
    TrainingPlanFile: TrainingPlanFile(targets=["fwd_ret_5"], model_families={"cpu": ["ridge"], "gpu": []},
                                       summary={"jobs": 1}, jobs=[{
                                           "job_id": "cs_fwd_ret_5", "target": "fwd_ret_5",
                                           "training_type": "cross_sectional", "symbols": ["A", "B"],
                                           "features": ["px_ret_1"], "model_families": ["ridge"],
                                           "stages": {"cpu": ["ridge"], "gpu": []}}]),
    TrialResults: TrialResults(study="s", direction="maximize", phases={"random": {"planned": 1, "complete": 1}},
                               best=None, trials=[], metric="ic"),
    ExtendedResults: ExtendedResults(study="s", target="fwd_ret_5", family="ridge", task="regression", metric="ic",
                                     direction="maximize", scheme="walk-forward", n_splits=4, n_folds=4, embargo=5,
                                     iterations=0, seed=0, data_fingerprint="f", features=["px_ret_1"],
                                     symbols=["A"], configs=[]),
    WalkForwardFolds: WalkForwardFolds(target="fwd_ret_5", family="ridge", task="regression", rows=10, features=1,
                                       panel={}, folds=[], summary={}, evaluation={}, data_fingerprint="f"),
    NoveltyGateFile: NoveltyGateFile(method="di", features=["px_ret_1"],
                                     scaling={"medians": [0.0], "means": [0.1], "scales": [2.0]}, threshold=1.0,
                                     neighbours=1, distance=1.3, seed=0, training_rows=10,
                                     reference={"rows": 10, "sha256": "0" * 64}, psi_bins=10,
                                     drift={"px_ret_1": {"edges": [0.0], "shares": [0.5, 0.5], "missing": 0.0}}),
    VerifiedParquet: VerifiedParquet(file_sha256="a" * 64, size=4096, footer=ByteRange(offset=3000, length=96,
                                                                                sha256="b" * 64),
                                     row_groups=[ByteRange(offset=4, length=2996, sha256="c" * 64)],
                                     summaries={"cross_section_size {}": 20.0}),
    VerifiedOutputs: VerifiedOutputs(files={"models/m/v1/booster.txt": FileStamp(sha256="d" * 64, size=10,
                                                                                 mtime_ns=1_700_000_000_000_000_000)}),
    CodeVersions: CodeVersions(versions={"[\"0.1.0\", \"alphaforge.pipeline\"]": CodeVersion(
        code="e" * 64, files={"/src/alphaforge/pipeline/__init__.py": SourceStamp(size=1, mtime_ns=2)})}),
    LiveState: LiveState(name="live", dataset="live_live", iterations=2, parts=2, rows=8, csv_bytes=900, events_bytes=0,
                         floor="2024-01-01T00:00:00+00:00", signalled={"A": "2024-01-02T00:00:00+00:00"},
                         model="models/m/v1", retrained_at="", bars_since_retrain=2, past_scores={"A": [0.1]},
                         recent_novel=[False]),
    ChartJob: ChartJob(token="0f" * 8, stem="/work/ws/predictions/latest", title="lightgbm fwd_ret_5 v1"),
}
OWNERS = list(SAMPLES)


def test_every_owner_the_package_exports_is_checked_here():
    exported = {getattr(artifacts, name) for name in artifacts.__all__}
    owners = {owner for owner in exported if isinstance(owner, type) and issubclass(owner, Artifact)} - {Artifact}
    assert owners == set(SAMPLES)


@pytest.fixture(params=OWNERS, ids=lambda owner: owner.__name__)
def saved(request, tmp_path) -> tuple[type[Artifact], Path]:
    owner = request.param
    return owner, SAMPLES[owner].save(tmp_path / "artifact.json")


def _rewrite(path: Path, change) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document), encoding="utf-8")


def _refused(owner: type[Artifact], path: Path, message: str) -> InputError:
    with pytest.raises(InputError, match=message) as caught:
        owner.load(path)
    assert caught.value.where == str(path) and owner.FIX in caught.value.fix
    return caught.value


def test_what_is_saved_loads_back_with_its_schema_first(saved):
    owner, path = saved
    assert next(iter(json.loads(path.read_text(encoding="utf-8")))) == "schema"
    assert json.loads(path.read_text(encoding="utf-8"))["schema"] == owner.schema_id()
    assert owner.load(path) == SAMPLES[owner]


def test_a_file_from_before_versions_were_recorded_is_version_one(saved):
    owner, path = saved
    _rewrite(path, lambda document: document.pop("schema"))
    assert owner.load(path) == SAMPLES[owner]


def test_a_newer_version_is_refused_naming_the_version(saved):
    owner, path = saved
    _rewrite(path, lambda document: document.update(schema=f"{owner.SCHEMA}/{owner.VERSION + 1}"))
    error = _refused(owner, path, f"schema version {owner.VERSION + 1}")
    assert error.fix.endswith("or read it with the AlphaForge version that wrote it")


def test_another_schema_is_refused(saved):
    owner, path = saved
    _rewrite(path, lambda document: document.update(schema="alphaforge.something_else/1"))
    _refused(owner, path, "its schema is 'alphaforge.something_else/1'")


@pytest.mark.parametrize(("content", "message"), [
    (b'{"schema": ', "is not valid JSON"),
    (b'{"name": "caf\xe9"}', "not UTF-8 text"),
    (b"[1, 2]", "a JSON object expected"),
])
def test_a_damaged_file_is_refused(saved, content, message):
    owner, path = saved
    path.write_bytes(content)
    _refused(owner, path, message)


def test_a_missing_field_is_named(saved):
    owner, path = saved
    if owner is BestConfig:  # every field is optional; the rule is one training setting at least
        _rewrite(path, lambda document: [document.pop(key) for key in ("family", "params", "target", "features")])
        _refused(owner, path, "holds none of the training settings")
        return
    required = next(name for name, field in owner.model_fields.items() if field.is_required())
    _rewrite(path, lambda document: document.pop(required))
    _refused(owner, path, f"records no {required}")


def test_read_json_says_missing_and_unreadable_apart(tmp_path):
    with pytest.raises(MissingInputError, match="no x.json here"):
        read_json(tmp_path / "x.json", fix="run it")
    (tmp_path / "x.json").mkdir()
    with pytest.raises(InputError, match="cannot read x.json"):
        read_json(tmp_path / "x.json", fix="run it")
