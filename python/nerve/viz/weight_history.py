"""Weight histograms over epochs: a histogram of every weight array recorded after each epoch
(numpy only; the Report callback records them), drawn as one panel per weight with a curve per
epoch, coloured from the first epoch to the last."""

from __future__ import annotations

import numpy as np

from ..callbacks._weight_paths import weight_paths
from ._figures import finish, grid_shape, new_figure


class WeightHistory:
    """Histograms of a model's weights, one set per recorded epoch. Only counts and bin edges
    are kept (`bins` numbers per weight and epoch), never the weights themselves, so recording
    every epoch of a large model costs little memory."""

    def __init__(self, bins: int = 30):
        if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 2:
            raise ValueError(f"WeightHistory: bins must be an integer >= 2, got {bins!r}")
        self.bins = int(bins)
        self.epochs: list[int] = []
        # weight path (Keras's name, e.g. "sequential/conv1/kernel") -> [(epoch, counts, edges)]
        self.histograms: dict[str, list] = {}

    def record(self, model, epoch: int) -> None:
        """Histograms of the model's weights now, labelled `epoch` (0: before training)."""
        for path, weight in weight_paths(model):
            values = np.asarray(weight, dtype=np.float64).ravel()
            if values.size < 2:  # a single number has no distribution to draw
                continue
            counts, edges = np.histogram(values[np.isfinite(values)], bins=self.bins)
            self.histograms.setdefault(path, []).append((int(epoch), counts, edges))
        self.epochs.append(int(epoch))

    def plot(self, title: str = "weights over epochs", path=None):
        """One panel per weight: its density after each recorded epoch, light (first) to dark
        (last). Returns the Figure; `path` saves it."""
        if not self.histograms:
            raise ValueError("WeightHistory: nothing recorded (the model has no weights?)")
        names = list(self.histograms)
        rows, columns = grid_shape(len(names), max_columns=4)
        fig = new_figure(3.4 * columns, 2.5 * rows + 0.5)  # raises first without the extra
        from matplotlib import colormaps

        cmap = colormaps["viridis_r"]
        first, last = min(self.epochs), max(self.epochs)
        for k, name in enumerate(names):
            ax = fig.add_subplot(rows, columns, k + 1)
            for epoch, counts, edges in self.histograms[name]:
                widths = np.diff(edges)
                total = max(int(counts.sum()), 1)
                # density, so epochs whose weights spread over wider ranges stay comparable
                density = counts / (total * np.where(widths > 0, widths, 1.0))
                shade = 0.5 if last == first else (epoch - first) / (last - first)
                ax.stairs(density, edges, color=cmap(0.15 + 0.85 * shade), lw=1.2)
            ax.set_title(name, fontsize=8)
            ax.tick_params(labelsize=7)
        fig.suptitle(f"{title} (epochs {first}..{last}, light to dark)", fontsize=10)
        fig.tight_layout()
        return finish(fig, path)
