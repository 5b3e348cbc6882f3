"""A 2-D picture of embeddings or a latent space: the first two principal components (PCA by
numpy's SVD), each point coloured by its label."""

from __future__ import annotations

import numpy as np

from ._figures import finish, new_figure
from ._model_graph import layer_output


def pca_2d(x) -> tuple:
    """(points (n, 2), share of the variance each axis explains): x (n, ...) flattened to
    (n, features), centred, projected on its first two principal axes. Each axis's sign puts
    its largest loading positive, so the picture does not flip from run to run."""
    a = np.asarray(x, dtype=np.float64)
    if a.ndim < 2 or a.shape[0] < 2:
        raise ValueError(f"PCA: need at least 2 samples of (n, features), got shape {a.shape}")
    a = a.reshape(a.shape[0], -1)
    centred = a - a.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    axes = vt[:2]
    axes *= np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(axis=1)])[:, None]
    points = centred @ axes.T
    if points.shape[1] < 2:  # one feature: the second axis is flat
        points = np.hstack([points, np.zeros((points.shape[0], 1))])
    variance = s**2
    share = variance[:2] / variance.sum() if variance.sum() > 0 else np.zeros(2)
    return points, np.pad(share, (0, 2 - len(share)))


def plot_projection(
    x, labels=None, model=None, layer=None, class_names=None, title=None, path=None
):
    """Scatter of the PCA projection of x, coloured by `labels` (class indices). With `model`,
    x is the model's input and the projected embeddings are the output of `layer` (name,
    index or layer; default the model's output): e.g. an encoder's latent space."""
    data = x
    if model is not None:
        if layer is None:
            data = np.asarray(model.predict(np.asarray(x, dtype=np.float32), verbose=0))
        else:
            data = layer_output(model, x, layer)
    points, share = pca_2d(data)
    fig = new_figure(5.5, 4.5)
    ax = fig.add_subplot(1, 1, 1)
    if labels is None:
        ax.scatter(points[:, 0], points[:, 1], s=8, alpha=0.7)
    else:
        labels = np.asarray(labels)
        if labels.ndim == 2:
            labels = labels.argmax(axis=1)
        if labels.shape[0] != points.shape[0]:
            raise ValueError(
                f"plot_projection: {points.shape[0]} points but {labels.shape[0]} labels"
            )
        from matplotlib import colormaps

        cmap = colormaps["tab10"]
        for k, c in enumerate(np.unique(labels)):
            chosen = labels == c
            name = class_names[int(c)] if class_names is not None else str(c)
            ax.scatter(
                points[chosen, 0],
                points[chosen, 1],
                s=8,
                alpha=0.75,
                color=cmap(k % 10),
                label=name,
            )
        ax.legend(fontsize="small", markerscale=2, loc="best")
    ax.set_xlabel(f"PC 1 ({100 * share[0]:.0f}% of variance)")
    ax.set_ylabel(f"PC 2 ({100 * share[1]:.0f}% of variance)")
    ax.set_title(title or "PCA projection")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return finish(fig, path)
