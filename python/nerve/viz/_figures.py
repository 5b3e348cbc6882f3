"""Figures drawn off-screen: a matplotlib Figure on the Agg canvas (no pyplot, no display, no
global state), saving to a file and reading its pixels back."""

from __future__ import annotations

import numpy as np

from ._deps import require_matplotlib


def new_figure(width: float, height: float, dpi: int = 100):
    """A Figure of width x height inches on its own Agg canvas: it renders and saves without a
    display and is not registered with pyplot (nothing to close, nothing leaks)."""
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def finish(fig, path=None, dpi=None):
    """Saves `fig` to `path` (PNG unless the suffix says otherwise) when given; returns `fig`."""
    if path is not None:
        fig.savefig(path, dpi=dpi or fig.dpi)
    return fig


def figure_to_array(fig) -> np.ndarray:
    """The rendered pixels of `fig`: uint8 (height, width, 4) RGBA, row 0 at the top."""
    fig.canvas.draw()
    return np.array(fig.canvas.buffer_rgba())


def grid_shape(n: int, max_columns: int = 8) -> tuple:
    """(rows, columns) of a near-square grid holding n cells."""
    columns = min(max_columns, max(1, int(np.ceil(np.sqrt(n)))))
    return int(np.ceil(n / columns)), columns


def normalize01(a: np.ndarray) -> np.ndarray:
    """a scaled to [0, 1]; a constant array becomes 0.5 everywhere (no division by zero)."""
    a = np.asarray(a, dtype=np.float64)
    lo, hi = float(a.min()), float(a.max())
    if hi - lo <= 1e-12 * max(1.0, abs(hi)):
        return np.full(a.shape, 0.5)
    return (a - lo) / (hi - lo)
