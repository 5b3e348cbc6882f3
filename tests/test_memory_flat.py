"""fit, evaluate, predict, train_on_batch and a Python model call, each repeated 200 times, keep
the process's resident memory flat: nothing the engine allocates per call outlives the call (the
Trainer and Predictor are made once per model and reused; tensors, autograd nodes and kernel
workspaces are freed). Resident memory is read from /proc after a warm-up, so allocator pools
that fill once are not counted."""

import gc
import pathlib

import numpy as np
import pytest

import nerve
from nerve import layers

STATM = pathlib.Path("/proc/self/statm")
pytestmark = pytest.mark.skipif(not STATM.exists(), reason="needs Linux /proc")
PAGE = 4096


def _rss_bytes():
    gc.collect()
    return int(STATM.read_text().split()[1]) * PAGE


def _model():
    nerve.utils.set_random_seed(0)
    inputs = layers.Input((12, 12, 1))
    h = layers.Conv2D(4, 3, activation="relu")(inputs)
    h = layers.MaxPooling2D()(h)
    h = layers.Flatten()(h)
    a = layers.Dense(16, activation="relu")(h)
    b = layers.Dense(16, activation="tanh")(h)
    out = layers.Dense(3, activation="softmax")(layers.Concatenate()([a, b]))
    model = nerve.Model(inputs, out)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


CALLS = {
    "fit": lambda m, x, y: m.fit(x, y, batch_size=16, epochs=1, verbose=0),
    "evaluate": lambda m, x, y: m.evaluate(x, y, batch_size=16, verbose=0),
    "predict": lambda m, x, y: m.predict(x, batch_size=16, verbose=0),
    "train_on_batch": lambda m, x, y: m.train_on_batch(x[:16], y[:16]),
    "call": lambda m, x, y: m(x[:16]),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_repeated_calls_keep_memory_flat(name):
    rng = np.random.default_rng(0)
    x = rng.random((64, 12, 12, 1), dtype=np.float32)
    y = rng.integers(0, 3, 64).astype(np.float32)
    model, call = _model(), CALLS[name]
    for _ in range(30):  # warm-up: pools and caches reach their size
        call(model, x, y)
    before = _rss_bytes()
    for _ in range(200):
        call(model, x, y)
    grown = _rss_bytes() - before
    # A leak of one batch of activations per call would be 200 * 16 * 12*12*4 * 4 bytes = 7 MB;
    # allow a quarter of that for allocator noise.
    assert grown < 2 * 2**20, f"{name}: resident memory grew {grown / 2**20:.1f} MiB over 200 calls"
