"""Saliency maps (Simonyan et al. 2013): how strongly each input pixel moves a class score,
|d score / d input|, with the gradient computed by nerve's C++ autograd through GradientTape."""

from __future__ import annotations

import numpy as np

from .. import _core
from ..gradient_tape import GradientTape
from ._figures import finish, new_figure, normalize01
from ._images import display_image
from ._model_graph import forward, output_tensors, single_input_batch


def class_seed(scores: np.ndarray, class_index, where: str):
    """The class (given, or the predicted one) and the upstream gradient that picks its score
    out of the model's (1, classes) output."""
    if scores.ndim != 2:
        raise ValueError(
            f"{where}: the model's output has shape {scores.shape}; class scores need "
            f"(batch, classes)"
        )
    if class_index is None:
        class_index = int(scores[0].argmax())
    if not 0 <= int(class_index) < scores.shape[1]:
        raise ValueError(
            f"{where}: class_index={class_index} but the model outputs {scores.shape[1]} scores"
        )
    seed = np.zeros_like(scores, dtype=np.float32)
    seed[0, int(class_index)] = 1.0
    return int(class_index), seed


def single_output(model, values: dict, where: str):
    outs = output_tensors(model, values)
    if len(outs) != 1:
        raise ValueError(f"{where}: the model has {len(outs)} outputs; one is supported")
    return outs[0]


def input_gradient(model, x, class_index=None):
    """(d score / d input for one sample, with the sample's shape; the class used)."""
    batch = single_input_batch(model, x, "saliency")
    xt = _core.Tensor(batch)
    with GradientTape() as tape:
        tape.watch(xt)
        out = single_output(model, forward(model, [xt]), "saliency")
    class_index, seed = class_seed(np.array(out), class_index, "saliency")
    grad = tape.gradient(out, xt, output_gradients=seed)
    if grad is None:
        raise ValueError("saliency: the model's output does not depend on its input")
    return np.array(grad)[0], class_index


def saliency_map(model, x, class_index=None) -> np.ndarray:
    """|d score / d input| for the class `class_index` (default: the predicted class) of one
    sample x, the largest over colour channels for images: (height, width) for an image input
    (h, w, channels), the input's shape otherwise. The score is the model's output for that
    class (a softmax output gives the gradient of the probability)."""
    grad, _ = input_gradient(model, x, class_index)
    grad = np.abs(grad)
    return grad.max(axis=-1) if grad.ndim == 3 else grad


def plot_saliency(model, x, class_index=None, path=None):
    """The input, its saliency map (bright: pixels that move the class score most) and the
    saliency over the input."""
    grad, used = input_gradient(model, x, class_index)
    grad = np.abs(grad)
    saliency = normalize01(grad.max(axis=-1) if grad.ndim == 3 else grad)
    image, cmap = display_image(np.asarray(x, dtype=np.float64).reshape(grad.shape))
    if image is None:  # a feature vector: one bar per input feature
        fig = new_figure(6, 3)
        ax = fig.add_subplot(1, 1, 1)
        ax.bar(np.arange(saliency.size), saliency.ravel(), color="#c0392b")
        ax.set_xlabel("input feature")
        ax.set_ylabel("|d score / d input| (scaled)")
        ax.set_title(f"saliency for class {used}")
        fig.tight_layout()
        return finish(fig, path)
    fig = new_figure(9, 3.3)
    panels = [("input", image, cmap), ("saliency", saliency, "hot")]
    for k, (title, picture, colours) in enumerate(panels):
        ax = fig.add_subplot(1, 3, k + 1)
        ax.imshow(picture, cmap=colours)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    ax = fig.add_subplot(1, 3, 3)
    ax.imshow(image, cmap=cmap)
    ax.imshow(saliency, cmap="hot", alpha=0.6)
    ax.set_title("overlay", fontsize=9)
    ax.axis("off")
    fig.suptitle(f"saliency for class {used}", fontsize=10)
    return finish(fig, path)
