"""The config: defaults spelled out by `init`, validated once, errors name key, value and what is allowed."""

from __future__ import annotations

import tomllib

import pytest

from alphaforge.config import Config, load_config, parse_config, render_config
from alphaforge.errors import InputError


def test_rendered_defaults_round_trip_and_are_commented():
    text = render_config()
    assert parse_config(tomllib.loads(text)) == Config()
    for key in ("dataset", "default_lag", "max_retries", "include", "seed"):
        assert f"{key} =" in text
    assert text.count("# ") > 15


@pytest.mark.parametrize(("data", "fragments"), [
    ({"data": {"datset": "x"}}, ["unknown key 'data.datset'", "did you mean 'dataset'"]),
    ({"macro": {"default_lag": "soon"}}, ["macro.default_lag", "'soon'", "duration"]),
    ({"download": {"max_retries": 100}}, ["download.max_retries", "100", "less than or equal to 20"]),
    ({"seed": "abc"}, ["'seed'", "'abc'", "integer"]),
    ({"features": {"include": "default"}}, ["features.include", "list"]),
    ({"backtest": {"rule": "rank"}}, ["backtest.rule", "'auto'", "'quantile'", "'rolling'"]),
    ({"backtest": {"lower": 0.9}}, ["'backtest'", "lower = 0.9 is above upper = 0.8"]),
    ({"backtest": {"window": 20}}, ["'backtest'", "min_periods = 50 is more than window = 20"]),
    # issue 20: a path in place of a name, dates that are not dates, text in place of a boolean
    ({"data": {"dataset": "../../../other/data/raw/synth"}}, ["data.dataset", "not a plain folder name"]),
    ({"data": {"macro": "/abs/macro"}}, ["data.macro", "not a plain folder name"]),
    ({"data": {"dataset": "x" * 300}}, ["data.dataset", "300 characters long; the limit is 100"]),
    ({"tracking": {"experiment": "../../../x"}}, ["tracking.experiment", "not a plain folder name"]),
    ({"data": {"start": "2020-13-45"}}, ["data.start", "'2020-13-45' is not a date"]),
    ({"data": {"end": "next tuesday"}}, ["data.end", "'next tuesday' is not a date"]),
    ({"tuning": {"enabled": "yes"}}, ["tuning.enabled", "'yes'", "valid boolean"]),
    ({"tracking": {"enabled": 1}}, ["tracking.enabled", "valid boolean"]),
    ({"selection": {"truncation_check": "false"}}, ["selection.truncation_check", "valid boolean"]),
])
def test_bad_values_name_key_value_and_what_is_allowed(data, fragments):
    with pytest.raises(InputError) as info:
        parse_config(data)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_broken_toml_and_missing_file(tmp_path):
    path = tmp_path / "alphaforge.toml"
    with pytest.raises(InputError, match="alphaforge init"):
        load_config(path)
    path.write_text("seed = [")
    with pytest.raises(InputError, match="not valid TOML"):
        load_config(path)


def test_unreadable_or_undecodable_file_is_an_input_error_naming_it(tmp_path, monkeypatch):
    path = tmp_path / "alphaforge.toml"
    path.write_bytes(b"seed = 1\n# caf\xe9\n")  # Latin-1, not UTF-8
    with pytest.raises(InputError, match="not UTF-8") as info:
        load_config(path)
    assert info.value.where == str(path) and info.value.fix
    path.unlink()
    path.mkdir()  # a folder where the file should be
    with pytest.raises(InputError, match="cannot read") as info:
        load_config(path)
    assert info.value.where == str(path)

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(type(path), "read_text", refuse)
    with pytest.raises(InputError, match="Permission denied"):
        load_config(tmp_path / "alphaforge.toml")


def test_macro_timing_falls_back_to_defaults():
    config = parse_config({"macro": {"series": {"cpi": {"lag": "45D", "max_staleness": "80D"}}}})
    assert [str(t) for t in config.macro_timing("cpi")] == ["45 days 00:00:00", "80 days 00:00:00"]
    assert [str(t) for t in config.macro_timing("vix")] == ["1 days 00:00:00", "10 days 00:00:00"]
