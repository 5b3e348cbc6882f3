"""nerve's sgemm (cpp/kernels/cpu/gemm) against a float64 numpy reference.

Every op(A)/op(B) combination x every ISA path this CPU supports x a sampled grid of sizes
{0, 1, 2, 3, 7, 15, 16, 17, 31, 33, 64, 100, 129, 255, 257, 1000} in M, N and K x alpha/beta
variants; non-contiguous leading dimensions; IEEE NaN/Inf propagation; thread-count independence;
the fused bias/activation epilogue; run-time dispatch (NERVE_ISA) and input validation.
"""

import itertools
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from nerve import _core

from helpers import activation_reference

SIZES = [0, 1, 2, 3, 7, 15, 16, 17, 31, 33, 64, 100, 129, 255, 257, 1000]
ALL_ISAS = ["generic", "avx2", "avx512"]
USABLE = set(_core.config()["usable_isas"])
EPS32 = float(np.finfo(np.float32).eps)
ALPHA_BETA = [(1.0, 0.0), (0.5, 1.0), (-1.5, 0.25), (1.0, 1.0), (2.0, -1.0), (0.0, 0.5)]


def isa_params():
    return [
        pytest.param(
            isa,
            marks=pytest.mark.skipif(
                isa not in USABLE,
                reason=f"this CPU/build cannot run the {isa} path (usable: {sorted(USABLE)})",
            ),
        )
        for isa in ALL_ISAS
    ]


@pytest.fixture
def threads():
    prev = _core.num_threads()
    yield
    _core.set_num_threads(prev)


def rand(rng, *shape):
    return rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)


def reference(a, b, c, alpha, beta, ta, tb):
    a64 = a.astype(np.float64).T if ta else a.astype(np.float64)
    b64 = b.astype(np.float64).T if tb else b.astype(np.float64)
    prod = a64 @ b64
    out = alpha * prod
    if beta != 0.0:
        out = out + beta * c.astype(np.float64)
    # Error bound of a length-K dot product in float32 (plus the alpha/beta roundings).
    k = a64.shape[1]
    mag = abs(alpha) * (np.abs(a64) @ np.abs(b64))
    if beta != 0.0:
        mag = mag + abs(beta) * np.abs(c.astype(np.float64))
    tol = 2.0 * (k + 3) * EPS32 * mag + 1e-30
    return out, tol


def aligned_copy(x):
    """A C-contiguous copy of x whose data starts on a 64-byte boundary (numpy gives 16)."""
    store = np.empty(x.size + 16, x.dtype)
    start = (-store.ctypes.data // x.itemsize) % 16
    out = store[start : start + x.size].reshape(x.shape)
    out[...] = x
    assert out.ctypes.data % 64 == 0
    return out


def check(got, want, tol):
    err = np.abs(got.astype(np.float64) - want)
    bad = err > tol
    assert not bad.any(), (
        f"{bad.sum()} of {bad.size} elements out of tolerance; worst err "
        f"{err.max():.3g} at {np.unravel_index(np.argmax(err - tol), err.shape)}"
    )


def sampled_shapes():
    """Each size appears in each of M, N, K at least twice; huge triples are avoided."""
    n = len(SIZES)
    out = []
    for i in range(n):
        for p, q in ((5, 3), (11, 7)):
            m, nn, k = SIZES[i], SIZES[(i * p + 3) % n], SIZES[(i * q + 5) % n]
            if m * nn * k > 80_000_000:  # keep the generic path + float64 reference quick
                k = 64
            out.append((m, nn, k))
    return out


SHAPES = sampled_shapes()


@pytest.mark.parametrize("isa", isa_params(), indirect=True)
@pytest.mark.parametrize("ta,tb", list(itertools.product([False, True], repeat=2)))
def test_sgemm_grid(isa, ta, tb):
    rng = np.random.default_rng(1234)
    for idx, (m, n, k) in enumerate(SHAPES):
        alpha, beta = ALPHA_BETA[idx % len(ALPHA_BETA)]
        a = rand(rng, k, m) if ta else rand(rng, m, k)
        b = rand(rng, n, k) if tb else rand(rng, k, n)
        c = rand(rng, m, n)
        want, tol = reference(a, b, c, alpha, beta, ta, tb)
        got = _core.sgemm(a, b, c.copy(), alpha=alpha, beta=beta, trans_a=ta, trans_b=tb)
        assert got.shape == (m, n)
        try:
            check(got, want, tol)
        except AssertionError as e:
            raise AssertionError(f"M,N,K={m},{n},{k} alpha={alpha} beta={beta}: {e}") from None


@pytest.mark.parametrize("isa", isa_params(), indirect=True)
@pytest.mark.parametrize(
    "m,n,k",
    [
        (0, 5, 3),
        (5, 0, 3),
        (4, 6, 0),
        (1, 1, 1),
        (1, 300, 70),
        (300, 1, 70),
        (2, 3, 2000),
        (33, 65, 129),
    ],
)
def test_sgemm_degenerate(isa, m, n, k):
    rng = np.random.default_rng(7)
    for ta, tb in itertools.product([False, True], repeat=2):
        a = rand(rng, k, m) if ta else rand(rng, m, k)
        b = rand(rng, n, k) if tb else rand(rng, k, n)
        c = rand(rng, m, n)
        for alpha, beta in [(1.0, 0.0), (0.75, 0.5)]:
            want, tol = reference(a, b, c, alpha, beta, ta, tb)
            got = _core.sgemm(a, b, c.copy(), alpha=alpha, beta=beta, trans_a=ta, trans_b=tb)
            check(got, want, tol)
            got = _core.sgemm(a, b, alpha=alpha, trans_a=ta, trans_b=tb)  # new array, beta=0
            want0, tol0 = reference(a, b, c, alpha, 0.0, ta, tb)
            check(got, want0, tol0)


@pytest.mark.parametrize("isa", isa_params(), indirect=True)
@pytest.mark.parametrize("m,n,k", [(5, 7, 3), (37, 45, 70), (200, 150, 400)])
def test_non_contiguous_leading_dims_and_bounds(isa, m, n, k):
    """Column slices (row stride > row length) for a, b and c; nothing outside c's view changes."""
    rng = np.random.default_rng(3)
    for ta, tb in itertools.product([False, True], repeat=2):
        abig = rand(rng, *(k + 2, m + 9) if ta else (m + 2, k + 9))
        bbig = rand(rng, *(n + 3, k + 5) if tb else (k + 3, n + 5))
        a = abig[1:-1, 3:-6]
        b = bbig[2:-1, 4:-1]
        assert a.strides[0] > a.shape[1] * 4 and b.strides[0] > b.shape[1] * 4
        cbig = np.full((m + 4, n + 40), np.nan, dtype=np.float32)
        c = cbig[2:-2, 17:-23]
        c[...] = rand(rng, m, n)
        c0 = c.copy()
        want, tol = reference(a, b, c0, 0.5, -2.0, ta, tb)
        out = _core.sgemm(a, b, c, alpha=0.5, beta=-2.0, trans_a=ta, trans_b=tb)
        assert np.shares_memory(out, cbig)
        check(c, want, tol)
        mask = np.ones(cbig.shape, bool)
        mask[2:-2, 17:-23] = False
        assert np.isnan(cbig[mask]).all(), "sgemm wrote outside c"


@pytest.mark.parametrize("isa", isa_params(), indirect=True)
@pytest.mark.parametrize(
    "m,n,k,ldb_extra,offset",
    [
        (1000, 64, 576, 0, 1),  # conv-shaped, B base 4 bytes past a 64-byte line
        (600, 40, 300, 3, 0),  # ldb = 43: every row starts at a different offset
        (500, 33, 257, 0, 5),  # ragged column panel
        (700, 64, 100, 7, 3),
    ],
)
def test_misaligned_b_in_tall_skinny_products(isa, m, n, k, ldb_extra, offset):
    """Tall products with few columns read B in place unless its rows are not 64-byte aligned and
    it streams from L2; then it is copied to aligned panels. Both must give the same result."""
    rng = np.random.default_rng(11)
    a = rand(rng, m, k)
    store = np.empty((k * (n + ldb_extra) + offset + 16,), np.float32)
    start = offset + (-store.ctypes.data // 4) % 16  # offset floats past a 64-byte boundary
    b = store[start : start + k * (n + ldb_extra)].reshape(k, n + ldb_extra)[:, :n]
    b[...] = rand(rng, k, n)
    assert (b.ctypes.data % 64 != 0) or (b.strides[0] % 64 != 0)
    bias = rand(rng, n)
    c = rand(rng, m, n)
    for beta in (0.0, 0.5):
        want, tol = reference(a, b, c, 1.0, beta, False, False)
        got = _core.sgemm(a, b, c.copy(), beta=beta, bias=bias, activation="relu")
        check(got, np.maximum(want + bias, 0.0), tol + 4 * EPS32 * np.abs(bias))
        # A 64-byte aligned B is read in place; the same sums in the same order, bit for bit.
        np.testing.assert_array_equal(
            got, _core.sgemm(a, aligned_copy(b), c.copy(), beta=beta, bias=bias, activation="relu")
        )


@pytest.mark.parametrize("isa", isa_params(), indirect=True)
def test_beta_zero_does_not_read_c(isa):
    rng = np.random.default_rng(5)
    for m, n, k in [(3, 5, 4), (70, 90, 300)]:
        a, b = rand(rng, m, k), rand(rng, k, n)
        c = np.full((m, n), np.nan, dtype=np.float32)
        got = _core.sgemm(a, b, c, beta=0.0)
        assert np.isfinite(got).all()
        want, tol = reference(a, b, c, 1.0, 0.0, False, False)
        check(got, want, tol)


def ieee_reference(a, b, c, alpha, beta):
    # Element-by-element products and sums in float64: IEEE NaN/Inf semantics, no BLAS involved.
    prod = (a.astype(np.float64)[:, :, None] * b.astype(np.float64)[None, :, :]).sum(axis=1)
    out = alpha * prod
    if beta != 0.0:
        out = out + beta * c.astype(np.float64)
    return out


@pytest.mark.parametrize("isa", isa_params(), indirect=True)
@pytest.mark.parametrize("m,n,k", [(5, 6, 7), (40, 70, 90)])
def test_nan_inf_propagation(isa, m, n, k):
    rng = np.random.default_rng(11)
    with np.errstate(invalid="ignore", over="ignore"):
        a, b = np.abs(rand(rng, m, k)) + 0.1, np.abs(rand(rng, k, n)) + 0.1
        a[1, 2] = np.nan  # row 1 of C: NaN
        a[3, 0] = np.inf  # row 3: +Inf (B > 0) ...
        b[0, 4] = 0.0  # ... except column 4: Inf * 0 = NaN
        b[5, 2] = -np.inf  # column 2: -Inf, row 3 col 2: Inf + -Inf = NaN
        c = rand(rng, m, n)
        c[0, 0] = np.nan  # propagates only when beta != 0
        for beta in (0.0, 1.0):
            want = ieee_reference(a, b, c, 1.0, beta)
            got = _core.sgemm(a, b, c.copy(), beta=beta).astype(np.float64)
            assert np.array_equal(np.isnan(got), np.isnan(want))
            assert np.array_equal(np.isposinf(got), np.isposinf(want))
            assert np.array_equal(np.isneginf(got), np.isneginf(want))
            fin = np.isfinite(want)
            assert np.allclose(got[fin], want[fin], rtol=1e-4, atol=1e-4)
        # NaN also survives a fused ReLU
        got = _core.sgemm(a, b, activation="relu")
        assert np.isnan(got[1]).all()


@pytest.mark.parametrize("isa", isa_params(), indirect=True)
def test_thread_count_independence(isa, threads):
    if not _core.has_openmp():
        pytest.skip("built without OpenMP")
    rng = np.random.default_rng(21)
    for (m, n, k), (ta, tb) in zip(
        [(257, 1000, 300), (1000, 100, 129), (64, 2000, 576), (3, 800, 500)],
        itertools.product([False, True], repeat=2),
    ):
        a = rand(rng, k, m) if ta else rand(rng, m, k)
        b = rand(rng, n, k) if tb else rand(rng, k, n)
        outs = []
        for t in (1, 2, 3):
            _core.set_num_threads(t)
            outs.append(_core.sgemm(a, b, trans_a=ta, trans_b=tb))
        want, tol = reference(a, b, None, 1.0, 0.0, ta, tb)
        for o in outs:
            check(o, want, tol)
            # the same up to rounding (in fact the summation order does not depend on threads)
            assert np.allclose(o, outs[0], rtol=4 * EPS32, atol=4 * EPS32 * np.abs(want).max())


@pytest.mark.parametrize("isa", isa_params(), indirect=True)
@pytest.mark.parametrize(
    "act,act_alpha",
    [("linear", 0.0), ("relu", 0.0), ("sigmoid", 0.0), ("tanh", 0.0), ("leaky_relu", 0.2)],
)
def test_fused_epilogue(isa, act, act_alpha):
    rng = np.random.default_rng(8)
    for (m, n, k), beta in [
        ((1, 1, 1), 0.0),
        ((17, 45, 33), 0.5),
        ((128, 256, 784), 0.0),
        ((70, 90, 1000), 1.0),
        ((9, 600, 40), 0.0),
    ]:
        a, b = rand(rng, m, k), rand(rng, k, n)
        c, bias = rand(rng, m, n), rand(rng, n)
        pre, tol = reference(a, b, c, 1.0, beta, False, False)
        pre = pre + bias
        want = activation_reference(act, pre, act_alpha)
        got = _core.sgemm(a, b, c.copy(), beta=beta, bias=bias, activation=act, act_alpha=act_alpha)
        # all these activations are 1-Lipschitz: the GEMM bound carries over (+ a few ulps)
        check(got, want, tol + 8 * EPS32 * np.abs(want) + 1e-7)
        got_nb = _core.sgemm(a, b, c.copy(), beta=beta, activation=act, act_alpha=act_alpha)
        check(
            got_nb,
            activation_reference(act, pre - bias, act_alpha),
            tol + 8 * EPS32 * np.abs(want) + 1e-7,
        )


@pytest.mark.parametrize("isa", isa_params(), indirect=True)
@pytest.mark.parametrize("act", ["linear", "relu", "sigmoid"])
def test_one_row_equals_its_row_of_a_taller_product(isa, act, threads):
    # A one-row product takes the matrix-vector kernel (several column panels per pass on
    # AVX-512); its sums run in the same order as the rows of the unpacked path (up to 4 rows,
    # B not transposed), so one sample's prediction is bit for bit its row of a small batch.
    # Widths cross the 16-column vectors and the 256-column passes.
    rng = np.random.default_rng(17)
    cases = [(1, 5, 0.0), (15, 33, 0.5), (33, 784, 0.0), (129, 100, 1.0), (256, 40, 0.5)]
    for n, k, beta in cases + [(300, 64, 0.0), (529, 20, 0.0)]:
        a, b = rand(rng, 4, k), rand(rng, k, n)
        c, bias = rand(rng, 4, n), rand(rng, n)
        for nt in (1, 2):
            _core.set_num_threads(nt)
            full = _core.sgemm(a, b, c.copy(), beta=beta, bias=bias, activation=act)
            for i in range(4):
                row = _core.sgemm(
                    a[i : i + 1], b, c[i : i + 1].copy(), beta=beta, bias=bias, activation=act
                )
                if act == "sigmoid":  # its vector and scalar code differ by an ulp; which one
                    # runs on an element depends on the row's address (alignment peeling)
                    np.testing.assert_allclose(row, full[i : i + 1], rtol=2 * EPS32, atol=1e-7)
                else:
                    np.testing.assert_array_equal(row, full[i : i + 1], err_msg=f"n={n} k={k}")
        want, tol = reference(a, b, c, 1.0, beta, False, False)
        check(
            full,
            activation_reference(act, want + bias, 0.0),
            tol + 8 * EPS32 * np.abs(want + bias) + 1e-7,
        )


@pytest.mark.parametrize("isa", isa_params(), indirect=True)
@pytest.mark.parametrize("ta,tb", list(itertools.product([False, True], repeat=2)))
def test_narrow_products(isa, ta, tb, threads):
    """A few columns over many rows (a Dense layer of 1-4 units, its weight gradient) take
    their own path (gemm_narrow): dot products along k, or the product transposed. Widths 1-4
    and 5 (the usual path) around it; k across the 16-float vectors and their tails; rows in
    and out of the 4-row blocks and the threads' shares; every write-back option."""
    rng = np.random.default_rng(23)
    cases = [(64, 1, 1, 0.0), (65, 2, 7, 0.5), (100, 3, 16, 0.0), (1027, 4, 33, 1.0)]
    cases += [(130, 5, 200, 0.0), (257, 1, 784, 0.25), (64, 2, 128, -1.0)]
    for m, n, k, beta in cases:
        a = rand(rng, k, m) if ta else rand(rng, m, k)
        b = rand(rng, n, k) if tb else rand(rng, k, n)
        c, bias = rand(rng, m, n), rand(rng, n)
        want, tol = reference(a, b, c, 0.75, beta, ta, tb)
        for nt in (1, 2):
            _core.set_num_threads(nt)
            got = _core.sgemm(a, b, c.copy(), 0.75, beta, trans_a=ta, trans_b=tb)
            check(got, want, tol)
            for act in ("relu", "sigmoid"):
                got = _core.sgemm(
                    a, b, c.copy(), 0.75, beta, trans_a=ta, trans_b=tb, bias=bias, activation=act
                )
                pre = want + bias
                check(
                    got, activation_reference(act, pre, 0.0), tol + 8 * EPS32 * np.abs(pre) + 1e-7
                )
    # NaN and Inf reach exactly the outputs they reach in IEEE arithmetic, through a ReLU too
    with np.errstate(invalid="ignore", over="ignore"):
        a, b = np.abs(rand(rng, 200, 40)) + 0.1, np.abs(rand(rng, 40, 2)) + 0.1
        a[7, 3], a[9, 39], b[5, 1] = np.nan, np.inf, 0.0
        want = ieee_reference(a, b, None, 1.0, 0.0)
        for act in ("linear", "relu"):
            got = _core.sgemm(a, b, activation=act)
            assert np.array_equal(np.isnan(got), np.isnan(want))
            assert np.array_equal(np.isposinf(got), np.isposinf(want))


@pytest.mark.parametrize("isa", isa_params(), indirect=True)
def test_narrow_rows_do_not_depend_on_the_batch(isa, threads):
    """A sample's outputs through a layer of 1-4 units are the same bits alone, in a small
    batch and in a large one, at any thread count (each row's sums are its own)."""
    rng = np.random.default_rng(29)
    for n, k in [(1, 256), (2, 128), (4, 33)]:
        a, b, bias = rand(rng, 300, k), rand(rng, k, n), rand(rng, n)
        for nt in (1, 2):
            _core.set_num_threads(nt)
            full = _core.sgemm(a, b, bias=bias, activation="relu")
            np.testing.assert_array_equal(
                _core.sgemm(a[:37], b, bias=bias, activation="relu"), full[:37]
            )
            for i in (0, 150, 299):
                row = _core.sgemm(a[i : i + 1], b, bias=bias, activation="relu")
                np.testing.assert_array_equal(row, full[i : i + 1])


def test_epilogue_rejects_softmax():
    a = np.ones((2, 3), np.float32)
    with pytest.raises(ValueError):
        _core.sgemm(a, a.T.copy(), activation="softmax")
    with pytest.raises(ValueError):
        _core.sgemm(a, a.T.copy(), activation="no_such_activation")


def test_validation_errors():
    a = np.ones((4, 5), np.float32)
    b = np.ones((5, 6), np.float32)
    with pytest.raises(ValueError, match="float32"):
        _core.sgemm(a.astype(np.float64), b)
    with pytest.raises(ValueError, match="2-D"):
        _core.sgemm(np.ones((2, 4, 5), np.float32), b)
    with pytest.raises(ValueError, match="inner dimensions"):
        _core.sgemm(a, b, trans_a=True)
    with pytest.raises(ValueError, match="shape"):
        _core.sgemm(a, b, np.zeros((4, 5), np.float32))
    with pytest.raises(ValueError, match="contiguous rows"):
        _core.sgemm(np.ones((4, 10), np.float32)[:, ::2], b)
    with pytest.raises(ValueError, match="bias"):
        _core.sgemm(a, b, bias=np.ones(5, np.float32))
    with pytest.raises(ValueError, match="read-only"):
        c = np.zeros((4, 6), np.float32)
        c.setflags(write=False)
        _core.sgemm(a, b, c)
    with pytest.raises(ValueError, match="share memory"):
        x = np.ones((8, 8), np.float32)
        _core.sgemm(x, x, x)


def test_config_and_threads(threads):
    cfg = _core.config()
    for key in ("isa", "detected_isa", "num_threads", "openmp", "compiled_isas", "gemm_blocking"):
        assert key in cfg
    assert cfg["isa"] in cfg["compiled_isas"]
    blk = cfg["gemm_blocking"]
    assert blk["mc"] % blk["mr"] == 0 and blk["nc"] % blk["nr"] == 0 and blk["kc"] > 0
    if _core.has_openmp():
        _core.set_num_threads(1)
        assert _core.config()["num_threads"] == 1
        _core.set_num_threads(2)
        assert _core.num_threads() == 2
    with pytest.raises(ValueError):
        _core.set_num_threads(0)
    with pytest.raises(ValueError):
        _core.set_isa("sse9")


def test_set_isa_unsupported_raises():
    missing = [i for i in ALL_ISAS if i not in USABLE]
    if not missing:
        pytest.skip("this CPU supports every ISA path")
    with pytest.raises(RuntimeError, match=missing[-1]):
        _core.set_isa(missing[-1])


# --- run-time dispatch through the environment (fresh interpreters) ---------------------------

PROBE = r"""
import json, numpy as np
from nerve import _core
rng = np.random.default_rng(0)
res = {}
for (m, n, k) in [(3, 5, 7), (130, 70, 500), (257, 129, 1000)]:
    for ta in (False, True):
        for tb in (False, True):
            a = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float32)
            b = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
            ref = (a.T if ta else a).astype(np.float64) @ (b.T if tb else b).astype(np.float64)
            got = _core.sgemm(a, b, trans_a=ta, trans_b=tb)
            res[f"{m},{n},{k},{ta},{tb}"] = float(np.abs(got - ref).max() / np.sqrt(k))
print(json.dumps({"config": _core.config(), "err": max(res.values())}))
"""


def run_probe(**env):
    e = dict(os.environ)
    for key in ("NERVE_ISA", "NERVE_GEMM_BLOCKING", "OMP_NUM_THREADS"):
        e.pop(key, None)
    e.update(env)
    return subprocess.run(
        [sys.executable, "-c", PROBE], env=e, capture_output=True, text=True, timeout=120
    )


def test_env_isa_generic_runs_generic_path():
    r = run_probe(NERVE_ISA="generic")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["config"]["isa"] == "generic"
    assert out["config"]["gemm_blocking"]["kernel"].startswith("generic")
    assert out["err"] < 1e-5


def test_env_isa_bogus_is_a_clear_error():
    r = run_probe(NERVE_ISA="bogus")
    assert r.returncode != 0
    assert "NERVE_ISA" in r.stderr and "bogus" in r.stderr and "avx512, avx2, generic" in r.stderr
    assert "Traceback" in r.stderr  # a Python exception, not a crash (signal)
    assert r.returncode > 0


def test_env_isa_unsupported_is_a_clear_error():
    missing = [i for i in ALL_ISAS if i not in USABLE]
    if not missing:
        pytest.skip("this CPU supports every ISA path; nothing to refuse")
    r = run_probe(NERVE_ISA=missing[-1])
    assert r.returncode > 0 and "NERVE_ISA" in r.stderr


IN_PLACE_PROBE = r"""
import hashlib, numpy as np, nerve
from nerve import _core
rng = np.random.default_rng(3)
h = hashlib.sha256()
for threads in (1, 2):
    nerve.set_num_threads(threads)
    # lda 784, 576 and 256 spread 14 rows over enough L1 sets (read in place where the kernel
    # can); the edge rows (M % 14) and columns (N % 32) and several K panels are covered.
    for m, n, k in [(1024, 256, 784), (97, 300, 777), (64, 520, 576), (29, 70, 1000), (300, 96, 256)]:
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        bias = rng.standard_normal(n, dtype=np.float32)
        h.update(_core.sgemm(a, b).tobytes())
        h.update(np.asarray(_core.ops.dense(_core.Tensor(a), _core.Tensor(b), _core.Tensor(bias))).tobytes())
print(h.hexdigest())
"""


def test_env_pack_a_gives_the_same_bits_as_a_read_in_place():
    """NERVE_GEMM_PACK_A=1 packs A where the kernel would read it in place: same sums, same
    order, so every bit of the products (and of Dense with its bias) must agree."""

    def digest(**env):
        e = {k: v for k, v in os.environ.items() if k not in ("NERVE_ISA", "NERVE_GEMM_PACK_A")}
        e.update(env)
        r = subprocess.run(
            [sys.executable, "-c", IN_PLACE_PROBE],
            env=e,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert r.returncode == 0, r.stderr
        return r.stdout.strip().splitlines()[-1]

    assert digest(NERVE_GEMM_PACK_A="1") == digest()
    r = run_probe(NERVE_GEMM_PACK_A="yes")
    assert r.returncode > 0 and "NERVE_GEMM_PACK_A" in r.stderr


def test_env_omp_num_threads_and_tiny_blocks():
    """OMP_NUM_THREADS sets the start value; tiny cache blocks exercise every blocking loop
    (several ic, pc and jc blocks, partial panels) with two threads."""
    r = run_probe(OMP_NUM_THREADS="2", NERVE_GEMM_BLOCKING="30,37,70")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    if out["config"]["openmp"]:
        assert out["config"]["num_threads"] == 2
    assert out["err"] < 1e-5
    r = run_probe(OMP_NUM_THREADS="1")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["config"]["num_threads"] == 1
