"""The device seam: a second device (the poison device: its own allocator, which poisons freed
memory and counts live blocks, and a copy of the CPU kernel table) trains, evaluates, predicts,
saves and loads a CNN, an LSTM and a two-branch functional model end to end, then one small model
per op family (every op reaches its kernels through the device's table), with no allocation on
the CPU device during the run and every block of its own freed afterwards."""

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


def _head(x):
    """Three class probabilities from any feature map."""
    if len(x.shape) > 2:
        x = layers.Flatten()(x)
    return layers.Dense(3, activation="softmax")(x)


def _seq(shape, *body):
    inp = nerve.Input(shape)
    x = inp
    for layer in body:
        x = layer(x)
    return nerve.Model(inp, _head(x))


def _bidirectional_gru():
    return _seq((5, 3), layers.Bidirectional(layers.GRU(4, return_sequences=True)))


def _rnns_with_dropout():
    return _seq(
        (5, 3),
        layers.SimpleRNN(4, return_sequences=True, dropout=0.2, recurrent_dropout=0.2),
        layers.LSTM(4, return_sequences=True, go_backwards=True, recurrent_dropout=0.3),
        layers.GRU(3),
    )


def _attention():
    inp = nerve.Input((4, 6))
    x = layers.MultiHeadAttention(2, 3, dropout=0.2)(inp, inp)
    x = layers.LayerNormalization()(layers.PositionEmbedding(4)(x))
    return nerve.Model(inp, _head(layers.GlobalAveragePooling1D()(x)))


def _embedding():
    inp = nerve.Input((5,))
    x = layers.Embedding(10, 4)(inp)
    x = layers.Conv1D(3, 2, padding="causal", dilation_rate=2)(x)
    return nerve.Model(inp, _head(layers.MaxPooling1D(2)(x)))


def _images():
    inp = nerve.Input((6, 6, 2))
    a = layers.ZeroPadding2D(1)(inp)
    a = layers.AveragePooling2D(2, padding="same")(a)
    a = layers.GlobalMaxPooling2D()(a)
    b = layers.GlobalAveragePooling2D()(layers.PReLU(shared_axes=[1, 2])(inp))
    x = layers.Concatenate()([a, b])
    x = layers.Dense(5, kernel_regularizer="l1_l2", activity_regularizer="l2")(x)
    return nerve.Model(inp, _head(layers.Dropout(0.3)(x)))


def _generative():
    inp = nerve.Input((6,))
    x = layers.GaussianNoise(0.1)(inp)
    x = layers.ActivityRegularization(l2=1e-3)(layers.Dense(2 * 2 * 3)(x))
    x = layers.Conv2DTranspose(4, 3, strides=2, padding="same")(layers.Reshape((2, 2, 3))(x))
    x = layers.Cropping2D(1)(layers.UpSampling2D(2, interpolation="bilinear")(x))
    x = layers.UpSampling2D((1, 2))(layers.GaussianDropout(0.2)(x))
    x = layers.RepeatVector(2)(layers.GlobalAveragePooling2D()(x))
    return nerve.Model(inp, _head(layers.Flatten()(x)))


def _integers(rng, shape):
    return rng.integers(0, 10, size=shape).astype(np.float32)


# name: (build, sample shape, input maker or None for normal floats, losses to train with)
SCE = ("sparse_categorical_crossentropy",)
CASES = {
    "cnn": (_cnn, (8, 8, 2), None, SCE),
    "lstm": (_lstm, (5, 3), None, SCE),
    "functional": (_functional, (6,), None, SCE),
    # One small model per op family: every op moved behind the kernel table runs on the device.
    "images": (_images, (6, 6, 2), None, ("categorical_crossentropy", "kl_divergence")),
    "embedding_conv1d": (_embedding, (5,), _integers, ("mse", "huber")),
    "attention": (_attention, (4, 6), None, ("binary_crossentropy", "mae")),
    "bidirectional": (_bidirectional_gru, (5, 3), None, SCE),
    "rnn_dropout": (_rnns_with_dropout, (5, 3), None, SCE),
    "generative": (_generative, (6,), None, ("mse",)),
}


def _targets(loss, labels):
    if loss == "sparse_categorical_crossentropy":
        return labels
    return np.eye(3, dtype=np.float32)[labels]  # one-hot rows for every other loss


def _run(build, sample_shape, path, make_x=None, losses=SCE):
    """Build, fit (once per loss), evaluate, predict, save, load and predict again; numpy
    results only."""
    rng = np.random.default_rng(0)
    if make_x is None:
        x = rng.normal(size=(48, *sample_shape)).astype(np.float32)
    else:
        x = make_x(rng, (48, *sample_shape))
    labels = rng.integers(0, 3, size=48)
    nerve.utils.set_random_seed(1)
    model = build()
    history_losses = []
    for loss in losses[:-1]:
        model.compile(optimizer="adam", loss=loss)
        fitted = model.fit(x, _targets(loss, labels), batch_size=16, epochs=1, verbose=0)
        history_losses += fitted.history["loss"]
    loss = losses[-1]
    y = _targets(loss, labels)
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    history = model.fit(x, y, batch_size=16, epochs=2, shuffle=True, verbose=0)
    evaluated = model.evaluate(x, y, batch_size=16, verbose=0)
    predicted = model.predict(x, batch_size=16, verbose=0)
    weights = [np.array(w) for w in model.get_weights()]
    model.save(path)
    loaded = nerve.saving.load_model(path)
    reloaded = loaded.predict(x, batch_size=16, verbose=0)
    return history_losses + history.history["loss"], evaluated, predicted, weights, reloaded


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
    build, shape, make_x, losses = CASES[name]
    on_cpu = _run(build, shape, tmp_path / "cpu.nerve", make_x, losses)

    gc.collect()
    cpu_before = _core.allocation_count("cpu")
    poison_before = _core._testing.poison_stats()
    with nerve.device(POISON):
        assert nerve.current_device() == POISON
        on_poison = _run(build, shape, tmp_path / "poison.nerve", make_x, losses)
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


# A moved op of each family, called on poison tensors: (family, op name in the error, call).
def _poison(*shape):
    with nerve.device(POISON):
        return _core.Tensor(np.ones(shape, np.float32))


BLANKED = [
    ("regularization", "dropout", lambda: _core.ops.dropout(_poison(4, 3), 0.5, 1)),
    ("shape", "narrow", lambda: _core.ops.narrow(_poison(4, 3), 1, 0, 2)),
    ("shape", "zero_pad2d", lambda: _core.ops.zero_pad2d(_poison(1, 2, 2, 1), 1, 1, 1, 1)),
    ("embedding", "embedding", lambda: _core.ops.embedding(_poison(2, 3), _poison(4, 2))),
    ("pooling", "max_pool1d", lambda: _core.ops.max_pool1d(_poison(1, 4, 2), 2, 2, "valid")),
    (
        "augmentation",
        "affine_transform",
        lambda: nerve.layers.RandomRotation(0.2, seed=1)(_poison(2, 3, 4, 1), training=True),
    ),
]


@pytest.mark.parametrize("family, op, call", BLANKED, ids=[b[1] for b in BLANKED])
def test_an_op_without_its_kernel_names_the_op_and_the_device(family, op, call):
    call()  # runs with the full table
    _core._testing.blank_poison_kernels(family)
    try:
        with pytest.raises(RuntimeError, match=f"op '{op}' has no kernel on device {POISON}"):
            call()
    finally:
        _core._testing.restore_poison_kernels()
    call()  # and again once the table is back


def test_blanking_an_unknown_family_is_refused():
    with pytest.raises(ValueError, match="no kernel family 'warp'"):
        _core._testing.blank_poison_kernels("warp")
