"""Convolution filter grids: each Conv2D kernel drawn as a small image, one cell per filter."""

from __future__ import annotations

import numpy as np

from ..layers.convolutional import Conv2D
from ..models.model import Model
from ._figures import finish, grid_shape, new_figure, normalize01
from ._model_graph import find_layer, graph_layers


def _conv_layer(model_or_layer, layer):

    if isinstance(model_or_layer, Model):
        if layer is None:
            convs = [l for l in graph_layers(model_or_layer) if isinstance(l, Conv2D)]
            if not convs:
                raise ValueError(
                    f"plot_filters: {type(model_or_layer).__name__} '{model_or_layer.name}' has "
                    f"no Conv2D layer"
                )
            return convs[0]
        found = find_layer(model_or_layer, layer)
    else:
        found = model_or_layer
    if not isinstance(found, Conv2D):
        raise ValueError(
            f"plot_filters: {type(found).__name__} '{getattr(found, 'name', found)}' is not a "
            f"Conv2D layer; filter grids show 2-D convolution kernels"
        )
    if not found.built:
        raise ValueError(f"plot_filters: Conv2D '{found.name}' is not built (it has no kernel)")
    return found


def filter_images(model_or_layer, layer=None, input_channel=None) -> np.ndarray:
    """The filters as images scaled to [0, 1] each: (filters, kh, kw) for one input channel, or
    (filters, kh, kw, 3) in colour when the layer reads 3 channels and input_channel is None.
    With another channel count and input_channel None, channel 0 is shown."""
    conv = _conv_layer(model_or_layer, layer)
    kernel = np.asarray(conv.get_weights()[0], dtype=np.float64)  # (kh, kw, in, out)
    channels = kernel.shape[2]
    if input_channel is None and channels == 3:
        return np.stack([normalize01(kernel[..., f]) for f in range(kernel.shape[3])])
    channel = 0 if input_channel is None else int(input_channel)
    if not 0 <= channel < channels:
        raise ValueError(
            f"plot_filters: input_channel={input_channel} but Conv2D '{conv.name}' reads "
            f"{channels} channel(s)"
        )
    return np.stack([normalize01(kernel[:, :, channel, f]) for f in range(kernel.shape[3])])


def plot_filters(model_or_layer, layer=None, input_channel=None, max_filters=64, path=None):
    """A grid of a Conv2D layer's filters (the model's first Conv2D unless `layer` names one),
    each scaled to its own range: black its most negative weight, white its most positive.
    Colour for a layer reading 3 channels (RGB input); otherwise the slice of `input_channel`
    (default 0). At most `max_filters` cells."""
    conv = _conv_layer(model_or_layer, layer)
    images = filter_images(conv, None, input_channel)[: int(max_filters)]
    rows, columns = grid_shape(len(images))
    fig = new_figure(1.1 * columns + 0.4, 1.1 * rows + 0.6)
    for k, image in enumerate(images):
        ax = fig.add_subplot(rows, columns, k + 1)
        ax.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(str(k), fontsize=7)
    channel = "RGB" if images.ndim == 4 else f"input channel {input_channel or 0}"
    fig.suptitle(f"{conv.name}: {len(images)} filters ({channel})", fontsize=9)
    return finish(fig, path)
