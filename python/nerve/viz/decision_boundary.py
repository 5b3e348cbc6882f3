"""The decision boundary of a classifier on 2-D inputs: the plane coloured by the predicted
class (stronger where the model is surer), the boundary line, and the data points."""

from __future__ import annotations

import numpy as np

from ._figures import finish, new_figure

# Class colours: orange and blue first (the TensorFlow Playground's pair), then tab10's others.
CLASS_COLORS = [
    "#f59322", "#0877bd", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
]  # fmt: skip


def _rgb(color: str) -> np.ndarray:
    return np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64) / 255


def predict_classes(model, points: np.ndarray) -> tuple:
    """(class, confidence in [0, 1]) per point. One output unit: a probability (threshold 0.5)
    or, when its values leave [0, 1], a logit (threshold 0). Several: the argmax, with the
    softmax of the outputs as confidence unless they are probabilities already."""
    out = np.asarray(model.predict(np.ascontiguousarray(points, dtype=np.float32), verbose=0))
    out = out.reshape(len(points), -1).astype(np.float64)
    if out.shape[1] == 1:
        p = out[:, 0]
        if p.min() < 0 or p.max() > 1:
            p = 1 / (1 + np.exp(-p))
        return (p > 0.5).astype(np.int64), np.abs(p - 0.5) * 2
    probs = out
    if out.min() < 0 or not np.allclose(out.sum(axis=1), 1, atol=1e-3):
        e = np.exp(out - out.max(axis=1, keepdims=True))
        probs = e / e.sum(axis=1, keepdims=True)
    k = out.shape[1]
    confidence = (probs.max(axis=1) - 1 / k) / (1 - 1 / k)
    return out.argmax(axis=1), confidence


def plot_decision_boundary(
    model, x, y=None, resolution: int = 200, margin: float = 0.5, show_points: bool = True,
    path=None,
):  # fmt: skip
    """Colours the plane around the 2-D points x (n, 2) by the model's predicted class (the
    colour of class k is CLASS_COLORS[k], paler where the model is less sure), draws the
    boundary between classes and, with show_points, the points coloured by their labels y
    (class indices, one-hot rows or one 0/1 column; default: uncoloured)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(
            f"plot_decision_boundary: the decision boundary is drawn for 2-D inputs, x of "
            f"shape (n, 2); got x of shape {x.shape}"
            + (f" ({x.shape[1]}-D inputs)" if x.ndim == 2 else "")
        )
    shapes = getattr(model, "_input_shapes", None)
    if shapes and tuple(shapes[0]) != (2,):
        raise ValueError(
            f"plot_decision_boundary: the model takes inputs of shape {tuple(shapes[0])}; the "
            f"decision boundary is drawn for models of 2-D inputs (shape (2,))"
        )
    lo, hi = x.min(axis=0) - margin, x.max(axis=0) + margin
    gx = np.linspace(lo[0], hi[0], int(resolution))
    gy = np.linspace(lo[1], hi[1], int(resolution))
    xx, yy = np.meshgrid(gx, gy)
    classes, confidence = predict_classes(model, np.column_stack([xx.ravel(), yy.ravel()]))
    classes, confidence = classes.reshape(xx.shape), confidence.reshape(xx.shape)
    palette = np.array(
        [_rgb(CLASS_COLORS[k % len(CLASS_COLORS)]) for k in range(classes.max() + 1)]
    )
    strength = (0.25 + 0.55 * confidence)[..., None]
    image = 1 - strength + strength * palette[classes]  # white blended towards the class colour

    fig = new_figure(5, 5)
    ax = fig.add_subplot(1, 1, 1)
    ax.imshow(
        image,
        origin="lower",
        extent=(lo[0], hi[0], lo[1], hi[1]),
        aspect="auto",
        interpolation="nearest",
    )
    if classes.min() != classes.max():
        ax.contour(
            xx, yy, classes, levels=np.arange(classes.max()) + 0.5, colors="#333333", linewidths=1.0
        )
    if show_points:
        if y is None:
            ax.scatter(x[:, 0], x[:, 1], s=14, color="#444444", edgecolors="white", lw=0.5)
        else:
            labels = np.asarray(y)
            if labels.ndim == 2:
                labels = (labels[:, 0] > 0.5) if labels.shape[1] == 1 else labels.argmax(axis=1)
            labels = labels.astype(np.int64).ravel()
            if labels.shape[0] != x.shape[0]:
                raise ValueError(
                    f"plot_decision_boundary: {x.shape[0]} points but {labels.shape[0]} labels"
                )
            colors = [CLASS_COLORS[k % len(CLASS_COLORS)] for k in labels]
            ax.scatter(x[:, 0], x[:, 1], s=16, c=colors, edgecolors="white", lw=0.6)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title("decision boundary")
    fig.tight_layout()
    return finish(fig, path)
