"""The stage cache: hits when nothing changed, reruns what a change touches, survives kills."""

from __future__ import annotations

import json

import pytest

from alphaforge.artifacts import StageManifest
from alphaforge.errors import InputError, MissingInputError
from alphaforge.stages import Stage, StageResult, manifest_path, run_stages


def _stages(calls: list[str], *, fail_in: str | None = None) -> list[Stage]:
    def make(name: str, requires: tuple[str, ...]) -> Stage:
        def run(ctx):
            calls.append(name)
            out = ctx.workspace.root / "out" / f"{name}.txt"
            out.parent.mkdir(exist_ok=True)
            out.write_text(f"{name} {ctx.params} {sorted(ctx.upstream)}")
            if name == fail_in:
                raise KeyboardInterrupt  # a kill in the middle of the stage
            return StageResult([f"out/{name}.txt"], {"value": name})

        return Stage(name, run, params=lambda config, n=name: {"p": config.get(n, 0)}, requires=requires,
                     code=("alphaforge.stages",))

    return [make("a", ()), make("b", ("a",)), make("c", ("b",))]


def test_second_run_is_fully_cached(workspace):
    calls: list[str] = []
    first = run_stages(workspace, {}, _stages(calls))
    second = run_stages(workspace, {}, _stages(calls))
    assert [o.status for o in first] == ["ran"] * 3 and [o.status for o in second] == ["cached"] * 3
    assert calls == ["a", "b", "c"]
    assert second[2].summary == {"value": "c"}


def test_a_parameter_change_reruns_that_stage_and_everything_downstream(workspace):
    calls: list[str] = []
    run_stages(workspace, {}, _stages(calls))
    calls.clear()
    outcomes = run_stages(workspace, {"b": 1}, _stages(calls))
    assert [o.status for o in outcomes] == ["cached", "ran", "ran"] and calls == ["b", "c"]


def test_kill_mid_stage_then_resume(workspace):
    calls: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        run_stages(workspace, {}, _stages(calls, fail_in="b"))
    assert manifest_path(workspace, "a").is_file() and not manifest_path(workspace, "b").is_file()
    calls.clear()
    outcomes = run_stages(workspace, {}, _stages(calls))
    assert [o.status for o in outcomes] == ["cached", "ran", "ran"] and calls == ["b", "c"]


def test_tampered_or_missing_output_is_recomputed(workspace):
    calls: list[str] = []
    run_stages(workspace, {}, _stages(calls))
    (workspace.root / "out" / "b.txt").write_text("edited")
    (workspace.root / "out" / "c.txt").unlink()
    calls.clear()
    run_stages(workspace, {}, _stages(calls))
    assert calls == ["b", "c"]


def test_force_from_and_only(workspace):
    calls: list[str] = []
    run_stages(workspace, {}, _stages(calls))
    calls.clear()
    run_stages(workspace, {}, _stages(calls), start_from="b")
    assert calls == ["b", "c"]
    calls.clear()
    run_stages(workspace, {}, _stages(calls), only=["c"])
    assert calls == []  # --only still honours the cache
    run_stages(workspace, {}, _stages(calls), only=["c"], force=True)
    assert calls == ["c"]
    calls.clear()
    run_stages(workspace, {}, _stages(calls), force=True)
    assert calls == ["a", "b", "c"]


def test_only_a_stage_whose_input_is_missing_names_the_command(workspace):
    with pytest.raises(MissingInputError, match="alphaforge run --only b"):
        run_stages(workspace, {}, _stages([]), only=["c"])
    with pytest.raises(InputError, match="unknown stage"):
        run_stages(workspace, {}, _stages([]), only=["zzz"])


def test_a_manifest_from_before_schemas_is_still_a_hit_and_an_unreadable_one_a_miss(workspace):
    calls: list[str] = []
    run_stages(workspace, {}, _stages(calls))
    old = manifest_path(workspace, "a")  # as written before manifests recorded their schema
    old.write_text(json.dumps({k: v for k, v in json.loads(old.read_text()).items() if k != "schema"}))
    manifest_path(workspace, "b").write_bytes(b'{"stage": "b", "key": "caf\xe9')  # damaged: not UTF-8, cut short
    newer = manifest_path(workspace, "c")
    newer.write_text(json.dumps({**json.loads(newer.read_text()), "schema": "alphaforge.stage_manifest/9"}))
    calls.clear()
    outcomes = run_stages(workspace, {}, _stages(calls))
    assert [o.status for o in outcomes] == ["cached", "ran", "ran"] and calls == ["b", "c"]
    assert json.loads(newer.read_text())["schema"] == StageManifest.schema_id()


def test_a_manifest_edited_by_hand_is_a_cache_miss_not_a_claim(workspace):
    """Regression: a sharpe typed into stages/backtest.json was reported by the next cached run."""
    calls: list[str] = []
    run_stages(workspace, {}, _stages(calls))
    path = manifest_path(workspace, "b")
    edited = json.loads(path.read_text())
    edited["summary"]["value"] = "a sharpe of 3.21"
    path.write_text(json.dumps(edited))
    calls.clear()
    outcomes = run_stages(workspace, {}, _stages(calls))
    assert [o.status for o in outcomes] == ["cached", "ran", "cached"] and calls == ["b"]
    assert outcomes[1].summary == {"value": "b"}


def test_an_unknown_start_names_the_option_as_typed(workspace):
    with pytest.raises(InputError) as error:
        run_stages(workspace, {}, _stages([]), start_from="nope")
    assert error.value.where == "--from"


def test_a_cached_run_hashes_no_output_written_before_its_record(workspace, monkeypatch):
    """A cache hit costs the same whatever the outputs' size: outputs whose size and time are those
    recorded when they were hashed are not read again (stages/.verified.json)."""
    import os

    from alphaforge import stages

    calls: list[str] = []
    run_stages(workspace, {}, _stages(calls))
    record = workspace.root / "stages" / stages.VERIFIED_FILE
    later = record.stat().st_mtime_ns + 10**9
    os.utime(record, ns=(later, later))  # no output written in the record's clock tick
    hashed: list[str] = []
    digest = stages.file_sha256
    monkeypatch.setattr(stages, "file_sha256", lambda path: hashed.append(path.name) or digest(path))
    assert [o.status for o in run_stages(workspace, {}, _stages(calls))] == ["cached"] * 3
    assert hashed == []
    (workspace.root / "out" / "b.txt").write_text("edited")  # a new time: hashed, found changed, rerun
    calls.clear()
    run_stages(workspace, {}, _stages(calls))
    assert calls == ["b"] and "b.txt" in hashed


def test_an_output_written_in_the_records_clock_tick_is_hashed_again(workspace, monkeypatch):
    """git's racily-clean rule: a write in the same tick as the record could keep the recorded time."""
    import os

    from alphaforge import stages

    calls: list[str] = []
    run_stages(workspace, {}, _stages(calls))
    record = workspace.root / "stages" / stages.VERIFIED_FILE
    output = workspace.root / "out" / "a.txt"
    stamp = output.stat()
    output.write_text("x" * stamp.st_size)  # same size, other bytes ...
    os.utime(output, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # ... and the recorded time restored
    os.utime(record, ns=(stamp.st_mtime_ns, stamp.st_mtime_ns))  # written in the same tick as the record
    calls.clear()
    run_stages(workspace, {}, _stages(calls))
    assert calls == ["a"]


def test_a_code_version_is_recomputed_when_a_source_file_changes(workspace, tmp_path, monkeypatch):
    """stages/.code_versions.json remembers a stage's code version with its files' sizes and times:
    a cached run parses no source, and a changed file is hashed again (and its stage reruns)."""
    import hashlib
    import os

    from alphaforge import stages

    source = tmp_path / "stage_code.py"
    source.write_text("VALUE = 1\n")
    computed: list[int] = []
    monkeypatch.setattr(stages, "code_files", lambda seeds: [source])
    monkeypatch.setattr(stages, "code_version",
                        lambda seeds: computed.append(1) or hashlib.sha256(source.read_bytes()).hexdigest())
    calls: list[str] = []
    one = [Stage("s", lambda ctx: calls.append("s") or StageResult([], {}), params=lambda config: {},
                 code=("stage_code",))]
    run_stages(workspace, {}, one)
    record = workspace.root / "stages" / stages.CODE_VERSIONS_FILE
    later = record.stat().st_mtime_ns + 10**9
    os.utime(record, ns=(later, later))  # the source was not written in the record's clock tick
    run_stages(workspace, {}, one)
    assert calls == ["s"] and computed == [1]  # remembered
    source.write_text("VALUE = 22\n")
    run_stages(workspace, {}, one)
    assert calls == ["s", "s"] and computed == [1, 1]
