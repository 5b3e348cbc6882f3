"""One model, several Python threads (issue 18, item 5).

fit, evaluate, predict, train_on_batch and model(x) release the GIL while C++ computes, so
other Python threads run meanwhile. predict from four threads at once gives bit-identical
results to the same calls made one after another (same thread count: every batch runs alone
under the model's run lock, cpp/include/nerve/models/run_lock.h, with the same kernels and work
split). fit in one thread while others predict with the model works: each predicted batch sees
the weights of whole steps, and the weights after fit are bit-identical to a fit with no
predicts alongside."""

import threading
import time

import numpy as np
import pytest

import nerve
from nerve import layers


def _model(hidden=64):
    nerve.utils.set_random_seed(0)
    model = nerve.Sequential(
        [
            layers.Input((32,)),
            layers.Dense(hidden, activation="relu"),
            layers.BatchNormalization(),
            layers.Dropout(0.2),
            layers.Dense(hidden, activation="tanh"),
            layers.Dense(5),
        ]
    )
    model.compile(
        optimizer=nerve.optimizers.Adam(1e-3),
        loss=nerve.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def _data(n, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 32)).astype(np.float32), rng.integers(0, 5, n).astype(np.float32)


def _run_threads(targets):
    """Runs each callable in its own thread, all released at once; re-raises the first error."""
    errors = []
    barrier = threading.Barrier(len(targets))

    def run(target):
        try:
            barrier.wait()
            target()
        except BaseException as e:  # noqa: BLE001 - reported in the main thread
            errors.append(e)

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


CALLS = {
    "fit": lambda m, x, y: m.fit(x, y, batch_size=32, epochs=1, verbose=0),
    "evaluate": lambda m, x, y: m.evaluate(x, y, batch_size=32, verbose=0),
    "predict": lambda m, x, y: m.predict(x, batch_size=32, verbose=0),
    "train_on_batch": lambda m, x, y: m.train_on_batch(x, y),
    "model(x)": lambda m, x, y: m(x),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_the_gil_is_released_during_the_cpp_work(name):
    """While one thread runs the call, the main thread keeps running Python code. Were the GIL
    held, the main thread would not run at all until the call returned."""
    model = _model(hidden=512)  # long enough calls to watch
    x, y = _data(20_000, 0)
    CALLS[name](model, x[:64], y[:64])  # built and warmed up
    done = threading.Event()
    spins = 0

    def call():
        try:
            CALLS[name](model, x, y)
        finally:
            done.set()

    worker = threading.Thread(target=call)
    t0 = time.perf_counter()
    worker.start()
    while not done.is_set():
        spins += 1
        time.sleep(0)  # a pure-Python loop iteration
    worker.join()
    elapsed = time.perf_counter() - t0
    assert elapsed > 0.05, f"{name}: the call took only {elapsed:.3f} s, too short to tell"
    assert spins > 100, f"{name}: the main thread ran {spins} times in {elapsed:.2f} s"


@pytest.mark.parametrize("call", ["predict", "model(x)"])
def test_four_threads_predict_as_one_thread_does(call):
    model = _model()
    inputs = [_data(3_000, seed)[0] for seed in range(4)]
    run = (
        (lambda x: model.predict(x, batch_size=64, verbose=0))
        if call == "predict"
        else (lambda x: model(x[:512]))
    )
    expected = [run(x) for x in inputs]
    got = {}

    def worker(i):
        def target():
            for repeat in range(3):
                got[i, repeat] = run(inputs[i])

        return target

    _run_threads([worker(i) for i in range(4)])
    for (i, _), out in got.items():
        assert np.array_equal(out, expected[i]), f"thread {i}: {np.abs(out - expected[i]).max()}"


@pytest.mark.parametrize("repeat", range(3))
def test_fit_while_other_threads_predict(repeat):
    """Bit-identical weights to a fit with no predicts alongside; every predict gives finite
    values of the right shape."""
    x, y = _data(4_000, 10 + repeat)
    probe = _data(500, 99)[0]
    alone = _model()
    start = alone.get_weights()
    alone.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)

    model = _model()
    model.set_weights(start)
    model.predict(probe[:1], verbose=0)
    fitting = threading.Event()
    fitting.set()
    predictions = []

    def fit():
        try:
            model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
        finally:
            fitting.clear()

    def predict():
        while fitting.is_set():
            predictions.append(model.predict(probe, batch_size=100, verbose=0))

    _run_threads([fit, predict, predict])
    assert len(predictions) > 0
    for p in predictions:
        assert p.shape == (500, 5) and np.isfinite(p).all()
    for a, b in zip(alone.get_weights(), model.get_weights()):
        assert np.array_equal(a, b)
    assert alone.optimizer.iterations == model.optimizer.iterations


class _Snapshots(nerve.callbacks.Callback):
    """The weights after every step (fit then runs one step per C++ call)."""

    def __init__(self, first):
        super().__init__()
        self.weights = [first]

    def on_train_batch_end(self, batch, logs=None):
        self.weights.append(self.model.get_weights())


def test_each_predicted_batch_sees_the_weights_of_a_whole_step():
    """A predict batch that ran while an optimizer step was writing would mix two steps'
    weights: every prediction made during fit must equal the prediction with the weights after
    some completed step."""
    x, y = _data(2_000, 5)
    probe = _data(200, 98)[0]
    model = _model()
    model.predict(probe[:1], verbose=0)
    snapshots = _Snapshots(model.get_weights())
    fitting = threading.Event()
    fitting.set()
    predictions = []

    def fit():
        try:
            model.fit(x, y, batch_size=32, epochs=2, verbose=0, callbacks=[snapshots])
        finally:
            fitting.clear()

    def predict():
        while fitting.is_set():
            predictions.append(model.predict(probe, batch_size=len(probe), verbose=0))

    _run_threads([fit, predict])
    assert predictions
    final = model.get_weights()
    possible = []
    for weights in snapshots.weights:
        model.set_weights(weights)
        possible.append(model.predict(probe, batch_size=len(probe), verbose=0))
    model.set_weights(final)
    for p in predictions:
        assert any(np.array_equal(p, q) for q in possible), "a prediction mixed two steps"
