"""sgemm_bf16 (operands rounded to bfloat16, float32 sums) on every bfloat16 kernel this machine runs.

Each path (amx: TDPBF16PS tiles, avx512_bf16: VDPBF16PS, plain: rounded float32 copies + sgemm)
rounds the operands identically (to nearest, ties to even), so each is checked tightly against the
float64 product of the rounded operands (a float32 summation's error, K * 2^-24 relative to
sum |a||b|), and loosely against float32 sgemm on the unrounded operands (bfloat16's rounding,
2^-8 relative to sum |a||b|). Shapes cross the kernels' edges (0, 1, odd, 16/32-blocks, the
512-deep K panels), transposes, leading dimensions larger than the rows, beta, the fused
bias/activation epilogue, NaN/Inf, thread counts, and NERVE_ISA forcing each path.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nerve
from nerve import _core

from helpers import activation_reference, switched

ALL_KERNELS = ["plain", "avx512_bf16", "amx"]
USABLE = set(_core.usable_bf16_kernels())
U24 = 2.0**-24


def kernel_params():
    return [
        pytest.param(
            k,
            marks=pytest.mark.skipif(
                k not in USABLE, reason=f"this machine cannot run {k} (usable: {sorted(USABLE)})"
            ),
        )
        for k in ALL_KERNELS
    ]


@pytest.fixture
def kernel(request):
    with switched(_core.bf16_kernel, _core.set_bf16_kernel, request.param):
        yield request.param


@pytest.fixture
def threads():
    prev = _core.num_threads()
    yield
    _core.set_num_threads(prev)


def round_bf16(x):
    """Round float32 to the nearest bfloat16 (ties to even), as float32; NaN stays NaN."""
    x = np.ascontiguousarray(x, np.float32)
    u = x.view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16 << 16).astype(np.uint32).view(np.float32)
    return np.where(np.isnan(x), x, r).reshape(x.shape)


def rand(rng, *shape):
    return rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)


def op(x, t):
    return x.T if t else x


def reference(a, b, c, alpha, beta, ta, tb):
    """float64 product of the rounded operands, and the float32 summation bound around it."""
    a64 = op(round_bf16(a).astype(np.float64), ta)
    b64 = op(round_bf16(b).astype(np.float64), tb)
    out = alpha * (a64 @ b64)
    mag = abs(alpha) * (np.abs(a64) @ np.abs(b64))
    if beta != 0.0:
        out = out + beta * c.astype(np.float64)
        mag = mag + abs(beta) * np.abs(c.astype(np.float64))
    k = a64.shape[1]
    return out, (k + 4) * U24 * mag + 1e-30


def check(got, want, tol, what=""):
    err = np.abs(got.astype(np.float64) - want)
    bad = err > tol
    assert not bad.any(), f"{what}: {bad.sum()} elements off, worst excess {np.max(err - tol):.3g}"


SHAPES = [
    (1, 1, 1),
    (1, 7, 3),
    (2, 3, 1),
    (3, 17, 5),
    (15, 16, 31),
    (16, 32, 32),
    (17, 33, 33),
    (31, 1, 64),
    (33, 65, 100),
    (64, 31, 300),
    (100, 129, 513),
    (129, 300, 255),
    (300, 257, 1030),
]


@pytest.mark.parametrize("kernel", kernel_params(), indirect=True)
@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
def test_matches_float64_of_rounded_operands(kernel, ta, tb):
    rng = np.random.default_rng(1 + 2 * ta + tb)
    for m, n, k in SHAPES:
        a = rand(rng, *((k, m) if ta else (m, k)))
        b = rand(rng, *((n, k) if tb else (k, n)))
        want, tol = reference(a, b, None, 1.0, 0.0, ta, tb)
        got = _core.sgemm_bf16(a, b, trans_a=ta, trans_b=tb)
        check(got, want, tol, f"{kernel} {(m, n, k)} ta={ta} tb={tb}")


@pytest.mark.parametrize("kernel", kernel_params(), indirect=True)
def test_within_bfloat16_rounding_of_float32(kernel):
    # Each rounded operand is within 2^-9 (relative) of the original, so each product within
    # 2^-8: |bf16 result - float32 result| <= 2^-8 sum |a||b| (+ float32 sums on both sides).
    # On random data the difference is a sum of K independent roundings, so it grows like sqrt(K).
    rng = np.random.default_rng(3)
    for m, n, k in [(64, 64, 16), (128, 256, 784), (50, 70, 2000)]:
        a, b = rand(rng, m, k), rand(rng, k, n)
        got = _core.sgemm_bf16(a, b).astype(np.float64)
        f32 = _core.sgemm(a, b).astype(np.float64)
        mag = np.abs(a.astype(np.float64)) @ np.abs(b.astype(np.float64))
        check(got, f32, (2.0**-8 + 2 * (k + 4) * U24) * mag, f"{kernel} {(m, n, k)}")
        # the typical difference is bfloat16's, not more: rms relative to rms(|a||b|) per term
        rel = np.sqrt(np.mean((got - f32) ** 2)) / np.sqrt(k * np.mean(a**2) * np.mean(b**2))
        assert 2.0**-12 < rel < 2.0**-7, rel


def test_paths_agree_with_each_other():
    rng = np.random.default_rng(4)
    a, b = rand(rng, 200, 700), rand(rng, 700, 150)
    want, tol = reference(a, b, None, 1.0, 0.0, False, False)
    prev = _core.bf16_kernel()
    try:
        outs = {}
        for k in sorted(USABLE):
            _core.set_bf16_kernel(k)
            outs[k] = _core.sgemm_bf16(a, b)
    finally:
        _core.set_bf16_kernel(prev)
    for k, got in outs.items():
        check(got, want, tol, k)
    # every pair within twice the summation bound of each other
    for k1 in outs:
        for k2 in outs:
            check(outs[k1], outs[k2].astype(np.float64), 2 * tol, f"{k1} vs {k2}")


@pytest.mark.parametrize("kernel", kernel_params(), indirect=True)
@pytest.mark.parametrize("alpha,beta", [(1.0, 1.0), (0.5, -2.0), (2.0, 0.25), (0.0, 0.5)])
def test_alpha_beta_and_leading_dimensions(kernel, alpha, beta):
    rng = np.random.default_rng(5)
    for m, n, k in [(1, 1, 1), (17, 33, 33), (70, 45, 600), (33, 100, 1100)]:
        # column slices: every leading dimension larger than its row
        a = rand(rng, m, k + 5)[:, 2 : k + 2]
        b = rand(rng, k, n + 3)[:, 1 : n + 1]
        cbig = rand(rng, m, n + 7)
        before = cbig.copy()
        c = cbig[:, 3 : n + 3]
        c0 = c.copy()
        want, tol = reference(a, b, c0, alpha, beta, False, False)
        out = _core.sgemm_bf16(a, b, c, alpha=alpha, beta=beta)
        assert np.shares_memory(out, cbig)
        check(c, want, tol + 4 * U24 * np.abs(want), f"{kernel} {(m, n, k)}")
        # columns outside the slice are untouched
        np.testing.assert_array_equal(cbig[:, :3], before[:, :3])
        np.testing.assert_array_equal(cbig[:, n + 3 :], before[:, n + 3 :])


@pytest.mark.parametrize("kernel", kernel_params(), indirect=True)
def test_c_outside_the_product_is_untouched(kernel):
    rng = np.random.default_rng(6)
    for m, n, k in [(5, 7, 9), (33, 47, 100), (40, 70, 520)]:
        a, b = rand(rng, m, k), rand(rng, k, n)
        cbig = np.full((m + 2, n + 9), 7.0, np.float32)
        c = cbig[1 : m + 1, 4 : n + 4]
        _core.sgemm_bf16(a, b, c)
        keep = np.ones(cbig.shape, bool)
        keep[1 : m + 1, 4 : n + 4] = False
        assert (cbig[keep] == 7.0).all()
        want, tol = reference(a, b, None, 1.0, 0.0, False, False)
        check(c, want, tol, kernel)


@pytest.mark.parametrize("kernel", kernel_params(), indirect=True)
@pytest.mark.parametrize(
    "act,act_alpha",
    [("linear", 0.0), ("relu", 0.0), ("sigmoid", 0.0), ("tanh", 0.0), ("leaky_relu", 0.2)],
)
def test_fused_bias_and_activation(kernel, act, act_alpha):
    rng = np.random.default_rng(7)
    # (70, 90, 1100): three K panels, the epilogue only after the last one
    for (m, n, k), beta in [
        ((1, 1, 1), 0.0),
        ((17, 45, 33), 0.5),
        ((128, 256, 784), 0.0),
        ((70, 90, 1100), 1.0),
    ]:
        a, b = rand(rng, m, k), rand(rng, k, n)
        c, bias = rand(rng, m, n), rand(rng, n)
        pre, tol = reference(a, b, c, 1.0, beta, False, False)
        want = activation_reference(act, pre + bias, act_alpha)
        got = _core.sgemm_bf16(
            a, b, c.copy(), beta=beta, bias=bias, activation=act, act_alpha=act_alpha
        )
        # 1-Lipschitz activations: the GEMM bound carries over (+ a few ulps)
        check(got, want, tol + 8 * U24 * 2 * np.abs(want) + 1e-7, f"{kernel} {act} {(m, n, k)}")


@pytest.mark.parametrize("kernel", kernel_params(), indirect=True)
def test_nan_and_inf_propagate(kernel):
    rng = np.random.default_rng(8)
    m, n, k = 40, 50, 70
    a, b = rand(rng, m, k), rand(rng, k, n)
    a[3, 5] = np.nan
    a[7, 9] = np.inf
    b[11, 13] = -np.inf
    b[:, 20] = 0.0  # inf * 0 = NaN in row 7, column 20
    with np.errstate(invalid="ignore"):
        want = round_bf16(a).astype(np.float64) @ round_bf16(b).astype(np.float64)
    got = _core.sgemm_bf16(a, b)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want))
    np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want))
    assert np.isnan(got[3]).all() and np.isnan(got[7, 20])
    # beta == 0: C is not read, so NaN in it does not propagate
    c = np.full((m, n), np.nan, np.float32)
    a2, b2 = rand(rng, m, k), rand(rng, k, n)
    _core.sgemm_bf16(a2, b2, c, beta=0.0)
    assert np.isfinite(c).all()


@pytest.mark.parametrize("kernel", kernel_params(), indirect=True)
def test_values_that_round_up_to_the_next_binade(kernel):
    # 1 + 2^-8 is a tie (rounds to even: 1), 1 + 3*2^-9 rounds up to 1 + 2^-7, and the largest
    # float32 below 2 rounds up to 2: the packing rounds like round_to_bf16, not truncates.
    vals = np.array(
        [1 + 2**-8, 1 + 3 * 2**-9, np.nextafter(np.float32(2), np.float32(0)), -1 - 3 * 2**-9],
        np.float32,
    )
    a = vals.reshape(4, 1)
    b = np.ones((1, 3), np.float32)
    got = _core.sgemm_bf16(a, b)
    np.testing.assert_array_equal(got[:, 0], [1.0, 1 + 2**-7, 2.0, -1 - 2**-7])


@pytest.mark.parametrize("kernel", kernel_params(), indirect=True)
def test_result_does_not_depend_on_thread_count(kernel, threads):
    rng = np.random.default_rng(9)
    for m, n, k in [(300, 200, 600), (1000, 64, 300), (64, 900, 200)]:
        a, b = rand(rng, m, k), rand(rng, k, n)
        _core.set_num_threads(1)
        one = _core.sgemm_bf16(a, b)
        _core.set_num_threads(2)
        two = _core.sgemm_bf16(a, b)
        np.testing.assert_array_equal(one, two)


@pytest.mark.parametrize("kernel", kernel_params(), indirect=True)
def test_empty_dimensions(kernel):
    c = np.full((3, 4), 2.0, np.float32)
    _core.sgemm_bf16(np.zeros((3, 0), np.float32), np.zeros((0, 4), np.float32), c, beta=0.5)
    np.testing.assert_array_equal(c, np.full((3, 4), 1.0, np.float32))
    assert _core.sgemm_bf16(np.zeros((0, 5), np.float32), np.zeros((5, 4), np.float32)).shape == (
        0,
        4,
    )
    assert _core.sgemm_bf16(np.zeros((3, 5), np.float32), np.zeros((5, 0), np.float32)).shape == (
        3,
        0,
    )


def test_validation_errors():
    a = np.ones((4, 5), np.float32)
    with pytest.raises(ValueError, match="sgemm_bf16: inner dimensions differ"):
        _core.sgemm_bf16(a, a)
    with pytest.raises(ValueError, match="float32"):
        _core.sgemm_bf16(a.astype(np.float64), a.T.copy())
    with pytest.raises(ValueError, match="not element-wise"):
        _core.sgemm_bf16(a, a.T.copy(), activation="softmax")
    with pytest.raises(ValueError, match="bias"):
        _core.sgemm_bf16(a, a.T.copy(), bias=np.ones(3, np.float32))
    with pytest.raises(ValueError):
        _core.set_bf16_kernel("tpu")


def test_config_names_the_bf16_kernel():
    cfg = nerve.config()
    assert cfg["detected_bf16_kernel"] in ALL_KERNELS
    assert (
        cfg["bf16_kernel"]
        == {"amx": "amx_32x32", "avx512_bf16": "avx512bf16_14x32", "plain": "plain"}[
            _core.bf16_kernel()
        ]
    )
    if cfg["detected_bf16_kernel"] != "amx":
        assert cfg["bf16_unusable"]  # says why AMX is not used


PROBE = r"""
import json, numpy as np
from nerve import _core
rng = np.random.default_rng(0)
a = rng.uniform(-1, 1, (70, 300)).astype(np.float32)
b = rng.uniform(-1, 1, (300, 50)).astype(np.float32)
got = _core.sgemm_bf16(a, b)
print(json.dumps({"config": _core.config(), "kernel": _core.bf16_kernel(), "sum": float(got.sum())}))
"""


def run_probe(isa):
    env = dict(os.environ)
    env.pop("NERVE_ISA", None)
    if isa is not None:
        env["NERVE_ISA"] = isa
    env["PYTHONPATH"] = str(Path(nerve.__file__).parents[1])
    return subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "isa,want_kernel,want_isa",
    [
        ("amx", "amx", "avx512"),
        ("avx512_bf16", "avx512_bf16", "avx512"),
        ("avx512", "plain", "avx512"),
        ("avx2", "plain", "avx2"),
        ("generic", "plain", "generic"),
    ],
)
def test_nerve_isa_forces_each_path(isa, want_kernel, want_isa):
    usable_isas = set(_core.config()["usable_isas"])
    if want_kernel not in USABLE or want_isa not in usable_isas:
        r = run_probe(isa)
        assert r.returncode != 0 and "NERVE_ISA" in r.stderr and "Traceback" in r.stderr
        return
    r = run_probe(isa)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["kernel"] == want_kernel
    assert out["config"]["isa"] == want_isa
    assert np.isfinite(out["sum"])


def test_default_is_the_best_usable_kernel():
    r = run_probe(None)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["kernel"] == out["config"]["detected_bf16_kernel"]
    best = "amx" if "amx" in USABLE else "avx512_bf16" if "avx512_bf16" in USABLE else "plain"
    assert out["kernel"] == best
