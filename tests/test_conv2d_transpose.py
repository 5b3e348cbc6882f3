"""Conv2DTranspose: the op's forward and every gradient against PyTorch CPU on a grid of shapes,
strides, paddings and output paddings (every convolution algorithm), float64 finite differences,
and the layer against Keras 3 with the same weights (outputs, output shapes, weight layout, config),
summary, save/load and its argument errors."""

import itertools
import os

import numpy as np
import pytest

import nerve
from nerve import _core
from nerve.layers import Conv2DTranspose
from nerve.ops import _dispatch

import _conv_reference as ref
from helpers import numeric_grad

# (input size, kernel, stride, padding, output_padding): "max" is stride - 1.
GRID = list(
    itertools.product(
        [(1, 1), (3, 4), (5, 5)],
        [(1, 1), (3, 3), (2, 3), (4, 4)],
        [(1, 1), (2, 3)],  # (2, 3): strides 2 and 3, and unequal ones
        ["valid", "same"],
        [None, "zero", "max"],
    )
)


def _output_padding(choice, strides):
    if choice is None:
        return None
    return (0, 0) if choice == "zero" else (strides[0] - 1, strides[1] - 1)


def _nerve(
    x, k, b, strides, padding, output_padding, dilation=(1, 1), grad=None, activation="linear"
):
    xt = nerve.Tensor(x, requires_grad=True)
    kt = nerve.Tensor(k, requires_grad=True)
    bt = nerve.Tensor(b, requires_grad=True) if b is not None else None
    y = _core.ops.conv2d_transpose(
        xt, kt, bt, strides, padding, output_padding, dilation, activation
    )
    out = np.array(y)
    if grad is None:
        return out
    y.backward(nerve.Tensor(grad))
    return out, np.array(xt.grad), np.array(kt.grad), None if b is None else np.array(bt.grad)


def _torch_conv_transpose(torch, X, K, B, size, strides, padding, output_padding, dilation):
    """torch's ConvTranspose2d with Keras's padding mapped: the full output (padding 0), then the
    Keras window [pad_before, pad_before + length) of it (zeros where it runs past the end)."""
    F = torch.nn.functional
    op = (None, None) if output_padding is None else output_padding
    (ph, oh), (pw, ow) = (
        ref.conv_transpose_geometry(
            size[a], K.shape[2 + a], strides[a], padding, op[a], dilation[a]
        )
        for a in (0, 1)
    )
    full = F.conv_transpose2d(X, K, None, stride=strides, dilation=dilation)
    full = F.pad(full, (0, max(0, pw + ow - full.shape[3]), 0, max(0, ph + oh - full.shape[2])))
    return full[:, :, ph : ph + oh, pw : pw + ow] + B.view(1, -1, 1, 1)


# Every case on the direct path (im2col / col2im, 1x1 as a plain GEMM) and on 'auto' with enough
# channels for the implicit GEMM and Winograd; forced Winograd where it applies (3x3, stride 1).
GRID_ALGORITHMS = [(*case, algo) for case in GRID for algo in ("direct", "auto")] + [
    (*case, "winograd") for case in GRID if case[1] == (3, 3) and case[2] == (1, 1)
]


@pytest.fixture
def use_algorithm():
    before = nerve.conv_algorithm()
    yield nerve.set_conv_algorithm
    nerve.set_conv_algorithm(before)


def _assert_matches_torch(torch, rng, x, k, b, size, strides, padding, output_padding):
    """Output, dX, dK and db of nerve's conv2d_transpose against PyTorch's for one random
    upstream gradient."""
    X = torch.tensor(x).permute(0, 3, 1, 2).requires_grad_()
    K = torch.tensor(k).permute(3, 2, 0, 1).contiguous().requires_grad_()
    B = torch.tensor(b).requires_grad_()
    Y = _torch_conv_transpose(torch, X, K, B, size, strides, padding, output_padding, (1, 1))
    G = rng.standard_normal(tuple(Y.permute(0, 2, 3, 1).shape)).astype(np.float32)
    Y.backward(torch.tensor(G).permute(0, 3, 1, 2))
    y, dx, dk, db = _nerve(x, k, b, strides, padding, output_padding, grad=G)
    # Winograd's rounding error (the 3x3 stride-1 cases under 'auto') is relative to the whole
    # output's scale, not to each element: an element that cancels to ~0.1 among outputs of ~15
    # can differ by 2e-4 in a build without FMA contraction (the ASan build at -O1).
    for got, want in [
        (y, Y.detach().permute(0, 2, 3, 1).numpy()),
        (dx, X.grad.permute(0, 2, 3, 1).numpy()),
        (dk, K.grad.permute(2, 3, 1, 0).numpy()),
        (db, B.grad.numpy()),
    ]:
        atol = max(1e-4, 2e-5 * float(np.abs(want).max(initial=0.0)))
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=atol)


@pytest.mark.parametrize("size,kernel,strides,padding,op_choice,algorithm", GRID_ALGORITHMS)
def test_conv2d_transpose_matches_torch(
    size, kernel, strides, padding, op_choice, algorithm, use_algorithm
):
    torch = pytest.importorskip("torch")
    use_algorithm(algorithm)
    output_padding = _output_padding(op_choice, strides)
    cin, filters = (
        (17, 19) if algorithm == "auto" else (3, 2)
    )  # auto: the implicit GEMM and Winograd
    rng = np.random.default_rng(hash((size, kernel, strides, padding, op_choice)) % 2**32)
    x = rng.standard_normal((2, *size, cin)).astype(np.float32)
    k = rng.standard_normal((*kernel, filters, cin)).astype(np.float32)
    b = rng.standard_normal(filters).astype(np.float32)
    op = (None, None) if output_padding is None else output_padding
    lengths = [
        ref.conv_transpose_geometry(size[a], kernel[a], strides[a], padding, op[a])[1]
        for a in (0, 1)
    ]
    if min(lengths) <= 0:
        with pytest.raises(
            ValueError, match="conv2d_transpose: the output (height|width) would be"
        ):
            _nerve(x, k, b, strides, padding, output_padding)
        return
    _assert_matches_torch(torch, rng, x, k, b, size, strides, padding, output_padding)


# The VAE decoder's shapes at odd sizes: several output rows per block, rows around the 32-pixel
# width below which a block of stride-1 rows is one GEMM (the stride-2 forward's phases, and the
# 1-filter layer's dX as a 1-channel convolution), 1 filter and 1 input channel, valid and same.
VAE_CASES = [
    ((7, 7), 64, 64, (2, 2), "same", None),
    ((9, 13), 32, 17, (2, 2), "same", (1, 0)),
    ((14, 14), 64, 32, (2, 2), "same", None),
    ((5, 11), 24, 16, (2, 2), "valid", (1, 1)),
    ((28, 28), 32, 1, (1, 1), "same", None),
    ((13, 31), 17, 1, (1, 1), "same", None),
    ((11, 29), 16, 1, (1, 1), "valid", None),
    ((6, 40), 16, 1, (1, 1), "same", None),
    ((9, 7), 1, 16, (1, 1), "same", None),
]


@pytest.mark.parametrize("size,cin,filters,strides,padding,output_padding", VAE_CASES)
def test_vae_shaped_conv2d_transpose_matches_torch(
    size, cin, filters, strides, padding, output_padding
):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(sum(size) + cin + filters)
    x = rng.standard_normal((3, *size, cin)).astype(np.float32)
    k = rng.standard_normal((3, 3, filters, cin)).astype(np.float32)
    b = rng.standard_normal(filters).astype(np.float32)
    _assert_matches_torch(torch, rng, x, k, b, size, strides, padding, output_padding)


@pytest.mark.parametrize(
    "kernel,strides,padding,output_padding,dilation",
    [
        ((3, 3), (2, 2), "same", None, (1, 1)),
        ((3, 2), (2, 3), "valid", (1, 2), (1, 1)),
        ((4, 4), (2, 2), "same", (1, 0), (1, 1)),
        ((3, 3), (1, 1), "same", None, (2, 1)),
        ((2, 3), (1, 1), "valid", None, (2, 3)),
    ],
)
def test_conv2d_transpose_gradients_match_float64_finite_differences(
    kernel, strides, padding, output_padding, dilation
):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 4, 2))
    k = rng.standard_normal((*kernel, 3, 2))
    b = rng.standard_normal(3)
    y64 = ref.conv2d_transpose(x, k, b, strides, padding, output_padding, dilation)
    G = rng.standard_normal(y64.shape)

    def loss(x_, k_, b_):
        return float(
            np.sum(ref.conv2d_transpose(x_, k_, b_, strides, padding, output_padding, dilation) * G)
        )

    f32 = np.float32
    y, dx, dk, db = _nerve(
        x.astype(f32),
        k.astype(f32),
        b.astype(f32),
        strides,
        padding,
        output_padding,
        dilation,
        grad=G.astype(f32),
    )
    np.testing.assert_allclose(y, y64, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dx, numeric_grad(lambda v: loss(v, k, b), x), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dk, numeric_grad(lambda v: loss(x, v, b), k), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(db, numeric_grad(lambda v: loss(x, k, v), b), rtol=1e-4, atol=1e-4)


def test_dilated_conv2d_transpose_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 5, 6, 3)).astype(np.float32)
    k = rng.standard_normal((3, 2, 4, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    for padding in ("valid", "same"):
        X = torch.tensor(x).permute(0, 3, 1, 2)
        K = torch.tensor(k).permute(3, 2, 0, 1).contiguous()
        Y = _torch_conv_transpose(
            torch, X, K, torch.tensor(b), (5, 6), (1, 1), padding, None, (2, 3)
        )
        y = _nerve(x, k, b, (1, 1), padding, None, (2, 3))
        np.testing.assert_allclose(y, Y.permute(0, 2, 3, 1).numpy(), rtol=1e-4, atol=1e-4)


# ---- the layer against Keras 3 --------------------------------------------------------------
LAYER_CASES = [
    dict(filters=4, kernel_size=3, strides=2, padding="same"),
    dict(filters=3, kernel_size=(4, 3), strides=(2, 1), padding="valid", activation="relu"),
    dict(
        filters=2, kernel_size=3, strides=2, padding="same", output_padding=1, activation="sigmoid"
    ),
    dict(
        filters=5,
        kernel_size=(2, 2),
        strides=(3, 2),
        padding="valid",
        output_padding=(2, 0),
        use_bias=False,
    ),
    dict(filters=3, kernel_size=3, padding="same", dilation_rate=2, activation="tanh"),
    dict(filters=128, kernel_size=4, strides=2, padding="same"),  # the DCGAN generator's layer
]


@pytest.mark.parametrize(
    "kwargs", LAYER_CASES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items())
)
def test_layer_matches_keras_with_the_same_weights(kwargs):
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    in_shape = (7, 6, 8) if kwargs["filters"] == 128 else (5, 4, 3)
    rng = np.random.default_rng(kwargs["filters"])
    x = rng.standard_normal((2, *in_shape)).astype(np.float32)

    kl = keras.layers.Conv2DTranspose(**kwargs)
    ky = np.asarray(kl(x))
    weights = [rng.standard_normal(w.shape).astype(np.float32) * 0.3 for w in kl.get_weights()]
    kl.set_weights(weights)
    ky = np.asarray(kl(x))

    nl = Conv2DTranspose(**kwargs)
    model = nerve.Sequential([nerve.Input(in_shape), nl])
    assert [w.shape for w in nl.get_weights()] == [w.shape for w in weights]
    nl.set_weights(weights)
    ny = model.predict(x, verbose=0)
    assert ny.shape == ky.shape == (2, *kl.compute_output_shape((None, *in_shape))[1:])
    np.testing.assert_allclose(ny, ky, rtol=1e-4, atol=1e-4)
    kcfg, ncfg = kl.get_config(), nl.get_config()
    for key in (
        "filters",
        "kernel_size",
        "strides",
        "padding",
        "output_padding",
        "dilation_rate",
        "use_bias",
    ):
        assert _plain(ncfg[key]) == _plain(kcfg[key]), key


def _plain(v):
    return list(v) if isinstance(v, (tuple, list)) else v


def test_default_initializer_fans_match_keras():
    """glorot_uniform over Keras's fans of (kh, kw, filters, in_channels): the kernel's spread."""
    layer = Conv2DTranspose(64, 4)
    nerve.Sequential([nerve.Input((6, 6, 32)), layer])
    k = layer.get_weights()[0]
    assert k.shape == (4, 4, 64, 32)
    limit = np.sqrt(6 / (16 * 64 + 16 * 32))
    assert np.abs(k).max() <= limit
    assert np.abs(k).max() > 0.95 * limit


def test_layer_trains_and_its_gradients_reach_every_weight():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 4, 4, 3)).astype(np.float32)
    teacher = nerve.Sequential(
        [nerve.Input((4, 4, 3)), Conv2DTranspose(2, 3, strides=2, padding="same")]
    )
    y = teacher.predict(x, verbose=0)
    model = nerve.Sequential(
        [nerve.Input((4, 4, 3)), Conv2DTranspose(2, 3, strides=2, padding="same")]
    )
    model.compile(optimizer=nerve.optimizers.Adam(0.05), loss="mse")
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=30, batch_size=8, verbose=0)
    assert model.evaluate(x, y, verbose=0) < 0.1 * first


def test_summary_save_and_load(tmp_path):
    model = nerve.Sequential(
        [
            nerve.Input((7, 7, 16)),
            Conv2DTranspose(8, 4, strides=2, padding="same", activation="relu", name="up"),
            Conv2DTranspose(1, 3, output_padding=0, strides=1, name="out"),
        ]
    )
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Conv2DTranspose" in text and "(None, 14, 14, 8)" in text and "(None, 16, 16, 1)" in text
    assert f"{4 * 4 * 8 * 16 + 8:,}" in text  # kernel (4, 4, 8, 16) + bias
    x = np.random.default_rng(1).standard_normal((3, 7, 7, 16)).astype(np.float32)
    path = tmp_path / "m.nerve"
    model.save(path)
    loaded = nerve.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.layers[0].get_config() == model.layers[0].get_config()


@pytest.mark.parametrize(
    "kwargs,argument",
    [
        (dict(filters=0, kernel_size=3), "filters"),
        (dict(filters=2, kernel_size=0), "kernel_size"),
        (dict(filters=2, kernel_size=3, strides=(1, 0)), "strides"),
        (dict(filters=2, kernel_size=3, padding="full"), "padding"),
        (dict(filters=2, kernel_size=3, output_padding=-1), "output_padding"),
        (dict(filters=2, kernel_size=3, strides=2, output_padding=2), "output_padding"),
        (dict(filters=2, kernel_size=3, strides=2, dilation_rate=2), "dilation_rate"),
    ],
)
def test_bad_arguments_name_the_layer_and_the_argument(kwargs, argument):
    with pytest.raises(ValueError, match=f"Conv2DTranspose.*{argument}"):
        Conv2DTranspose(**kwargs)


def test_channels_first_is_refused_clearly():
    with pytest.raises(ValueError, match="data_format"):
        Conv2DTranspose(2, 3, data_format="channels_first")


def test_op_errors_name_the_op_and_shapes():
    x = nerve.Tensor(np.zeros((1, 3, 3, 2), np.float32))
    with pytest.raises(
        ValueError, match=r"conv2d_transpose: input of shape \(1, 3, 3, 2\).*axis 3"
    ):
        _core.ops.conv2d_transpose(x, nerve.Tensor(np.zeros((3, 3, 4, 5), np.float32)))
    with pytest.raises(ValueError, match="conv2d_transpose: kernel must be 4-D"):
        _core.ops.conv2d_transpose(x, nerve.Tensor(np.zeros((3, 4, 2), np.float32)))
    with pytest.raises(ValueError, match="conv2d_transpose: bias of shape"):
        _core.ops.conv2d_transpose(
            x,
            nerve.Tensor(np.zeros((3, 3, 4, 2), np.float32)),
            nerve.Tensor(np.zeros(3, np.float32)),
        )
    with pytest.raises(
        ValueError, match="output_padding must be .* strictly less than strides.*width"
    ):
        _core.ops.conv2d_transpose(
            x, nerve.Tensor(np.zeros((3, 3, 4, 2), np.float32)), None, (2, 2), "same", (1, 2)
        )


@pytest.mark.parametrize(
    "attrs",
    [
        {},
        {"strides": 2, "padding": "same"},
        {"strides": (2, 3), "padding": "valid", "output_padding": (1, 2)},
        {"padding": "same", "dilation_rate": 2},
    ],
)
def test_registered_op_matches_keras_ops_conv_transpose(attrs):
    """The op by name (what nerve.ops and traced custom layers call), against keras.ops."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 4, 3, 3)).astype(np.float32)
    k = rng.standard_normal((3, 3, 5, 3)).astype(np.float32)
    b = rng.standard_normal(5).astype(np.float32)
    want = np.asarray(keras.ops.conv_transpose(x, k, **attrs)) + b
    got = np.asarray(_dispatch.apply("conv_transpose", [x, k, b], attrs))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_registered_op_errors_name_it():
    x, k = np.ones((1, 3, 3, 2), np.float32), np.ones((3, 3, 4, 2), np.float32)
    with pytest.raises(ValueError, match="conv_transpose: takes inputs, kernel"):
        _dispatch.apply("conv_transpose", [x], {})
    with pytest.raises(ValueError, match="conv_transpose: only data_format='channels_last'"):
        _dispatch.apply("conv_transpose", [x, k], {"data_format": "channels_first"})
    with pytest.raises(ValueError, match="conv_transpose: strides must be an int or a tuple of 2"):
        _dispatch.apply("conv_transpose", [x, k], {"strides": (1, 2, 3)})
