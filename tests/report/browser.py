"""Open an HTML file in headless Chromium and read back what rendered (for report tests)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

_PROBE = """<script>
window.addEventListener('load', () => {
  const imgs = [...document.images];
  const result = {tables: document.querySelectorAll('table').length,
                  rows: document.querySelectorAll('tbody tr').length,
                  images: imgs.length, decoded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
                  headings: [...document.querySelectorAll('h2')].map(h => h.textContent)};
  const out = document.createElement('pre'); out.id = 'probe'; out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
});
</script>"""


def chromium() -> str:
    """Path of a headless-capable Chromium, or skip the test with the reason."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("Chromium is not installed (apt-get install chromium); report rendering not checked")


def render(html_path: Path) -> dict:
    """Load ``html_path`` in headless Chromium; return counts of tables, rows, decoded images, headings."""
    browser = chromium()
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.html"
        probe.write_text(html_path.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"),
                         encoding="utf-8")
        out = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp}/profile", "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()],
            capture_output=True, text=True, timeout=120, check=False)
    match = re.search(r'<pre id="probe">(.*?)</pre>', out.stdout, re.S)
    if match is None:
        pytest.fail(f"Chromium did not render the page: {out.stderr[-2000:]}")
    return json.loads(match.group(1).replace("&quot;", '"'))
