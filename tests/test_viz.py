"""nerve.viz: the pictures themselves (sizes, not blank, the right colours and pixels in the
right places), the numbers behind them against hand-computed values, and the optional extra."""

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import nerve
from nerve import layers as L

from helpers import need_mnist

pytest.importorskip("matplotlib")
PIL_Image = pytest.importorskip("PIL.Image")
viz = pytest.importorskip("nerve.viz")

REPO = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def _seed():
    nerve.utils.set_random_seed(5)


def pixels(fig) -> np.ndarray:
    """RGB floats in [0, 1], row 0 at the top; checks the size the figure says it has."""
    rgba = viz.figure_to_array(fig)
    width, height = fig.get_size_inches() * fig.dpi
    assert rgba.shape == (round(height), round(width), 4)
    return rgba[..., :3].astype(np.float64) / 255


def assert_not_blank(rgb: np.ndarray, min_share: float = 0.02) -> None:
    drawn = np.any(rgb < 0.95, axis=-1)
    assert drawn.mean() > min_share, f"only {drawn.mean():.3%} of the picture is drawn"
    assert rgb.std() > 0.05


def assert_png(path, fig) -> None:
    with PIL_Image.open(path) as image:
        width, height = fig.get_size_inches() * fig.dpi
        assert image.format == "PNG" and image.size == (round(width), round(height))
        assert_not_blank(np.asarray(image.convert("RGB"), dtype=np.float64) / 255)


def data_to_pixel(fig, ax, x, y) -> tuple:
    """(row, column) of the data point (x, y) of `ax` in the rendered picture."""
    fig.canvas.draw()
    px, py = ax.transData.transform((x, y))
    height = fig.get_size_inches()[1] * fig.dpi
    return int(round(height - py)), int(round(px))


# ---- the optional extra ---------------------------------------------------------------------


def test_without_the_extra_a_call_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now fails
    with pytest.raises(ImportError, match=r'pip install "nerve\[viz\]"'):
        viz.plot_history({"loss": [1.0, 0.5]})
    with pytest.raises(ImportError, match=r'pip install "nerve\[viz\]"'):
        viz.plot_confusion_matrix([0, 1], [0, 1])


def test_importing_nerve_viz_does_not_import_matplotlib():
    code = "import sys, nerve, nerve.viz; print('matplotlib' in sys.modules)"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_the_extra_is_pinned_and_installed_by_the_documented_test_command():
    text = (REPO / "pyproject.toml").read_text()
    assert 'viz = ["matplotlib==' in text and '"Pillow==' in text
    for doc in ("README.md", "CONTRIBUTING.md", ".ci/run"):
        extras = re.search(r'pip install "\.\[([\w,]+)\]"', (REPO / doc).read_text())
        assert extras and "viz" in extras[1].split(","), f"{doc} does not install the viz extra"


# ---- plot_history ---------------------------------------------------------------------------


def test_plot_history_draws_training_and_validation_curves(tmp_path):
    x = np.random.default_rng(0).standard_normal((64, 3)).astype(np.float32)
    y = (x.sum(axis=1, keepdims=True) > 0).astype(np.float32)
    model = nerve.Sequential([nerve.Input((3,)), L.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=4, validation_split=0.25, verbose=0)
    fig = viz.plot_history(history, path=tmp_path / "h.png")
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    rgb = pixels(fig)
    assert_not_blank(rgb)
    for color in (viz.history.TRAIN_COLOR, viz.history.VALIDATION_COLOR):  # both curves drawn
        target = np.array([int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)])
        assert (np.abs(rgb - target).max(axis=-1) < 0.05).sum() > 50
    assert_png(tmp_path / "h.png", fig)
    assert [ax.get_title() for ax in viz.plot_history(history.history, ["loss"]).axes] == ["loss"]
    with pytest.raises(ValueError, match="not in the logs"):
        viz.plot_history(history, ["auc"])
    with pytest.raises(ValueError, match="empty"):
        viz.plot_history({})


# ---- plot_model -----------------------------------------------------------------------------


def _svg(model):
    root = ET.fromstring(viz.model_to_svg(model))
    boxes = {}
    for g in root.iter(f"{SVG}g"):
        rect = g.find(f"{SVG}rect")
        texts = ["".join(t.itertext()) for t in g.iter(f"{SVG}text")]
        geometry = tuple(float(rect.get(k)) for k in ("x", "y", "width", "height"))
        boxes.setdefault(g.get("data-name"), []).append((geometry, texts))
    edges = {(e.get("data-from"), e.get("data-to")) for e in root.iter(f"{SVG}polyline")}
    return root, boxes, edges


def test_plot_model_sequential_svg_and_png(tmp_path):
    model = nerve.Sequential(
        [
            nerve.Input((12, 12, 1)),
            L.Conv2D(4, 3, name="conv"),
            L.Flatten(name="flat"),
            L.Dense(5, name="head"),
        ]
    )
    root, boxes, edges = _svg(model)
    names = [l.name for l in model.layers]
    assert set(names) <= set(boxes)
    (_, texts) = boxes["conv"][0]
    assert texts == ["conv (Conv2D)", "out: (None, 10, 10, 4)", "params: 40"]
    assert boxes["head"][0][1][2] == "params: 2,005"  # 10 * 10 * 4 inputs * 5 + 5
    input_name = next(n for n in boxes if n not in names)
    assert edges == {(input_name, "conv"), ("conv", "flat"), ("flat", "head")}
    tops = [boxes[n][0][0][1] for n in [input_name] + names]
    assert tops == sorted(tops) and len(set(tops)) == 4  # one row per layer, top to bottom

    fig = viz.plot_model(model, tmp_path / "m.png")
    assert_png(tmp_path / "m.png", fig)
    width, height = fig.get_size_inches() * 100
    assert (width, height) == pytest.approx(
        (float(root.get("width")), float(root.get("height"))), abs=1
    )
    viz.plot_model(model, to_file=tmp_path / "m.svg")
    assert ET.parse(tmp_path / "m.svg").getroot().tag == f"{SVG}svg"


def test_plot_model_functional_graph_shows_both_branches_and_the_merge():
    inp = nerve.Input((6,), name="features")
    left = L.Dense(4, name="left")(inp)
    right = L.Dense(4, name="right_b")(L.Dense(4, name="right_a")(inp))
    merged = L.Concatenate(name="merge")([left, right])
    out = L.Dense(6, name="proj")(merged)
    model = nerve.Model(inp, L.Add(name="skip")([out, inp]))
    _, boxes, edges = _svg(model)
    assert {l.name for l in model.layers} <= set(boxes)
    assert {
        ("features", "left"),
        ("features", "right_a"),
        ("right_a", "right_b"),
        ("left", "merge"),
        ("right_b", "merge"),
        ("features", "skip"),
        ("proj", "skip"),
    } <= edges
    (lx, ly, lw, _), _ = boxes["left"][0]
    (rx, ry, rw, _), _ = boxes["right_a"][0]
    assert ly == ry and (lx + lw <= rx or rx + rw <= lx)  # side by side, apart
    # the skip connection runs beside the boxes it passes, not through them
    root = ET.fromstring(viz.model_to_svg(model))
    skip = next(
        e
        for e in root.iter(f"{SVG}polyline")
        if (e.get("data-from"), e.get("data-to")) == ("features", "skip")
    )
    points = [tuple(map(float, p.split(","))) for p in skip.get("points").split()]
    for name in ("right_b", "merge", "proj"):
        (x, y, w, h), _ = boxes[name][0]
        for px, py in points:
            assert not (x < px < x + w and y < py < y + h), f"the skip edge crosses {name}"
    assert_not_blank(pixels(viz.plot_model(model)))


def test_plot_model_draws_a_nested_model_as_one_box():
    inner = nerve.Sequential([nerve.Input((3,)), L.Dense(4), L.Dense(2)], name="block")
    inp = nerve.Input((3,))
    model = nerve.Model(inp, L.Dense(1, name="out")(inner(inp)))
    _, boxes, edges = _svg(model)
    assert len(boxes["block"]) == 1 and ("block", "out") in edges
    assert boxes["block"][0][1][0] == "block (Sequential)"


# ---- filters and feature maps ---------------------------------------------------------------


def test_filter_grid_shows_a_known_kernel():
    conv = L.Conv2D(2, 3, use_bias=False, name="known")
    model = nerve.Sequential([nerve.Input((8, 8, 1)), conv])
    kernel = np.zeros((3, 3, 1, 2), np.float32)
    kernel[:, :, 0, 0] = [[-1, 0, 1]] * 3  # a vertical edge: black, grey, white columns
    kernel[:, :, 0, 1] = np.arange(9).reshape(3, 3)  # nine grey levels, row by row
    conv.set_weights([kernel])
    expected = [np.tile([0.0, 0.5, 1.0], (3, 1)), np.arange(9).reshape(3, 3) / 8]
    np.testing.assert_allclose(viz.filter_images(model, "known"), expected)
    fig = viz.plot_filters(model)
    rgb = pixels(fig)
    for ax, want in zip(fig.axes, expected):
        box = ax.get_window_extent()
        for r in range(3):
            for c in range(3):
                row = int(rgb.shape[0] - (box.y1 - (r + 0.5) * box.height / 3))
                col = int(box.x0 + (c + 0.5) * box.width / 3)
                grey = rgb[row, col]
                assert np.ptp(grey) < 0.02  # grey, not coloured
                assert grey.mean() == pytest.approx(want[r, c], abs=0.03), (r, c)
    with pytest.raises(ValueError, match="not a Conv2D"):
        viz.plot_filters(L.Dense(2))


def test_feature_maps_are_the_layer_output_and_dense_has_none():
    conv = L.Conv2D(2, 1, use_bias=False, name="scale")
    model = nerve.Sequential(
        [nerve.Input((6, 5, 1)), conv, L.Flatten(), L.Dense(3, name="dense_out")]
    )
    conv.set_weights([np.array([[[[1.0, -2.0]]]], np.float32)])
    x = np.random.default_rng(1).random((6, 5, 1)).astype(np.float32)
    maps = viz.feature_maps(model, x, "scale")
    np.testing.assert_allclose(maps, np.concatenate([x, -2 * x], axis=-1), rtol=1e-6)
    fig = viz.plot_feature_maps(model, x, "scale")
    assert len(fig.axes) == 2
    assert_not_blank(pixels(fig))
    with pytest.raises(ValueError, match="dense_out.*no spatial feature maps"):
        viz.plot_feature_maps(model, x, "dense_out")
    with pytest.raises(ValueError, match="one sample of shape"):
        viz.feature_maps(model, np.zeros((2, 6, 5, 1)), "scale")
    with pytest.raises(ValueError, match="no layer named 'nope'"):
        viz.feature_maps(model, x, "nope")


def test_the_eager_graph_run_matches_predict_for_a_branched_nested_model():
    inner = nerve.Sequential([nerve.Input((4,)), L.Dense(5, activation="relu")])
    inp = nerve.Input((4,))
    a = L.Dense(5, activation="tanh")(inp)
    out = L.Dense(2, name="last")(L.Add()([a, inner(inp)]))
    model = nerve.Model(inp, out)
    x = np.random.default_rng(2).standard_normal((7, 4)).astype(np.float32)
    np.testing.assert_allclose(
        viz._model_graph.layer_output(model, x, "last"), model.predict(x, verbose=0), rtol=1e-6
    )


# ---- saliency and Grad-CAM ------------------------------------------------------------------


def test_saliency_of_a_linear_model_is_its_weight_column():
    model = nerve.Sequential([nerve.Input((4,)), L.Dense(3)])
    w = model.get_weights()[0]
    x = np.array([0.5, -1.0, 2.0, 0.1], np.float32)
    np.testing.assert_allclose(viz.saliency_map(model, x, class_index=2), np.abs(w[:, 2]))
    with pytest.raises(ValueError, match="class_index=3"):
        viz.saliency_map(model, x, class_index=3)
    assert_not_blank(pixels(viz.plot_saliency(model, x, 1)), 0.01)


def test_grad_cam_matches_the_hand_computed_map():
    """Conv 1x1 (linear) -> global average -> Dense: d score_c / d A_k = W[k, c] / (h w)."""
    conv = L.Conv2D(3, 1, name="maps")
    model = nerve.Sequential(
        [nerve.Input((4, 4, 2)), conv, L.GlobalAveragePooling2D(), L.Dense(2, name="scores")]
    )
    x = np.random.default_rng(3).standard_normal((4, 4, 2)).astype(np.float32)
    a = viz.feature_maps(model, x, "maps")
    w = model.get_layer("scores").get_weights()[0]
    for c in range(2):
        cam = np.maximum((a * (w[:, c] / 16)).sum(axis=-1), 0)
        cam = cam / cam.max() if cam.max() > 0 else cam
        np.testing.assert_allclose(viz.grad_cam(model, x, "maps", c), cam, atol=1e-5)
    with pytest.raises(ValueError, match="no spatial feature maps"):
        viz.grad_cam(model, x, "scores")


@pytest.fixture(scope="module")
def mnist_cnn():
    """A small CNN trained for one epoch on 2,000 real MNIST digits (~95% on the test digits)."""
    need_mnist()
    nerve.utils.set_random_seed(0)
    (x, y), (xt, yt) = nerve.datasets.mnist.load_data()
    x = x[:2000].reshape(-1, 28, 28, 1).astype(np.float32) / 255
    xt = xt[:200].reshape(-1, 28, 28, 1).astype(np.float32) / 255
    model = nerve.Sequential(
        [
            nerve.Input((28, 28, 1)),
            L.Conv2D(8, 3, padding="same", activation="relu", name="conv"),
            L.MaxPooling2D(2),
            L.Flatten(),
            L.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer=nerve.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy")
    model.fit(x, y[:2000], batch_size=32, epochs=1, verbose=0)
    return model, xt, yt[:200]


def test_saliency_of_a_digit_peaks_on_its_strokes(mnist_cnn):
    model, xt, yt = mnist_cnn
    predicted = model.predict(xt, verbose=0).argmax(axis=1)
    assert np.mean(predicted == yt) > 0.8
    on_stroke = 0
    for digit in xt[:6]:
        s = viz.saliency_map(model, digit)
        image = digit[..., 0]
        assert s.shape == (28, 28)
        stroke, background = image > 0.5, image == 0
        assert s[stroke].mean() > 1.5 * s[background].mean()
        on_stroke += image.flat[s.argmax()] > 0.3
    assert on_stroke >= 5
    # (an untrained CNN passes the two checks above too: ReLU gradients vanish where the
    # background switches units off) so also check the numbers: central differences of the
    # class probability at the most salient pixels
    digit = xt[0]
    c = int(predicted[0])
    s = viz.saliency_map(model, digit, c)
    h = 1e-2
    for flat in np.argsort(s.ravel())[-3:]:
        r, col = np.unravel_index(flat, s.shape)
        plus, minus = digit.copy(), digit.copy()
        plus[r, col, 0] += h
        minus[r, col, 0] -= h
        p_plus, p_minus = model.predict(np.stack([plus, minus]), verbose=0)[:, c]
        assert abs(p_plus - p_minus) / (2 * h) == pytest.approx(s[r, col], rel=0.05, abs=1e-4)
    fig = viz.plot_saliency(model, xt[0])
    assert_not_blank(pixels(fig))


def test_grad_cam_of_a_digit_lies_on_the_digit(mnist_cnn):
    model, xt, _ = mnist_cnn
    # Where the map falls depends on what this one-layer, one-epoch network learned (a ReLU map
    # that is constant on the background can light the background up), so only its form is
    # checked here; test_grad_cam_matches_the_hand_computed_map checks its numbers.
    for digit in xt[:4]:
        cam = viz.grad_cam(model, digit)  # the last spatial layer: the pooling after "conv"
        assert cam.shape == (28, 28) and cam.min() >= 0 and cam.max() == pytest.approx(1)
    assert_not_blank(pixels(viz.plot_grad_cam(model, xt[0], "conv")))
    maps = viz.plot_feature_maps(model, xt[0], "conv")
    assert len(maps.axes) == 8
    assert_not_blank(pixels(maps))


# ---- histograms, confusion matrix, projection, attention ------------------------------------


def test_gradient_histograms_use_the_loss_gradient():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((16, 3)).astype(np.float32)
    y = rng.standard_normal((16, 1)).astype(np.float32)
    model = nerve.Sequential([nerve.Input((3,)), L.Dense(1, name="lin")])
    model.compile(optimizer="sgd", loss="mse")
    ((layer, (gw, gb)),) = viz.layer_gradients(model, x, y)
    w, b = model.get_weights()
    residual = x @ w + b - y
    np.testing.assert_allclose(gw, 2 * x.T @ residual / 16, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(gb, 2 * residual.mean(axis=0), rtol=1e-4, atol=1e-6)
    assert layer.name == "lin"
    fig = viz.plot_gradient_histograms(model, x, y)
    assert [ax.get_title() for ax in fig.axes] == ["lin"]
    assert_not_blank(pixels(fig))
    deep = nerve.Sequential([nerve.Input((3,)), L.Dense(4), L.Dropout(0.5), L.Dense(2)])
    fig = viz.plot_weight_histograms(deep)
    assert len(fig.axes) == 2  # Dropout has no weights
    assert_not_blank(pixels(fig))
    with pytest.raises(ValueError, match="compile the model or pass loss="):
        viz.layer_gradients(deep, x, y)


def test_confusion_matrix_counts_and_picture():
    y_true = [0, 0, 0, 1, 1, 2, 2, 2, 2]
    y_prob = np.eye(3)[[0, 0, 1, 1, 1, 2, 2, 2, 0]]  # one-hot "probabilities"
    expected = [[2, 1, 0], [0, 2, 0], [1, 0, 3]]
    np.testing.assert_array_equal(viz.confusion_matrix(y_true, y_prob), expected)
    fig = viz.plot_confusion_matrix(y_true, y_prob, class_names=["a", "b", "c"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == [str(v) for row in expected for v in row]
    rgb = pixels(fig)
    darkness = {}
    for i in range(3):
        for j in range(3):
            r, c = data_to_pixel(fig, ax, j + 0.3, i + 0.3)  # off the printed number
            darkness[(i, j)] = 1 - rgb[r, c].mean()
    assert max(darkness, key=darkness.get) == (2, 2)  # the largest count is the darkest cell
    assert darkness[(0, 2)] < 0.05  # zero: white
    with pytest.raises(ValueError, match="num_classes"):
        viz.confusion_matrix([0, 3], [0, 1], num_classes=3)


def test_pca_projection_separates_two_clusters():
    rng = np.random.default_rng(5)
    direction = rng.standard_normal(10)
    direction /= np.linalg.norm(direction)
    labels = np.repeat([0, 1], 50)
    x = rng.standard_normal((100, 10)) * 0.2 + np.outer(2 * labels - 1, direction) * 3
    points, share = viz.pca_2d(x)
    covariance = np.cov(x.T)
    top = np.linalg.eigh(covariance)[1][:, -1]
    np.testing.assert_allclose(np.abs(points[:, 0]), np.abs((x - x.mean(0)) @ top), atol=1e-8)
    assert share[0] > 0.9
    assert np.all(np.sign(points[labels == 0, 0]) == -np.sign(points[labels == 1, 0]))
    fig = viz.plot_projection(x, labels)
    rgb = pixels(fig)
    for k in range(2):  # both classes' colours are on the picture
        color = np.array(fig.axes[0].collections[k].get_facecolor()[0][:3])
        assert (np.abs(rgb - color).max(axis=-1) < 0.1).sum() > 30


def test_attention_scores_of_a_layer_in_a_model():
    inp = nerve.Input((5, 8))
    h = L.Dense(8, name="embed")(inp)
    mha = L.MultiHeadAttention(num_heads=2, key_dim=4, name="mha")
    attended = mha(h, h, use_causal_mask=True)
    model = nerve.Model(inp, L.Dense(1)(attended))
    x = np.random.default_rng(6).standard_normal((3, 5, 8)).astype(np.float32)
    scores = viz.attention_scores(model, x)
    assert scores.shape == (3, 2, 5, 5)
    np.testing.assert_allclose(scores.sum(axis=-1), 1, rtol=1e-5)
    assert np.all(scores[..., np.triu_indices(5, 1)[0], np.triu_indices(5, 1)[1]] == 0)
    hidden = model.get_layer("embed")(x)
    _, direct = mha(hidden, hidden, use_causal_mask=True, return_attention_scores=True)
    np.testing.assert_allclose(scores, direct, rtol=1e-6)
    fig = viz.plot_attention(model, x, sample=1, tokens=list("abcde"))
    assert len(fig.axes) == 2
    assert_not_blank(pixels(fig))
    with pytest.raises(ValueError, match="not a MultiHeadAttention"):
        viz.attention_scores(model, x, layer="embed")


# ---- decision boundary ----------------------------------------------------------------------


def test_decision_boundary_of_a_trained_xor_network():
    rng = np.random.default_rng(7)
    centres = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], np.float32)
    classes = np.array([0, 1, 1, 0])
    pick = rng.integers(0, 4, 200)
    x = (centres[pick] + 0.25 * rng.standard_normal((200, 2))).astype(np.float32)
    y = classes[pick].astype(np.float32)[:, None]
    model = nerve.Sequential(
        [nerve.Input((2,)), L.Dense(8, activation="tanh"), L.Dense(1, activation="sigmoid")]
    )
    model.compile(optimizer=nerve.optimizers.Adam(0.05), loss="binary_crossentropy")
    model.fit(x, y, batch_size=32, epochs=40, verbose=0)

    def quadrant_classes():
        fig = viz.plot_decision_boundary(model, x, y, show_points=False)
        rgb = pixels(fig)
        found = []
        for cx, cy in centres:
            r, c = data_to_pixel(fig, fig.axes[0], cx, cy)
            red, _, blue = rgb[r, c]  # class 0 is orange, class 1 blue
            assert abs(red - blue) > 0.2
            found.append(int(blue > red))
        return found, fig

    found, fig = quadrant_classes()
    assert found == classes.tolist()
    assert_not_blank(pixels(fig), 0.3)
    w, b, w2, b2 = model.get_weights()
    model.set_weights([w, b, -w2, -b2])  # the opposite classifier: every quadrant flips
    assert quadrant_classes()[0] == (1 - classes).tolist()
    with_points = pixels(viz.plot_decision_boundary(model, x, y))
    assert np.abs(with_points - pixels(fig)).max() > 0.3  # the points are drawn on top
    with pytest.raises(ValueError, match="2-D inputs.*3-D"):
        viz.plot_decision_boundary(model, np.zeros((5, 3)))
