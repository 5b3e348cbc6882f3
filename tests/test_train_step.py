"""Overridden train_step / test_step / predict_step (the Keras guide "Customizing what happens in
fit()", its cases written anew): the steps run under fit / evaluate / predict, their logs reach
the progress bar, History and callbacks, metric trackers reset each epoch, several optimizers in
one model (a GAN), layers frozen between steps. Checked against the built-in C++ step and float64
numpy recomputations."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nerve
from nerve import layers as L
from nerve.utils import unpack_x_y_sample_weight

# A fit whose overridden step cannot be traced into C++ says once that it runs from Python; the
# tests that are not about that warning silence it.
quiet = pytest.mark.filterwarnings("ignore:.*which is Python code:UserWarning")


def _data(n=32, features=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype(np.float32)
    y = (x @ rng.normal(size=(features, 1)) + 0.3).astype(np.float32)
    return x, y


def _mlp_parts(features=5, regularized=False):
    inputs = nerve.Input((features,))
    hidden = L.Dense(
        7, activation="tanh", kernel_regularizer="l2" if regularized else None, name="hidden"
    )(inputs)
    return inputs, L.Dense(1, name="out")(hidden)


class GuideModel(nerve.Model):
    """The guide's first example: the built-in math written by hand, metrics from self.metrics."""

    def train_step(self, data):
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with nerve.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        trainable = self.trainable_weights
        grads = tape.gradient(loss, trainable)
        self.optimizer.apply_gradients(zip(grads, trainable))
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred, sample_weight)
        return {m.name: m.result() for m in self.metrics}


def _twins(cls, regularized=False, metrics=None):
    """A built-in model and a `cls` one with the same graph and weights."""
    builtin = nerve.Model(*_mlp_parts(regularized=regularized))
    custom = cls(*_mlp_parts(regularized=regularized))
    custom.set_weights(builtin.get_weights())
    for m in (builtin, custom):
        m.compile(nerve.optimizers.SGD(0.05), "mse", metrics=metrics)
    return builtin, custom


@quiet
@pytest.mark.parametrize("regularized", [False, True])
def test_custom_step_doing_the_builtin_math_trains_as_builtin_fit(regularized):
    x, y = _data()
    builtin, custom = _twins(GuideModel, regularized, metrics=["mae"])
    h1 = builtin.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    h2 = custom.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    for a, b in zip(builtin.get_weights(), custom.get_weights()):
        np.testing.assert_allclose(b, a, atol=1e-5)
    assert set(h2.history) == {"loss", "mae"}
    # equal batches: the mean of the batches' losses is the built-in per-sample mean
    np.testing.assert_allclose(h2.history["mae"], h1.history["mae"], rtol=1e-5)
    np.testing.assert_allclose(h2.history["loss"], h1.history["loss"], rtol=1e-5)


@quiet
def test_default_train_step_with_only_compute_loss_overridden_matches_builtin():
    class HalfLoss(nerve.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return nerve.ops.scale(super().compute_loss(x, y, y_pred, sample_weight), 0.5)

    x, y = _data()
    builtin, custom = _twins(HalfLoss)
    builtin.optimizer.learning_rate = 0.025  # half the loss: half the gradient
    h1 = builtin.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    h2 = custom.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(builtin.get_weights(), custom.get_weights()):
        np.testing.assert_allclose(b, a, atol=1e-5)
    np.testing.assert_allclose(h2.history["loss"], 0.5 * np.array(h1.history["loss"]), rtol=1e-5)


@quiet
def test_sample_weight_reaches_the_step_and_weighs_the_loss():
    x, y = _data()
    w = np.linspace(0.0, 2.0, len(x)).astype(np.float32)
    builtin, custom = _twins(GuideModel)
    builtin.fit(x, y, sample_weight=w, batch_size=8, epochs=2, shuffle=False, verbose=0)
    custom.fit(x, y, sample_weight=w, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(builtin.get_weights(), custom.get_weights()):
        np.testing.assert_allclose(b, a, atol=1e-5)


# ---- metric trackers ------------------------------------------------------------------------


class TrackerModel(nerve.Model):
    """The guide's second example: trackers as attributes, compile() without a loss."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = nerve.metrics.Mean(name="loss")
        self.mae_metric = nerve.metrics.MeanAbsoluteError(name="mae")

    def train_step(self, data):
        x, y = data
        with nerve.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = nerve.losses.MeanSquaredError()(y, y_pred)
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    @property
    def metrics(self):
        return [self.loss_tracker, self.mae_metric]


def _numpy_linear_sgd(x, y, w, b, lr, batch, epochs):
    """float64 SGD on mse for y = x @ w + b: per epoch, the mean over batches of the batch loss
    and the mean absolute error over the samples, both before each update."""
    w, b = w.astype(np.float64), b.astype(np.float64)
    losses, maes = [], []
    for _ in range(epochs):
        batch_losses, abs_errors = [], []
        for i in range(0, len(x), batch):
            xb, yb = x[i : i + batch].astype(np.float64), y[i : i + batch].astype(np.float64)
            err = xb @ w + b - yb
            batch_losses.append(np.mean(err**2))
            abs_errors.append(np.abs(err).ravel())
            grad = 2 * err / err.size
            w, b = w - lr * xb.T @ grad, b - lr * grad.sum(0)
        losses.append(np.mean(batch_losses))
        maes.append(np.mean(np.concatenate(abs_errors)))
    return losses, maes, w, b


@quiet
def test_metric_trackers_reset_each_epoch_and_fill_history():
    x, y = _data(n=24)
    inputs = nerve.Input((5,))
    model = TrackerModel(inputs, L.Dense(1)(inputs))
    w0 = np.linspace(-0.5, 0.5, 5).reshape(5, 1).astype(np.float32)
    model.set_weights([w0, np.zeros(1, np.float32)])
    model.compile(optimizer=nerve.optimizers.SGD(0.05))
    history = model.fit(x, y, batch_size=6, epochs=3, shuffle=False, verbose=0)
    losses, maes, w, b = _numpy_linear_sgd(x, y, w0, np.zeros(1), 0.05, 6, 3)
    assert list(history.history) == ["loss", "mae"]
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-4)
    np.testing.assert_allclose(history.history["mae"], maes, rtol=1e-4)
    np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(model.get_weights()[1], b, rtol=1e-4, atol=1e-6)


@quiet
def test_callbacks_and_progress_bar_see_the_steps_logs(capsys):
    x, y = _data(n=24)
    inputs = nerve.Input((5,))
    model = TrackerModel(inputs, L.Dense(1)(inputs))
    model.compile(optimizer="sgd")
    batch_logs, epoch_logs = [], []
    cb = nerve.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: batch_logs.append(dict(logs)),
        on_epoch_end=lambda epoch, logs: epoch_logs.append(dict(logs)),
    )
    model.fit(x, y, batch_size=6, epochs=2, shuffle=False, verbose=1, callbacks=[cb])
    assert len(batch_logs) == 8 and len(epoch_logs) == 2
    assert all(set(logs) == {"loss", "mae"} for logs in batch_logs + epoch_logs)
    assert all(isinstance(v, float) for logs in batch_logs for v in logs.values())
    assert batch_logs[3] == epoch_logs[0]  # the running means after the epoch's last batch
    out = capsys.readouterr().out
    assert "Epoch 2/2" in out and "loss:" in out and "mae:" in out


def test_fit_warns_once_when_the_step_runs_from_python():
    class Logging(TrackerModel):  # a Python side effect: the step cannot be traced into C++
        def train_step(self, data):
            self.log = getattr(self, "log", 0) + 1
            return super().train_step(data)

    x, y = _data(n=16)
    inputs = nerve.Input((5,))
    for cls, warned in ((TrackerModel, 0), (Logging, 1)):
        model = cls(inputs, L.Dense(1)(inputs))
        model.compile(optimizer="sgd")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(x, y, batch_size=4, epochs=3, verbose=0)
        mine = [w for w in caught if "train_step" in str(w.message)]
        assert len(mine) == warned  # TrackerModel's step is traced into C++
    message = str(mine[0].message)
    assert "could not be traced into C++" in message and "attribute 'log'" in message


# ---- test_step and predict_step -------------------------------------------------------------


class EvalModel(nerve.Model):
    """test_step reporting the mean absolute error of twice the prediction; predict_step
    returning a dict of the prediction and its double."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.doubled_mae = nerve.metrics.MeanAbsoluteError(name="doubled_mae")

    def test_step(self, data):
        x, y = data
        y_pred = nerve.ops.scale(self(x, training=False), 2.0)
        self.doubled_mae.update_state(y, y_pred)
        return {"doubled_mae": self.doubled_mae.result()}

    def predict_step(self, data):
        x, _, _ = unpack_x_y_sample_weight(data)
        y = self(x, training=False)
        return {"y": y, "twice": nerve.ops.scale(y, 2.0)}


@quiet
def test_test_step_runs_under_evaluate_and_fit_validation():
    x, y = _data(n=20)
    inputs = nerve.Input((5,))
    model = EvalModel(inputs, L.Dense(1)(inputs))
    model.compile(nerve.optimizers.SGD(0.01), "mse")
    pred = model.predict(x, verbose=0)["y"]
    expected = np.mean(np.abs(2 * pred - y))
    logs = model.evaluate(x, y, batch_size=6, verbose=0, return_dict=True)
    assert list(logs) == ["doubled_mae"]
    np.testing.assert_allclose(logs["doubled_mae"], expected, rtol=1e-5)
    # evaluate resets the metrics first: a second call gives the same value, not a running one
    assert model.evaluate(x, y, batch_size=6, verbose=0) == pytest.approx(logs["doubled_mae"])
    history = model.fit(
        x, y, batch_size=5, epochs=2, shuffle=False, verbose=0, validation_data=(x, y)
    )
    assert list(history.history) == ["loss", "val_doubled_mae"]  # the built-in train step
    after = model.predict(x, verbose=0)["y"]
    np.testing.assert_allclose(
        history.history["val_doubled_mae"][-1], np.mean(np.abs(2 * after - y)), rtol=1e-5
    )


@quiet
def test_predict_step_output_structure_is_concatenated_over_batches():
    x, _ = _data(n=13)
    inputs = nerve.Input((5,))
    model = EvalModel(inputs, L.Dense(2)(inputs))
    out = model.predict(x, batch_size=4, verbose=0)
    assert set(out) == {"y", "twice"} and out["y"].shape == (13, 2)
    reference = x @ model.get_weights()[0] + model.get_weights()[1]
    np.testing.assert_allclose(out["y"], reference, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["twice"], 2 * reference, rtol=1e-5, atol=1e-6)
    one = model.predict_on_batch(x[:3])
    np.testing.assert_allclose(one["twice"], 2 * reference[:3], rtol=1e-5, atol=1e-6)


@quiet
def test_train_and_test_on_batch_call_the_steps_and_keep_metrics_running():
    x, y = _data(n=8)
    inputs = nerve.Input((5,))
    model = TrackerModel(inputs, L.Dense(1)(inputs))
    model.compile(optimizer=nerve.optimizers.SGD(0.0))  # no change: the same loss twice
    first = model.train_on_batch(x, y, return_dict=True)
    second = model.train_on_batch(x, y)
    assert set(first) == {"loss", "mae"}
    assert second == pytest.approx([first["loss"], first["mae"]])
    assert model.loss_tracker._count == 2  # running: not reset between batches


# ---- several optimizers: a GAN --------------------------------------------------------------


class GAN(nerve.Model):
    """The guide's GAN shape: a custom compile with two optimizers, alternating steps. The
    snapshots record each model's weights around each step (for the test only)."""

    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator, self.generator = discriminator, generator
        self.latent_dim = latent_dim
        self.d_loss_tracker = nerve.metrics.Mean(name="d_loss")
        self.g_loss_tracker = nerve.metrics.Mean(name="g_loss")
        self.rng = np.random.default_rng(0)
        self.snapshots = []

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def _snapshot(self, when):
        self.snapshots.append(
            (when, self.discriminator.get_weights(), self.generator.get_weights())
        )

    def _latent(self, n):
        return nerve.Tensor(self.rng.normal(size=(n, self.latent_dim)).astype(np.float32))

    def train_step(self, real):
        n = real.shape[0]
        self._snapshot("start")
        fake = self.generator(self._latent(n))
        images = nerve.ops.concat([fake, real], axis=0)
        labels = np.concatenate([np.ones((n, 1)), np.zeros((n, 1))]).astype(np.float32)
        with nerve.GradientTape() as tape:
            d_loss = self.loss_fn(labels, self.discriminator(images, training=True))
        d_weights = self.discriminator.trainable_weights
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_weights), d_weights))
        self._snapshot("after d")
        with nerve.GradientTape() as tape:
            fooled = self.discriminator(self.generator(self._latent(n), training=True))
            g_loss = self.loss_fn(np.zeros((n, 1), np.float32), fooled)
        g_weights = self.generator.trainable_weights
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_weights), g_weights))
        self._snapshot("after g")
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


def _changed(before, after) -> bool:
    return any(not np.array_equal(a, b) for a, b in zip(before, after))


@quiet
def test_gan_with_two_optimizers_updates_each_side_only_in_its_own_step():
    discriminator = nerve.Sequential([nerve.Input((3,)), L.Dense(8, activation="relu"), L.Dense(1)])
    generator = nerve.Sequential([nerve.Input((4,)), L.Dense(8, activation="relu"), L.Dense(3)])
    gan = GAN(discriminator, generator, latent_dim=4)
    d_opt, g_opt = nerve.optimizers.Adam(1e-2), nerve.optimizers.Adam(1e-2)
    gan.compile(d_opt, g_opt, nerve.losses.BinaryCrossentropy(from_logits=True))
    real = np.random.default_rng(1).normal(2.0, 0.5, size=(32, 3)).astype(np.float32)
    history = gan.fit(real, batch_size=8, epochs=2, verbose=0)
    assert list(history.history) == ["d_loss", "g_loss"]
    assert np.all(np.isfinite(history.history["d_loss"] + history.history["g_loss"]))
    assert d_opt.iterations == 8 and g_opt.iterations == 8  # one update each per batch
    snaps = gan.snapshots
    assert len(snaps) == 3 * 8
    for i in range(0, len(snaps), 3):
        (_, d0, g0), (_, d1, g1), (_, d2, g2) = snaps[i : i + 3]
        assert _changed(d0, d1) and not _changed(g0, g1)  # the d-step moves only D
        assert _changed(g1, g2) and not _changed(d1, d2)  # the g-step moves only G


# ---- freezing between steps -----------------------------------------------------------------


class AlternatingFreeze(nerve.Model):
    """Freezes its first layer on even steps, trains everything on odd ones (default step)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.count = 0
        self.first_layer_moves = []

    def train_step(self, data):
        first = self.get_layer("hidden")
        first.trainable = self.count % 2 == 1
        before = first.get_weights()
        logs = super().train_step(data)
        self.first_layer_moves.append(_changed(before, first.get_weights()))
        self.count += 1
        return logs


@quiet
def test_layers_frozen_and_unfrozen_between_steps_are_honoured():
    x, y = _data(n=24)
    model = AlternatingFreeze(*_mlp_parts())
    model.compile(nerve.optimizers.SGD(0.05), "mse")
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    assert model.first_layer_moves == [False, True] * 3
    assert model.count == 6


# ---- standalone metrics ---------------------------------------------------------------------


@pytest.mark.parametrize("as_tensor", [False, True])
def test_standalone_metrics_on_numpy_and_tensors(as_tensor):
    def t(a):
        a = np.asarray(a, np.float32)
        return nerve.Tensor(a) if as_tensor else a

    y_true = np.array([[1.0], [0.0], [1.0], [0.0]])
    y_pred = np.array([[0.9], [0.6], [0.2], [0.1]])
    mean, total = nerve.metrics.Mean(), nerve.metrics.Sum()
    for m in (mean, total):
        m.update_state(t([1.0, 2.0]))
        m.update_state(t([3.0, 6.0]), sample_weight=t([1.0, 0.5]))
    assert mean.result() == pytest.approx((1 + 2 + 3 + 3) / 3.5)
    assert total.result() == pytest.approx(9.0)
    mse = nerve.metrics.MeanSquaredError()
    mse.update_state(t(y_true), t(y_pred))
    assert mse.result() == pytest.approx(np.mean((y_true - y_pred) ** 2))
    acc = nerve.metrics.BinaryAccuracy()
    acc.update_state(t(y_true), t(y_pred))
    assert acc.result() == pytest.approx(0.5)
    for m in (mean, total, mse, acc):
        m.reset_state()
        assert m.result() == 0.0
    assert mean(t([2.0, 4.0])) == 3.0 and mean(t([6.0])) == 4.0  # Keras: __call__ accumulates


def test_reduce_metrics_refuse_a_weight_that_does_not_fit():
    with pytest.raises(ValueError, match=r"Sum 'sum'.*\(3,\).*\(2,\)"):
        nerve.metrics.Sum().update_state([1.0, 2.0], sample_weight=[1.0, 1.0, 1.0])


# ---- what is refused ------------------------------------------------------------------------


def test_builtin_fit_without_a_loss_says_what_is_missing():
    model = nerve.Model(*_mlp_parts())
    model.compile(optimizer="sgd")
    x, y = _data(n=8)
    with pytest.raises(ValueError, match=r"compiled without a loss.*override train_step"):
        model.fit(x, y, verbose=0)
    with pytest.raises(RuntimeError, match="compile"):
        GuideModel(*_mlp_parts()).fit(x, y, verbose=0)


@quiet
def test_a_step_returning_no_dict_is_refused():
    class Bad(nerve.Model):
        def train_step(self, data):
            return 1.0

    model = Bad(*_mlp_parts())
    model.compile("sgd", "mse")
    x, y = _data(n=8)
    with pytest.raises(TypeError, match="must return a dict"):
        model.fit(x, y, verbose=0)


def test_unpack_x_y_sample_weight_as_keras():
    assert unpack_x_y_sample_weight("x") == ("x", None, None)
    assert unpack_x_y_sample_weight(("x",)) == ("x", None, None)
    assert unpack_x_y_sample_weight(["x", "y"]) == ("x", "y", None)
    assert unpack_x_y_sample_weight(("x", "y", "w")) == ("x", "y", "w")
    with pytest.raises(ValueError, match="4 elements"):
        unpack_x_y_sample_weight((1, 2, 3, 4))


# ---- other inputs ---------------------------------------------------------------------------


@quiet
def test_batches_from_a_generator_train_as_the_same_arrays():
    x, y = _data()
    by_arrays, by_batches = _twins(GuideModel)[1], GuideModel(*_mlp_parts())
    by_batches.set_weights(by_arrays.get_weights())
    by_batches.compile(nerve.optimizers.SGD(0.05), "mse")
    by_arrays.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    batches = [(x[i : i + 8], y[i : i + 8]) for i in range(0, len(x), 8)]
    history = by_batches.fit(iter(batches), epochs=1, verbose=0)
    assert history.history["loss"] and np.isfinite(history.history["loss"][0])
    for a, b in zip(by_arrays.get_weights(), by_batches.get_weights()):
        np.testing.assert_allclose(b, a, atol=1e-6)


@quiet
@pytest.mark.parametrize("as_stream", [False, True])
def test_class_weight_reaches_the_step_as_sample_weight(as_stream):
    x, _ = _data()
    y = (x[:, :1] > 0).astype(np.float32)
    class_weight = {0: 0.25, 1: 2.0}
    builtin, custom = _twins(GuideModel)
    builtin.fit(x, y, class_weight=class_weight, batch_size=8, shuffle=False, verbose=0)
    if as_stream:
        batches = [(x[i : i + 8], y[i : i + 8]) for i in range(0, len(x), 8)]
        custom.fit(iter(batches), class_weight=class_weight, verbose=0)
    else:
        custom.fit(x, y, class_weight=class_weight, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(builtin.get_weights(), custom.get_weights()):
        np.testing.assert_allclose(b, a, atol=1e-5)


def test_a_subclass_given_inputs_and_outputs_is_named_after_its_class():
    model = GuideModel(*_mlp_parts())
    assert model.name.startswith("guide_model")
    assert isinstance(model, GuideModel) and type(model).__name__ == "GuideModel"
    assert model.built and model.count_params() == 5 * 7 + 7 + 7 + 1


# ---- the loss metrics and Accuracy against Keras --------------------------------------------


def _keras_metrics():
    import os

    os.environ.setdefault("KERAS_BACKEND", "jax")
    return pytest.importorskip("keras").metrics


@pytest.mark.parametrize(
    "name, kwargs, kind",
    [
        ("BinaryCrossentropy", {}, "probabilities"),
        ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "logits"),
        ("CategoricalCrossentropy", {}, "distributions"),
        ("CategoricalCrossentropy", {"from_logits": True}, "logits"),
        ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse"),
        ("KLDivergence", {}, "distributions"),
        ("Accuracy", {}, "labels"),
    ],
)
@pytest.mark.parametrize("rank", [2, 3])
def test_loss_metrics_and_accuracy_match_keras(name, kwargs, kind, rank):
    keras_metrics = _keras_metrics()
    rng = np.random.default_rng(3)
    shape = (6, 4) if rank == 2 else (6, 3, 4)
    logits = rng.normal(size=shape).astype(np.float32)
    soft = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    one_hot = np.eye(4, dtype=np.float32)[rng.integers(0, 4, size=shape[:-1])]
    y_true, y_pred = {
        "probabilities": (rng.integers(0, 2, size=shape).astype(np.float32), soft),
        "logits": (one_hot, logits),
        "distributions": (np.abs(soft + 0.1 * one_hot) / 1.1, soft),
        "sparse": (rng.integers(0, 4, size=shape[:-1]).astype(np.float32), logits),
        "labels": (
            rng.integers(0, 3, size=shape).astype(np.float32),
            rng.integers(0, 3, size=shape).astype(np.float32),
        ),
    }[kind]
    weights = np.linspace(0.0, 2.0, shape[0]).astype(np.float32)
    mine, theirs = getattr(nerve.metrics, name)(**kwargs), getattr(keras_metrics, name)(**kwargs)
    for m in (mine, theirs):
        m.update_state(y_true[:3], y_pred[:3])
        m.update_state(y_true[3:], y_pred[3:], sample_weight=weights[3:])
    assert mine.result() == pytest.approx(float(theirs.result()), rel=1e-5, abs=1e-6)
    assert mine.name == theirs.name


def test_loss_metrics_are_compile_metrics_as_in_keras():
    """Keras compiles a loss-as-metric class (KLDivergence) as a MeanMetricWrapper: the mean over
    samples of the per-sample KL divergence."""
    inputs = nerve.Input((4,))
    model = nerve.Model(inputs, L.Dense(3, activation="softmax")(inputs))
    model.compile("sgd", "categorical_crossentropy", metrics=[nerve.metrics.KLDivergence()])
    rng = np.random.default_rng(2)
    x = rng.normal(size=(6, 4)).astype(np.float32)
    y = rng.dirichlet(np.ones(3), size=6).astype(np.float32)
    p = np.clip(model.predict(x, verbose=0).astype(np.float64), 1e-7, 1.0)
    t = np.clip(y.astype(np.float64), 1e-7, 1.0)
    want = np.mean(np.sum(t * np.log(t / p), axis=-1))
    got = model.evaluate(x, y, verbose=0, return_dict=True)["kl_divergence"]
    assert got == pytest.approx(want, rel=1e-5)


@pytest.mark.parametrize("name", ["Mean", "Sum"])
def test_reduce_metrics_match_keras_sample_by_sample(name):
    keras_metrics = _keras_metrics()
    rng = np.random.default_rng(4)
    batches = [
        (rng.normal(size=(3, 2)), None),
        (rng.normal(size=(2, 5)), None),  # another number of values per sample
        (rng.normal(size=(4, 3)), rng.random(4)),
        (rng.normal(size=(2, 3)), rng.random((2, 3))),
        (rng.normal(size=(3, 1)), rng.random(3)),
        (rng.normal(size=()), None),
    ]
    mine, theirs = getattr(nerve.metrics, name)(), getattr(keras_metrics, name)()
    for values, weights in batches:
        mine.update_state(values, sample_weight=weights)
        theirs.update_state(values, sample_weight=weights)
        assert mine.result() == pytest.approx(float(theirs.result()), rel=1e-5, abs=1e-6)


class DefaultStep(nerve.Model):
    """Keras's default train_step, reached through super() (the model's override adds nothing)."""

    def train_step(self, data):
        return super().train_step(data)


@quiet
def test_default_train_step_with_two_outputs_and_loss_weights_matches_builtin():
    def parts():
        inputs = nerve.Input((5,))
        hidden = L.Dense(6, activation="tanh", name="hidden")(inputs)
        return inputs, [L.Dense(1, name="a")(hidden), L.Dense(2, name="b")(hidden)]

    x, y = _data()
    y2 = np.concatenate([y, -y], axis=1)
    builtin, custom = nerve.Model(*parts()), DefaultStep(*parts())
    custom.set_weights(builtin.get_weights())
    for m in (builtin, custom):
        m.compile(
            nerve.optimizers.SGD(0.05), ["mse", "mae"], loss_weights=[1.0, 0.5], metrics=["mae"]
        )
    h1 = builtin.fit(x, [y, y2], batch_size=8, epochs=2, shuffle=False, verbose=0)
    h2 = custom.fit(x, [y, y2], batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(builtin.get_weights(), custom.get_weights()):
        np.testing.assert_allclose(b, a, atol=1e-5)
    assert list(h2.history) == ["loss", "a_mae", "b_mae", "a_loss", "b_loss"]  # Keras's order
    for key in h2.history:
        np.testing.assert_allclose(h2.history[key], h1.history[key], rtol=1e-5)
