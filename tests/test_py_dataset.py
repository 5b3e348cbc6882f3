"""nerve.utils.PyDataset (and its alias Sequence): batches computed by index, read by fit,
evaluate and predict as Keras 3 reads a keras.utils.PyDataset (models/data.py, BatchStream)."""

import signal

import numpy as np
import pytest

import nerve
from nerve import layers as L

RNG = np.random.default_rng(0)
X = RNG.normal(size=(96, 5)).astype(np.float32)
Y = RNG.integers(0, 3, 96)
B = 16  # 6 batches


class Batches(nerve.utils.PyDataset):
    """Records the indices read and the epoch hooks called."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.read, self.hooks = [], []

    def __len__(self):
        return len(X) // B

    def __getitem__(self, i):
        self.read.append(i)
        return X[i * B : (i + 1) * B], Y[i * B : (i + 1) * B]

    def on_epoch_begin(self):
        self.hooks.append("begin")

    def on_epoch_end(self):
        self.hooks.append("end")


def _model():
    model = nerve.Sequential([nerve.Input((5,)), L.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.fixture
def no_hang():
    """Fails the test instead of hanging it (the bug this file guards against was a hang)."""

    def stop(*_):
        raise TimeoutError("the data source was read without end")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_fit_reads_each_batch_once_per_epoch_in_a_shuffled_order_with_the_hooks(no_hang):
    nerve.utils.set_random_seed(1)
    data = Batches(workers=4)
    _model().fit(data, epochs=3, verbose=0)
    epochs = [data.read[i : i + 6] for i in range(0, 18, 6)]
    assert len(data.read) == 18
    assert all(sorted(e) == list(range(6)) for e in epochs)
    assert len({tuple(e) for e in epochs}) > 1  # shuffled anew each epoch (Keras's shuffle=True)
    assert data.hooks == ["begin", "end"] * 3
    nerve.utils.set_random_seed(1)  # the order is nerve's seeded randomness
    again = Batches()
    _model().fit(again, epochs=3, verbose=0)
    assert again.read == data.read


def test_shuffle_false_evaluate_and_predict_keep_the_order(no_hang):
    data = Batches()
    model = _model()
    model.fit(data, epochs=2, shuffle=False, verbose=0)
    assert data.read == list(range(6)) * 2
    data.read.clear(), data.hooks.clear()
    model.evaluate(data, verbose=0)
    assert data.read == list(range(6)) and data.hooks == ["begin", "end"]
    data.read.clear(), data.hooks.clear()
    predicted = model.predict(data, verbose=0)
    assert data.read == list(range(6)) and data.hooks == ["begin", "end"]
    np.testing.assert_allclose(predicted, model.predict(X, verbose=0), rtol=1e-6)


def test_an_object_with_len_and_getitem_is_read_by_index_not_without_end(no_hang):
    """A Sequence written without the base class: Python's fallback iteration would ask for
    indices 0, 1, 2, ... until an IndexError that a slicing __getitem__ never raises (fit hung)."""

    class Plain:
        def __init__(self):
            self.read = []

        def __len__(self):
            return 6

        def __getitem__(self, i):
            self.read.append(i)
            return X[i * B : (i + 1) * B], Y[i * B : (i + 1) * B]

    data = Plain()
    model = _model()
    model.fit(data, epochs=2, verbose=0)
    assert data.read == list(range(6)) * 2
    assert model.predict(data, verbose=0).shape == (96, 3)


def test_an_endless_dataset_needs_steps(no_hang):
    class Endless(nerve.utils.Sequence):  # the old name, as Keras keeps it
        num_batches = None

        def __getitem__(self, i):
            j = i % 6
            return X[j * B : (j + 1) * B], Y[j * B : (j + 1) * B]

    model = _model()
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit(Endless(), epochs=1, verbose=0)
    with pytest.warns(UserWarning, match="infinite PyDataset"):
        history = model.fit(Endless(), epochs=2, steps_per_epoch=4, verbose=0)
    assert len(history.history["loss"]) == 2
    model.fit(Endless(), epochs=1, steps_per_epoch=4, shuffle=False, verbose=0)  # no warning


def test_a_subclass_without_super_init_keeps_kerass_defaults():
    class NoInit(nerve.utils.PyDataset):
        def __init__(self):
            pass

        def __len__(self):
            return 1

        def __getitem__(self, i):
            return X[:B], Y[:B]

    data = NoInit()
    assert (data.workers, data.use_multiprocessing, data.max_queue_size) == (1, False, 10)
    _model().fit(data, epochs=1, verbose=0)


def test_same_training_as_keras_from_the_same_weights():
    keras = pytest.importorskip("keras")

    class KerasBatches(keras.utils.PyDataset):
        def __len__(self):
            return len(X) // B

        def __getitem__(self, i):
            return X[i * B : (i + 1) * B], Y[i * B : (i + 1) * B]

    k_model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3, activation="softmax")])
    k_model.compile("adam", "sparse_categorical_crossentropy")
    n_model = _model()
    n_model.set_weights(k_model.get_weights())
    k_loss = k_model.fit(KerasBatches(), epochs=2, shuffle=False, verbose=0).history["loss"]
    n_loss = n_model.fit(Batches(), epochs=2, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(n_loss, k_loss, rtol=1e-5)
    for a, b in zip(n_model.get_weights(), k_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
