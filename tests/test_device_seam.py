"""The device seam: a second device (the poison device: its own allocator, which poisons freed
memory and counts live blocks, and a copy of the CPU kernel table) trains, evaluates, predicts,
saves and loads a CNN, an LSTM and a two-branch functional model end to end, with no allocation
on the CPU device during the run and every block of its own freed afterwards."""

import gc

import numpy as np
import pytest

import nerve
from nerve import _core, layers

POISON = _core._testing.register_poison_device()


def _cnn():
    return nerve.Sequential(
        [
            nerve.Input((8, 8, 2)),
            layers.Conv2D(4, 3, padding="same", activation="relu"),
            layers.BatchNormalization(),
            layers.MaxPooling2D(2),
            layers.Conv2D(3, 3, activation="relu"),
            layers.Flatten(),
            layers.Dense(3, activation="softmax"),
        ]
    )


def _lstm():
    return nerve.Sequential(
        [nerve.Input((5, 3)), layers.LSTM(6), layers.Dense(3, activation="softmax")]
    )


def _functional():
    inp = nerve.Input((6,))
    a = layers.Dense(5, activation="relu")(inp)
    b = layers.Dense(4, activation="tanh")(inp)
    out = layers.Dense(3, activation="softmax")(layers.Concatenate()([a, b]))
    return nerve.Model(inp, out)


CASES = {"cnn": (_cnn, (8, 8, 2)), "lstm": (_lstm, (5, 3)), "functional": (_functional, (6,))}


def _run(build, sample_shape, path):
    """Build, fit, evaluate, predict, save, load and predict again; numpy results only."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, *sample_shape)).astype(np.float32)
    y = rng.integers(0, 3, size=48)
    nerve.utils.set_random_seed(1)
    model = build()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=16, epochs=2, shuffle=True, verbose=0)
    evaluated = model.evaluate(x, y, batch_size=16, verbose=0)
    predicted = model.predict(x, batch_size=16, verbose=0)
    weights = [np.array(w) for w in model.get_weights()]
    model.save(path)
    loaded = nerve.saving.load_model(path)
    reloaded = loaded.predict(x, batch_size=16, verbose=0)
    return history.history["loss"], evaluated, predicted, weights, reloaded


def _assert_same_results(got, want):
    """Losses, evaluation, predictions, weights, predictions after load: equal to float tolerance
    (the same kernels run on both devices) and finite (no poisoned memory was read)."""
    for g, w in zip(got, want):
        g = [np.asarray(v, np.float64) for v in (g if isinstance(g, list) else [g])]
        w = [np.asarray(v, np.float64) for v in (w if isinstance(w, list) else [w])]
        assert len(g) == len(w)
        for a, b in zip(g, w):
            assert np.all(np.isfinite(a))
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_model_runs_end_to_end_on_a_second_device(name, tmp_path):
    build, shape = CASES[name]
    on_cpu = _run(build, shape, tmp_path / "cpu.nerve")

    gc.collect()
    cpu_before = _core.allocation_count("cpu")
    poison_before = _core._testing.poison_stats()
    with nerve.device(POISON):
        assert nerve.current_device() == POISON
        on_poison = _run(build, shape, tmp_path / "poison.nerve")
    assert nerve.current_device() == "cpu"
    cpu_allocations = _core.allocation_count("cpu") - cpu_before
    used = _core._testing.poison_stats()["total"] - poison_before["total"]
    assert cpu_allocations == 0, f"{cpu_allocations} CPU allocations while running on {POISON}"
    assert used > 100, "the run should have allocated its tensors on the poison device"

    _assert_same_results(on_poison, on_cpu)

    del on_poison
    gc.collect()
    assert _core._testing.poison_stats()["live"] == poison_before["live"], (
        "poison device memory leaked"
    )


def test_tensors_and_ops_follow_their_device():
    with nerve.device(POISON):
        t = _core.Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
        assert t.device == POISON
    # Outside the block, ops still run where their inputs are.
    s = _core.ops.add(t, t)
    assert s.device == POISON
    np.testing.assert_array_equal(s.numpy(), 2 * np.arange(6).reshape(2, 3))
    assert t.to("cpu").device == "cpu"
    with pytest.raises(ValueError, match="different devices"):
        _core.ops.add(t, _core.Tensor(np.zeros((2, 3), np.float32)))


def test_freed_poison_memory_is_poisoned():
    with nerve.device(POISON):
        t = _core.Tensor(np.ones(16, dtype=np.float32))
    view = np.asarray(t)  # a view that keeps t's storage alive
    del t
    gc.collect()
    np.testing.assert_array_equal(view, 1.0)  # alive through the view
    live = _core._testing.poison_stats()["live"]
    del view
    gc.collect()
    assert _core._testing.poison_stats()["live"] == live - 1


def test_an_unknown_device_names_the_devices():
    with pytest.raises(ValueError, match="available devices: cpu"):
        with nerve.device("tpu:3"):
            pass
    assert nerve.current_device() == "cpu"
