"""The check shared by the nerve.ops test files: an op against its float64 numpy reference, in
value and in gradient (float64 central differences of the reference)."""

import numpy as np

import nerve

from helpers import numeric_grad

_core_ops = nerve._core.ops


def check_op(op, ref, inputs, rtol=2e-3, atol=2e-4, grad=True, seed=0):
    """op(*tensors) equals ref(*float64 arrays); with `grad`, so does every input's gradient,
    taken through a random projection of the output so that every output cell matters."""
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(a, np.float32) for a in inputs]
    tensors = [nerve.Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = op(*tensors)
    ref_out = np.asarray(ref(*[a.astype(np.float64) for a in arrays]))
    got = np.asarray(out)
    assert got.shape == ref_out.shape, (got.shape, ref_out.shape)
    np.testing.assert_allclose(got, ref_out, rtol=rtol, atol=atol)
    if not grad:
        return out
    proj = rng.standard_normal(ref_out.shape).astype(np.float32)
    _core_ops.sum(_core_ops.mul(out, nerve.Tensor(proj))).backward()
    for i, (a, t) in enumerate(zip(arrays, tensors)):

        def f(xi, i=i):
            args = [b.astype(np.float64) for b in arrays]
            args[i] = xi
            return float((np.asarray(ref(*args)) * proj).sum())

        num = numeric_grad(f, a)
        assert t.grad is not None, f"no gradient for input {i}"
        np.testing.assert_allclose(
            np.asarray(t.grad), num, rtol=rtol, atol=atol, err_msg=f"input {i}"
        )
    return out
