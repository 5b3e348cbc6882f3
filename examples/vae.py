"""A variational autoencoder on MNIST: the Keras example "Variational AutoEncoder" (fchollet),
its architecture and training step written anew for nerve.

Encoder: Conv2D(32, 3, relu, strides 2, same) -> Conv2D(64, 3, relu, strides 2, same) ->
Flatten -> Dense(16, relu) -> z_mean, z_log_var (Dense 2 each) -> Sampling (a custom layer:
z = z_mean + exp(z_log_var / 2) * eps, eps drawn by nerve.random.normal from a SeedGenerator).
Decoder: Dense(7*7*64, relu) -> Reshape -> Conv2DTranspose(64, 3, relu, strides 2, same) ->
Conv2DTranspose(32, 3, relu, strides 2, same) -> Conv2DTranspose(1, 3, sigmoid, same).
train_step (overridden): reconstruction loss = per-pixel BCE summed over the 28x28 pixels, KL =
-0.5 * sum(1 + log_var - mean^2 - exp(log_var)), both averaged over the batch; three Mean
trackers (loss, reconstruction_loss, kl_loss). Adam 1e-3, batch 128, trained on the 70,000
MNIST images (train + test), as the Keras example does.

Saves docs/images/vae_latent.png (the test set's z_mean coloured by digit) and
docs/images/vae_manifold.png (decoded digits over a 30x30 grid spanning those codes).

The Keras example logs a total loss of about 145 after 30 epochs (reconstruction 141.3, KL 3.7).
Measured on AMD EPYC (lscpu), 2 vCPUs shared with other jobs, so times are pessimistic:
- `python examples/vae.py --epochs 3` (all 70,000 images, 547 steps of 128 per epoch; load
  ~5-9, falling during the run):
  epoch 1 480 s, loss 211.57 (reconstruction 208.03, KL 3.54); epoch 2 236 s, 172.86 (167.00,
  5.86); epoch 3 119 s, 165.93 (159.84, 6.10): 835 s in all.
- `python examples/vae.py --epochs 1` (an earlier run, load ~4-7): 288 s, loss 211.57.
- `python examples/vae.py --images 10000 --epochs 3` (79 steps per epoch; load average ~15):
  epoch 1 155 s, loss 308.72 (reconstruction 307.02, KL 1.70); epoch 2 136 s, 209.36 (206.97,
  2.39); epoch 3 114 s, 201.60 (198.46, 3.14).
Nerve did not reach the Keras example's ~145 (after 30 epochs) in this session: 165.9 after 3.

The longest run (AMD EPYC Zen 3 (AVX2), 2 vCPU, shared with ~6 other jobs, load average 2-14;
main's build at 38ca467, `OMP_NUM_THREADS=1 python examples/vae.py --epochs 30`, so 1 thread;
started 16:04 UTC, stopped by hand at 17:30 UTC). Time and total loss (reconstruction, KL) per
epoch, epochs 1-13:
  epoch 1 614 s, 210.33 (206.54, 3.79); epoch 2 591 s, 171.45 (165.40, 6.06); epoch 3 571 s,
  165.37 (158.99, 6.38); epoch 4 474 s, 162.17 (155.65, 6.52); epoch 5 422 s, 160.31 (153.71,
  6.60); epoch 6 475 s, 159.05 (152.42, 6.63); epoch 7 402 s, 158.01 (151.35, 6.65); epoch 8 557
  s, 157.10 (150.40, 6.70); epoch 9 319 s, 156.39 (149.67, 6.72); epoch 10 258 s, 155.77 (149.03,
  6.73); epoch 11 149 s, 155.24 (148.51, 6.74); epoch 12 99 s, 154.72 (147.98, 6.73); epoch 13 94
  s, 154.29 (147.55, 6.74): 5025 s in all.
Epoch 14 was unfinished at the stop. The loss still falls by 0.4-1 per epoch there, short of
Keras's ~145 at epoch 30: at the 94-614 s per epoch seen here (0.17-1.1 s of wall time per step
of 128 as the load fell from ~14 to ~2) 30 epochs take 50 minutes to 5 hours.
The first full 30 epochs (session of 2026-12-03; AMD EPYC Zen 4 (AVX-512), 2 vCPU shared with
helpers' builds and other training runs, load average 4-12; `OMP_NUM_THREADS=1 python
examples/vae.py --epochs 30`, 07:15-08:41 UTC; the pictures in docs/images are from this run):
total loss (reconstruction, KL) after epochs 1, 3, 5, 10, 13, 20, 25, 30: 210.36 (206.57,
3.79); 165.35 (159.00, 6.35); 160.40 (153.81, 6.59); 155.85 (149.12, 6.73); 154.34 (147.61,
6.74); 152.37 (145.67, 6.70); 151.45 (144.79, 6.66); 150.64 (143.97, 6.67): 5,189 s in all
(45-1,207 s per epoch with the load; 83 ms per step of 128 at the quietest). It falls by ~0.2 per epoch at the
end: 5.6 above the Keras example's logged ~145 (141.3 + 3.7), with nerve's KL term higher (6.7
against 3.7) and its reconstruction term 2.7 higher. Same-step math agrees with Keras
(tests/test_keras_parity_generative.py: one traced step of this VAE pattern matches jax.grad to
1e-5) and early epochs with PyTorch's (bench/generative_vs_torch.py: test loss 194.9 against
PyTorch's 197.1 after 3 epochs on 10,000 images). At this example's full size the step agrees
too: batch 128 of MNIST, this file's encoder and decoder, the same weights in Keras 3 (JAX) after
300 steps of nerve training, the same noise: losses equal to 1e-7 and every gradient within
3e-5 relative (a one-off check script, not a test). So the gap is in the run, not in the step.
The Keras example itself (Keras 3.15 on its torch backend, the example's code with a torch-style
train_step, 1 thread, beside this run) logged after epochs 1-5: 208.59 (205.69, 2.91), 171.04
(166.35, 4.69), 160.02 (154.50, 5.51), 156.91 (151.23, 5.69), 154.82 (149.01, 5.82), against
nerve's 210.36, 171.35, 165.35, 162.23, 160.40: even through epoch 2, then 5-6 lower from
epoch 3 on, with a lower KL term too. One run of each from different random initial weights and
noise: whether this seed of nerve's is an unlucky one needs more runs of both (45-90 minutes each
here).

One train step on 1 thread (CPU time of the process, alternating 3 processes of main's build and
of this branch's, 10 steps each after a warm-up epoch; AMD EPYC Zen 3 (AVX2), load ~10-11):
203 -> 181 ms (medians; runs 210, 203, 199 vs 181, 178, 216 ms). Where it went
(`bench/vae_layers_vs_torch.py`, 1 thread, thread CPU time, medians; perf: 34% of a step in the
implicit GEMM, 11% in sgemm, 7% page faults, 7% memmove): the three Conv2DTranspose layers are
~75% of the layer time. Changes: stride-1 rows narrower than 32 pixels run as one GEMM per
block of rows on the padded grid (full register tiles; the stride-2 transposed layers' forward
phases), and a 1-channel stride-1 convolution on that path too (Conv2DTranspose(1)'s dX).
Layer by layer, main -> this branch (nerve only, 3 alternating processes, load ~11-12):
Conv2DTranspose 64->64 s2 7->14 forward 17.9 -> 15.4 ms, 64->32 s2 14->28 34.9 -> 28.4 ms,
32->1 s1 backward 18.0 -> 15.4 ms. This branch against PyTorch (same bench, 17:11 UTC, load 9.5):
the seven layers' forward 72.6 vs 104.1 ms (1.43x), backward 133.9 vs 171.2 ms (1.28x); single
layers vary by up to +-25% between runs at this load (Conv2DTranspose 64->32 forward 28-35 ms).
The strided layers' backward (dX: a stride-2 convolution with 7- or 14-pixel rows; dW: im2col +
GEMM) is unchanged and now the largest cost.
`bench/generative_vs_torch.py --models vae --epochs 3 --vae-images 2560 --test-images 1000
--threads 1` (this branch, wall time per epoch, load 10-12; the bench has no process clock):
nerve 41.4, 21.7, 22.6 s vs PyTorch 40.4, 34.1, 36.9 s (medians 22.6 vs 36.9 s: 1.63x); peak RSS
169 vs 424 MB; test loss 211.54 vs 213.90.

Run: python examples/vae.py [--epochs N] [--out DIR] [--quick]
(data: $NERVE_DATASETS, ~/.nerve/datasets, or downloaded; --quick or NERVE_QUICK=1: 1,024
images, one epoch, pictures in a temp dir: seconds, for CI)
"""

import argparse
import os
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

import nerve
from nerve import layers, ops

LATENT_DIM = 2
DOCS_IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"


class Sampling(layers.Layer):
    """z = z_mean + exp(z_log_var / 2) * eps with eps ~ N(0, 1): the reparameterization trick,
    so the gradient reaches z_mean and z_log_var through the draw."""

    def __init__(self, seed=1337, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = nerve.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch, dim = ops.shape(z_mean)[0], ops.shape(z_mean)[1]
        epsilon = nerve.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return ops.add(z_mean, ops.multiply(ops.exp(0.5 * z_log_var), epsilon))


def build_encoder(filters=(32, 64)) -> nerve.Model:
    """The example's encoder; the tests use fewer filters to run in seconds."""
    inputs = nerve.Input((28, 28, 1))
    x = layers.Conv2D(filters[0], 3, activation="relu", strides=2, padding="same")(inputs)
    x = layers.Conv2D(filters[1], 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(16, activation="relu")(x)
    z_mean = layers.Dense(LATENT_DIM, name="z_mean")(x)
    z_log_var = layers.Dense(LATENT_DIM, name="z_log_var")(x)
    z = Sampling()([z_mean, z_log_var])
    return nerve.Model(inputs, [z_mean, z_log_var, z], name="encoder")


def build_decoder(filters=(64, 32)) -> nerve.Model:
    inputs = nerve.Input((LATENT_DIM,))
    x = layers.Dense(7 * 7 * filters[0], activation="relu")(inputs)
    x = layers.Reshape((7, 7, filters[0]))(x)
    x = layers.Conv2DTranspose(filters[0], 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(filters[1], 3, activation="relu", strides=2, padding="same")(x)
    outputs = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
    return nerve.Model(inputs, outputs, name="decoder")


def vae_losses(data, z_mean, z_log_var, reconstruction):
    """(reconstruction, KL) as scalar tensors, each averaged over the batch."""
    pixels = 28 * 28
    flat_data = ops.reshape(data, (-1, pixels))
    flat_reconstruction = ops.reshape(reconstruction, (-1, pixels))
    # the BCE class averages over the last axis; times 784 it is the per-pixel BCE summed
    bce = nerve.losses.BinaryCrossentropy()(flat_data, flat_reconstruction)
    reconstruction_loss = ops.multiply(bce, float(pixels))
    kl = -0.5 * (1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
    kl_loss = ops.mean(ops.sum(kl, axis=1))
    return reconstruction_loss, kl_loss


class VAE(nerve.Model):
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
        with nerve.GradientTape() as tape:
            z_mean, z_log_var, z = self.encoder(data, training=True)
            reconstruction = self.decoder(z, training=True)
            reconstruction_loss, kl_loss = vae_losses(data, z_mean, z_log_var, reconstruction)
            total_loss = ops.add(reconstruction_loss, kl_loss)
        weights = self.trainable_weights
        grads = tape.gradient(total_loss, weights)
        self.optimizer.apply_gradients(zip(grads, weights))
        self.total_loss_tracker.update_state(total_loss)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return {m.name: m.result() for m in self.metrics}


def save_latent_scatter(z_mean, labels, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 7))
    points = ax.scatter(z_mean[:, 0], z_mean[:, 1], c=labels, cmap="tab10", s=2)
    fig.colorbar(points, ax=ax, label="digit")
    ax.set_xlabel("z[0]")
    ax.set_ylabel("z[1]")
    ax.set_title("VAE latent space (z_mean of the MNIST test set)")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def save_manifold(decoder, path, z_mean, n=30):
    """Decoded digits over an n x n grid spanning the test set's z_mean (1st to 99th
    percentile per axis; Keras plots [-1, 1]^2, which is where a converged VAE's codes lie,
    not yet those of a briefly trained one)."""
    from PIL import Image

    low, high = np.percentile(z_mean, [1, 99], axis=0)
    grid_x = np.linspace(low[0], high[0], n)
    grid_y = np.linspace(low[1], high[1], n)[::-1]
    latents = np.array([[x, y] for y in grid_y for x in grid_x], np.float32)
    digits = decoder.predict(latents, batch_size=512, verbose=0).reshape(n, n, 28, 28)
    canvas = digits.transpose(0, 2, 1, 3).reshape(n * 28, n * 28)
    Image.fromarray((canvas * 255).round().astype(np.uint8)).save(path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", default=None, help="default: docs/images (--quick: a temp dir)")
    parser.add_argument("--images", type=int, default=70000, help="MNIST images trained on")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    quick = args.quick or os.environ.get("NERVE_QUICK") == "1"

    nerve.utils.set_random_seed(0)
    (x_train, _), (x_test, y_test) = nerve.datasets.mnist.load_data()
    mnist_digits = np.concatenate([x_train, x_test]).reshape(-1, 28, 28, 1).astype("float32")
    mnist_digits /= 255.0
    x_test = x_test.reshape(-1, 28, 28, 1).astype("float32") / 255.0
    # a shuffled subset (--images) keeps every digit; the full run uses all 70,000
    mnist_digits = mnist_digits[np.random.default_rng(0).permutation(len(mnist_digits))]
    mnist_digits = mnist_digits[: args.images]
    if quick:
        mnist_digits, x_test, y_test, args.epochs = (
            mnist_digits[:1024],
            x_test[:256],
            y_test[:256],
            1,
        )

    encoder, decoder = build_encoder(), build_decoder()
    encoder.summary()
    decoder.summary()
    vae = VAE(encoder, decoder)
    vae.compile(optimizer=nerve.optimizers.Adam(1e-3))
    start = time.perf_counter()
    with warnings.catch_warnings():  # "train_step is Python code": known, it is the point here
        warnings.filterwarnings("ignore", message=".*which is Python code")
        history = vae.fit(mnist_digits, epochs=args.epochs, batch_size=128, verbose=2)
    seconds = time.perf_counter() - start
    logs = {k: v[-1] for k, v in history.history.items()}
    print(
        f"after {args.epochs} epoch(s) in {seconds:.0f} s ({seconds / args.epochs:.0f} s/epoch): "
        f"loss {logs['total_loss']:.2f} (reconstruction {logs['reconstruction_loss']:.2f}, "
        f"KL {logs['kl_loss']:.2f})"
    )

    out = args.out or (Path(tempfile.gettempdir()) / "nerve_examples" if quick else DOCS_IMAGES)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    z_mean = encoder.predict(x_test, batch_size=512, verbose=0)[0]
    save_latent_scatter(z_mean, y_test, out / "vae_latent.png")
    save_manifold(decoder, out / "vae_manifold.png", z_mean)
    print(f"saved {out / 'vae_latent.png'} and {out / 'vae_manifold.png'}")


if __name__ == "__main__":
    main()
