"""SGD (momentum, nesterov) and Adam: the C++ update rules against the textbook (Keras) formulas
and against PyTorch's optimizers where they are the same rule."""

import numpy as np
import pytest

import nerve

rng = np.random.default_rng(1)


def run_nerve(opt, w0, grads):
    w = nerve.Tensor(w0.copy(), requires_grad=True)
    out = []
    for g in grads:
        opt.apply_gradients([(g, w)])
        out.append(np.array(w))
    return out


def sgd_reference(w, grads, lr, momentum=0.0, nesterov=False):
    w, v, out = w.astype(np.float64), np.zeros_like(w, np.float64), []
    for g in grads:
        if momentum == 0:
            w = w - lr * g
        else:
            v = momentum * v - lr * g
            w = w + (momentum * v - lr * g if nesterov else v)
        out.append(w.copy())
    return out


def adam_reference(w, grads, lr, b1=0.9, b2=0.999, eps=1e-7):
    w, m, v, out = w.astype(np.float64), 0.0, 0.0, []
    for t, g in enumerate(grads, start=1):
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        lr_t = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        w = w - lr_t * m / (np.sqrt(v) + eps)
        out.append(w.copy())
    return out


W0 = rng.normal(size=(3, 4)).astype(np.float32)
GRADS = [rng.normal(size=(3, 4)).astype(np.float32) for _ in range(20)]


@pytest.mark.parametrize("momentum,nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_sgd_matches_formula(momentum, nesterov):
    got = run_nerve(nerve.optimizers.SGD(0.05, momentum, nesterov), W0, GRADS)
    ref = sgd_reference(W0, GRADS, 0.05, momentum, nesterov)
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_adam_matches_formula():
    opt = nerve.optimizers.Adam(0.01)
    got = run_nerve(opt, W0, GRADS)
    for a, b in zip(got, adam_reference(W0, GRADS, 0.01)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert opt.iterations == 20


@pytest.mark.parametrize("momentum,nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_sgd_matches_torch(momentum, nesterov):
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.tensor(W0.copy()))
    opt = torch.optim.SGD([p], lr=0.05, momentum=momentum, nesterov=nesterov)
    got = run_nerve(nerve.optimizers.SGD(0.05, momentum, nesterov), W0, GRADS)
    for g, mine in zip(GRADS, got):
        p.grad = torch.tensor(g)
        opt.step()
        np.testing.assert_allclose(mine, p.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_adam_matches_torch():
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.tensor(W0.copy()))
    # Keras puts epsilon outside the bias correction, PyTorch inside: with epsilon scaled by
    # sqrt(1-b2^t) the rules coincide; with a small epsilon they agree to float32 precision.
    opt = torch.optim.Adam([p], lr=0.01, eps=1e-8)
    got = run_nerve(nerve.optimizers.Adam(0.01, epsilon=1e-8), W0, GRADS)
    for g, mine in zip(GRADS, got):
        p.grad = torch.tensor(g)
        opt.step()
        np.testing.assert_allclose(mine, p.detach().numpy(), rtol=1e-4, atol=1e-5)


def test_learning_rate_is_settable():
    opt = nerve.optimizers.get("sgd")
    opt.learning_rate = 0.5
    got = run_nerve(opt, W0, GRADS[:1])
    np.testing.assert_allclose(got[0], W0 - 0.5 * GRADS[0], rtol=1e-6)
