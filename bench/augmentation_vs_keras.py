"""The augmentation layers in training mode against what Keras 3 on JAX runs for them inside fit
(its jitted train step): the "Image classification from scratch" tutorial's batch (32 images of
180x180x3). nerve: `layer(x, training=True)` (the per-sample draws included). JAX: the same
computation jitted (keras.ops.image.affine_transform with a fixed batch of transforms for the
affine layers, the flip's where/flip, the contrast formula), so JAX's side leaves out the draws.
Both on one thread (nerve.set_num_threads(1); XLA's CPU client single-threaded through
XLA_FLAGS), timed as process CPU time in blocks alternating between the two; medians of
`--repeats` calls per block, in ms, and the ratio jax / nerve (> 1: nerve is faster).

Measured 2026-12-03 on the 2-core AMD EPYC (Zen 4) VM at load ~4.5 (shared with other jobs), one
thread, 5 rounds of 3 calls; ms per call, jax / nerve (median, min-max):
  RandomFlip horizontal              nerve  3.89  jax   2.78  0.73x (0.60-2.67)
  RandomRotation bilinear reflect    nerve 45.45  jax 267.44  5.73x (4.34-5.97)
  RandomRotation nearest constant    nerve 30.93  jax 182.58  6.00x (5.71-7.26)
  RandomZoom bilinear reflect        nerve 45.50  jax 278.18  6.72x (6.02-7.41)
  RandomContrast                     nerve  2.45  jax   2.86  1.20x (1.04-1.56)
The flip is a copy (memcpy per row): nerve's time there is mostly the fresh 12 MB output's page
faults (perf: clear_page, memmove), which XLA's reused buffers avoid. RandomContrast was 30 ms as
six element-wise ops (the reduction over the height alone 15 ms), 6.9 ms as one fused kernel with
a branchy clamp, 1.8-2.5 ms with min/max on restrict rows (the loop vectorises).

Run: python bench/augmentation_vs_keras.py [--rounds 5] [--repeats 3] [--batch 32] [--size 180]
NERVE_QUICK=1 (CI smoke): batch 2, 16x16 images, one round.
"""

import argparse
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "")
    + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)

import _common  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import nerve  # noqa: E402
from nerve import layers as L  # noqa: E402


def _rotation_transforms(n, h, w, rng):
    angles = np.radians(rng.uniform(-36, 36, size=n)).astype(np.float32)
    cos, sin = np.cos(angles), np.sin(angles)
    cx, cy = (w - 1) / 2, (h - 1) / 2
    zeros = np.zeros(n, np.float32)
    rows = [cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos, zeros, zeros]
    return np.stack(rows, axis=1).astype(np.float32)


def cases(x, rng):
    """name -> (nerve layer, jitted JAX function of the images)."""
    import keras

    n, h, w, _ = x.shape
    transforms = jnp.asarray(_rotation_transforms(n, h, w, rng))

    def affine(interpolation, fill_mode):
        return jax.jit(
            lambda images: keras.ops.image.affine_transform(
                images, transforms, interpolation=interpolation, fill_mode=fill_mode
            )
        )

    flips = jnp.asarray(rng.uniform(size=(n, 1, 1, 1)) <= 0.5)
    factors = jnp.asarray(rng.uniform(0.8, 1.2, size=(n, 1, 1, 1)).astype(np.float32))

    def contrast(images):
        mean = jnp.mean(jnp.mean(images, axis=1, keepdims=True), axis=2, keepdims=True)
        return jnp.clip((images - mean) * factors + mean, 0, 255)

    return {
        "RandomFlip horizontal": (
            L.RandomFlip("horizontal"),
            jax.jit(lambda images: jnp.where(flips, jnp.flip(images, axis=2), images)),
        ),
        "RandomRotation bilinear reflect": (L.RandomRotation(0.1), affine("bilinear", "reflect")),
        "RandomRotation nearest constant": (
            L.RandomRotation(0.1, interpolation="nearest", fill_mode="constant"),
            affine("nearest", "constant"),
        ),
        "RandomZoom bilinear reflect": (L.RandomZoom(0.1), affine("bilinear", "reflect")),
        "RandomContrast": (L.RandomContrast(0.2), jax.jit(contrast)),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--size", type=int, default=180)
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    if _common.QUICK:
        args.rounds, args.repeats, args.batch, args.size = 1, 1, 2, 16
    nerve.set_num_threads(1)
    print(_common.machine_line(1))
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, size=(args.batch, args.size, args.size, 3)).astype(np.float32)
    xt, xj = nerve.Tensor(x), jnp.asarray(x)
    print(f"batch {args.batch} x {args.size}x{args.size}x3; ms per call, jax / nerve")
    for name, (layer, fn) in cases(x, rng).items():
        if args.names and not any(k in name for k in args.names):
            continue

        def ours(layer=layer):
            for _ in range(args.repeats):
                np.asarray(layer(xt, training=True))

        def theirs(fn=fn):
            for _ in range(args.repeats):
                fn(xj).block_until_ready()

        result = _common.alternate_blocks(
            {"nerve": ours, "jax": theirs}, args.rounds, clock="process"
        )
        ms = {k: 1e3 * result.median(k) / args.repeats for k in ("nerve", "jax")}
        print(
            f"  {name:34s} nerve {ms['nerve']:8.2f}  jax {ms['jax']:8.2f}  "
            f"{_common.fmt_ratio(result.ratio('nerve', 'jax'))}"
        )


if __name__ == "__main__":
    main()
