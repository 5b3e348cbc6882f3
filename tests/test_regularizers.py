"""Regularizers: the penalty enters the loss and the gradient (a training step compared with a
manual numpy computation), the penalty op against finite differences, and the Python API."""

import numpy as np
import pytest

import nerve
from nerve import _core

rng = np.random.default_rng(0)
B, IN, OUT = 8, 4, 3
X = rng.standard_normal((B, IN)).astype(np.float32)
Y = rng.standard_normal((B, OUT)).astype(np.float32)
W0 = rng.standard_normal((IN, OUT)).astype(np.float32)
B0 = rng.standard_normal(OUT).astype(np.float32)
LR = 0.1


def _model(**reg):
    model = nerve.Sequential([nerve.Input((IN,)), nerve.layers.Dense(OUT, **reg)])
    model.compile(optimizer=nerve.optimizers.SGD(LR), loss="mse")
    model.set_weights([W0, B0])
    return model


def _manual_step(k_l1=0.0, k_l2=0.0, b_l2=0.0, a_l1=0.0, a_l2=0.0):
    w, b, x, y = (a.astype(np.float64) for a in (W0, B0, X, Y))
    out = x @ w + b
    loss = np.mean((out - y) ** 2)
    # The activity penalty is divided by the batch size, as Keras 3 does.
    penalty = (
        k_l1 * np.abs(w).sum()
        + k_l2 * (w**2).sum()
        + b_l2 * (b**2).sum()
        + (a_l1 * np.abs(out).sum() + a_l2 * (out**2).sum()) / len(x)
    )
    dout = 2 * (out - y) / out.size + (a_l1 * np.sign(out) + 2 * a_l2 * out) / len(x)
    dw = x.T @ dout + k_l1 * np.sign(w) + 2 * k_l2 * w
    db = dout.sum(0) + 2 * b_l2 * b
    return loss + penalty, w - LR * dw, b - LR * db


@pytest.mark.parametrize("case", ["kernel_l1l2", "bias_l2", "activity", "all"])
def test_training_step_includes_the_penalty(case):
    regs = {
        "kernel_l1l2": (
            {"kernel_regularizer": nerve.regularizers.L1L2(0.01, 0.02)},
            {"k_l1": 0.01, "k_l2": 0.02},
        ),
        "bias_l2": ({"bias_regularizer": nerve.regularizers.L2(0.03)}, {"b_l2": 0.03}),
        "activity": (
            {"activity_regularizer": nerve.regularizers.L1L2(0.05, 0.01)},
            {"a_l1": 0.05, "a_l2": 0.01},
        ),
        "all": (
            {
                "kernel_regularizer": "l2",
                "bias_regularizer": nerve.regularizers.L2(0.03),
                "activity_regularizer": nerve.regularizers.L1(0.02),
            },
            {"k_l2": 0.01, "b_l2": 0.03, "a_l1": 0.02},
        ),
    }
    layer_kwargs, manual = regs[case]
    model = _model(**layer_kwargs)
    want_loss, want_w, want_b = _manual_step(**manual)
    plain_loss, _, _ = _manual_step()
    loss = model.train_on_batch(X, Y)
    assert loss == pytest.approx(want_loss, rel=1e-5)
    assert loss > plain_loss  # the penalty is there
    w, b = model.get_weights()
    np.testing.assert_allclose(w, want_w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b, want_b, rtol=1e-5, atol=1e-6)


def test_evaluate_reports_the_penalty():
    model = _model(kernel_regularizer=nerve.regularizers.L1(0.1))
    want = np.mean((X @ W0 + B0 - Y) ** 2) + 0.1 * np.abs(W0).sum()
    assert model.evaluate(X, Y, verbose=0) == pytest.approx(want, rel=1e-5)
    assert model.layers[0].losses == [pytest.approx(0.1 * np.abs(W0).sum(), rel=1e-5)]


def test_frozen_layer_has_no_weight_penalty():
    model = _model(kernel_regularizer=nerve.regularizers.L2(1.0))
    model.layers[0].trainable = False
    model.compile(optimizer=nerve.optimizers.SGD(LR), loss="mse")
    loss = model.train_on_batch(X, Y)
    assert loss == pytest.approx(np.mean((X @ W0 + B0 - Y) ** 2), rel=1e-5)
    np.testing.assert_array_equal(model.get_weights()[0], W0)


def test_penalty_op_gradient_matches_finite_differences():
    x = rng.standard_normal((5, 3))
    reg = _core.Regularizer(0.3, 0.7)
    t = _core.Tensor(x.astype(np.float32), requires_grad=True)
    value = _core.ops.regularization_penalty(t, reg)
    value.backward()
    f = lambda a: 0.3 * np.abs(a).sum() + 0.7 * (a**2).sum()  # noqa: E731
    x32 = x.astype(np.float32).astype(np.float64)
    assert value.item() == pytest.approx(f(x32), rel=1e-5)
    num = np.zeros_like(x32)
    for i in np.ndindex(x32.shape):
        a, b = x32.copy(), x32.copy()
        a[i] += 1e-6
        b[i] -= 1e-6
        num[i] = (f(a) - f(b)) / 2e-6
    np.testing.assert_allclose(np.asarray(t.grad), num, rtol=1e-4, atol=1e-6)


def test_python_api():
    r = nerve.regularizers
    assert r.L1()(np.array([1.0, -2.0])) == pytest.approx(0.03)
    assert r.L2(0.5)(np.array([1.0, -2.0])) == pytest.approx(2.5)
    assert r.L1L2(l1=1.0, l2=1.0)(np.array([-3.0])) == pytest.approx(12.0)
    assert isinstance(r.get("l1"), r.L1) and isinstance(r.get("l1_l2"), r.L1L2)
    assert r.get(None) is None
    assert isinstance(r.get({"class_name": "L2", "config": {"l2": 0.2}}), r.L2)
    with pytest.raises(ValueError, match="non-negative"):
        r.L2(-1.0)
    with pytest.raises(TypeError, match="custom Python regularizers"):
        r.get(lambda w: 0.0)
    with pytest.raises(ValueError, match="Unknown regularizer"):
        r.get("l3")
    d = nerve.layers.Dense(2, kernel_regularizer="l2", activity_regularizer=r.L1(0.3))
    config = d.get_config()
    assert config["kernel_regularizer"] == {"class_name": "L2", "config": {"l2": 0.01}}
    assert config["activity_regularizer"]["config"] == {"l1": pytest.approx(0.3)}
    assert config["bias_regularizer"] is None


def test_regularized_fit_shrinks_weights():
    nerve.utils.set_random_seed(1)
    x = rng.standard_normal((128, IN)).astype(np.float32)
    y = x @ W0
    norms = []
    for l2 in (0.0, 0.5):
        nerve.utils.set_random_seed(1)
        model = nerve.Sequential(
            [
                nerve.Input((IN,)),
                nerve.layers.Dense(OUT, kernel_regularizer=nerve.regularizers.L2(l2)),
            ]
        )
        model.compile(optimizer=nerve.optimizers.Adam(0.05), loss="mse")
        model.fit(x, y, epochs=20, verbose=0)
        norms.append(np.linalg.norm(model.get_weights()[0]))
    assert norms[1] < 0.7 * norms[0]


@pytest.mark.parametrize(
    "cls,args,shape,roles",
    [
        (nerve.layers.Conv2D, (3, 2), (4, 4, 2), ("kernel", "bias")),
        (nerve.layers.Conv1D, (3, 2), (5, 2), ("kernel", "bias")),
        (nerve.layers.BatchNormalization, (), (4,), ("gamma", "beta")),
        (nerve.layers.LayerNormalization, (), (4,), ("gamma", "beta")),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_role_regularizers_of_the_image_and_normalization_layers(cls, args, shape, roles):
    """<role>_regularizer penalises exactly the weight of that role, as Dense's kernel/bias."""
    l1, l2 = 0.3, 0.05
    regs = {
        f"{roles[0]}_regularizer": nerve.regularizers.L1(l1),
        f"{roles[1]}_regularizer": nerve.regularizers.L2(l2),
    }
    layer = cls(*args, **regs)
    layer.build((None, *shape))
    weights = [w + rng.standard_normal(w.shape).astype(np.float32) for w in layer.get_weights()]
    layer.set_weights(weights)
    first, second = weights[:2]  # kernel, bias / gamma, beta (Keras order)
    expected = l1 * np.abs(first).sum() + l2 * (second**2).sum()
    assert layer.losses == [pytest.approx(expected, rel=1e-5)]
    config = layer.get_config()
    assert config[f"{roles[0]}_regularizer"]["class_name"] == "L1"
    assert config[f"{roles[1]}_regularizer"]["class_name"] == "L2"
