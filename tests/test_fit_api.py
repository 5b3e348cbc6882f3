"""fit and friends: sample_weight, class_weight, steps_per_epoch, generator input, initial_epoch,
train/test/predict_on_batch, trainable=False, and bit-reproducible fits."""

import numpy as np
import pytest

import nerve

rng = np.random.default_rng(0)
N = 48
X = rng.standard_normal((N, 3)).astype(np.float32)
Y = (X @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.1).astype(np.float32)
LABELS = (X[:, 0] > 0).astype(np.float32)


def _model(lr=0.05, loss="mse", units=1, activation=None, metrics=None, optimizer=None):
    nerve.utils.set_random_seed(0)
    model = nerve.Sequential(
        [
            nerve.Input((3,)),
            nerve.layers.Dense(4, activation="tanh"),
            nerve.layers.Dense(units, activation=activation),
        ]
    )
    model.compile(optimizer=optimizer or nerve.optimizers.SGD(lr), loss=loss, metrics=metrics)
    return model


def _same_weights(a, b):
    for x, y in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(x, y)


def test_sample_weight_scales_the_loss():
    # SGD: weights of 2 everywhere give the same steps as twice the learning rate
    a = _model(lr=0.05)
    ha = a.fit(X, Y, batch_size=16, epochs=3, verbose=0, sample_weight=np.full(N, 2.0))
    b = _model(lr=0.1)  # built after a's fit so both shuffle alike (same seed, same draws)
    b.fit(X, Y, batch_size=16, epochs=3, verbose=0)
    for x, y in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)
    assert ha.history["loss"][0] > 0


def test_sample_weight_in_train_and_test_on_batch():
    model = _model()
    w = rng.uniform(0, 2, N).astype(np.float32)
    per_sample = np.mean((model.predict(X) - Y) ** 2, axis=-1)
    assert model.test_on_batch(X, Y, sample_weight=w) == pytest.approx(
        np.sum(w * per_sample) / N, rel=1e-5
    )
    assert model.train_on_batch(X, Y, sample_weight=w) == pytest.approx(
        np.sum(w * per_sample) / N, rel=1e-5
    )
    zero = _model()
    zero.train_on_batch(X, Y, sample_weight=np.zeros(N))
    _same_weights(zero, _model())  # zero weights: zero gradient


def test_class_weight_is_per_sample_weight():
    a = _model(loss="binary_crossentropy", activation="sigmoid")
    a.fit(X, LABELS, batch_size=16, epochs=2, verbose=0, class_weight={0: 0.3, 1: 2.0})
    b = _model(loss="binary_crossentropy", activation="sigmoid")
    b.fit(
        X, LABELS, batch_size=16, epochs=2, verbose=0, sample_weight=np.where(LABELS == 1, 2.0, 0.3)
    )
    _same_weights(a, b)
    # one-hot targets: the class is the argmax
    onehot = np.eye(3, dtype=np.float32)[rng.integers(0, 3, N)]
    c = _model(loss="categorical_crossentropy", units=3, activation="softmax")
    c.fit(X, onehot, epochs=1, verbose=0, class_weight={2: 5.0})
    d = _model(loss="categorical_crossentropy", units=3, activation="softmax")
    d.fit(X, onehot, epochs=1, verbose=0, sample_weight=np.where(onehot[:, 2] == 1, 5.0, 1.0))
    _same_weights(c, d)


def test_weight_arguments_are_validated():
    model = _model()
    with pytest.raises(ValueError, match="not both"):
        model.fit(X, LABELS, sample_weight=np.ones(N), class_weight={0: 1.0}, verbose=0)
    with pytest.raises(ValueError, match=r"one weight per sample, shape \(48,\)"):
        model.fit(X, Y, sample_weight=np.ones(N - 1), verbose=0)
    with pytest.raises(ValueError, match="non-negative"):
        model.fit(X, Y, sample_weight=-np.ones(N), verbose=0)
    with pytest.raises(ValueError, match="NaN"):
        model.fit(X, Y, sample_weight=np.full(N, np.nan), verbose=0)
    with pytest.raises(TypeError, match="dict"):
        model.fit(X, LABELS, class_weight=[1.0, 2.0], verbose=0)
    with pytest.raises(ValueError, match="class_weight must map"):
        model.fit(X, LABELS, class_weight={"a": 1.0}, verbose=0)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit(X, Y, steps_per_epoch=0, verbose=0)


def test_validation_data_with_sample_weights():
    model = _model()
    w = np.linspace(0, 1, 16).astype(np.float32)
    hist = model.fit(X, Y, epochs=1, verbose=0, validation_data=(X[:16], Y[:16], w))
    per_sample = np.mean((model.predict(X[:16]) - Y[:16]) ** 2, axis=-1)
    assert hist.history["val_loss"][0] == pytest.approx(np.sum(w * per_sample) / 16, rel=1e-5)


def test_steps_per_epoch_with_arrays_continues_across_epochs():
    a = _model()
    a.fit(X, Y, batch_size=8, epochs=3, steps_per_epoch=2, shuffle=False, verbose=0)
    assert a.optimizer.iterations == 6
    b = _model()
    for i in range(6):  # the 6 batches of one pass, in order
        b.train_on_batch(X[8 * i : 8 * i + 8], Y[8 * i : 8 * i + 8])
    _same_weights(a, b)
    with pytest.warns(UserWarning, match="ran out"):
        c = _model()
        c.fit(X, Y, batch_size=16, epochs=1, steps_per_epoch=5, verbose=0)
    assert c.optimizer.iterations == 3


def _batches(n=N, size=8, weights=False):
    for i in range(0, n, size):
        if weights:
            yield X[i : i + size], Y[i : i + size], np.full(len(X[i : i + size]), 0.5, np.float32)
        else:
            yield X[i : i + size], Y[i : i + size]


class Reiterable:
    """A dataset object: each iter() is a fresh pass (like a DataLoader)."""

    def __iter__(self):
        return _batches()

    def __len__(self):
        return N // 8


def test_generator_input_matches_arrays():
    a = _model()
    a.fit(_batches(), epochs=1, verbose=0)
    b = _model()
    b.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    _same_weights(a, b)
    c = _model()
    hist = c.fit(Reiterable(), epochs=3, verbose=0)
    d = _model()
    d.fit(X, Y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    _same_weights(c, d)
    assert len(hist.history["loss"]) == 3 and c.optimizer.iterations == 18


def test_generator_with_sample_weights_and_steps():
    a = _model()
    a.fit(_batches(weights=True), epochs=1, verbose=0)
    b = _model()
    b.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0, sample_weight=np.full(N, 0.5))
    for x, y in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-7)

    def forever():
        while True:
            yield from _batches()

    c = _model()
    hist = c.fit(
        forever(),
        steps_per_epoch=4,
        epochs=3,
        verbose=0,
        validation_data=_batches(24),
        validation_steps=1,
    )  # 3 batches: 1 per epoch
    assert c.optimizer.iterations == 12 and len(hist.history["val_loss"]) == 3


def test_generator_errors_and_exhaustion():
    model = _model()
    with pytest.raises(ValueError, match="pass y=None"):
        model.fit(_batches(), Y, verbose=0)
    with pytest.raises(ValueError, match="has no targets"):
        model.fit(iter([X[:8]]), verbose=0)
    with pytest.raises(ValueError, match="batch 0"):
        model.fit(iter([(X[:8, :2], Y[:8])]), verbose=0)
    with pytest.warns(UserWarning, match="ran out of data"):
        hist = model.fit(_batches(), epochs=3, verbose=0)  # a one-shot generator: one epoch
    assert len(hist.history["loss"]) == 1


def test_evaluate_and_predict_accept_batches():
    model = _model()
    assert model.evaluate(_batches(), verbose=0) == pytest.approx(
        model.evaluate(X, Y, verbose=0), rel=1e-6
    )
    np.testing.assert_array_equal(model.predict(x for x, _ in _batches()), model.predict(X))
    np.testing.assert_array_equal(model.predict(_batches(), steps=2), model.predict(X[:16]))


def test_initial_epoch():
    model = _model()
    hist = model.fit(X, Y, epochs=5, initial_epoch=3, verbose=0)
    assert hist.epoch == [3, 4] and len(hist.history["loss"]) == 2
    with pytest.raises(ValueError, match="initial_epoch"):
        model.fit(X, Y, initial_epoch=-1, verbose=0)


def test_on_batch_methods():
    model = _model(metrics=["mae"])
    before = model.get_weights()
    loss, mae = model.test_on_batch(X, Y)
    p = model.predict_on_batch(X)
    np.testing.assert_array_equal(p, model.predict(X))
    assert loss == pytest.approx(np.mean((p - Y) ** 2), rel=1e-5)
    assert mae == pytest.approx(np.mean(np.abs(p - Y)), rel=1e-5)
    for x, y in zip(before, model.get_weights()):
        np.testing.assert_array_equal(x, y)  # test_on_batch does not train
    logs = model.train_on_batch(X, Y, return_dict=True)
    assert set(logs) == {"loss", "mae"} and logs["loss"] == pytest.approx(loss, rel=1e-5)
    assert model.optimizer.iterations == 1
    assert model.test_on_batch(X, Y, return_dict=True)["loss"] < loss
    with pytest.raises(ValueError, match="expects input of shape"):
        model.predict_on_batch(X[:, :2])
    plain = _model()
    assert isinstance(plain.train_on_batch(X, Y), float)


def test_trainable_false_freezes():
    model = _model(optimizer=nerve.optimizers.Adam(0.05))
    first = model.layers[0]
    frozen = first.get_weights()
    first.trainable = False
    assert first.trainable_weights == [] and len(first.non_trainable_weights) == 2
    last = model.layers[1].get_weights()
    model.fit(X, Y, epochs=2, verbose=0)
    for x, y in zip(frozen, first.get_weights()):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(last[0], model.layers[1].get_weights()[0])
    first.trainable = True
    model.fit(X, Y, epochs=1, verbose=0)
    assert not np.array_equal(frozen[0], first.get_weights()[0])


def test_set_random_seed_reproduces_a_whole_fit_bit_for_bit():
    def run():
        nerve.utils.set_random_seed(1234)
        model = nerve.Sequential(
            [
                nerve.Input((3,)),
                nerve.layers.Dense(8, activation="relu", kernel_regularizer="l2"),
                nerve.layers.Dense(1),
            ]
        )
        model.compile(
            optimizer=nerve.optimizers.Nadam(
                nerve.optimizers.schedules.CosineDecay(0.01, 20, warmup_target=0.02, warmup_steps=3)
            ),
            loss="huber",
            metrics=["mae"],
        )
        hist = model.fit(
            X,
            Y,
            batch_size=5,
            epochs=3,
            validation_split=0.25,
            verbose=0,
            sample_weight=np.linspace(0.5, 1.5, N),
        )
        return model.get_weights(), hist.history

    (w1, h1), (w2, h2) = run(), run()
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)
    assert h1 == h2


def test_set_random_seed_validates():
    with pytest.raises(ValueError, match="non-negative int"):
        nerve.utils.set_random_seed(-1)
    with pytest.raises(ValueError, match="non-negative int"):
        nerve.utils.set_random_seed(1.5)


def test_shuffling_depends_on_the_seed():
    def run(seed):
        nerve.utils.set_random_seed(seed)
        model = nerve.Sequential([nerve.Input((3,)), nerve.layers.Dense(1)])
        model.compile(optimizer=nerve.optimizers.SGD(0.05), loss="mse")
        model.set_weights([np.ones((3, 1), np.float32), np.zeros(1, np.float32)])
        model.fit(X, Y, batch_size=4, epochs=1, verbose=0)
        return model.get_weights()[0]

    np.testing.assert_array_equal(run(5), run(5))
    assert not np.array_equal(run(5), run(6))
