"""Flatten, Reshape and ZeroPadding2D: shapes, values and gradients."""

import numpy as np
import pytest

import nerve
from nerve import _core
from nerve.layers import Flatten, Reshape, ZeroPadding2D


def test_flatten_and_reshape():
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    np.testing.assert_array_equal(Flatten()(x), x.reshape(2, -1))
    np.testing.assert_array_equal(Reshape((12, -1))(x), x.reshape(2, 12, 5))
    r = Reshape((-1, 6))
    assert r.compute_output_shape((3, 4, 5)) == (10, 6)
    with pytest.raises(ValueError, match=r"Reshape 'reshape.*'.*\(None, 3, 4, 5\).*60 values"):
        Reshape((7, 7))(x)
    with pytest.raises(ValueError, match="more than one -1"):
        Reshape((-1, -1))


@pytest.mark.parametrize(
    "padding,expected",
    [(1, ((1, 1), (1, 1))), ((2, 0), ((2, 2), (0, 0))), (((1, 2), (3, 0)), ((1, 2), (3, 0)))],
)
def test_zero_padding_layer(padding, expected):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 2)).astype(np.float32)
    layer = ZeroPadding2D(padding)
    assert layer.padding == expected
    np.testing.assert_array_equal(layer(x), np.pad(x, ((0, 0), *expected, (0, 0))))


def test_zero_padding_gradient_is_the_interior():
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 2)).astype(np.float32)
    xt = nerve.Tensor(x, requires_grad=True)
    y = _core.ops.zero_pad2d(xt, 1, 2, 0, 3)
    g = np.random.default_rng(1).standard_normal(tuple(y.shape)).astype(np.float32)
    y.backward(nerve.Tensor(g))
    np.testing.assert_array_equal(np.array(xt.grad), g[:, 1:4, 0:4, :])


def test_flatten_gradient_flows_in_a_model():
    from nerve.layers import Conv2D, Dense

    nerve.utils.set_random_seed(0)
    x = np.random.default_rng(0).standard_normal((16, 6, 6, 1)).astype(np.float32)
    y = np.random.default_rng(1).standard_normal((16, 1)).astype(np.float32)
    model = nerve.Sequential(
        [nerve.Input((6, 6, 1)), ZeroPadding2D(1), Conv2D(3, 3), Flatten(), Dense(1)]
    )
    model.compile(optimizer="sgd", loss="mse")
    before = [w.copy() for w in model.get_weights()]
    model.train_on_batch(x, y)
    after = model.get_weights()
    assert all((a != b).any() for a, b in zip(before, after))  # every weight got a gradient
