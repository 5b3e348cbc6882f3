"""BatchNormalization: training forward and gradients (input, gamma, beta) against PyTorch and
float64 finite differences, the moving statistics (Keras update rule, biased variance), and
inference behaviour (moving statistics in evaluate/predict and when frozen)."""

import numpy as np
import pytest

import nerve
from nerve import _core
from nerve.layers import BatchNormalization, Dense

import _conv_reference as ref


def _nerve_bn(x, gamma, beta, mm, mv, training, grad, momentum=0.99, eps=1e-3):
    xt = nerve.Tensor(x, requires_grad=True)
    gt = nerve.Tensor(gamma, requires_grad=True)
    bt = nerve.Tensor(beta, requires_grad=True)
    mmt, mvt = nerve.Tensor(mm.copy()), nerve.Tensor(mv.copy())
    y = _core.ops.batch_norm(xt, gt, bt, mmt, mvt, training, momentum, eps)
    y.backward(nerve.Tensor(grad))
    return (
        np.array(y),
        np.array(xt.grad),
        np.array(gt.grad),
        np.array(bt.grad),
        np.array(mmt),
        np.array(mvt),
    )


@pytest.mark.parametrize("shape", [(5, 7, 9, 3), (1, 7, 9, 8), (16, 10), (5, 3, 3, 1)])
def test_batch_norm_training_matches_torch(shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(len(shape) + shape[-1])
    x = (rng.standard_normal(shape) * 3 + 1.5).astype(np.float32)
    C = shape[-1]
    gamma = rng.standard_normal(C).astype(np.float32)
    beta = rng.standard_normal(C).astype(np.float32)
    mm, mv = rng.standard_normal(C).astype(np.float32), rng.random(C).astype(np.float32) + 0.5
    G = rng.standard_normal(shape).astype(np.float32)

    X = torch.tensor(x).requires_grad_()
    Ga, Be = torch.tensor(gamma).requires_grad_(), torch.tensor(beta).requires_grad_()
    Xc = X.reshape(-1, C)  # channels last: every other axis is a batch axis
    Y = torch.nn.functional.batch_norm(
        Xc, torch.tensor(mm), torch.tensor(mv), Ga, Be, training=True, momentum=0.01, eps=1e-3
    )
    Y.reshape(shape).backward(torch.tensor(G))

    y, dx, dg, db, new_mm, new_mv = _nerve_bn(x, gamma, beta, mm, mv, True, G)
    tol = dict(rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(y, Y.detach().reshape(shape).numpy(), **tol)
    np.testing.assert_allclose(dx, X.grad.numpy(), **tol)
    np.testing.assert_allclose(dg, Ga.grad.numpy(), **tol)
    np.testing.assert_allclose(db, Be.grad.numpy(), **tol)
    # Keras: moving = moving * momentum + batch * (1 - momentum), with the biased variance
    flat = x.reshape(-1, C).astype(np.float64)
    np.testing.assert_allclose(new_mm, mm * 0.99 + flat.mean(0) * 0.01, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new_mv, mv * 0.99 + flat.var(0) * 0.01, rtol=1e-5, atol=1e-6)


def test_batch_norm_finite_differences():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 2, 3, 2)).astype(np.float32)
    gamma, beta = (
        rng.standard_normal(2).astype(np.float32),
        rng.standard_normal(2).astype(np.float32),
    )
    G = rng.standard_normal(x.shape)
    y, dx, dg, db, _, _ = _nerve_bn(
        x,
        gamma,
        beta,
        np.zeros(2, np.float32),
        np.ones(2, np.float32),
        True,
        G.astype(np.float32),
        eps=1e-3,
    )
    np.testing.assert_allclose(y, ref.batch_norm_train(x, gamma, beta, 1e-3), rtol=1e-4, atol=1e-5)

    def loss(a):
        return float((ref.batch_norm_train(a[0], a[1], a[2], 1e-3) * G).sum())

    for i, got in enumerate((dx, dg, db)):
        np.testing.assert_allclose(
            got, ref.numeric_grad(loss, [x, gamma, beta], i), rtol=1e-3, atol=1e-4
        )


def test_batch_norm_inference_uses_moving_statistics():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((4, 3, 3, 2)).astype(np.float32)
    gamma, beta = np.array([2.0, 0.5], np.float32), np.array([0.1, -1.0], np.float32)
    mm, mv = np.array([0.3, -0.2], np.float32), np.array([1.5, 0.7], np.float32)
    G = rng.standard_normal(x.shape).astype(np.float32)
    y, dx, dg, db, new_mm, new_mv = _nerve_bn(x, gamma, beta, mm, mv, False, G)
    inv = 1 / np.sqrt(mv + 1e-3)
    np.testing.assert_allclose(y, (x - mm) * inv * gamma + beta, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dx, G * gamma * inv, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dg, (G * (x - mm) * inv).sum((0, 1, 2)), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(db, G.sum((0, 1, 2)), rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(new_mm, mm)  # unchanged outside training
    np.testing.assert_array_equal(new_mv, mv)


def test_batch_norm_layer_train_vs_inference():
    layer = BatchNormalization(momentum=0.9, epsilon=1e-3)
    x = (np.random.default_rng(0).standard_normal((32, 4, 4, 3)) * 2 + 5).astype(np.float32)
    layer.build(x.shape[1:])
    names = [w.shape for w in layer.weights]
    assert names == [(3,), (3,), (3,), (3,)]
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 2
    gamma, beta, mm, mv = layer.get_weights()
    assert (gamma == 1).all() and (beta == 0).all() and (mm == 0).all() and (mv == 1).all()

    y_inf = layer(x, training=False)  # moving stats (0, 1): nearly the identity
    np.testing.assert_allclose(y_inf, x / np.sqrt(1 + 1e-3), rtol=1e-5)
    assert (layer.get_weights()[2] == 0).all()

    y_train = layer(x, training=True)  # batch stats: each channel ~ N(0, 1)
    assert np.abs(y_train.mean(axis=(0, 1, 2))).max() < 1e-4
    assert np.abs(y_train.std(axis=(0, 1, 2)) - 1).max() < 1e-3
    _, _, mm, mv = layer.get_weights()
    flat = x.reshape(-1, 3).astype(np.float64)
    np.testing.assert_allclose(mm, 0.1 * flat.mean(0), rtol=1e-5)
    np.testing.assert_allclose(mv, 0.9 + 0.1 * flat.var(0), rtol=1e-5)

    layer.trainable = False  # Keras 3: a frozen BatchNormalization runs in inference mode
    y_frozen = layer(x, training=True)
    np.testing.assert_allclose(y_frozen, (x - mm) / np.sqrt(mv + 1e-3), rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(layer.get_weights()[2], mm)


def test_batch_norm_in_fit_updates_moving_statistics_and_predict_uses_them():
    nerve.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((256, 6)) * 4 + 3).astype(np.float32)
    y = (x.sum(1, keepdims=True) > 18).astype(np.float32)
    bn = BatchNormalization(momentum=0.5)
    model = nerve.Sequential([nerve.Input((6,)), bn, Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y, batch_size=64, epochs=2, verbose=0)
    _, _, mm, mv = bn.get_weights()
    np.testing.assert_allclose(mm, x.mean(0), atol=0.6)  # moved to the data's statistics
    np.testing.assert_allclose(mv, x.var(0), rtol=0.35)
    # predict is deterministic per sample (moving stats), whatever the batch composition
    p_all = model.predict(x, batch_size=256)
    p_one = model.predict(x[:3], batch_size=1)
    np.testing.assert_allclose(p_all[:3], p_one, rtol=1e-5, atol=1e-6)
