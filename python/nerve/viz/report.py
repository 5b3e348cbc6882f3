"""report: one self-contained HTML file about a model and its training (loss and metric curves,
the model diagram, weight histograms, convolution filters, sample predictions with the mistakes
shown). Pictures are embedded as base64 PNG or inline SVG; the file loads nothing else (no CDN,
no script), so it can be mailed, archived or opened offline."""

from __future__ import annotations

import base64
import datetime
import html
import io
import os
import tempfile

import numpy as np

from ..callbacks._png import encode_png
from ..layers.convolutional import Conv2D
from ._deps import require_matplotlib
from ._figures import normalize01
from ._images import display_image
from ._model_graph import graph_layers, graph_of
from .confusion import _labels, plot_confusion_matrix
from .filters import plot_filters
from .histograms import plot_weight_histograms
from .history import _as_dict, plot_history
from .model_diagram import model_to_svg

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1200px; color: #222;
       padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid #ccd; padding-bottom: .2em; }
nav a { margin-right: 1em; }
section { margin: 2em 0; }
section img, section svg { max-width: 100%; height: auto; vertical-align: top; }
table { border-collapse: collapse; font-size: .9em; }
td, th { border: 1px solid #ccd; padding: .25em .6em; text-align: left; }
.note { color: #666; font-style: italic; }
div.samples { display: flex; flex-wrap: wrap; gap: 8px; }
.sample { border: 3px solid #7bb77b; border-radius: 4px; padding: 4px; text-align: center;
          font-size: .8em; width: 96px; }
.sample img { width: 80px; height: auto; image-rendering: pixelated; }
.sample.mistake { border-color: #d62728; background: #fde4e4; }
tr.mistake { background: #fde4e4; }
.mistake .pred { color: #d62728; font-weight: bold; }
"""


# ---- checks -----------------------------------------------------------------------------------
def check_report_path(path, where: str = "report") -> str:
    """The path as a string, or a clear error when its folder cannot hold the file: checked
    before any drawing (and, by the Report callback, before training)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(f"{where}: cannot write the report to {path!r}: it is a folder")
    if not os.path.exists(folder):
        raise FileNotFoundError(
            f"{where}: cannot write the report to {path!r}: the folder {folder!r} does not exist"
        )
    if not os.path.isdir(folder):
        raise NotADirectoryError(
            f"{where}: cannot write the report to {path!r}: {folder!r} is a file, not a folder"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(
            f"{where}: cannot write the report to {path!r}: the folder {folder!r} is not writable"
        )
    return path


def check_samples(x, y, where: str = "report"):
    """(x, y) as arrays of the same length, or (None, None); a clear error otherwise."""
    if x is None and y is None:
        return None, None
    if x is None or y is None:
        raise ValueError(f"{where}: sample predictions need both x and y (got only one)")
    several = isinstance(x, (list, tuple)) and any(isinstance(a, np.ndarray) for a in x)
    if isinstance(x, dict) or several:
        raise ValueError(
            f"{where}: sample predictions support a model with one input array; x is a "
            f"{type(x).__name__} of inputs"
        )
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(
            f"{where}: x and y must be arrays of samples, got x {x.shape}, y {y.shape}"
        )
    if len(x) != len(y):
        raise ValueError(
            f"{where}: x and y must have the same number of samples; x has {len(x)} "
            f"(shape {x.shape}) and y has {len(y)} (shape {y.shape})"
        )
    if len(x) == 0:
        raise ValueError(f"{where}: x and y hold no samples")
    return x, y


def _check_model(model) -> None:
    try:
        graph_of(model)
    except (TypeError, ValueError) as e:
        raise type(e)(f"report: {e}") from None


# ---- pieces of the page -----------------------------------------------------------------------
def _png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _figure_img(fig, alt: str) -> str:
    """The Figure as an <img> with its PNG inline."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    width, height = (fig.get_size_inches() * fig.dpi).round().astype(int)
    return (
        f'<img alt="{html.escape(alt)}" width="{width}" height="{height}" '
        f'src="{_png_data_uri(buffer.getvalue())}">'
    )


def _section(key: str, title: str, body: str) -> str:
    return f'<section id="{key}">\n<h2>{html.escape(title)}</h2>\n{body}\n</section>'


def _note(text: str) -> str:
    return f'<p class="note">{html.escape(text)}</p>'


def _summary(model, logs: dict) -> str:
    epochs = max((len(v) for v in logs.values()), default=0)
    rows = [
        ("model", f"{model.name} ({type(model).__name__})"),
        ("parameters", f"{model.count_params():,}"),
        ("epochs", str(epochs)),
    ]
    for key, values in logs.items():
        if len(values):
            rows.append((f"final {key}", f"{float(values[-1]):.4g}"))
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f'<table id="summary">{cells}</table>'


def _history_section(logs: dict) -> str:
    if not any(len(v) for v in logs.values()):
        return _section("history", "Loss and metrics", _note("No epoch was logged."))
    fig = plot_history(logs)
    return _section("history", "Loss and metrics", _figure_img(fig, "loss and metric curves"))


def _weights_section(model, weight_history) -> str:
    title = "Weight histograms"
    if weight_history is not None and weight_history.histograms:
        fig = weight_history.plot(f"{model.name}: weights over epochs")
        text = "Each weight's distribution after every epoch (epoch 0: before training)."
        return _section("weights", title, _note(text) + _figure_img(fig, "weights over epochs"))
    if not any(layer.weights for layer in graph_layers(model)):
        return _section("weights", title, _note("The model has no weights."))
    fig = plot_weight_histograms(model)
    text = "The final weights (the Report callback also records them after every epoch)."
    return _section("weights", title, _note(text) + _figure_img(fig, "weight histograms"))


def _filters_section(model) -> str:
    convs = [layer for layer in graph_layers(model) if isinstance(layer, Conv2D)]
    if not convs:
        return ""
    images = [_figure_img(plot_filters(conv), f"{conv.name} filters") for conv in convs]
    text = "Each filter scaled to its own range: black its most negative weight, white its most."
    return _section("filters", "Convolution filters", _note(text) + "\n".join(images))


def _is_image(sample_shape: tuple) -> bool:
    """(h, w, 1|3|4) or (h, w): drawn as a picture; anything else goes in a table."""
    if len(sample_shape) == 3:
        return sample_shape[2] in (1, 3, 4) and min(sample_shape[:2]) >= 4
    return len(sample_shape) == 2 and min(sample_shape) >= 8


def _sample_png(sample) -> bytes:
    image, _ = display_image(sample)
    if image.ndim == 2:
        image = normalize01(image)
    return encode_png(np.round(np.clip(image, 0, 1) * 255).astype(np.uint8))


def _class_text(index: int, class_names) -> str:
    return str(class_names[index]) if class_names is not None else str(index)


def _predicted_classes(model, x, batch_size) -> tuple:
    """(predicted class per sample, the confidence in it)."""
    out = model.predict(x, batch_size=batch_size, verbose=0)
    if isinstance(out, (list, tuple, dict)):
        raise ValueError("report: sample predictions support models with one output")
    out = np.asarray(out, dtype=np.float64)
    if out.ndim != 2:
        raise ValueError(
            f"report: sample predictions need a classifier's output (samples, classes); the "
            f"model outputs shape {out.shape}"
        )
    if out.shape[1] == 1:  # one sigmoid output: class 1 above 0.5
        p = out[:, 0]
        predicted = (p > 0.5).astype(np.int64)
        return predicted, np.where(predicted == 1, p, 1 - p)
    predicted = out.argmax(axis=1)
    return predicted, out[np.arange(len(out)), predicted]


def _shown(wrong: np.ndarray, max_samples: int) -> np.ndarray:
    """The samples in the grid, in order: mistakes first get up to half the cells (all of
    them when there are few correct samples), correct predictions the rest."""
    right = np.flatnonzero(~wrong)
    mistakes = np.flatnonzero(wrong)
    n_wrong = min(len(mistakes), max(max_samples - len(right), max_samples // 2))
    n_right = min(len(right), max_samples - n_wrong)
    return np.sort(np.concatenate([mistakes[:n_wrong], right[:n_right]]))


def _input_text(sample) -> str:
    flat = np.asarray(sample).ravel()
    text = ", ".join(f"{v:.3g}" for v in flat[:8].astype(np.float64))
    return f"[{text}{', ...' if flat.size > 8 else ''}]"


def _predictions_section(model, x, y, max_samples, class_names, batch_size) -> str:
    predicted, confidence = _predicted_classes(model, x, batch_size)
    try:
        true = _labels(y, "y")
    except ValueError as e:
        raise ValueError(f"report: y must hold class labels for sample predictions: {e}") from None
    classes = int(max(true.max(), predicted.max())) + 1
    if class_names is not None and len(class_names) < classes:
        raise ValueError(
            f"report: class_names has {len(class_names)} names but the labels reach class "
            f"{classes - 1}"
        )
    wrong = predicted != true
    n, mistakes = len(true), int(wrong.sum())
    summary = (
        f'<p id="mistake-count" data-mistakes="{mistakes}" data-samples="{n}">'
        f"{mistakes} of {n} samples predicted wrong (accuracy {1 - mistakes / n:.2%}); "
        f"mistakes are marked in red.</p>"
    )
    shown = _shown(wrong, max_samples)
    image_input = _is_image(x.shape[1:])
    cells = []
    for i in shown:
        status = "mistake" if wrong[i] else "correct"
        attrs = (
            f'class="sample {status}" data-index="{i}" data-true="{true[i]}" '
            f'data-pred="{predicted[i]}"'
        )
        t, p = _class_text(true[i], class_names), _class_text(predicted[i], class_names)
        if image_input:
            cells.append(
                f'<div {attrs}><img alt="sample {i}" src="{_png_data_uri(_sample_png(x[i]))}">'
                f'<div>#{i} true {html.escape(t)}</div><div class="pred">pred {html.escape(p)} '
                f"({confidence[i]:.2f})</div></div>"
            )
        else:
            attrs = attrs.replace('class="sample ', 'class="')
            cells.append(
                f"<tr {attrs}><td>{i}</td><td>{html.escape(_input_text(x[i]))}</td>"
                f'<td>{html.escape(t)}</td><td class="pred">{html.escape(p)}</td>'
                f"<td>{confidence[i]:.2f}</td></tr>"
            )
    if image_input:
        grid = '<div class="samples">\n' + "\n".join(cells) + "\n</div>"
    else:
        head = "<tr><th>#</th><th>input</th><th>true</th><th>predicted</th><th>confidence</th></tr>"
        grid = '<table class="samples">' + head + "\n".join(cells) + "</table>"
    parts = [summary, grid]
    if classes <= 30:
        fig = plot_confusion_matrix(true, predicted, class_names=class_names)
        parts.append(_figure_img(fig, "confusion matrix"))
    return _section("predictions", "Sample predictions", "\n".join(parts))


# ---- the report -------------------------------------------------------------------------------
def report(
    model,
    history,
    path,
    x=None,
    y=None,
    max_samples: int = 32,
    class_names=None,
    title=None,
    weight_history=None,
    batch_size=None,
):
    """Writes one self-contained HTML file to `path` and returns the path: a summary (model,
    parameters, final metrics); the loss and metric curves of `history` (what fit returns, or
    its .history dict; plot_history); the model diagram as inline SVG (model_to_svg); weight
    histograms, over epochs when `weight_history` (a WeightHistory, which the Report callback
    records) is given, else of the final weights; the filters of every Conv2D layer; and, with
    `x` and `y` (class labels or one-hot rows of a classifier), the predictions: how many are
    wrong, a grid of up to `max_samples` samples (images drawn; other inputs as a table) with
    the mistakes outlined in red and shown first, and the confusion matrix. `class_names` names
    the classes. The file is replaced atomically, so a browser refreshing it never reads half
    a report."""
    require_matplotlib()
    path = check_report_path(path)
    _check_model(model)
    x, y = check_samples(x, y)
    if isinstance(max_samples, bool) or not isinstance(max_samples, (int, np.integer)):
        raise ValueError(f"report: max_samples must be a positive integer, got {max_samples!r}")
    if max_samples < 1:
        raise ValueError(f"report: max_samples must be a positive integer, got {max_samples!r}")
    logs = {} if history is None else _as_dict(history)

    title = title or f"Training report: {model.name}"
    sections = [
        _history_section(logs),
        _section("model", "Model", model_to_svg(model)),
        _weights_section(model, weight_history),
        _filters_section(model),
    ]
    if x is not None:
        sections.append(_predictions_section(model, x, y, max_samples, class_names, batch_size))
    sections = [s for s in sections if s]
    nav = " ".join(
        f'<a href="#{key}">{key}</a>'
        for key in ("history", "model", "weights", "filters", "predictions")
        if any(s.startswith(f'<section id="{key}"') for s in sections)
    )
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    page = "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            '<head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(title)}</title>",
            f"<style>{STYLE}</style></head>",
            "<body>",
            f"<header><h1>{html.escape(title)}</h1>",
            f'<p class="note">Written by nerve.viz.report on {now}.</p>',
            _summary(model, logs),
            f"<nav>{nav}</nav></header>",
            *sections,
            "</body>",
            "</html>",
        ]
    )
    _write_atomically(path, page)
    return path


def _write_atomically(path: str, text: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".html", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the report from a web server
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as e:
        raise OSError(f"report: cannot write the report to {path!r}: {e}") from e
