"""plot_history: the loss and each metric per epoch, training and validation side by side."""

from __future__ import annotations

import numpy as np

from ._figures import finish, new_figure

TRAIN_COLOR, VALIDATION_COLOR = "#1f77b4", "#ff7f0e"


def _as_dict(history) -> dict:
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict):
        raise TypeError(
            f"plot_history: expected a History (what fit returns) or its .history dict, got "
            f"{type(history).__name__}"
        )
    return logs


def plot_history(history, metrics=None, path=None):
    """One panel per quantity ("loss", then each metric), the training curve and, when the
    logs have it, the validation curve ("val_<name>"). `metrics`: the names to draw (default
    every one logged). Returns the Figure; `path` saves it (PNG)."""
    logs = _as_dict(history)
    names = []
    for key in logs:
        base = key[4:] if key.startswith("val_") else key
        if base not in names:
            names.append(base)
    if "loss" in names:  # the docstring's order: fit's logs come sorted by name, as Keras's
        names.remove("loss")
        names.insert(0, "loss")
    if metrics is not None:
        wanted = [metrics] if isinstance(metrics, str) else list(metrics)
        unknown = [m for m in wanted if m not in names]
        if unknown:
            raise ValueError(f"plot_history: {unknown} not in the logs; they have {names}")
        names = wanted
    if not names or not any(len(logs.get(k, [])) for n in names for k in (n, f"val_{n}")):
        raise ValueError("plot_history: the history is empty (fit ran no epoch?)")

    fig = new_figure(4.2 * len(names), 3.2)
    for i, name in enumerate(names):
        ax = fig.add_subplot(1, len(names), i + 1)
        for key, label, color in (
            (name, "training", TRAIN_COLOR),
            (f"val_{name}", "validation", VALIDATION_COLOR),
        ):
            values = np.asarray(logs.get(key, []), dtype=np.float64)
            if values.size:
                epochs = np.arange(1, values.size + 1)
                ax.plot(
                    epochs,
                    values,
                    "o-" if values.size < 30 else "-",
                    ms=3,
                    color=color,
                    label=label,
                )
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    fig.tight_layout()
    return finish(fig, path)
