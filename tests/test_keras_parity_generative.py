"""Keras parity of what issue 15 brought for generative models, written as a Keras user writes it
and checked against Keras 3 itself (KERAS_BACKEND=jax) from the same weights and inputs:
Conv2DTranspose, UpSampling2D, Cropping2D, RepeatVector (forward and every gradient, through
jax.grad of the Keras layer's stateless_call), GaussianNoise / GaussianDropout (training vs
inference, seeds, predict), ActivityRegularization and add_loss (model.losses, evaluate, fit),
the VAE's train_step (GradientTape, apply_gradients, Mean trackers, the `metrics` property), the
loss functions and ops it uses, nerve.random, and a Sequential of these layers through summary
and save / load in both libraries. Small shapes: JAX compiles each case."""

import os
import tempfile
import warnings

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")
jax = pytest.importorskip("jax")
jnp = jax.numpy

import nerve  # noqa: E402
from nerve import layers as L  # noqa: E402
from nerve import ops  # noqa: E402

RNG = np.random.default_rng(15)


def _close(label, got, want, rtol=1e-5):
    """max |got - want| relative to max |want| (elements near zero are sums whose float32
    rounding depends on the order of the terms)."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape, f"{label}: shape {got.shape} in nerve, {want.shape} in Keras"
    scale = max(float(np.max(np.abs(want))), 1e-30) if want.size else 1.0
    diff = float(np.max(np.abs(got - want))) / scale if want.size else 0.0
    assert diff <= rtol, f"{label}: nerve differs from Keras by {diff:.3g} (relative)"


def _keras_forward_and_grads(layer, x, g, **call_kwargs):
    """Keras's output and the gradients of sum(output * g) for the input, then each trainable
    weight in the layer's order."""
    trainable = [v.value for v in layer.trainable_variables]
    fixed = [v.value for v in layer.non_trainable_variables]

    def f(x, weights):
        y, _ = layer.stateless_call(weights, fixed, x, **call_kwargs)
        return jnp.sum(y * g), y

    # one jit-compiled program: about 30% less CPU than JAX's op-by-op dispatch here
    grad_fn = jax.jit(jax.value_and_grad(f, argnums=(0, 1), has_aux=True))
    (_, y), (dx, dw) = grad_fn(jnp.asarray(x), trainable)
    return np.asarray(y), [np.asarray(dx)] + [np.asarray(d) for d in dw]


def _nerve_forward_and_grads(layer, x, g, training=False):
    xt = nerve.Tensor(x)
    with nerve.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt, training=training)
        loss = ops.sum(ops.multiply(y, nerve.Tensor(g)))
    grads = tape.gradient(loss, [xt] + list(layer.trainable_weights))
    return np.asarray(y), [np.asarray(d) for d in grads]


def _compare_layer(make, x, **call_kwargs):
    """The layer made by make(library's layers) in Keras and in nerve (same weights): output,
    input gradient and weight gradients, predict, and the output shape."""
    k_layer = make(keras.layers)
    k_out = k_layer(x)
    n_layer = make(L)
    model = nerve.Sequential([nerve.Input(x.shape[1:]), n_layer])
    n_layer.set_weights(k_layer.get_weights())
    g = RNG.standard_normal(k_out.shape).astype(np.float32)
    k_y, k_grads = _keras_forward_and_grads(k_layer, x, g, **call_kwargs)
    n_y, n_grads = _nerve_forward_and_grads(n_layer, x, g)
    name = type(n_layer).__name__
    assert model.output_shape == (None,) + tuple(k_y.shape[1:]), name
    _close(f"{name} forward", n_y, k_y)
    _close(f"{name} predict", model.predict(x, verbose=0), k_y)
    assert len(n_grads) == len(k_grads), f"{name}: {len(n_grads)} gradients, Keras {len(k_grads)}"
    for i, (a, b) in enumerate(zip(n_grads, k_grads)):
        _close(f"{name} gradient {i} (0: input, then weights)", a, b)


# ---- Conv2DTranspose -----------------------------------------------------------------------------
CONV2D_TRANSPOSE_CASES = [
    # (input h, w), kernel_size, keyword arguments
    ((5, 5), 3, dict(strides=2, padding="same", activation="relu")),
    ((5, 5), 4, dict(strides=2, padding="valid", use_bias=False)),
    ((4, 6), (3, 2), dict(strides=(2, 3), padding="same", activation="tanh")),
    ((5, 5), 3, dict(strides=3, padding="valid", output_padding=(2, 1))),
    ((5, 5), 3, dict(strides=2, padding="same", output_padding=1, activation="sigmoid")),
    ((5, 5), 2, dict(strides=3, padding="same")),  # kernel smaller than the stride
    ((5, 4), (2, 3), dict(padding="same", dilation_rate=(2, 1))),
    ((5, 5), 3, dict(padding="valid", dilation_rate=2, use_bias=False)),
]


@pytest.mark.parametrize("hw,kernel_size,kwargs", CONV2D_TRANSPOSE_CASES)
def test_conv2d_transpose_forward_and_gradients_match_keras(hw, kernel_size, kwargs):
    x = RNG.standard_normal((2, *hw, 3)).astype(np.float32)
    _compare_layer(lambda layers: layers.Conv2DTranspose(4, kernel_size, **kwargs), x)


@pytest.mark.parametrize("initializer", ["glorot_uniform", "he_normal", "lecun_uniform"])
def test_conv2d_transpose_initial_kernel_is_distributed_as_keras(initializer):
    # the fans of the transposed layout (kh, kw, filters, in_channels) are Keras's
    n_layer = L.Conv2DTranspose(64, (3, 5), kernel_initializer=initializer)
    nerve.Sequential([nerve.Input((4, 4, 16)), n_layer])
    k_layer = keras.layers.Conv2DTranspose(64, (3, 5), kernel_initializer=initializer)
    k_layer.build((None, 4, 4, 16))
    ours, theirs = n_layer.get_weights()[0], np.asarray(k_layer.get_weights()[0])
    assert ours.shape == theirs.shape == (3, 5, 64, 16)
    assert ours.std() == pytest.approx(theirs.std(), rel=0.03)  # 15,360 draws each
    assert np.abs(ours).max() <= np.abs(theirs).max() * 1.15


@pytest.mark.parametrize(
    "kwargs,words",
    [
        (dict(strides=2, dilation_rate=2), "dilation_rate must be 1 when strides > 1"),
        (dict(strides=2, output_padding=2), "output_padding must be strictly less than strides"),
        (dict(output_padding=1), "output_padding must be strictly less than strides"),
        (dict(padding="causal"), "padding must be 'valid' or 'same'"),
    ],
)
def test_conv2d_transpose_arguments_keras_refuses_are_refused(kwargs, words):
    with pytest.raises(ValueError):
        keras.layers.Conv2DTranspose(4, 3, **kwargs)
    with pytest.raises(ValueError, match=f"Conv2DTranspose.*{words}"):
        L.Conv2DTranspose(4, 3, **kwargs)


def test_conv2d_transpose_channels_first_is_refused_as_not_supported():
    with pytest.raises(ValueError, match="Conv2DTranspose.*channels_first.*not supported"):
        L.Conv2DTranspose(4, 3, data_format="channels_first")


# ---- UpSampling2D, Cropping2D, RepeatVector --------------------------------------------------------
@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda layers: layers.UpSampling2D(2), (2, 3, 4, 2)),
        (lambda layers: layers.UpSampling2D((2, 3), interpolation="bilinear"), (2, 3, 4, 2)),
        (lambda layers: layers.UpSampling2D((4, 1), interpolation="bilinear"), (2, 3, 4, 2)),
        (
            lambda layers: layers.UpSampling2D(2, interpolation="Bilinear"),
            (1, 2, 3, 1),
        ),  # Keras lowers
        (lambda layers: layers.Cropping2D(1), (2, 5, 6, 2)),
        (lambda layers: layers.Cropping2D((1, 2)), (2, 5, 6, 2)),
        (lambda layers: layers.Cropping2D(((0, 1), (2, 0))), (2, 5, 6, 2)),
        (lambda layers: layers.RepeatVector(3), (2, 4)),
    ],
)
def test_reshaping_layers_forward_and_gradient_match_keras(make, shape):
    _compare_layer(make, RNG.standard_normal(shape).astype(np.float32))


def test_up_sampling2d_interpolation_names_as_keras():
    assert L.UpSampling2D(interpolation="Bilinear").get_config()["interpolation"] == "bilinear"
    assert keras.layers.UpSampling2D(interpolation="Bilinear").get_config()["interpolation"] == (
        "bilinear"
    )
    for keras_filter in ("bicubic", "lanczos3", "area"):  # Keras resizes with these: refused
        with pytest.raises(ValueError, match="UpSampling2D.*only 'nearest' and 'bilinear'"):
            L.UpSampling2D(interpolation=keras_filter)


# ---- GaussianNoise, GaussianDropout -----------------------------------------------------------------
@pytest.mark.parametrize(
    "name,arg,std", [("GaussianNoise", 0.3, 0.3), ("GaussianDropout", 0.2, 1.0)]
)
def test_noise_layers_behave_as_keras_in_training_and_inference(name, arg, std):
    x = np.full((2000, 50), 2.0, np.float32)  # GaussianDropout's deviation: 2 * sqrt(.2 / .8)
    for library, Input, Sequential in (
        (keras.layers, keras.Input, keras.Sequential),
        (L, nerve.Input, nerve.Sequential),
    ):
        who = f"{library.__name__}.{name}"
        layer = getattr(library, name)(arg, seed=5)
        np.testing.assert_array_equal(np.asarray(layer(x)), x, err_msg=f"{who}: default call")
        first = np.asarray(layer(x, training=True))
        second = np.asarray(layer(x, training=True))
        assert abs(first.mean() - 2.0) < 0.01 and abs(first.std() - std) < 0.01, who
        assert not np.array_equal(first, second), f"{who}: fresh noise on each call"
        again = np.asarray(getattr(library, name)(arg, seed=5)(x, training=True))
        np.testing.assert_array_equal(again, first, err_msg=f"{who}: the seed repeats")
        zero = np.asarray(getattr(library, name)(0.0)(x[:4], training=True))
        np.testing.assert_array_equal(zero, x[:4], err_msg=f"{who}: a zero argument")
        model = Sequential([Input((50,)), getattr(library, name)(arg, seed=1)])
        np.testing.assert_array_equal(model.predict(x[:8], verbose=0), x[:8], err_msg=who)
        np.testing.assert_array_equal(np.asarray(model(x[:8])), x[:8], err_msg=who)
        assert not np.array_equal(np.asarray(model(x[:8], training=True)), x[:8]), who
        for bad in (-0.1, 1.5):
            with pytest.raises(ValueError):
                getattr(library, name)(bad)


def test_gaussian_dropout_rate_one_is_refused():
    # Keras accepts it and then multiplies by noise of infinite deviation (NaN outputs)
    with pytest.raises(ValueError, match="GaussianDropout.*rate must be a float in \\[0, 1\\)"):
        L.GaussianDropout(1.0)


# ---- ActivityRegularization, add_loss, model.losses -------------------------------------------------
def _penalised_model(library, model_class=None):
    class Penalty(library.layers.Layer):  # a custom layer's add_loss, as the Keras guide's
        def call(self, inputs):
            self.add_loss(0.01 * library.ops.sum(library.ops.square(inputs)))
            return inputs

    inputs = library.Input((5,))
    h = library.layers.Dense(3, kernel_regularizer=library.regularizers.L2(0.1))(inputs)
    h = library.layers.ActivityRegularization(l1=0.05, l2=0.1)(h)
    model = (model_class or library.Model)(inputs, Penalty()(h))
    model.compile(optimizer=library.optimizers.SGD(0.1), loss="mse")
    return model


X5 = RNG.standard_normal((8, 5)).astype(np.float32)
Y3 = RNG.standard_normal((8, 3)).astype(np.float32)


def test_model_losses_evaluate_and_fit_include_every_penalty_as_keras():
    k_model, n_model = _penalised_model(keras), _penalised_model(nerve)
    n_model.set_weights(k_model.get_weights())
    k_model(X5), n_model(X5)
    assert n_model.losses, "model.losses after a call"
    _close("sum(model.losses)", float(sum(n_model.losses)), float(sum(k_model.losses)))
    for k_layer, n_layer in zip(k_model.layers, n_model.layers):
        _close(f"{n_layer.name}.losses", sum(n_layer.losses), float(sum(k_layer.losses)))
    _close(
        "evaluate",
        n_model.evaluate(X5, Y3, batch_size=8, verbose=0),
        k_model.evaluate(X5, Y3, batch_size=8, verbose=0),
    )
    fit = dict(epochs=2, batch_size=4, verbose=0, shuffle=False)
    k_history = k_model.fit(X5, Y3, **fit).history
    n_history = n_model.fit(X5, Y3, **fit).history
    _close("fit's loss", n_history["loss"], k_history["loss"])
    for a, b in zip(n_model.get_weights(), k_model.get_weights()):
        _close("weights after fit", a, b)
    plain = nerve.Sequential([nerve.Input((5,)), L.Dense(2)])
    plain(X5)
    assert plain.losses == [] and nerve.Sequential().losses == []


class _SumOfLossesStep(nerve.Model):
    """The Keras guide's custom step: the loss plus sum(self.losses) of the forward pass."""

    def train_step(self, data):
        x, y = data
        with nerve.GradientTape() as tape:
            loss = ops.mean(ops.square(self(x, training=True) - y)) + sum(self.losses)
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        return {"loss": loss}


class _SumOfLossesPythonStep(_SumOfLossesStep):
    """The same step run from Python (a numpy conversion cannot be traced): self.losses is then
    the eager penalty, recorded by the tape."""

    def train_step(self, data):
        np.asarray(self(data[0]))
        return super().train_step(data)


@pytest.mark.parametrize("step_class", [_SumOfLossesStep, _SumOfLossesPythonStep])
def test_sum_of_model_losses_in_a_train_step_trains_as_keras_fit(step_class):
    k_model, n_model = _penalised_model(keras), _penalised_model(nerve, step_class)
    n_model.set_weights(k_model.get_weights())
    fit = dict(epochs=2, batch_size=4, verbose=0, shuffle=False)
    k_model.fit(X5, Y3, **fit)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        n_model.fit(X5, Y3, **fit)
    from_python = [w for w in caught if "could not be traced" in str(w.message)]
    assert bool(from_python) == (step_class is _SumOfLossesPythonStep), caught
    for a, b in zip(n_model.get_weights(), k_model.get_weights()):
        _close("weights after fit", a, b)


# ---- the VAE: loss functions, ops, train_step, trackers -------------------------------------------
LOSS_CASES = [
    ("binary_crossentropy", "probabilities", {}),
    ("binary_crossentropy", "logits", {"from_logits": True}),
    ("binary_crossentropy", "probabilities", {"label_smoothing": 0.1}),
    ("mean_squared_error", "logits", {}),
    ("mean_absolute_error", "logits", {}),
    ("huber", "logits", {"delta": 0.7}),
    ("kl_divergence", "softmax", {}),
    ("categorical_crossentropy", "softmax", {}),
    ("categorical_crossentropy", "logits", {"from_logits": True, "label_smoothing": 0.2}),
    ("sparse_categorical_crossentropy", "logits", {"from_logits": True}),
]


@pytest.mark.parametrize("name,pred_kind,kwargs", LOSS_CASES)
def test_loss_functions_on_tensors_match_keras_values_and_gradients(name, pred_kind, kwargs):
    logits = RNG.standard_normal((3, 4, 5)).astype(np.float32)
    pred = {
        "logits": logits,
        "probabilities": 1.0 / (1.0 + np.exp(-logits)),
        "softmax": np.exp(logits) / np.exp(logits).sum(-1, keepdims=True),
    }[pred_kind].astype(np.float32)
    if name.startswith("sparse"):
        true = RNG.integers(0, 5, (3, 4)).astype(np.float32)
    elif name in ("categorical_crossentropy", "kl_divergence"):
        true = np.eye(5, dtype=np.float32)[RNG.integers(0, 5, (3, 4))]
        true = true if name.startswith("cat") else (true + 0.1) / 1.5
    else:
        true = (RNG.uniform(size=(3, 4, 5)) > 0.5).astype(np.float32)
    g = RNG.standard_normal((3, 4)).astype(np.float32)
    k_fn, n_fn = getattr(keras.losses, name), getattr(nerve.losses, name)
    k_value, k_grad = jax.value_and_grad(
        lambda p: jnp.sum(k_fn(jnp.asarray(true), p, **kwargs) * g)
    )(jnp.asarray(pred))
    p = nerve.Tensor(pred)
    with nerve.GradientTape() as tape:
        tape.watch(p)
        per_sample = n_fn(nerve.Tensor(true), p, **kwargs)
        total = ops.sum(ops.multiply(per_sample, nerve.Tensor(g)))
    (n_grad,) = tape.gradient(total, [p])
    _close(f"{name} per sample", per_sample, k_fn(true, pred, **kwargs))
    _close(f"{name} gradient", n_grad, k_grad)
    _close(f"{name} on numpy", n_fn(true, pred, **kwargs), k_fn(true, pred, **kwargs))


def test_ops_the_vae_uses_match_keras():
    x = RNG.standard_normal((2, 3, 4)).astype(np.float32)
    for name, kwargs in [
        ("exp", {}),
        ("square", {}),
        ("mean", {}),
        ("mean", {"axis": (1, 2)}),
        ("sum", {"axis": (1, 2)}),
        ("sum", {"axis": [0, 2], "keepdims": True}),
        ("mean", {"axis": -1, "keepdims": True}),
    ]:
        want = getattr(keras.ops, name)(x, **kwargs)
        _close(f"ops.{name}{kwargs}", getattr(ops, name)(x, **kwargs), want)
    target = (RNG.uniform(size=(2, 3)) > 0.5).astype(np.float32)
    for from_logits in (False, True):
        out = x[:, :, 0] if from_logits else 1.0 / (1.0 + np.exp(-x[:, :, 0]))
        _close(
            "ops.binary_crossentropy",
            ops.binary_crossentropy(target, out, from_logits=from_logits),
            keras.ops.binary_crossentropy(target, out, from_logits=from_logits),
        )


def test_scalar_tensors_convert_to_python_numbers_as_jax_arrays():
    value = ops.sum(nerve.Tensor(np.array([0.75, 0.75], np.float32)))
    assert float(value) == 1.5 and int(value) == 1 and bool(value)
    assert not bool(ops.sum(nerve.Tensor(np.zeros(2, np.float32))))
    assert float(sum([value])) == 1.5  # sum(model.losses)
    with pytest.raises(TypeError, match="float.*shape \\(2,\\).*one element"):
        float(nerve.Tensor(np.ones(2, np.float32)))


IMAGE = 8  # the VAE of the Keras example, on 8x8 images with a 2-d latent space


def _encoder(library):
    images, eps = library.Input((IMAGE, IMAGE, 1)), library.Input((2,))
    h = library.layers.Conv2D(4, 3, activation="relu", strides=2, padding="same")(images)
    h = library.layers.Dense(6, activation="relu")(library.layers.Flatten()(h))
    z_mean = library.layers.Dense(2, name="z_mean")(h)
    z_log_var = library.layers.Dense(2, name="z_log_var")(h)
    return library.Model([images, eps], [z_mean, z_log_var])


def _decoder(library):
    z = library.Input((2,))
    h = library.layers.Reshape((4, 4, 4))(library.layers.Dense(64, activation="relu")(z))
    h = library.layers.Conv2DTranspose(4, 3, activation="relu", strides=2, padding="same")(h)
    out = library.layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(h)
    return library.Model(z, out)


def _vae_losses(library, images, z_mean, z_log_var, eps, decode):
    """The Keras example's losses; the noise is an input so both libraries draw the same."""
    o = library.ops
    reconstruction = decode(z_mean + o.exp(0.5 * z_log_var) * eps)
    bce = library.losses.binary_crossentropy(images, reconstruction)
    reconstruction_loss = o.mean(o.sum(bce, axis=(1, 2)))
    kl_loss = -0.5 * (1 + z_log_var - o.square(z_mean) - o.exp(z_log_var))
    kl_loss = o.mean(o.sum(kl_loss, axis=1))
    return reconstruction_loss + kl_loss, reconstruction_loss, kl_loss


class _VAE(nerve.Model):
    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder
        self.total_loss_tracker = nerve.metrics.Mean(name="total_loss")
        self.reconstruction_loss_tracker = nerve.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = nerve.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def train_step(self, data):
        images, eps = data[0]  # Keras: fit([images, eps]) gives the step ([images, eps],)
        with nerve.GradientTape() as tape:
            z_mean, z_log_var = self.encoder([images, eps])
            total, reconstruction, kl = _vae_losses(
                nerve, images, z_mean, z_log_var, eps, self.decoder
            )
        grads = tape.gradient(total, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        for tracker, value in zip(self.metrics, (total, reconstruction, kl)):
            tracker.update_state(value)
        return {m.name: m.result() for m in self.metrics}


def test_vae_train_step_matches_keras_gradients_and_trackers():
    k_encoder, k_decoder = _encoder(keras), _decoder(keras)
    n_encoder, n_decoder = _encoder(nerve), _decoder(nerve)
    n_encoder.set_weights(k_encoder.get_weights())
    n_decoder.set_weights(k_decoder.get_weights())
    images = RNG.uniform(size=(6, IMAGE, IMAGE, 1)).astype(np.float32)
    eps = RNG.standard_normal((6, 2)).astype(np.float32)
    k_weights = [v.value for v in k_encoder.trainable_variables + k_decoder.trainable_variables]
    n_enc = len(k_encoder.trainable_variables)

    def keras_loss(weights):
        (z_mean, z_log_var), _ = k_encoder.stateless_call(weights[:n_enc], [], [images, eps])

        def decode(z):
            return k_decoder.stateless_call(weights[n_enc:], [], z)[0]

        total, reconstruction, kl = _vae_losses(keras, images, z_mean, z_log_var, eps, decode)
        return total, (reconstruction, kl)

    (total, (reconstruction, kl)), k_grads = jax.jit(jax.value_and_grad(keras_loss, has_aux=True))(
        k_weights
    )
    vae = _VAE(n_encoder, n_decoder)
    vae.compile(optimizer=nerve.optimizers.SGD(0.1))
    before = [np.array(w) for w in vae.trainable_weights]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the step is traced into C++, not run from Python
        history = vae.fit([images, eps], epochs=1, batch_size=6, verbose=0, shuffle=False)
    assert list(history.history) == ["total_loss", "reconstruction_loss", "kl_loss"]
    for key, want in zip(history.history, (total, reconstruction, kl)):
        _close(f"history[{key}]", history.history[key], [float(want)])
    assert len(before) == len(k_grads)
    for w0, w1, k_grad in zip(before, vae.trainable_weights, k_grads):
        _close("SGD step (w0 - w1) / lr", (w0 - np.asarray(w1)) / 0.1, k_grad, rtol=1e-4)
    vae.total_loss_tracker.reset_state()
    assert float(vae.total_loss_tracker.result()) == 0.0
    assert hasattr(vae.total_loss_tracker, "reset_states") == hasattr(
        keras.metrics.Mean(), "reset_states"
    )


def test_random_normal_and_seed_generator_as_keras():
    for library in (keras, nerve):
        seed = library.random.SeedGenerator(1337)
        a = np.asarray(library.random.normal((3, 4), seed=seed))
        b = np.asarray(library.random.normal((3, 4), seed=seed))
        assert a.shape == (3, 4) and a.dtype == np.float32
        assert not np.array_equal(a, b), f"{library.__name__}: a SeedGenerator draws afresh"
        c = library.random.normal((3, 4), mean=2.0, stddev=0.5, seed=7)
        d = library.random.normal((3, 4), mean=2.0, stddev=0.5, seed=7)
        np.testing.assert_array_equal(np.asarray(c), np.asarray(d))
        many = np.asarray(library.random.normal((20000,), mean=2.0, stddev=0.5, seed=3))
        assert abs(many.mean() - 2.0) < 0.02 and abs(many.std() - 0.5) < 0.02
    with pytest.raises(ValueError, match="float32"):  # Keras without jax x64: float32 silently
        nerve.random.normal((2, 2), dtype="float64", seed=1)


# ---- a Sequential of these layers: summary, save and load in both libraries ----------------------
def _generative_stack(library):
    layers = library.layers
    return library.Sequential(
        [
            library.Input((6,)),
            layers.GaussianNoise(0.1, seed=1),
            layers.Dense(16, activation="relu"),
            layers.ActivityRegularization(l2=1e-3),
            layers.Reshape((2, 2, 4)),
            layers.UpSampling2D(2, interpolation="bilinear"),
            layers.Conv2DTranspose(3, 3, strides=2, padding="same", output_padding=1),
            layers.GaussianDropout(0.1, seed=2),
            layers.Cropping2D(((1, 1), (0, 2))),
            layers.Conv2DTranspose(2, (2, 3), use_bias=False),
            layers.UpSampling2D((1, 2)),
            layers.Flatten(),
            layers.RepeatVector(2),
        ]
    )


def test_sequential_of_generative_layers_summary_and_files_match_keras():
    k_model, n_model = _generative_stack(keras), _generative_stack(nerve)
    n_model.set_weights(k_model.get_weights())
    x = RNG.standard_normal((4, 6)).astype(np.float32)
    want = k_model.predict(x, verbose=0)
    _close("predict", n_model.predict(x, verbose=0), want)
    for k_layer, n_layer in zip(k_model.layers, n_model.layers):
        assert n_layer.output.shape == k_layer.output.shape, n_layer.name
        assert n_layer.count_params() == k_layer.count_params(), n_layer.name
    assert n_model.count_params() == k_model.count_params()
    with tempfile.TemporaryDirectory() as d:
        n_model.save(os.path.join(d, "n.keras"))
        _close(
            "nerve -> Keras", keras.saving.load_model(os.path.join(d, "n.keras")).predict(x), want
        )
        k_model.save(os.path.join(d, "k.keras"))
        loaded = nerve.models.load_model(os.path.join(d, "k.keras"))
        _close("Keras -> nerve", loaded.predict(x, verbose=0), want)
        n_model.save(os.path.join(d, "n.nerve"))
        _close(
            "nerve -> nerve", nerve.models.load_model(os.path.join(d, "n.nerve")).predict(x), want
        )

    def configs(model):  # the layers' names are each library's own counters
        return [{k: v for k, v in lyr.get_config().items() if k != "name"} for lyr in model.layers]

    assert configs(loaded) == configs(n_model)


def _decoder_stack(library):
    """Issue 15's deterministic layers in a decoder that trains."""
    layers = library.layers
    return library.Sequential(
        [
            library.Input((6,)),
            layers.Dense(16, activation="relu"),
            layers.ActivityRegularization(l1=1e-3, l2=1e-3),
            layers.Reshape((2, 2, 4)),
            layers.UpSampling2D(2, interpolation="bilinear"),
            layers.Conv2DTranspose(
                3, 3, strides=2, padding="same", output_padding=1, activation="tanh"
            ),
            layers.Cropping2D(((1, 1), (0, 2))),
            layers.Conv2DTranspose(2, (2, 3), use_bias=False),
            layers.UpSampling2D((1, 2)),
            layers.Conv2DTranspose(1, 4, strides=2, activation="sigmoid"),
        ]
    )


def test_decoder_of_generative_layers_fits_as_keras():
    k_model, n_model = _decoder_stack(keras), _decoder_stack(nerve)
    n_model.set_weights(k_model.get_weights())
    x = RNG.standard_normal((16, 6)).astype(np.float32)
    y = RNG.uniform(size=(16, *k_model.output_shape[1:])).astype(np.float32)
    for model, library in ((k_model, keras), (n_model, nerve)):
        model.compile(library.optimizers.Adam(1e-2), "binary_crossentropy", metrics=["mae"])
    fit = dict(epochs=2, batch_size=8, verbose=0, shuffle=False)
    k_history = k_model.fit(x, y, **fit).history
    n_history = n_model.fit(x, y, **fit).history
    for key in ("loss", "mae"):
        _close(f"history[{key}]", n_history[key], k_history[key])
    for a, b in zip(n_model.get_weights(), k_model.get_weights()):
        _close("weights after fit", a, b, rtol=1e-5)
    _close("evaluate", n_model.evaluate(x, y, verbose=0), k_model.evaluate(x, y, verbose=0))


def _subclassed_with_add_loss(library):
    class Encoder(library.Model):
        def __init__(self):
            super().__init__()
            self.dense = library.layers.Dense(3)

        def call(self, x):
            h = self.dense(x)
            self.add_loss(0.1 * library.ops.mean(library.ops.square(h)))
            return h

    return Encoder()


def test_subclassed_model_add_loss_in_losses_and_fit_as_keras():
    k_model, n_model = _subclassed_with_add_loss(keras), _subclassed_with_add_loss(nerve)
    k_model(X5), n_model(X5)
    n_model.set_weights(k_model.get_weights())
    k_model(X5), n_model(X5)
    _close("sum(model.losses)", float(sum(n_model.losses)), float(sum(k_model.losses)))
    for model, library in ((k_model, keras), (n_model, nerve)):
        model.compile(library.optimizers.SGD(0.1), "mse")
    fit = dict(epochs=2, batch_size=4, verbose=0, shuffle=False)
    _close(
        "fit's loss",
        n_model.fit(X5, Y3, **fit).history["loss"],
        k_model.fit(X5, Y3, **fit).history["loss"],
    )


def _sampling_model(library):
    class Sampling(library.layers.Layer):  # the Keras VAE example's layer, word for word
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = library.random.SeedGenerator(1337)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            batch = library.ops.shape(z_mean)[0]
            dim = library.ops.shape(z_mean)[1]
            epsilon = library.random.normal(shape=(batch, dim), seed=self.seed_generator)
            return z_mean + library.ops.exp(0.5 * z_log_var) * epsilon

    z_mean, z_log_var = library.Input((3,)), library.Input((3,))
    return library.Model([z_mean, z_log_var], Sampling()([z_mean, z_log_var]))


def test_sampling_layer_draws_fresh_noise_in_predict_as_keras():
    z_mean = np.zeros((3000, 3), np.float32)
    z_log_var = np.full((3000, 3), np.log(4.0), np.float32)  # a deviation of 2
    for library in (keras, nerve):
        model = _sampling_model(library)
        first = model.predict([z_mean, z_log_var], batch_size=1000, verbose=0)
        second = model.predict([z_mean, z_log_var], batch_size=1000, verbose=0)
        who = library.__name__
        assert first.shape == (3000, 3) and first.dtype == np.float32, who
        assert abs(first.std() - 2.0) < 0.05 and abs(first.mean()) < 0.05, who
        assert not np.array_equal(first, second), f"{who}: fresh noise in each predict"
        assert not np.array_equal(first[:1000], first[1000:2000]), f"{who}: and in each batch"


class _StepWithoutTrainingFlag(nerve.Model):
    """A train_step that calls self(x) with no training= (Keras: inference mode there, so no
    dropout or noise; Keras's own steps pass training=True)."""

    def __init__(self, *args, training=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.step_training = training
        self.tracker = nerve.metrics.Mean(name="mse")

    def train_step(self, data):
        x, y = data
        with nerve.GradientTape() as tape:
            if self.step_training is None:
                y_pred = self(x)
            else:
                y_pred = self(x, training=self.step_training)
            loss = ops.mean(ops.square(y_pred - y))
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.tracker.update_state(loss)
        return {"mse": self.tracker.result()}


def test_a_train_step_calling_the_model_without_training_runs_it_in_inference_mode():
    def build(library, **kwargs):
        inputs = library.Input((5,))
        h = library.layers.Dropout(0.5, seed=1)(library.layers.Dense(8)(inputs))
        h = library.layers.GaussianNoise(0.5, seed=2)(h)
        outputs = library.layers.Dense(3)(h)
        if library is keras:
            return keras.Model(inputs, outputs)
        return _StepWithoutTrainingFlag(inputs, outputs, **kwargs)

    k_model = build(keras)
    k_model.compile(optimizer="sgd", loss="mse")
    want = k_model.evaluate(X5, Y3, batch_size=8, verbose=0)  # inference mode
    for training, same in ((None, True), (False, True), (True, False)):
        model = build(nerve, training=training)
        model.set_weights(k_model.get_weights())
        model.compile(optimizer=nerve.optimizers.SGD(0.0))
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # traced
            got = model.fit(X5, Y3, batch_size=8, verbose=0).history["mse"][0]
        assert (abs(got - want) <= 1e-5 * abs(want)) == same, (training, got, want)


def test_a_step_gets_several_inputs_without_targets_as_keras():
    a, b = X5[:, :2], X5[:, 2:]
    want = keras.utils.pack_x_y_sample_weight([a, b])  # ([a, b],): not read as (x, y)
    got = nerve.utils.pack_x_y_sample_weight([a, b])
    assert type(got) is type(want) is tuple and len(got) == len(want) == 1
    seen = []

    class TwoInputs(nerve.Model):
        def train_step(self, data):
            x, y, _ = nerve.utils.unpack_x_y_sample_weight(data)
            seen.append((len(x), y))
            return super().train_step(data)

    first, second = nerve.Input((2,)), nerve.Input((3,))
    model = TwoInputs([first, second], L.Add()([L.Dense(2)(first), L.Dense(2)(second)]))
    model.compile(optimizer="sgd")
    model.fit([a, b], batch_size=8, verbose=0)
    assert seen and all(s == (2, None) for s in seen), seen
