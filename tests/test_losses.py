"""Losses: values against float64 numpy (Keras formulas), gradients against finite differences of
those references, label smoothing, from_logits, sample weights, and PyTorch where it has the loss."""

import numpy as np
import pytest

import nerve
from nerve import _core

EPS = 1e-7


# ---- float64 references (per-row losses, Keras 3) -----------------------------------------------


def _rows(p, t):
    return p.reshape(-1, p.shape[-1]), t.reshape(-1, t.shape[-1])


def ref_mse(p, t):
    return np.mean((p - t) ** 2, axis=-1)


def ref_mae(p, t):
    return np.mean(np.abs(p - t), axis=-1)


def ref_huber(p, t, delta=1.0):
    e = np.abs(p - t)
    return np.mean(np.where(e <= delta, 0.5 * e**2, delta * e - 0.5 * delta**2), axis=-1)


def ref_bce(p, t, from_logits=False, ls=0.0):
    t = t * (1 - ls) + 0.5 * ls
    if from_logits:
        v = np.maximum(p, 0) - p * t + np.log1p(np.exp(-np.abs(p)))
    else:
        q = np.clip(p, EPS, 1 - EPS)
        v = -(t * np.log(q) + (1 - t) * np.log(1 - q))
    return np.mean(v, axis=-1)


def ref_cce(p, t, from_logits=False, ls=0.0):
    c = p.shape[-1]
    t = t * (1 - ls) + ls / c
    if from_logits:
        m = p.max(-1, keepdims=True)
        logq = p - m - np.log(np.exp(p - m).sum(-1, keepdims=True))
    else:
        logq = np.log(np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS))
    return -np.sum(t * logq, axis=-1)


def ref_sparse(p, labels, from_logits=False):
    onehot = np.eye(p.shape[-1])[labels.astype(int)]
    return ref_cce(p, onehot, from_logits)


def ref_kld(p, t):
    t = np.clip(t, EPS, 1)
    p = np.clip(p, EPS, 1)
    return np.sum(t * np.log(t / p), axis=-1)


def _reduce(per_row, batch, w=None):
    per_row = per_row.reshape(batch, -1)
    if w is not None:
        per_row = per_row * np.asarray(w, np.float64).reshape(batch, 1)
    return per_row.sum() / per_row.size


def _nerve_loss(name, p, t, w=None, **kw):
    pred = _core.Tensor(np.ascontiguousarray(p, np.float32), requires_grad=True)
    target = _core.Tensor(np.ascontiguousarray(t, np.float32))
    wt = None if w is None else _core.Tensor(np.asarray(w, np.float32))
    out = _core.ops.loss(
        name,
        pred,
        target,
        kw.get("from_logits", False),
        kw.get("label_smoothing", 0.0),
        kw.get("delta", 1.0),
        wt,
    )
    out.backward()
    return out.item(), np.array(pred.grad, dtype=np.float64)


def _numeric_grad(f, p, h=1e-6):
    g = np.zeros_like(p)
    it = np.nditer(p, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        a, b = p.copy(), p.copy()
        a[i] += h
        b[i] -= h
        g[i] = (f(a) - f(b)) / (2 * h)
    return g


rng = np.random.default_rng(0)
B, C = 6, 4
REG_P = rng.standard_normal((B, C))
REG_T = rng.standard_normal((B, C))
PROBS = rng.uniform(0.05, 0.95, (B, C))
BIN_T = (rng.uniform(size=(B, C)) > 0.5).astype(np.float64)
LOGITS = rng.standard_normal((B, C)) * 2
SOFT_T = rng.dirichlet(np.ones(C), size=B)
SOFTMAX = np.exp(LOGITS) / np.exp(LOGITS).sum(-1, keepdims=True)
LABELS = rng.integers(0, C, B).astype(np.float64)
WEIGHTS = rng.uniform(0.0, 2.0, B)

CASES = {
    "mse": ("mean_squared_error", REG_P, REG_T, {}, ref_mse),
    "mae": ("mean_absolute_error", REG_P, REG_T, {}, ref_mae),
    "huber": ("huber", REG_P, REG_T, {}, ref_huber),
    "huber_delta": ("huber", REG_P, REG_T, {"delta": 0.4}, lambda p, t: ref_huber(p, t, 0.4)),
    "bce": ("binary_crossentropy", PROBS, BIN_T, {}, ref_bce),
    "bce_smooth": (
        "binary_crossentropy",
        PROBS,
        BIN_T,
        {"label_smoothing": 0.2},
        lambda p, t: ref_bce(p, t, ls=0.2),
    ),
    "bce_logits": (
        "binary_crossentropy",
        LOGITS,
        BIN_T,
        {"from_logits": True},
        lambda p, t: ref_bce(p, t, True),
    ),
    "bce_logits_smooth": (
        "binary_crossentropy",
        LOGITS,
        BIN_T,
        {"from_logits": True, "label_smoothing": 0.1},
        lambda p, t: ref_bce(p, t, True, 0.1),
    ),
    "cce": ("categorical_crossentropy", SOFTMAX, SOFT_T, {}, ref_cce),
    "cce_smooth": (
        "categorical_crossentropy",
        SOFTMAX,
        np.eye(C)[LABELS.astype(int)],
        {"label_smoothing": 0.3},
        lambda p, t: ref_cce(p, t, ls=0.3),
    ),
    "cce_logits": (
        "categorical_crossentropy",
        LOGITS,
        SOFT_T,
        {"from_logits": True},
        lambda p, t: ref_cce(p, t, True),
    ),
    "cce_logits_smooth": (
        "categorical_crossentropy",
        LOGITS,
        np.eye(C)[LABELS.astype(int)],
        {"from_logits": True, "label_smoothing": 0.2},
        lambda p, t: ref_cce(p, t, True, 0.2),
    ),
    "sparse": ("sparse_categorical_crossentropy", SOFTMAX, LABELS, {}, ref_sparse),
    "sparse_logits": (
        "sparse_categorical_crossentropy",
        LOGITS,
        LABELS,
        {"from_logits": True},
        lambda p, t: ref_sparse(p, t, True),
    ),
    "kld": ("kl_divergence", SOFTMAX, SOFT_T, {}, ref_kld),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("weighted", [False, True])
def test_value_and_gradient(case, weighted):
    name, p, t, kw, ref = CASES[case]
    p32 = p.astype(np.float32).astype(np.float64)
    w = WEIGHTS if weighted else None
    value, grad = _nerve_loss(name, p32, t, w, **kw)
    f = lambda q: _reduce(ref(q, t), B, w)  # noqa: E731
    assert value == pytest.approx(f(p32), rel=1e-5, abs=1e-6)
    np.testing.assert_allclose(grad, _numeric_grad(f, p32), rtol=2e-3, atol=2e-6)


def test_sample_weight_is_sum_over_batch_size():
    w = np.array([1.0, 0.0, 2.0, 0.5, 1.0, 3.0])
    weighted, _ = _nerve_loss("mse", REG_P, REG_T, w)
    per_sample = ref_mse(REG_P.astype(np.float32).astype(np.float64), REG_T)
    assert weighted == pytest.approx(np.sum(w * per_sample) / B, rel=1e-5)
    zero, g = _nerve_loss("mse", REG_P, REG_T, np.zeros(B))
    assert zero == 0.0 and not g.any()


def test_multi_axis_outputs_weight_each_sample():
    p = rng.standard_normal((3, 5, 2))
    t = rng.standard_normal((3, 5, 2))
    w = np.array([0.5, 1.0, 2.0])
    value, _ = _nerve_loss("mse", p, t, w)
    want = _reduce(ref_mse(p.astype(np.float32).astype(np.float64), t), 3, w)
    assert value == pytest.approx(want, rel=1e-5)


def test_loss_classes_and_strings():
    y_true, y_pred = BIN_T.astype(np.float32), PROBS.astype(np.float32)
    assert nerve.losses.BinaryCrossentropy(label_smoothing=0.2)(y_true, y_pred) == pytest.approx(
        _reduce(ref_bce(y_pred.astype(np.float64), y_true, ls=0.2), B), rel=1e-5
    )
    assert nerve.losses.Huber(0.5)(REG_T, REG_P) == pytest.approx(
        _reduce(ref_huber(REG_P.astype(np.float32), REG_T, 0.5), B), rel=1e-5
    )
    assert nerve.losses.KLDivergence()(SOFT_T, SOFTMAX, sample_weight=WEIGHTS) == pytest.approx(
        _reduce(ref_kld(SOFTMAX.astype(np.float32), SOFT_T), B, WEIGHTS), rel=1e-5
    )
    for name in (
        "mse",
        "mae",
        "huber",
        "binary_crossentropy",
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
        "kl_divergence",
        "kld",
        "Huber",
        "KLDivergence",
    ):
        assert isinstance(nerve.losses.get(name), nerve.losses.Loss)
    assert isinstance(
        nerve.losses.get(nerve.losses.mean_squared_error), nerve.losses.MeanSquaredError
    )
    with pytest.raises(ValueError, match="Valid names"):
        nerve.losses.get("hinge2")


def test_softmax_and_sigmoid_outputs_use_their_logits():
    """Cross-entropy after softmax/sigmoid equals the from_logits loss, even for huge logits."""
    z = _core.Tensor((LOGITS * 40).astype(np.float32), requires_grad=True)
    probs = _core.ops.softmax(z)
    y = np.eye(C, dtype=np.float32)[LABELS.astype(int)]
    v = _core.ops.loss("categorical_crossentropy", probs, _core.Tensor(y), False, 0.1)
    assert np.isfinite(v.item())
    assert v.item() == pytest.approx(
        _reduce(ref_cce((LOGITS * 40).astype(np.float32), y, True, 0.1), B), rel=1e-5
    )
    s = _core.ops.activation(z, "sigmoid")
    v2 = _core.ops.loss("binary_crossentropy", s, _core.Tensor(BIN_T.astype(np.float32)))
    assert v2.item() == pytest.approx(
        _reduce(ref_bce((LOGITS * 40).astype(np.float32), BIN_T, True), B), rel=1e-5
    )


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    tt = lambda a: torch.tensor(np.asarray(a, np.float32), dtype=torch.float64)  # noqa: E731
    p32 = lambda a: a.astype(np.float32)  # noqa: E731
    assert _nerve_loss("huber", REG_P, REG_T, delta=0.7)[0] == pytest.approx(
        F.huber_loss(tt(REG_P), tt(REG_T), delta=0.7).item(), rel=1e-5
    )
    assert _nerve_loss("binary_crossentropy", LOGITS, BIN_T, from_logits=True)[0] == pytest.approx(
        F.binary_cross_entropy_with_logits(tt(LOGITS), tt(BIN_T)).item(), rel=1e-5
    )
    assert _nerve_loss("sparse_categorical_crossentropy", LOGITS, LABELS, from_logits=True)[
        0
    ] == pytest.approx(
        F.cross_entropy(tt(LOGITS), torch.tensor(LABELS.astype(int))).item(), rel=1e-5
    )
    onehot = np.eye(C)[LABELS.astype(int)]
    assert _nerve_loss(
        "categorical_crossentropy", LOGITS, onehot, from_logits=True, label_smoothing=0.25
    )[0] == pytest.approx(
        F.cross_entropy(tt(LOGITS), torch.tensor(LABELS.astype(int)), label_smoothing=0.25).item(),
        rel=1e-5,
    )
    # PyTorch's kl_div takes log-probabilities and sums; Keras averages the row sums.
    kl = F.kl_div(torch.log(tt(p32(SOFTMAX))), tt(SOFT_T), reduction="sum").item() / B
    assert _nerve_loss("kl_divergence", SOFTMAX, SOFT_T)[0] == pytest.approx(kl, rel=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="label_smoothing"):
        nerve.losses.BinaryCrossentropy(label_smoothing=1.5)
    with pytest.raises(ValueError, match="delta"):
        nerve.losses.Huber(delta=0)
    with pytest.raises(ValueError, match="label_smoothing applies only"):
        _core.Loss("mse", False, 0.1, 1.0)
    with pytest.raises(ValueError, match="sample_weight of shape"):
        _nerve_loss("mse", REG_P, REG_T, np.ones(B + 1))
    with pytest.raises(ValueError, match="label"):
        _nerve_loss("sparse_categorical_crossentropy", SOFTMAX, LABELS + 0.5)
    with pytest.raises(ValueError, match="do not match"):
        _nerve_loss("mse", REG_P, REG_T[:, :2])


def test_fit_with_new_losses_trains():
    nerve.utils.set_random_seed(3)
    x = rng.standard_normal((128, 4)).astype(np.float32)
    y = x @ rng.standard_normal((4, 2)).astype(np.float32)
    model = nerve.Sequential([nerve.Input((4,)), nerve.layers.Dense(2)])
    model.compile(optimizer=nerve.optimizers.Adam(0.05), loss=nerve.losses.Huber(0.5))
    hist = model.fit(x, y, epochs=15, verbose=0)
    assert hist.history["loss"][-1] < 0.25 * hist.history["loss"][0]
