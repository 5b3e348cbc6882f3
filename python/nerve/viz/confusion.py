"""The confusion matrix: counts of (true class, predicted class), drawn as a heat map."""

from __future__ import annotations

import numpy as np

from ._figures import finish, new_figure


def _labels(y, what: str) -> np.ndarray:
    """Class indices from labels, one-hot rows or predicted probabilities (argmax), or one
    sigmoid output per sample (threshold 0.5)."""
    a = np.asarray(y)
    if a.ndim == 2 and a.shape[1] == 1:
        a = (a[:, 0] > 0.5).astype(np.int64) if a.dtype.kind == "f" else a[:, 0]
    elif a.ndim == 2:
        a = a.argmax(axis=1)
    if a.ndim != 1:
        raise ValueError(
            f"confusion matrix: {what} must be class indices (n,), one-hot or probabilities "
            f"(n, classes), got shape {np.shape(y)}"
        )
    if a.dtype.kind == "f":
        if not np.all(a == np.round(a)):
            raise ValueError(f"confusion matrix: {what} holds non-integer class labels")
        a = a.astype(np.int64)
    if a.size and a.min() < 0:
        raise ValueError(f"confusion matrix: {what} holds a negative class label {a.min()}")
    return a.astype(np.int64)


def confusion_matrix(y_true, y_pred, num_classes=None) -> np.ndarray:
    """counts[i, j]: samples of true class i predicted as class j."""
    t, p = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"confusion matrix: y_true has {t.size} samples and y_pred {p.size}")
    k = int(max(t.max(initial=-1), p.max(initial=-1)) + 1)
    if num_classes is not None:
        if k > num_classes:
            raise ValueError(f"confusion matrix: label {k - 1} >= num_classes={num_classes}")
        k = int(num_classes)
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (t, p), 1)
    return counts


def plot_confusion_matrix(y_true, y_pred, class_names=None, normalize: bool = False, path=None):
    """The confusion matrix as a heat map with each cell's count (or, with normalize=True, the
    share of its true class) written in it; rows are true classes, columns predictions."""
    k = None if class_names is None else len(class_names)
    counts = confusion_matrix(y_true, y_pred, k)
    values = counts.astype(np.float64)
    if normalize:
        values = values / np.maximum(values.sum(axis=1, keepdims=True), 1)
    k = counts.shape[0]
    names = [str(c) for c in (class_names if class_names is not None else range(k))]
    size = max(3.5, 0.5 * k + 1.5)
    fig = new_figure(size + 0.8, size)
    ax = fig.add_subplot(1, 1, 1)
    image = ax.imshow(values, cmap="Blues", vmin=0, vmax=max(values.max(), 1e-12))
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(k), names, rotation=45 if max(map(len, names)) > 2 else 0)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("confusion matrix" + (" (share of each true class)" if normalize else ""))
    threshold = values.max() / 2
    for i in range(k):
        for j in range(k):
            text = f"{values[i, j]:.2f}" if normalize else f"{counts[i, j]}"
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=8,
                color="white" if values[i, j] > threshold else "black",
            )
    fig.tight_layout()
    return finish(fig, path)
