"""A convolutional autoencoder on MNIST, and its denoising variant (the Keras example
"Convolutional autoencoder for image denoising", its architecture written anew).

Encoder: Conv2D(32, 3, relu, same) -> MaxPooling2D(2) -> Conv2D(32, 3, relu, same) ->
MaxPooling2D(2) (a 7x7x32 code). Decoder: two Conv2DTranspose(32, 3, strides 2, relu, same) ->
Conv2D(1, 3, sigmoid, same). Adam 1e-3, per-pixel binary cross-entropy, batch 128.

1. the plain autoencoder learns clean -> clean;
2. the denoising one learns noisy -> clean, noisy = clip(x + 0.4 * N(0, 1), 0, 1).

Both report the validation (MNIST test set) per-pixel BCE and MSE; the picture (default
docs/images/autoencoder.png) shows rows of test inputs, their plain reconstructions, the noisy
inputs and the denoised outputs.

Measured on AMD EPYC (lscpu), 2 vCPUs shared with other jobs (times pessimistic, figures far
from converged: the Keras example trains 50 epochs):
- `python examples/autoencoder.py --epochs 2` (all 60,000 images, 469 steps of 128 per epoch;
  load ~4-9; docs/images/autoencoder.png is from this run):
    autoencoder            597 s (393 s + 204 s)  validation per-pixel BCE 0.0696, MSE 0.00305
    denoising autoencoder  225 s (128 s + 97 s)   validation per-pixel BCE 0.0977, MSE 0.01149
- `--images 12000 --epochs 1` (94 steps of 128; load ~4-7):
    autoencoder            43 s   validation per-pixel BCE 0.1235, MSE 0.0207
    denoising autoencoder  24 s   validation per-pixel BCE 0.1892, MSE 0.0450
- `--images 5000 --epochs 1` (40 steps; load ~15): BCE 0.3888 / MSE 0.0988 in 82 s, and
  denoising BCE 0.3930 / MSE 0.0976 in 85 s (a 0.5 guess everywhere gives BCE 0.693);
- the quick mode (1,024 images, 8 steps) took 23 s per model at load ~15.

Run: python examples/autoencoder.py [--epochs N] [--out PATH] [--quick]
(data: $NERVE_DATASETS, ~/.nerve/datasets, or downloaded; --quick or NERVE_QUICK=1: 1,024 training
and 256 test images, one epoch: seconds, for CI)
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

import nerve
from nerve.layers import Conv2D, Conv2DTranspose, MaxPooling2D

NOISE = 0.4
DOCS_IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"


def build_autoencoder(filters=32) -> nerve.Model:
    """The example's model; the tests use fewer filters to run in seconds."""
    return nerve.Sequential(
        [
            nerve.Input((28, 28, 1)),
            Conv2D(filters, 3, activation="relu", padding="same"),
            MaxPooling2D(2, padding="same"),
            Conv2D(filters, 3, activation="relu", padding="same"),
            MaxPooling2D(2, padding="same"),
            Conv2DTranspose(filters, 3, strides=2, activation="relu", padding="same"),
            Conv2DTranspose(filters, 3, strides=2, activation="relu", padding="same"),
            Conv2D(1, 3, activation="sigmoid", padding="same"),
        ]
    )


def add_noise(images: np.ndarray, seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(size=images.shape).astype(np.float32)
    return np.clip(images + NOISE * noise, 0.0, 1.0)


def save_grid(rows: list, path: Path) -> None:
    """Rows of 28x28 images tiled into one grey PNG (1 px gaps)."""
    from PIL import Image  # pillow: the viz extra

    n_rows, n_cols = len(rows), len(rows[0])
    canvas = np.ones((n_rows * 29 + 1, n_cols * 29 + 1), np.float32)
    for r, row in enumerate(rows):
        for c, image in enumerate(row):
            canvas[1 + r * 29 : 1 + r * 29 + 28, 1 + c * 29 : 1 + c * 29 + 28] = image.reshape(
                28, 28
            )
    Image.fromarray((canvas * 255).round().astype(np.uint8)).resize(
        (canvas.shape[1] * 3, canvas.shape[0] * 3), Image.NEAREST
    ).save(path)


def output_dir(out, quick: bool) -> Path:
    """Pictures go to docs/images; a quick (CI) run writes to a temp dir, not the tree."""
    if out is None:
        out = Path(tempfile.gettempdir()) / "nerve_examples" if quick else DOCS_IMAGES
    Path(out).mkdir(parents=True, exist_ok=True)
    return Path(out)


def train(model, x_in, x_target, val_in, val_target, epochs, name):
    model.compile(nerve.optimizers.Adam(1e-3), "binary_crossentropy", metrics=["mse"])
    start = time.perf_counter()
    model.fit(x_in, x_target, batch_size=128, epochs=epochs, shuffle=True, verbose=2)
    seconds = time.perf_counter() - start
    bce, mse = model.evaluate(val_in, val_target, batch_size=512, verbose=0)
    print(
        f"{name}: {epochs} epoch(s) in {seconds:.1f} s ({seconds / epochs:.1f} s/epoch) - "
        f"validation per-pixel BCE {bce:.4f}, MSE {mse:.5f}"
    )
    return bce, mse


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--out", default=None, help="default: docs/images (--quick: a temp dir)")
    parser.add_argument("--images", type=int, default=60000, help="MNIST training images used")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    quick = args.quick or os.environ.get("NERVE_QUICK") == "1"

    nerve.utils.set_random_seed(0)
    (x_train, _), (x_test, _) = nerve.datasets.mnist.load_data()
    x_train = x_train.reshape(-1, 28, 28, 1).astype("float32") / 255.0
    x_test = x_test.reshape(-1, 28, 28, 1).astype("float32") / 255.0
    x_train = x_train[: args.images]
    if quick:
        x_train, x_test, args.epochs = x_train[:1024], x_test[:256], 1
    noisy_train, noisy_test = add_noise(x_train, 1), add_noise(x_test, 2)

    plain = build_autoencoder()
    plain.summary()
    train(plain, x_train, x_train, x_test, x_test, args.epochs, "autoencoder")
    denoiser = build_autoencoder()
    train(denoiser, noisy_train, x_train, noisy_test, x_test, args.epochs, "denoising autoencoder")

    shown = slice(0, 10)
    rows = [
        x_test[shown],
        plain.predict(x_test[shown], verbose=0),
        noisy_test[shown],
        denoiser.predict(noisy_test[shown], verbose=0),
    ]
    path = output_dir(args.out, quick) / "autoencoder.png"
    save_grid(rows, path)
    print(f"saved {path} (rows: inputs, reconstructions, noisy inputs, denoised)")


if __name__ == "__main__":
    main()
