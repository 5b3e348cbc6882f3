"""Keras parity of the model API: what a Keras 3 user writes either does what Keras does (checked
against Keras 3 itself, KERAS_BACKEND=jax, with the same weights) or raises an error that says it
is not supported and what to do instead. Never a silent difference."""

import contextlib
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


# ---- 1. custom train_step / test_step / predict_step run, never skipped -----------------------
# (what they compute: test_train_step.py)


class _Net(nerve.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = L.Dense(2)
        self.calls = []

    def call(self, x):
        return self.dense(x)


class _CustomTrain(_Net):
    def train_step(self, data):
        self.calls.append("train_step")
        return super().train_step(data)


class _CustomTest(_Net):
    def test_step(self, data):
        self.calls.append("test_step")
        return super().test_step(data)


class _CustomPredict(_Net):
    def predict_step(self, data):
        self.calls.append("predict_step")
        return super().predict_step(data)


class _CustomLoss(_Net):
    def compute_loss(self, *args, **kwargs):
        self.calls.append("compute_loss")
        return super().compute_loss(*args, **kwargs)


@pytest.mark.filterwarnings("ignore:.*which is Python code:UserWarning")
@pytest.mark.parametrize(
    "cls, used_by, not_used_by",
    [
        (_CustomTrain, ["fit", "train_on_batch"], ["evaluate", "test_on_batch", "predict"]),
        (_CustomTest, ["evaluate", "test_on_batch"], ["fit", "train_on_batch", "predict"]),
        (_CustomPredict, ["predict", "predict_on_batch"], ["fit", "evaluate"]),
        (_CustomLoss, ["fit", "evaluate", "train_on_batch", "test_on_batch"], ["predict"]),
    ],
)
def test_custom_steps_run_where_keras_runs_them(cls, used_by, not_used_by):
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
    for name in used_by:
        model.calls.clear()
        with (
            pytest.warns(UserWarning, match="which is Python code")
            if name
            in (
                "fit",
                "evaluate",
                "predict",
            )
            else _no_warning()
        ):
            calls[name]()
        assert model.calls, f"{name} did not call the override"
    for name in not_used_by:  # the hooks these do not use in Keras either
        model.calls.clear()
        calls[name]()
        assert not model.calls, f"{name} called {model.calls}"


@contextlib.contextmanager
def _no_warning():
    yield


# ---- 8. layers written in Python: traced into C++ (tests/test_custom_layers.py) -------------


class _OnlyInit(L.Layer):
    """A Layer subclass that never gets a C++ layer (no call either)."""


def test_layer_without_core_refused_in_sequential_functional_and_call():
    with pytest.raises(NotImplementedError, match="not supported yet"):
        nerve.Sequential([nerve.Input((3,)), _OnlyInit()])
    with pytest.raises(NotImplementedError, match="not supported yet"):
        _OnlyInit()(nerve.Input((3,)))
    with pytest.raises(NotImplementedError, match="not supported yet"):
        _OnlyInit()(np.ones((2, 3), np.float32))


@pytest.mark.parametrize("method", ["add_weight", "add_metric"])
def test_model_add_weight_and_add_metric_are_refused(method):
    class UsesIt(nerve.Model):
        def __init__(self):
            super().__init__()
            self.dense = L.Dense(2)

        def call(self, x):
            y = self.dense(x)
            getattr(self, method)(y)
            return y

    expected = "not supported yet" if method == "add_weight" else "Keras 3 removed add_metric"
    with pytest.raises(NotImplementedError, match=rf"{method}\(\) was called.*{expected}"):
        UsesIt().build((None, 3))


def test_layer_add_metric_is_refused():
    with pytest.raises(NotImplementedError, match=r"add_metric\(\) was called"):
        L.Dense(2).add_metric(1.0)


def test_built_in_layer_subclass_without_call_still_works():
    class Scaled(L.Dense):
        def __init__(self, units, factor=2.0, **kwargs):
            super().__init__(units, **kwargs)
            self.factor = factor

    model = nerve.Sequential([nerve.Input((3,)), Scaled(2)])
    assert model.predict(np.ones((2, 3), np.float32), verbose=0).shape == (2, 2)


# ---- 5. Keras file names are refused, nerve's format is named --------------------------------


@pytest.mark.parametrize("name", ["m.h5", "m.hdf5"])
def test_save_refuses_keras_formats(tmp_path, name):
    """(.keras names write Keras 3 archives: tests/test_keras_files.py)"""
    model = _small_model()
    with pytest.raises(ValueError, match=r"\.h5 format.*'\.nerve'.*'\.keras'"):
        model.save(tmp_path / name)
    assert not (tmp_path / name).exists()
    with pytest.raises(ValueError, match=r"'\.nerve'"):
        nerve.models.load_model(tmp_path / name)


def test_save_needs_the_nerve_extension(tmp_path):
    model = _small_model()
    with pytest.raises(ValueError, match=r"must end in '\.nerve'"):
        model.save(tmp_path / "model.zip")
    with pytest.raises(ValueError, match=r"'\.weights\.nerve'.*'\.weights\.h5'"):
        model.save_weights(tmp_path / "w.h5")  # Keras's legacy weights file
    with pytest.raises(ValueError, match=r"must end in '\.weights\.nerve'"):
        model.save_weights(tmp_path / "w.nerve")
    model.save(tmp_path / "m.nerve")
    model.save_weights(tmp_path / "w.weights.nerve")
    restored = nerve.models.load_model(tmp_path / "m.nerve")
    np.testing.assert_array_equal(restored.predict(X, verbose=0), model.predict(X, verbose=0))


def test_model_checkpoint_checks_the_extension_up_front(tmp_path):
    cb = nerve.callbacks
    for path, weights_only in [
        ("best.keras", True),
        ("best.h5", False),
        ("w.h5", True),
        ("w.nerve", True),
        ("m", False),
    ]:
        with pytest.raises(ValueError, match=r"\.nerve"):
            cb.ModelCheckpoint(str(tmp_path / path), save_weights_only=weights_only)
    cb.ModelCheckpoint(str(tmp_path / "m-{epoch}.nerve"))
    cb.ModelCheckpoint(str(tmp_path / "m-{epoch}.keras"))  # a Keras 3 archive
    cb.ModelCheckpoint(str(tmp_path / "w-{epoch}.weights.nerve"), save_weights_only=True)
    cb.ModelCheckpoint(str(tmp_path / "w-{epoch}.weights.h5"), save_weights_only=True)  # Keras's


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
    ckpt = nerve.callbacks.ModelCheckpoint(path, monitor="val_loss", save_best_only=True, verbose=1)
    model.fit(X, Y, epochs=3, verbose=0, callbacks=[_Inject([0.5, 0.25, 0.75]), ckpt])
    out = capsys.readouterr().out
    # The same sequence through Keras 3's ModelCheckpoint prints these lines (Keras 3 says
    # "None" for the first best, not inf).
    assert out.splitlines() == [
        "",
        f"Epoch 1: val_loss improved from None to 0.50000, saving model to {path}",
        "",
        f"Epoch 1: finished saving model to {path}",
        "",
        f"Epoch 2: val_loss improved from 0.50000 to 0.25000, saving model to {path}",
        "",
        f"Epoch 2: finished saving model to {path}",
        "",
        "Epoch 3: val_loss did not improve from 0.25000",
    ]


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
            cbs.EarlyStopping(monitor="val_loss", patience=2, verbose=1, restore_best_weights=True),
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
    twin = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(2)]
    )
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
    assert re.fullmatch(
        r"4/4 ━{20} \d+s \d+(ms|us|s)/step - loss: \d\.\d{4} - mae: \d\.\d{4}",
        lines["nerve", "evaluate"],
    )
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
    assert re.fullmatch(
        r"2/2 ━{20} 2s 1s/step - loss: .* - mae: .*", _final_line(capsys.readouterr().out)
    )
    model.predict(X, batch_size=16, verbose=1)
    assert _final_line(capsys.readouterr().out) == "4/4 " + "━" * 20 + " 0s 1ms/step"


def test_evaluate_and_predict_bars_on_generators(capsys):
    model = _small_model()
    capsys.readouterr()
    model.evaluate(((X[i : i + 16], Y[i : i + 16]) for i in range(0, 64, 16)), verbose=1)
    assert re.fullmatch(
        r"4/4 ━{20} \d+s \d+(ms|us|s)/step - loss: .* - mae: .*",
        _final_line(capsys.readouterr().out),
    )
    model.predict((X[i : i + 16] for i in range(0, 64, 16)), verbose=1)
    assert re.fullmatch(r"4/4 ━{20} \d+s \d+(ms|us|s)/step", _final_line(capsys.readouterr().out))


# ---- 2. freezing a model with Keras' semantics (transfer learning) ---------------------------


def _base(lib, seed=1):
    """Input(4) -> Dense(8) -> BatchNormalization -> Dense(3, relu), named "base"."""
    inp = lib.Input((4,))
    h = lib.layers.Dense(8, name="d1")(inp)
    h = lib.layers.BatchNormalization(name="bn")(h)
    out = lib.layers.Dense(3, activation="relu", name="d2")(h)
    return lib.Model(inp, out, name="base")


def _transfer_pair(keras, how):
    """The same transfer-learning model in nerve and in Keras, with the same weights: a frozen
    base inside a functional model or a Sequential, then a Dense head."""
    models = {}
    for lib in (nerve, keras):
        base = _base(lib)
        base.trainable = False
        head = lib.layers.Dense(2, name="head")
        if how == "sequential":
            model = lib.Sequential([lib.Input((4,)), base, head])
        elif how == "functional_training_false":
            x = lib.Input((4,))
            model = lib.Model(x, head(base(x, training=False)))
        else:
            x = lib.Input((4,))
            model = lib.Model(x, head(base(x)))
        models[lib.__name__] = (model, base)
    nmodel, nbase = models["nerve"]
    kmodel, kbase = models["keras"]
    rng = np.random.default_rng(3)
    weights = [rng.normal(size=w.shape).astype(np.float32) * 0.5 for w in nmodel.get_weights()]
    # moving variance must stay positive
    bn = nbase.get_layer("bn")
    nmodel.set_weights(weights)
    bn.set_weights(
        [
            bn.get_weights()[0],
            bn.get_weights()[1],
            bn.get_weights()[2],
            np.abs(bn.get_weights()[3]) + 0.5,
        ]
    )
    kmodel.set_weights(nmodel.get_weights())
    return (nmodel, nbase), (kmodel, kbase)


def _counts(model):
    return len(model.trainable_weights), len(model.non_trainable_weights)


def _summary_totals(model):
    lines = []
    model.summary(print_fn=lambda text, *a, **k: lines.extend(text.splitlines()))
    return [l.strip() for l in lines if re.match(r"\s*(Total|Trainable|Non-trainable) params", l)]


@pytest.mark.parametrize("how", ["functional", "sequential", "functional_training_false"])
def test_frozen_base_weights_and_summary_match_keras(how):
    keras = _keras()
    (nmodel, nbase), (kmodel, kbase) = _transfer_pair(keras, how)
    assert _counts(nbase) == _counts(kbase) == (0, 8)
    assert _counts(nmodel) == _counts(kmodel) == (2, 8)
    assert [
        l.name
        for l in nmodel.layers
        if l.name != "input_layer" and type(l).__name__ != "InputLayer"
    ] == ["base", "head"]
    assert nmodel.get_layer("base") is nbase
    assert _summary_totals(nmodel) == _summary_totals(kmodel)
    assert _summary_totals(nbase) == _summary_totals(kbase)
    assert all(not l.trainable for l in nbase.layers)
    for frozen in (False, True):  # unfrozen, then with only the BN frozen
        nbase.trainable = kbase.trainable = True
        nbase.get_layer("bn").trainable = kbase.get_layer("bn").trainable = not frozen
        for attr in ("weights", "trainable_weights", "non_trainable_weights"):
            assert _shapes(getattr(nmodel, attr)) == _shapes(getattr(kmodel, attr)), attr
            assert _shapes(getattr(nbase, attr)) == _shapes(getattr(kbase, attr)), attr
        assert _summary_totals(nmodel) == _summary_totals(kmodel)


def _shapes(weights):
    return [tuple(w.shape) for w in weights]


@pytest.mark.parametrize("how", ["functional", "sequential"])
def test_transfer_learning_fit_matches_keras(how):
    """Frozen base: only the head trains and the frozen BatchNormalization runs in inference
    mode (its moving statistics stay); after unfreezing and recompiling, everything trains and BN
    uses the batch statistics. Keras 3 and nerve give the same weights."""
    keras = _keras()
    (nmodel, nbase), (kmodel, kbase) = _transfer_pair(keras, how)
    before = nbase.get_weights()
    for model, lib in ((nmodel, nerve), (kmodel, keras)):
        model.compile(optimizer=lib.optimizers.SGD(0.05), loss="mse")
        model.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(before, nbase.get_weights()):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(nmodel.get_weights(), kmodel.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    for model, base, lib in ((nmodel, nbase, nerve), (kmodel, kbase, keras)):
        base.trainable = True
        model.compile(optimizer=lib.optimizers.SGD(0.05), loss="mse")
        model.fit(X, Y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert _counts(nmodel) == _counts(kmodel) == (8, 2)
    after = nbase.get_weights()  # d1 kernel, d1 bias, gamma, beta, mean, variance, d2 ...
    for i in (0, 2, 3, 4, 5, 6, 7):  # (d1's bias feeds a BN in training mode: no gradient)
        assert not np.allclose(before[i], after[i]), i
    for a, b in zip(nmodel.get_weights(), kmodel.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)


def test_trainable_flags_propagate_like_keras():
    keras = _keras()
    flags = {}
    for lib in (nerve, keras):
        base = _base(lib)
        base.get_layer("d2").trainable = False
        seen = [[l.trainable for l in base.layers]]
        base.trainable = False
        seen.append([l.trainable for l in base.layers])
        base.trainable = True  # Keras sets every layer back to True (d2's own False is lost)
        seen.append([l.trainable for l in base.layers])
        outer = lib.Sequential([lib.Input((4,)), base, lib.layers.Dense(2)])
        outer.trainable = False
        seen.append([l.trainable for l in base.layers] + [outer.layers[-1].trainable])
        seen.append(list(_counts(outer)))
        flags[lib.__name__] = seen
    assert flags["nerve"] == flags["keras"]


def test_changing_trainable_without_recompiling():
    """Keras 3 (JAX) raises in the next fit when trainable changed after a fit without a new
    compile(); nerve's C++ step reads the flags at every step, so the change takes effect at
    once (and compile() again is fine too)."""
    base = _base(nerve)
    x = nerve.Input((4,))
    model = nerve.Model(x, L.Dense(2)(base(x)))
    model.compile("sgd", "mse")
    model.fit(X, Y, epochs=1, verbose=0)
    base.trainable = False
    before = base.get_weights()
    model.fit(X, Y, epochs=1, verbose=0)
    for a, b in zip(before, base.get_weights()):
        np.testing.assert_array_equal(a, b)
    base.trainable = True
    model.fit(X, Y, epochs=1, verbose=0)
    assert not np.allclose(before[0], base.get_weights()[0])


def test_trainable_layer_inside_frozen_model_is_refused():
    """Keras trains none of a frozen model's weights even if one of its layers says trainable;
    nerve's graph would train that layer, so fit refuses."""
    base = _base(nerve)
    model = nerve.Sequential([nerve.Input((4,)), base, L.Dense(2)])
    base.trainable = False
    base.get_layer("d1").trainable = True
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"Dense 'd1' in frozen model 'base'"):
        model.fit(X, Y, epochs=1, verbose=0)


def test_forced_training_false_refused_once_it_matters():
    """base(x, training=False) keeps the base's BatchNormalization in inference mode in Keras,
    even after unfreezing; nerve cannot force one call's mode, so it runs while the base is
    frozen (same results) and refuses fit once the BN is trainable again."""
    base = _base(nerve)
    base.trainable = False
    x = nerve.Input((4,))
    model = nerve.Model(x, L.Dense(2)(base(x, training=False)))
    model.compile("sgd", "mse")
    model.fit(X, Y, epochs=1, verbose=0)
    base.trainable = True
    model.compile("sgd", "mse")
    with pytest.raises(
        NotImplementedError,
        match=r"BatchNormalization 'bn' was called with "
        r"training=False.*cannot force",
    ):
        model.fit(X, Y, epochs=1, verbose=0)
    model.predict(X, verbose=0)  # inference: the forced mode is the run's mode


def test_forced_training_true_on_dropout_refused_in_inference():
    x = nerve.Input((4,))
    model = nerve.Model(x, L.Dropout(0.5)(L.Dense(3)(x), training=True))
    with pytest.raises(NotImplementedError, match=r"Dropout .*training=True.*rate=0.5"):
        model.predict(X, verbose=0)


def test_saved_sequential_with_a_model_inside(tmp_path):
    base = _base(nerve)
    base.trainable = False
    model = nerve.Sequential([nerve.Input((4,)), base, L.Dense(2)])
    model.compile("sgd", "mse")
    model.fit(X, Y, epochs=1, verbose=0)
    model.save(tmp_path / "t.nerve")
    loaded = nerve.models.load_model(tmp_path / "t.nerve")
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    assert _counts(loaded) == _counts(model) == (2, 8)
    assert not loaded.layers[0].trainable


# ---- 3. MultiHeadAttention's call arguments on symbolic tensors ------------------------------


def _mha_pair(keras, **call_kwargs):
    rng = np.random.default_rng(5)
    q = rng.normal(size=(3, 6, 8)).astype(np.float32)
    outs = {}
    nerve_layer = L.MultiHeadAttention(num_heads=2, key_dim=4)
    keras_layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)
    for lib, layer in ((nerve, nerve_layer), (keras, keras_layer)):
        x = lib.Input((6, 8))
        model = lib.Model(x, layer(x, x, **call_kwargs))
        if lib is nerve:
            weights = [
                rng.normal(size=w.shape).astype(np.float32) * 0.3 for w in layer.get_weights()
            ]
        layer.set_weights(weights)
        outs[lib.__name__] = model.predict(q, verbose=0)
    return outs, q, nerve_layer, keras_layer


def test_mha_use_causal_mask_in_functional_model_matches_keras():
    keras = _keras()
    causal, q, nerve_layer, keras_layer = _mha_pair(keras, use_causal_mask=True)
    plain, *_ = _mha_pair(keras)
    np.testing.assert_allclose(causal["nerve"], causal["keras"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(plain["nerve"], plain["keras"], rtol=1e-4, atol=1e-5)
    assert np.abs(causal["nerve"] - plain["nerve"]).max() > 1e-2
    # the first step attends to itself only in both
    np.testing.assert_allclose(causal["nerve"][:, 0], causal["keras"][:, 0], rtol=1e-4, atol=1e-5)


def test_mha_use_causal_mask_in_subclassed_model_matches_keras():
    keras = _keras()

    def make(lib):
        class Decoder(lib.Model):
            def __init__(self):
                super().__init__()
                self.attention = lib.layers.MultiHeadAttention(num_heads=2, key_dim=4)

            def call(self, x):
                return self.attention(x, x, use_causal_mask=True)

        return Decoder()

    q = np.random.default_rng(6).normal(size=(2, 5, 8)).astype(np.float32)
    ours, theirs = make(nerve), make(keras)
    ours.build((None, 5, 8))
    theirs(q)
    theirs.attention.set_weights(ours.attention.get_weights())
    np.testing.assert_allclose(
        ours.predict(q, verbose=0), theirs.predict(q, verbose=0), rtol=1e-4, atol=1e-5
    )


def test_mha_symbolic_arguments_not_honoured_are_refused():
    x = nerve.Input((6, 8))
    mask = nerve.Input((6, 6))
    L.MultiHeadAttention(2, 4)(x, x, attention_mask=mask)  # the graph's fourth input
    for kwargs in (
        {"query_mask": mask},
        {"value_mask": mask},
        {"return_attention_scores": True},
    ):
        with pytest.raises(NotImplementedError, match="symbolic call"):
            L.MultiHeadAttention(2, 4)(x, x, **kwargs)
    shared = L.MultiHeadAttention(2, 4)
    shared(x, x, use_causal_mask=True)
    with pytest.raises(ValueError, match=r"use_causal_mask=False.*separate MultiHeadAttention"):
        shared(x, x)


def test_mha_causal_layer_survives_save_and_shared_replay(tmp_path):
    x = nerve.Input((6, 8))
    inner = nerve.Model(x, L.MultiHeadAttention(2, 4)(x, x, use_causal_mask=True))
    y = nerve.Input((6, 8))
    outer = nerve.Model(y, inner(y))  # replays the causal call
    q = np.random.default_rng(7).normal(size=(2, 6, 8)).astype(np.float32)
    np.testing.assert_array_equal(outer.predict(q, verbose=0), inner.predict(q, verbose=0))
    inner.save(tmp_path / "a.nerve")
    loaded = nerve.models.load_model(tmp_path / "a.nerve")
    np.testing.assert_allclose(loaded.predict(q, verbose=0), inner.predict(q, verbose=0), rtol=1e-6)


# ---- 4. model.input / output, layer.input / output, feature extraction -----------------------


def _functional(lib):
    a = lib.Input((4,), name="a")
    h1 = lib.layers.Dense(5, activation="tanh", name="x")(a)
    h2 = lib.layers.Dense(3, activation="relu", name="y")(h1)
    return lib.Model(a, lib.layers.Dense(2, name="z")(h2))


def test_feature_extraction_matches_keras():
    keras = _keras()
    ours, theirs = _functional(nerve), _functional(keras)
    theirs.set_weights(ours.get_weights())
    assert ours.input is ours.inputs[0] and ours.output is ours.outputs[0]
    assert ours.input.shape == theirs.input.shape and ours.output.shape == theirs.output.shape
    for model in (ours, theirs):
        assert model.get_layer("x") is model.get_layer(index=1)
        assert model.get_layer("y").input is model.get_layer("x").output
    one = [
        nerve.Model(ours.input, ours.get_layer("x").output),
        keras.Model(theirs.input, theirs.get_layer("x").output),
    ]
    np.testing.assert_allclose(
        one[0].predict(X, verbose=0), one[1].predict(X, verbose=0), rtol=1e-5, atol=1e-6
    )
    every = [
        nerve.Model(ours.input, [l.output for l in ours.layers[1:]]),
        keras.Model(theirs.input, [l.output for l in theirs.layers[1:]]),
    ]
    for a, b in zip(every[0].predict(X, verbose=0), every[1].predict(X, verbose=0)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_multi_input_output_model_input_is_a_list():
    a, b = nerve.Input((4,), name="ia"), nerve.Input((2,), name="ib")
    h = L.Concatenate()([L.Dense(3)(a), b])
    model = nerve.Model([a, b], [L.Dense(1)(h), h])
    assert model.input == [a, b] and len(model.output) == 2
    assert model.output[1] is h


def test_sequential_inputs_outputs_like_keras():
    keras = _keras()

    def make(lib):
        return lib.Sequential(
            [
                lib.Input((4,)),
                lib.layers.Dense(3, activation="relu", name="s1"),
                lib.layers.Dense(2, name="s2"),
            ]
        )

    ours, theirs = make(nerve), make(keras)
    theirs.set_weights(ours.get_weights())
    for model in (ours, theirs):
        assert len(model.inputs) == 1 and len(model.outputs) == 1
        assert model.inputs[0].shape == (None, 4) and model.outputs[0].shape == (None, 2)
        assert model.layers[0].input is model.inputs[0]
        assert model.layers[1].output is model.outputs[0]
        with pytest.raises(AttributeError):
            model.input  # noqa: B018 (Keras 3: only for a Sequential that was called)
    cut = [
        nerve.Model(ours.inputs, ours.layers[0].output),
        keras.Model(theirs.inputs, theirs.layers[0].output),
    ]
    np.testing.assert_allclose(
        cut[0].predict(X, verbose=0), cut[1].predict(X, verbose=0), rtol=1e-5, atol=1e-6
    )
    # built from a shape, as Keras 3
    built = nerve.Sequential([L.Dense(3)])
    with pytest.raises(AttributeError, match="no defined inputs"):
        built.inputs  # noqa: B018
    built.build((None, 5))
    assert built.inputs[0].shape == (None, 5)


def test_rnn_symbolic_mask_is_refused_and_initial_state_used():
    x = nerve.Input((5, 3))
    h0 = nerve.Input((4,))
    with pytest.raises(NotImplementedError, match="mask= in a symbolic call"):
        L.LSTM(4)(x, mask=h0)
    # initial_state= reaches the C++ layer as extra graph inputs (compared with Keras in
    # keras_snippets/rnn_initial_state_inputs.py): a non-zero state changes the output
    model = nerve.Model([x, h0], L.SimpleRNN(4)(x, initial_state=[h0]))
    xs = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    zero = model.predict([xs, np.zeros((2, 4), "float32")], verbose=0)
    ones = model.predict([xs, np.ones((2, 4), "float32")], verbose=0)
    assert not np.allclose(zero, ones)


def test_frozen_before_build_subclassed_model_and_nested_layers():
    keras = _keras()
    counts = {}
    for lib in (nerve, keras):

        class Net(lib.Model):
            def __init__(self, base):
                super().__init__()
                self.base = base
                self.head = lib.layers.Dense(2)  # noqa: B023 - runs within this iteration

            def call(self, x):
                return self.head(self.base(x))

        net = Net(_base(lib))
        net.trainable = False
        net.compile(optimizer="sgd", loss="mse")
        net.fit(X, Y, epochs=1, verbose=0)
        counts[lib.__name__] = (
            _counts(net),
            [type(l).__name__ for l in net.layers],
            [l.trainable for l in net.base.layers],
        )
    assert counts["nerve"] == counts["keras"]


def test_saved_functional_with_a_model_inside(tmp_path):
    base = _base(nerve)
    base.trainable = False
    x = nerve.Input((4,))
    model = nerve.Model(x, L.Dense(2)(base(x)))
    model.compile("sgd", "mse")
    model.fit(X, Y, epochs=1, verbose=0)
    model.save(tmp_path / "f.nerve")
    loaded = nerve.models.load_model(tmp_path / "f.nerve")
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    assert _counts(loaded) == _counts(model) == (2, 8)


def test_subclassed_model_creating_its_layers_in_build():
    """Keras' lazy pattern: layers made in build(input_shape), without super().build()."""
    keras = _keras()
    outs = {}
    for lib in (nerve, keras):

        class Lazy(lib.Model):
            def build(self, input_shape):
                self.dense = lib.layers.Dense(input_shape[-1] + 1)  # noqa: B023 - this iteration

            def call(self, x):
                return self.dense(x)

        model = Lazy()
        model.compile(optimizer="sgd", loss="mse")
        outs[lib.__name__] = model.predict(X, verbose=0).shape
        assert len(model.trainable_weights) == 2
    assert outs["nerve"] == outs["keras"] == (64, 5)


def test_sequential_input_output_after_a_call_like_keras():
    keras = _keras()
    shapes = {}
    for lib in (nerve, keras):
        seq = lib.Sequential([lib.Input((4,)), lib.layers.Dense(3)])
        with pytest.raises(AttributeError):
            seq.output  # noqa: B018
        x = lib.Input((4,))
        y = seq(x)
        assert seq.input is x and seq.output is y
        shapes[lib.__name__] = (seq.input.shape, seq.output.shape)
    assert shapes["nerve"] == shapes["keras"]


def test_trainable_constructor_argument_like_keras():
    keras = _keras()
    counts = {}
    for lib in (nerve, keras):
        seq = lib.Sequential([lib.Input((4,)), lib.layers.Dense(3)], trainable=False)
        x = lib.Input((4,))
        fun = lib.Model(x, lib.layers.Dense(2)(x), trainable=False)
        counts[lib.__name__] = (_counts(seq), _counts(fun))
        flags = (seq.layers[0].trainable, fun.layers[1].trainable)
        # Stated difference: Keras keeps the layers' own flags True and skips a frozen model's
        # weights; nerve's C++ step reads the layers' flags, so the constructor sets them (as
        # the trainable setter does in both). What trains is the same.
        assert flags == ((False, False) if lib is nerve else (True, True))
    assert counts["nerve"] == counts["keras"] == ((0, 2), (0, 2))
