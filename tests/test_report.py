"""nerve.viz.report and the Report callback: the HTML page parses and has its sections, every
picture in it is an embedded PNG (or inline SVG) that decodes, has a sane size and is not blank,
the mistakes it counts are the model's wrong predictions, nothing is loaded from outside the
file, bad input is refused, and a real browser (headless Chromium) renders the page."""

import base64
import io
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser

import numpy as np
import pytest

import nerve
from nerve import layers as L

pytest.importorskip("matplotlib")
PIL_Image = pytest.importorskip("PIL.Image")
viz = pytest.importorskip("nerve.viz")

SECTIONS = ("history", "model", "weights", "filters", "predictions")


class Page(HTMLParser):
    """What the tests read from a report: sections, images, SVGs, sample cells, every URL."""

    def __init__(self, text: str):
        super().__init__()
        self.sections, self.images, self.svgs, self.samples, self.urls = [], [], 0, [], []
        self.mistake_count = None
        self._section = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href"):
            if key in a:
                self.urls.append(a[key])
        if tag in ("link", "script", "iframe", "object", "embed"):
            self.urls.append(f"<{tag}>")
        if tag == "section":
            self._section = a["id"]
            self.sections.append(a["id"])
        elif tag == "img":
            self.images.append((self._section, a))
        elif tag == "svg":
            self.svgs += 1
        elif tag == "p" and a.get("id") == "mistake-count":
            self.mistake_count = (int(a["data-mistakes"]), int(a["data-samples"]))
        if "data-pred" in a:
            self.samples.append(a)


def decode_png(src: str):
    """The RGB pixels of a data: URI PNG, as floats in [0, 1]."""
    prefix = "data:image/png;base64,"
    assert src.startswith(prefix), src[:40]
    data = base64.b64decode(src[len(prefix) :], validate=True)
    with PIL_Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB"), dtype=np.float64) / 255


def assert_figure_image(img_attrs) -> None:
    """A matplotlib picture: its declared size, at least 200x150, and drawn (not blank)."""
    rgb = decode_png(img_attrs["src"])
    assert rgb.shape[:2] == (int(img_attrs["height"]), int(img_attrs["width"]))
    assert rgb.shape[0] >= 150 and rgb.shape[1] >= 200, rgb.shape
    drawn = np.any(rgb < 0.95, axis=-1)
    assert drawn.mean() > 0.02 and rgb.std() > 0.05, img_attrs["alt"]


def bars(n: int, seed: int):
    """8x8 images of a bright horizontal (class 0) or vertical (class 1) bar, on noise."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 0.3, (n, 8, 8, 1)).astype(np.float32)
    y = rng.integers(0, 2, n)
    pos = rng.integers(1, 7, n)
    for i in range(n):
        if y[i] == 0:
            x[i, pos[i], :, 0] = 1.0
        else:
            x[i, :, pos[i], 0] = 1.0
    return x, y


def cnn(**compile_args):
    model = nerve.Sequential(
        [
            nerve.Input((8, 8, 1)),
            L.Conv2D(4, 3, activation="relu", name="conv"),
            L.Flatten(name="flatten"),
            L.Dense(2, activation="softmax", name="classifier"),
        ]
    )
    model.compile(
        optimizer=nerve.optimizers.Adam(0.01),
        loss="sparse_categorical_crossentropy",
        **compile_args,
    )
    return model


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A CNN trained with the Report callback; the labels given to the report have 6 flipped,
    so the page has mistakes to show whatever the model learned."""
    nerve.utils.set_random_seed(3)
    x, y = bars(256, 0)
    x_val, y_val = bars(40, 1)
    y_val[:6] = 1 - y_val[:6]
    path = tmp_path_factory.mktemp("report") / "report.html"
    model = cnn(metrics=["accuracy"])
    callback = viz.Report(path, x=x_val, y=y_val, max_samples=16, class_names=["row", "column"])
    model.fit(x, y, epochs=3, batch_size=32, validation_data=(x_val, y_val), callbacks=[callback])
    return model, callback, path, x_val, y_val


def test_the_callback_writes_a_self_contained_page_with_every_section(trained):
    model, _, path, x_val, y_val = trained
    page = Page(path.read_text(encoding="utf-8"))
    assert page.sections == list(SECTIONS)
    # nothing from outside the file: images inline, links only to the page's own sections
    assert page.urls and all(u.startswith(("data:image/png;base64,", "#")) for u in page.urls)
    assert page.svgs == 1  # the model diagram, inline
    text = path.read_text(encoding="utf-8")
    for name in ("conv", "flatten", "classifier"):
        assert f'data-name="{name}"' in text
    figures = {}
    for section, attrs in page.images:
        if "sample" not in attrs["alt"]:
            assert_figure_image(attrs)
            figures.setdefault(section, []).append(attrs["alt"])
    assert figures == {
        "history": ["loss and metric curves"],
        "weights": ["weights over epochs"],
        "filters": ["conv filters"],
        "predictions": ["confusion matrix"],
    }
    assert not [p for p in os.listdir(path.parent) if p != path.name]  # no temporary file left


def test_the_mistakes_shown_are_the_wrong_predictions(trained):
    model, _, path, x_val, y_val = trained
    page = Page(path.read_text(encoding="utf-8"))
    predicted = model.predict(x_val, verbose=0).argmax(axis=1)
    wrong = predicted != y_val
    assert wrong.sum() > 0
    assert page.mistake_count == (int(wrong.sum()), len(y_val))
    assert len(page.samples) == 16
    for cell in page.samples:
        i = int(cell["data-index"])
        assert int(cell["data-true"]) == y_val[i] and int(cell["data-pred"]) == predicted[i]
        assert ("mistake" in cell["class"].split()) == wrong[i]
    shown_wrong = sum("mistake" in c["class"].split() for c in page.samples)
    assert shown_wrong == min(int(wrong.sum()), 8)  # mistakes get up to half the grid
    samples = [a for s, a in page.images if "sample" in a["alt"]]
    assert len(samples) == 16
    for attrs in samples:  # the 8x8 input itself, with its bright bar
        rgb = decode_png(attrs["src"])
        i = int(attrs["alt"].split()[-1])
        assert rgb.shape == (8, 8, 3)
        bright = x_val[i, :, :, 0] > 0.9
        assert rgb[bright].mean() > 0.9 and rgb[~bright].mean() < 0.5


def test_the_callback_records_weight_histograms_every_epoch(trained):
    model, callback, *_ = trained
    history = callback.weight_history
    assert history.epochs == [0, 1, 2, 3]
    # Keras's weight paths, as the TensorBoard callback names its histograms
    assert list(history.histograms) == [
        f"{model.name}/{layer}/{weight}"
        for layer in ("conv", "classifier")
        for weight in ("kernel", "bias")
    ]
    kernel = np.asarray(model.layers[-1].get_weights()[0])
    epoch, counts, edges = history.histograms[f"{model.name}/classifier/kernel"][-1]
    assert epoch == 3 and counts.sum() == kernel.size
    np.testing.assert_array_equal(counts, np.histogram(kernel, bins=callback.bins)[0])
    first = history.histograms[f"{model.name}/classifier/kernel"][0][1:]
    assert not np.array_equal(first[1], edges)  # training moved the weights
    # in fit's order, which is Keras's: sorted by name
    assert list(callback.logs) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert len(callback.logs["loss"]) == 3


def test_freq_refreshes_the_page_during_training(tmp_path):
    path = tmp_path / "live.html"
    x, y = bars(64, 2)
    seen = []

    def read(epoch, logs):
        page = Page(path.read_text(encoding="utf-8"))
        seen.append((epoch, page.sections[0], path.stat().st_mtime_ns))

    model = cnn()
    report = viz.Report(path, x=x[:12], y=y[:12], freq=2)  # predict() runs inside fit too
    watcher = nerve.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: read(epoch, logs) if path.exists() else None
    )
    model.fit(x, y, epochs=5, batch_size=32, verbose=0, callbacks=[report, watcher])
    # written after epochs 2 and 4 (freq), and at the end (epoch 5)
    assert [e for e, *_ in seen] == [1, 2, 3, 4]
    assert seen[0][2] == seen[1][2] < seen[2][2] == seen[3][2] < path.stat().st_mtime_ns
    text = path.read_text(encoding="utf-8")
    assert "<th>epochs</th><td>5</td>" in text
    assert report.weight_history.epochs == [0, 1, 2, 3, 4, 5]
    assert Page(text).mistake_count[1] == 12


def test_report_alone_on_a_dense_model_shows_a_table_and_the_final_weights(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((120, 2)).astype(np.float32)
    y = (x[:, 0] * x[:, 1] > 0).astype(np.float32)  # XOR of the signs: a line gets ~half wrong
    model = nerve.Sequential([nerve.Input((2,)), L.Dense(1, activation="sigmoid", name="out")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=2, verbose=0)
    path = viz.report(model, history, tmp_path / "r.html", x=x, y=y[:, None], max_samples=10)
    assert path == str(tmp_path / "r.html")
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    page = Page(text)
    assert page.sections == ["history", "model", "weights", "predictions"]  # no Conv2D
    assert "The final weights" in text
    wrong = (model.predict(x, verbose=0)[:, 0] > 0.5) != y.astype(bool)
    assert 0 < wrong.sum() < len(y)
    assert page.mistake_count == (int(wrong.sum()), len(y))
    assert len(page.samples) == 10  # table rows
    assert all(cell.get("class") in ("mistake", "correct") for cell in page.samples)
    assert sum(c["class"] == "mistake" for c in page.samples) == min(int(wrong.sum()), 5)
    assert '<table class="samples">' in text and "sample 0" not in text  # no pictures of points
    for _, attrs in page.images:
        assert_figure_image(attrs)
    # no history and no samples: the curves section says so, the rest is drawn
    viz.report(model, None, tmp_path / "bare.html")
    bare = (tmp_path / "bare.html").read_text(encoding="utf-8")
    assert Page(bare).sections == ["history", "model", "weights"]
    assert "No epoch was logged." in bare


def test_report_refuses_bad_input(tmp_path):
    x, y = bars(20, 4)
    model = cnn()
    model.fit(x, y, epochs=1, verbose=0)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        viz.report(model, None, tmp_path / "missing" / "r.html")
    (tmp_path / "afile").write_text("x")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        viz.report(model, None, tmp_path / "afile" / "r.html")
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        viz.report(model, None, tmp_path)
    with pytest.raises(ValueError, match="x has 20 .* y has 19"):
        viz.report(model, None, tmp_path / "r.html", x=x, y=y[:19])
    with pytest.raises(ValueError, match="both x and y"):
        viz.report(model, None, tmp_path / "r.html", x=x)
    with pytest.raises(ValueError, match="max_samples"):
        viz.report(model, None, tmp_path / "r.html", x=x, y=y, max_samples=0)
    with pytest.raises(ValueError, match="class_names has 1 names"):
        viz.report(model, None, tmp_path / "r.html", x=x, y=y, class_names=["a"])
    unbuilt = nerve.Sequential([L.Dense(2)])
    with pytest.raises(ValueError, match="report: .*not built"):
        viz.report(unbuilt, None, tmp_path / "r.html")
    with pytest.raises(TypeError, match="expected a nerve model"):
        viz.report("model", None, tmp_path / "r.html")
    regression = nerve.Sequential([nerve.Input((8, 8, 1)), L.Flatten(), L.Dense(1)])
    with pytest.raises(ValueError, match="class labels"):
        viz.report(regression, None, tmp_path / "r.html", x=x, y=y + 0.5)
    assert not (tmp_path / "r.html").exists()
    # the callback refuses at once, before any training
    with pytest.raises(FileNotFoundError, match="Report: .*does not exist"):
        viz.Report(tmp_path / "missing" / "r.html")
    with pytest.raises(ValueError, match="Report: x and y .* x has 20"):
        viz.Report(tmp_path / "r.html", x=x, y=y[:5])
    with pytest.raises(ValueError, match="freq"):
        viz.Report(tmp_path / "r.html", freq=-1)
    with pytest.raises(ValueError, match="bins"):
        viz.Report(tmp_path / "r.html", bins=1)


def test_without_the_extra_report_names_it(monkeypatch, tmp_path):
    model = cnn()
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now fails
    with pytest.raises(ImportError, match=r'pip install "nerve\[viz\]"'):
        viz.report(model, None, tmp_path / "r.html")
    with pytest.raises(ImportError, match=r'pip install "nerve\[viz\]"'):
        viz.Report(tmp_path / "r.html")


# ---- in a real browser ------------------------------------------------------------------------


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no headless Chromium on this machine (Debian: apt-get install chromium)")


def _run_chromium(*args):
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
    # no network: a page that tried to load anything from outside would show it missing
    flags += ["--no-proxy-server", "--host-resolver-rules=MAP * ~NOTFOUND"]
    out = subprocess.run(
        [_chromium(), *flags, *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_chromium_renders_the_report(trained, tmp_path):
    _, _, path, *_ = trained
    url = path.resolve().as_uri()
    dom = Page(_run_chromium("--dump-dom", url))
    assert dom.sections == list(SECTIONS)
    assert dom.svgs == 1
    assert len(dom.images) == 4 + 16  # four figures and the sample grid
    assert dom.mistake_count == Page(path.read_text(encoding="utf-8")).mistake_count
    shot = tmp_path / "shot.png"
    _run_chromium(f"--screenshot={shot}", "--window-size=1280,2400", "--hide-scrollbars", url)
    with PIL_Image.open(shot) as image:
        rgb = np.asarray(image.convert("RGB"), dtype=np.float64) / 255
    assert rgb.shape[:2] == (2400, 1280)
    drawn = np.any(rgb < 0.95, axis=-1)
    assert drawn.mean() > 0.03  # text, curves, diagram and histograms, not an empty page
    # the training curve's blue (plot_history's training colour) is on screen: images decoded
    blue = np.array([0x1F, 0x77, 0xB4]) / 255
    assert (np.abs(rgb - blue).max(axis=-1) < 0.06).sum() > 50
