"""nerve.random: Keras 3's keras.random (seeded draws, dropout, shuffle, SeedGenerator).

Distributions are checked by their moments and frequencies on 1e5 draws, against numpy
references computed in float64; dropout and shuffle by numpy oracles and by finite-difference
gradients with their mask / permutation held fixed (an int seed is stateless)."""

import numpy as np
import pytest

import nerve
from nerve import _core
from nerve import random as R

from helpers import numeric_grad

N = 100_000


@pytest.fixture(autouse=True)
def _seed():
    nerve.utils.set_random_seed(11)


def arr(t):
    return np.asarray(t).astype(np.float64)


# -- distributions ----------------------------------------------------------------------------


def test_normal_moments_and_shape():
    x = arr(R.normal((N // 100, 100), mean=2.0, stddev=3.0, seed=1))
    assert x.shape == (N // 100, 100)
    # mean within 5 standard errors, std within 2%
    assert abs(x.mean() - 2.0) < 5 * 3.0 / np.sqrt(N)
    assert abs(x.std() - 3.0) < 0.06
    # standardized skew and kurtosis of a normal: 0 and 3
    z = (x - x.mean()) / x.std()
    assert abs((z**3).mean()) < 0.05
    assert abs((z**4).mean() - 3.0) < 0.1


def test_uniform_bounds_and_moments():
    x = arr(R.uniform((N,), minval=-1.0, maxval=3.0, seed=2))
    assert x.min() >= -1.0 and x.max() < 3.0
    assert abs(x.mean() - 1.0) < 5 * np.sqrt(16 / 12 / N)
    assert abs(x.var() - 16 / 12) < 0.02
    # ten equal bins, each ~N/10
    counts, _ = np.histogram(x, bins=10, range=(-1, 3))
    chi2 = ((counts - N / 10) ** 2 / (N / 10)).sum()
    assert chi2 < 40  # 9 degrees of freedom: p < 1e-5 above this


def test_uniform_half_open_even_when_float_rounding_reaches_maxval():
    x = arr(R.uniform((N,), minval=1e7, maxval=1e7 + 1, seed=3))
    assert x.max() < 1e7 + 1 and x.min() >= 1e7


def test_truncated_normal_within_two_stddevs_with_the_truncated_moments():
    x = arr(R.truncated_normal((N,), mean=-1.0, stddev=0.5, seed=4))
    assert x.min() >= -1.0 - 2 * 0.5 - 1e-6 and x.max() <= -1.0 + 2 * 0.5 + 1e-6
    # std of N(0, 1) truncated to [-2, 2], from numpy's float64 normal by rejection
    ref = np.random.default_rng(0).standard_normal(4 * N)
    ref_std = ref[np.abs(ref) <= 2].std()
    assert abs(x.mean() + 1.0) < 5 * 0.5 * ref_std / np.sqrt(N)
    assert abs(x.std() - 0.5 * ref_std) < 0.01


def test_randint_integers_uniform_over_the_half_open_range():
    x = arr(R.randint((N,), minval=-3, maxval=4, seed=5))
    assert np.array_equal(x, np.round(x))
    values, counts = np.unique(x, return_counts=True)
    assert list(values) == list(range(-3, 4))
    chi2 = ((counts - N / 7) ** 2 / (N / 7)).sum()
    assert chi2 < 35  # 6 degrees of freedom


def test_categorical_frequencies_follow_softmax_of_the_logits():
    logits = np.array([[0.0, 1.0, 2.0, -1.0], [3.0, -np.inf, 0.0, 0.5]], dtype=np.float32)
    s = arr(R.categorical(logits, N // 2, seed=6))
    assert s.shape == (2, N // 2)
    for row in range(2):
        p = np.exp(logits[row].astype(np.float64) - logits[row].max())
        p /= p.sum()
        counts = np.bincount(s[row].astype(int), minlength=4)
        expected = p * s.shape[1]
        seen = expected > 0
        chi2 = ((counts[seen] - expected[seen]) ** 2 / expected[seen]).sum()
        assert chi2 < 30, (row, counts, expected)
        assert np.all(counts[~seen] == 0)  # a -inf logit is never drawn


def _ks_statistic(a, b):
    """Two-sample Kolmogorov-Smirnov distance between the empirical CDFs of a and b."""
    grid = np.sort(np.concatenate([a, b]))
    cdf_a = np.searchsorted(np.sort(a), grid, side="right") / a.size
    cdf_b = np.searchsorted(np.sort(b), grid, side="right") / b.size
    return np.abs(cdf_a - cdf_b).max()


# 1.95 * sqrt(2 / n): the two-sample KS critical value at p = 0.001 for two samples of n
KS_LIMIT = 1.95 * np.sqrt(2 / N)


@pytest.mark.parametrize("alpha", [0.3, 1.0, 4.5])
def test_gamma_matches_numpys_gamma(alpha):
    x = arr(R.gamma((N,), alpha, seed=14))
    ref = np.random.default_rng(14).gamma(alpha, size=N)
    assert x.min() >= 0
    assert abs(x.mean() - alpha) < 5 * np.sqrt(alpha / N)
    assert _ks_statistic(x, ref) < KS_LIMIT


def test_beta_matches_numpys_beta():
    x = arr(R.beta((N,), 2.0, 5.0, seed=15))
    ref = np.random.default_rng(15).beta(2.0, 5.0, size=N)
    assert 0 <= x.min() and x.max() <= 1
    assert abs(x.mean() - 2 / 7) < 5 * np.sqrt(10 / (49 * 8) / N)
    assert _ks_statistic(x, ref) < KS_LIMIT


@pytest.mark.parametrize(
    "counts, p", [(10, 0.3), (1000, 0.01), (100_000, 0.37), (7, 1.0), (5, 0.0)]
)
def test_binomial_matches_numpys_binomial(counts, p):
    x = arr(R.binomial((N,), counts, p, seed=16))
    ref = np.random.default_rng(16).binomial(counts, p, size=N).astype(np.float64)
    assert np.array_equal(x, np.round(x)) and x.min() >= 0 and x.max() <= counts
    assert abs(x.mean() - counts * p) <= 5 * np.sqrt(counts * p * (1 - p) / N)
    assert _ks_statistic(x, ref) < KS_LIMIT


def test_normal_and_truncated_normal_match_numpy():
    ref = np.random.default_rng(17).standard_normal(2 * N)
    assert _ks_statistic(arr(R.normal((N,), seed=17)), ref[:N]) < KS_LIMIT
    truncated = ref[np.abs(ref) <= 2][:N]
    assert _ks_statistic(arr(R.truncated_normal((N,), seed=17)), truncated) < 1.95 * np.sqrt(
        1 / N + 1 / truncated.size
    )


def test_draws_do_not_depend_on_the_thread_count():
    before = nerve.num_threads()
    try:
        nerve.set_num_threads(1)
        one = [arr(R.normal((50_000,), seed=7)), arr(R.dropout(np.ones((300, 200)), 0.3, seed=7))]
        nerve.set_num_threads(2)
        two = [arr(R.normal((50_000,), seed=7)), arr(R.dropout(np.ones((300, 200)), 0.3, seed=7))]
    finally:
        nerve.set_num_threads(before)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


def test_scalar_and_empty_shapes():
    assert np.asarray(R.normal((), seed=1)).shape == ()
    assert np.asarray(R.uniform((0, 3), seed=1)).shape == (0, 3)
    assert np.asarray(R.normal(4, seed=1)).shape == (4,)


# -- seed semantics ---------------------------------------------------------------------------


def test_int_seed_is_stateless_and_seeds_differ():
    a = arr(R.normal((64,), seed=42))
    np.testing.assert_array_equal(a, arr(R.normal((64,), seed=42)))
    assert not np.array_equal(a, arr(R.normal((64,), seed=43)))
    np.testing.assert_array_equal(arr(R.uniform((9,), seed=3)), arr(R.uniform((9,), seed=3)))


def test_seed_generator_advances_and_is_reproducible_per_seed():
    g1, g2 = R.SeedGenerator(1337), R.SeedGenerator(1337)
    a1, b1 = arr(R.normal((32,), seed=g1)), arr(R.normal((32,), seed=g1))
    assert not np.array_equal(a1, b1)
    np.testing.assert_array_equal(a1, arr(R.normal((32,), seed=g2)))
    np.testing.assert_array_equal(b1, arr(R.normal((32,), seed=g2)))
    assert g1.state == (1337, 2)
    # as Keras: an int seed is the state [seed, 0], the generator's first draw
    np.testing.assert_array_equal(a1, arr(R.normal((32,), seed=1337)))


def test_global_generator_reproducible_after_set_random_seed():
    nerve.utils.set_random_seed(123)
    a, b = arr(R.normal((16,))), arr(R.normal((16,)))
    assert not np.array_equal(a, b)
    nerve.utils.set_random_seed(123)
    np.testing.assert_array_equal(a, arr(R.normal((16,))))
    np.testing.assert_array_equal(b, arr(R.normal((16,))))


def test_seed_generator_without_seed_is_reproducible_after_set_random_seed():
    nerve.utils.set_random_seed(9)
    a = arr(R.uniform((8,), seed=R.SeedGenerator()))
    nerve.utils.set_random_seed(9)
    np.testing.assert_array_equal(a, arr(R.uniform((8,), seed=R.SeedGenerator())))


def test_seed_generator_state_next_and_config():
    g = R.SeedGenerator(5, name="noise")
    assert g.state == (5, 0)
    k0 = g.next()
    assert g.state == (5, 1) and k0 == _core.random.random_key(5, 0)
    g.state = (5, 0)
    assert g.next() == k0
    cfg = g.get_config()
    assert cfg == {"seed": 5, "name": "noise"}
    h = R.SeedGenerator.from_config(cfg)
    assert h.state == (5, 0) and h.name == "noise"
    assert R.SeedGenerator().get_config()["seed"] is None


def test_the_registered_op_reads_its_generator_in_cpp_on_every_call():
    # What a traced layer replays each step: the same op name and attributes, no Python between.
    g = R.SeedGenerator(3)
    attrs = {"shape": [5], "generator": g._id}
    a = np.asarray(_core.ops.call("random_normal", [], attrs)[0]).copy()
    b = np.asarray(_core.ops.call("random_normal", [], attrs)[0]).copy()
    assert not np.array_equal(a, b) and g.state == (3, 2)
    fixed = {"shape": [5], "seed": 3}
    np.testing.assert_array_equal(np.asarray(_core.ops.call("random_normal", [], fixed)[0]), a)
    unseeded = {"shape": [5]}
    c = np.asarray(_core.ops.call("random_normal", [], unseeded)[0]).copy()
    assert not np.array_equal(c, np.asarray(_core.ops.call("random_normal", [], unseeded)[0]))


class _RecordingTracer:
    """Stands in for a Python layer's tracer: keeps (op, inputs, attrs) instead of running."""

    def __init__(self):
        self.program = []

    def apply_op(self, op, inputs, attrs, single):
        self.program.append((op, list(inputs), dict(attrs)))
        return None


@pytest.mark.parametrize("seed_kind", ["generator", "none", "int"])
def test_traced_random_ops_are_op_names_and_attributes_replayed_in_cpp(seed_kind):
    from nerve.ops import _dispatch

    seed = {"generator": R.SeedGenerator(21), "none": None, "int": 21}[seed_kind]
    tracer = _RecordingTracer()
    _dispatch.active_tracers.append(tracer)
    try:  # what a custom layer's call() does once, at trace time
        R.normal((3, 4), mean=1.0, seed=seed)
        R.dropout(np.ones((64, 4), np.float32), 0.5, noise_shape=(None, 1), seed=seed)
    finally:
        _dispatch.active_tracers.pop()
    (op1, in1, attrs1), (op2, in2, attrs2) = tracer.program
    assert (op1, op2) == ("random_normal", "random_dropout")
    assert attrs2["noise_shape"] == [-1, 1]
    # every attribute a plain value the C++ program can store: no Python objects
    for attrs in (attrs1, attrs2):
        for v in attrs.values():
            assert isinstance(v, (int, float, list)), attrs

    def step():  # one replayed step, straight through the registry
        a = np.asarray(_core.ops.call(op1, in1, attrs1)[0]).copy()
        b = np.asarray(_core.ops.call(op2, [nerve.Tensor(x) for x in in2], attrs2)[0]).copy()
        return a, b

    first, second = step(), step()
    for a, b in zip(first, second):
        if seed_kind == "int":
            np.testing.assert_array_equal(a, b)  # stateless
        else:
            assert not np.array_equal(a, b)  # fresh draws every step


def test_every_random_op_is_registered_by_name():
    for name in (
        "random_normal",
        "random_uniform",
        "random_truncated_normal",
        "random_randint",
        "random_categorical",
        "random_dropout",
        "random_shuffle",
        "random_gamma",
        "random_beta",
        "random_binomial",
    ):
        assert _core.ops.has_op(name)


def test_every_public_function_has_a_docstring():
    for name in R.__all__:
        assert getattr(R, name).__doc__, name


# -- dropout ----------------------------------------------------------------------------------


def test_dropout_scales_kept_values_and_drops_the_rate():
    x = np.random.default_rng(0).uniform(1, 2, (400, 250)).astype(np.float32)
    y = arr(R.dropout(x, 0.3, seed=8))
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / 0.7, rtol=1e-6)
    assert abs(1 - kept.mean() - 0.3) < 5 * np.sqrt(0.3 * 0.7 / x.size)


def test_dropout_rate_zero_is_identity_and_rate_one_gives_zeros():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(arr(R.dropout(x, 0.0, seed=1)), x)
    np.testing.assert_array_equal(arr(R.dropout(x, 1.0, seed=1)), np.zeros((2, 3)))


def test_dropout_noise_shape_shares_the_mask_along_broadcast_axes():
    x = np.ones((8, 5, 6), dtype=np.float32)
    y = arr(R.dropout(x, 0.5, noise_shape=(None, 1, 6), seed=9))
    # the same mask at every step of axis 1, different across the batch
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :1, :], y.shape))
    assert not np.array_equal(y[0, 0], y[1, 0])
    # a shorter noise shape aligns to the right: one mask per feature, shared by all rows
    z = arr(R.dropout(x, 0.5, noise_shape=(6,), seed=9))
    np.testing.assert_array_equal(z, np.broadcast_to(z[:1, :1, :], z.shape))


def test_dropout_gradient_matches_finite_differences_with_the_mask_fixed():
    rng = np.random.default_rng(1)
    x0 = rng.standard_normal((4, 6))
    w = rng.standard_normal((4, 6))
    rate = 0.4
    # numpy oracle: the mask the op drew (an int seed draws the same mask for the same shape)
    mask = arr(R.dropout(np.ones((4, 6), np.float32), rate, seed=10))
    assert set(np.unique(mask)) <= {0.0, np.float32(1 / (1 - rate))}

    x = nerve.Tensor(x0.astype(np.float32))
    with nerve.GradientTape() as tape:
        tape.watch(x)
        y = R.dropout(x, rate, seed=10)
    np.testing.assert_allclose(arr(y), x0 * mask, rtol=1e-5, atol=1e-6)
    g = arr(tape.gradient(y, x, output_gradients=w.astype(np.float32)))
    num = numeric_grad(lambda v: np.sum(w * v * mask), x0)
    np.testing.assert_allclose(g, num, rtol=1e-4, atol=1e-5)


# -- shuffle ----------------------------------------------------------------------------------


def test_shuffle_permutes_each_slice_along_the_axis_independently():
    x = np.arange(200, dtype=np.float32).reshape(50, 4)
    y = arr(R.shuffle(x, seed=12))
    for c in range(4):  # each column a permutation of itself (Keras's JAX backend)
        np.testing.assert_array_equal(np.sort(y[:, c]), x[:, c])
    assert not np.array_equal(y[:, 0] - x[0, 0], (y[:, 1] - x[0, 1]))
    z = arr(R.shuffle(x, axis=-1, seed=12))
    np.testing.assert_array_equal(np.sort(z, axis=1), x)


def test_shuffle_positions_are_uniform():
    g = R.SeedGenerator(2)
    first = [int(arr(R.shuffle(np.arange(5, dtype=np.float32), seed=g))[0]) for _ in range(5000)]
    counts = np.bincount(first, minlength=5)
    assert ((counts - 1000) ** 2 / 1000).sum() < 25  # 4 degrees of freedom


def test_shuffle_gradient_matches_finite_differences():
    rng = np.random.default_rng(2)
    x0 = rng.standard_normal((5, 3))
    w = rng.standard_normal((5, 3))
    # numpy oracle: the indices the op used, recovered by shuffling the row numbers
    rows = np.repeat(np.arange(5, dtype=np.float32)[:, None], 3, axis=1)
    idx = arr(R.shuffle(rows, seed=13)).astype(int)
    x = nerve.Tensor(x0.astype(np.float32))
    with nerve.GradientTape() as tape:
        tape.watch(x)
        y = R.shuffle(x, seed=13)
    np.testing.assert_allclose(arr(y), np.take_along_axis(x0, idx, axis=0), rtol=1e-6)
    g = arr(tape.gradient(y, x, output_gradients=w.astype(np.float32)))
    num = numeric_grad(lambda v: np.sum(w * np.take_along_axis(v, idx, axis=0)), x0)
    np.testing.assert_allclose(g, num, rtol=1e-4, atol=1e-5)


# -- bad arguments ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: R.normal((2,), stddev=-1.0, seed=1), r"random_normal: stddev must be >= 0"),
        (lambda: R.normal((2, -3), seed=1), r"random_normal: shape \(2, -3\)"),
        (
            lambda: R.uniform((2,), minval=1.0, maxval=1.0),
            r"random_uniform: minval must be < maxval",
        ),
        (lambda: R.truncated_normal((2,), stddev=-0.1), r"random_truncated_normal: stddev"),
        (lambda: R.randint((2,), 5, 5), r"random_randint: minval must be < maxval"),
        (lambda: R.randint((2,), 0, 2**25), r"random_randint: .*2\^24"),
        (lambda: R.dropout(np.ones(3), 1.5), r"random_dropout: rate must be in \[0, 1\]"),
        (lambda: R.dropout(np.ones(3), -0.1), r"random_dropout: rate"),
        (
            lambda: R.dropout(np.ones((2, 3)), 0.5, noise_shape=(2, 2)),
            r"random_dropout: noise_shape \(2, 2\).*\(2, 3\) at axis 1",
        ),
        (lambda: R.categorical(np.zeros(3), 2), r"random_categorical: logits must be 2-D.*\(3,\)"),
        (
            lambda: R.categorical(np.array([[0.0, np.nan]]), 2),
            r"random_categorical: row 0 of logits",
        ),
        (lambda: R.shuffle(np.ones((2, 3)), axis=2), r"random_shuffle: axis 2 .*\(2, 3\)"),
        (lambda: R.normal((2,), dtype="float16"), r"random_normal: nerve tensors are float32"),
        (lambda: R.SeedGenerator(1, foo=2), r"SeedGenerator: unrecognized keyword"),
        (lambda: R.gamma((2,), 0.0), r"random_gamma: alpha must be > 0"),
        (lambda: R.gamma((2,), [1.0, 2.0]), r"random_gamma: nerve supports a single number"),
        (lambda: R.beta((2,), 1.0, -1.0), r"random_beta: alpha and beta must be > 0"),
        (lambda: R.binomial((2,), 2.5, 0.5), r"random_binomial: counts must be an integer"),
        (lambda: R.binomial((2,), 3, 1.5), r"random_binomial: probabilities must be in \[0, 1\]"),
    ],
)
def test_bad_arguments_raise_value_error_naming_the_op(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: R.normal((2,), seed=1.5), r"random_normal: seed must be an int, a nerve"),
        (lambda: R.uniform((2,), seed="a"), r"random_uniform: seed"),
        (lambda: R.randint((2,), 0.0, 3), r"random_randint: minval must be an int"),
        (lambda: R.SeedGenerator(2.0), r"SeedGenerator: seed must be an int"),
        (lambda: R.shuffle(np.ones(3), axis=0.0), r"random_shuffle: axis must be an int"),
        (lambda: R.gamma((2,), "big"), r"random_gamma: alpha must be a number"),
    ],
)
def test_wrong_types_raise_type_error_naming_the_op(call, match):
    with pytest.raises(TypeError, match=match):
        call()


# -- devices ----------------------------------------------------------------------------------


def _random_calls():
    x = np.arange(24, dtype=np.float32).reshape(4, 6)
    return [
        lambda: R.normal((5, 3), seed=1),
        lambda: R.uniform((7,), seed=2),
        lambda: R.truncated_normal((7,), seed=3),
        lambda: R.randint((7,), 0, 9, seed=4),
        lambda: R.gamma((7,), 0.5, seed=4),
        lambda: R.beta((7,), 0.5, 2.0, seed=4),
        lambda: R.binomial((7,), 100, 0.3, seed=4),
        lambda: R.categorical(nerve.Tensor(np.log(x[:2] + 1)), 5, seed=5),
        lambda: R.dropout(nerve.Tensor(x), 0.5, noise_shape=(None, 1), seed=6),
        lambda: R.shuffle(nerve.Tensor(x), axis=1, seed=7),
    ]


def test_random_ops_run_on_another_device_with_the_same_draws():
    poison = _core._testing.register_poison_device()
    on_cpu = [arr(c()) for c in _random_calls()]
    with nerve.device(poison):
        on_poison = [arr(c()) for c in _random_calls()]
    for a, b in zip(on_cpu, on_poison):
        np.testing.assert_array_equal(a, b)


def test_a_device_without_random_kernels_names_the_op_and_the_device():
    poison = _core._testing.register_poison_device()
    _core._testing.blank_poison_kernels("random")
    try:
        with nerve.device(poison):
            with pytest.raises(
                RuntimeError, match=f"op 'random_normal' has no kernel on device {poison}"
            ):
                R.normal((2,), seed=1)
    finally:
        _core._testing.restore_poison_kernels()
