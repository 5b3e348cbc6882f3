"""nerve.ops.matmul (numpy semantics: 1-D promotion, batched with broadcast batch axes) and
nerve.ops.einsum: numpy oracle, float64 finite differences, keras.ops cross-checks, errors."""

import os

import numpy as np
import pytest

import nerve
from _ops_check import check_op
from nerve import ops

os.environ.setdefault("KERAS_BACKEND", "jax")
rng = np.random.default_rng(3)

MATMUL_SHAPES = [
    ((3, 4), (4, 2)),
    ((4,), (4,)),
    ((4,), (4, 3)),
    ((3, 4), (4,)),
    ((2, 3, 4), (4, 5)),
    ((4,), (2, 4, 3)),
    ((2, 3, 4), (4,)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((1, 3, 4), (2, 4, 2)),
    ((2, 0, 3), (3, 2)),
    ((2, 3, 0), (0, 2)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_matches_numpy_and_finite_differences(sa, sb):
    check_op(ops.matmul, np.matmul, [rng.standard_normal(sa), rng.standard_normal(sb)])


def test_matmul_keeps_the_2d_gradient_of_a_layer_loop():
    x = nerve.Tensor(rng.standard_normal((5, 3)).astype(np.float32))
    w = nerve.Tensor(rng.standard_normal((3, 2)).astype(np.float32), requires_grad=True)
    with nerve.GradientTape() as tape:
        loss = ops.mean(ops.matmul(x, w))
    (g,) = tape.gradient(loss, [w])
    np.testing.assert_allclose(
        np.asarray(g), np.asarray(x).sum(0)[:, None].repeat(2, 1) / 10, rtol=1e-5
    )


@pytest.mark.parametrize(
    "m,k,n", [(5, 3, 4), (1, 7, 3), (6, 1, 2), (4, 5, 1), (1, 1, 1), (40, 8, 33)]
)
@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
def test_matmul_reads_transposed_views_in_place(m, k, n, ta, tb):
    """2-D operands given as transposed views (the hand-written dW = x^T dy) are read in place
    by the GEMM: values and both gradients match numpy for every layout, edges of size 1 too."""
    a64 = rng.standard_normal((m, k))
    b64 = rng.standard_normal((k, n))
    g64 = rng.standard_normal((m, n))

    def operand(x, transposed):
        stored = np.ascontiguousarray(x.T if transposed else x, dtype=np.float32)
        t = nerve.Tensor(stored, requires_grad=True)
        return t, (ops.transpose(t) if transposed else t)

    a_leaf, a = operand(a64, ta)
    b_leaf, b = operand(b64, tb)
    with nerve.GradientTape() as tape:
        c = ops.matmul(a, b)
        loss = ops.sum(c * nerve.Tensor(g64.astype(np.float32)))
    ga, gb = tape.gradient(loss, [a_leaf, b_leaf])
    np.testing.assert_allclose(np.asarray(c), a64 @ b64, rtol=1e-5, atol=1e-5)
    want_a, want_b = g64 @ b64.T, a64.T @ g64
    np.testing.assert_allclose(np.asarray(ga), want_a.T if ta else want_a, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(gb), want_b.T if tb else want_b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "sa,sb,pattern",
    [
        (
            (2, 3),
            (4, 2),
            r"matmul: shapes \(2, 3\) and \(4, 2\) are incompatible: the last axis of x1 \(3\)",
        ),
        ((3,), (4,), r"matmul: shapes \(3,\) and \(4,\) are incompatible"),
        (
            (2, 2, 3),
            (3, 3, 1),
            r"matmul: shapes \(2,\) and \(3,\) cannot be broadcast together \(axis 0",
        ),
        ((), (3,), r"matmul: operands must have at least 1 axis"),
    ],
)
def test_matmul_errors_name_the_shapes(sa, sb, pattern):
    with pytest.raises(ValueError, match=pattern):
        ops.matmul(np.zeros(sa), np.zeros(sb))


def test_matmul_matches_keras_ops():
    kops = pytest.importorskip("keras").ops
    a = rng.standard_normal((2, 1, 3, 4)).astype(np.float32)
    b = rng.standard_normal((3, 4, 5)).astype(np.float32)
    np.testing.assert_allclose(
        np.asarray(ops.matmul(a, b)), kops.matmul(a, b), rtol=1e-5, atol=1e-5
    )


EINSUM_CASES = [
    ("ij,jk->ik", [(3, 4), (4, 2)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("bij,jk->bik", [(2, 3, 4), (4, 5)]),
    ("ij->ji", [(3, 4)]),
    ("ij", [(3, 4)]),
    ("ij->", [(3, 4)]),
    ("ijk->j", [(2, 3, 4)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,i->", [(5,), (5,)]),
    ("ij,ij->i", [(3, 4), (3, 4)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("bqhd,bkhd->bhqk", [(2, 3, 2, 4), (2, 5, 2, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("abc,cd->dba", [(2, 3, 4), (4, 2)]),
    ("ij,k->ik", [(2, 3), (4,)]),
]


@pytest.mark.parametrize("spec,shapes", EINSUM_CASES)
def test_einsum_matches_numpy_and_finite_differences(spec, shapes):
    arrays = [rng.standard_normal(s) for s in shapes]
    check_op(lambda *t: ops.einsum(spec, *t), lambda *a: np.einsum(spec, *a), arrays)


def test_einsum_matches_keras_ops():
    kops = pytest.importorskip("keras").ops
    a = rng.standard_normal((2, 3, 4)).astype(np.float32)
    b = rng.standard_normal((2, 4, 5)).astype(np.float32)
    for spec in ("bij,bjk->bik", "bij,bkj->bik", "bij->bji"):
        bb = b if spec != "bij,bkj->bik" else np.swapaxes(b, 1, 2).copy()
        args = (a, bb) if "," in spec else (a,)
        np.testing.assert_allclose(
            np.asarray(ops.einsum(spec, *args)), kops.einsum(spec, *args), rtol=1e-5, atol=1e-5
        )


@pytest.mark.parametrize(
    "spec,shapes,error,pattern",
    [
        ("ii->i", [(3, 3)], NotImplementedError, "repeated within one operand"),
        ("ii", [(3, 3)], NotImplementedError, "diagonals and traces"),
        ("...ij,jk->...ik", [(3,), (3, 4)], ValueError, r"name 2 axes besides the ellipsis"),
        ("..ij,jk", [(2, 3), (3, 4)], ValueError, "an ellipsis is three dots"),
        ("ij,jk->ik", [(2, 3), (4, 5)], ValueError, "axis 'j' has size 3 in one operand and 4"),
        ("ij,jk->ik", [(2, 3)], ValueError, "names 2 operands, got 1"),
        (
            "ijk->i",
            [(2, 3)],
            ValueError,
            r"subscripts 'ijk' name 3 axes for an operand of shape \(2, 3\)",
        ),
        ("ij->iz", [(2, 3)], ValueError, "output subscripts 'iz'"),
    ],
)
def test_einsum_errors(spec, shapes, error, pattern):
    with pytest.raises(error, match=pattern):
        ops.einsum(spec, *[np.zeros(s) for s in shapes])


def test_matmul_registered():
    assert "matmul" in nerve._core.ops.op_names()
