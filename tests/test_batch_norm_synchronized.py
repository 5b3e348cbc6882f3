"""BatchNormalization(synchronized=True) in one process (the 2-rank behaviour is
test_distributed.py's): it trains exactly as plain BatchNormalization, as Keras does on one
replica; the argument is checked and kept by get_config, .nerve and .keras files."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import nerve
from nerve import layers


def _model(synchronized: bool):
    nerve.utils.set_random_seed(3)
    model = nerve.Sequential(
        [
            nerve.Input((6, 6, 2)),
            layers.Conv2D(3, 3),
            layers.BatchNormalization(synchronized=synchronized, momentum=0.8),
            layers.Flatten(),
            layers.Dense(5),
            layers.BatchNormalization(synchronized=synchronized, momentum=0.8),
            layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile(optimizer=nerve.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    return model


def test_one_process_trains_as_plain_batch_normalization():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 6, 6, 2)).astype(np.float32)
    y = rng.integers(0, 2, size=40).astype(np.float32)
    results = []
    for synchronized in (False, True):
        model = _model(synchronized)
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        results.append([np.array(w) for w in model.get_weights()])
    start = [np.array(w) for w in _model(False).get_weights()]
    assert max(np.abs(a - b).max() for a, b in zip(results[0], start)) > 1e-3
    for plain, synced in zip(*results):
        np.testing.assert_array_equal(plain, synced)


@pytest.mark.parametrize("bad", ["yes", None, 2, 0.5])
def test_synchronized_must_be_a_bool(bad):
    with pytest.raises(ValueError, match=r"BatchNormalization.*synchronized must be True or False"):
        layers.BatchNormalization(synchronized=bad)


def test_get_config_and_nerve_file_keep_synchronized(tmp_path):
    layer = layers.BatchNormalization(synchronized=True)
    assert layer.get_config()["synchronized"] is True
    assert layers.BatchNormalization.from_config(layer.get_config()).get_config()["synchronized"]
    assert layers.BatchNormalization().get_config()["synchronized"] is False
    model = _model(True)
    path = str(tmp_path / "m.nerve")
    model.save(path)
    loaded = nerve.models.load_model(path)
    found = [
        lay.get_config()["synchronized"]
        for lay in loaded.layers
        if isinstance(lay, layers.BatchNormalization)
    ]
    assert found == [True, True]


def test_keras_file_keeps_synchronized(tmp_path):
    # Written into the .keras config as Keras writes it, and read back. (Keras 3 itself accepts
    # synchronized=True on the TensorFlow backend only: on JAX, the reference here, its
    # constructor raises, so such a file cannot be opened by Keras on JAX.)
    model = _model(True)
    path = str(tmp_path / "m.keras")
    model.save(path)
    with zipfile.ZipFile(path) as z:
        config = json.loads(z.read("config.json"))
    found = [
        layer["config"]["synchronized"]
        for layer in config["config"]["layers"]
        if layer["class_name"] == "BatchNormalization"
    ]
    assert found == [True, True]
    loaded = nerve.models.load_model(path)
    assert [
        lay.get_config()["synchronized"]
        for lay in loaded.layers
        if isinstance(lay, layers.BatchNormalization)
    ] == [True, True]
