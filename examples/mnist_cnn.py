"""A small CNN on real MNIST: >= 99.0% test accuracy within 3 epochs (measured on the AVX-512
path; other paths and thread counts round differently: README, "Determinism").

Conv2D(32, 3, same, relu) -> Conv2D(64, 3, same, relu) -> MaxPooling2D(2) -> Flatten
-> Dense(128, relu) -> Dense(10), softmax cross-entropy on the logits, Adam (learning rate
1e-3, 3e-4, 1e-4 in epochs 1, 2, 3), batch 64.

--mixed-bfloat16 trains under Keras's "mixed_bfloat16" policy (nerve.mixed_precision): Conv2D
and Dense round the operands of their products (im2col + bfloat16 GEMM) to bfloat16 and sum in
float32; weights, activations, pooling and the loss stay float32.
One epoch (--epochs 1), seed 0, 1 thread, on a 2-core Intel Xeon with AMX shared with other
jobs (load average 12-18): 98.67% test accuracy in float32 (50 s of process CPU time) and 98.68%
under mixed_bfloat16 (117 s: im2col + sgemm_bf16's plain path, which rounds into float32 copies
and runs the float32 GEMM, against Winograd in float32; the AVX512-BF16 / AMX kernels are to
come). The 3-epoch runs did not fit the time that machine had.

Run: python examples/mnist_cnn.py [--epochs N] [--threads T] [--mixed-bfloat16]
(data: $NERVE_DATASETS, ~/.nerve/datasets, or downloaded)
"""

import argparse
import os
import time

import nerve
from nerve.layers import Conv2D, Dense, Flatten, MaxPooling2D

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--threads", type=int, default=None)
parser.add_argument("--mixed-bfloat16", action="store_true", help="the mixed_bfloat16 policy")
args = parser.parse_args()
if args.threads:
    nerve.set_num_threads(args.threads)
if args.mixed_bfloat16:
    nerve.mixed_precision.set_global_policy("mixed_bfloat16")

nerve.utils.set_random_seed(0)
(x_train, y_train), (x_test, y_test) = nerve.datasets.mnist.load_data()
x_train = x_train.reshape(-1, 28, 28, 1).astype("float32") / 255.0
x_test = x_test.reshape(-1, 28, 28, 1).astype("float32") / 255.0
QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: a few hundred samples, one epoch
if QUICK:
    x_train, y_train, x_test, y_test = x_train[:512], y_train[:512], x_test[:256], y_test[:256]
    args.epochs = 1

model = nerve.Sequential(
    [
        nerve.Input(shape=(28, 28, 1)),
        Conv2D(32, 3, padding="same", activation="relu"),
        Conv2D(64, 3, padding="same", activation="relu"),
        MaxPooling2D(2),
        Flatten(),
        Dense(128, activation="relu"),
        Dense(10),
    ]
)
model.summary()
# Adam at 1e-3, stepped down each epoch (938 steps of 64): the last epoch fine-tunes at 1e-4
steps = len(x_train) // 64 + 1
schedule = nerve.optimizers.schedules.PiecewiseConstantDecay([steps, 2 * steps], [1e-3, 3e-4, 1e-4])
model.compile(
    optimizer=nerve.optimizers.Adam(schedule),
    loss=nerve.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
start = time.perf_counter()
model.fit(x_train, y_train, batch_size=64, epochs=args.epochs, validation_data=(x_test, y_test))
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(
    f"test loss {loss:.4f} - test accuracy {accuracy:.4f} "
    f"({time.perf_counter() - start:.0f} s, {nerve.num_threads()} threads, "
    f"policy {nerve.mixed_precision.global_policy().name})"
)
