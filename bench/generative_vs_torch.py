"""The VAE and the DCGAN of examples/vae.py and examples/dcgan.py, in nerve and in PyTorch, side
by side: same data, batch size, epochs, architectures, initialisation scheme (Glorot uniform
kernels, zero biases, as Keras), optimizers (Adam, epsilon 1e-7) and training steps.

- VAE (batch 128, Adam 1e-3): trained on the first --vae-images MNIST training images; quality =
  the test loss on the MNIST test set (per-image BCE summed over the 784 pixels + KL, decoded at
  z_mean, so no sampling noise; computed in float64 numpy from each framework's outputs).
- DCGAN (batch 64, two Adam 3e-4, label noise 0.05): trained on the first --gan-images images;
  quality = bench/mnist_scorer.py's classifier score and Fréchet distance over --samples
  generated images (nerve's MNIST classifier scores both frameworks' samples).

Each framework runs in its own subprocess (its peak resident memory, VmHWM, is its own; reset
after the data is loaded, read after the last training epoch, so the quality pass, in batches of
500 in both, does not count; both load MNIST through nerve.datasets, so both include nerve's
import), at the same thread count, and the two alternate epoch by epoch: the
parent tells one worker to run an epoch, waits, then the other, so load changes on a shared
machine hit both alike. Per-epoch times are printed, the table gives the median epoch time and
the ratio torch / nerve (> 1: nerve is faster).

PyTorch pads 'same' convolutions symmetrically (padding 1 for the stride-2 3x3 layers, 3 for the
7x7 one, output_padding 1 for the stride-2 3x3 transposed ones): the same output sizes and work
as Keras's 'same', the odd padding cell on the other side.

Run: python bench/generative_vs_torch.py [--epochs 2] [--vae-images 60000] [--gan-images 60000]
                                        [--samples 10000] [--threads 2] [--models vae,gan]
NERVE_QUICK=1 (CI smoke): 1 epoch on 256 (VAE) and 128 (GAN) images, 256 test images and samples.

Measured on the 2-vCPU AMD EPYC (AVX-512) VM shared with other jobs, 2 threads, 2 epochs each
(times: median of the 2 epochs; ratio torch / nerve):
- VAE, 10,000 training images (load ~17): nerve 165.7 s/epoch, PyTorch 452.3 s (2.73x); test
  loss 199.79 vs 202.91. (Its peak RSS, 628 vs 3,835 MB, was taken before the fix that reads it
  after training: PyTorch's figure then held a one-batch pass over the 10,000 test images.)
- VAE, 10,000 images, 3 epochs (load ~4): 21.4 vs 47.6 s/epoch (2.22x; PyTorch's epochs 66.7,
  21.4, 47.6 s, nerve's 21.4, 23.6, 21.2 s); peak RSS in training 241 vs 496 MB; test loss
  194.86 vs 197.09.
- DCGAN, 1,280 images, two runs at load ~6: 52.8 vs 60.0 s/epoch (1.14x), then 32.0 vs 64.9 s
  (2.03x); peak RSS in training 453 vs 620 MB; 1,000 samples: score 1.029 vs 1.017, Fréchet
  distance 434.6 vs 440.9 (neither generator trained after 40 steps).
- --quick (load ~15): VAE peak RSS 138 vs 420 MB, DCGAN 378 vs 570 MB.

On the 2-core Intel Xeon (AVX-512, AVX512-BF16, AMX) VM shared with 7 other jobs, after
Conv2DTranspose's strided forward became sub-pixel phases: `--models gan --epochs 2 --gan-images
1280 --samples 1000 --threads 2` (13:22-13:32 UTC, load 12-20): nerve 96.8 and 100.1 s/epoch,
PyTorch 176.0 and 165.1 s (1.73x on the medians); peak RSS in training 494 vs 578 MB; 1,000
samples: score 1.029 vs 1.017, Fréchet distance 434.6 vs 441.0 (20 steps: neither trained).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from _common import peak_rss_mb, reset_peak_rss

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent / "examples"
QUICK = os.environ.get("NERVE_QUICK") == "1"


def load_mnist(images: int, test_images: int):
    import nerve

    (x, _), (x_test, _) = nerve.datasets.mnist.load_data()
    x = x[:images].reshape(-1, 28, 28, 1).astype(np.float32) / 255.0
    x_test = x_test[:test_images].reshape(-1, 28, 28, 1).astype(np.float32) / 255.0
    return x, x_test


def vae_test_loss(x, reconstruction, z_mean, z_log_var) -> float:
    """Mean over images of the summed per-pixel BCE (Keras clips at 1e-7) plus the KL term."""
    x = x.reshape(len(x), -1).astype(np.float64)
    r = np.clip(reconstruction.reshape(len(x), -1).astype(np.float64), 1e-7, 1 - 1e-7)
    bce = -(x * np.log(r) + (1 - x) * np.log(1 - r)).sum(axis=1)
    m, lv = z_mean.astype(np.float64), z_log_var.astype(np.float64)
    kl = -0.5 * (1 + lv - m**2 - np.exp(lv)).sum(axis=1)
    return float((bce + kl).mean())


def fixed_latents(n: int, dim: int) -> np.ndarray:
    return np.random.default_rng(2024).standard_normal((n, dim)).astype(np.float32)


# ----------------------------------------------------------------------------- nerve workers
def load_example(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class NerveVAE:
    def __init__(self, x, threads):
        import nerve

        nerve.set_num_threads(threads)
        nerve.utils.set_random_seed(0)
        vae = load_example("vae")
        self.nerve, self.x = nerve, x
        self.encoder, self.decoder = vae.build_encoder(), vae.build_decoder()
        self.model = vae.VAE(self.encoder, self.decoder)
        self.model.compile(optimizer=nerve.optimizers.Adam(1e-3))

    def epoch(self):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*which is Python code")
            self.model.fit(self.x, epochs=1, batch_size=128, verbose=0)

    def quality(self, x_test, _samples, _out):
        z_mean, z_log_var, _ = self.encoder.predict(x_test, batch_size=500, verbose=0)
        reconstruction = self.decoder.predict(z_mean, batch_size=500, verbose=0)
        return {"test_loss": vae_test_loss(x_test, reconstruction, z_mean, z_log_var)}


class NerveGAN:
    def __init__(self, x, threads):
        import nerve

        nerve.set_num_threads(threads)
        nerve.utils.set_random_seed(0)
        dcgan = load_example("dcgan")
        self.latent_dim, self.x = dcgan.LATENT_DIM, x
        self.gan = dcgan.GAN(dcgan.build_discriminator(), dcgan.build_generator())
        self.gan.compile(
            d_optimizer=nerve.optimizers.Adam(3e-4),
            g_optimizer=nerve.optimizers.Adam(3e-4),
            loss_fn=nerve.losses.BinaryCrossentropy(from_logits=True),
        )

    def epoch(self):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*which is Python code")
            self.gan.fit(self.x, epochs=1, batch_size=64, verbose=0)

    def quality(self, _x_test, samples, out):
        latents = fixed_latents(samples, self.latent_dim)
        images = self.gan.generator.predict(latents, batch_size=500, verbose=0)
        np.save(out, images.astype(np.float32))
        return {"samples_file": str(out)}


# ----------------------------------------------------------------------------- torch workers
def torch_modules():
    import torch
    from torch import nn

    class Sampling(nn.Module):
        def forward(self, z_mean, z_log_var):
            return z_mean + torch.exp(0.5 * z_log_var) * torch.randn_like(z_mean)

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.convs = nn.Sequential(
                nn.Conv2d(1, 32, 3, stride=2, padding=1),
                nn.ReLU(),
                nn.Conv2d(32, 64, 3, stride=2, padding=1),
                nn.ReLU(),
                nn.Flatten(),
                nn.Linear(7 * 7 * 64, 16),
                nn.ReLU(),
            )
            self.z_mean, self.z_log_var, self.sampling = (
                nn.Linear(16, 2),
                nn.Linear(16, 2),
                Sampling(),
            )

        def forward(self, x):
            h = self.convs(x)
            z_mean, z_log_var = self.z_mean(h), self.z_log_var(h)
            return z_mean, z_log_var, self.sampling(z_mean, z_log_var)

    def decoder():
        return nn.Sequential(
            nn.Linear(2, 7 * 7 * 64),
            nn.ReLU(),
            nn.Unflatten(1, (64, 7, 7)),
            nn.ConvTranspose2d(64, 64, 3, stride=2, padding=1, output_padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(32, 1, 3, padding=1),
            nn.Sigmoid(),
        )

    class GlobalMax(nn.Module):
        def forward(self, x):
            return torch.amax(x, dim=(2, 3))

    def discriminator():
        return nn.Sequential(
            nn.Conv2d(1, 64, 3, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(64, 128, 3, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            GlobalMax(),
            nn.Linear(128, 1),
        )

    def generator(latent_dim=128):
        return nn.Sequential(
            nn.Linear(latent_dim, 7 * 7 * 128),
            nn.LeakyReLU(0.2),
            nn.Unflatten(1, (128, 7, 7)),
            nn.ConvTranspose2d(128, 128, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(128, 128, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(128, 1, 7, padding=3),
            nn.Sigmoid(),
        )

    def keras_init(module):
        for m in module.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        return module

    return Encoder, decoder, discriminator, generator, keras_init


def nchw(x):
    import torch

    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


class TorchVAE:
    def __init__(self, x, threads):
        import torch

        torch.set_num_threads(threads)
        torch.manual_seed(0)
        Encoder, decoder, _, _, keras_init = torch_modules()
        self.torch, self.x = torch, nchw(x)
        self.encoder, self.decoder = keras_init(Encoder()), keras_init(decoder())
        params = [*self.encoder.parameters(), *self.decoder.parameters()]
        self.opt = torch.optim.Adam(params, lr=1e-3, eps=1e-7)

    def epoch(self):
        torch = self.torch
        order = torch.randperm(len(self.x))
        for i in range(0, len(self.x), 128):
            data = self.x[order[i : i + 128]]
            z_mean, z_log_var, z = self.encoder(data)
            reconstruction = self.decoder(z).clamp(1e-7, 1 - 1e-7)
            bce = torch.nn.functional.binary_cross_entropy(reconstruction, data, reduction="none")
            reconstruction_loss = bce.sum(dim=(1, 2, 3)).mean()
            kl = -0.5 * (1 + z_log_var - z_mean.square() - z_log_var.exp())
            loss = reconstruction_loss + kl.sum(dim=1).mean()
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()

    def quality(self, x_test, _samples, _out):
        parts = []
        with self.torch.no_grad():  # batches of 500, as nerve's predict
            for i in range(0, len(x_test), 500):
                z_mean, z_log_var, _ = self.encoder(nchw(x_test[i : i + 500]))
                parts.append((self.decoder(z_mean), z_mean, z_log_var))
        reconstruction, z_mean, z_log_var = (self.torch.cat(p).numpy() for p in zip(*parts))
        reconstruction = reconstruction.transpose(0, 2, 3, 1)
        return {"test_loss": vae_test_loss(x_test, reconstruction, z_mean, z_log_var)}


class TorchGAN:
    def __init__(self, x, threads):
        import torch

        torch.set_num_threads(threads)
        torch.manual_seed(0)
        _, _, discriminator, generator, keras_init = torch_modules()
        self.torch, self.x, self.latent_dim = torch, nchw(x), 128
        self.d, self.g = keras_init(discriminator()), keras_init(generator())
        self.d_opt = torch.optim.Adam(self.d.parameters(), lr=3e-4, eps=1e-7)
        self.g_opt = torch.optim.Adam(self.g.parameters(), lr=3e-4, eps=1e-7)
        self.loss = torch.nn.BCEWithLogitsLoss()

    def epoch(self):
        torch = self.torch
        order = torch.randperm(len(self.x))
        for i in range(0, len(self.x), 64):
            real = self.x[order[i : i + 64]]
            batch = len(real)
            with torch.no_grad():
                generated = self.g(torch.randn(batch, self.latent_dim))
            combined = torch.cat([generated, real])
            labels = torch.cat([torch.ones(batch, 1), torch.zeros(batch, 1)])
            labels = labels + 0.05 * torch.rand(2 * batch, 1)  # label noise, as the example
            d_loss = self.loss(self.d(combined), labels)
            self.d_opt.zero_grad()
            d_loss.backward()
            self.d_opt.step()

            predictions = self.d(self.g(torch.randn(batch, self.latent_dim)))
            g_loss = self.loss(predictions, torch.zeros(batch, 1))  # "real"
            self.g_opt.zero_grad()
            g_loss.backward()  # the discriminator's gradients are cleared before its next step
            self.g_opt.step()

    def quality(self, _x_test, samples, out):
        latents = self.torch.from_numpy(fixed_latents(samples, self.latent_dim))
        with self.torch.no_grad():  # batches of 500, as nerve's predict
            images = self.torch.cat([self.g(z) for z in latents.split(500)])
        images = images.numpy().transpose(0, 2, 3, 1)
        np.save(out, images.astype(np.float32))
        return {"samples_file": str(out)}


WORKERS = {
    ("nerve", "vae"): NerveVAE,
    ("nerve", "gan"): NerveGAN,
    ("torch", "vae"): TorchVAE,
    ("torch", "gan"): TorchGAN,
}


def worker(args) -> None:
    """Reads commands on stdin ('epoch', 'quality'), answers one JSON line on stdout each."""
    images = args.vae_images if args.model == "vae" else args.gan_images
    x, x_test = load_mnist(images, args.test_images)
    reset_peak_rss()
    trainer = WORKERS[args.worker, args.model](x, args.threads)
    for line in sys.stdin:
        if line.strip() == "epoch":
            t0 = time.perf_counter()
            trainer.epoch()
            reply = {"seconds": time.perf_counter() - t0, "peak_rss_mb": peak_rss_mb()}
        else:
            out = Path(args.out) / f"{args.worker}_{args.model}_samples.npy"
            reply = trainer.quality(x_test, args.samples, out)
        print("RESULT " + json.dumps(reply), flush=True)


# ----------------------------------------------------------------------------- the parent
class Worker:
    def __init__(self, framework, model, args, out):
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", framework, "--model", model]
        cmd += ["--threads", str(args.threads), "--samples", str(args.samples), "--out", out]
        cmd += ["--vae-images", str(args.vae_images), "--gan-images", str(args.gan_images)]
        cmd += ["--test-images", str(args.test_images)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(self, command: str) -> dict:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        for line in self.proc.stdout:
            if line.startswith("RESULT "):
                return json.loads(line[len("RESULT ") :])
        raise RuntimeError(f"worker exited with {self.proc.wait()}")

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def compare(model, args, scorer, out) -> dict:
    workers = {fw: Worker(fw, model, args, out) for fw in ("nerve", "torch")}
    times = {fw: [] for fw in workers}
    peak = {}
    for epoch in range(args.epochs):
        order = ("nerve", "torch") if epoch % 2 == 0 else ("torch", "nerve")
        for fw in order:
            reply = workers[fw].ask("epoch")
            times[fw].append(reply["seconds"])
            peak[fw] = reply["peak_rss_mb"]  # of the training: VmHWM after the last epoch
        print(
            f"  {model} epoch {epoch + 1}: nerve {times['nerve'][-1]:.1f} s, torch "
            f"{times['torch'][-1]:.1f} s (load average {os.getloadavg()[0]:.1f})",
            flush=True,
        )
    result = {}
    for fw, w in workers.items():
        q = w.ask("quality")
        w.close()
        if "samples_file" in q:
            q.update(scorer.score(np.load(q.pop("samples_file"))))
        result[fw] = {"epoch_s": statistics.median(times[fw]), "peak_rss_mb": peak[fw], **q}
    return result


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--vae-images", type=int, default=60000)
    p.add_argument("--gan-images", type=int, default=60000)
    p.add_argument("--test-images", type=int, default=10000)
    p.add_argument("--samples", type=int, default=10000, help="GAN samples scored")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--models", default="vae,gan")
    p.add_argument("--worker", choices=["nerve", "torch"], help=argparse.SUPPRESS)
    p.add_argument("--model", choices=["vae", "gan"], help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args()
    if QUICK:
        args.epochs, args.vae_images, args.gan_images = 1, 256, 128
        args.test_images, args.samples = 256, 256
    if args.worker:
        worker(args)
        return

    sys.path.insert(0, str(HERE))
    from mnist_scorer import MnistScorer

    scorer = MnistScorer()
    load = os.getloadavg()
    print(
        f"threads {args.threads}; {args.epochs} epoch(s); VAE on {args.vae_images} images, GAN "
        f"on {args.gan_images}; load average at start {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
    )
    rows = []
    with tempfile.TemporaryDirectory() as out:
        for model in args.models.split(","):
            r = compare(model, args, scorer, out)
            n, t = r["nerve"], r["torch"]
            rows.append(
                f"| {model.upper()} epoch (s, median) | {n['epoch_s']:.1f} | {t['epoch_s']:.1f} "
                f"| {t['epoch_s'] / n['epoch_s']:.2f}x |"
            )
            rows.append(
                f"| {model.upper()} peak RSS (MB) | {n['peak_rss_mb']:.0f} | {t['peak_rss_mb']:.0f} "
                f"| {t['peak_rss_mb'] / n['peak_rss_mb']:.2f}x |"
            )
            if model == "vae":
                rows.append(
                    f"| VAE test loss ({args.test_images} images) | {n['test_loss']:.2f} "
                    f"| {t['test_loss']:.2f} | |"
                )
            else:
                for key, name in (
                    ("classifier_score", "score"),
                    ("frechet_distance", "Fréchet distance"),
                ):
                    rows.append(
                        f"| GAN {name} ({args.samples} samples) | {n[key]:.3f} | {t[key]:.3f} | |"
                    )
    print(f"load average at end {os.getloadavg()[0]:.1f}")
    print("\n| | nerve | PyTorch | torch / nerve |\n|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
