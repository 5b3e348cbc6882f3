"""nerve.ops on numpy operands: float32 arrays are read in place (no copy) by
_core.ops.call_reading_arrays, yet the result behaves as if each array had been copied into a
constant: writing into the array afterwards changes neither the result, nor a view op's output,
nor a softmax's remembered logits, nor a gradient recorded by a GradientTape."""

import numpy as np
import pytest

import nerve
from nerve import ops


def _x():
    return np.arange(12, dtype=np.float32).reshape(3, 4) / 10


def test_matmul_result_does_not_follow_later_writes():
    x, w = _x(), np.ones((4, 2), np.float32)
    want = x @ w
    got = ops.matmul(x, w)
    x[:], w[:] = -7, 3
    assert isinstance(got, nerve.Tensor)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6)


@pytest.mark.parametrize(
    "view",
    [
        lambda x: ops.reshape(x, (4, 3)),
        lambda x: ops.transpose(x),
        lambda x: ops.expand_dims(x, 0),
        lambda x: ops.stop_gradient(x),
    ],
)
def test_view_ops_do_not_share_the_array(view):
    x = _x()
    want = np.array(np.asarray(view(x.copy())))
    got = view(x)
    assert not np.shares_memory(np.asarray(got), x)
    x[:] = 0
    np.testing.assert_array_equal(np.asarray(got), want)


def test_transposed_and_strided_arrays():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(8, 5)).astype(np.float32), rng.normal(size=(8, 3)).astype(np.float32)
    # a.T is F-contiguous (read in place as a transposed view); a[::2] needs a copy
    np.testing.assert_allclose(np.asarray(ops.matmul(a.T, b)), a.T @ b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        np.asarray(ops.matmul(a[::2].T, b[::2])), a[::2].T @ b[::2], rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(np.asarray(ops.add(a.T, 1.0)), a.T + 1, rtol=1e-6)
    np.testing.assert_allclose(
        np.asarray(ops.sum(a.T, axis=1)), a.T.astype(np.float64).sum(1), rtol=1e-5
    )


def test_softmax_logits_do_not_follow_later_writes():
    logits, target = _x(), np.eye(3, 4, dtype=np.float32)
    want = ops.categorical_crossentropy(target, ops.softmax(nerve.Tensor(logits.copy())))
    probs = ops.softmax(logits)
    logits[:] = 50  # the loss reads the logits softmax remembered
    got = ops.categorical_crossentropy(target, probs)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)


def test_tape_gradient_does_not_follow_later_writes():
    x = _x()
    w = nerve.Tensor(np.ones((4, 2), np.float32), requires_grad=True)
    with nerve.GradientTape() as tape:
        y = ops.matmul(x, w)
        loss = ops.sum(y * y)
    want = 2 * x.T.astype(np.float64) @ (x.astype(np.float64) @ np.ones((4, 2)))
    x[:] = 100  # the backward node holds x: it must be the values at the call
    (g,) = tape.gradient(loss, [w])
    np.testing.assert_allclose(np.asarray(g), want, rtol=1e-5)


def test_other_dtypes_and_scalars_still_become_float32_constants():
    x64 = np.arange(6, dtype=np.float64).reshape(2, 3)
    np.testing.assert_allclose(np.asarray(ops.multiply(x64, 2)), x64 * 2)
    i = np.arange(3, dtype=np.int32)
    np.testing.assert_array_equal(np.asarray(ops.add(i, np.float32(0.5))), i + 0.5)
    assert np.asarray(ops.add(np.float32(1), np.array(2, np.float32))).shape == ()
    with pytest.raises(TypeError, match="matmul: argument 0 must be numeric"):
        ops.matmul(np.array(["a"]), np.ones((1, 1), np.float32))


def test_arrays_are_not_written():
    x = _x()
    before = x.copy()
    ops.matmul(x, x.T)
    ops.relu(x - 0.5)
    np.testing.assert_array_equal(x, before)


def test_python_numbers_are_float32_constants():
    assert np.asarray(ops.add(1.0, 2)).shape == ()
    np.testing.assert_array_equal(np.asarray(ops.add(1.0, 2)), np.float32(3))
    big = 2**40 + 1  # rounds to float32 as numpy's cast does
    np.testing.assert_array_equal(
        np.asarray(ops.multiply(np.ones(2, np.float32), big)), np.float32(big)
    )
    np.testing.assert_array_equal(np.asarray(ops.add(True, 1.5)), np.float32(2.5))
    with pytest.raises(TypeError, match="add: argument 0 must be numeric"):
        ops.add(2**64, 1.0)  # beyond int64: numpy's object array, as before
