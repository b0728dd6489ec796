"""The prediction chart: price with buy/sell markers above, signal strength below."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend is chosen first)
import pandas as pd  # noqa: E402

from alphaforge.workspace import atomic_write_png  # noqa: E402


def plot_predictions(prices: pd.DataFrame, predictions: pd.DataFrame, path: Path, *, title: str = "") -> Path:
    """Write a PNG per call: one column of panels per symbol (price + markers, score).

    ``prices``: symbol, timestamp, close. ``predictions``: symbol, timestamp, score, signal
    (+1 buy, -1 sell, 0 flat).
    """
    symbols = sorted(predictions["symbol"].unique())[:6]
    fig, axes = plt.subplots(2, len(symbols), figsize=(max(6.0, 4.5 * len(symbols)), 5.5), squeeze=False,
                             sharex="col", gridspec_kw={"height_ratios": [3, 1.3]})
    for col, symbol in enumerate(symbols):
        price = prices[prices["symbol"] == symbol]
        pred = predictions[predictions["symbol"] == symbol]
        top, bottom = axes[0, col], axes[1, col]
        top.plot(price["timestamp"], price["close"], color="#1f2328", linewidth=1.0, label="close")
        marked = pred if "close" in pred.columns else pred.merge(price[["timestamp", "close"]], on="timestamp")
        for signal, marker, color, label in ((1, "^", "#1a7f37", "buy"), (-1, "v", "#cf222e", "sell")):
            hits = marked[marked["signal"] == signal]
            top.scatter(hits["timestamp"], hits["close"], marker=marker, color=color, s=28, zorder=3, label=label)
        top.set_title(symbol)
        top.legend(loc="upper left", fontsize=7)
        bottom.bar(pred["timestamp"], pred["score"], color=["#1a7f37" if s > 0 else "#cf222e" if s < 0 else "#8c959f"
                                                             for s in pred["signal"]], width=0.8 * _step(pred))
        bottom.set_ylabel("score")
        bottom.tick_params(axis="x", labelrotation=30, labelsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    atomic_write_png(fig, Path(path), dpi=110)
    plt.close(fig)
    return Path(path)


def _step(frame: pd.DataFrame) -> pd.Timedelta:
    if len(frame) < 2:
        return pd.Timedelta("1D")
    return frame["timestamp"].diff().median()
