"""Optimizers: 20 steps on identical parameters and gradients against PyTorch's optimizer where
the update rule is the same (epsilon set to 0 where Keras and PyTorch place it differently), and
against a float64 numpy implementation of the Keras 3 formula otherwise (default epsilons, weight
decay, clipping, learning-rate schedules)."""

import math

import numpy as np
import pytest

import nerve
from nerve import _core
from nerve.optimizers import schedules

STEPS = 20
SHAPES = [(3, 4), (5,)]


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s) for s in SHAPES]
    grads = [[rng.standard_normal(s) * (1 + 2 * (k % 3)) for s in SHAPES] for k in range(STEPS)]
    return params, grads


def _run_nerve(opt, params, grads, steps=STEPS):
    arrays = [p.astype(np.float32).copy() for p in params]
    variables = [_core.Tensor(a, requires_grad=True) for a in arrays]
    for k in range(steps):
        opt.apply_gradients(zip([g.astype(np.float32) for g in grads[k]], variables))
    return [np.asarray(v, dtype=np.float64) for v in variables]


def _assert_close(got, want, rtol=2e-4, atol=2e-5):
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


# ---- PyTorch as the oracle --------------------------------------------------------------------


def _run_torch(make, params, grads):
    torch = pytest.importorskip("torch")
    tp = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    opt = make(torch, tp)
    for k in range(STEPS):
        for p, g in zip(tp, grads[k]):
            p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
    return [p.detach().numpy() for p in tp]


TORCH_CASES = {
    "sgd": (lambda: nerve.optimizers.SGD(0.05), lambda t, p: t.optim.SGD(p, lr=0.05)),
    "sgd_momentum": (
        lambda: nerve.optimizers.SGD(0.05, momentum=0.9),
        lambda t, p: t.optim.SGD(p, lr=0.05, momentum=0.9),
    ),
    "sgd_nesterov": (
        lambda: nerve.optimizers.SGD(0.05, momentum=0.8, nesterov=True),
        lambda t, p: t.optim.SGD(p, lr=0.05, momentum=0.8, nesterov=True),
    ),
    "adam": (
        lambda: nerve.optimizers.Adam(0.01, epsilon=0.0),
        lambda t, p: t.optim.Adam(p, lr=0.01, eps=0.0),
    ),
    "adam_amsgrad": (
        lambda: nerve.optimizers.Adam(0.01, beta_1=0.8, epsilon=0.0, amsgrad=True),
        lambda t, p: t.optim.Adam(p, lr=0.01, betas=(0.8, 0.999), eps=0.0, amsgrad=True),
    ),
    "adamw": (
        lambda: nerve.optimizers.AdamW(0.01, weight_decay=0.1, epsilon=0.0),
        lambda t, p: t.optim.AdamW(p, lr=0.01, weight_decay=0.1, eps=0.0),
    ),
    "rmsprop": (
        lambda: nerve.optimizers.RMSprop(0.01, rho=0.9, epsilon=0.0),
        lambda t, p: t.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=0.0),
    ),
    "rmsprop_momentum": (
        lambda: nerve.optimizers.RMSprop(0.01, momentum=0.5, epsilon=0.0),
        lambda t, p: t.optim.RMSprop(p, lr=0.01, alpha=0.9, momentum=0.5, eps=0.0),
    ),
    "rmsprop_centered": (
        lambda: nerve.optimizers.RMSprop(0.01, centered=True, epsilon=0.0),
        lambda t, p: t.optim.RMSprop(p, lr=0.01, alpha=0.9, centered=True, eps=0.0),
    ),
    "rmsprop_centered_momentum": (
        lambda: nerve.optimizers.RMSprop(0.01, momentum=0.7, centered=True, epsilon=0.0),
        lambda t, p: t.optim.RMSprop(p, lr=0.01, alpha=0.9, momentum=0.7, centered=True, eps=0.0),
    ),
    "adagrad": (
        lambda: nerve.optimizers.Adagrad(0.1, epsilon=0.0),
        lambda t, p: t.optim.Adagrad(p, lr=0.1, initial_accumulator_value=0.1, eps=0.0),
    ),
    "adadelta": (
        lambda: nerve.optimizers.Adadelta(1.0, rho=0.9, epsilon=1e-6),
        lambda t, p: t.optim.Adadelta(p, lr=1.0, rho=0.9, eps=1e-6),
    ),
    "adamax": (
        lambda: nerve.optimizers.Adamax(0.01, epsilon=0.0),
        lambda t, p: t.optim.Adamax(p, lr=0.01, eps=0.0),
    ),
    "nadam": (
        lambda: nerve.optimizers.Nadam(0.01, epsilon=0.0),
        lambda t, p: t.optim.NAdam(p, lr=0.01, eps=0.0, momentum_decay=1.0),
    ),
}


@pytest.mark.parametrize("case", sorted(TORCH_CASES))
def test_matches_pytorch(case):
    make_nerve, make_torch = TORCH_CASES[case]
    params, grads = _problem()
    want = _run_torch(make_torch, params, grads)
    got = _run_nerve(make_nerve(), params, grads)
    _assert_close(got, want)
    assert not np.allclose(got[0], params[0])  # the parameters moved


# ---- the Keras formulas in float64 numpy --------------------------------------------------------


def _keras_reference(name, cfg, params, grads, lr_at=None, steps=STEPS):
    """Runs the Keras 3 update rule (clipping, weight decay, then the optimizer's step)."""
    p = [x.astype(np.float64).copy() for x in params]
    state = [{} for _ in p]
    u_product = 1.0
    for k in range(steps):
        t = k + 1
        lr = cfg["lr"] if lr_at is None else lr_at(k)
        g = [x.astype(np.float32).astype(np.float64) for x in grads[k]]
        if cfg.get("clipnorm"):
            c = cfg["clipnorm"]
            g = [x * c / max(np.linalg.norm(x), c) for x in g]
        elif cfg.get("global_clipnorm"):
            c = cfg["global_clipnorm"]
            norm = math.sqrt(sum(float(np.sum(x * x)) for x in g))
            g = [x * c / max(norm, c) for x in g]
        elif cfg.get("clipvalue"):
            g = [np.clip(x, -cfg["clipvalue"], cfg["clipvalue"]) for x in g]
        wd = cfg.get("weight_decay") or 0.0
        if name == "nadam":
            u_product *= cfg.get("beta_1", 0.9) * (1 - 0.5 * 0.96**t)
        for i in range(len(p)):
            if wd:
                p[i] -= p[i] * wd * lr
            p[i] = _keras_update(name, cfg, p[i], g[i], state[i], t, lr, u_product)
    return p


def _keras_update(name, cfg, p, g, s, t, lr, u_product):
    z = np.zeros_like(p)
    eps = cfg.get("epsilon", 1e-7)
    if name == "sgd":
        mu = cfg.get("momentum", 0.0)
        if mu == 0:
            return p - lr * g
        m = s["m"] = mu * s.get("m", z) - lr * g
        return p + (mu * m - lr * g if cfg.get("nesterov") else m)
    if name in ("adam", "adamw"):
        b1, b2 = cfg.get("beta_1", 0.9), cfg.get("beta_2", 0.999)
        m = s["m"] = s.get("m", z) + (g - s.get("m", z)) * (1 - b1)
        v = s["v"] = s.get("v", z) + (g * g - s.get("v", z)) * (1 - b2)
        if cfg.get("amsgrad"):
            v = s["vmax"] = np.maximum(s.get("vmax", z), v)
        lr_t = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        return p - lr_t * m / (np.sqrt(v) + eps)
    if name == "rmsprop":
        rho, mu = cfg.get("rho", 0.9), cfg.get("momentum", 0.0)
        v = s["v"] = rho * s.get("v", z) + (1 - rho) * g * g
        if cfg.get("centered"):
            a = s["a"] = rho * s.get("a", z) + (1 - rho) * g
            d = v - a * a + eps
        else:
            d = v + eps
        inc = lr * g / np.sqrt(d)
        if mu > 0:
            m = s["m"] = mu * s.get("m", z) + inc
            return p - m
        return p - inc
    if name == "adagrad":
        acc = s["acc"] = s.get("acc", z + cfg.get("initial_accumulator_value", 0.1)) + g * g
        return p - lr * g / np.sqrt(acc + eps)
    if name == "adadelta":
        rho = cfg.get("rho", 0.95)
        ag = s["ag"] = rho * s.get("ag", z) + (1 - rho) * g * g
        d = -np.sqrt(s.get("ad", z) + eps) / np.sqrt(ag + eps) * g
        s["ad"] = rho * s.get("ad", z) + (1 - rho) * d * d
        return p + lr * d
    if name == "adamax":
        b1, b2 = cfg.get("beta_1", 0.9), cfg.get("beta_2", 0.999)
        m = s["m"] = s.get("m", z) + (g - s.get("m", z)) * (1 - b1)
        u = s["u"] = np.maximum(b2 * s.get("u", z), np.abs(g))
        return p - lr / (1 - b1**t) * m / (u + eps)
    if name == "nadam":
        b1, b2 = cfg.get("beta_1", 0.9), cfg.get("beta_2", 0.999)
        u_t = b1 * (1 - 0.5 * 0.96**t)
        u_next = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        m = s["m"] = s.get("m", z) + (g - s.get("m", z)) * (1 - b1)
        v = s["v"] = s.get("v", z) + (g * g - s.get("v", z)) * (1 - b2)
        m_hat = u_next * m / (1 - u_product * u_next) + (1 - u_t) * g / (1 - u_product)
        v_hat = v / (1 - b2**t)
        return p - lr * m_hat / (np.sqrt(v_hat) + eps)
    raise AssertionError(name)


_CLASSES = {
    "sgd": nerve.optimizers.SGD,
    "adam": nerve.optimizers.Adam,
    "adamw": nerve.optimizers.AdamW,
    "rmsprop": nerve.optimizers.RMSprop,
    "adagrad": nerve.optimizers.Adagrad,
    "adadelta": nerve.optimizers.Adadelta,
    "adamax": nerve.optimizers.Adamax,
    "nadam": nerve.optimizers.Nadam,
}
_LR = {
    "sgd": 0.05,
    "adam": 0.01,
    "adamw": 0.01,
    "rmsprop": 0.01,
    "adagrad": 0.1,
    "adadelta": 1.0,
    "adamax": 0.01,
    "nadam": 0.01,
}


def _make(name, cfg, learning_rate=None):
    kwargs = {k: v for k, v in cfg.items() if k != "lr"}
    return _CLASSES[name](
        learning_rate=cfg["lr"] if learning_rate is None else learning_rate, **kwargs
    )


# Each optimizer with its Keras defaults (epsilon 1e-7 in the Keras place), with weight decay,
# and with each kind of clipping.
KERAS_CASES = []
for _name in _CLASSES:
    _base = {"lr": _LR[_name]}
    if _name == "adamw":
        _base["weight_decay"] = 0.05
    KERAS_CASES += [
        (_name, "defaults", _base),
        (_name, "weight_decay", {**_base, "weight_decay": 0.1}),
        (_name, "clipnorm", {**_base, "clipnorm": 1.5}),
        (_name, "global_clipnorm", {**_base, "global_clipnorm": 2.0}),
        (_name, "clipvalue", {**_base, "clipvalue": 0.5}),
    ]
KERAS_CASES += [
    ("sgd", "momentum_wd", {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01}),
    ("sgd", "nesterov_clip", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "clipnorm": 1.0}),
    ("adam", "amsgrad", {"lr": 0.01, "amsgrad": True, "beta_1": 0.7}),
    ("rmsprop", "centered_momentum", {"lr": 0.01, "centered": True, "momentum": 0.6}),
    ("adagrad", "accumulator", {"lr": 0.1, "initial_accumulator_value": 0.5, "epsilon": 1e-3}),
]


@pytest.mark.parametrize("name,label,cfg", KERAS_CASES, ids=[f"{n}-{l}" for n, l, _ in KERAS_CASES])
def test_matches_keras_formula(name, label, cfg):
    params, grads = _problem(1)
    want = _keras_reference(name, cfg, params, grads)
    got = _run_nerve(_make(name, cfg), params, grads)
    _assert_close(got, want)


def test_clipping_changes_the_result_and_leaves_gradients_alone():
    params, grads = _problem(2)
    g0 = [g.astype(np.float32) for g in grads[0]]
    keep = [g.copy() for g in g0]
    variables = [_core.Tensor(p.astype(np.float32).copy(), requires_grad=True) for p in params]
    nerve.optimizers.SGD(0.1, clipnorm=0.1).apply_gradients(zip(g0, variables))
    for g, k in zip(g0, keep):
        np.testing.assert_array_equal(g, k)  # the caller's gradient memory is not clipped in place
    plain = _run_nerve(nerve.optimizers.SGD(0.1), params, grads, steps=1)
    clipped = [np.asarray(v, dtype=np.float64) for v in variables]
    assert not np.allclose(plain[0], clipped[0])
    # each tensor's step has norm lr * clipnorm
    for c, p in zip(clipped, params):
        assert np.linalg.norm(c - p) == pytest.approx(0.1 * 0.1, rel=1e-4)


def test_only_one_clipping_option():
    with pytest.raises(ValueError, match="only one of clipnorm"):
        nerve.optimizers.Adam(clipnorm=1.0, clipvalue=0.5)
    # as Keras: two arguments given is refused even when one of them is 0 (off)
    with pytest.raises(ValueError, match="only one of clipnorm"):
        nerve.optimizers.SGD(clipnorm=0.0, clipvalue=0.5)
    with pytest.raises(ValueError, match="clipnorm"):
        nerve.optimizers.SGD(clipnorm=-1.0)


# ---- learning-rate schedules --------------------------------------------------------------------


def _exp(step, initial=0.1, decay_steps=5, rate=0.5, staircase=False):
    p = step / decay_steps
    return initial * rate ** (math.floor(p) if staircase else p)


def _piecewise(step, boundaries=(3, 8), values=(0.1, 0.05, 0.01)):
    for b, v in zip(boundaries, values):
        if step <= b:
            return v
    return values[-1]


def _cosine(step, initial=0.1, decay_steps=10, alpha=0.1, warmup_target=None, warmup_steps=0):
    if warmup_target is None:
        s = min(step, decay_steps)
        return initial * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * s / decay_steps)) + alpha)
    s = min(step, decay_steps + warmup_steps)
    if s < warmup_steps:
        return (warmup_target - initial) * s / warmup_steps + initial
    s -= warmup_steps
    return warmup_target * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * s / decay_steps)) + alpha)


SCHEDULES = {
    "exponential": (lambda: schedules.ExponentialDecay(0.1, 5, 0.5), _exp),
    "exponential_staircase": (
        lambda: schedules.ExponentialDecay(0.1, 5, 0.5, staircase=True),
        lambda s: _exp(s, staircase=True),
    ),
    "piecewise": (lambda: schedules.PiecewiseConstantDecay([3, 8], [0.1, 0.05, 0.01]), _piecewise),
    "cosine": (lambda: schedules.CosineDecay(0.1, 10, alpha=0.1), _cosine),
    "cosine_warmup": (
        lambda: schedules.CosineDecay(0.0, 10, alpha=0.1, warmup_target=0.2, warmup_steps=5),
        lambda s: _cosine(s, 0.0, 10, 0.1, 0.2, 5),
    ),
}


@pytest.mark.parametrize("case", sorted(SCHEDULES))
def test_schedule_values(case):
    make, formula = SCHEDULES[case]
    sched = make()
    for step in range(25):
        assert sched(step) == pytest.approx(formula(step), rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("case", sorted(SCHEDULES))
def test_schedule_is_applied_every_step(case):
    make, formula = SCHEDULES[case]
    params, grads = _problem(3)
    cfg = {"lr": 0.0, "momentum": 0.9}
    want = _keras_reference("sgd", cfg, params, grads, lr_at=formula)
    opt = nerve.optimizers.SGD(make(), momentum=0.9)
    got = _run_nerve(opt, params, grads)
    _assert_close(got, want)
    assert opt.learning_rate == pytest.approx(formula(STEPS), rel=1e-6, abs=1e-9)


def test_any_callable_schedule():
    params, grads = _problem(4)
    formula = lambda step: 0.1 / (1 + step)  # noqa: E731

    class InverseTime(schedules.LearningRateSchedule):
        def __call__(self, step):
            return formula(step)

    want = _keras_reference("adam", {"lr": 0.0}, params, grads, lr_at=formula)
    for lr in (InverseTime(), formula):
        got = _run_nerve(nerve.optimizers.Adam(lr), params, grads)
        _assert_close(got, want)
    # Keras's zero-argument callable
    got = _run_nerve(nerve.optimizers.Adam(lambda: 0.02), params, grads)
    _assert_close(got, _keras_reference("adam", {"lr": 0.02}, params, grads))


def test_callable_schedule_applies_per_step_inside_fit():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    seen = []

    def lr(step):
        seen.append(step)
        return 0.01

    model = nerve.Sequential([nerve.Input((3,)), nerve.layers.Dense(1)])
    model.compile(optimizer=nerve.optimizers.SGD(lr), loss="mse")
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert model.optimizer.iterations == 16
    assert set(range(16)) <= set(seen)  # evaluated for every one of the 16 steps


def test_learning_rate_not_settable_with_a_schedule():
    opt = nerve.optimizers.SGD(schedules.ExponentialDecay(0.1, 10, 0.9))
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.5
    opt2 = nerve.optimizers.SGD(0.1)
    opt2.learning_rate = 0.5
    assert opt2.learning_rate == pytest.approx(0.5)


def test_schedule_validation():
    with pytest.raises(ValueError, match="one more element"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1])
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.CosineDecay(0.1, -3)


def test_get_by_name():
    for name, cls in [
        ("sgd", "SGD"),
        ("Adam", "Adam"),
        ("adamw", "AdamW"),
        ("rmsprop", "RMSprop"),
        ("adagrad", "Adagrad"),
        ("adadelta", "Adadelta"),
        ("adamax", "Adamax"),
        ("nadam", "Nadam"),
    ]:
        assert type(nerve.optimizers.get(name)).__name__ == cls
    with pytest.raises(ValueError, match="Valid names"):
        nerve.optimizers.get("adamm")


def test_gradient_shape_mismatch_is_an_error():
    v = _core.Tensor(np.zeros((2, 2), np.float32), requires_grad=True)
    with pytest.raises(ValueError, match="gradient of shape"):
        nerve.optimizers.Adam().apply_gradients([(np.zeros(3, np.float32), v)])
