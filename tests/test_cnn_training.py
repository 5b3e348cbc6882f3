"""CNNs trained on real data subsets (slow): the issue's MNIST CNN and a BatchNorm/Dropout CNN on
Fashion-MNIST. Skipped when $NERVE_DATASETS does not hold the IDX files."""

import os
from pathlib import Path

import numpy as np
import pytest

import nerve
from nerve.layers import (
    BatchNormalization,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAveragePooling2D,
    MaxPooling2D,
)


def _load(name):
    env = os.environ.get("NERVE_DATASETS")
    if not env or not (Path(env) / name).is_dir():
        pytest.skip(f"NERVE_DATASETS is unset or has no {name}/ folder")
    module = nerve.datasets.mnist if name == "mnist" else nerve.datasets.fashion_mnist
    (x, y), (xt, yt) = module.load_data()
    prep = lambda a: a.reshape(-1, 28, 28, 1).astype(np.float32) / 255.0  # noqa: E731
    return (prep(x), y), (prep(xt), yt)


@pytest.mark.slow
def test_mnist_cnn_subset():
    (x, y), (xt, yt) = _load("mnist")
    nerve.utils.set_random_seed(0)
    model = nerve.Sequential(
        [
            nerve.Input((28, 28, 1)),
            Conv2D(32, 3, padding="same", activation="relu"),
            Conv2D(64, 3, padding="same", activation="relu"),
            MaxPooling2D(2),
            Flatten(),
            Dense(128, activation="relu"),
            Dense(10),
        ]
    )
    model.compile(
        optimizer="adam",
        loss=nerve.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    history = model.fit(x[:3200], y[:3200], batch_size=64, epochs=1, verbose=0)
    assert history.history["loss"][0] < 1.0
    _, accuracy = model.evaluate(xt[:1000], yt[:1000], verbose=0)
    assert accuracy >= 0.85  # 50 steps; the full example reaches >= 99% in 3 epochs


@pytest.mark.slow
def test_fashion_cnn_with_batch_norm_and_dropout():
    (x, y), (xt, yt) = _load("fashion-mnist")
    nerve.utils.set_random_seed(1)
    model = nerve.Sequential(
        [
            nerve.Input((28, 28, 1)),
            Conv2D(16, 3, strides=2, padding="same", use_bias=False),
            BatchNormalization(momentum=0.9),  # 0.99 needs more than these 188 steps to settle
            nerve.layers.Activation("relu"),
            Conv2D(32, 3, padding="same", activation="relu"),
            MaxPooling2D(2),
            Dropout(0.25),
            Conv2D(32, 3, padding="same", activation="relu"),
            GlobalAveragePooling2D(),
            Dense(10),
        ]
    )
    model.compile(
        optimizer=nerve.optimizers.Adam(3e-3),
        loss=nerve.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(x[:6000], y[:6000], batch_size=64, epochs=2, verbose=0)
    _, accuracy = model.evaluate(xt[:2000], yt[:2000], verbose=0)
    assert accuracy >= 0.70
    # inference is deterministic: BatchNorm uses its moving statistics, Dropout is off
    np.testing.assert_array_equal(model.predict(xt[:50]), model.predict(xt[:50]))
