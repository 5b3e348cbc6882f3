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
