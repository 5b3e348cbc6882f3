"""nerve.viz.playground_animation: an animated GIF of the Playground's picture over epochs."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")
Image = pytest.importorskip("PIL.Image")
viz = pytest.importorskip("nerve.viz")
from nerve.viz.playground import MAP_BOX  # noqa: E402


def gif_frames(path) -> list:
    with Image.open(path) as im:
        assert im.format == "GIF"
        frames = []
        for i in range(im.n_frames):
            im.seek(i)
            frames.append(np.asarray(im.convert("RGB"), dtype=np.int16))
        return frames


def test_gif_shows_the_network_learning(tmp_path):
    path = tmp_path / "xor.gif"
    settings = {"dataset": "xor", "hidden": [4], "learning_rate": 0.1}
    session = viz.playground_animation(path, settings, epochs=60, frames=4, size=(6, 3), dpi=50)
    frames = gif_frames(path)
    assert len(frames) == 4
    assert all(f.shape == (150, 300, 3) for f in frames)
    assert session.epoch == 60
    # Frames differ as the network learns, and the heat map (left half) changes most.
    for a, b in zip(frames, frames[1:]):
        assert np.abs(a - b).sum(axis=2).astype(bool).mean() > 0.01
    left = slice(None), slice(0, 150)
    assert np.mean(np.abs(frames[0][left] - frames[-1][left]).sum(axis=2) > 60) > 0.1
    # The trained map is blue (class 1) where x1 * x2 > 0 and orange (class 0) elsewhere.
    last = frames[-1]
    left_, bottom, width, height = (
        f * 300 if i % 2 == 0 else f * 150 for i, f in enumerate(MAP_BOX)
    )
    top = 150 - bottom - height

    def blue_minus_red(x1, x2):
        x = int(left_ + (x1 + 6) / 12 * width)
        y = int(top + (6 - x2) / 12 * height)
        patch = last[y - 2 : y + 3, x - 2 : x + 3].reshape(-1, 3).mean(axis=0)
        return patch[2] - patch[0]

    assert blue_minus_red(3.5, 3.5) > 0 and blue_minus_red(-3.5, -3.5) > 0
    assert blue_minus_red(-3.5, 3.5) < 0 and blue_minus_red(3.5, -3.5) < 0
    train_loss, _ = session.losses()
    assert train_loss < 0.3


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="frames must be an int >= 2"):
        viz.playground_animation(tmp_path / "a.gif", frames=1)
    with pytest.raises(ValueError, match="give a path ending in .gif"):
        viz.playground_animation(tmp_path / "a.png")
    with pytest.raises(ValueError, match="epochs must be an int of at least"):
        viz.playground_animation(tmp_path / "a.gif", epochs=3, frames=10)
    from nerve.playground import SettingsError

    with pytest.raises(SettingsError, match="learning rate 0"):
        viz.playground_animation(tmp_path / "a.gif", {"learning_rate": 0})
