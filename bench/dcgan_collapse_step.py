"""Does a collapsed DCGAN generator (all-black samples, as run 2 of examples/dcgan.py reached)
make a training step slower, and can it recover? Times the example's train_step in thread CPU
time on the healthy starting generator and on the same one pushed into the collapse (its final
sigmoid Conv2D's bias set to `--bias`, so every pixel saturates to 0), alternating blocks, and
reports per phase (generator forward, discriminator step, generator step) where the time goes,
whether any weight, gradient or Adam moment is non-finite or denormal, and how much gradient
reaches the generator through the saturated sigmoid.

Run: python bench/dcgan_collapse_step.py [--threads 1] [--blocks 5] [--steps 3] [--bias -40]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

import nerve

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
import dcgan  # noqa: E402

TINY = np.finfo(np.float32).tiny  # below this, a nonzero float32 is denormal


def make_gan(collapsed_bias):
    nerve.utils.set_random_seed(0)
    gan = dcgan.GAN(dcgan.build_discriminator(), dcgan.build_generator())
    gan.compile(
        nerve.optimizers.Adam(2e-4, beta_1=0.5),
        nerve.optimizers.Adam(2e-4, beta_1=0.5),
        nerve.losses.BinaryCrossentropy(from_logits=True),
    )
    if collapsed_bias is not None:
        last = gan.generator.layers[-1]
        kernel, bias = last.get_weights()
        last.set_weights([kernel, np.full_like(bias, collapsed_bias)])
    return gan


def census(arrays):
    """(non-finite count, denormal count, total) over float arrays."""
    bad = den = total = 0
    for a in arrays:
        a = np.asarray(a, np.float32)
        bad += int((~np.isfinite(a)).sum())
        den += int(((a != 0) & (np.abs(a) < TINY)).sum())
        total += a.size
    return bad, den, total


def timed_steps(gan, real, steps, rng):
    """Thread CPU seconds per phase, summed over `steps` steps of the example's step."""
    t = {"generator forward": 0.0, "discriminator step": 0.0, "generator step": 0.0}
    g_grad_norm = 0.0
    for _ in range(steps):
        latents = nerve.ops.convert_to_tensor(rng.normal(size=(64, 128)).astype(np.float32))
        noise = nerve.ops.convert_to_tensor(rng.uniform(size=(128, 1)).astype(np.float32))
        a = time.thread_time()
        gan.generator(latents)
        b = time.thread_time()
        _, d_grads = gan.discriminator_gradients(real, latents, noise)
        gan.d_optimizer.apply_gradients(zip(d_grads, gan.discriminator.trainable_weights))
        c = time.thread_time()
        _, g_grads = gan.generator_gradients(latents)
        gan.g_optimizer.apply_gradients(zip(g_grads, gan.generator.trainable_weights))
        d = time.thread_time()
        t["generator forward"] += b - a
        t["discriminator step"] += c - b
        t["generator step"] += d - c
        g_grad_norm = float(np.sqrt(sum(float((np.asarray(g) ** 2).sum()) for g in g_grads)))
    return t, g_grad_norm, g_grads


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--bias", type=float, default=-40.0, help="the collapsed sigmoid's bias")
    args = parser.parse_args()
    nerve.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")
    (x, _), _ = nerve.datasets.mnist.load_data()
    real = nerve.ops.convert_to_tensor(x[:64].reshape(-1, 28, 28, 1).astype(np.float32) / 255)
    gans = {"healthy": make_gan(None), "collapsed": make_gan(args.bias)}
    rng = np.random.default_rng(0)
    for gan in gans.values():
        timed_steps(gan, real, 1, rng)  # warm-up
    times = {name: [] for name in gans}
    for _ in range(args.blocks):
        for name, gan in gans.items():
            t, norm, grads = timed_steps(gan, real, args.steps, rng)
            times[name].append({k: v / args.steps for k, v in t.items()})
    print(
        f"{nerve.config().get('isa')} | {args.threads} thread(s) | load average "
        f"{os.getloadavg()[0]:.1f} | {time.strftime('%H:%M:%S', time.gmtime())} UTC | medians of "
        f"{args.blocks} alternating blocks of {args.steps} steps, thread CPU ms per step"
    )
    for name, gan in gans.items():
        phases = {k: statistics.median(b[k] for b in times[name]) * 1e3 for k in times[name][0]}
        total = sum(phases.values())
        samples = gan.generator.predict(
            np.random.default_rng(1).normal(size=(64, 128)).astype(np.float32), verbose=0
        )
        _, norm, grads = timed_steps(gan, real, 1, rng)
        moments = [  # Adam's m and v of every weight (the C++ optimizer's slots)
            np.asarray(s)
            for opt, model in (
                (gan.g_optimizer, gan.generator),
                (gan.d_optimizer, gan.discriminator),
            )
            for w in model.trainable_weights
            for s in opt._core.slots(w)
        ]
        weights = gan.generator.get_weights() + gan.discriminator.get_weights()
        print(
            f"{name:9s}: {total:7.1f} ms/step ("
            + ", ".join(f"{k} {v:.1f}" for k, v in phases.items())
            + f"); samples mean {samples.mean():.3g}, max {samples.max():.3g}; "
            f"generator gradient norm {norm:.3g}; non-finite/denormal: weights "
            f"{census(weights)[:2]}, gradients {census(grads)[:2]}, Adam state {census(moments)[:2]}"
        )


if __name__ == "__main__":
    main()
