"""A worker process of :func:`alphaforge.predict.chart._draw_all`: draws the charts pickled in
the file it is given (written a moment before by the run that started it, in a private
temporary folder).

Run: ``python -m alphaforge.predict.chart_worker FILE``.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

from alphaforge.heap import skip_collection_at_exit
from alphaforge.predict.chart import draw_charts

if __name__ == "__main__":
    skip_collection_at_exit()
    draw_charts(pickle.loads(Path(sys.argv[1]).read_bytes()))
