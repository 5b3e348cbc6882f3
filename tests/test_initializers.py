"""Initializers: statistics (mean, standard deviation, limits) against the Keras formulas,
orthogonality, seeding."""

import math

import numpy as np
import pytest

import nerve

I = nerve.initializers
FAN_IN, FAN_OUT = 300, 200
SHAPE = (FAN_IN, FAN_OUT)
TRUNC = 0.87962566103423978  # stddev of a standard normal truncated to (-2, 2)


def _draw(init, shape=SHAPE, seed=7):
    return init(shape, seed=seed).astype(np.float64)


@pytest.mark.parametrize(
    "name,scale,fan",
    [
        ("glorot_uniform", 1.0, (FAN_IN + FAN_OUT) / 2),
        ("he_uniform", 2.0, FAN_IN),
        ("lecun_uniform", 1.0, FAN_IN),
    ],
)
def test_uniform_variance_scaling(name, scale, fan):
    w = _draw(I.get(name))
    limit = math.sqrt(3 * scale / fan)
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.99 * limit  # the whole range is used
    assert abs(w.mean()) < 0.01 * limit
    assert w.std() == pytest.approx(limit / math.sqrt(3), rel=0.02)


@pytest.mark.parametrize(
    "name,scale,fan",
    [
        ("glorot_normal", 1.0, (FAN_IN + FAN_OUT) / 2),
        ("he_normal", 2.0, FAN_IN),
        ("lecun_normal", 1.0, FAN_IN),
    ],
)
def test_truncated_normal_variance_scaling(name, scale, fan):
    w = _draw(I.get(name))
    std = math.sqrt(scale / fan)  # Keras rescales so the truncated draw has this stddev
    assert w.std() == pytest.approx(std, rel=0.02)
    assert np.abs(w).max() <= 2 * std / TRUNC + 1e-7
    assert abs(w.mean()) < 0.02 * std


@pytest.mark.parametrize(
    "mode,distribution",
    [("fan_out", "uniform"), ("fan_avg", "untruncated_normal"), ("fan_in", "truncated_normal")],
)
def test_variance_scaling(mode, distribution):
    fan = {"fan_in": FAN_IN, "fan_out": FAN_OUT, "fan_avg": (FAN_IN + FAN_OUT) / 2}[mode]
    w = _draw(I.VarianceScaling(scale=3.0, mode=mode, distribution=distribution))
    assert w.std() == pytest.approx(math.sqrt(3.0 / fan), rel=0.02)
    if distribution == "untruncated_normal":
        assert np.abs(w).max() > 3 * math.sqrt(3.0 / fan)  # tails are not cut
    with pytest.raises(ValueError, match="mode"):
        I.VarianceScaling(mode="fan_sideways")


def test_random_and_constant():
    w = _draw(I.RandomNormal(mean=1.0, stddev=0.2))
    assert w.mean() == pytest.approx(1.0, abs=0.002) and w.std() == pytest.approx(0.2, rel=0.02)
    w = _draw(I.RandomUniform(-0.3, 0.1))
    assert w.min() >= -0.3 and w.max() < 0.1 and w.mean() == pytest.approx(-0.1, abs=0.002)
    w = _draw(I.TruncatedNormal(mean=0.5, stddev=0.1))
    assert np.all(np.abs(w - 0.5) <= 0.2 + 1e-6)
    assert w.std() == pytest.approx(0.1 * TRUNC, rel=0.02)
    assert not _draw(I.Zeros()).any()
    assert np.all(_draw(I.Ones()) == 1.0)
    assert np.all(_draw(I.Constant(2.5)) == 2.5)


@pytest.mark.parametrize("shape", [(50, 20), (20, 50), (3, 3, 8, 16), (30, 30)])
def test_orthogonal(shape):
    w = _draw(I.Orthogonal(gain=2.0), shape).reshape(-1, shape[-1]) / 2.0
    rows, cols = w.shape
    gram = w.T @ w if rows >= cols else w @ w.T
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-5)


def test_orthogonal_needs_a_matrix():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        I.Orthogonal()((5,))


def test_seeding():
    a, b = I.GlorotUniform()((10, 10), seed=3), I.GlorotUniform()((10, 10), seed=3)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, I.GlorotUniform()((10, 10), seed=4))

    def build():
        nerve.utils.set_random_seed(42)
        model = nerve.Sequential(
            [
                nerve.Input((6,)),
                nerve.layers.Dense(5, kernel_initializer="orthogonal"),
                nerve.layers.Dense(
                    2, kernel_initializer=I.LecunNormal(), bias_initializer=I.RandomUniform()
                ),
            ]
        )
        return model.get_weights()

    for x, y in zip(build(), build()):
        np.testing.assert_array_equal(x, y)


def test_layers_use_the_initializer():
    layer = nerve.layers.Dense(
        64, kernel_initializer="he_uniform", bias_initializer=I.Constant(0.3)
    )
    layer.build((128,))
    w, b = layer.get_weights()
    assert np.abs(w).max() <= math.sqrt(6 / 128) and w.std() > 0.8 * math.sqrt(2 / 128)
    assert np.all(b == np.float32(0.3))
    for name in (
        "lecun_uniform",
        "lecun_normal",
        "orthogonal",
        "truncated_normal",
        "LecunNormal",
        "TruncatedNormal",
    ):
        assert isinstance(I.get(name), I.Initializer)
    with pytest.raises(ValueError, match="Valid names"):
        I.get("xavier")


@pytest.mark.parametrize(
    "make",
    [
        lambda seed: I.GlorotUniform(seed=seed),
        lambda seed: I.HeNormal(seed=seed),
        lambda seed: I.RandomNormal(stddev=0.2, seed=seed),
        lambda seed: I.RandomUniform(seed=seed),
        lambda seed: I.TruncatedNormal(seed=seed),
        lambda seed: I.Orthogonal(seed=seed),
        lambda seed: I.VarianceScaling(2.0, "fan_out", "uniform", seed=seed),
    ],
)
def test_a_seeded_initializer_gives_the_same_values_on_every_call(make):
    """Keras's seed argument: a seeded initializer draws the same values on every call and in
    every layer it builds, whatever nerve's global generator does; another seed draws others,
    and the distribution is the unseeded one's (nerve's values, not Keras's)."""
    nerve.utils.set_random_seed(1)
    first = make(5)((40, 30))
    nerve.utils.set_random_seed(2)
    np.testing.assert_array_equal(make(5)((40, 30)), first)
    assert not np.array_equal(make(6)((40, 30)), first)

    def dense_kernel():
        model = nerve.Sequential(
            [nerve.Input((40,)), nerve.layers.Dense(30, kernel_initializer=make(5))]
        )
        return model.get_weights()[0]

    np.testing.assert_array_equal(dense_kernel(), dense_kernel())
    np.testing.assert_array_equal(dense_kernel(), first)  # the layer draws as the call does
    unseeded = type(make(None))
    assert (
        abs(
            first.std()
            - unseeded(
                **{
                    k: v
                    for k, v in make(5).get_config().items()
                    if k not in ("seed", "input_axes", "output_axes")
                }
            )((40, 30)).std()
        )
        < 0.25 * first.std()
    )
    assert make(5).get_config()["seed"] == 5


def test_a_seed_must_be_a_non_negative_int():
    for bad in (-1, 1.5, "3", True):
        with pytest.raises(ValueError, match="seed must be None or an int"):
            I.GlorotUniform(seed=bad)
