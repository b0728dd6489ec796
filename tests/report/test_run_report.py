"""The run report opens with the verdicts and never contradicts itself about the luck of a Sharpe ratio."""

from __future__ import annotations

import optuna

from alphaforge.report.run_report import write_run_report
from alphaforge.tuning.outputs import write_trial_results
from alphaforge.workspace import Workspace

VERDICTS = [{"kind": "edge", "warning": False, "message": "edge: mean per-timestamp IC 0.033 (t 5.8) out of sample"},
            {"kind": "baselines", "warning": True, "message": "the model does not beat the simplest factors"}]


def _summaries(psr: float, dsr: float | None) -> dict:
    return {"walk_forward": {"evaluation": {"verdicts": VERDICTS, "table": [{"system": "model", "ic": 0.033}]}},
            "backtest": {"metrics": {"psr": psr, "dsr": dsr}, "verdicts": [{"kind": "no_edge", "warning": True,
                                                                            "message": "no edge: luck"}]}}


def test_the_verdicts_come_first(tmp_path):
    workspace = Workspace.create(tmp_path / "ws")
    text = write_run_report(workspace, _summaries(0.9, None)).read_text()
    first = text.index("<h2>")
    assert text[first:].startswith("<h2>Verdict</h2>")
    assert text.index("the model does not beat") < text.index("<h2>Data</h2>") and "no edge: luck" in text


def test_several_trials_without_their_sharpes_are_not_called_one_configuration(tmp_path):
    """Regression: with 8 tuning trials the DSR was '–' under text saying one configuration was tried."""
    workspace = Workspace.create(tmp_path / "ws")
    study = optuna.create_study(study_name="fwd_ret_5__lightgbm", direction="maximize")
    study.optimize(lambda trial: trial.suggest_float("x", 0.0, 1.0), n_trials=8)
    write_trial_results(study, workspace.root / "tuning" / study.study_name / "trial_results.json", {})
    text = write_run_report(workspace, _summaries(0.9, None)).read_text()
    assert "One configuration was tried" not in text and "8 configurations were tried" in text
    single = write_run_report(Workspace.create(tmp_path / "one"), _summaries(0.9, None)).read_text()
    assert "One configuration was tried" in single
