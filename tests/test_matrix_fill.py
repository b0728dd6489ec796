"""The training matrix is filled a block of columns at a time: the same values as one column at a time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphaforge.matrix import COLUMNS_AT_ONCE, ROWS_AT_ONCE, _fill_rows


@pytest.mark.parametrize("shuffled", [False, True])
def test_blocks_of_columns_give_the_values_of_one_column_at_a_time(shuffled: bool) -> None:
    rng = np.random.default_rng(3)
    rows, names = ROWS_AT_ONCE * 2 + 17, [f"f{i}" for i in range(COLUMNS_AT_ONCE * 2 + 5)]
    table = pd.DataFrame(rng.normal(size=(rows, len(names))), columns=names)
    parts = [table[names[at:at + 3]] for at in range(0, len(names), 3)]  # as the feature stream yields them
    kept = [n for n in names if n != "f7"]  # a left-out column
    columns = list(rng.permutation(kept)) if shuffled else kept  # given columns come in their own order
    position = {column: j for j, column in enumerate(columns)}
    order = np.sort(rng.choice(rows, rows - 100, replace=False))[rng.permutation(rows - 100)]
    values = np.empty((len(order), len(columns)), dtype=np.float32)
    _fill_rows(values, position, parts, order)
    expected = table[columns].to_numpy()[order].astype(np.float32)
    np.testing.assert_array_equal(values, expected)
