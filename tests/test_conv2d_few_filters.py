"""conv2d to few filters from many channels (cpu/conv/conv_few_filters.cpp: GEMMs over taps x
filters, then a gather or its adjoint), the path of e.g. a DCGAN generator's 7x7 convolution to 1
channel: forward and every gradient against the float64 reference on a grid (strides, dilations,
paddings, kernels, fused activations), against float64 finite differences, and against the
direct path (set_conv_algorithm("direct")); and Conv2DTranspose from few channels, whose forward
is this path's backward."""

import numpy as np
import pytest

import nerve
from nerve import _core

import _conv_reference as ref

# n, H, W, cin, cout, (kh, kw), strides, padding, dilation, activation; cin >= 64, cout <= 8
GRID = [
    (2, 9, 9, 64, 1, (7, 7), (1, 1), "same", (1, 1), "linear"),
    (1, 8, 11, 70, 3, (3, 2), (2, 1), "valid", (1, 2), "relu"),
    (3, 7, 6, 64, 8, (3, 3), (2, 2), "same", (1, 1), "tanh"),
    (2, 10, 9, 65, 2, (5, 3), (1, 1), "valid", (2, 1), "linear"),
    (1, 6, 7, 64, 1, (4, 4), (3, 2), "same", (1, 1), "relu"),
]
ACTIVATIONS = {"linear": lambda v: v, "relu": lambda v: np.maximum(v, 0), "tanh": np.tanh}


def _conv(x, k, b, strides, padding, dilation, activation, grad):
    xt, kt, bt = (nerve.Tensor(a, requires_grad=True) for a in (x, k, b))
    y = _core.ops.conv2d(xt, kt, bt, strides, padding, dilation, activation)
    y.backward(nerve.Tensor(grad))
    return np.array(y), np.array(xt.grad), np.array(kt.grad), np.array(bt.grad)


@pytest.fixture
def restore_algorithm():
    before = _core.conv_algorithm()
    yield
    _core.set_conv_algorithm(before)


@pytest.mark.parametrize("n,H,W,cin,cout,kernel,strides,padding,dilation,activation", GRID)
def test_few_filters_matches_reference_and_direct(
    n, H, W, cin, cout, kernel, strides, padding, dilation, activation, restore_algorithm
):
    rng = np.random.default_rng(cin * 10 + cout)
    x = rng.standard_normal((n, H, W, cin)).astype(np.float32)
    k = (rng.standard_normal((*kernel, cin, cout)) / np.sqrt(cin)).astype(np.float32)
    b = rng.standard_normal(cout).astype(np.float32)
    z64 = ref.conv2d(x, k, b, strides, padding, dilation)
    y64 = ACTIVATIONS[activation](z64)
    G = rng.standard_normal(y64.shape)
    dz64 = G * (1 - y64**2 if activation == "tanh" else (z64 > 0) if activation == "relu" else 1)
    dx64, dk64, db64 = ref.conv2d_grads(x, k, dz64, strides, padding, dilation)
    got = {}
    for algo in ("auto", "direct"):
        _core.set_conv_algorithm(algo)
        got[algo] = _conv(x, k, b, strides, padding, dilation, activation, G.astype(np.float32))
    for mine, want, direct in zip(got["auto"], (y64, dx64, dk64, db64), got["direct"]):
        np.testing.assert_allclose(mine, want, rtol=2e-4, atol=2e-4)
        np.testing.assert_allclose(mine, direct, rtol=2e-4, atol=2e-4)


def test_few_filters_finite_differences():
    rng = np.random.default_rng(3)
    strides, padding, dilation = (2, 1), "same", (1, 1)
    x = rng.standard_normal((1, 4, 5, 64)).astype(np.float32)
    k = (rng.standard_normal((3, 3, 64, 2)) / 8).astype(np.float32)
    b = rng.standard_normal(2).astype(np.float32)
    G = rng.standard_normal(ref.conv2d(x, k, b, strides, padding, dilation).shape)
    _, dx, dk, db = _conv(x, k, b, strides, padding, dilation, "linear", G.astype(np.float32))

    def loss(a):
        return float((ref.conv2d(a[0], a[1], a[2], strides, padding, dilation) * G).sum())

    for i, got in enumerate((dx, dk, db)):
        np.testing.assert_allclose(got, ref.numeric_grad(loss, [x, k, b], i), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("strides,padding", [((2, 2), "same"), ((1, 1), "valid")])
def test_conv2d_transpose_from_few_channels(strides, padding, restore_algorithm):
    """Conv2DTranspose(64 filters) of a 2-channel input: its forward is the few-filters
    backward (dX), its kernel gradient the few-filters dW."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 5, 4, 2)).astype(np.float32)
    k = rng.standard_normal((3, 3, 64, 2)).astype(np.float32)
    b = rng.standard_normal(64).astype(np.float32)
    y64 = ref.conv2d_transpose(x, k, b, strides, padding)
    G = rng.standard_normal(y64.shape).astype(np.float32)
    got = {}
    for algo in ("auto", "direct"):
        _core.set_conv_algorithm(algo)
        xt, kt, bt = (nerve.Tensor(a, requires_grad=True) for a in (x, k, b))
        y = _core.ops.conv2d_transpose(xt, kt, bt, strides, padding)
        y.backward(nerve.Tensor(G))
        got[algo] = (np.array(y), np.array(xt.grad), np.array(kt.grad), np.array(bt.grad))
    np.testing.assert_allclose(got["auto"][0], y64, rtol=1e-4, atol=1e-4)
    for mine, direct in zip(got["auto"], got["direct"]):
        np.testing.assert_allclose(mine, direct, rtol=1e-4, atol=1e-4)

    def loss(a):
        return float((ref.conv2d_transpose(a[0], a[1], None, strides, padding) * G).sum())

    np.testing.assert_allclose(
        got["auto"][2], ref.numeric_grad(loss, [x, k], 1), rtol=1e-3, atol=1e-3
    )
