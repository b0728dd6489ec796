"""Named pause points inside the store's writes, for the kill tests.

With ``ALPHAFORGE_PAUSE_AT=<point>`` in the environment, reaching that point prints
``paused at <point>`` on stderr and sleeps, so a test can SIGKILL the process exactly there
and check that the store and the preserved files survive. Unset (always, outside those
tests) a pause point does nothing.
"""

from __future__ import annotations

import os
import sys
import time

PAUSE_ENV = "ALPHAFORGE_PAUSE_AT"


def pause_point(name: str) -> None:
    """Sleep here (for up to a minute) when the kill tests ask for point ``name``."""
    if os.environ.get(PAUSE_ENV) == name:
        print(f"paused at {name}", file=sys.stderr, flush=True)
        time.sleep(60)
