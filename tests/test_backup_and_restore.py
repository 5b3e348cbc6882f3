"""nerve.callbacks.BackupAndRestore: a fit interrupted by an exception (as Keras's own tests do
it) and run again resumes from the last backup; with epoch backups it ends with the weights,
optimizer state and epoch logs of an uninterrupted fit, and its History holds the epochs it ran,
as Keras's does. The same scenarios run in Keras 3 give the same epochs and numbers."""

import os

import numpy as np
import pytest

import nerve
from nerve.callbacks import BackupAndRestore
from nerve.errors import ModelFileError

X = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
Y = (X.sum(1, keepdims=True) * 0.5).astype("float32")
EPOCHS, BATCH = 6, 8  # 4 batches an epoch


def build(lib):
    m = lib.Sequential(
        [
            lib.Input((4,)),
            lib.layers.Dense(3, activation="tanh"),
            lib.layers.Dense(1),
        ]
    )
    m.compile(lib.optimizers.Adam(0.01), "mse", metrics=["mae"])
    return m


def interrupter(lib, epoch, batch=None):
    """A callback raising RuntimeError when `epoch` begins (or before its batch `batch`)."""

    class Interrupt(lib.callbacks.Callback):
        def on_epoch_begin(self, e, logs=None):
            self.epoch = e
            if e == epoch and batch is None:
                raise RuntimeError("interrupted")

        def on_train_batch_begin(self, b, logs=None):
            if self.epoch == epoch and b == batch:
                raise RuntimeError("interrupted")

    return Interrupt()


def fit(model, lib, callbacks=(), halve_lr=False):
    if halve_lr:
        # halves the learning rate as each epoch begins: the rate depends on the one before,
        # which the backup must hold
        callbacks = [*callbacks, lib.callbacks.LearningRateScheduler(lambda epoch, lr: lr / 2)]
    return model.fit(
        X,
        Y,
        epochs=EPOCHS,
        batch_size=BATCH,
        shuffle=False,
        verbose=0,
        callbacks=list(callbacks),
    )


def interrupted_then_resumed(
    lib, weights, backup_dir, stop_epoch, stop_batch=None, halve_lr=False, **kwargs
):
    """The resumed model and its History: a first fit interrupted, a second (on a model built
    afresh, whose weights all come from the backup) resumed."""
    first = build(lib)
    first.set_weights(weights)
    with pytest.raises(RuntimeError, match="interrupted"):
        fit(
            first,
            lib,
            [
                lib.callbacks.BackupAndRestore(backup_dir, **kwargs),
                interrupter(lib, stop_epoch, stop_batch),
            ],
            halve_lr,
        )
    assert os.listdir(backup_dir)  # the backup outlives the interrupted fit
    second = build(lib)
    history = fit(second, lib, [lib.callbacks.BackupAndRestore(backup_dir, **kwargs)], halve_lr)
    return second, history


def slots(model):
    opt = model.optimizer._core
    return [np.array(s) for w in model.trainable_weights for s in opt.slots(w)]


def test_resumed_fit_equals_an_uninterrupted_one(tmp_path):
    start = build(nerve).get_weights()
    whole = build(nerve)
    whole.set_weights(start)
    full = fit(whole, nerve)
    backup = str(tmp_path / "backup")
    resumed, history = interrupted_then_resumed(nerve, start, backup, stop_epoch=3)
    # as Keras: the resumed fit starts at the epoch after the backup; its History holds those
    assert history.epoch == [3, 4, 5]
    for key, values in full.history.items():
        assert history.history[key] == values[3:], key
    for a, b in zip(resumed.get_weights(), whole.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert resumed.optimizer.iterations == whole.optimizer.iterations == EPOCHS * 4
    for a, b in zip(slots(resumed), slots(whole)):
        np.testing.assert_array_equal(a, b)
    assert not os.path.exists(backup)  # delete_checkpoint=True: gone once fit ends normally


@pytest.mark.parametrize("python_loss", [False, True], ids=["cpp-step", "python-step"])
@pytest.mark.parametrize(
    "stop, kwargs, steps",
    [((3, None), {}, None), ((1, 2), {}, None), ((3, None), {}, 2)],
    ids=["epoch", "mid-epoch-interrupt", "steps_per_epoch"],
)
def test_a_shuffled_fit_resumes_with_the_batches_of_an_uninterrupted_one(
    tmp_path, python_loss, stop, kwargs, steps
):
    """nerve's backup also holds where the shuffled passes stand (Keras's does not)."""

    def model():
        m = build(nerve)
        if python_loss:
            m.compile(
                nerve.optimizers.Adam(0.01),
                lambda y_true, y_pred: nerve.ops.mean(nerve.ops.square(y_true - y_pred), axis=-1),
                metrics=["mae"],
            )
        return m

    def shuffled_fit(m, callbacks=()):
        nerve.utils.set_random_seed(11)
        return m.fit(
            X,
            Y,
            epochs=EPOCHS,
            batch_size=BATCH,
            steps_per_epoch=steps,
            verbose=0,
            callbacks=list(callbacks),
        )

    start = model().get_weights()
    whole = model()
    whole.set_weights(start)
    full = shuffled_fit(whole)
    backup = str(tmp_path / "b")
    first = model()
    first.set_weights(start)
    with pytest.raises(RuntimeError):
        shuffled_fit(first, [BackupAndRestore(backup, **kwargs), interrupter(nerve, *stop)])
    resumed = model()
    nerve.utils.set_random_seed(99)  # the resumed run's own seed does not matter
    history = resumed.fit(
        X,
        Y,
        epochs=EPOCHS,
        batch_size=BATCH,
        steps_per_epoch=steps,
        verbose=0,
        callbacks=[BackupAndRestore(backup, **kwargs)],
    )
    first_epoch = history.epoch[0]
    assert history.epoch == list(range(first_epoch, EPOCHS))
    for key, values in full.history.items():
        np.testing.assert_allclose(history.history[key], values[first_epoch:], rtol=1e-6)
    for a, b in zip(resumed.get_weights(), whole.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert resumed.optimizer.iterations == whole.optimizer.iterations


def test_a_learning_rate_changed_by_a_callback_is_restored(tmp_path):
    start = build(nerve).get_weights()
    whole = build(nerve)
    whole.set_weights(start)
    full = fit(whole, nerve, halve_lr=True)
    resumed, history = interrupted_then_resumed(
        nerve, start, str(tmp_path / "b"), stop_epoch=3, halve_lr=True
    )
    assert history.history["learning_rate"] == full.history["learning_rate"][3:]
    assert resumed.optimizer.learning_rate == whole.optimizer.learning_rate
    for a, b in zip(resumed.get_weights(), whole.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_later_fit_without_backup_starts_at_its_own_initial_epoch(tmp_path):
    model, _ = interrupted_then_resumed(
        nerve, build(nerve).get_weights(), str(tmp_path / "b"), stop_epoch=2
    )
    # Keras leaves model._initial_epoch set, so its next fit would start at epoch 2 too
    assert fit(model, nerve).epoch == list(range(EPOCHS))


def test_nothing_to_restore_trains_from_the_start(tmp_path):
    model = build(nerve)
    cb = BackupAndRestore(str(tmp_path / "b"), delete_checkpoint=False)
    assert fit(model, nerve, [cb]).epoch == list(range(EPOCHS))
    assert os.listdir(tmp_path / "b") == ["latest.weights.nerve"]  # kept
    # the backup holds the weights too: load_weights reads them
    other = build(nerve)
    other.load_weights(str(tmp_path / "b" / "latest.weights.nerve"))
    for a, b in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    # a finished run's backup resumes after its last epoch: nothing left to run
    again = build(nerve)
    assert fit(again, nerve, [BackupAndRestore(str(tmp_path / "b"))]).epoch == []
    for a, b in zip(again.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_save_freq_in_batches_resumes_at_the_epoch_start_as_keras(tmp_path):
    model, history = interrupted_then_resumed(
        nerve,
        build(nerve).get_weights(),
        str(tmp_path / "b"),
        stop_epoch=3,
        stop_batch=2,
        save_freq=3,
    )
    # the last backup was after batch 3 of epoch 2 (12 batches seen); its metadata names epoch
    # 2, which is run again (Keras's behaviour)
    assert history.epoch == [2, 3, 4, 5]
    assert model.optimizer.iterations == 12 + 4 * 4


def test_backup_is_written_atomically(tmp_path, monkeypatch):
    from nerve.saving import file_format

    backup = tmp_path / "b"
    with pytest.raises(RuntimeError):
        fit(build(nerve), nerve, [BackupAndRestore(str(backup)), interrupter(nerve, 2)])
    before = (backup / "latest.weights.nerve").read_bytes()

    def failing(f):  # a save that dies part-way through writing the temporary file
        f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(
        file_format,
        "write_atomic",
        lambda path, entries, overwrite=True: file_format._write_atomic(path, failing, overwrite),
    )
    with pytest.raises(OSError, match="disk full"):
        fit(build(nerve), nerve, [BackupAndRestore(str(backup))])
    assert os.listdir(backup) == ["latest.weights.nerve"]  # no temporary file left
    assert (backup / "latest.weights.nerve").read_bytes() == before


def test_double_checkpoint_falls_back_on_the_previous_backup(tmp_path):
    backup = tmp_path / "b"
    start = build(nerve).get_weights()
    first = build(nerve)
    first.set_weights(start)
    with pytest.raises(RuntimeError):
        fit(
            first,
            nerve,
            [BackupAndRestore(str(backup), double_checkpoint=True), interrupter(nerve, 3)],
        )
    assert sorted(os.listdir(backup)) == ["latest.weights.nerve", "latest.weights.nerve.bkp"]
    (backup / "latest.weights.nerve").write_bytes(b"damaged")
    resumed = build(nerve)
    history = fit(resumed, nerve, [BackupAndRestore(str(backup), double_checkpoint=True)])
    assert history.epoch == [2, 3, 4, 5]  # the backup before the last one: after epoch 2
    whole = build(nerve)
    whole.set_weights(start)
    fit(whole, nerve)
    for a, b in zip(resumed.get_weights(), whole.get_weights()):
        np.testing.assert_array_equal(a, b)
    # without double_checkpoint a damaged backup is an error, not a silent fresh start
    first = build(nerve)
    with pytest.raises(RuntimeError):
        fit(first, nerve, [BackupAndRestore(str(backup)), interrupter(nerve, 1)])
    (backup / "latest.weights.nerve").write_bytes(b"damaged")
    with pytest.raises(ModelFileError):
        fit(build(nerve), nerve, [BackupAndRestore(str(backup))])


def test_arguments_as_keras(tmp_path):
    cb = BackupAndRestore(str(tmp_path))
    assert (cb.backup_dir, cb.save_freq, cb.double_checkpoint, cb.delete_checkpoint) == (
        str(tmp_path),
        "epoch",
        False,
        True,
    )
    assert not cb.wants_batches  # epoch backups let fit run its steps in C++ chunks
    assert BackupAndRestore(str(tmp_path), save_freq=5).wants_batches
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        BackupAndRestore("")
    for bad in ("batch", 1.5, 0, -2, None):
        with pytest.raises(ValueError, match="save_freq"):
            BackupAndRestore(str(tmp_path), save_freq=bad)
    with pytest.raises(ValueError, match="preemption"):
        BackupAndRestore(str(tmp_path), save_freq=False)


def test_a_model_with_a_python_loss_resumes_too(tmp_path):
    def build_py(lib):
        m = build(lib)
        m.compile(
            lib.optimizers.Adam(0.01),
            lambda y_true, y_pred: lib.ops.mean(lib.ops.square(y_true - y_pred), axis=-1),
        )
        return m

    start = build_py(nerve).get_weights()
    whole = build_py(nerve)
    whole.set_weights(start)
    full = fit(whole, nerve)
    first = build_py(nerve)
    first.set_weights(start)
    backup = str(tmp_path / "b")
    with pytest.raises(RuntimeError):
        fit(first, nerve, [BackupAndRestore(backup), interrupter(nerve, 4)])
    resumed = build_py(nerve)
    history = fit(resumed, nerve, [BackupAndRestore(backup)])
    assert history.epoch == [4, 5]
    np.testing.assert_allclose(history.history["loss"], full.history["loss"][4:], rtol=1e-6)
    for a, b in zip(resumed.get_weights(), whole.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


# ---- against Keras 3 ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stop, kwargs",
    [((3, None), {}), ((3, 2), {"save_freq": 3}), ((4, 1), {"save_freq": 2})],
    ids=["epoch", "every-3-batches", "every-2-batches"],
)
@pytest.mark.parametrize("halve_lr", [False, True], ids=["", "halving-lr"])
def test_resume_matches_keras(tmp_path, stop, kwargs, halve_lr):
    from _keras_diff import assert_close, assert_weights_close, keras, twin_models

    k, n = twin_models(build)
    start = k.get_weights()
    runs = {}
    for lib in (keras, nerve):
        model, history = interrupted_then_resumed(
            lib, start, str(tmp_path / lib.__name__), stop[0], stop[1], halve_lr, **kwargs
        )
        runs[lib.__name__] = (model, history)
    (km, kh), (nm, nh) = runs["keras"], runs["nerve"]
    assert nh.epoch == kh.epoch  # the same epoch resumed
    assert sorted(nh.history) == sorted(kh.history)
    for key in kh.history:
        assert_close(f"history[{key}]", nh.history[key], kh.history[key], 1e-4)
    assert_weights_close("resumed", nm, km, 1e-4)
    assert nm.optimizer.iterations == int(km.optimizer.iterations)
    assert_close("learning rate", nm.optimizer.learning_rate, km.optimizer.learning_rate, 1e-6)


def test_sigkill_during_backups_leaves_a_whole_earlier_backup(tmp_path):
    """A process killed at a random point of a fit backing up after every batch leaves a backup
    that restores one whole earlier save (written to a temporary file renamed over the old)."""
    import random
    import signal
    import time

    from _interrupt_worker import _big_model
    from nerve.saving.saving_lib import load_training_state
    from test_interrupt import _filled_number, _wait_for, _worker

    backup = tmp_path / "backup"
    rng = random.Random(1)
    for _ in range(2):
        proc = _worker("backup_loop", str(backup))
        _wait_for(proc, "saved")
        time.sleep(rng.uniform(0.1, 2.0))
        proc.kill()
        proc.communicate()
        assert proc.returncode == -signal.SIGKILL
        model = _big_model()
        metadata = load_training_state(model, str(backup / "latest.weights.nerve"))
        assert isinstance(metadata["epoch"], int)
        number = _filled_number(model.get_weights())
        assert number is not None and number > 0, "the backup mixes weights of different saves"
        assert model.optimizer.iterations >= number


def test_a_batch_backup_of_a_fit_begun_later_resumes_at_its_epoch(tmp_path):
    # (Keras records epoch 0 for backups inside the first epoch a fit runs, whatever its number)
    backup = str(tmp_path / "b")
    model = build(nerve)
    with pytest.raises(RuntimeError):
        model.fit(
            X,
            Y,
            epochs=EPOCHS,
            initial_epoch=2,
            batch_size=BATCH,
            verbose=0,
            callbacks=[BackupAndRestore(backup, save_freq=2), interrupter(nerve, 2, 3)],
        )
    assert fit(build(nerve), nerve, [BackupAndRestore(backup)]).epoch == [2, 3, 4, 5]
