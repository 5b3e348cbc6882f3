"""Conv2D: forward and every gradient against PyTorch CPU on a grid of shapes, against float64
finite differences on small cases, and the layer's Keras behaviour (weights layout, summary)."""

import itertools

import numpy as np
import pytest

import nerve
from nerve import _core
from nerve.layers import Conv2D

import _conv_reference as ref

GRID = list(itertools.product([1, 5], [1, 3, 8], [1, 3, 5], [1, 2], ["valid", "same"], [1, 2]))


def _nerve_conv(x, k, b, strides, padding, dilation, activation="linear", grad=None):
    xt = nerve.Tensor(x, requires_grad=True)
    kt = nerve.Tensor(k, requires_grad=True)
    bt = nerve.Tensor(b, requires_grad=True)
    y = _core.ops.conv2d(xt, kt, bt, strides, padding, dilation, activation)
    out = np.array(y)
    if grad is None:
        return out
    y.backward(nerve.Tensor(grad))
    return out, np.array(xt.grad), np.array(kt.grad), np.array(bt.grad)


@pytest.mark.parametrize("n,cin,ksize,stride,padding,dilation", GRID)
def test_conv2d_matches_torch(n, cin, ksize, stride, padding, dilation):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    H, W, cout = 7, 9, 4
    span = (ksize - 1) * dilation + 1
    rng = np.random.default_rng(n * 1000 + cin * 100 + ksize * 10 + stride + dilation)
    x = rng.standard_normal((n, H, W, cin)).astype(np.float32)
    k = rng.standard_normal((ksize, ksize, cin, cout)).astype(np.float32)
    b = rng.standard_normal(cout).astype(np.float32)
    strides, dil = (stride, stride), (dilation, dilation)
    if padding == "valid" and span > H:
        with pytest.raises(ValueError, match="larger than the input"):
            _nerve_conv(x, k, b, strides, padding, dil)
        return
    X = torch.tensor(x).permute(0, 3, 1, 2).requires_grad_()
    K = torch.tensor(k).permute(3, 2, 0, 1).contiguous().requires_grad_()
    B = torch.tensor(b).requires_grad_()
    pt, pb = ref.pads(H, ksize, stride, dilation, padding)
    pl, pr = ref.pads(W, ksize, stride, dilation, padding)
    Y = F.conv2d(F.pad(X, (pl, pr, pt, pb)), K, B, stride=strides, dilation=dil)
    G = rng.standard_normal(tuple(Y.permute(0, 2, 3, 1).shape)).astype(np.float32)
    Y.backward(torch.tensor(G).permute(0, 3, 1, 2))

    y, dx, dk, db = _nerve_conv(x, k, b, strides, padding, dil, grad=G)
    tol = dict(rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(y, Y.detach().permute(0, 2, 3, 1).numpy(), **tol)
    np.testing.assert_allclose(dx, X.grad.permute(0, 2, 3, 1).numpy(), **tol)
    np.testing.assert_allclose(dk, K.grad.permute(2, 3, 1, 0).numpy(), **tol)
    np.testing.assert_allclose(db, B.grad.numpy(), **tol)


@pytest.mark.parametrize("activation", ["relu", "tanh", "gelu"])
def test_conv2d_fused_activation_matches_torch(activation):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 8, 8, 5)).astype(np.float32)
    k = rng.standard_normal((3, 3, 5, 6)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    X = torch.tensor(x).permute(0, 3, 1, 2).requires_grad_()
    K = torch.tensor(k).permute(3, 2, 0, 1).contiguous().requires_grad_()
    B = torch.tensor(b).requires_grad_()
    Z = torch.nn.functional.conv2d(X, K, B, padding=1)
    Y = {"relu": torch.relu, "tanh": torch.tanh, "gelu": torch.nn.functional.gelu}[activation](Z)
    G = rng.standard_normal((3, 8, 8, 6)).astype(np.float32)
    Y.backward(torch.tensor(G).permute(0, 3, 1, 2))
    y, dx, dk, db = _nerve_conv(x, k, b, (1, 1), "same", (1, 1), activation, grad=G)
    tol = dict(rtol=2e-4, atol=2e-4)
    np.testing.assert_allclose(y, Y.detach().permute(0, 2, 3, 1).numpy(), **tol)
    np.testing.assert_allclose(dx, X.grad.permute(0, 2, 3, 1).numpy(), **tol)
    np.testing.assert_allclose(dk, K.grad.permute(2, 3, 1, 0).numpy(), **tol)
    np.testing.assert_allclose(db, B.grad.numpy(), **tol)


@pytest.mark.parametrize(
    "strides,padding,dilation",
    [
        ((1, 1), "valid", (1, 1)),
        ((2, 1), "same", (1, 1)),
        ((1, 2), "same", (2, 1)),
        ((1, 1), "same", (1, 1)),
    ],
)
def test_conv2d_finite_differences(strides, padding, dilation):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 5, 6, 2)).astype(np.float32)
    k = rng.standard_normal((3, 2, 2, 3)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    y64 = ref.conv2d(x, k, b, strides, padding, dilation)
    G = rng.standard_normal(y64.shape)
    y, dx, dk, db = _nerve_conv(x, k, b, strides, padding, dilation, grad=G.astype(np.float32))
    np.testing.assert_allclose(y, y64, rtol=1e-5, atol=1e-5)

    def loss(a):
        return float((ref.conv2d(a[0], a[1], a[2], strides, padding, dilation) * G).sum())

    for i, got in enumerate((dx, dk, db)):
        np.testing.assert_allclose(got, ref.numeric_grad(loss, [x, k, b], i), rtol=1e-4, atol=1e-4)


# From 16 input channels the forward runs as an implicit GEMM over a padded window, and dX (stride
# 1) as an implicit transposed convolution: this grid covers that path on every ISA, with row tiles
# that end inside an output row (widths 9 and 31), filter counts off the register block (5, 40),
# asymmetric strides and dilations, and a fused activation.
IMPLICIT_GRID = [
    # n, H, W, cin, cout, (kh, kw), strides, padding, dilation, activation
    (1, 7, 9, 16, 5, (3, 3), (1, 1), "same", (1, 1), "linear"),
    (3, 7, 31, 16, 40, (3, 3), (1, 1), "same", (1, 1), "relu"),
    (2, 8, 9, 24, 8, (5, 5), (1, 1), "valid", (1, 1), "linear"),
    (2, 9, 9, 17, 33, (3, 3), (2, 2), "same", (1, 1), "tanh"),
    (1, 11, 13, 16, 7, (3, 2), (2, 1), "valid", (1, 2), "linear"),
    (2, 10, 12, 20, 16, (3, 3), (1, 1), "same", (2, 2), "relu"),
    (2, 6, 7, 32, 64, (1, 1), (2, 2), "valid", (1, 1), "linear"),
]


@pytest.mark.parametrize(
    "isa",
    [i for i in ("avx512", "avx2", "generic") if i in _core.config()["usable_isas"]],
    indirect=True,
)
@pytest.mark.parametrize(
    "case", IMPLICIT_GRID, ids=lambda c: f"{c[3]}to{c[4]}-k{c[5]}-s{c[6]}-{c[7]}-d{c[8]}"
)
def test_conv2d_implicit_gemm_path(isa, case):
    n, H, W, cin, cout, ks, strides, padding, dilation, activation = case
    rng = np.random.default_rng(cin * 7 + cout)
    x = rng.standard_normal((n, H, W, cin)).astype(np.float32)
    k = (rng.standard_normal(ks + (cin, cout)) * 0.2).astype(np.float32)
    b = rng.standard_normal(cout).astype(np.float32)
    z = ref.conv2d(x, k, b, strides, padding, dilation)
    act, dact = {
        "linear": (lambda v: v, lambda v: np.ones_like(v)),
        "relu": (lambda v: np.maximum(v, 0), lambda v: (v > 0).astype(np.float64)),
        "tanh": (np.tanh, lambda v: 1 - np.tanh(v) ** 2),
    }[activation]
    G = rng.standard_normal(z.shape)
    y, dx, dk, db = _nerve_conv(
        x, k, b, strides, padding, dilation, activation, grad=G.astype(np.float32)
    )
    np.testing.assert_allclose(y, act(z), rtol=1e-4, atol=1e-4)
    # The gradient through the activation, then the exact adjoint of the convolution.
    ref_dx, ref_dk, ref_db = ref.conv2d_grads(x, k, G * dact(z), strides, padding, dilation)
    np.testing.assert_allclose(dx, ref_dx, rtol=1e-4, atol=2e-4)
    np.testing.assert_allclose(dk, ref_dk, rtol=1e-4, atol=2e-4)
    np.testing.assert_allclose(db, ref_db, rtol=1e-4, atol=2e-4)


def test_conv2d_pointwise_path_and_large_batch_chunks():
    """1x1 stride-1 (plain GEMM) and a batch big enough to be split into several im2col chunks."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    for shape, kshape in [((4, 6, 5, 7), (1, 1, 7, 9)), ((40, 30, 30, 16), (3, 3, 16, 8))]:
        x = rng.standard_normal(shape).astype(np.float32)
        k = (rng.standard_normal(kshape) * 0.1).astype(np.float32)
        b = rng.standard_normal(kshape[-1]).astype(np.float32)
        X = torch.tensor(x).permute(0, 3, 1, 2).requires_grad_()
        K = torch.tensor(k).permute(3, 2, 0, 1).contiguous().requires_grad_()
        Y = torch.nn.functional.conv2d(X, K, torch.tensor(b), padding="same")
        G = rng.standard_normal(tuple(Y.permute(0, 2, 3, 1).shape)).astype(np.float32)
        Y.backward(torch.tensor(G).permute(0, 3, 1, 2))
        y, dx, dk, _ = _nerve_conv(x, k, b, (1, 1), "same", (1, 1), grad=G)
        np.testing.assert_allclose(y, Y.detach().permute(0, 2, 3, 1).numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(dx, X.grad.permute(0, 2, 3, 1).numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(dk, K.grad.permute(2, 3, 1, 0).numpy(), rtol=1e-4, atol=2e-3)


def test_conv2d_layer_keras_layout_and_config():
    layer = Conv2D(6, (3, 2), strides=2, padding="same", activation="relu", name="c")
    x = np.random.default_rng(0).standard_normal((2, 7, 9, 3)).astype(np.float32)
    y = layer(x)
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 2, 3, 6) and bias.shape == (6,)
    assert y.shape == (2, 4, 5, 6)
    assert not bias.any()  # zeros initializer
    expected = np.maximum(ref.conv2d(x, kernel, bias, (2, 2), "same", (1, 1)), 0)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)
    cfg = layer.get_config()
    assert cfg["filters"] == 6 and cfg["kernel_size"] == (3, 2) and cfg["strides"] == (2, 2)
    assert cfg["padding"] == "same" and cfg["activation"] == "relu"
    # glorot_uniform over fan_in = 3*2*3 and fan_out = 3*2*6, as Keras
    limit = np.sqrt(6.0 / (18 + 36))
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.5 * limit


def test_conv2d_default_names_follow_keras():
    a, b = Conv2D(2, 3), Conv2D(2, 3)
    assert a.name.startswith("conv2d") and b.name.startswith("conv2d") and a.name != b.name


def test_summary_shapes_and_params():
    from nerve.layers import (
        BatchNormalization,
        Dense,
        Dropout,
        Flatten,
        GlobalAveragePooling2D,
        MaxPooling2D,
    )

    model = nerve.Sequential(
        [
            nerve.Input((28, 28, 1)),
            Conv2D(32, 3, padding="same", activation="relu"),
            Conv2D(64, 3, activation="relu"),
            MaxPooling2D(2),
            BatchNormalization(),
            Dropout(0.25),
            Flatten(),
            Dense(10),
        ]
    )
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    for shape, params in [
        ("(None, 28, 28, 32)", "320"),
        ("(None, 26, 26, 64)", "18,496"),
        ("(None, 13, 13, 64)", "256"),
        ("(None, 10816)", "0"),
        ("(None, 10)", "108,170"),
    ]:
        assert any(shape in ln and ln.rstrip(" │").endswith(params) for ln in text.splitlines()), (
            shape,
            params,
            text,
        )
    assert "Non-trainable params: 128" in text
    gap = nerve.Sequential([nerve.Input((5, 7, 3)), GlobalAveragePooling2D()])
    assert gap.output_shape == (None, 3)


def test_conv_layers_in_a_functional_model():
    from nerve.layers import Add, BatchNormalization, Dense, GlobalAveragePooling2D

    nerve.utils.set_random_seed(0)
    inp = nerve.Input((12, 12, 3))
    h = Conv2D(8, 3, padding="same", activation="relu")(inp)
    h = Add()([h, Conv2D(8, 1)(inp)])  # a residual branch through the 1x1 (plain GEMM) path
    out = Dense(2)(GlobalAveragePooling2D()(BatchNormalization()(h)))
    model = nerve.Model(inp, out)
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).standard_normal((8, 12, 12, 3)).astype(np.float32)
    y = np.random.default_rng(1).standard_normal((8, 2)).astype(np.float32)
    first = model.train_on_batch(x, y)
    for _ in range(20):
        last = model.train_on_batch(x, y)
    assert last < first
    assert model.predict(x).shape == (8, 2)
