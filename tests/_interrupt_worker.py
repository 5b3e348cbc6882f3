"""The child process of test_interrupt.py: runs one long call and reports, as one JSON line, how
it ended. `python _interrupt_worker.py fit|predict|evaluate|call` prints "started" just before the
long call; the parent sends SIGINT a second later. `save_loop PATH`, `checkpoint_loop PATH` and
`backup_loop DIR` (BackupAndRestore) save a big model over and over (every weight is the save's
number / 1024) until the parent kills the process with SIGKILL."""

import json
import sys
import time

import numpy as np

import nerve
from nerve import layers

BATCH = 64


def _model(features, hidden, outputs):
    nerve.utils.set_random_seed(0)
    model = nerve.Sequential(
        [
            layers.Input((features,)),
            layers.Dense(hidden, activation="relu"),
            layers.Dense(hidden, activation="relu"),
            layers.Dense(outputs),
        ]
    )
    model.compile(
        optimizer=nerve.optimizers.Adam(1e-3),
        loss=nerve.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def _data(n, features):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, features)).astype(np.float32)
    y = rng.integers(0, 10, n).astype(np.float32)
    return x, y


def _report(**fields):
    print(json.dumps(fields), flush=True)


def _started():
    print("started", flush=True)


def fit():
    """Many epochs; after the interrupt, the same number of steps again from the same start
    (train_on_batch, one batch at a time) must give bit-identical weights."""
    x, y = _data(BATCH * 200, 64)
    model = _model(64, 256, 10)
    start = model.get_weights()
    began = nerve.callbacks.LambdaCallback(on_train_begin=lambda logs: _started())
    try:
        model.fit(
            x, y, batch_size=BATCH, epochs=100_000, shuffle=False, verbose=0, callbacks=[began]
        )
    except KeyboardInterrupt:
        caught = time.monotonic()
    else:
        return _report(interrupted=False)
    steps = model.optimizer.iterations
    rerun = _model(64, 256, 10)
    rerun.set_weights(start)
    per_epoch = len(x) // BATCH
    for step in range(steps):
        b = step % per_epoch
        rerun.train_on_batch(x[b * BATCH : (b + 1) * BATCH], y[b * BATCH : (b + 1) * BATCH])
    same = all(np.array_equal(a, b) for a, b in zip(model.get_weights(), rerun.get_weights()))
    _report(interrupted=True, caught=caught, steps=steps, same_weights=same)


def _long_inference(call):
    """predict / evaluate over many batches; afterwards the model must predict as before."""
    x, y = _data(200_000, 64)
    model = _model(64, 1024, 10)
    probe = model.predict(x[:100], verbose=0)
    _started()
    t0 = time.monotonic()
    try:
        call(model, x, y)
    except KeyboardInterrupt:
        caught = time.monotonic()
    else:
        return _report(interrupted=False, seconds=time.monotonic() - t0)
    same = np.array_equal(model.predict(x[:100], verbose=0), probe)
    _report(interrupted=True, caught=caught, same_predictions=same)


def predict():
    _long_inference(lambda m, x, y: m.predict(x, batch_size=256, verbose=0))


def evaluate():
    _long_inference(lambda m, x, y: m.evaluate(x, y, batch_size=256, verbose=0))


def _deep_model():
    nerve.utils.set_random_seed(0)
    deep = [layers.Dense(256, activation="tanh") for _ in range(40)]
    return nerve.Sequential([layers.Input((64,)), *deep, layers.Dense(10)])


def call():
    """One long forward pass, model(x) on a single batch of 150,000 samples through 40 layers
    (about 800 GFLOP: several seconds, so the signal a second in lands inside it even as the
    inference path gets faster; 20,000 samples took 0.8 s on an Intel Xeon in December 2026);
    it stops between two layers."""
    x, _ = _data(150_000, 64)
    model = _deep_model()
    probe = model(x[:100])
    _started()
    t0 = time.monotonic()
    try:
        model(x)
    except KeyboardInterrupt:
        caught = time.monotonic()
    else:
        return _report(interrupted=False, seconds=time.monotonic() - t0)
    _report(interrupted=True, caught=caught, same_predictions=np.array_equal(model(x[:100]), probe))


def handler():
    """A Python signal handler that predicts with the model runs in the middle of the model's
    own long model(x) pass (between two layers, under the model's run lock) and the pass then
    finishes: the lock is reentrant, so the handler does not wait for its own thread."""
    import signal

    x, _ = _data(120_000, 64)  # several seconds, so that the pass goes on well after the handler
    model = _deep_model()
    probe = model.predict(x[:100], verbose=0)
    seen = {}

    def on_signal(signum, frame):
        seen["at"] = time.monotonic()
        seen["same"] = bool(np.array_equal(model.predict(x[:100], verbose=0), probe))

    signal.signal(signal.SIGUSR1, on_signal)
    _started()
    out = model(x)
    ended = time.monotonic()
    _report(
        handled_at=seen.get("at"),
        ended=ended,
        same_predictions=seen.get("same", False),
        finite=bool(np.isfinite(out).all()),
    )


def _big_model():
    """About 17 MB of weights, so that a save takes long enough to be killed in the middle."""
    model = _model(64, 2048, 10)
    model.predict(np.zeros((1, 64), np.float32), verbose=0)
    return model


def _fill(model, number):
    """Every weight = number / 1024 (exact in float32, small enough for finite losses)."""
    model.set_weights([np.full_like(w, number / 1024) for w in model.get_weights()])


def save_loop(path):
    model = _big_model()
    _fill(model, 0)
    model.save(path)
    print("saved", flush=True)
    i = 0
    while True:
        i += 1
        _fill(model, i)
        model.save(path)


class _FillBeforeSave(nerve.callbacks.Callback):
    """Fills the weights with the batch count after each batch, before ModelCheckpoint saves."""

    def on_train_batch_end(self, batch, logs=None):
        self.count = getattr(self, "count", 0) + 1
        _fill(self.model, self.count)


def checkpoint_loop(path):
    model = _big_model()
    _fill(model, 0)
    model.save(path)
    print("saved", flush=True)
    x, y = _data(BATCH, 64)
    checkpoint = nerve.callbacks.ModelCheckpoint(path, save_freq=1)
    model.fit(
        x,
        y,
        batch_size=BATCH,
        epochs=1_000_000,
        verbose=0,
        callbacks=[_FillBeforeSave(), checkpoint],
    )


class _SaidSaved(nerve.callbacks.Callback):
    """Prints "saved" once, after the first batch's backup."""

    def on_train_batch_end(self, batch, logs=None):
        if not getattr(self, "said", False):
            self.said = True
            print("saved", flush=True)


def backup_loop(path):
    """BackupAndRestore backing up after every batch, the weights filled with the batch count."""
    model = _big_model()
    x, y = _data(BATCH, 64)
    model.fit(
        x,
        y,
        batch_size=BATCH,
        epochs=1_000_000,
        verbose=0,
        callbacks=[
            _FillBeforeSave(),
            nerve.callbacks.BackupAndRestore(path, save_freq=1),
            _SaidSaved(),
        ],
    )


if __name__ == "__main__":
    kind = sys.argv[1]
    {
        "fit": fit,
        "predict": predict,
        "evaluate": evaluate,
        "call": call,
        "handler": handler,
        "save_loop": lambda: save_loop(sys.argv[2]),
        "checkpoint_loop": lambda: checkpoint_loop(sys.argv[2]),
        "backup_loop": lambda: backup_loop(sys.argv[2]),
    }[kind]()
