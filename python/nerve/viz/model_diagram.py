"""plot_model without Graphviz: every layer call of a Sequential, functional or traced
subclassed model as a box (name, class, output shape, parameter count), arrows along the graph
(branches, merges, skip connections), laid out by nerve.viz._layout. The SVG is written here as
text; the PNG (and the returned Figure) is the same drawing in matplotlib."""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from ..utils.keras_args import reject_unsupported
from ._figures import finish, new_figure
from ._layout import layered_layout
from ._model_graph import graph_of

FONT_PX = 12  # text size in drawing units (= pixels in the SVG and in the PNG at dpi 100)
CHAR_W = 0.61 * FONT_PX  # advance of a monospace glyph (DejaVu Sans Mono: 0.602 em)
LINE_H = 1.45 * FONT_PX
PAD = 8
FONT_FAMILY = "DejaVu Sans Mono, Menlo, Consolas, monospace"
COLORS = {"input": "#fde9c8", "layer": "#dceaf7", "model": "#e3f1dc", "edge": "#4a5a6a"}


@dataclass
class Box:
    name: str  # the layer's (or nested model's) name
    kind: str  # "input", "layer" or "model"
    lines: list  # text lines, the first one bold

    @property
    def size(self) -> tuple:
        return (
            max(len(line) for line in self.lines) * CHAR_W + 2 * PAD,
            len(self.lines) * LINE_H + 2 * PAD,
        )


def _shape_text(shapes: list) -> str:
    return ", ".join(str(tuple(s)) for s in shapes)


def _boxes_and_edges(model, show_shapes: bool, show_params: bool):
    """One box per input and per layer call (a nested model's calls are one box, as its layer
    in model.summary()); one edge per (producer, consumer) pair."""
    graph = graph_of(model)
    boxes, key_of = [], {}  # key: id(node) or id(nested model) -> box index

    def unit(node):
        return node.owner if node.owner is not None and node.owner is not model else None

    def add(key, name, kind, title, shapes, params):
        lines = [title]
        if show_shapes:
            lines.append(f"out: {_shape_text(shapes)}")
        if show_params and params is not None:
            lines.append(f"params: {params:,}")
        key_of[key] = len(boxes)
        boxes.append(Box(name, kind, lines))

    for kt in graph.inputs:
        layer = kt._node.layer
        add(id(kt._node), layer.name, "input", f"{layer.name} (InputLayer)", [kt.shape], None)
    calls = {}
    for node in graph.nodes:
        nested = unit(node)
        if nested is not None:
            if id(nested) not in key_of:
                shape = nested.output_shape
                add(
                    id(nested),
                    nested.name,
                    "model",
                    f"{nested.name} ({type(nested).__name__})",
                    shape if isinstance(shape, list) else [shape],
                    nested.count_params(),
                )
            continue
        layer = node.layer
        calls[id(layer)] = calls.get(id(layer), 0) + 1
        again = f" #{calls[id(layer)]}" if calls[id(layer)] > 1 else ""
        add(
            id(node),
            layer.name,
            "layer",
            f"{layer.name} ({type(layer).__name__}){again}",
            [kt.shape for kt in node.outputs],
            layer.count_params(),
        )

    def box_of(node):
        nested = unit(node)
        return key_of[id(nested) if nested is not None else id(node)]

    edges = []
    for node in graph.nodes:
        target = box_of(node)
        for t in node.inputs:
            source = box_of(t._node)
            if source != target and (source, target) not in edges:
                edges.append((source, target))
    return boxes, edges


def _diagram(model, show_shapes, show_params):
    boxes, edges = _boxes_and_edges(model, show_shapes, show_params)
    lay = layered_layout([b.size for b in boxes], edges)
    # whole pixels, so the SVG and the PNG (which Agg sizes in whole pixels) agree
    lay.width, lay.height = math.ceil(lay.width), math.ceil(lay.height)
    return boxes, edges, lay


def model_to_svg(model, show_shapes: bool = True, show_params: bool = True) -> str:
    """The diagram as SVG text. Each box is a <g class="layer"> with data-name (the layer's
    name) and data-kind; each arrow a <polyline class="edge"> with data-from / data-to (the
    names at its ends)."""
    boxes, edges, lay = _diagram(model, show_shapes, show_params)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{lay.width:.0f}" '
        f'height="{lay.height:.0f}" viewBox="0 0 {lay.width:.1f} {lay.height:.1f}" '
        f'font-family="{FONT_FAMILY}" font-size="{FONT_PX}">',
        f"<title>{escape(model.name)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        f'<path d="M0,0 L10,5 L0,10 z" fill="{COLORS["edge"]}"/></marker></defs>',
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    for (s, t), points in zip(edges, lay.edges):
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        out.append(
            f'<polyline class="edge" data-from={quoteattr(boxes[s].name)} '
            f'data-to={quoteattr(boxes[t].name)} points="{coords}" fill="none" '
            f'stroke="{COLORS["edge"]}" stroke-width="1.4" marker-end="url(#arrow)"/>'
        )
    for box, (left, top, w, h) in zip(boxes, lay.boxes):
        out.append(
            f'<g class="layer" data-name={quoteattr(box.name)} data-kind="{box.kind}">'
            f'<rect x="{left:.1f}" y="{top:.1f}" width="{w:.1f}" height="{h:.1f}" rx="5" '
            f'fill="{COLORS[box.kind]}" stroke="#2b4a66" stroke-width="1"/>'
        )
        for k, line in enumerate(box.lines):
            weight = ' font-weight="bold"' if k == 0 else ""
            y = top + PAD + (k + 0.75) * LINE_H
            out.append(
                f'<text x="{left + w / 2:.1f}" y="{y:.1f}" text-anchor="middle"{weight}>'
                f"{escape(line)}</text>"
            )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def plot_model(
    model, path=None, show_shapes: bool = True, show_params: bool = True, to_file=None, dpi=100
):
    """Draws the model's graph and returns the matplotlib Figure (one drawing unit = one pixel
    at dpi 100). `path` (or Keras's `to_file`): a name ending in .svg gets the SVG text of
    model_to_svg, any other name the picture in the format its suffix names (PNG for .png).
    No Graphviz or pydot is needed."""
    if to_file is not None:
        if path is not None:
            raise ValueError("plot_model: give path or to_file, not both")
        path = to_file
    boxes, edges, lay = _diagram(model, show_shapes, show_params)
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    fig = new_figure(lay.width / 100, lay.height / 100, dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, lay.width)
    ax.set_ylim(lay.height, 0)  # y down, as in the SVG
    ax.axis("off")
    points_per_unit = 72 / 100
    for points in lay.edges:
        xs, ys = zip(*points)
        ax.plot(xs[:-1], ys[:-1], color=COLORS["edge"], lw=1.4, solid_capstyle="butt")
        ax.add_patch(
            FancyArrowPatch(
                points[-2],
                points[-1],
                arrowstyle="-|>",
                mutation_scale=11,
                color=COLORS["edge"],
                lw=1.4,
                shrinkA=0,
                shrinkB=0,
            )
        )
    for box, (left, top, w, h) in zip(boxes, lay.boxes):
        ax.add_patch(
            FancyBboxPatch(
                (left, top),
                w,
                h,
                boxstyle="round,pad=0,rounding_size=5",
                facecolor=COLORS[box.kind],
                edgecolor="#2b4a66",
                lw=1,
            )
        )
        for k, line in enumerate(box.lines):
            ax.text(
                left + w / 2,
                top + PAD + (k + 0.5) * LINE_H,
                line,
                ha="center",
                va="center",
                family="monospace",
                fontsize=FONT_PX * points_per_unit,
                fontweight="bold" if k == 0 else "normal",
            )
    if path is not None and str(path).lower().endswith(".svg"):
        with open(path, "w", encoding="utf-8") as f:
            f.write(model_to_svg(model, show_shapes, show_params))
        return fig
    return finish(fig, path)


def keras_plot_model(
    model,
    to_file="model.png",
    show_shapes=False,
    show_dtype=False,
    show_layer_names=False,
    rankdir="TB",
    expand_nested=False,
    dpi=200,
    show_layer_activations=False,
    show_trainable=False,
    **kwargs,
):
    """keras.utils.plot_model, as nerve.utils.plot_model: the model's graph drawn to `to_file`
    (PNG, or the format its suffix names; .svg gives SVG text) by plot_model above, top to
    bottom, a box per layer call naming the layer and its class (nerve's boxes always name it),
    with its output shapes under show_shapes. Returns the matplotlib Figure. Needs the viz extra
    (pip install "nerve[viz]"), not Graphviz or pydot. The other Keras options are accepted at
    their defaults and refused otherwise."""
    if kwargs:
        raise ValueError(f"plot_model: arguments not recognized: {kwargs}")
    reject_unsupported(
        "plot_model",
        keras_plot_model,
        show_dtype=show_dtype,
        rankdir=rankdir,
        expand_nested=expand_nested,
        show_layer_activations=show_layer_activations,
        show_trainable=show_trainable,
    )
    del show_layer_names
    return plot_model(model, path=to_file, show_shapes=show_shapes, show_params=False, dpi=dpi)
