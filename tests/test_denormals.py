"""nerve's kernels compute with denormal floats flushed to zero (FTZ and DAZ; nerve/denormals.h):
on every thread nerve computes on, while the caller's own thread keeps IEEE denormals for numpy.
Checked by the numbers themselves: a denormal input reads as zero, a product that would be
denormal comes out zero, and Adam's decaying moments end at zero instead of lingering as
denormals (the slow path that made long runs 13x slower)."""

import platform

import numpy as np
import pytest

import nerve
from nerve import ops

pytestmark = pytest.mark.skipif(
    platform.machine().lower() not in ("x86_64", "amd64"),
    reason="FTZ/DAZ is switched only on x86-64",
)

DENORMAL = np.float32(1e-39)  # below float32's smallest normal, 1.18e-38
TINY = np.finfo(np.float32).tiny


@pytest.fixture
def flush(request):
    """Run the test with flushing set to request.param, then restore it."""
    before = nerve.flush_denormals()
    nerve.set_flush_denormals(request.param)
    yield request.param
    nerve.set_flush_denormals(before)


def _is_denormal(a):
    a = np.abs(np.asarray(a, np.float32))
    return (a > 0) & (a < TINY)


def test_on_by_default_and_in_config():
    assert nerve.flush_denormals() is True
    assert nerve.config()["flush_denormals"] is True
    with pytest.raises(ValueError, match="on must be True or False"):
        nerve.set_flush_denormals(1)


@pytest.mark.parametrize("flush", [True, False], indirect=True)
@pytest.mark.parametrize("n", [4, 1 << 20])  # one thread, and split over the workers
def test_denormal_inputs_and_results(flush, n):
    x = nerve.Tensor(np.full(n, DENORMAL, np.float32))
    zeros = nerve.Tensor(np.zeros(n, np.float32))
    small = nerve.Tensor(np.full(n, 1e-20, np.float32))
    read = ops.add(x, zeros).numpy()  # DAZ: a denormal input reads as 0
    made = ops.mul(small, small).numpy()  # FTZ: 1e-40 comes out as 0
    if flush:
        assert not read.any() and not made.any()
    else:
        assert _is_denormal(read).all() and _is_denormal(made).all()


def test_the_callers_thread_keeps_ieee_denormals():
    x = nerve.Tensor(np.full(1 << 16, DENORMAL, np.float32))
    ops.add(x, x)
    nerve.Sequential([nerve.layers.Input((3,)), nerve.layers.Dense(2)]).predict(
        np.ones((4, 3), np.float32), verbose=0
    )
    # numpy on this thread after nerve ran: still gradual underflow
    assert np.float32(1e-20) * np.float32(1e-20) != 0
    assert _is_denormal(np.float32(1e-20) * np.float32(1e-20))


@pytest.mark.parametrize("flush", [True, False], indirect=True)
def test_adam_moments_decay_to_zero_not_to_denormals(flush):
    # One step with a gradient, then steps whose kernel gradient is exactly zero (zero inputs, no
    # bias): Adam's first moment halves each step (beta_1=0.5) through the denormal range. Without
    # flushing some moments sit there (every later step pays for them); with it they are 0.
    nerve.utils.set_random_seed(0)
    model = nerve.Sequential([nerve.layers.Input((64,)), nerve.layers.Dense(8, use_bias=False)])
    model.compile(nerve.optimizers.Adam(1e-3, beta_1=0.5), "mse")
    x = np.logspace(-6, 0, 64, dtype=np.float32)[None, :]  # moments over six decades
    model.train_on_batch(x, np.ones((1, 8), np.float32))
    zeros = np.zeros((1, 64), np.float32)
    target = model.predict(zeros, verbose=0)
    for _ in range(125):
        model.train_on_batch(zeros, target)
    kernel = model.layers[-1].weights[0]
    m = model.optimizer._core.slots(kernel)[0].numpy()
    if flush:
        assert not _is_denormal(m).any()
    else:
        assert _is_denormal(m).any()
