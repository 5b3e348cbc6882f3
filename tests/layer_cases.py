"""One case per public layer class, for the shared per-layer harness (test_layer_harness.py).

A case builds its layer with non-default arguments and gives the float64 numpy reference of its
forward pass. The reference takes the inputs and the layer's get_weights() (float64) and restates
the case's arguments itself rather than reading them back from the layer, so a layer that parsed
an argument wrongly disagrees with its reference. Each case also names invalid constructor
arguments, which must raise a ValueError naming the layer class and the argument.

Adding a public layer class without a case here fails test_every_public_layer_class_has_a_case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import nerve
from nerve import initializers as I
from nerve import layers as L
from nerve import regularizers as R
from test_attention import ref_attention

import _conv_reference as conv_ref


@dataclass
class Case:
    make: Callable  # () -> the layer, with non-default arguments
    inputs: list  # per-sample input shapes (no batch axis); several for merge layers
    reference: Callable  # (inputs, weights), float64 lists -> the output (a list if several)
    bad: list  # [(() -> a layer with an invalid argument, the argument the error names)]
    call: Callable = None  # (layer, inputs, training) -> output; None: layer(inputs[0])
    bad_inputs: list = field(default_factory=list)  # [(per-sample shapes it cannot take, words)]
    ids: int = 0  # > 0: the input holds integer ids in [0, ids) (no input gradient)
    # the output is piecewise constant in a float input (bin indices): no input gradient
    constant_in_input: bool = False
    training: bool = False  # the mode of the forward and gradient checks
    batch: int = 2
    rtol: float = 1e-4
    atol: float = 1e-5

    def apply(self, layer, xs, training=None):
        if self.call is not None:
            return self.call(layer, xs, training)
        return layer(xs[0], training=training)


def _merge(layer, xs, training):
    return layer(xs, training=training)


# ---- float64 references -------------------------------------------------------------------
_erf = np.vectorize(math.erf)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


ACT = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0),
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "hard_sigmoid": lambda z: np.clip(z / 6 + 0.5, 0, 1),  # relu6(z + 3) / 6 (Keras 3)
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
    "gelu": lambda z: 0.5 * z * (1 + _erf(z / np.sqrt(2))),
    "softsign": lambda z: z / (1 + np.abs(z)),
}


def _layer_norm(x, gamma, beta, eps):
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def _attention(q, v, k, weights, causal):
    """Keras MultiHeadAttention in float64: per-head projections (Keras layouts: kernels
    (features, heads, dim), output kernel (heads, dim, out)), ref_attention, output projection."""
    Wq, bq, Wk, bk, Wv, bv, Wo, bo = weights
    H, dv = Wq.shape[1], Wv.shape[2]
    proj = lambda x, W, b: x @ W.reshape(W.shape[0], -1) + b.reshape(-1)  # noqa: E731
    qp, kp, vp = proj(q, Wq, bq), proj(k, Wk, bk), proj(v, Wv, bv)
    out, _ = ref_attention(qp, kp, vp, H, causal=causal)  # scores scaled by 1 / sqrt(dk)
    return out @ Wo.reshape(H * dv, -1) + bo


def _rnn(cell, x, W, Rk, b, act, rec_act, go_backwards):
    """Keras SimpleRNN / LSTM (gates i, f, c, o) / GRU (z, r, h; reset_after, bias (2, 3U)):
    the outputs in processing order, the last h and the last c."""
    B, T, _ = x.shape
    U = Rk.shape[0]
    f, g = ACT[act], ACT[rec_act]
    h, c = np.zeros((B, U)), np.zeros((B, U))
    outs = []
    for t in range(T - 1, -1, -1) if go_backwards else range(T):
        xt = x[:, t]
        if cell == "LSTM":
            z = xt @ W + h @ Rk + (0 if b is None else b)
            i, fg, cc, o = (z[:, n * U : (n + 1) * U] for n in range(4))
            c = g(fg) * c + g(i) * f(cc)
            h = g(o) * f(c)
        elif cell == "GRU":
            xz = xt @ W + (0 if b is None else b[0])
            hz = h @ Rk + (0 if b is None else b[1])
            z = g(xz[:, :U] + hz[:, :U])
            r = g(xz[:, U : 2 * U] + hz[:, U : 2 * U])
            hh = f(xz[:, 2 * U :] + r * hz[:, 2 * U :])
            h = z * h + (1 - z) * hh
        else:
            h = f(xt @ W + h @ Rk + (0 if b is None else b))
        outs.append(h)
    return np.stack(outs, 1), h, c


def _conv1d_ref(x, k, b, stride, padding, dilation):
    T, K = x.shape[1], k.shape[0]
    span = (K - 1) * dilation + 1
    if padding == "causal":
        before, after = span - 1, 0
    else:
        before, after = conv_ref.pads(T, K, stride, dilation, padding)
    xp = np.pad(x, ((0, 0), (before, after), (0, 0)))
    n_out = (xp.shape[1] - span) // stride + 1
    y = np.zeros((x.shape[0], n_out, k.shape[2]))
    for j in range(K):
        y += xp[:, j * dilation : j * dilation + (n_out - 1) * stride + 1 : stride] @ k[j]
    return y + b


# ---- the cases ----------------------------------------------------------------------------
def _dense():
    def ref(xs, ws):
        kernel, bias = ws
        return np.tanh(xs[0] @ kernel + bias)

    return Case(
        lambda: L.Dense(
            3,
            activation="tanh",
            kernel_initializer=I.RandomNormal(mean=0.1, stddev=0.5),
            bias_initializer=I.RandomUniform(minval=-0.3, maxval=0.3),
            kernel_regularizer=R.L1L2(l1=0.1, l2=0.2),
            bias_regularizer=R.L2(0.3),
            activity_regularizer=R.L1(0.05),
        ),
        [(3, 4)],  # a 3-D input: Dense acts on the last axis
        ref,
        [
            (lambda: L.Dense(0), "units"),
            (lambda: L.Dense(-3), "units"),
            (lambda: L.Dense(2, activation="no_such_activation"), "no_such_activation"),
            (lambda: L.Dense(2, kernel_initializer="no_such_init"), "no_such_init"),
            (lambda: L.Dense(2, kernel_regularizer="no_such_reg"), "no_such_reg"),
        ],
    )


def _activation():
    return Case(
        lambda: L.Activation("gelu"),
        [(5,)],
        lambda xs, ws: ACT["gelu"](xs[0]),
        [(lambda: L.Activation("no_such_activation"), "no_such_activation")],
    )


def _merge_case(cls, n, ref, extra_bad_inputs=()):
    return Case(
        lambda: cls(name=f"merge_{cls.__name__.lower()}"),
        [(2, 3)] * n,
        lambda xs, ws: ref(xs),
        [(lambda: cls(axes=1), "axes")],
        call=_merge,
        bad_inputs=[([(3,), (4,)], "shape"), *extra_bad_inputs],
    )


def _concatenate():
    return Case(
        lambda: L.Concatenate(axis=1),
        [(2, 3), (4, 3), (1, 3)],
        lambda xs, ws: np.concatenate(xs, axis=1),
        [(lambda: L.Concatenate(axis="last"), "axis")],
        call=_merge,
        bad_inputs=[([(2, 3), (2, 4)], "axis"), ([(2,)], "at least 2|2 inputs|list")],
    )


def _batch_normalization():
    def ref(xs, ws):
        gamma, beta, _, _ = ws
        return conv_ref.batch_norm_train(xs[0], gamma, beta, 0.01)

    return Case(
        lambda: L.BatchNormalization(
            momentum=0.5,
            epsilon=0.01,
            beta_initializer=I.RandomNormal(stddev=0.5),
            gamma_initializer=I.Constant(0.3),
            moving_mean_initializer=I.RandomUniform(minval=-0.2, maxval=0.2),
            moving_variance_initializer=I.Constant(2.0),
            beta_regularizer=R.L1(0.1),
            gamma_regularizer=R.L1L2(l1=0.1, l2=0.2),
            synchronized=True,  # one process: plain BatchNormalization
        ),
        [(3, 4)],
        ref,
        [
            (lambda: L.BatchNormalization(synchronized="yes"), "synchronized"),
            (lambda: L.BatchNormalization(momentum=1.5), "momentum"),
            (lambda: L.BatchNormalization(epsilon=-1.0), "epsilon"),
            (lambda: L.BatchNormalization(epsilon=float("nan")), "epsilon"),
        ],
        training=True,  # batch statistics, differentiated through
        batch=3,
    )


def _layer_normalization():
    def ref(xs, ws):
        gamma, beta = ws
        return _layer_norm(xs[0], gamma, beta, 0.01)

    return Case(
        lambda: L.LayerNormalization(
            epsilon=0.01,
            beta_initializer=I.Constant(0.3),
            gamma_initializer=I.RandomNormal(mean=1.0, stddev=0.2),
        ),
        [(3, 5)],
        ref,
        [
            (lambda: L.LayerNormalization(epsilon=0), "epsilon"),
            (lambda: L.LayerNormalization(epsilon=-1e-3), "epsilon"),
        ],
    )


def _dropout():
    # In inference the layer is the identity (test_dropout checks the training masks)
    return Case(
        lambda: L.Dropout(0.4, seed=7),
        [(3, 4)],
        lambda xs, ws: xs[0],
        [
            (lambda: L.Dropout(1.0), "rate"),
            (lambda: L.Dropout(-0.1), "rate"),
            (lambda: L.Dropout(0.5, seed=-1), "seed"),
        ],
    )


def _conv2d():
    def ref(xs, ws):
        kernel, bias = ws
        return np.maximum(conv_ref.conv2d(xs[0], kernel, bias, (2, 1), "same", (1, 1)), 0)

    return Case(
        lambda: L.Conv2D(
            3,
            (3, 2),
            strides=(2, 1),
            padding="same",
            activation="relu",
            kernel_initializer=I.HeNormal(),
            bias_initializer=I.Constant(0.1),
            kernel_regularizer=R.L2(0.02),
            bias_regularizer=R.L1(0.01),
            activity_regularizer=R.L1L2(l1=0.01, l2=0.02),
        ),
        [(5, 4, 2)],
        ref,
        [
            (lambda: L.Conv2D(0, 3), "filters"),
            (lambda: L.Conv2D(2, 0), "kernel_size"),
            (lambda: L.Conv2D(2, 3, strides=(1, -1)), "strides"),
            (lambda: L.Conv2D(2, 3, padding="full"), "padding"),
            (lambda: L.Conv2D(2, 3, dilation_rate=0), "dilation_rate"),
        ],
    )


def _conv2d_transpose():
    def ref(xs, ws):
        kernel, bias = ws
        return np.tanh(conv_ref.conv2d_transpose(xs[0], kernel, bias, (2, 1), "same", (1, 0)))

    return Case(
        lambda: L.Conv2DTranspose(
            3,
            (3, 2),
            strides=(2, 1),
            padding="same",
            output_padding=(1, 0),
            activation="tanh",
            kernel_initializer=I.HeNormal(),
            bias_initializer=I.Constant(0.1),
            kernel_regularizer=R.L2(0.02),
            bias_regularizer=R.L1(0.01),
        ),
        [(3, 4, 2)],
        ref,
        [
            (lambda: L.Conv2DTranspose(0, 3), "filters"),
            (lambda: L.Conv2DTranspose(2, 0), "kernel_size"),
            (lambda: L.Conv2DTranspose(2, 3, strides=(1, -1)), "strides"),
            (lambda: L.Conv2DTranspose(2, 3, padding="full"), "padding"),
            (lambda: L.Conv2DTranspose(2, 3, strides=2, output_padding=2), "output_padding"),
            (lambda: L.Conv2DTranspose(2, 3, strides=2, dilation_rate=2), "dilation_rate"),
        ],
    )


def _depthwise_ref(x, kernel, strides, padding, dilation):
    """The depthwise convolution as conv2d with a block-diagonal kernel: input channel c feeds
    outputs c * M .. c * M + M - 1 only (Keras's order)."""
    kh, kw, c, m = np.shape(kernel)
    full = np.zeros((kh, kw, c, c * m))
    for ch in range(c):
        full[:, :, ch, ch * m : (ch + 1) * m] = np.asarray(kernel)[:, :, ch, :]
    return conv_ref.conv2d(x, full, np.zeros(c * m), strides, padding, dilation)


def _depthwise_conv2d():
    def ref(xs, ws):
        kernel, bias = ws
        return np.tanh(_depthwise_ref(xs[0], kernel, (2, 1), "same", (1, 1)) + np.asarray(bias))

    return Case(
        lambda: L.DepthwiseConv2D(
            (3, 2),
            strides=(2, 1),
            padding="same",
            depth_multiplier=2,
            activation="tanh",
            depthwise_initializer=I.HeNormal(),
            bias_initializer=I.Constant(0.1),
            depthwise_regularizer=R.L2(0.02),
            bias_regularizer=R.L1(0.01),
            activity_regularizer=R.L1L2(l1=0.01, l2=0.02),
        ),
        [(5, 4, 3)],
        ref,
        [
            (lambda: L.DepthwiseConv2D(0), "kernel_size"),
            (lambda: L.DepthwiseConv2D(3, strides=(1, -1)), "strides"),
            (lambda: L.DepthwiseConv2D(3, padding="full"), "padding"),
            (lambda: L.DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier"),
            (lambda: L.DepthwiseConv2D(3, dilation_rate=0), "dilation_rate"),
        ],
    )


def _separable_conv2d():
    def ref(xs, ws):
        depthwise, pointwise, bias = ws
        mid = _depthwise_ref(xs[0], depthwise, (1, 2), "valid", (2, 1))
        return np.maximum(conv_ref.conv2d(mid, pointwise, bias, (1, 1), "valid", (1, 1)), 0)

    return Case(
        lambda: L.SeparableConv2D(
            3,
            (2, 3),
            strides=(1, 2),
            dilation_rate=(2, 1),
            depth_multiplier=2,
            activation="relu",
            depthwise_initializer=I.HeNormal(),
            pointwise_initializer=I.GlorotNormal(),
            bias_initializer=I.Constant(0.1),
            depthwise_regularizer=R.L2(0.02),
            pointwise_regularizer=R.L1(0.01),
            bias_regularizer=R.L1(0.01),
        ),
        [(5, 6, 2)],
        ref,
        [
            (lambda: L.SeparableConv2D(0, 3), "filters"),
            (lambda: L.SeparableConv2D(2, 0), "kernel_size"),
            (lambda: L.SeparableConv2D(2, 3, strides=(1, -1)), "strides"),
            (lambda: L.SeparableConv2D(2, 3, padding="full"), "padding"),
            (lambda: L.SeparableConv2D(2, 3, depth_multiplier=-1), "depth_multiplier"),
        ],
    )


def _conv1d():
    def ref(xs, ws):
        kernel, bias = ws
        return ACT["elu"](_conv1d_ref(xs[0], kernel, bias, 1, "causal", 2))

    return Case(
        lambda: L.Conv1D(
            3,
            2,
            padding="causal",
            dilation_rate=2,
            activation="elu",
            kernel_initializer=I.VarianceScaling(scale=2, mode="fan_out", distribution="uniform"),
            bias_initializer=I.Constant(-0.1),
        ),
        [(6, 2)],
        ref,
        [
            (lambda: L.Conv1D(-1, 3), "filters"),
            (lambda: L.Conv1D(2, 0), "kernel_size"),
            (lambda: L.Conv1D(2, 3, strides=(1, 2)), "strides"),
            (lambda: L.Conv1D(2, 3, padding="full"), "padding"),
        ],
    )


def _max_pooling1d():
    def ref(xs, ws):
        return conv_ref.pool2d(xs[0][:, None], "max", (1, 3), (1, 2), "same")[:, 0]

    return Case(
        lambda: L.MaxPooling1D(pool_size=3, strides=2, padding="same"),
        [(7, 2)],
        ref,
        [
            (lambda: L.MaxPooling1D(pool_size=0), "pool_size"),
            (lambda: L.MaxPooling1D(2, padding="causal"), "padding"),
        ],
    )


def _average_pooling1d():
    def ref(xs, ws):
        return conv_ref.pool2d(xs[0][:, None], "average", (1, 3), (1, 2), "same")[:, 0]

    return Case(
        lambda: L.AveragePooling1D(pool_size=3, strides=2, padding="same"),
        [(8, 2)],
        ref,
        [
            (lambda: L.AveragePooling1D(pool_size=0), "pool_size"),
            (lambda: L.AveragePooling1D(2, strides=(1, 1)), "strides"),
            (lambda: L.AveragePooling1D(2, padding="causal"), "padding"),
        ],
        bad_inputs=[([(4, 3, 2)], "3-D input")],
    )


def _global_max_pooling1d():
    # channels_first is refused (UnsupportedArgumentError)
    return Case(
        lambda: L.GlobalMaxPooling1D(keepdims=True),
        [(5, 3)],
        lambda xs, ws: xs[0].max(1, keepdims=True),
        [(lambda: L.GlobalMaxPooling1D(data_format="channels_middle"), "data_format")],
        bad_inputs=[([(3,)], "3-D input")],
    )


def _identity():
    return Case(
        lambda: L.Identity(name="same"),
        [(3, 2)],
        lambda xs, ws: xs[0],
        [(lambda: L.Identity(units=3), "units")],
    )


def _masking():
    # the harness's random inputs hold no padding step (test_masking_keras.py has those)
    return Case(
        lambda: L.Masking(mask_value=0.5, name="pad"),
        [(4, 3)],
        lambda xs, ws: xs[0] * np.any(xs[0] != 0.5, axis=-1, keepdims=True),
        [(lambda: L.Masking(mask_value="zero"), "mask_value")],
    )


def _global_average_pooling1d():
    # channels_first is refused (UnsupportedArgumentError)
    return Case(
        lambda: L.GlobalAveragePooling1D(keepdims=True, name="gap1"),
        [(5, 3)],
        lambda xs, ws: xs[0].mean(1, keepdims=True),
        [(lambda: L.GlobalAveragePooling1D(data_format="channels_middle"), "data_format")],
    )


def _pooling2d(cls, kind, pool, strides, padding, bad_kwargs):
    return Case(
        lambda: cls(pool_size=pool, strides=strides, padding=padding),
        [(5, 6, 2)],
        lambda xs, ws: conv_ref.pool2d(xs[0], kind, pool, strides, padding),
        [(lambda kw=kw: cls(**kw), name) for name, kw in bad_kwargs],
    )


def _global_pooling2d(cls, reduce):
    return Case(
        lambda: cls(keepdims=True),
        [(3, 4, 2)],
        lambda xs, ws: reduce(xs[0], axis=(1, 2), keepdims=True),
        [(lambda: cls(data_format="channels_middle"), "data_format")],
    )


def _flatten():
    return Case(
        lambda: L.Flatten(name="flat"),
        [(3, 2, 2)],
        lambda xs, ws: xs[0].reshape(len(xs[0]), -1),
        [(lambda: L.Flatten(data_format="channels_middle"), "data_format")],
    )


def _reshape():
    return Case(
        lambda: L.Reshape((2, -1, 2)),
        [(12,)],
        lambda xs, ws: xs[0].reshape(len(xs[0]), 2, 3, 2),
        [
            (lambda: L.Reshape((0, 4)), "target_shape"),
            (lambda: L.Reshape((-1, -1)), "target_shape"),
            (lambda: L.Reshape("ab"), "target_shape"),
        ],
        bad_inputs=[([(7,)], "target_shape")],
    )


def _zero_padding2d():
    return Case(
        lambda: L.ZeroPadding2D(padding=((1, 2), (0, 1))),
        [(3, 2, 2)],
        lambda xs, ws: np.pad(xs[0], ((0, 0), (1, 2), (0, 1), (0, 0))),
        [
            (lambda: L.ZeroPadding2D(-1), "padding"),
            (lambda: L.ZeroPadding2D(((1, 2), (0, -1))), "padding"),
        ],
    )


def bilinear_matrix(size: int, scale: int) -> np.ndarray:
    """[size * scale, size] float64 weights of half-pixel bilinear upsampling along one axis (the
    source coordinate (o + 0.5) / scale - 0.5, clamped to the edge cells)."""
    m = np.zeros((size * scale, size))
    for o in range(size * scale):
        src = max((o + 0.5) / scale - 0.5, 0.0)
        lo = min(int(np.floor(src)), size - 1)
        hi = min(lo + 1, size - 1)
        m[o, lo] += 1 - (src - lo)
        m[o, hi] += src - lo
    return m


def upsample_bilinear(x, sh: int, sw: int) -> np.ndarray:
    x = np.asarray(x, np.float64)
    return np.einsum(
        "ph,nhwc,qw->npqc", bilinear_matrix(x.shape[1], sh), x, bilinear_matrix(x.shape[2], sw)
    )


def _up_sampling2d():
    return Case(
        lambda: L.UpSampling2D((2, 3), interpolation="bilinear"),
        [(3, 2, 2)],
        lambda xs, ws: upsample_bilinear(xs[0], 2, 3),
        [
            (lambda: L.UpSampling2D(0), "size"),
            (lambda: L.UpSampling2D((2, -1)), "size"),
            (lambda: L.UpSampling2D(interpolation="cubic"), "interpolation"),
        ],
    )


def _cropping2d():
    return Case(
        lambda: L.Cropping2D(cropping=((1, 0), (2, 1))),
        [(3, 5, 2)],
        lambda xs, ws: xs[0][:, 1:, 2:-1, :],
        [
            (lambda: L.Cropping2D(-1), "cropping"),
            (lambda: L.Cropping2D(((1, 2), (0, -1))), "cropping"),
        ],
        bad_inputs=[([(3, 3, 2)], "cropping")],
    )


def _repeat_vector():
    return Case(
        lambda: L.RepeatVector(3),
        [(4,)],
        lambda xs, ws: np.repeat(xs[0][:, None, :], 3, axis=1),
        [(lambda: L.RepeatVector(0), "n")],
        bad_inputs=[([(2, 4)], "features")],
    )


def _gaussian_noise():
    # In inference the layer is the identity (test_generative_layers checks the training noise)
    return Case(
        lambda: L.GaussianNoise(0.3, seed=4),
        [(3, 4)],
        lambda xs, ws: xs[0],
        [
            (lambda: L.GaussianNoise(-0.1), "stddev"),
            (lambda: L.GaussianNoise(1.5), "stddev"),
            (lambda: L.GaussianNoise(0.1, seed=-1), "seed"),
        ],
    )


def _gaussian_dropout():
    return Case(
        lambda: L.GaussianDropout(0.4, seed=4),
        [(3, 4)],
        lambda xs, ws: xs[0],
        [
            (lambda: L.GaussianDropout(1.0), "rate"),
            (lambda: L.GaussianDropout(-0.1), "rate"),
            (lambda: L.GaussianDropout(0.5, seed=-1), "seed"),
        ],
    )


def _activity_regularization():
    return Case(
        lambda: L.ActivityRegularization(l1=0.01, l2=0.02),
        [(3, 4)],
        lambda xs, ws: xs[0],
        [
            (lambda: L.ActivityRegularization(l1=-0.1), "l1"),
            (lambda: L.ActivityRegularization(l2=-1.0), "l2"),
        ],
    )


def _rescaling():
    return Case(
        lambda: L.Rescaling(1.0 / 127.5, offset=-1.0),
        [(3, 4)],
        lambda xs, ws: xs[0] * (1.0 / 127.5) - 1.0,
        [
            (lambda: L.Rescaling(float("nan")), "scale"),
            (lambda: L.Rescaling(2.0, offset=float("inf")), "offset"),
        ],
    )


def _normalization():
    # axis=1 of a (batch, 3, 4) input: one mean and variance per row of 4, set by adapt()
    def make():
        layer = L.Normalization(axis=1)
        layer.adapt(np.random.default_rng(5).normal(2.0, 3.0, size=(16, 3, 4)))
        return layer

    def ref(xs, ws):
        mean, variance, _count = ws
        std = np.maximum(np.sqrt(variance), 1e-7)
        return (xs[0] - mean[None, :, None]) / std[None, :, None]

    return Case(
        make,
        [(3, 4)],
        ref,
        [
            (lambda: L.Normalization(mean=1.0), "mean"),
            (lambda: L.Normalization(mean=0.0, variance=-1.0), "variance"),
        ],
        bad_inputs=[([(4, 4)], "built for inputs")],  # adapted for 3 rows
    )


# ---- augmentation: pinned ranges make the training transform fixed ------------------------------
def _random_flip():
    # Random per sample: in inference the identity (test_augmentation_layers checks the flips)
    return Case(
        lambda: L.RandomFlip("horizontal", seed=3),
        [(4, 5, 2)],
        lambda xs, ws: xs[0],
        [
            (lambda: L.RandomFlip("diagonal"), "mode"),
            (lambda: L.RandomFlip(seed=-1), "seed"),
        ],
        bad_inputs=[([(4, 5)], "rank 4")],
    )


def _random_rotation():
    # a quarter turn of a square image: the bilinear weights are 0 and 1 up to float32 rounding
    return Case(
        lambda: L.RandomRotation((0.25, 0.25), fill_mode="constant", seed=2),
        [(4, 4, 2)],
        lambda xs, ws: np.rot90(xs[0], 1, axes=(1, 2)),
        [
            (lambda: L.RandomRotation(1.5), "factor"),
            (lambda: L.RandomRotation(0.1, fill_mode="mirror"), "fill_mode"),
            (lambda: L.RandomRotation(0.1, interpolation="bicubic"), "interpolation"),
        ],
        training=True,
    )


def _random_translation():
    # one row down and two columns left; the constant fill brings in fill_value
    def ref(xs, ws):
        x = xs[0]
        out = np.full_like(x, 0.5)
        out[:, 1:, :-2] = x[:, :-1, 2:]
        return out

    return Case(
        lambda: L.RandomTranslation(
            (0.25, 0.25),
            (-0.4, -0.4),
            fill_mode="constant",
            fill_value=0.5,
            interpolation="nearest",
        ),
        [(4, 5, 3)],
        ref,
        [
            (lambda: L.RandomTranslation(1.2, 0.1), "height_factor"),
            (lambda: L.RandomTranslation(0.1, (0.1, 0.2, 0.3)), "width_factor"),
        ],
        training=True,
    )


def _random_zoom():
    # In inference the identity (test_augmentation_layers checks the zoom against Keras)
    return Case(
        lambda: L.RandomZoom(0.2, (-0.3, 0.1), fill_mode="nearest", seed=1),
        [(5, 4, 2)],
        lambda xs, ws: xs[0],
        [
            (lambda: L.RandomZoom(-1.0), "height_factor"),
            (lambda: L.RandomZoom(0.1, 2.0), "width_factor"),
        ],
    )


def _random_contrast():
    # factor (-0.5, 0.5) pins the contrast factor to 1 + 0.5 (Keras's [1 - lower, 1 + upper])
    def ref(xs, ws):
        x = xs[0]
        mean = x.mean(axis=(1, 2), keepdims=True)
        return np.clip((x - mean) * 1.5 + mean, -10.0, 10.0)

    return Case(
        lambda: L.RandomContrast((-0.5, 0.5), value_range=(-10, 10)),
        [(3, 4, 2)],
        ref,
        [
            (lambda: L.RandomContrast(1.5), "factor"),
            (lambda: L.RandomContrast(0.1, value_range=(0, 1, 2)), "value_range"),
        ],
        training=True,
    )


def _embedding():
    def ref(xs, ws):
        (table,) = ws
        return table[xs[0].astype(int)]

    return Case(
        lambda: L.Embedding(
            7, 3, embeddings_initializer=I.TruncatedNormal(mean=0.2, stddev=0.4), mask_zero=True
        ),
        [(5,)],
        ref,
        [
            (lambda: L.Embedding(0, 3), "input_dim"),
            (lambda: L.Embedding(4, -3), "output_dim"),
        ],
        ids=7,
    )


def _position_embedding():
    def ref(xs, ws):
        (table,) = ws
        return xs[0] + table[: xs[0].shape[1]]

    return Case(
        lambda: L.PositionEmbedding(6, initializer=I.RandomUniform(minval=-0.5, maxval=0.5)),
        [(4, 3)],  # shorter than sequence_length: the first 4 rows of the table
        ref,
        [(lambda: L.PositionEmbedding(0), "sequence_length")],
        bad_inputs=[([(7, 3)], "sequence_length|7")],
    )


def _recurrent_bad(cls):
    return [
        (lambda: cls(0), "units"),
        (lambda: cls(3, dropout=1.5), "dropout"),
        (lambda: cls(3, recurrent_dropout=-0.5), "recurrent_dropout"),
        (lambda: cls(3, activation="no_such_activation"), "no_such_activation"),
    ]


def _simple_rnn():
    def ref(xs, ws):
        W, Rk, b = ws
        seq, _, _ = _rnn("SimpleRNN", xs[0], W, Rk, b, "softsign", "sigmoid", True)
        return seq

    return Case(
        lambda: L.SimpleRNN(
            3,
            activation="softsign",
            kernel_initializer=I.HeUniform(),
            recurrent_initializer=I.Orthogonal(gain=0.7),
            bias_initializer=I.Ones(),
            dropout=0.2,  # inactive in inference
            return_sequences=True,
            go_backwards=True,
        ),
        [(4, 2)],
        ref,
        _recurrent_bad(L.SimpleRNN),
    )


def _lstm():
    def ref(xs, ws):
        W, Rk, b = ws
        seq, h, c = _rnn("LSTM", xs[0], W, Rk, b, "tanh", "hard_sigmoid", False)
        return [seq, h, c]

    return Case(
        lambda: L.LSTM(
            3,
            recurrent_activation="hard_sigmoid",
            kernel_initializer=I.Orthogonal(gain=0.5),
            recurrent_initializer=I.Orthogonal(gain=2.0),
            bias_initializer=I.Constant(0.2),
            unit_forget_bias=False,
            dropout=0.25,
            recurrent_dropout=0.1,
            return_sequences=True,
            return_state=True,  # three outputs: every one enters the loss
        ),
        [(4, 2)],
        ref,
        _recurrent_bad(L.LSTM),
    )


def _gru():
    def ref(xs, ws):
        W, Rk, b = ws
        _, h, _ = _rnn("GRU", xs[0], W, Rk, b, "relu", "tanh", True)
        return h

    return Case(
        lambda: L.GRU(
            3,
            activation="relu",
            recurrent_activation="tanh",
            kernel_initializer=I.LecunNormal(),
            recurrent_initializer=I.GlorotNormal(),
            bias_initializer=I.RandomNormal(stddev=0.3),
            go_backwards=True,
        ),
        [(4, 2)],
        ref,
        _recurrent_bad(L.GRU),
    )


def _bidirectional():
    def ref(xs, ws):
        fw, _, _ = _rnn("LSTM", xs[0], *ws[:3], "tanh", "sigmoid", False)
        bw, _, _ = _rnn("LSTM", xs[0], *ws[3:], "tanh", "sigmoid", True)
        return (fw + bw[:, ::-1]) / 2  # the backward outputs aligned in time, then averaged

    return Case(
        lambda: L.Bidirectional(
            L.LSTM(
                3,
                return_sequences=True,
                kernel_initializer=I.RandomNormal(stddev=0.5),
                recurrent_initializer=I.Orthogonal(gain=0.5),
            ),
            merge_mode="ave",
        ),
        [(4, 2)],
        ref,
        [
            (lambda: L.Bidirectional(L.GRU(2), merge_mode="max"), "merge_mode"),
            (lambda: L.Bidirectional(L.LSTM(2, return_state=True)), "return_state"),
        ],
    )


def _time_distributed():
    def ref(xs, ws):
        kernel, bias = ws
        return ACT["sigmoid"](xs[0] @ kernel + bias)

    return Case(
        lambda: L.TimeDistributed(
            L.Dense(2, activation="sigmoid", kernel_initializer=I.RandomNormal(stddev=0.5))
        ),
        [(4, 3)],
        ref,
        [(lambda: L.TimeDistributed(L.Dense(2), merge_mode="sum"), "merge_mode")],
        bad_inputs=[([(3,)], "time|3-D|rank|dimension")],
    )


def _multi_head_attention():
    def ref(xs, ws):
        q, v, k = xs
        return _attention(q, v, k, ws, causal=True)

    return Case(
        lambda: L.MultiHeadAttention(
            num_heads=2,
            key_dim=3,
            value_dim=4,
            dropout=0.1,  # inactive in inference
            output_shape=5,
            use_causal_mask=True,
            kernel_initializer=I.RandomNormal(stddev=0.3),
            bias_initializer=I.RandomUniform(minval=-0.2, maxval=0.2),
        ),
        [(4, 6), (5, 3), (5, 2)],  # query, value and a key of its own width
        ref,
        [
            (lambda: L.MultiHeadAttention(0, 3), "num_heads"),
            (lambda: L.MultiHeadAttention(2, -3), "key_dim"),
            (lambda: L.MultiHeadAttention(2, 3, value_dim=0), "value_dim"),
            (lambda: L.MultiHeadAttention(2, 3, dropout=1.0), "dropout"),
            (lambda: L.MultiHeadAttention(2, 3, output_shape=(4, 5)), "output_shape"),
        ],
        call=lambda layer, xs, training: layer(xs[0], xs[1], xs[2], training=training),
        rtol=2e-4,
    )


def _softmax_last(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _attention_layer():
    """Keras's Attention, score_mode "concat" with use_scale, on [query, value, key]:
    scores = w * sum(tanh(scale * (q + k))) over the features (weights: scale, then w)."""

    def ref(xs, ws):
        q, v, k = xs
        scale, weight = ws
        scores = weight * np.tanh(scale * (q[:, :, None, :] + k[:, None, :, :])).sum(-1)
        return _softmax_last(scores) @ v

    return Case(
        lambda: L.Attention(use_scale=True, score_mode="concat", dropout=0.2, seed=3),
        [(4, 3), (5, 2), (5, 3)],  # value of its own width; key of the query's
        ref,
        [
            (lambda: L.Attention(score_mode="additive"), "score_mode"),
            (lambda: L.Attention(dropout=-0.5), "dropout"),
        ],
        call=lambda layer, xs, training: layer(xs, training=training),
        bad_inputs=[([(4, 3)], "list|length 2 or 3")],
    )


def _additive_attention_layer():
    """Keras's AdditiveAttention with a causal mask: scores = sum(scale * tanh(q + k)) over the
    features, value steps after the query step masked out (a 1e9 bias)."""

    def ref(xs, ws):
        q, v = xs
        (scale,) = ws
        scores = (scale * np.tanh(q[:, :, None, :] + v[:, None, :, :])).sum(-1)
        tq, tv = scores.shape[1:]
        causal = np.arange(tq)[:, None] >= np.arange(tv)[None, :]
        return _softmax_last(np.where(causal, scores, scores - 1e9)) @ v

    return Case(
        lambda: L.AdditiveAttention(dropout=0.1),
        [(4, 3), (5, 3)],
        ref,
        [(lambda: L.AdditiveAttention(dropout=2.0), "dropout")],
        call=lambda layer, xs, training: layer(xs, training=training, use_causal_mask=True),
        bad_inputs=[([(4, 3)], "list|length 2 or 3")],
    )


def _transformer_encoder():
    eps = 1e-3

    def ref(xs, ws):
        x = xs[0]
        x = _layer_norm(x + _attention(x, x, x, ws[:8], causal=True), ws[8], ws[9], eps)
        W1, c1, W2, c2 = ws[10:14]
        ff = np.maximum(x @ W1 + c1, 0) @ W2 + c2
        return _layer_norm(x + ff, ws[14], ws[15], eps)

    return Case(
        lambda: L.TransformerEncoder(
            num_heads=2,
            key_dim=3,  # heads * key_dim (6) differs from the features (4)
            ff_dim=5,
            dropout=0.1,
            layer_norm_epsilon=eps,
            use_causal_mask=True,
        ),
        [(3, 4)],
        ref,
        [
            (lambda: L.TransformerEncoder(0, 3, 4), "num_heads"),
            (lambda: L.TransformerEncoder(2, 3, -4), "ff_dim"),
            (lambda: L.TransformerEncoder(2, 3, 4, dropout=2.0), "dropout"),
            (lambda: L.TransformerEncoder(2, 3, 4, layer_norm_epsilon=-1.0), "layer_norm_epsilon"),
        ],
        rtol=2e-4,
        atol=2e-5,
    )


def _relu():
    def ref(xs, ws):
        x = xs[
            0
        ]  # Keras: x >= max_value -> max_value; threshold <= x -> x; below: slope * (x - threshold)
        return np.where(x >= 0.5, np.minimum(x, 2.0), 0.1 * (x - 0.5))

    return Case(
        lambda: L.ReLU(max_value=2.0, negative_slope=0.1, threshold=0.5),
        [(3, 4)],
        ref,
        [
            (lambda: L.ReLU(max_value=-1.0), "max_value"),
            (lambda: L.ReLU(negative_slope=-0.5), "negative_slope"),
        ],
    )


def _leaky_relu():
    return Case(
        lambda: L.LeakyReLU(negative_slope=0.05),
        [(3, 4)],
        lambda xs, ws: np.where(xs[0] > 0, xs[0], 0.05 * xs[0]),
        [(lambda: L.LeakyReLU(negative_slope=-1.0), "negative_slope")],
    )


def _prelu():
    def ref(xs, ws):
        (alpha,) = ws  # shared over axis 1 (the 3): shape (1, 4)
        return np.where(xs[0] > 0, xs[0], alpha * xs[0])

    return Case(
        lambda: L.PReLU(
            alpha_initializer=I.Constant(0.25), alpha_regularizer=R.L2(0.01), shared_axes=[1]
        ),
        [(3, 4)],
        ref,
        [(lambda: L.PReLU(shared_axes=[0]), "shared_axes")],
    )


def _elu():
    return Case(
        lambda: L.ELU(alpha=0.7),
        [(3, 4)],
        lambda xs, ws: np.where(xs[0] > 0, xs[0], 0.7 * np.expm1(np.minimum(xs[0], 0))),
        [(lambda: L.ELU(alpha="x"), "alpha")],
    )


def _softmax():
    def ref(xs, ws):
        z = np.exp(xs[0] - xs[0].max(-1, keepdims=True))
        return z / z.sum(-1, keepdims=True)

    return Case(
        lambda: L.Softmax(axis=-1),
        [(3, 5)],
        ref,
        [(lambda: L.Softmax(axis=1.5), "axis")],
    )


_POOL2D_BAD = [
    ("pool_size", {"pool_size": 0}),
    ("strides", {"pool_size": 2, "strides": (1, 0)}),
    ("padding", {"pool_size": 2, "padding": "causal"}),
]


@nerve.saving.register_keras_serializable(package="layer_cases")
def exp_scaled(x, scale):
    """A named, registered function: what a Lambda that saves and loads must hold."""
    return nerve.ops.exp(x) * scale - x


def _lambda():
    return Case(
        lambda: L.Lambda(exp_scaled, arguments={"scale": 2.0}),
        [(3, 4)],
        lambda xs, ws: np.exp(xs[0]) * 2.0 - xs[0],
        [(lambda: L.Lambda(lambda x: x, arguments=[2.0]), "arguments")],
    )


def _op_layer():
    # what nerve.ops.logsumexp(inp, axis=-1, keepdims=True) makes on a functional model's input
    return Case(
        lambda: L.OpLayer("logsumexp", 1, [0], {}, {"axis": -1, "keepdims": True}),
        [(3, 4)],
        lambda xs, ws: np.log(np.sum(np.exp(xs[0]), axis=-1, keepdims=True)),
        [(lambda: L.OpLayer("no_such_op", 1, [0]), "no_such_op")],
    )


# ---- layers written in Python with nerve.ops (Keras's Permute, Dot, Maximum, ...) ----------
# Traced into C++ like a custom layer: they run in fit / predict, but the standalone C++
# inference tool refuses them by name, as it does Lambda (nerve.onnx converts most of them).
WRITTEN_IN_PYTHON = {
    "Permute",
    "Attention",
    "AdditiveAttention",
    "Dot",
    "Maximum",
    "Minimum",
    "ZeroPadding1D",
    "Cropping1D",
    "UpSampling1D",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "UnitNormalization",
    "RMSNormalization",
    "GroupNormalization",
    "EinsumDense",
    "AlphaDropout",
    "CategoryEncoding",
    "Discretization",
    "CenterCrop",
}


def _permute():
    return Case(
        lambda: L.Permute((3, 1, 2)),
        [(2, 3, 4)],
        lambda xs, ws: np.transpose(xs[0], (0, 3, 1, 2)),
        [
            (lambda: L.Permute((1, 3)), "dims"),
            (lambda: L.Permute((0, 1)), "dims"),
        ],
        bad_inputs=[([(2, 3)], "dims")],
    )


def _elementwise_merge(cls, fold):
    return Case(
        lambda: cls(name=f"merge_{cls.__name__.lower()}"),
        [(2, 3), (2, 3), (1, 3)],  # the third broadcasts along its axis of size 1
        lambda xs, ws: fold(fold(xs[0], xs[1]), xs[2]),
        [(lambda: cls(axes=1), "axes")],
        call=_merge,
        bad_inputs=[([(2, 3), (2, 4)], "shape")],
    )


def _dot():
    return Case(
        lambda: L.Dot(axes=(1, 2), normalize=True),
        [(3, 4), (5, 3)],
        lambda xs, ws: np.einsum(
            "bji,bkj->bik",
            xs[0] / np.sqrt((xs[0] ** 2).sum(1, keepdims=True)),
            xs[1] / np.sqrt((xs[1] ** 2).sum(2, keepdims=True)),
        ),
        [
            (lambda: L.Dot(axes=(1, 2, 3)), "axes"),
            (lambda: L.Dot(axes=(1, 1.5)), "axes"),
            (lambda: L.Dot(axes=1, normalize="yes"), "normalize"),
        ],
        call=_merge,
        bad_inputs=[([(3, 4), (5, 4)], "axis"), ([(3, 4), (4, 3), (3, 4)], "2 inputs")],
    )


def _zero_padding1d():
    return Case(
        lambda: L.ZeroPadding1D((2, 1)),
        [(3, 2)],
        lambda xs, ws: np.pad(xs[0], ((0, 0), (2, 1), (0, 0))),
        [
            (lambda: L.ZeroPadding1D(-1), "padding"),
            (lambda: L.ZeroPadding1D((1, 2, 3)), "padding"),
            (lambda: L.ZeroPadding1D(1, data_format="channels_middle"), "data_format"),
        ],
        bad_inputs=[([(3, 2, 2)], "rank 3")],
    )


def _cropping1d():
    return Case(
        lambda: L.Cropping1D((1, 2)),
        [(5, 3)],
        lambda xs, ws: xs[0][:, 1:-2, :],
        [
            (lambda: L.Cropping1D(-1), "cropping"),
            (lambda: L.Cropping1D((1, "a")), "cropping"),
        ],
        bad_inputs=[([(3, 2)], "cropping")],
    )


def _up_sampling1d():
    return Case(
        lambda: L.UpSampling1D(3),
        [(2, 4)],
        lambda xs, ws: np.repeat(xs[0], 3, axis=1),
        [(lambda: L.UpSampling1D(0), "size"), (lambda: L.UpSampling1D(-2), "size")],
        bad_inputs=[([(4,)], "rank 3")],
    )


def _spatial_dropout(cls, shape, extra=()):
    # In inference the layer is the identity (test_keras_layers_more checks the training masks)
    return Case(
        lambda: cls(0.4, seed=7),
        [shape],
        lambda xs, ws: xs[0],
        [
            (lambda: cls(1.5), "rate"),
            (lambda: cls(-0.1), "rate"),
            (lambda: cls(0.5, seed="x"), "seed"),
            *extra,
        ],
        bad_inputs=[([(3,)], "rank")],
    )


def _unit_normalization():
    return Case(
        lambda: L.UnitNormalization(axis=[1, 2]),
        [(3, 4)],
        lambda xs, ws: xs[0] / np.sqrt((xs[0] ** 2).sum((1, 2), keepdims=True)),
        [(lambda: L.UnitNormalization(axis=[1, "x"]), "axis")],
        bad_inputs=[([(3,)], "Axis")],
    )


def _rms_normalization():
    def ref(xs, ws):
        (scale,) = ws
        x = xs[0]
        return x / np.sqrt((x**2).mean(-1, keepdims=True) + 0.01) * scale

    return Case(
        lambda: L.RMSNormalization(epsilon=0.01),
        [(3, 5)],
        ref,
        [
            (lambda: L.RMSNormalization(epsilon=-1.0), "epsilon"),
            (lambda: L.RMSNormalization(axis="last"), "axis"),
        ],
    )


def _group_normalization():
    def ref(xs, ws):
        gamma, beta = ws
        x = xs[0]  # (batch, steps, 6): 3 groups of 2 channels
        g = x.reshape(x.shape[0], x.shape[1], 3, 2)
        mean = g.mean((1, 3), keepdims=True)
        var = g.var((1, 3), keepdims=True)
        out = ((g - mean) / np.sqrt(var + 0.01)).reshape(x.shape)
        return out * gamma + beta

    return Case(
        lambda: L.GroupNormalization(
            groups=3,
            epsilon=0.01,
            beta_initializer=I.RandomNormal(stddev=0.5),
            gamma_initializer=I.Constant(0.3),
            beta_regularizer=R.L1(0.1),
            gamma_regularizer=R.L2(0.2),
        ),
        [(4, 6)],
        ref,
        [
            (lambda: L.GroupNormalization(groups=0), "groups"),
            (lambda: L.GroupNormalization(epsilon=-1.0), "epsilon"),
            (lambda: L.GroupNormalization(center="yes"), "center"),
        ],
        bad_inputs=[([(4, 5)], "groups")],
        rtol=2e-4,
    )


def _einsum_dense():
    def ref(xs, ws):
        kernel, bias = ws  # kernel (c, d, e), bias (d, e): bias_axes "de"
        return np.tanh(np.einsum("abc,cde->abde", xs[0], kernel) + bias)

    return Case(
        lambda: L.EinsumDense(
            "abc,cde->abde",
            (3, 2, 4),
            activation="tanh",
            bias_axes="de",
            kernel_initializer=I.RandomNormal(stddev=0.4),
            bias_initializer=I.Constant(0.1),
            kernel_regularizer=R.L2(0.1),
            bias_regularizer=R.L1(0.2),
        ),
        [(3, 5)],
        ref,
        [
            (lambda: L.EinsumDense("ab,bc->ac", "wide"), "output_shape"),
            (lambda: L.EinsumDense("ab,bc->ac", 3, bias_axes=2), "bias_axes"),
            (lambda: L.EinsumDense(3, 3), "equation"),
        ],
        bad_inputs=[([(4, 5)], "do not match")],
    )


def _alpha_dropout():
    # In inference the layer is the identity (test_keras_layers_b checks the training draws)
    return Case(
        lambda: L.AlphaDropout(0.3, noise_shape=(None, 1, 4), seed=3),
        [(3, 4)],
        lambda xs, ws: xs[0],
        [
            (lambda: L.AlphaDropout(1.5), "rate"),
            (lambda: L.AlphaDropout(0.2, noise_shape=(None, -1)), "noise_shape"),
            (lambda: L.AlphaDropout(0.2, seed=1.5), "seed"),
        ],
        bad_inputs=[([(3, 5)], "noise_shape")],
    )


def _category_encoding():
    def ref(xs, ws):
        ids = xs[0].astype(int)
        return (ids[..., None] == np.arange(6)).sum(1).astype(np.float64)

    return Case(
        lambda: L.CategoryEncoding(num_tokens=6, output_mode="count"),
        [(5,)],
        ref,
        [
            (lambda: L.CategoryEncoding(0), "num_tokens"),
            (lambda: L.CategoryEncoding(4, output_mode="tf_idf"), "output_mode"),
        ],
        bad_inputs=[([(2, 3)], "rank 2")],
        ids=6,
    )


def _discretization():
    def ref(xs, ws):
        return np.digitize(xs[0], [-0.6, 0.1, 0.9]).astype(np.float64)

    return Case(
        lambda: L.Discretization(bin_boundaries=[-0.6, 0.1, 0.9]),
        [(3, 4)],
        ref,
        [
            (lambda: L.Discretization(), "bin_boundaries"),
            (lambda: L.Discretization(num_bins=-2), "num_bins"),
            (lambda: L.Discretization([0.0], epsilon=0), "epsilon"),
        ],
        constant_in_input=True,
    )


def _center_crop():
    return Case(
        lambda: L.CenterCrop(2, 3, data_format="channels_first"),
        [(2, 5, 6)],
        lambda xs, ws: xs[0][:, :, 1:3, 1:4],
        [
            (lambda: L.CenterCrop(-1, 3), "height"),
            (lambda: L.CenterCrop(3, 0), "width"),
            (lambda: L.CenterCrop(3, 3, data_format="nhwc"), "data_format"),
        ],
        bad_inputs=[([(5, 6)], "rank 4")],
    )


# class name -> case. InputLayer has no case: see NOT_COMPUTATIONAL.
CASES = {
    "Activation": _activation(),
    "Add": _merge_case(L.Add, 3, lambda xs: sum(xs)),
    "Average": _merge_case(L.Average, 3, lambda xs: sum(xs) / len(xs)),
    "Multiply": _merge_case(L.Multiply, 3, lambda xs: xs[0] * xs[1] * xs[2]),
    "Subtract": _merge_case(
        L.Subtract,
        2,
        lambda xs: xs[0] - xs[1],
        [([(2, 3), (2, 3), (2, 3)], "exactly 2")],
    ),
    "Concatenate": _concatenate(),
    "AveragePooling2D": _pooling2d(
        L.AveragePooling2D, "average", (2, 3), (1, 2), "same", _POOL2D_BAD
    ),
    "MaxPooling2D": _pooling2d(L.MaxPooling2D, "max", (3, 2), (2, 2), "same", _POOL2D_BAD),
    "GlobalAveragePooling2D": _global_pooling2d(L.GlobalAveragePooling2D, np.mean),
    "GlobalMaxPooling2D": _global_pooling2d(L.GlobalMaxPooling2D, np.max),
    "BatchNormalization": _batch_normalization(),
    "Bidirectional": _bidirectional(),
    "Conv1D": _conv1d(),
    "Conv2D": _conv2d(),
    "Conv2DTranspose": _conv2d_transpose(),
    "DepthwiseConv2D": _depthwise_conv2d(),
    "SeparableConv2D": _separable_conv2d(),
    "Dense": _dense(),
    "Dropout": _dropout(),
    "Embedding": _embedding(),
    "Flatten": _flatten(),
    "GlobalAveragePooling1D": _global_average_pooling1d(),
    "GlobalMaxPooling1D": _global_max_pooling1d(),
    "Identity": _identity(),
    "Masking": _masking(),
    "AveragePooling1D": _average_pooling1d(),
    "GRU": _gru(),
    "LayerNormalization": _layer_normalization(),
    "LSTM": _lstm(),
    "MaxPooling1D": _max_pooling1d(),
    "MultiHeadAttention": _multi_head_attention(),
    "Attention": _attention_layer(),
    "AdditiveAttention": _additive_attention_layer(),
    "PositionEmbedding": _position_embedding(),
    "Reshape": _reshape(),
    "SimpleRNN": _simple_rnn(),
    "TimeDistributed": _time_distributed(),
    "TransformerEncoder": _transformer_encoder(),
    "ZeroPadding2D": _zero_padding2d(),
    "ReLU": _relu(),
    "LeakyReLU": _leaky_relu(),
    "PReLU": _prelu(),
    "ELU": _elu(),
    "Softmax": _softmax(),
    "UpSampling2D": _up_sampling2d(),
    "Cropping2D": _cropping2d(),
    "RepeatVector": _repeat_vector(),
    "Lambda": _lambda(),
    "OpLayer": _op_layer(),
    "GaussianNoise": _gaussian_noise(),
    "GaussianDropout": _gaussian_dropout(),
    "ActivityRegularization": _activity_regularization(),
    "Rescaling": _rescaling(),
    "Normalization": _normalization(),
    "RandomFlip": _random_flip(),
    "RandomRotation": _random_rotation(),
    "RandomTranslation": _random_translation(),
    "RandomZoom": _random_zoom(),
    "RandomContrast": _random_contrast(),
    "Permute": _permute(),
    "Maximum": _elementwise_merge(L.Maximum, np.maximum),
    "Minimum": _elementwise_merge(L.Minimum, np.minimum),
    "Dot": _dot(),
    "ZeroPadding1D": _zero_padding1d(),
    "Cropping1D": _cropping1d(),
    "UpSampling1D": _up_sampling1d(),
    "SpatialDropout1D": _spatial_dropout(L.SpatialDropout1D, (3, 4)),
    "SpatialDropout2D": _spatial_dropout(
        L.SpatialDropout2D,
        (3, 2, 4),
        [(lambda: L.SpatialDropout2D(0.5, data_format="nchw"), "data_format")],
    ),
    "UnitNormalization": _unit_normalization(),
    "RMSNormalization": _rms_normalization(),
    "GroupNormalization": _group_normalization(),
    "EinsumDense": _einsum_dense(),
    "AlphaDropout": _alpha_dropout(),
    "CategoryEncoding": _category_encoding(),
    "Discretization": _discretization(),
    "CenterCrop": _center_crop(),
}

# Public layer classes that compute nothing, and why they have no case.
NOT_COMPUTATIONAL = {
    # the placeholder nerve.Input creates for a model input: it cannot be called, has no weights
    # and no output of its own to compare (test_functional and test_saving cover it)
    "InputLayer": "a model's input placeholder: it cannot be called",
    # the base the layers declared in C++ derive from (nerve.layers.declared): it names no C++
    # layer (core_type is empty), so it cannot be built; every subclass has its own case
    "DeclaredLayer": "an abstract base: no C++ layer of its own",
    # a preprocessing object run on Python strings outside the model (strings -> numpy ids);
    # it has no C++ layer, weights or gradient (test_text_vectorization checks it)
    "TextVectorization": "string preprocessing outside the model: no tensor input or weights",
}


def public_layer_classes() -> set:
    """Every public Layer subclass nerve defines: exported by nerve or nerve.layers, or defined
    under a public name in any nerve module (so one not yet exported counts too)."""
    import importlib
    import pkgutil

    for module in pkgutil.walk_packages(nerve.__path__, "nerve."):
        importlib.import_module(module.name)
    found = {
        v
        for ns in (vars(nerve), vars(L))
        for v in ns.values()
        if isinstance(v, type) and issubclass(v, L.Layer)
    }
    stack = [L.Layer]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("nerve.") and not sub.__name__.startswith("_"):
                found.add(sub)
    return found - {L.Layer}
