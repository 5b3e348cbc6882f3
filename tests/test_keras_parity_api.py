"""Keras parity of the model API: what a Keras 3 user writes either does what Keras does (checked
against Keras 3 itself, KERAS_BACKEND=jax, with the same weights) or raises an error that says it
is not supported and what to do instead. Never a silent difference."""

import os
import re

import numpy as np
import pytest

import nerve
import nerve.utils.progbar as progbar_mod
from nerve import layers as L

os.environ.setdefault("KERAS_BACKEND", "jax")


def _keras():
    return pytest.importorskip("keras")


RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 4)).astype(np.float32)
Y = RNG.normal(size=(64, 2)).astype(np.float32)


def _small_model():
    model = nerve.Sequential([nerve.Input((4,)), L.Dense(3, activation="relu"), L.Dense(2)])
    model.compile("sgd", "mse", metrics=["mae"])
    return model


# ---- 1. custom train_step / test_step / predict_step are refused, never skipped ---------------

class _Net(nerve.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = L.Dense(2)

    def call(self, x):
        return self.dense(x)


class _CustomTrain(_Net):
    def train_step(self, data):
        raise AssertionError("never reached")


class _CustomTest(_Net):
    def test_step(self, data):
        raise AssertionError("never reached")


class _CustomPredict(_Net):
    def predict_step(self, data):
        raise AssertionError("never reached")


class _CustomLoss(_Net):
    def compute_loss(self, *args, **kwargs):
        raise AssertionError("never reached")


@pytest.mark.parametrize("cls, refused, allowed", [
    (_CustomTrain, ["fit", "train_on_batch"], ["evaluate", "test_on_batch", "predict"]),
    (_CustomTest, ["fit", "evaluate", "test_on_batch"], ["train_on_batch", "predict"]),
    (_CustomPredict, ["predict", "predict_on_batch"], ["fit", "evaluate"]),
    (_CustomLoss, ["fit", "evaluate", "train_on_batch", "test_on_batch"], ["predict"]),
])
def test_custom_steps_are_refused(cls, refused, allowed):
    model = cls()
    model.compile("sgd", "mse")
    calls = {
        "fit": lambda: model.fit(X, Y, epochs=1, verbose=0),
        "evaluate": lambda: model.evaluate(X, Y, verbose=0),
        "predict": lambda: model.predict(X, verbose=0),
        "train_on_batch": lambda: model.train_on_batch(X, Y),
        "test_on_batch": lambda: model.test_on_batch(X, Y),
        "predict_on_batch": lambda: model.predict_on_batch(X),
    }
    for name in refused:
        with pytest.raises(NotImplementedError,
                           match=rf"overrides .*{name}\(\) .*GradientTape.*custom_training_loop"):
            calls[name]()
    for name in allowed:  # the hooks these do not use in Keras either
        calls[name]()


# ---- 8. layers written in Python are refused at once ----------------------------------------

class _KerasStyleLayer(L.Layer):
    def __init__(self, units=2, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units))

    def call(self, inputs):
        return inputs


class _OnlyInit(L.Layer):
    """A Layer subclass that never gets a C++ layer (no call/build either)."""


def test_python_layer_refused_when_constructed():
    with pytest.raises(NotImplementedError, match=r"_KerasStyleLayer: it defines call\(\) and "
                                                  r"build\(\).*not supported yet.*nerve's layers"):
        _KerasStyleLayer(2)


def test_layer_without_core_refused_in_sequential_functional_and_call():
    with pytest.raises(NotImplementedError, match="not supported yet"):
        nerve.Sequential([nerve.Input((3,)), _OnlyInit()])
    with pytest.raises(NotImplementedError, match="not supported yet"):
        _OnlyInit()(nerve.Input((3,)))
    with pytest.raises(NotImplementedError, match="not supported yet"):
        _OnlyInit()(np.ones((2, 3), np.float32))


def test_subclassed_model_with_python_layer_is_refused():
    class Wrapped(nerve.Model):
        def __init__(self):
            super().__init__()
            self.inner = _KerasStyleLayer(2)

        def call(self, x):
            return self.inner(x)

    with pytest.raises(NotImplementedError, match="not supported yet"):
        Wrapped()


@pytest.mark.parametrize("method", ["add_weight", "add_loss", "add_metric"])
def test_add_weight_loss_metric_are_refused(method):
    class UsesIt(nerve.Model):
        def __init__(self):
            super().__init__()
            self.dense = L.Dense(2)

        def call(self, x):
            y = self.dense(x)
            getattr(self, method)(y)
            return y

    with pytest.raises(NotImplementedError, match=rf"{method}\(\) was called.*not supported yet"):
        UsesIt().build((None, 3))
    with pytest.raises(NotImplementedError, match=rf"{method}\(\) was called"):
        getattr(L.Dense(2), method)(shape=(2,))


def test_built_in_layer_subclass_without_call_still_works():
    class Scaled(L.Dense):
        def __init__(self, units, factor=2.0, **kwargs):
            super().__init__(units, **kwargs)
            self.factor = factor

    model = nerve.Sequential([nerve.Input((3,)), Scaled(2)])
    assert model.predict(np.ones((2, 3), np.float32), verbose=0).shape == (2, 2)


# ---- 5. Keras file names are refused, nerve's format is named --------------------------------

@pytest.mark.parametrize("name", ["m.h5", "m.keras", "m.hdf5"])
def test_save_refuses_keras_formats(tmp_path, name):
    model = _small_model()
    with pytest.raises(ValueError, match=r"\.keras / \.h5.*'\.nerve'"):
        model.save(tmp_path / name)
    assert not (tmp_path / name).exists()
    with pytest.raises(ValueError, match=r"'\.nerve'"):
        nerve.models.load_model(tmp_path / name)


def test_save_needs_the_nerve_extension(tmp_path):
    model = _small_model()
    with pytest.raises(ValueError, match=r"must end in '\.nerve'"):
        model.save(tmp_path / "model.zip")
    with pytest.raises(ValueError, match=r"'\.weights\.nerve'"):
        model.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match=r"must end in '\.weights\.nerve'"):
        model.save_weights(tmp_path / "w.nerve")
    model.save(tmp_path / "m.nerve")
    model.save_weights(tmp_path / "w.weights.nerve")
    restored = nerve.models.load_model(tmp_path / "m.nerve")
    np.testing.assert_array_equal(restored.predict(X, verbose=0), model.predict(X, verbose=0))


def test_model_checkpoint_checks_the_extension_up_front(tmp_path):
    cb = nerve.callbacks
    for path, weights_only in [("best.keras", False), ("best.h5", False),
                               ("w.weights.h5", True), ("w.nerve", True), ("m", False)]:
        with pytest.raises(ValueError, match=r"\.nerve"):
            cb.ModelCheckpoint(str(tmp_path / path), save_weights_only=weights_only)
    cb.ModelCheckpoint(str(tmp_path / "m-{epoch}.nerve"))
    cb.ModelCheckpoint(str(tmp_path / "w-{epoch}.weights.nerve"), save_weights_only=True)


# ---- 7. callback messages in Keras 3's words -------------------------------------------------

class _Inject(nerve.callbacks.Callback):
    def __init__(self, values):
        super().__init__()
        self.values = values

    def on_epoch_end(self, epoch, logs=None):
        logs["val_loss"] = self.values[epoch]


def test_model_checkpoint_messages_match_keras(tmp_path, capsys):
    path = str(tmp_path / "best.nerve")
    model = _small_model()
    ckpt = nerve.callbacks.ModelCheckpoint(path, monitor="val_loss", save_best_only=True,
                                           verbose=1)
    model.fit(X, Y, epochs=3, verbose=0, callbacks=[_Inject([0.5, 0.25, 0.75]), ckpt])
    out = capsys.readouterr().out
    # The same sequence through Keras 3's ModelCheckpoint prints these lines (Keras 3 says
    # "None" for the first best, not inf).
    assert out.splitlines() == [
        "", f"Epoch 1: val_loss improved from None to 0.50000, saving model to {path}",
        "", f"Epoch 1: finished saving model to {path}",
        "", f"Epoch 2: val_loss improved from 0.50000 to 0.25000, saving model to {path}",
        "", f"Epoch 2: finished saving model to {path}",
        "", "Epoch 3: val_loss did not improve from 0.25000"]


def test_callback_messages_are_keras_3s(tmp_path, capsys):
    keras = _keras()

    def run(lib, cb_path):
        cbs = lib.callbacks
        model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(2)])
        model.compile(optimizer=lib.optimizers.SGD(0.01), loss="mse")
        callbacks = [
            _KerasInject([0.5, 0.25, 0.75, 0.75, 0.75], lib),
            cbs.ModelCheckpoint(cb_path, monitor="val_loss", save_best_only=True, verbose=1),
            cbs.ReduceLROnPlateau(monitor="val_loss", patience=1, factor=0.5, verbose=1),
            cbs.EarlyStopping(monitor="val_loss", patience=2, verbose=1,
                              restore_best_weights=True),
        ]
        model.fit(X, Y, epochs=5, verbose=0, callbacks=callbacks)
        return capsys.readouterr().out

    ours = run(nerve, str(tmp_path / "m.nerve")).replace(".nerve", ".X")
    theirs = run(keras, str(tmp_path / "m.keras")).replace(".keras", ".X")
    assert ours == theirs
    assert "early stopping" in ours and "ReduceLROnPlateau reducing learning rate to" in ours


def _KerasInject(values, lib):  # noqa: N802 (a callback class made for either library)
    class Inject(lib.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = values[epoch]
    return Inject()


# ---- 6. progress bars of evaluate and predict ------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _final_line(text: str) -> str:
    lines = [l for l in re.split(r"[\r\n]", _ANSI.sub("", text).replace("\b", "")) if l.strip()]
    return lines[-1].rstrip()


def _normalise_time(line: str) -> str:
    return re.sub(r"\d+(ms|us|s)/step", "T/step", re.sub(r" \d+s ", " Ts ", line))


def _keras_twin(keras, model):
    twin = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                             keras.layers.Dense(2)])
    twin.set_weights(model.get_weights())
    twin.compile("sgd", "mse", metrics=["mae"])
    return twin


def test_evaluate_and_predict_bars_match_keras(capsys):
    keras = _keras()
    model = _small_model()
    twin = _keras_twin(keras, model)
    lines = {}
    for lib, m in (("nerve", model), ("keras", twin)):
        capsys.readouterr()
        m.evaluate(X, Y, batch_size=16, verbose=1)
        lines[lib, "evaluate"] = _final_line(capsys.readouterr().out)
        m.evaluate(X, Y, batch_size=16, verbose=2)
        lines[lib, "evaluate2"] = _final_line(capsys.readouterr().out)
        m.predict(X, batch_size=16)  # verbose="auto" draws the bar in Keras 3
        lines[lib, "predict"] = _final_line(capsys.readouterr().out)
        m.predict(X, batch_size=16, verbose=0)
        assert capsys.readouterr().out == ""
    for what in ("evaluate", "evaluate2", "predict"):
        assert _normalise_time(lines["nerve", what]) == _normalise_time(lines["keras", what]), what
    assert re.fullmatch(r"4/4 ━{20} \d+s \d+(ms|us|s)/step - loss: \d\.\d{4} - mae: \d\.\d{4}",
                        lines["nerve", "evaluate"])
    assert re.fullmatch(r"4/4 ━{20} \d+s \d+(ms|us|s)/step", lines["nerve", "predict"])


def test_evaluate_bar_times_the_real_work(monkeypatch, capsys):
    """The bar starts before the work, so its time per step is the work's (it said 0us/step)."""
    clock = [100.0]
    monkeypatch.setattr(progbar_mod, "_now", lambda: clock[0])
    model = _small_model()
    real_evaluate = nerve.Model._evaluate_arrays
    real_predict = nerve.Model._predict_arrays

    def slow(step):
        def run(self, *args, **kwargs):
            clock[0] += step
            return (real_evaluate if step == 2.0 else real_predict)(self, *args, **kwargs)
        return run

    monkeypatch.setattr(nerve.Model, "_evaluate_arrays", slow(2.0))
    monkeypatch.setattr(nerve.Model, "_predict_arrays", slow(0.004))
    capsys.readouterr()
    model.evaluate(X, Y, batch_size=32, verbose=1)
    assert re.fullmatch(r"2/2 ━{20} 2s 1s/step - loss: .* - mae: .*",
                        _final_line(capsys.readouterr().out))
    model.predict(X, batch_size=16, verbose=1)
    assert _final_line(capsys.readouterr().out) == "4/4 " + "━" * 20 + " 0s 1ms/step"


def test_evaluate_and_predict_bars_on_generators(capsys):
    model = _small_model()
    capsys.readouterr()
    model.evaluate(((X[i:i + 16], Y[i:i + 16]) for i in range(0, 64, 16)), verbose=1)
    assert re.fullmatch(r"4/4 ━{20} \d+s \d+(ms|us|s)/step - loss: .* - mae: .*",
                        _final_line(capsys.readouterr().out))
    model.predict((X[i:i + 16] for i in range(0, 64, 16)), verbose=1)
    assert re.fullmatch(r"4/4 ━{20} \d+s \d+(ms|us|s)/step", _final_line(capsys.readouterr().out))
