"""Overridden train_step / test_step traced into C++ (nerve.models.step_tracing): fit and evaluate
run the traced program in C++ chunks, giving the same weights, History and logs as the same step
run from Python once per batch, and as the built-in fit; a step that cannot be traced runs from
Python with one warning naming the reason.

The Python-path twin of each traced model is the same class with a step that also appends to a
list (a Python side effect, which a C++ replay would not repeat), so fit must run it from Python.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nerve
from nerve import layers as L
from nerve.utils import unpack_x_y_sample_weight

python_path = pytest.mark.filterwarnings("ignore:.*which is Python code:UserWarning")


def _data(n=48, features=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype(np.float32)
    y = (x @ rng.normal(size=(features, 1)) + 0.3).astype(np.float32)
    return x, y


def _mlp_parts(regularized=False):
    inputs = nerve.Input((5,))
    hidden = L.Dense(
        7, activation="tanh", kernel_regularizer="l2" if regularized else None, name="hidden"
    )(inputs)
    return inputs, L.Dense(1, name="out")(hidden)


class GuideModel(nerve.Model):
    """The Keras guide's step: the built-in math by hand, metrics from self.metrics."""

    def train_step(self, data):
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with nerve.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        trainable = self.trainable_weights
        self.optimizer.apply_gradients(zip(tape.gradient(loss, trainable), trainable))
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred, sample_weight)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred, sample_weight)
        return {m.name: m.result() for m in self.metrics}


class PythonGuideModel(GuideModel):
    """GuideModel with a Python side effect in its steps: fit runs it from Python."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen = []

    def train_step(self, data):
        self.seen.append("train")
        return super().train_step(data)

    def test_step(self, data):
        self.seen.append("test")
        return super().test_step(data)


def _fit_quietly(model, *args, **kwargs):
    """fit, returning (History, the warnings about Python steps)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(*args, **kwargs)
    return history, [str(w.message) for w in caught if "Python code" in str(w.message)]


def _triplets(regularized=False, metrics=("mae",), optimizer=lambda: nerve.optimizers.SGD(0.05)):
    builtin = nerve.Model(*_mlp_parts(regularized))
    traced = GuideModel(*_mlp_parts(regularized))
    python = PythonGuideModel(*_mlp_parts(regularized))
    for m in (traced, python):
        m.set_weights(builtin.get_weights())
    for m in (builtin, traced, python):
        m.compile(optimizer(), "mse", metrics=list(metrics))
    return builtin, traced, python


@pytest.mark.parametrize("regularized", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_traced_step_matches_python_path_and_builtin_fit(regularized, weighted):
    x, y = _data()
    w = np.linspace(0.2, 2.0, len(x)).astype(np.float32) if weighted else None
    builtin, traced, python = _triplets(regularized)
    args = dict(sample_weight=w, batch_size=8, epochs=3, shuffle=True, verbose=0)
    nerve.utils.set_random_seed(3)
    h_builtin = builtin.fit(x, y, **args)
    nerve.utils.set_random_seed(3)
    h_traced, warned = _fit_quietly(traced, x, y, **args)
    assert warned == []  # traced: nothing to say
    nerve.utils.set_random_seed(3)
    h_python, warned = _fit_quietly(python, x, y, **args)
    assert len(warned) == 1 and "attribute 'seen'" in warned[0]
    assert python.seen == ["train"] * 18  # 3 epochs x 6 batches, from Python
    for a, b, c in zip(builtin.get_weights(), traced.get_weights(), python.get_weights()):
        np.testing.assert_allclose(b, c, atol=1e-6)  # traced == the same step from Python
        np.testing.assert_allclose(b, a, atol=1e-5)  # == the built-in step
    assert list(h_traced.history) == list(h_python.history) == ["loss", "mae"]
    for k in ("loss", "mae"):
        np.testing.assert_allclose(h_traced.history[k], h_python.history[k], rtol=1e-5)
    if not weighted:  # (the guide's step weighs "mae" by sample_weight; compile()'s does not)
        np.testing.assert_allclose(h_traced.history["mae"], h_builtin.history["mae"], rtol=1e-5)
    if not weighted and not regularized:  # (the step's tracker averages batches' losses)
        np.testing.assert_allclose(h_traced.history["loss"], h_builtin.history["loss"], rtol=1e-5)


def test_the_trace_holds_the_whole_step_and_is_made_once():
    x, y = _data()
    _, traced, _ = _triplets(optimizer=lambda: nerve.optimizers.Adam(1e-2))
    traced.fit(x, y, batch_size=8, epochs=2, verbose=0)
    traced.fit(x, y, batch_size=8, epochs=1, verbose=0)
    programs = list(traced._traced_steps.values())
    assert len(programs) == 1  # the second fit reuses the trace
    ops = programs[0].program.step_ops
    assert ops[0] == "model" and "loss:mean_squared_error" in ops
    metric = next(op for op in ops if op.startswith("metric:"))
    assert ops.index("gradient") < ops.index("apply_gradients:Adam") < ops.index(metric)
    assert traced.optimizer.iterations == 3 * 6


@python_path
def test_evaluate_and_validation_run_the_traced_test_step():
    x, y = _data()
    xv, yv = _data(n=20, seed=1)
    _, traced, python = _triplets()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the traced evaluate says nothing
        got = traced.evaluate(xv, yv, batch_size=6, verbose=0, return_dict=True)
    want = python.evaluate(xv, yv, batch_size=6, verbose=0, return_dict=True)
    assert python.seen == ["test"] * 4
    assert got.keys() == want.keys() == {"loss", "mae"}
    for k in got:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-6)
    args = dict(batch_size=8, epochs=2, validation_data=(xv, yv), shuffle=False, verbose=0)
    h1 = traced.fit(x, y, **args)
    h2 = python.fit(x, y, **args)
    for k in ("loss", "mae", "val_loss", "val_mae"):
        np.testing.assert_allclose(h1.history[k], h2.history[k], rtol=1e-5)


class GAN(nerve.Model):
    """The guide's GAN shape (custom compile, two optimizers, alternating D and G updates in one
    step), with the latent vectors given as the batch's targets so that the traced and the
    Python runs draw the same ones."""

    def __init__(self, discriminator, generator):
        super().__init__()
        self.discriminator, self.generator = discriminator, generator
        self.d_loss_tracker = nerve.metrics.Mean(name="d_loss")
        self.g_loss_tracker = nerve.metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def train_step(self, data):
        real, latent = data
        fake = self.generator(latent)
        with nerve.GradientTape() as tape:
            d_real = self.discriminator(real, training=True)
            d_fake = self.discriminator(fake, training=True)
            d_loss = self.loss_fn(nerve.ops.zeros_like(d_real), d_real) + self.loss_fn(
                nerve.ops.ones_like(d_fake), d_fake
            )
        d_weights = self.discriminator.trainable_weights
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_weights), d_weights))
        with nerve.GradientTape() as tape:
            fooled = self.discriminator(self.generator(latent, training=True))
            g_loss = self.loss_fn(nerve.ops.zeros_like(fooled), fooled)
        g_weights = self.generator.trainable_weights
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_weights), g_weights))
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


class PythonGAN(GAN):
    def __init__(self, *args):
        super().__init__(*args)
        self.steps_seen = []

    def train_step(self, data):
        self.steps_seen.append(1)
        return super().train_step(data)


def _gan(cls, d_weights=None, g_weights=None):
    d = nerve.Sequential([nerve.Input((3,)), L.Dense(8, activation="relu"), L.Dense(1)])
    g = nerve.Sequential([nerve.Input((4,)), L.Dense(8, activation="relu"), L.Dense(3)])
    if d_weights is not None:
        d.set_weights(d_weights)
        g.set_weights(g_weights)
    gan = cls(d, g)
    gan.compile(
        nerve.optimizers.Adam(1e-2),
        nerve.optimizers.SGD(0.05, momentum=0.5),
        nerve.losses.BinaryCrossentropy(from_logits=True),
    )
    return gan


@python_path
def test_gan_with_two_optimizers_traced_equals_its_python_path():
    rng = np.random.default_rng(1)
    real = rng.normal(2.0, 0.5, size=(32, 3)).astype(np.float32)
    latent = rng.normal(size=(32, 4)).astype(np.float32)
    traced = _gan(GAN)
    python = _gan(PythonGAN, traced.discriminator.get_weights(), traced.generator.get_weights())
    h1, warned = _fit_quietly(
        traced, real, latent, batch_size=8, epochs=3, shuffle=False, verbose=0
    )
    assert warned == []
    h2 = python.fit(real, latent, batch_size=8, epochs=3, shuffle=False, verbose=0)
    assert len(python.steps_seen) == 12
    assert traced.d_optimizer.iterations == traced.g_optimizer.iterations == 12
    ops = next(iter(traced._traced_steps.values())).program.step_ops
    assert ops.count("gradient") == 2
    assert ops.index("apply_gradients:Adam") < ops.index("apply_gradients:SGD")
    for a, b in zip(
        traced.discriminator.get_weights() + traced.generator.get_weights(),
        python.discriminator.get_weights() + python.generator.get_weights(),
    ):
        np.testing.assert_allclose(a, b, atol=1e-6)
    for k in ("d_loss", "g_loss"):
        np.testing.assert_allclose(h1.history[k], h2.history[k], rtol=1e-5)


def test_trackers_reach_history_callbacks_and_the_progress_bar(capsys):
    x, y = _data(n=24)
    _, traced, _ = _triplets()
    batch_logs, epoch_logs = [], []
    cb = nerve.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: batch_logs.append((batch, dict(logs))),
        on_epoch_end=lambda epoch, logs: epoch_logs.append(dict(logs)),
    )
    history = traced.fit(x, y, batch_size=6, epochs=2, shuffle=False, verbose=1, callbacks=[cb])
    assert [b for b, _ in batch_logs] == [0, 1, 2, 3] * 2  # a per-batch callback: steps of one
    assert all(set(logs) == {"loss", "mae"} for _, logs in batch_logs)
    assert batch_logs[3][1] == epoch_logs[0]  # the running means after the epoch's last batch
    assert history.history["loss"] == [e["loss"] for e in epoch_logs]
    # the trackers were reset at the second epoch's start: its first batch is its own mean
    assert batch_logs[4][1]["loss"] != batch_logs[3][1]["loss"]
    out = capsys.readouterr().out
    assert "Epoch 2/2" in out and "loss:" in out and "mae:" in out


class ValueBranching(GuideModel):
    """Python control flow on a tensor value: not traceable."""

    def train_step(self, data):
        logs = super().train_step(data)
        if float(logs["loss"]) > 1e9:
            raise RuntimeError("diverged")
        return logs


def test_an_untraceable_step_runs_from_python_and_says_why_once():
    x, y = _data(n=24)
    model = ValueBranching(*_mlp_parts())
    reference = PythonGuideModel(*_mlp_parts())
    reference.set_weights(model.get_weights())
    for m in (model, reference):
        m.compile(nerve.optimizers.SGD(0.05), "mse", metrics=["mae"])
    _, warned = _fit_quietly(model, x, y, batch_size=6, epochs=3, shuffle=False, verbose=0)
    assert len(warned) == 1
    assert "could not be traced" in warned[0] and "float()" in warned[0]
    assert "ValueBranching" in warned[0] and "once per batch from Python" in warned[0]
    _fit_quietly(reference, x, y, batch_size=6, epochs=3, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)  # the failed trace changed nothing


class Counting(GuideModel):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.count = 0

    def train_step(self, data):
        self.count += 1
        return super().train_step(data)


def test_a_step_with_a_python_side_effect_runs_every_time():
    x, y = _data(n=24)
    model = Counting(*_mlp_parts())
    model.compile(nerve.optimizers.SGD(0.05), "mse")
    _, warned = _fit_quietly(model, x, y, batch_size=6, epochs=2, verbose=0)
    assert model.count == 8
    assert len(warned) == 1 and "attribute 'count'" in warned[0]


class ClassCounting(GuideModel):
    calls = 0

    def train_step(self, data):
        ClassCounting.calls += 1
        return super().train_step(data)


def test_a_counter_kept_on_the_class_counts_every_step():
    x, y = _data(n=24)
    model = ClassCounting(*_mlp_parts())
    model.compile(nerve.optimizers.SGD(0.05), "mse")
    _, warned = _fit_quietly(model, x, y, batch_size=6, epochs=2, verbose=0)
    assert ClassCounting.calls == 8
    assert len(warned) == 1 and "class attribute 'ClassCounting.calls'" in warned[0]


def test_layers_frozen_between_fits_are_retraced():
    x, y = _data(n=24)
    model = GuideModel(*_mlp_parts())
    model.compile(nerve.optimizers.SGD(0.05), "mse")
    model.fit(x, y, batch_size=6, epochs=1, verbose=0)
    hidden = model.get_layer("hidden")
    hidden.trainable = False
    frozen = hidden.get_weights()
    out_before = model.get_layer("out").get_weights()
    _, warned = _fit_quietly(model, x, y, batch_size=6, epochs=1, verbose=0)
    assert warned == []
    for a, b in zip(frozen, hidden.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert any(
        not np.array_equal(a, b) for a, b in zip(out_before, model.get_layer("out").get_weights())
    )
    hidden.trainable = True
    model.fit(x, y, batch_size=6, epochs=1, verbose=0)
    assert any(not np.array_equal(a, b) for a, b in zip(frozen, hidden.get_weights()))
    assert len(model._traced_steps) == 2  # trainable, frozen (unfrozen reuses the first)


def test_step_program_checks_its_arrays():
    x, y = _data(n=24)
    _, traced, _ = _triplets()
    traced.fit(x, y, batch_size=6, epochs=1, verbose=0)
    program = next(iter(traced._traced_steps.values())).program
    arrays = [nerve.Tensor(x), nerve.Tensor(y[:10])]
    with pytest.raises(ValueError, match="every array must have 24 samples"):
        program.run_chunk(arrays, None, 6, 0, 1)
    with pytest.raises(ValueError, match="traced step takes 2 inputs, got 1"):
        program.run([nerve.Tensor(x)])


class NumpyNoise(GuideModel):
    """Draws numpy noise in the step: traced, it would be one constant, so it runs from Python."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rng = np.random.default_rng(0)

    def train_step(self, data):
        x, y = data
        noise = nerve.Tensor(self.rng.normal(0, 0.01, size=(5,)).astype(np.float32))
        return super().train_step((x + noise, y))


def test_numpy_random_draws_in_the_step_are_not_frozen_into_the_trace():
    x, y = _data(n=24)
    model = NumpyNoise(*_mlp_parts())
    model.compile(nerve.optimizers.SGD(0.05), "mse")
    state = model.rng.bit_generator.state
    _, warned = _fit_quietly(model, x, y, batch_size=6, epochs=1, verbose=0)
    assert len(warned) == 1 and "numpy random generator 'rng'" in warned[0]
    replay = np.random.default_rng(0)
    replay.bit_generator.state = state
    for _ in range(4):  # the trace's draw was undone: four steps, four draws
        replay.normal(0, 0.01, size=(5,))
    assert model.rng.bit_generator.state == replay.bit_generator.state


class BatchSized(GuideModel):
    """Uses the batch size (ops.shape) after the last op reading x: C++ must keep x for it."""

    def train_step(self, data):
        x, y = data
        n = nerve.ops.shape(x)[0]
        with nerve.GradientTape() as tape:
            y_pred = self(x, training=True) * nerve.ops.ones((n, 1))
            loss = self.compute_loss(y=y, y_pred=y_pred)
        trainable = self.trainable_weights
        self.optimizer.apply_gradients(zip(tape.gradient(loss, trainable), trainable))
        return {"rows": nerve.ops.sum(nerve.ops.ones((n,)))}


class PythonBatchSized(BatchSized):
    def train_step(self, data):
        self.seen = getattr(self, "seen", 0) + 1
        return super().train_step(data)


def test_batch_size_from_ops_shape_is_filled_in_on_every_step():
    x, y = _data(n=20)  # batches of 8, 8 and 4 rows
    traced, python = BatchSized(*_mlp_parts()), PythonBatchSized(*_mlp_parts())
    python.set_weights(traced.get_weights())
    for m in (traced, python):
        m.compile(nerve.optimizers.SGD(0.05), "mse")
    seen = []
    cb = nerve.callbacks.LambdaCallback(
        on_train_batch_end=lambda b, logs: seen.append(logs["rows"])
    )
    _, warned = _fit_quietly(
        traced, x, y, batch_size=8, epochs=1, shuffle=False, verbose=0, callbacks=[cb]
    )
    assert warned == [] and seen == [8.0, 8.0, 4.0]
    _fit_quietly(python, x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(traced.get_weights(), python.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


@python_path
def test_batches_from_a_generator_run_the_traced_step():
    x, y = _data(n=24)
    _, from_arrays, _ = _triplets()
    _, from_batches, python = _triplets()
    for m in (from_batches, python):
        m.set_weights(from_arrays.get_weights())

    def batches():
        for i in range(0, 24, 6):
            yield x[i : i + 6], y[i : i + 6]

    h1 = from_arrays.fit(x, y, batch_size=6, epochs=1, shuffle=False, verbose=0)
    h2, warned = _fit_quietly(from_batches, batches(), epochs=1, verbose=0)
    assert warned == [] and len(from_batches._traced_steps) == 1
    h3, _ = _fit_quietly(python, batches(), epochs=1, verbose=0)
    assert python.seen == ["train"] * 4
    for a, b, c in zip(from_arrays.get_weights(), from_batches.get_weights(), python.get_weights()):
        np.testing.assert_allclose(b, a, atol=1e-6)
        np.testing.assert_allclose(b, c, atol=1e-6)
    for k in ("loss", "mae"):
        np.testing.assert_allclose(h2.history[k], h1.history[k], rtol=1e-6)
        np.testing.assert_allclose(h2.history[k], h3.history[k], rtol=1e-6)
    got = from_batches.evaluate(batches(), verbose=0, return_dict=True)
    want = python.evaluate(batches(), verbose=0, return_dict=True)
    for k in got:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-5)
