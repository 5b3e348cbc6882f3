"""Converters of the Keras layers nerve writes in Python with nerve.ops (Permute, Dot, Maximum,
Minimum, ZeroPadding1D, Cropping1D, UpSampling1D, SpatialDropout1D/2D, UnitNormalization,
RMSNormalization, GroupNormalization, EinsumDense, AlphaDropout, CategoryEncoding,
Discretization, CenterCrop): each restates the layer's formula with ONNX ops, in inference mode
(the dropouts are the identity)."""

from __future__ import annotations

import numpy as np

from ..layers import (
    AlphaDropout,
    CategoryEncoding,
    CenterCrop,
    Cropping1D,
    Discretization,
    Dot,
    EinsumDense,
    GroupNormalization,
    Maximum,
    Minimum,
    Permute,
    RMSNormalization,
    SpatialDropout1D,
    SpatialDropout2D,
    UnitNormalization,
    UpSampling1D,
    ZeroPadding1D,
)
from ..layers.preprocessing import _bilinear_matrix
from .activations import apply_activation

_INT64_MAX = np.iinfo(np.int64).max


def _reduce_sum(b, x: str, axes, base: str) -> str:
    """ReduceSum over `axes`, kept (its axes are an input from opset 13)."""
    return b.op("ReduceSum", [x, b.ints(axes, f"{base}/axes")], base, keepdims=1)


def _l2_normalize(b, x: str, axes, epsilon: float, base: str) -> str:
    """Keras's ops.normalize(order=2): x * min(1 / sqrt(sum(x ** 2)), 1 / epsilon)."""
    squares = _reduce_sum(b, b.op("Mul", [x, x], base), axes, base)
    inverse = b.op("Reciprocal", [b.op("Sqrt", [squares], base)], base)
    limited = b.op("Min", [inverse, b.const(np.float32(1.0 / epsilon), f"{base}/limit")], base)
    return b.op("Mul", [x, limited], base)


def _axes(axis, rank: int) -> list:
    return [a % rank for a in (axis if isinstance(axis, (list, tuple)) else [axis])]


def permute(b, call):
    return [b.transpose(call.inputs[0], [0, *call.layer.dims], call.base)]


def elementwise_merge(b, call):
    """Maximum / Minimum: lower-rank inputs get axes after the batch axis (as Keras's Merge),
    then ONNX's broadcasting Max / Min."""
    rank = max(len(s) for s in call.input_shapes)
    xs = []
    for i, (x, shape) in enumerate(zip(call.inputs, call.input_shapes)):
        if len(shape) < rank:
            x = b.unsqueeze(x, list(range(1, 1 + rank - len(shape))), f"{call.base}/expand_{i}")
        xs.append(x)
    op = "Max" if isinstance(call.layer, Maximum) else "Min"
    return [b.op(op, xs, call.base)]


def dot(b, call):
    layer, base = call.layer, call.base
    (r1, r2) = (len(s) for s in call.input_shapes)
    a1, a2 = layer._axes_for([r1, r2])
    x1, x2 = call.inputs
    if layer.normalize:
        x1 = _l2_normalize(b, x1, [a1], 1e-7, f"{base}/normalize_0")
        x2 = _l2_normalize(b, x2, [a2], 1e-7, f"{base}/normalize_1")
    letters = "bcdefghijklmnopqrstuvwxyz"
    sub1 = ["a"] + list(letters[: r1 - 1])
    sub2 = ["a"] + list(letters[r1 - 1 : r1 + r2 - 2])
    sub2[a2] = sub1[a1]
    out = [c for i, c in enumerate(sub1) if i != a1] + [
        c for i, c in enumerate(sub2) if i not in (0, a2)
    ]
    equation = f"{''.join(sub1)},{''.join(sub2)}->{''.join(out)}"
    y = b.op("Einsum", [x1, x2], base, equation=equation)
    if len(out) == 1:
        y = b.unsqueeze(y, [1], f"{base}/feature")
    return [y]


def zero_padding1d(b, call):
    start, end = call.layer.padding
    if call.layer.data_format == "channels_first":
        pads = [0, 0, start, 0, 0, end]
    else:
        pads = [0, start, 0, 0, end, 0]
    return [
        b.op("Pad", [call.inputs[0], b.ints(pads, f"{call.base}/pads")], call.base, mode="constant")
    ]


def cropping1d(b, call):
    start, end = call.layer.cropping
    base = call.base
    starts = b.ints([start], f"{base}/starts")
    ends = b.ints([-end if end else _INT64_MAX], f"{base}/ends")
    return [b.op("Slice", [call.inputs[0], starts, ends, b.ints([1], f"{base}/axes")], base)]


def up_sampling1d(b, call):
    """Each step repeated `size` times: (batch, steps, 1, features) expanded to `size` copies,
    then the two middle axes merged."""
    size, base = call.layer.size, call.base
    features = call.input_shapes[0][-1]
    x = b.unsqueeze(call.inputs[0], [2], base)
    x = b.op("Expand", [x, b.ints([1, 1, size, 1], f"{base}/shape")], base)
    return [b.op("Reshape", [x, b.ints([0, -1, features], f"{base}/merged")], base)]


def spatial_dropout(b, call):
    return [b.op("Identity", [call.inputs[0]], call.base)]


def unit_normalization(b, call):
    rank = len(call.input_shapes[0])
    return [_l2_normalize(b, call.inputs[0], _axes(call.layer.axis, rank), 1e-12, call.base)]


def rms_normalization(b, call):
    """x * 1 / sqrt(mean(x ** 2) + epsilon) * scale (scale aligned to the last axes, as Keras
    multiplies it)."""
    layer, base, x = call.layer, call.base, call.inputs[0]
    rank = len(call.input_shapes[0])
    mean = b.reduce("ReduceMean", b.op("Mul", [x, x], base), _axes(layer.axis, rank), True, base)
    shifted = b.scalar_op("Add", mean, float(layer.epsilon), f"{base}/epsilon")
    inverse = b.op("Reciprocal", [b.op("Sqrt", [shifted], base)], base)
    (scale,) = layer.get_weights()
    y = b.op("Mul", [x, inverse], base)
    return [b.op("Mul", [y, b.const(scale, f"{base}/scale")], base)]


def group_normalization(b, call):
    """Keras's formula on the channels split into groups: x * inv + (beta - mean * inv), inv =
    gamma / sqrt(var + epsilon), the statistics over each group's channels and the other
    non-batch axes."""
    layer, base, x = call.layer, call.base, call.inputs[0]
    shape = list(call.input_shapes[0])
    if any(d is None for d in shape[1:]):
        raise NotImplementedError(f"{call.who}: exporting needs every size but the batch known")
    rank, axis, groups = len(shape), layer.axis % len(shape), layer.groups
    grouped = [-1, *shape[1:]]
    grouped[axis] = shape[axis] // groups
    grouped.insert(axis, groups)
    broadcast = [1] * rank
    broadcast[axis] = shape[axis] // groups
    broadcast.insert(axis, groups)
    axes = [a for a in range(1, rank + 1) if a != axis]
    g = b.op("Reshape", [x, b.ints(grouped, f"{base}/grouped")], base)
    mean = b.reduce("ReduceMean", g, axes, True, f"{base}/mean")
    centred = b.op("Sub", [g, mean], base)
    var = b.reduce("ReduceMean", b.op("Mul", [centred, centred], base), axes, True, f"{base}/var")
    shifted = b.scalar_op("Add", var, float(layer.epsilon), f"{base}/epsilon")
    inv = b.op("Reciprocal", [b.op("Sqrt", [shifted], base)], base)
    weights = list(layer.get_weights())
    if layer.scale:
        gamma = np.reshape(weights.pop(0), broadcast)
        inv = b.op("Mul", [inv, b.const(gamma, f"{base}/gamma")], base)
    res = b.op("Neg", [b.op("Mul", [mean, inv], base)], base)
    if layer.center:
        beta = np.reshape(weights.pop(0), broadcast)
        res = b.op("Add", [res, b.const(beta, f"{base}/beta")], base)
    y = b.op("Add", [b.op("Mul", [g, inv], base), res], base)
    return [b.op("Reshape", [y, b.ints([-1, *shape[1:]], f"{base}/restored")], base)]


def einsum_dense(b, call):
    """activation(Einsum(equation, x, kernel) + bias)."""
    layer, base = call.layer, call.base
    weights = layer.get_weights()
    kernel = b.const(weights[0], f"{base}/kernel")
    y = b.op("Einsum", [call.inputs[0], kernel], base, equation=layer.equation)
    if layer.bias is not None:
        y = b.op("Add", [y, b.const(weights[1], f"{base}/bias")], base)
    return [apply_activation(b, str(layer.activation), y, base, call.who)]


def _one_hot(b, ids: str, depth: int, base: str) -> str:
    """1.0 where a new last axis's index equals the id (ids out of range: zeros), as
    nerve.ops.one_hot."""
    classes = b.const(np.arange(depth, dtype=np.float32), f"{base}/classes")
    hit = b.op("Equal", [b.unsqueeze(ids, [-1], f"{base}/ids"), classes], base)
    return b.op("Cast", [hit], base, to=b.onnx.TensorProto.FLOAT)


def _encode(b, ids: str, shape, output_mode: str, depth: int, base: str, weights=None) -> str:
    """The layers' _encode_categorical: one_hot (a last axis of size 1 replaced), multi_hot
    (ids truncated to ints, as Keras's cast) and count reduce the sample axis 1."""
    if output_mode == "one_hot":
        if len(shape) > 1 and shape[-1] == 1:
            ids = b.squeeze(ids, [-1], f"{base}/squeeze")
        return _one_hot(b, ids, depth, base)
    if output_mode == "multi_hot":
        truncated = b.op("Cast", [ids], f"{base}/int", to=b.onnx.TensorProto.INT32)
        ids = b.op("Cast", [truncated], f"{base}/float", to=b.onnx.TensorProto.FLOAT)
        return b.reduce("ReduceMax", _one_hot(b, ids, depth, base), [1], False, base)
    encoded = _one_hot(b, ids, depth, base)
    if weights is not None:
        encoded = b.op("Mul", [encoded, b.unsqueeze(weights, [-1], f"{base}/weights")], base)
    return _reduce_sum_dropped(b, encoded, [1], base)


def _reduce_sum_dropped(b, x: str, axes, base: str) -> str:
    return b.op("ReduceSum", [x, b.ints(axes, f"{base}/axes")], base, keepdims=0)


def category_encoding(b, call):
    weights = call.inputs[1] if len(call.inputs) > 1 else None
    layer = call.layer
    return [
        _encode(
            b,
            call.inputs[0],
            call.input_shapes[0],
            layer.output_mode,
            layer.num_tokens,
            call.base,
            weights,
        )
    ]


def discretization(b, call):
    """The bin index: how many boundaries are <= x; then the layer's encoding."""
    layer, base, x = call.layer, call.base, call.inputs[0]
    boundaries = np.asarray(layer.bin_boundaries, dtype=np.float32)
    if boundaries.size == 0:
        indices = b.scalar_op("Mul", x, 0.0, f"{base}/zero")
    else:
        above = b.op(
            "GreaterOrEqual",
            [b.unsqueeze(x, [-1], f"{base}/x"), b.const(boundaries, f"{base}/boundaries")],
            base,
        )
        above = b.op("Cast", [above], base, to=b.onnx.TensorProto.FLOAT)
        indices = _reduce_sum_dropped(b, above, [-1], f"{base}/indices")
    if layer.output_mode == "int":
        return [indices]
    return [_encode(b, indices, call.input_shapes[0], layer.output_mode, layer._depth(), base)]


def center_crop(b, call):
    """Slice the window; an image smaller than the target: smart_resize's window, then its
    bilinear resize as two Einsums with the layer's weight matrices."""
    layer, base = call.layer, call.base
    h_axis, w_axis = layer._hw_axes()
    shape = call.input_shapes[0]
    h_start, w_start, crop_h, crop_w, resized = layer._window(shape[h_axis], shape[w_axis])
    inputs = [
        call.inputs[0],
        b.ints([h_start, w_start], f"{base}/starts"),
        b.ints([h_start + crop_h, w_start + crop_w], f"{base}/ends"),
        b.ints([h_axis, w_axis], f"{base}/axes"),
    ]
    y = b.op("Slice", inputs, base)
    if not resized:
        return [y]
    rows = b.const(_bilinear_matrix(crop_h, layer.height), f"{base}/rows")
    cols = b.const(_bilinear_matrix(crop_w, layer.width), f"{base}/cols")
    if layer.data_format == "channels_first":
        equations = ("nchw,ih->nciw", "nciw,jw->ncij")
    else:
        equations = ("nhwc,ih->niwc", "niwc,jw->nijc")
    y = b.op("Einsum", [y, rows], f"{base}/rows", equation=equations[0])
    return [b.op("Einsum", [y, cols], f"{base}/cols", equation=equations[1])]


CONVERTERS = {
    Permute: permute,
    Maximum: elementwise_merge,
    Minimum: elementwise_merge,
    Dot: dot,
    ZeroPadding1D: zero_padding1d,
    Cropping1D: cropping1d,
    UpSampling1D: up_sampling1d,
    SpatialDropout1D: spatial_dropout,
    SpatialDropout2D: spatial_dropout,
    UnitNormalization: unit_normalization,
    RMSNormalization: rms_normalization,
    GroupNormalization: group_normalization,
    EinsumDense: einsum_dense,
    AlphaDropout: spatial_dropout,  # the identity in inference
    CategoryEncoding: category_encoding,
    Discretization: discretization,
    CenterCrop: center_crop,
}
