"""Max / average / global pooling: forward and input gradients against PyTorch (valid and
-inf-padded 'same' max) and float64 numpy references with finite differences (Keras 'same'
average pooling, which does not count the padding)."""

import itertools

import numpy as np
import pytest

import nerve
from nerve import _core
from nerve.layers import AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D

import _conv_reference as ref

CASES = list(
    itertools.product(
        [1, 5], [1, 3, 8], [(2, 2), (3, 3), (2, 3)], [None, (1, 1), (2, 1)], ["valid", "same"]
    )
)


def _nerve_pool(x, kind, pool, strides, padding, grad):
    xt = nerve.Tensor(x, requires_grad=True)
    y = _core.ops.pool2d(xt, kind, pool, strides, padding)
    y.backward(nerve.Tensor(grad))
    return np.array(y), np.array(xt.grad)


@pytest.mark.parametrize("n,c,pool,strides,padding", CASES)
def test_max_pool_matches_torch(n, c, pool, strides, padding):
    torch = pytest.importorskip("torch")
    strides = strides or pool
    rng = np.random.default_rng(n + c)
    x = rng.standard_normal((n, 7, 9, c)).astype(np.float32)
    X = torch.tensor(x).permute(0, 3, 1, 2).requires_grad_()
    pt, pb = ref.pads(7, pool[0], strides[0], 1, padding)
    pl, pr = ref.pads(9, pool[1], strides[1], 1, padding)
    Xp = torch.nn.functional.pad(X, (pl, pr, pt, pb), value=-float("inf"))
    Y = torch.nn.functional.max_pool2d(Xp, pool, strides)
    G = rng.standard_normal(tuple(Y.permute(0, 2, 3, 1).shape)).astype(np.float32)
    Y.backward(torch.tensor(G).permute(0, 3, 1, 2))
    y, dx = _nerve_pool(x, "max", pool, strides, padding, G)
    np.testing.assert_array_equal(y, Y.detach().permute(0, 2, 3, 1).numpy())
    np.testing.assert_allclose(dx, X.grad.permute(0, 2, 3, 1).numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "hw,pool,strides,padding",
    [
        ((8, 10), (2, 2), None, "valid"),  # windows tile the image: dx written once per cell
        ((8, 10), (2, 5), None, "valid"),
        ((8, 10), (2, 2), None, "same"),  # tiles too (no padding needed)
        ((7, 9), (2, 2), None, "valid"),  # a row and a column in no window: zeros
        ((8, 10), (3, 3), (1, 1), "same"),  # overlapping windows: accumulated
    ],
)
def test_max_pool_backward_writes_every_cell(hw, pool, strides, padding):
    """max_pool2d's backward gets its dx uninitialised: on the poison device (freed memory
    becomes NaN, so a recycled block holds NaN) every cell must still come out right, run after
    run."""
    torch = pytest.importorskip("torch")
    poison = _core._testing.register_poison_device()
    strides = strides or pool
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, *hw, 5)).astype(np.float32)
    X = torch.tensor(x).permute(0, 3, 1, 2).requires_grad_()
    pt, pb = ref.pads(hw[0], pool[0], strides[0], 1, padding)
    pl, pr = ref.pads(hw[1], pool[1], strides[1], 1, padding)
    Xp = torch.nn.functional.pad(X, (pl, pr, pt, pb), value=-float("inf"))
    Y = torch.nn.functional.max_pool2d(Xp, pool, strides)
    G = rng.standard_normal(tuple(Y.permute(0, 2, 3, 1).shape)).astype(np.float32)
    Y.backward(torch.tensor(G).permute(0, 3, 1, 2))
    want = X.grad.permute(0, 2, 3, 1).numpy()
    with nerve.device(poison):
        for _ in range(3):  # later runs get blocks the earlier ones freed (and poisoned)
            _, dx = _nerve_pool(x, "max", pool, strides, padding, G)
            np.testing.assert_allclose(dx, want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("n,c,pool,strides,padding", CASES)
def test_average_pool_matches_reference(n, c, pool, strides, padding):
    strides = strides or pool
    rng = np.random.default_rng(n * c)
    x = rng.standard_normal((n, 7, 9, c)).astype(np.float32)
    y64 = ref.pool2d(x, "average", pool, strides, padding)
    G = rng.standard_normal(y64.shape)
    y, dx = _nerve_pool(x, "average", pool, strides, padding, G.astype(np.float32))
    np.testing.assert_allclose(y, y64, rtol=1e-5, atol=1e-6)
    if n == 1:  # finite differences on the small cases
        fd = ref.numeric_grad(
            lambda a: float((ref.pool2d(a[0], "average", pool, strides, padding) * G).sum()), [x], 0
        )
        np.testing.assert_allclose(dx, fd, rtol=1e-4, atol=1e-5)


def test_average_pool_valid_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 7, 9, 3)).astype(np.float32)
    X = torch.tensor(x).permute(0, 3, 1, 2).requires_grad_()
    Y = torch.nn.functional.avg_pool2d(X, (3, 2), (2, 2))
    G = rng.standard_normal(tuple(Y.permute(0, 2, 3, 1).shape)).astype(np.float32)
    Y.backward(torch.tensor(G).permute(0, 3, 1, 2))
    y, dx = _nerve_pool(x, "average", (3, 2), (2, 2), "valid", G)
    np.testing.assert_allclose(y, Y.detach().permute(0, 2, 3, 1).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dx, X.grad.permute(0, 2, 3, 1).numpy(), rtol=1e-5, atol=1e-6)


def test_max_pool_finite_differences():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 5, 6, 2)).astype(np.float32)
    G = rng.standard_normal(ref.pool2d(x, "max", (2, 3), (1, 2), "same").shape)
    _, dx = _nerve_pool(x, "max", (2, 3), (1, 2), "same", G.astype(np.float32))
    fd = ref.numeric_grad(
        lambda a: float((ref.pool2d(a[0], "max", (2, 3), (1, 2), "same") * G).sum()), [x], 0
    )
    np.testing.assert_allclose(dx, fd, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("channels", [1, 6, 8])  # the scalar loop, 4-wide SSE + remainder, SSE
def test_max_pool_ties_send_gradient_to_first_cell(channels):
    x = np.zeros((1, 2, 2, channels), np.float32)  # relu outputs: ties at zero are common
    x[0, 1, 0, 1:] = 1.0  # channels >= 1: the maximum is the third cell, no tie
    g = np.arange(1, channels + 1, dtype=np.float32).reshape(1, 1, 1, channels)
    _, dx = _nerve_pool(x, "max", (2, 2), (2, 2), "valid", g)
    expected = np.zeros_like(x)
    expected[0, 0, 0, 0] = g[0, 0, 0, 0]  # channel 0: four tied zeros, the first cell wins
    expected[0, 1, 0, 1:] = g[0, 0, 0, 1:]
    np.testing.assert_array_equal(dx, expected)


@pytest.mark.parametrize("kind", ["max", "average"])
def test_global_pooling_matches_torch(kind):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    x = rng.standard_normal((5, 7, 9, 8)).astype(np.float32)
    X = torch.tensor(x).requires_grad_()
    Y = X.amax(dim=(1, 2)) if kind == "max" else X.mean(dim=(1, 2))
    G = rng.standard_normal((5, 8)).astype(np.float32)
    Y.backward(torch.tensor(G))
    xt = nerve.Tensor(x, requires_grad=True)
    y = _core.ops.global_pool2d(xt, kind)
    y.backward(nerve.Tensor(G))
    np.testing.assert_allclose(np.array(y), Y.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.array(xt.grad), X.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_pooling_layers_shapes_and_config():
    x = np.random.default_rng(0).standard_normal((2, 7, 9, 3)).astype(np.float32)
    mp = MaxPooling2D(pool_size=2)
    assert mp.strides == (2, 2)  # Keras: strides default to pool_size
    assert mp(x).shape == (2, 3, 4, 3)
    assert MaxPooling2D(3, strides=1, padding="same")(x).shape == (2, 7, 9, 3)
    ap = AveragePooling2D((2, 3), padding="same")
    assert ap(x).shape == (2, 4, 3, 3)
    np.testing.assert_allclose(
        ap(x), ref.pool2d(x, "average", (2, 3), (2, 3), "same"), rtol=1e-5, atol=1e-6
    )
    assert GlobalAveragePooling2D()(x).shape == (2, 3)
    assert GlobalMaxPooling2D(keepdims=True)(x).shape == (2, 1, 1, 3)
    np.testing.assert_allclose(GlobalMaxPooling2D()(x), x.max(axis=(1, 2)))
    assert mp.get_config()["pool_size"] == (2, 2)
    assert mp.name.startswith("max_pooling2d")
