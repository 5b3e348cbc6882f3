"""Feature-map grids: what each channel of a layer's output looks like for one input."""

from __future__ import annotations

import numpy as np

from ._figures import finish, grid_shape, new_figure, normalize01
from ._model_graph import find_layer, first_node, layer_output, single_input_batch


def feature_maps(model, x, layer) -> np.ndarray:
    """The output of `layer` (a name, index or layer) for one sample x: (height, width,
    channels). A layer whose output has no two spatial axes raises ValueError."""
    found = find_layer(model, layer)
    shape = first_node(model, found).outputs[0].shape
    if len(shape) != 4:
        raise ValueError(
            f"feature maps: {type(found).__name__} '{found.name}' outputs {shape}, which has no "
            f"spatial feature maps (they need (batch, height, width, channels): a Conv2D, "
            f"pooling or similar layer)"
        )
    batch = single_input_batch(model, x, "feature maps")
    return layer_output(model, batch, found)[0]


def plot_feature_maps(model, x, layer, max_maps=64, path=None):
    """A grid of `layer`'s feature maps for the one input `x`, each channel scaled to its own
    range (viridis: dark low, yellow high)."""
    maps = feature_maps(model, x, layer)
    found = find_layer(model, layer)
    count = min(int(max_maps), maps.shape[-1])
    rows, columns = grid_shape(count)
    fig = new_figure(1.2 * columns + 0.4, 1.2 * rows + 0.6)
    for k in range(count):
        ax = fig.add_subplot(rows, columns, k + 1)
        ax.imshow(normalize01(maps[..., k]), cmap="viridis", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(str(k), fontsize=7)
    fig.suptitle(
        f"{found.name}: {count} of {maps.shape[-1]} feature maps, {maps.shape[0]}x{maps.shape[1]}",
        fontsize=9,
    )
    return finish(fig, path)
