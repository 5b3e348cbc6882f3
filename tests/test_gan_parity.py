"""One DCGAN training step of examples/dcgan.py against the same step in Keras 3 (JAX backend):
the same (small) discriminator and generator with nerve's starting weights, the same real batch,
latents and label noise; the discriminator step then the generator step (through the updated
discriminator), each followed by its Adam update. Losses, every weight gradient and every updated
weight must agree to float32 rounding. MNIST's blank borders give the discriminator's global
max pooling tied maxima, whose gradient Keras (TensorFlow and JAX) shares equally among them;
nerve gave it all to the first cell, so bias gradients differed (fixed; the second test).
Skips when keras or jax is missing."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

import nerve

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")
jax = pytest.importorskip("jax")
if keras.backend.backend() != "jax":
    pytest.skip("keras runs on another backend than jax here", allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "examples")]
import dcgan  # noqa: E402

BATCH, LATENT, D_FILTERS, G_FILTERS = 8, 16, (8, 16), 8
RTOL, ATOL = 1e-4, 1e-5


def _keras_discriminator(filters):
    L = keras.layers
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            L.Conv2D(filters[0], 3, strides=2, padding="same"),
            L.LeakyReLU(negative_slope=0.2),
            L.Conv2D(filters[1], 3, strides=2, padding="same"),
            L.LeakyReLU(negative_slope=0.2),
            L.GlobalMaxPooling2D(),
            L.Dense(1),
        ]
    )


def _keras_generator(latent_dim, filters):
    L = keras.layers
    return keras.Sequential(
        [
            keras.Input((latent_dim,)),
            L.Dense(7 * 7 * filters),
            L.LeakyReLU(negative_slope=0.2),
            L.Reshape((7, 7, filters)),
            L.Conv2DTranspose(filters, 4, strides=2, padding="same"),
            L.LeakyReLU(negative_slope=0.2),
            L.Conv2DTranspose(filters, 4, strides=2, padding="same"),
            L.LeakyReLU(negative_slope=0.2),
            L.Conv2D(1, 7, padding="same", activation="sigmoid"),
        ]
    )


class _KerasStep:
    """The example's train_step written with jax.grad over Keras stateless calls."""

    def __init__(self, kd, kg, d_opt, g_opt, real_target, label_noise):
        self.kd, self.kg, self.d_opt, self.g_opt = kd, kg, d_opt, g_opt
        self.real_target, self.label_noise = real_target, label_noise
        self.bce = keras.losses.BinaryCrossentropy(from_logits=True)

    def d_loss(self, d_vars, combined, labels):
        logits, _ = self.kd.stateless_call(d_vars, [], combined)
        return self.bce(labels, logits)

    def g_loss(self, g_vars, d_vars, latents):
        images, _ = self.kg.stateless_call(g_vars, [], latents)
        logits, _ = self.kd.stateless_call(d_vars, [], images)
        return self.bce(np.zeros((len(latents), 1), np.float32), logits)

    def step(self, real, latents_d, noise, latents_g):
        batch = len(real)
        d_vars = [v.value for v in self.kd.trainable_variables]
        g_vars = [v.value for v in self.kg.trainable_variables]
        generated, _ = self.kg.stateless_call(g_vars, [], latents_d)
        combined = np.concatenate([np.asarray(generated), real])
        labels = (
            np.concatenate([np.ones((batch, 1)), np.full((batch, 1), self.real_target)]).astype(
                np.float32
            )
            + np.float32(self.label_noise) * noise
        )
        d_loss, d_grads = jax.value_and_grad(self.d_loss)(d_vars, combined, labels)
        self.d_opt.apply(d_grads, self.kd.trainable_variables)
        d_vars = [v.value for v in self.kd.trainable_variables]
        g_loss, g_grads = jax.value_and_grad(self.g_loss)(g_vars, d_vars, latents_g)
        self.g_opt.apply(g_grads, self.kg.trainable_variables)
        return float(d_loss), d_grads, float(g_loss), g_grads


def _close(name, got, want):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape, (name, got.shape, want.shape)
    scale = max(np.abs(want).max(), 1e-12)  # tiny entries of a tensor compare to its scale
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL * scale, err_msg=name)


@pytest.mark.parametrize(
    "recipe",
    [
        dict(lr=3e-4, beta_1=0.9, real_target=0.0, label_noise=0.05),  # the Keras example
        dict(lr=2e-4, beta_1=0.5, real_target=0.1, label_noise=0.05),  # examples/dcgan.py now
    ],
    ids=["keras_example", "dcgan_recipe"],
)
def test_gan_steps_match_keras(recipe, steps=2):
    nerve.utils.set_random_seed(3)
    d = dcgan.build_discriminator(D_FILTERS)
    g = dcgan.build_generator(LATENT, G_FILTERS)
    gan = dcgan.GAN(
        d, g, LATENT, real_target=recipe["real_target"], label_noise=recipe["label_noise"]
    )
    adam = dict(learning_rate=recipe["lr"], beta_1=recipe["beta_1"])
    gan.compile(
        nerve.optimizers.Adam(**adam),
        nerve.optimizers.Adam(**adam),
        nerve.losses.BinaryCrossentropy(from_logits=True),
    )
    # Nonzero biases: with the zero initial ones, MNIST's blank borders put LeakyReLU at exactly 0,
    # where JAX's derivative is 1 and nerve's (as TensorFlow's and PyTorch's) is the slope 0.2;
    # both are valid subgradients, and the comparison is of everything else.
    bias_rng = np.random.default_rng(5)
    for model in (d, g):
        model.set_weights(
            [w if w.ndim > 1 else bias_rng.normal(0, 0.05, w.shape).astype(np.float32)
             for w in model.get_weights()]
        )  # fmt: skip
    kd, kg = _keras_discriminator(D_FILTERS), _keras_generator(LATENT, G_FILTERS)
    kd.set_weights(d.get_weights())
    kg.set_weights(g.get_weights())
    k = _KerasStep(
        kd, kg, keras.optimizers.Adam(**adam), keras.optimizers.Adam(**adam),
        recipe["real_target"], recipe["label_noise"],
    )  # fmt: skip

    rng = np.random.default_rng(11)
    (x, _), _ = nerve.datasets.mnist.load_data()
    for step in range(steps):
        real = x[step * BATCH : (step + 1) * BATCH].reshape(-1, 28, 28, 1).astype(np.float32)
        real /= 255.0
        latents_d = rng.normal(size=(BATCH, LATENT)).astype(np.float32)
        latents_g = rng.normal(size=(BATCH, LATENT)).astype(np.float32)
        noise = rng.uniform(size=(2 * BATCH, 1)).astype(np.float32)

        _close(f"step {step} generated", g.predict(latents_d, verbose=0), kg(latents_d))
        d_loss, d_grads = gan.discriminator_gradients(real, latents_d, noise)
        gan.d_optimizer.apply_gradients(zip(d_grads, d.trainable_weights))
        g_loss, g_grads = gan.generator_gradients(latents_g)
        gan.g_optimizer.apply_gradients(zip(g_grads, g.trainable_weights))
        kd_loss, kd_grads, kg_loss, kg_grads = k.step(real, latents_d, noise, latents_g)

        np.testing.assert_allclose(
            float(np.asarray(d_loss)), kd_loss, rtol=RTOL, err_msg=f"{step} d_loss"
        )
        np.testing.assert_allclose(
            float(np.asarray(g_loss)), kg_loss, rtol=RTOL, err_msg=f"{step} g_loss"
        )
        for i, (a, b) in enumerate(zip(d_grads, kd_grads)):
            _close(f"step {step} discriminator gradient {i}", a, b)
        for i, (a, b) in enumerate(zip(g_grads, kg_grads)):
            _close(f"step {step} generator gradient {i}", a, b)
        for i, (a, b) in enumerate(zip(d.get_weights(), kd.get_weights())):
            _close(f"step {step} discriminator weight {i}", a, b)
        for i, (a, b) in enumerate(zip(g.get_weights(), kg.get_weights())):
            _close(f"step {step} generator weight {i}", a, b)


@pytest.mark.parametrize("shape", [(2, 4, 5, 3), (3, 7, 7, 16)])
def test_global_max_pooling_shares_the_gradient_of_tied_maxima_as_keras(shape):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, size=shape).astype(np.float32)  # many ties
    x[0] = 1.0  # a constant image: every cell ties
    dy = rng.normal(size=(shape[0], shape[-1])).astype(np.float32)
    layer = keras.layers.GlobalMaxPooling2D()
    want = jax.grad(lambda a: (layer(a) * dy).sum())(x)
    t = nerve.ops.convert_to_tensor(x)
    with nerve.GradientTape() as tape:
        tape.watch(t)
        y = nerve.layers.GlobalMaxPooling2D()(t)
        loss = nerve.ops.sum(nerve.ops.multiply(y, dy))
    got = tape.gradient(loss, t)
    np.testing.assert_allclose(np.asarray(y), x.max(axis=(1, 2)))
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6, atol=1e-7)
