"""Converters of nerve's feed-forward layers to ONNX: each takes (GraphBuilder, LayerCall) and
returns the ONNX names of the call's outputs. Tensors between layers keep nerve's layout
(channels last); the convolutions and poolings transpose to ONNX's channels-first around their op,
so Flatten and Reshape see nerve's element order (ONNX Runtime folds the transposes that meet)."""

from __future__ import annotations

import numpy as np

from ..layers import (
    ELU,
    Activation,
    ActivityRegularization,
    Add,
    Average,
    AveragePooling1D,
    AveragePooling2D,
    BatchNormalization,
    Concatenate,
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    Cropping2D,
    Dense,
    DepthwiseConv2D,
    Dropout,
    Embedding,
    Flatten,
    GaussianDropout,
    GaussianNoise,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    Identity,
    LayerNormalization,
    LeakyReLU,
    MaxPooling1D,
    MaxPooling2D,
    Multiply,
    Normalization,
    PositionEmbedding,
    PReLU,
    RandomContrast,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    ReLU,
    RepeatVector,
    Rescaling,
    Reshape,
    SeparableConv2D,
    Softmax,
    Subtract,
    UpSampling2D,
    ZeroPadding2D,
)
from .activations import apply_activation


def _pads(sizes, kernel, strides, dilations, padding: str):
    """ONNX pads (all begins, then all ends) for Keras padding over spatial `sizes`; None where
    a size is unknown ('same' then uses auto_pad, which computes the same split)."""
    n = len(kernel)
    if padding == "valid":
        return [0] * (2 * n)
    if padding == "causal":  # Conv1D: everything on the left
        return [(kernel[0] - 1) * dilations[0], 0]
    if any(s is None for s in sizes):
        return None
    begin, end = [], []
    for size, k, s, d in zip(sizes, kernel, strides, dilations):
        total = max((-(-size // s) - 1) * s + (k - 1) * d + 1 - size, 0)
        begin.append(total // 2)  # Keras and ONNX SAME_UPPER put the odd cell at the end
        end.append(total - total // 2)
    return begin + end


def _ints(value, n: int) -> list:
    """A size per spatial axis from an int or a tuple (Keras writes Conv1D's as a 1-tuple)."""
    if isinstance(value, (list, tuple)):
        return [int(v) for v in value]
    return [int(value)] * n


def _require_channels_last(call, config: dict) -> None:
    if config.get("data_format", "channels_last") not in (None, "channels_last"):
        raise NotImplementedError(
            f"{call.who}: data_format={config['data_format']!r} cannot be exported; the ONNX "
            f"graph keeps nerve's channels-last layout"
        )


def _channels_first(b, call, x: str, op_type: str, inputs_after_x: list, spatial, **attrs) -> str:
    """Runs a channels-first ONNX op on nerve's channels-last x: Transpose, op, Transpose back."""
    r = len(spatial) + 2
    to_first = [0, r - 1, *range(1, r - 1)]
    to_last = [0, *range(2, r), 1]
    xt = b.transpose(x, to_first, f"{call.base}/to_nchw")
    y = b.op(op_type, [xt, *inputs_after_x], call.base, **attrs)
    return b.transpose(y, to_last, f"{call.base}/to_nhwc")


def _window_attrs(call, kernel, strides, dilations, padding) -> dict:
    spatial = list(call.input_shapes[0][1:-1])
    pads = _pads(spatial, kernel, strides, dilations, padding)
    attrs = {"kernel_shape": list(kernel), "strides": list(strides)}
    if pads is None:
        attrs["auto_pad"] = "SAME_UPPER"
    else:
        attrs["pads"] = pads
    return attrs


def dense(b, call):
    config = call.layer.get_config()
    weights = call.layer.get_weights()
    y = b.op("MatMul", [call.inputs[0], b.const(weights[0], f"{call.base}/kernel")], call.base)
    if config["use_bias"]:
        y = b.op("Add", [y, b.const(weights[1], f"{call.base}/bias")], call.base)
    return [apply_activation(b, config["activation"], y, call.base, call.who)]


def activation(b, call):
    return [
        apply_activation(
            b, call.layer.get_config()["activation"], call.inputs[0], call.base, call.who
        )
    ]


def relu(b, call):
    # Keras's relu with arguments: x above threshold (x itself), clipped to [0, max_value] when
    # max_value is given, minus negative_slope * relu(threshold - x)
    config = call.layer.get_config()
    x, base = call.inputs[0], call.base
    threshold, slope, max_value = config["threshold"], config["negative_slope"], config["max_value"]
    if threshold:
        keep = b.op(
            "Cast", [b.op("Greater", [x, b.const(threshold, f"{base}/t")], base)], base, to=1
        )
        y = b.op("Mul", [x, keep], base)
    else:
        y = b.op("Relu", [x], base)
    if max_value is not None:
        y = b.clip(y, 0.0, max_value, base)
    if slope:
        below = b.op("Relu", [b.op("Sub", [b.const(threshold, f"{base}/t"), x], base)], base)
        y = b.op("Sub", [y, b.scalar_op("Mul", below, slope, base)], base)
    return [y]


def leaky_relu(b, call):
    slope = call.layer.get_config()["negative_slope"]
    return [b.op("LeakyRelu", [call.inputs[0]], call.base, alpha=float(slope))]


def elu(b, call):
    return [b.op("Elu", [call.inputs[0]], call.base, alpha=float(call.layer.get_config()["alpha"]))]


def prelu(b, call):
    (alpha,) = call.layer.get_weights()  # the per-sample shape, 1 on shared axes: broadcasts
    return [b.op("PRelu", [call.inputs[0], b.const(alpha, f"{call.base}/alpha")], call.base)]


def softmax(b, call):
    return [b.op("Softmax", [call.inputs[0]], call.base, axis=int(call.layer.get_config()["axis"]))]


def identity(b, call):
    """Identity, and Dropout, GaussianNoise, GaussianDropout, ActivityRegularization and the
    augmentation layers (RandomFlip, RandomRotation, ...): the identity in inference."""
    return [b.op("Identity", [call.inputs[0]], call.base)]


def conv(b, call):
    """Conv1D and Conv2D: Keras kernel (*k, in, out) -> ONNX (out, in, *k)."""
    config = call.layer.get_config()
    weights = call.layer.get_weights()
    kernel = weights[0]
    n = kernel.ndim - 2
    _require_channels_last(call, config)
    ks = list(kernel.shape[:n])
    strides, dilations = _ints(config["strides"], n), _ints(config["dilation_rate"], n)
    w = b.const(np.transpose(kernel, (n + 1, n, *range(n))), f"{call.base}/kernel")
    inputs = [w] + ([b.const(weights[1], f"{call.base}/bias")] if config["use_bias"] else [])
    attrs = _window_attrs(call, ks, strides, dilations, config["padding"])
    attrs["dilations"] = dilations
    spatial = call.input_shapes[0][1:-1]
    y = _channels_first(b, call, call.inputs[0], "Conv", inputs, spatial, **attrs)
    return [apply_activation(b, config["activation"], y, call.base, call.who)]


def _depthwise_kernel(kernel):
    """Keras's (kh, kw, in, depth_multiplier) -> ONNX grouped Conv's (in * M, 1, kh, kw): output
    channel c * M + m is group c's m-th filter, Keras's order."""
    kh, kw, c, m = kernel.shape
    return np.transpose(kernel.reshape(kh, kw, c * m), (2, 0, 1))[:, None, :, :]


def depthwise_conv(b, call):
    """DepthwiseConv2D and SeparableConv2D: a Conv with group=in (the depthwise part), and for
    SeparableConv2D a 1x1 Conv after it with the bias, between one pair of NHWC/NCHW Transposes."""
    config = call.layer.get_config()
    weights = call.layer.get_weights()
    _require_channels_last(call, config)
    depthwise = weights[0]
    ks = list(depthwise.shape[:2])
    strides, dilations = _ints(config["strides"], 2), _ints(config["dilation_rate"], 2)
    attrs = _window_attrs(call, ks, strides, dilations, config["padding"])
    attrs["dilations"] = dilations
    attrs["group"] = int(depthwise.shape[2])
    separable = "pointwise_kernel" in [a for a, _ in call.layer._weight_attributes]
    inputs = [b.const(_depthwise_kernel(depthwise), f"{call.base}/depthwise_kernel")]
    if config["use_bias"] and not separable:
        inputs.append(b.const(weights[1], f"{call.base}/bias"))
    x = b.transpose(call.inputs[0], [0, 3, 1, 2], f"{call.base}/to_nchw")
    y = b.op("Conv", [x, *inputs], f"{call.base}/depthwise", **attrs)
    if separable:
        pointwise = [
            b.const(np.transpose(weights[1], (3, 2, 0, 1)), f"{call.base}/pointwise_kernel")
        ]
        if config["use_bias"]:
            pointwise.append(b.const(weights[2], f"{call.base}/bias"))
        y = b.op("Conv", [y, *pointwise], f"{call.base}/pointwise", kernel_shape=[1, 1])
    y = b.transpose(y, [0, 2, 3, 1], f"{call.base}/to_nhwc")
    return [apply_activation(b, config["activation"], y, call.base, call.who)]


def _conv_transpose_pads(size, kernel, stride, dilation, padding, output_padding):
    """Keras 3's transposed-convolution axis (its JAX padding: nerve's conv_transpose_window_1d)
    as ONNX ConvTranspose's (pad_begin, pad_end, output_padding)."""
    span = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(span, stride) - span if output_padding is None else output_padding
        left, right = span - 1, span - 1 + extra
    else:
        total = (
            stride + span - 2 if output_padding is None else span + span % 2 - 2 + output_padding
        )
        left = min(total // 2 + total % 2, span - 1)
        right = total - left
    begin, length = span - 1 - left, (size - 1) * stride + 1 + left + right - span + 1
    full = (size - 1) * stride + span - begin  # ONNX's length with no end padding
    return begin, max(full - length, 0), max(length - full, 0)


def conv_transpose(b, call):
    """Conv2DTranspose: Keras kernel (kh, kw, filters, in) -> ONNX ConvTranspose (in, filters, kh, kw)."""
    config = call.layer.get_config()
    weights = call.layer.get_weights()
    _require_channels_last(call, config)
    kernel = weights[0]
    ks = list(kernel.shape[:2])
    strides, dilations = _ints(config["strides"], 2), _ints(config["dilation_rate"], 2)
    spatial = call.input_shapes[0][1:-1]
    if any(s is None for s in spatial):
        raise NotImplementedError(f"{call.who}: exporting needs a known height and width")
    out_pad = config["output_padding"] or (None, None)
    begin, end, extra = zip(
        *(
            _conv_transpose_pads(
                spatial[a], ks[a], strides[a], dilations[a], config["padding"], out_pad[a]
            )
            for a in range(2)
        )
    )
    w = b.const(np.transpose(kernel, (3, 2, 0, 1)), f"{call.base}/kernel")
    inputs = [w] + ([b.const(weights[1], f"{call.base}/bias")] if config["use_bias"] else [])
    attrs = dict(kernel_shape=ks, strides=strides, dilations=dilations, pads=[*begin, *end])
    if any(extra):
        attrs["output_padding"] = list(extra)
    y = _channels_first(b, call, call.inputs[0], "ConvTranspose", inputs, spatial, **attrs)
    return [apply_activation(b, config["activation"], y, call.base, call.who)]


def pooling(b, call):
    """MaxPooling1D / 2D and AveragePooling1D / 2D (padding='same': padding cells never count)."""
    config = call.layer.get_config()
    spatial = call.input_shapes[0][1:-1]
    n = len(spatial)
    _require_channels_last(call, config)
    ks, strides = _ints(config["pool_size"], n), _ints(config["strides"], n)
    attrs = _window_attrs(call, ks, strides, [1] * n, config["padding"])
    if isinstance(call.layer, (AveragePooling1D, AveragePooling2D)):
        return [
            _channels_first(
                b, call, call.inputs[0], "AveragePool", [], spatial, count_include_pad=0, **attrs
            )
        ]
    return [_channels_first(b, call, call.inputs[0], "MaxPool", [], spatial, **attrs)]


def global_pooling(b, call):
    config = call.layer.get_config()
    _require_channels_last(call, config)
    axes = list(range(1, len(call.input_shapes[0]) - 1))
    is_max = isinstance(call.layer, (GlobalMaxPooling1D, GlobalMaxPooling2D))
    op_type = "ReduceMax" if is_max else "ReduceMean"
    return [b.reduce(op_type, call.inputs[0], axes, config.get("keepdims", False), call.base)]


def batch_normalization(b, call):
    """Inference mode (the moving statistics), epsilon written explicitly; ONNX normalizes axis 1,
    so an input of rank > 2 moves its channels there and back."""
    config = call.layer.get_config()
    weights = list(call.layer.get_weights())
    channels = weights[-1].shape[0]
    gamma = weights.pop(0) if config["scale"] else np.ones(channels, np.float32)
    beta = weights.pop(0) if config["center"] else np.zeros(channels, np.float32)
    mean, var = weights
    stats = [
        b.const(v, f"{call.base}/{n}")
        for n, v in (
            ("gamma", gamma),
            ("beta", beta),
            ("moving_mean", mean),
            ("moving_variance", var),
        )
    ]
    attrs = {"epsilon": float(config["epsilon"])}
    spatial = call.input_shapes[0][1:-1]
    if not spatial:
        return [b.op("BatchNormalization", [call.inputs[0], *stats], call.base, **attrs)]
    return [_channels_first(b, call, call.inputs[0], "BatchNormalization", stats, spatial, **attrs)]


def layer_normalization(b, call):
    config = call.layer.get_config()
    weights = list(call.layer.get_weights())
    features = call.input_shapes[0][-1]
    gamma = weights.pop(0) if config["scale"] else np.ones(features, np.float32)
    inputs = [call.inputs[0], b.const(gamma, f"{call.base}/gamma")]
    if config["center"]:
        inputs.append(b.const(weights.pop(0), f"{call.base}/beta"))
    return [
        b.op("LayerNormalization", inputs, call.base, axis=-1, epsilon=float(config["epsilon"]))
    ]


def rescaling(b, call):
    config = call.layer.get_config()
    base = call.base
    y = b.op("Mul", [call.inputs[0], b.const(np.float32(config["scale"]), f"{base}/scale")], base)
    if config["offset"]:
        y = b.op("Add", [y, b.const(np.float32(config["offset"]), f"{base}/offset")], base)
    return [y]


def normalization(b, call):
    """(x - mean) / stddev, or x * stddev + mean with invert, the statistics folded into
    constants of x's rank (1 on the axes they do not depend on), stddev = max(sqrt(variance),
    1e-7) in float32 as the layer computes it."""
    layer, base = call.layer, call.base
    config = layer.get_config()
    rank = len(call.input_shapes[0])
    if config["mean"] is not None:
        mean = np.full([1] * rank, config["mean"], np.float32)
        variance = np.full([1] * rank, config["variance"], np.float32)
    else:
        kept = sorted(a % rank for a in config["axis"])
        shape = [call.input_shapes[0][a] if a in kept else 1 for a in range(rank)]
        mean, variance = (np.asarray(w, np.float32).reshape(shape) for w in layer.get_weights()[:2])
    stddev = np.maximum(np.sqrt(variance), np.float32(1e-7))
    mean_c, std_c = b.const(mean, f"{base}/mean"), b.const(stddev, f"{base}/stddev")
    x = call.inputs[0]
    if config["invert"]:
        return [b.op("Add", [b.op("Mul", [x, std_c], base), mean_c], base)]
    return [b.op("Div", [b.op("Sub", [x, mean_c], base), std_c], base)]


def flatten(b, call):
    _require_channels_last(call, call.layer.get_config())
    return [b.op("Flatten", [call.inputs[0]], call.base, axis=1)]


def reshape(b, call):
    target = [int(d) for d in call.layer.get_config()["target_shape"]]
    shape = b.ints([0, *target], f"{call.base}/shape")  # 0: keep the batch axis
    return [b.op("Reshape", [call.inputs[0], shape], call.base)]


def zero_padding2d(b, call):
    (top, bottom), (left, right) = call.layer.get_config()["padding"]
    pads = b.ints([0, top, left, 0, 0, bottom, right, 0], f"{call.base}/pads")
    return [b.op("Pad", [call.inputs[0], pads], call.base, mode="constant")]


def cropping2d(b, call):
    (top, bottom), (left, right) = call.layer.get_config()["cropping"]
    _, height, width, _ = call.input_shapes[0]
    if height is None or width is None:
        raise NotImplementedError(f"{call.who}: exporting needs a known height and width")
    base = call.base
    starts = b.ints([top, left], f"{base}/starts")
    ends = b.ints([height - bottom, width - right], f"{base}/ends")
    return [b.op("Slice", [call.inputs[0], starts, ends, b.ints([1, 2], f"{base}/axes")], base)]


def up_sampling2d(b, call):
    """Resize by integer scales: 'nearest' repeats pixels (asymmetric coordinates, floor),
    'bilinear' interpolates with half-pixel centres (ONNX's linear mode clamps at the edges too)."""
    config = call.layer.get_config()
    sh, sw = _ints(config["size"], 2)
    attrs = (
        dict(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")
        if config["interpolation"] == "nearest"
        else dict(mode="linear", coordinate_transformation_mode="half_pixel")
    )
    scales = b.const(np.array([1, 1, sh, sw], np.float32), f"{call.base}/scales")
    spatial = call.input_shapes[0][1:-1]
    return [_channels_first(b, call, call.inputs[0], "Resize", ["", scales], spatial, **attrs)]


def repeat_vector(b, call):
    n = int(call.layer.get_config()["n"])
    base = call.base
    x = b.op("Unsqueeze", [call.inputs[0], b.ints([1], f"{base}/axis")], base)
    return [b.op("Expand", [x, b.ints([1, n, 1], f"{base}/shape")], base)]


def embedding(b, call):
    (table,) = call.layer.get_weights()
    ids = b.op("Cast", [call.inputs[0]], f"{call.base}/ids", to=7)  # int64
    return [b.op("Gather", [b.const(table, f"{call.base}/embeddings"), ids], call.base, axis=0)]


def position_embedding(b, call):
    """x + table[:timesteps], the length read from x at run time."""
    (table,) = call.layer.get_weights()
    base = call.base
    length = b.dims(call.inputs[0], 1, 2, f"{base}/length")
    start, axis = b.ints([0], f"{base}/start"), b.ints([0], f"{base}/axis")
    rows = b.op("Slice", [b.const(table, f"{base}/table"), start, length, axis], base)
    return [b.op("Add", [call.inputs[0], rows], base)]


def merge(b, call):
    layer, xs = call.layer, call.inputs
    if isinstance(layer, Concatenate):
        return [b.op("Concat", xs, call.base, axis=int(layer.get_config()["axis"]))]
    if isinstance(layer, Subtract):
        return [b.op("Sub", xs, call.base)]
    if isinstance(layer, Multiply):
        y = xs[0]
        for x in xs[1:]:
            y = b.op("Mul", [y, x], call.base)
        return [y]
    return [b.op("Mean" if isinstance(layer, Average) else "Sum", xs, call.base)]


CONVERTERS = {
    Dense: dense,
    Activation: activation,
    ReLU: relu,
    LeakyReLU: leaky_relu,
    PReLU: prelu,
    ELU: elu,
    Softmax: softmax,
    Dropout: identity,
    GaussianNoise: identity,
    GaussianDropout: identity,
    ActivityRegularization: identity,
    RandomFlip: identity,
    RandomRotation: identity,
    RandomTranslation: identity,
    RandomZoom: identity,
    RandomContrast: identity,
    Identity: identity,
    Conv1D: conv,
    Conv2D: conv,
    Conv2DTranspose: conv_transpose,
    DepthwiseConv2D: depthwise_conv,
    SeparableConv2D: depthwise_conv,
    MaxPooling1D: pooling,
    MaxPooling2D: pooling,
    AveragePooling1D: pooling,
    AveragePooling2D: pooling,
    GlobalAveragePooling1D: global_pooling,
    GlobalMaxPooling1D: global_pooling,
    GlobalAveragePooling2D: global_pooling,
    GlobalMaxPooling2D: global_pooling,
    BatchNormalization: batch_normalization,
    LayerNormalization: layer_normalization,
    Rescaling: rescaling,
    Normalization: normalization,
    Flatten: flatten,
    Reshape: reshape,
    ZeroPadding2D: zero_padding2d,
    Cropping2D: cropping2d,
    UpSampling2D: up_sampling2d,
    RepeatVector: repeat_vector,
    Embedding: embedding,
    PositionEmbedding: position_embedding,
    Add: merge,
    Subtract: merge,
    Multiply: merge,
    Average: merge,
    Concatenate: merge,
}
