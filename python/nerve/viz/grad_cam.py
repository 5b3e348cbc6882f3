"""Grad-CAM (Selvaraju et al. 2017): where a convolutional layer saw evidence for a class. The
layer's feature maps A_k are weighted by the mean gradient of the class score over each map,
summed and rectified: relu(sum_k mean(d score / d A_k) * A_k), then resized to the input. The
gradient to the hidden layer comes from nerve's C++ autograd (GradientTape), through an eager
run of the model's graph that keeps the layer's output."""

from __future__ import annotations

import numpy as np

from .. import _core
from ..gradient_tape import GradientTape
from ._figures import finish, new_figure
from ._images import display_image, resize_bilinear
from ._model_graph import find_layer, first_node, forward, graph_layers, single_input_batch
from .saliency import class_seed, single_output


def _spatial_layer(model, layer):
    if layer is not None:
        found = find_layer(model, layer)
        shape = first_node(model, found).outputs[0].shape
        if len(shape) != 4:
            raise ValueError(
                f"Grad-CAM: {type(found).__name__} '{found.name}' outputs {shape}, which has no "
                f"spatial feature maps; pick a layer with a (batch, height, width, channels) "
                f"output, such as the last Conv2D"
            )
        return found
    spatial = [l for l in graph_layers(model) if len(first_node(model, l).outputs[0].shape) == 4]
    if not spatial:
        raise ValueError(
            f"Grad-CAM: {type(model).__name__} '{model.name}' has no layer with spatial feature "
            f"maps (a (batch, height, width, channels) output)"
        )
    return spatial[-1]


def grad_cam(model, x, layer=None, class_index=None) -> np.ndarray:
    """The Grad-CAM heat map of one sample x for `class_index` (default: the predicted class)
    at `layer` (default: the last layer with spatial feature maps), resized to the input's
    height and width and scaled to [0, 1] (all zero when nothing supports the class)."""
    return _grad_cam(model, x, layer, class_index)[0]


def _grad_cam(model, x, layer, class_index):
    """(heat map, class used, layer used, input batch)."""
    found = _spatial_layer(model, layer)
    batch = single_input_batch(model, x, "Grad-CAM")
    xt = _core.Tensor(batch)
    node = first_node(model, found)
    with GradientTape() as tape:
        tape.watch(xt)  # so every value on the way requires a gradient, weights or not
        values = forward(model, [xt])
        out = single_output(model, values, "Grad-CAM")
    maps = values[id(node.outputs[0])]
    class_index, seed = class_seed(np.array(out), class_index, "Grad-CAM")
    grads = tape.gradient(out, maps, output_gradients=seed)
    if grads is None:
        raise ValueError(f"Grad-CAM: the model's output does not depend on '{found.name}'")
    a, g = np.array(maps)[0], np.array(grads)[0]  # (h, w, k)
    cam = np.maximum((a * g.mean(axis=(0, 1))).sum(axis=-1), 0.0)
    if batch.ndim == 4:
        cam = resize_bilinear(cam, batch.shape[1:3])
    top = cam.max()
    return (cam / top if top > 0 else cam), class_index, found, batch


def plot_grad_cam(model, x, layer=None, class_index=None, path=None):
    """The input, the Grad-CAM heat map and the map over the input (jet: red is strong)."""
    cam, class_index, found, batch = _grad_cam(model, x, layer, class_index)
    image, cmap = display_image(batch[0])
    fig = new_figure(9, 3.3)
    for k, (title, picture, colours, alpha) in enumerate(
        [("input", image, cmap, 1.0), (f"Grad-CAM at {found.name}", cam, "jet", 1.0)]
    ):
        ax = fig.add_subplot(1, 3, k + 1)
        if picture is not None:
            ax.imshow(picture, cmap=colours, alpha=alpha)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    ax = fig.add_subplot(1, 3, 3)
    if image is not None:
        ax.imshow(image, cmap=cmap)
    ax.imshow(cam, cmap="jet", alpha=0.45, vmin=0, vmax=1)
    ax.set_title("overlay", fontsize=9)
    ax.axis("off")
    fig.suptitle(f"Grad-CAM for class {class_index}", fontsize=10)
    return finish(fig, path)
