"""The README's "Use from Python" example runs as written (a doctest over its python blocks)."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_python_examples_of_the_readme_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    examples = [b for b in blocks if ">>>" in b]
    assert examples, "the README has no runnable python example"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for number, block in enumerate(examples):
        test = doctest.DocTestParser().get_doctest(block, {}, f"README python block {number}", str(README), 0)
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
