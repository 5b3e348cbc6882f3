"""The Playground's picture over epochs as an animated GIF: the output over the input plane with
the training and test points, and the loss curves so far, one frame per stretch of training."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..playground.datasets import EXTENT
from ..playground.session import Session
from ._deps import require_matplotlib
from ._figures import figure_to_array, new_figure

# The page's colours: orange for -1 (class 0), a light grey for 0, blue for +1 (class 1).
NEG, MID, POS = "#f59322", "#e8eaeb", "#0877bd"
# Where the heat map sits, as a fraction of the figure (left, bottom, width, height): square in the
# default 2:1 figure; the map fills it (the plane [-6, 6]² stretched to the box).
MAP_BOX = (0.03, 0.08, 0.42, 0.84)


def playground_animation(
    path,
    settings=None,
    epochs: int = 300,
    frames: int = 25,
    fps: float = 8,
    size: tuple = (7.2, 3.6),
    dpi: int = 80,
) -> Session:
    """Trains a Playground network (`settings` as the page takes them, e.g. {"dataset":
    "spiral", "features": [...], "hidden": [8, 8]}, or a Session to go on training) for `epochs`
    epochs and writes `frames` pictures of it to the animated GIF `path`: the first before any
    training, then evenly spaced epochs. Each shows the output over the plane (orange below,
    blue above the middle) with the training points (white edge) and test points (black edge),
    and the training and test loss so far. The GIF is size * dpi pixels; returns the Session.
    A new Session seeds nerve (and numpy's global generator) from settings["seed"], default 0."""
    require_matplotlib()
    from matplotlib.colors import LinearSegmentedColormap
    from PIL import Image

    if isinstance(frames, bool) or not isinstance(frames, int) or frames < 2:
        raise ValueError(f"playground_animation: frames must be an int >= 2, got {frames!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < frames - 1:
        raise ValueError(
            f"playground_animation: epochs must be an int of at least frames - 1 = {frames - 1} "
            f"(one epoch or more between frames), got {epochs!r}"
        )
    if not fps > 0:
        raise ValueError(f"playground_animation: fps must be positive, got {fps!r}")
    path = Path(path)
    if path.suffix.lower() != ".gif":
        raise ValueError(f"playground_animation writes a GIF; give a path ending in .gif: {path}")
    session = settings if isinstance(settings, Session) else Session(settings or {})
    marks = np.linspace(0, epochs, frames).round().astype(int) + session.epoch

    fig = new_figure(*size, dpi=dpi)
    ax_map = fig.add_axes(MAP_BOX)
    ax_loss = fig.add_axes((0.6, 0.17, 0.37, 0.68))
    cmap = LinearSegmentedColormap.from_list("playground", [NEG, MID, POS])
    e = EXTENT
    image = ax_map.imshow(
        session.output_map(), cmap=cmap, vmin=-1, vmax=1, extent=(-e, e, -e, e),
        interpolation="bilinear", aspect="auto",
    )  # fmt: skip
    labels = {"train": session.y_train, "test": session.y_test}
    for name, pts, edge in (
        ("train", session.x_train_pts, "white"),
        ("test", session.x_test_pts, "black"),
    ):
        values = labels[name] if session.regression else 2 * labels[name] - 1
        ax_map.scatter(
            pts[:, 0], pts[:, 1], c=values, cmap=cmap, vmin=-1, vmax=1, s=9,
            edgecolors=edge, linewidths=0.5,
        )  # fmt: skip
    ax_map.set_xlim(-e, e)
    ax_map.set_ylim(-e, e)
    ax_map.set_xticks([])
    ax_map.set_yticks([])
    (train_line,) = ax_loss.plot([], [], color="#888888", label="training")
    (test_line,) = ax_loss.plot([], [], color="#222222", label="test")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss")
    ax_loss.legend(loc="upper right", fontsize=8, frameon=False)
    ax_loss.set_xlim(marks[0], max(marks[-1], marks[0] + 1))
    title = fig.suptitle("", fontsize=10)

    pictures, curve = [], []
    for mark in marks:
        session.train(int(mark - session.epoch))
        if session.error:
            raise RuntimeError(f"playground_animation: {session.error}")
        train_loss, test_loss = session.losses()
        curve.append((session.epoch, train_loss, test_loss))
        c = np.array(curve)
        train_line.set_data(c[:, 0], c[:, 1])
        test_line.set_data(c[:, 0], c[:, 2])
        ax_loss.set_ylim(0, max(1e-6, float(c[:, 1:].max())) * 1.1)
        image.set_data(session.output_map())
        title.set_text(
            f"{session.settings['dataset']}: epoch {session.epoch}, "
            f"test loss {test_loss:.3f}, training loss {train_loss:.3f}"
        )
        pictures.append(Image.fromarray(figure_to_array(fig)[..., :3]))
    pictures[0].save(
        path,
        save_all=True,
        append_images=pictures[1:],
        duration=round(1000 / fps),
        loop=0,
        optimize=False,
    )
    return session
