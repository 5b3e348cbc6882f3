"""A custom training loop with nerve.GradientTape (the tf.GradientTape pattern) on MNIST.

The forward pass, the loss and the backward pass all run in C++; Python only loops over batches.
Run: python examples/custom_training_loop.py   (data: $NERVE_DATASETS)
"""

import os

import numpy as np

import nerve
from nerve.layers import Dense

nerve.utils.set_random_seed(0)
(x_train, y_train), (x_test, y_test) = nerve.datasets.mnist.load_data()
x_train = x_train.reshape(-1, 784).astype("float32") / 255.0
x_test = x_test.reshape(-1, 784).astype("float32") / 255.0
QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: a few hundred samples, one epoch
if QUICK:
    x_train, y_train, x_test, y_test = x_train[:512], y_train[:512], x_test[:256], y_test[:256]

model = nerve.Sequential(
    [nerve.Input((784,)), Dense(128, activation="relu"), Dense(10, activation="softmax")]
)
optimizer = nerve.optimizers.Adam(1e-3)
loss_fn = nerve.losses.SparseCategoricalCrossentropy()
batch_size = 128

for epoch in range(1 if QUICK else 3):
    order = np.random.default_rng(epoch).permutation(len(x_train))
    for start in range(0, len(x_train), batch_size):
        idx = order[start : start + batch_size]
        x, y = nerve.Tensor(x_train[idx]), nerve.Tensor(y_train[idx].astype("float32"))
        with nerve.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
    accuracy = np.mean(model.predict(x_test).argmax(1) == y_test)
    print(f"epoch {epoch + 1}: last batch loss {loss.item():.4f} - test accuracy {accuracy:.4f}")
