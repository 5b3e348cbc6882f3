"""GradientTape: custom training loops whose backward pass runs in C++."""

import numpy as np
import pytest

import nerve
from nerve import layers as L


@pytest.fixture(autouse=True)
def _seed():
    nerve.utils.set_random_seed(3)


def test_gradient_of_ops_matches_finite_differences():
    rng = np.random.default_rng(0)
    x0, w0 = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    x = nerve.Tensor(x0.astype(np.float32))
    w = nerve.Tensor(w0.astype(np.float32))
    with nerve.GradientTape() as tape:
        tape.watch([x, w])
        loss = nerve.ops.mean(nerve.ops.activation(nerve.ops.matmul(x, w), "tanh"))
    gx, gw = tape.gradient(loss, [x, w])

    def f(xv, wv):
        return np.mean(np.tanh(xv @ wv))

    h = 1e-5
    for arr, g, which in ((x0, gx, 0), (w0, gw, 1)):
        num = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            p, m = arr.copy(), arr.copy()
            p[idx] += h
            m[idx] -= h
            args_p = (p, w0) if which == 0 else (x0, p)
            args_m = (m, w0) if which == 0 else (x0, m)
            num[idx] = (f(*args_p) - f(*args_m)) / (2 * h)
        np.testing.assert_allclose(np.asarray(g), num, rtol=1e-3, atol=1e-5)


def test_tape_does_not_touch_grad_and_unconnected_is_none():
    w = nerve.Tensor(np.ones((2, 2), np.float32), requires_grad=True)
    other = nerve.Tensor(np.ones((2, 2), np.float32), requires_grad=True)
    with nerve.GradientTape() as tape:
        y = nerve.ops.sum(nerve.ops.mul(w, w))
    g_w, g_other = tape.gradient(y, [w, other])
    np.testing.assert_allclose(np.asarray(g_w), 2 * np.ones((2, 2)))
    assert g_other is None and w.grad is None


def test_non_persistent_tape_is_single_use_persistent_is_not():
    w = nerve.Tensor(np.full((3,), 2.0, np.float32), requires_grad=True)
    with nerve.GradientTape() as tape:
        y = nerve.ops.sum(nerve.ops.mul(w, w))
    tape.gradient(y, w)
    with pytest.raises(RuntimeError, match="persistent"):
        tape.gradient(y, w)
    with nerve.GradientTape(persistent=True) as tape:
        y = nerve.ops.sum(nerve.ops.mul(w, w))
        z = nerve.ops.sum(w)
    np.testing.assert_allclose(np.asarray(tape.gradient(y, w)), [4, 4, 4])
    np.testing.assert_allclose(np.asarray(tape.gradient(z, w)), [1, 1, 1])


def test_gradient_wrt_intermediate_and_dict_sources():
    w = nerve.Tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    with nerve.GradientTape() as tape:
        h = nerve.ops.scale(w, 3.0)
        y = nerve.ops.sum(nerve.ops.mul(h, h))
    g = tape.gradient(y, {"h": h, "w": w})
    np.testing.assert_allclose(np.asarray(g["h"]), [6, 12])
    np.testing.assert_allclose(np.asarray(g["w"]), [18, 36])


def test_stop_recording_and_type_errors():
    w = nerve.Tensor(np.ones(2, np.float32), requires_grad=True)
    with nerve.GradientTape() as tape:
        with tape.stop_recording():
            c = nerve.ops.scale(w, 2.0)
        y = nerve.ops.sum(nerve.ops.mul(w, c))
    np.testing.assert_allclose(np.asarray(tape.gradient(y, w)), [2, 2])
    with pytest.raises(TypeError, match="nerve.Tensor"):
        nerve.GradientTape().watch(np.ones(2))
    with pytest.raises(TypeError, match="target"):
        nerve.GradientTape().gradient(1.0, [w])


def test_non_scalar_target_is_differentiated_as_its_sum():
    """tf.GradientTape's rule (the Keras WGAN-GP example takes d critic(x) / d x of a (batch, 1)
    output): without output_gradients, a non-scalar target's gradient is its sum's."""
    rng = np.random.default_rng(1)
    x0 = rng.standard_normal((5, 4)).astype(np.float32)
    w0 = rng.standard_normal((4, 1)).astype(np.float32)
    x, w = nerve.Tensor(x0), nerve.Tensor(w0)
    with nerve.GradientTape(persistent=True) as tape:
        tape.watch([x, w])
        y = nerve.ops.activation(nerve.ops.matmul(x, w), "tanh")  # (5, 1)
        total = nerve.ops.sum(y)
    gx, gw = tape.gradient(y, [x, w])
    sx, sw = tape.gradient(total, [x, w])
    np.testing.assert_allclose(np.asarray(gx), np.asarray(sx), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(gw), np.asarray(sw), rtol=1e-6)
    dtanh = 1 - np.tanh(x0 @ w0) ** 2  # the sum's gradient, by hand
    np.testing.assert_allclose(np.asarray(gx), dtanh * w0.T, rtol=1e-5, atol=1e-6)
    seed = np.arange(5, dtype=np.float32).reshape(5, 1)  # output_gradients still weighs
    np.testing.assert_allclose(
        np.asarray(tape.gradient(y, x, output_gradients=seed)), seed * dtanh * w0.T, rtol=1e-5
    )


def test_differentiating_a_gradient_is_refused_using_it_otherwise_is_not():
    """TensorFlow records a gradient taken inside an outer tape's block, so the outer tape can
    differentiate it (the Keras WGAN-GP example's gradient penalty). nerve's backward pass is not
    recorded: the outer gradient would be None for every weight, so the outer tape refuses a
    target that depends on such a gradient, and differentiates any other target as usual."""
    critic = nerve.Sequential([nerve.Input((4,)), L.Dense(8, activation="tanh"), L.Dense(1)])
    x = nerve.Tensor(np.random.default_rng(2).random((6, 4), dtype=np.float32))
    with nerve.GradientTape() as outer:
        with nerve.GradientTape() as inner:
            inner.watch(x)
            score = critic(x, training=True)
        g = inner.gradient(score, x)
        norm = nerve.ops.sqrt(nerve.ops.sum(nerve.ops.square(g), axis=1))
        penalty = nerve.ops.mean(nerve.ops.square(nerve.ops.subtract(norm, 1.0)))
    with pytest.raises(NotImplementedError, match="second-order gradients"):
        outer.gradient(penalty, critic.trainable_weights)
    # Two tapes open side by side (a GAN's generator and discriminator tapes), one gradient
    # taken inside the block and not differentiated again: both work.
    with nerve.GradientTape() as g_tape, nerve.GradientTape() as d_tape:
        d_loss = nerve.ops.mean(critic(x, training=True))
        g_loss = nerve.ops.mean(nerve.ops.square(critic(x, training=True)))
        d_grads = d_tape.gradient(d_loss, critic.trainable_weights)
    g_grads = g_tape.gradient(g_loss, critic.trainable_weights)
    assert all(gr is not None for gr in d_grads + g_grads)
    assert not any(gr.requires_grad for gr in d_grads)  # handed back as they were
    with nerve.GradientTape(persistent=True) as tape:  # its own block: not second order
        loss = nerve.ops.sum(critic(x, training=True))
        grads = tape.gradient(loss, critic.trainable_weights)
    assert all(gr is not None for gr in grads)


def test_model_gradients_match_torch():
    torch = pytest.importorskip("torch")
    model = nerve.Sequential(
        [nerve.Input((4,)), L.Dense(5, activation="relu"), L.Dense(3, activation="softmax")]
    )
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 4)).astype(np.float32)
    y = rng.integers(0, 3, 6)
    loss_fn = nerve.losses.SparseCategoricalCrossentropy()
    with nerve.GradientTape() as tape:
        loss = loss_fn(y.astype(np.float32), model(nerve.Tensor(x), training=True))
    grads = tape.gradient(loss, model.trainable_weights)
    params = [torch.tensor(w, requires_grad=True) for w in model.get_weights()]
    h = torch.relu(torch.tensor(x) @ params[0] + params[1])
    logits = h @ params[2] + params[3]
    ref = torch.nn.functional.cross_entropy(logits, torch.tensor(y))
    ref.backward()
    assert loss.item() == pytest.approx(ref.item(), rel=1e-5)
    for g, p in zip(grads, params):
        np.testing.assert_allclose(np.asarray(g), p.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_custom_loop_matches_fit_step_exactly():
    """One tape step + apply_gradients equals one train_on_batch step (same C++ kernels)."""
    x = np.random.default_rng(2).standard_normal((16, 4)).astype(np.float32)
    y = np.random.default_rng(3).integers(0, 3, 16)

    def make():
        nerve.utils.set_random_seed(11)
        inp = nerve.Input((4,))
        h = L.Dense(8, activation="relu")(inp)
        out = L.Dense(3, activation="softmax")(L.Add()([h, L.Dense(8)(inp)]))
        return nerve.Model(inp, out)

    a = make()
    a.compile(optimizer=nerve.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    a.train_on_batch(x, y)

    b = make()
    opt = nerve.optimizers.Adam(0.01)
    loss_fn = nerve.losses.SparseCategoricalCrossentropy()
    with nerve.GradientTape() as tape:
        loss = loss_fn(nerve.Tensor(y.astype(np.float32)), b(nerve.Tensor(x), training=True))
    grads = tape.gradient(loss, b.trainable_weights)
    opt.apply_gradients(zip(grads, b.trainable_weights))
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_custom_loop_trains():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((256, 2)).astype(np.float32)
    y = (x[:, :1] * 2 - x[:, 1:]).astype(np.float32)
    model = nerve.Sequential([nerve.Input((2,)), L.Dense(1)])
    opt = nerve.optimizers.SGD(0.1)
    mse = nerve.losses.MeanSquaredError()
    for step in range(100):
        xb, yb = x[step % 8 * 32 : (step % 8 + 1) * 32], y[step % 8 * 32 : (step % 8 + 1) * 32]
        with nerve.GradientTape() as tape:
            loss = mse(nerve.Tensor(yb), model(nerve.Tensor(xb), training=True))
        grads = tape.gradient(loss, model.trainable_weights)
        opt.apply_gradients(zip(grads, model.trainable_weights))
    assert loss.item() < 1e-3
    np.testing.assert_allclose(model.get_weights()[0].ravel(), [2, -1], atol=0.02)


def test_numpy_model_call_does_not_record():
    model = nerve.Sequential([nerve.Input((2,)), L.Dense(2)])
    out = model(np.ones((1, 2), np.float32))
    assert isinstance(out, np.ndarray)
    t = model(nerve.Tensor(np.ones((1, 2), np.float32)))
    assert t.requires_grad and t.grad_fn is not None


def test_a_gradient_penalty_in_train_step_is_refused_by_fit():
    """The same inside an overridden train_step: its trace steps aside (a nested tape's gradient
    is checked eagerly) and the eager step refuses the second-order gradient."""

    class Critic(nerve.Model):
        def __init__(self):
            super().__init__()
            self.net = nerve.Sequential(
                [nerve.Input((4,)), L.Dense(8, activation="tanh"), L.Dense(1)]
            )

        def call(self, x):
            return self.net(x)

        def train_step(self, data):
            weights = self.net.trainable_weights
            with nerve.GradientTape() as outer:
                with nerve.GradientTape() as inner:
                    score = nerve.ops.mean(self.net(data, training=True))
                # a penalty on the gradient's size (gradient-norm regularisation)
                g_kernel = inner.gradient(score, weights)[0]
                penalty = nerve.ops.sum(nerve.ops.square(g_kernel))
            grads = outer.gradient(penalty, weights)
            self.optimizer.apply_gradients(zip(grads, weights))
            return {"penalty": penalty}

    model = Critic()
    model.compile(optimizer="adam")
    x = np.random.default_rng(4).random((16, 4), dtype=np.float32)
    with pytest.warns(UserWarning, match="another tape's recording block"):
        with pytest.raises(NotImplementedError, match="second-order gradients"):
            model.fit(x, epochs=1, batch_size=8, verbose=0)
