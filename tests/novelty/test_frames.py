"""How gates read their training frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.mark.parametrize("layout", ["row-major", "column-major", "mixed"])
def test_column_blocks_are_the_columns(layout: str) -> None:
    """Gates read the row-major training matrix a few thousand rows at a time, several columns
    together: the same values as reading one column at a time, in any layout."""
    from alphaforge.novelty._frames import ROWS_AT_ONCE, column_block, frame_values

    rng = np.random.default_rng(0)
    values = rng.normal(size=(ROWS_AT_ONCE * 2 + 3, 7)).astype(np.float32)
    frame = pd.DataFrame(values if layout == "row-major" else np.asfortranarray(values), copy=False)
    if layout == "mixed":
        frame[2] = rng.integers(0, 9, len(frame))
    positions = [5, 0, 2]
    expected = np.stack([frame.iloc[:, p].to_numpy(dtype="float64") for p in positions])
    np.testing.assert_array_equal(column_block(frame_values(frame), positions).astype(np.float64), expected)
