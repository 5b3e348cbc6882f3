"""nerve.Tensor: numpy interop without copies, conversions, errors."""

import re

import numpy as np
import pytest

import nerve


def test_from_float32_contiguous_does_not_copy():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    t = nerve.Tensor(a)
    assert t.shape == (3, 4)
    assert np.shares_memory(np.asarray(t), a)
    a[1, 2] = 100.0  # the tensor sees writes to the array
    assert np.asarray(t)[1, 2] == 100.0


def test_asarray_and_numpy_share_memory_with_tensor():
    t = nerve.Tensor(np.zeros((2, 3), np.float32))
    v1, v2 = np.asarray(t), t.numpy()
    v1[0, 0] = 5.0
    assert v2[0, 0] == 5.0
    assert np.shares_memory(v1, v2)


def test_numpy_view_outlives_tensor():
    t = nerve._core.ops.scale(nerve.Tensor(np.ones((1000,), np.float32)), 3.0)
    v = t.numpy()
    del t
    assert v.sum() == 3000.0


def test_other_dtypes_are_converted_once():
    for a in (np.arange(6).reshape(2, 3), np.ones((2, 3), np.float64), np.array([[True, False]])):
        t = nerve.Tensor(a)
        np.testing.assert_array_equal(np.asarray(t), a.astype(np.float32))
        assert np.asarray(t).dtype == np.float32


def test_non_contiguous_input_is_converted():
    a = np.arange(20, dtype=np.float32).reshape(4, 5)[:, ::2]
    t = nerve.Tensor(a)
    np.testing.assert_array_equal(np.asarray(t), a)


def test_non_numeric_array_raises_type_error():
    with pytest.raises(TypeError, match="numeric"):
        nerve.Tensor(np.array(["a", "b"]))
    with pytest.raises(TypeError, match="numeric"):
        nerve.Tensor(np.array([object(), object()]))


def test_reshape_is_a_view_and_item():
    t = nerve.Tensor(np.arange(6, dtype=np.float32))
    r = t.reshape([2, -1])
    assert r.shape == (2, 3)
    assert np.shares_memory(np.asarray(r), np.asarray(t))
    with pytest.raises(ValueError, match="cannot reshape"):
        t.reshape([4, 2])
    assert nerve.Tensor(np.array([7.0], np.float32)).item() == 7.0
    with pytest.raises(ValueError, match="exactly one element"):
        t.item()


def test_backward_accumulates_into_leaf_grad():
    x = nerve.Tensor(np.array([1.0, 2.0, 3.0], np.float32), requires_grad=True)
    y = nerve._core.ops.sum(nerve._core.ops.mul(x, x))
    assert y.grad_fn == "Sum"
    y.backward()
    np.testing.assert_allclose(np.asarray(x.grad), [2.0, 4.0, 6.0])
    y2 = nerve._core.ops.sum(x)
    y2.backward()  # accumulates, as PyTorch does
    np.testing.assert_allclose(np.asarray(x.grad), [3.0, 5.0, 7.0])


def test_backward_needs_scalar_or_gradient():
    x = nerve.Tensor(np.ones((2, 2), np.float32), requires_grad=True)
    y = nerve._core.ops.scale(x, 2.0)
    with pytest.raises(ValueError, match="non-scalar"):
        y.backward()
    y.backward(nerve.Tensor(np.ones((2, 2), np.float32)))
    np.testing.assert_allclose(np.asarray(x.grad), 2.0)
    with pytest.raises(ValueError, match="does not require grad"):
        nerve._core.ops.sum(nerve.Tensor(np.ones(3, np.float32))).backward()


def test_version_and_config():
    # the value itself is CMakeLists.txt's (tests/test_version.py); here only its form
    assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", nerve.__version__)
    cfg = nerve.config()
    assert cfg["num_threads"] >= 1 and cfg["isa"] in ("generic", "avx2", "avx512")
