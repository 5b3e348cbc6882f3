"""model.summary(): the Keras table of layers, output shapes and parameter counts."""

from __future__ import annotations

import numpy as np


def _fmt_bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}"
        n /= 1024
    return ""


def format_summary(model, line_length: int = 72) -> str:
    rows = []
    shape = model._input_shape
    for layer in model.layers:
        if shape is not None:
            shape = layer.compute_output_shape(shape)
            shape_s = str((None,) + tuple(shape))
        else:
            shape_s = "?"
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        rows.append((f"{layer.name} ({type(layer).__name__})", shape_s, params))
    w0 = max([len("Layer (type)")] + [len(r[0]) for r in rows]) + 2
    w1 = max([len("Output Shape")] + [len(r[1]) for r in rows]) + 2
    w2 = max([len("Param #")] + [len(r[2]) for r in rows]) + 2
    bar = lambda l, m, r, c: l + c * w0 + m + c * w1 + m + c * w2 + r  # noqa: E731
    out = [f'Model: "{model.name}"', bar("┏", "┳", "┓", "━"),
           f"┃{' Layer (type)':<{w0}}┃{' Output Shape':<{w1}}┃{'Param # ':>{w2}}┃",
           bar("┡", "╇", "┩", "━")]
    for i, (a, b, c) in enumerate(rows):
        out.append(f"│ {a:<{w0 - 1}}│ {b:<{w1 - 1}}│{c:>{w2 - 1}} │")
        if i + 1 < len(rows):
            out.append(bar("├", "┼", "┤", "─"))
    out.append(bar("└", "┴", "┘", "─"))
    total = sum(l.count_params() for l in model.layers)
    trainable = sum(int(np.prod(w.shape)) for l in model.layers for w in l.trainable_weights)
    out += [f" Total params: {total:,} ({_fmt_bytes(4 * total)})",
            f" Trainable params: {trainable:,} ({_fmt_bytes(4 * trainable)})",
            f" Non-trainable params: {total - trainable:,} ({_fmt_bytes(4 * (total - trainable))})"]
    return "\n".join(out)
