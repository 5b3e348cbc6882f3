"""The generative examples' models trained briefly on an MNIST subset (seconds each, CI): the
autoencoder's reconstruction loss falls by a stated factor, the VAE's KL and reconstruction terms
stay finite while its loss falls, a GAN's two losses stay finite, its samples change and its
discriminator's real-vs-fake accuracy moves; the MNIST scorer's bounds and formulas.

The models are the examples' own (examples/autoencoder.py, vae.py, dcgan.py) with fewer filters,
so the tests exercise the code the examples run."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import nerve

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "examples"), str(ROOT / "bench")]

import autoencoder  # noqa: E402
import dcgan  # noqa: E402
import mnist_scorer  # noqa: E402
import vae  # noqa: E402


@pytest.fixture(scope="module")
def mnist():
    (x_train, _), (x_test, y_test) = nerve.datasets.mnist.load_data()
    return (
        x_train.reshape(-1, 28, 28, 1).astype(np.float32) / 255.0,
        x_test.reshape(-1, 28, 28, 1).astype(np.float32) / 255.0,
        y_test,
    )


def _fit_python_step(model, x, **kwargs):
    with warnings.catch_warnings():  # the overridden step's "runs from Python" notice
        warnings.filterwarnings("ignore", message=".*which is Python code")
        return model.fit(x, verbose=0, **kwargs)


# ---- autoencoder ----------------------------------------------------------------------------


@pytest.mark.parametrize("denoising", [False, True])
def test_autoencoder_reconstruction_loss_falls_2_5_fold_in_192_steps(mnist, denoising):
    # measured (4 filters, 160 steps): BCE / 5.1 and MSE / 9.0 plain, / 3.6 and / 5.0 denoising
    nerve.utils.set_random_seed(0)
    clean = mnist[0][:512]
    inputs = autoencoder.add_noise(clean, seed=3) if denoising else clean
    model = autoencoder.build_autoencoder(filters=4)
    model.compile(nerve.optimizers.Adam(3e-3), "binary_crossentropy", metrics=["mse"])
    bce_before, mse_before = model.evaluate(inputs, clean, batch_size=256, verbose=0)
    model.fit(inputs, clean, batch_size=32, epochs=12, verbose=0)  # 16 steps per epoch
    bce_after, mse_after = model.evaluate(inputs, clean, batch_size=256, verbose=0)
    assert np.isfinite([bce_after, mse_after]).all()
    assert bce_after < bce_before / 2.5, (bce_before, bce_after)
    assert mse_after < mse_before / 3, (mse_before, mse_after)


def test_add_noise_is_the_clipped_gaussian_of_the_example():
    images = np.full((4, 28, 28, 1), 0.5, np.float32)
    noisy = autoencoder.add_noise(images, seed=0)
    expected = np.clip(0.5 + 0.4 * np.random.default_rng(0).normal(size=images.shape), 0, 1)
    np.testing.assert_allclose(noisy, expected, atol=1e-6)


# ---- VAE ------------------------------------------------------------------------------------


def _numpy_vae_losses(data, z_mean, z_log_var, reconstruction):
    p = np.clip(reconstruction.astype(np.float64), 1e-7, 1 - 1e-7)
    x = data.astype(np.float64)
    bce = -(x * np.log(p) + (1 - x) * np.log(1 - p))
    reconstruction_loss = bce.reshape(len(x), -1).sum(1).mean()
    kl = -0.5 * (1 + z_log_var - z_mean**2 - np.exp(z_log_var))
    return reconstruction_loss, kl.sum(1).mean()


def test_vae_losses_are_the_summed_pixel_bce_and_the_kl_of_the_keras_example():
    rng = np.random.default_rng(0)
    data = rng.uniform(size=(5, 28, 28, 1)).astype(np.float32)
    reconstruction = rng.uniform(0.05, 0.95, size=(5, 28, 28, 1)).astype(np.float32)
    z_mean, z_log_var = rng.normal(size=(2, 5, 2)).astype(np.float32)
    got = vae.vae_losses(*(nerve.Tensor(a) for a in (data, z_mean, z_log_var, reconstruction)))
    expected = _numpy_vae_losses(data, z_mean, z_log_var, reconstruction)
    np.testing.assert_allclose([t.item() for t in got], expected, rtol=1e-4)


def test_vae_terms_stay_finite_and_its_loss_falls(mnist):
    nerve.utils.set_random_seed(0)
    model = vae.VAE(vae.build_encoder(filters=(8, 16)), vae.build_decoder(filters=(16, 8)))
    model.compile(optimizer=nerve.optimizers.Adam(1e-3))
    history = _fit_python_step(model, mnist[0][:512], batch_size=32, epochs=8).history
    assert list(history) == ["total_loss", "reconstruction_loss", "kl_loss"]
    for values in history.values():
        assert np.all(np.isfinite(values))
    assert np.all(np.array(history["kl_loss"]) > 0)
    np.testing.assert_allclose(
        history["total_loss"],
        np.add(history["reconstruction_loss"], history["kl_loss"]),
        rtol=1e-4,
    )
    # from ~540 (a uniform 0.5 guess costs 784 ln 2 = 543) to well under 300
    assert history["total_loss"][-1] < 0.6 * history["total_loss"][0], history["total_loss"]


def test_vae_sampling_layer_draws_z_around_z_mean_with_the_encoder_variance():
    layer_inputs = [nerve.Input((2,)), nerve.Input((2,))]
    sampler = nerve.Model(layer_inputs, vae.Sampling(seed=7)(layer_inputs))
    mean = np.tile(np.float32([[1.0, -2.0]]), (4000, 1))
    log_var = np.tile(np.log(np.float32([[0.25, 4.0]])), (4000, 1))
    z = sampler.predict([mean, log_var], verbose=0)
    np.testing.assert_allclose(z.mean(0), [1.0, -2.0], atol=0.1)
    np.testing.assert_allclose(z.std(0), [0.5, 2.0], rtol=0.06)


# ---- GAN ------------------------------------------------------------------------------------


def _real_vs_fake_accuracy(gan, real, latents):
    fake = gan.generator.predict(latents, verbose=0)
    logits = gan.discriminator.predict(np.concatenate([fake, real]), verbose=0).ravel()
    labels = np.concatenate([np.ones(len(fake)), np.zeros(len(real))])  # fake = 1
    return float(np.mean((logits > 0) == labels))


def test_gan_losses_stay_finite_samples_change_and_discriminator_accuracy_moves(mnist):
    nerve.utils.set_random_seed(0)
    real = mnist[0][:256]
    gan = dcgan.GAN(
        dcgan.build_discriminator(filters=(8, 16)),
        dcgan.build_generator(latent_dim=16, filters=8),
        latent_dim=16,
    )
    gan.compile(
        d_optimizer=nerve.optimizers.Adam(3e-4),
        g_optimizer=nerve.optimizers.Adam(3e-4),
        loss_fn=nerve.losses.BinaryCrossentropy(from_logits=True),
    )
    latents = np.random.default_rng(5).normal(size=(256, 16)).astype(np.float32)
    samples_before = gan.generator.predict(latents[:16], verbose=0)
    accuracy_before = _real_vs_fake_accuracy(gan, real, latents)
    history = _fit_python_step(gan, real, batch_size=32, epochs=25).history  # 200 steps
    assert gan.d_optimizer.iterations == 200 and gan.g_optimizer.iterations == 200
    assert np.all(np.isfinite(history["d_loss"])) and np.all(np.isfinite(history["g_loss"]))
    samples_after = gan.generator.predict(latents[:16], verbose=0)
    assert np.abs(samples_after - samples_before).mean() > 0.01
    accuracy_after = _real_vs_fake_accuracy(gan, real, latents)
    assert abs(accuracy_after - accuracy_before) > 0.1, (accuracy_before, accuracy_after)


def test_discriminator_heads():
    """The Keras example's global max pooling, or Flatten (the whole 7x7 map to the Dense)."""
    pooled = dcgan.build_discriminator(filters=(4, 8))
    flat = dcgan.build_discriminator(filters=(4, 8), head="flatten")
    assert type(pooled.layers[-2]).__name__ == "GlobalMaxPooling2D"
    assert type(flat.layers[-2]).__name__ == "Flatten"
    assert flat.layers[-1].get_weights()[0].shape == (7 * 7 * 8, 1)
    images = np.random.default_rng(0).random((3, 28, 28, 1)).astype(np.float32)
    assert flat.predict(images, verbose=0).shape == (3, 1)
    with pytest.raises(ValueError, match="head must be 'max' or 'flatten', got 'mean'"):
        dcgan.build_discriminator(head="mean")


def _tiny_gan():
    """A compiled DCGAN small enough for a few epochs on 64 images."""
    gan = dcgan.GAN(
        dcgan.build_discriminator(filters=(4, 8)),
        dcgan.build_generator(latent_dim=8, filters=4),
        latent_dim=8,
    )
    gan.compile(
        nerve.optimizers.Adam(3e-4),
        nerve.optimizers.Adam(3e-4),
        nerve.losses.BinaryCrossentropy(from_logits=True),
    )
    return gan


def test_gan_monitor_saves_one_grid_per_epoch(tmp_path, mnist):
    gan = _tiny_gan()
    monitor = dcgan.GANMonitor(tmp_path, num_img=8, latent_dim=8)
    _fit_python_step(gan, mnist[0][:64], batch_size=32, epochs=2, callbacks=[monitor])
    assert [p.name for p in monitor.saved] == ["dcgan_epoch_1.png", "dcgan_epoch_2.png"]
    assert all(p.stat().st_size > 100 for p in monitor.saved)


def test_generator_weight_average_follows_the_keras_use_ema_rule(tmp_path, mnist):
    """The first generator step copies its weights, each later one moves the average by
    (1 - momentum) toward them (Keras's optimizer use_ema rule); the averaged generator is a
    separate model, drawn and scored beside the trained one."""
    gan = dcgan.GAN(
        dcgan.build_discriminator(filters=(4, 8)),
        dcgan.build_generator(latent_dim=8, filters=4),
        latent_dim=8,
        ema_momentum=0.9,
    )
    gan.compile(
        nerve.optimizers.Adam(3e-4),
        nerve.optimizers.Adam(3e-4),
        nerve.losses.BinaryCrossentropy(from_logits=True),
    )
    real = mnist[0][:32]
    _fit_python_step(gan, real, batch_size=32, epochs=1)
    first = gan.generator.get_weights()
    assert all(np.array_equal(a, w) for a, w in zip(gan.ema_weights, first))
    expected = [a.copy() for a in gan.ema_weights]
    for _ in range(3):
        _fit_python_step(gan, real, batch_size=32, epochs=1)
        expected = [0.9 * a + 0.1 * w for a, w in zip(expected, gan.generator.get_weights())]
    np.testing.assert_allclose(
        np.concatenate([a.ravel() for a in gan.ema_weights]),
        np.concatenate([a.ravel() for a in expected]),
        rtol=1e-5,
        atol=1e-7,
    )
    averaged = gan.averaged_generator()
    assert averaged is not gan.generator
    latents = np.random.default_rng(1).normal(size=(4, 8)).astype(np.float32)
    assert not np.array_equal(
        averaged.predict(latents, verbose=0), gan.generator.predict(latents, verbose=0)
    )
    monitor = dcgan.GANMonitor(tmp_path, num_img=8, latent_dim=8)
    _fit_python_step(gan, real, batch_size=32, epochs=1, callbacks=[monitor])
    assert [p.name for p in monitor.saved] == ["dcgan_epoch_1.png", "dcgan_ema_epoch_1.png"]


def test_batch_norm_generator_makes_the_discriminators_fakes_in_training_mode(mnist):
    plain = dcgan.build_generator(latent_dim=8, filters=4)
    normed = dcgan.build_generator(latent_dim=8, filters=4, batch_norm=True)
    names = [type(layer).__name__ for layer in normed.layers]
    assert names.count("BatchNormalization") == 3
    # each BatchNormalization right before a LeakyReLU
    assert all(names[i + 1] == "LeakyReLU" for i, n in enumerate(names) if n.startswith("Batch"))
    d = dcgan.build_discriminator(filters=(4, 8))
    assert not dcgan.GAN(d, plain, latent_dim=8).fakes_in_training_mode
    gan = dcgan.GAN(d, normed, latent_dim=8)
    assert gan.fakes_in_training_mode
    gan.compile(
        nerve.optimizers.Adam(3e-4),
        nerve.optimizers.Adam(3e-4),
        nerve.losses.BinaryCrossentropy(from_logits=True),
    )
    # the discriminator's loss on fakes made with batch statistics, not the moving ones
    real = mnist[0][:8]
    latents = np.random.default_rng(2).normal(size=(8, 8)).astype(np.float32)
    noise = np.zeros((16, 1), np.float32)
    loss_training_mode = float(gan.discriminator_gradients(real, latents, noise)[0])
    expected = gan.loss_fn(
        gan.discriminator_labels(8, noise),
        d(np.concatenate([np.asarray(normed(latents, training=True)), real])),
    )
    np.testing.assert_allclose(loss_training_mode, float(expected), rtol=1e-6)
    gan.fakes_in_training_mode = False
    loss_inference_mode = float(gan.discriminator_gradients(real, latents, noise)[0])
    assert abs(loss_training_mode - loss_inference_mode) > 1e-4
    gan.fakes_in_training_mode = True
    history = _fit_python_step(gan, mnist[0][:64], batch_size=32, epochs=2).history
    assert np.all(np.isfinite(history["d_loss"])) and np.all(np.isfinite(history["g_loss"]))


def test_time_budget_stops_after_the_last_epoch_that_fits(tmp_path, mnist):
    gan = _tiny_gan()
    monitor = dcgan.GANMonitor(tmp_path, num_img=8, latent_dim=8)
    # a budget of ~0: the first epoch runs, then no second one fits
    budget = dcgan.TimeBudget(minutes=1e-6)
    history = _fit_python_step(
        gan, mnist[0][:64], batch_size=32, epochs=3, callbacks=[monitor, budget]
    )
    assert len(history.history["d_loss"]) == 1
    assert [p.name for p in monitor.saved] == ["dcgan_epoch_1.png"]
    # a generous one lets every epoch run
    history = _fit_python_step(
        gan, mnist[0][:64], batch_size=32, epochs=2, callbacks=[dcgan.TimeBudget(minutes=60)]
    )
    assert len(history.history["d_loss"]) == 2


# ---- the MNIST scorer -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def scorer(mnist):
    return mnist_scorer.MnistScorer(reference_images=mnist[1][:2000])


def test_scorer_gives_real_test_digits_above_9_5_and_uniform_noise_below_2(mnist, scorer):
    # the whole test set (the score is 9.65 over it; 9.54 over test images 2000-3999 alone)
    x_test, y_test = mnist[1], mnist[2]
    probabilities = scorer.probabilities(x_test)
    assert np.mean(probabilities.argmax(1) == y_test) >= 0.99
    assert mnist_scorer.classifier_score(probabilities) > 9.5
    noise = np.random.default_rng(0).uniform(size=(2000, 28, 28, 1)).astype(np.float32)
    assert scorer.classifier_score(noise) < 2.0
    # real digits lie near the reference statistics, noise far from them
    real_distance, noise_distance = scorer.frechet_distance(x_test), scorer.frechet_distance(noise)
    print(
        f"score {mnist_scorer.classifier_score(probabilities):.3f}, {real_distance=}, {noise_distance=}"
    )
    assert real_distance < 0.05 * noise_distance, (real_distance, noise_distance)


def test_classifier_score_is_exp_of_the_mean_kl_to_the_marginal():
    one_hot = np.eye(10)[np.arange(1000) % 10]
    assert mnist_scorer.classifier_score(one_hot) == pytest.approx(10.0, rel=1e-6)
    assert mnist_scorer.classifier_score(np.full((50, 10), 0.1)) == pytest.approx(1.0)
    p = np.random.default_rng(0).dirichlet(np.ones(10), size=200)
    marginal = p.mean(0)
    expected = np.exp(np.mean(np.sum(p * np.log(p / marginal), axis=1)))
    assert mnist_scorer.classifier_score(p) == pytest.approx(expected, rel=1e-6)


def test_frechet_distance_matches_the_scipy_sqrtm_formula():
    linalg = pytest.importorskip("scipy.linalg")
    rng = np.random.default_rng(0)
    a = rng.normal(size=(400, 6)) @ rng.normal(size=(6, 6))
    b = rng.normal(0.5, 1.0, size=(300, 6)) @ rng.normal(size=(6, 6))
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = linalg.sqrtm(ca @ cb).real
    expected = np.sum((a.mean(0) - b.mean(0)) ** 2) + np.trace(ca + cb - 2 * root)
    assert mnist_scorer.frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)
    assert mnist_scorer.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_scorer_rejects_images_of_the_wrong_shape(scorer):
    with pytest.raises(ValueError, match=r"MnistScorer.*\(3, 32, 32\)"):
        scorer.classifier_score(np.zeros((3, 32, 32), np.float32))


def test_subclassed_model_without_a_graph_lists_its_attribute_models_weights():
    # the VAE's step takes self.trainable_weights as Keras does: encoder's then decoder's
    encoder, decoder = vae.build_encoder(filters=(4, 8)), vae.build_decoder(filters=(8, 4))
    model = vae.VAE(encoder, decoder)
    expected = encoder.trainable_weights + decoder.trainable_weights
    got = model.trainable_weights
    assert len(got) == len(expected) == 10 + 8
    for a, b in zip(got, expected):  # the same storage (the wrappers are new objects per call)
        assert np.shares_memory(np.asarray(a), np.asarray(b))
    gan = dcgan.GAN(dcgan.build_discriminator((4, 8)), dcgan.build_generator(8, 4), latent_dim=8)
    assert len(gan.trainable_weights) == 6 + 8  # D: 2 convs + dense; G: dense, 2 deconvs, conv
