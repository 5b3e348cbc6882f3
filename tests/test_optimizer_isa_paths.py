"""The optimizer updates are compiled once per ISA (cpp/kernels/cpu/optim/update_loops_*.cpp)
and round every operation as the generic path does: each rule, with weight decay and each kind
of clipping, gives the same bits on every path this CPU can run, for sizes that end in every
vector remainder and one large enough to be split between threads; and each path agrees
with a float64 Adam (the formula) to float32 rounding."""

import numpy as np
import pytest

import nerve
from nerve import _core

from helpers import switched

USABLE = [isa for isa in ("generic", "avx2", "avx512") if isa in _core.config()["usable_isas"]]
SIZES = [1, 7, 15, 16, 17, 33, 100, 70_001]  # 70,001: over the 2 x 32,768 split between threads

OPTIMIZERS = {
    "sgd": lambda: nerve.optimizers.SGD(0.05),
    "sgd_momentum": lambda: nerve.optimizers.SGD(0.05, momentum=0.9),
    "sgd_nesterov": lambda: nerve.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "adam": lambda: nerve.optimizers.Adam(1e-2),
    "adam_amsgrad_decay_global_clip": lambda: nerve.optimizers.Adam(
        1e-2, amsgrad=True, weight_decay=0.05, global_clipnorm=0.5
    ),
    "adamw_clipnorm": lambda: nerve.optimizers.AdamW(1e-2, clipnorm=0.3),
    "rmsprop": lambda: nerve.optimizers.RMSprop(1e-2),
    "rmsprop_centered_momentum_clipvalue": lambda: nerve.optimizers.RMSprop(
        1e-2, centered=True, momentum=0.9, clipvalue=0.2
    ),
    "rmsprop_momentum": lambda: nerve.optimizers.RMSprop(1e-2, momentum=0.5),
    "adagrad": lambda: nerve.optimizers.Adagrad(1e-1),
    "adadelta": lambda: nerve.optimizers.Adadelta(1.0),
    "adamax": lambda: nerve.optimizers.Adamax(1e-2),
    "nadam": lambda: nerve.optimizers.Nadam(1e-2),
    "lion_decay": lambda: nerve.optimizers.Lion(1e-2, weight_decay=0.1),
    "ftrl_every_argument": lambda: nerve.optimizers.Ftrl(
        0.1, -0.7, 0.3, 0.01, 0.02, 0.03, 0.1, weight_decay=0.05
    ),
    "lamb_decay_clipnorm": lambda: nerve.optimizers.Lamb(1e-2, weight_decay=0.1, clipnorm=0.5),
}


def run(make, isa, steps=4):
    """The variables after `steps` updates with fixed gradients on the `isa` path."""
    rng = np.random.default_rng(7)
    w0 = [rng.normal(size=n).astype(np.float32) for n in SIZES]
    grads = [[rng.normal(size=n).astype(np.float32) for n in SIZES] for _ in range(steps)]
    with switched(_core.active_isa, _core.set_isa, isa):
        variables = [nerve.Tensor(w.copy(), requires_grad=True) for w in w0]
        opt = make()
        for g in grads:
            opt.apply_gradients(zip(g, variables))
        return [np.array(v) for v in variables]


@pytest.mark.skipif(len(USABLE) < 2, reason=f"one ISA path on this CPU/build: {USABLE}")
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_isa_path_updates_the_same_bits(name):
    reference = run(OPTIMIZERS[name], "generic")
    for isa in USABLE[1:]:
        got = run(OPTIMIZERS[name], isa)
        for n, a, b in zip(SIZES, reference, got):
            assert np.array_equal(a.view(np.uint32), b.view(np.uint32)), (
                f"{name}: {isa} differs from generic at size {n} "
                f"(max |diff| {np.max(np.abs(a - b))})"
            )
        # and the update did something
        assert not np.array_equal(got[-1], run(lambda: nerve.optimizers.SGD(0.0), isa)[-1])


@pytest.mark.parametrize("isa", USABLE)
def test_adam_on_each_path_matches_the_formula(isa):
    rng = np.random.default_rng(3)
    w0 = rng.normal(size=70_001).astype(np.float32)
    grads = [rng.normal(size=70_001).astype(np.float32) for _ in range(5)]
    lr, b1, b2, eps = 1e-2, 0.9, 0.999, 1e-7
    w, m, v = w0.astype(np.float64), 0.0, 0.0
    for t, g in enumerate(grads, start=1):
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        w = w - lr * np.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
    with switched(_core.active_isa, _core.set_isa, isa):
        var = nerve.Tensor(w0.copy(), requires_grad=True)
        opt = nerve.optimizers.Adam(lr, b1, b2, eps)
        for g in grads:
            opt.apply_gradients([(g, var)])
    np.testing.assert_allclose(np.array(var), w, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("isa", USABLE)
def test_global_clipnorm_on_each_path_matches_float64(isa):
    """sum_squares (the norm of global_clipnorm and clipnorm) in its per-ISA loop: the clipped
    SGD step equals float64's, for sizes with every remainder of its 16 partial sums."""
    rng = np.random.default_rng(5)
    w0 = [rng.normal(size=n).astype(np.float32) for n in SIZES]
    g = [rng.normal(size=n).astype(np.float32) for n in SIZES]
    norm = np.sqrt(sum(float(np.sum(x.astype(np.float64) ** 2)) for x in g))
    scale = 1.0 / norm
    with switched(_core.active_isa, _core.set_isa, isa):
        variables = [nerve.Tensor(w.copy(), requires_grad=True) for w in w0]
        nerve.optimizers.SGD(1.0, global_clipnorm=1.0).apply_gradients(zip(g, variables))
    for w, gi, v in zip(w0, g, variables):
        np.testing.assert_allclose(np.array(v), w - gi * scale, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("isa", USABLE)
def test_lamb_trust_ratio_is_per_weight_and_one_at_zero(isa):
    """Lamb scales each weight's Adam direction by |w| / |u| of that weight alone; a weight of
    zeros (|w| = 0) takes the plain direction (ratio 1), as Keras's where() gives."""
    rng = np.random.default_rng(9)
    w0 = [rng.normal(size=40).astype(np.float32) * 3, np.zeros(17, np.float32)]
    g = [rng.normal(size=40).astype(np.float32), rng.normal(size=17).astype(np.float32)]
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-7
    with switched(_core.active_isa, _core.set_isa, isa):
        variables = [nerve.Tensor(w.copy(), requires_grad=True) for w in w0]
        nerve.optimizers.Lamb(lr, b1, b2, eps).apply_gradients(zip(g, variables))
    for w, gi, v in zip(w0, g, variables):
        m, vv = (1 - b1) * gi.astype(np.float64), (1 - b2) * gi.astype(np.float64) ** 2
        u = (m / (1 - b1)) / (np.sqrt(vv / (1 - b2)) + eps)
        wn, un = np.linalg.norm(w), np.linalg.norm(u)
        ratio = wn / un if wn > 0 and un > 0 else 1.0
        np.testing.assert_allclose(np.array(v), w - lr * ratio * u, rtol=1e-5, atol=1e-6)
