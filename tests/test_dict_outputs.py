"""Functional models with a dict of outputs, keras.Model(inputs, {"a": t1, "b": t2}), as Keras 3
has them: predict and calls return dicts, compile takes losses, loss weights and metrics keyed
by the outputs' names (or lists in Keras's order, the sorted keys), fit and evaluate take targets
keyed by them, and the logs name each output by its key. Checked against Keras 3 itself (JAX
backend) with the same weights: predictions, the History of a few epochs (shuffle=False),
evaluate's numbers (dict and list), the *_on_batch results, and .keras files both ways. Without
Keras only the nerve checks run (structure, errors, config and nerve-format round trips)."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import nerve

RTOL, ATOL = 1e-5, 1e-6
KEYS = ["zeta", "alpha", "mid"]  # the order the dict is given in (not sorted)
SORTED = sorted(KEYS)
LAYER_NAMES = ["probs", "offset", "score"]  # the outputs' layers, in the sorted keys' order


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    return pytest.importorskip("keras")


def _build(lib):
    """Three outputs whose keys are not their layers' names, given in an order that is neither
    sorted by key nor by layer name."""
    inp = lib.Input((3,), name="x")
    h = lib.layers.Dense(4, activation="tanh", name="hidden")(inp)
    return lib.Model(
        inp,
        {
            "zeta": lib.layers.Dense(1, name="score")(h),
            "alpha": lib.layers.Dense(3, activation="softmax", name="probs")(h),
            "mid": lib.layers.Dense(2, name="offset")(h),
        },
        name="dict_model",
    )


def _weights(model, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(0.0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()]


def _nerve_model(seed=0):
    model = _build(nerve)
    model.set_weights(_weights(model, seed))
    return model


def _twins(seed=0):
    """(keras model, nerve model) with the same weights."""
    keras = _keras()
    k = _build(keras)
    n = _build(nerve)
    assert [l.name for l in n.layers] == [l.name for l in k.layers]  # the weights' order
    k.set_weights(_weights(k, seed))
    n.set_weights(k.get_weights())
    return k, n


def _data(n=12, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = {
        "zeta": rng.normal(size=(n, 1)).astype(np.float32),
        "alpha": rng.integers(0, 3, size=(n,)),
        "mid": rng.normal(size=(n, 2)).astype(np.float32),
    }
    return x, y


def _close(label, got, want, rtol=RTOL, atol=ATOL):
    if isinstance(want, dict):
        assert isinstance(got, dict), f"{label}: nerve gave {type(got).__name__}, Keras a dict"
        assert sorted(got) == sorted(want), f"{label}: keys {sorted(got)} vs Keras {sorted(want)}"
        for k in want:
            _close(f"{label}[{k!r}]", got[k], want[k], rtol, atol)
        return
    np.testing.assert_allclose(
        np.asarray(got, np.float64), np.asarray(want, np.float64), rtol, atol, err_msg=label
    )


# ---- structure and results ----------------------------------------------------------------------


def test_predict_and_call_return_dicts():
    model = _nerve_model()
    x, _ = _data()
    predicted = model.predict(x, verbose=0)
    called = model(x)
    assert isinstance(predicted, dict) and list(predicted) == SORTED  # Keras's predict sorts
    assert isinstance(called, dict) and list(called) == KEYS  # a call keeps the given order
    for k in KEYS:
        np.testing.assert_allclose(predicted[k], called[k], rtol=1e-6)
    assert predicted["zeta"].shape == (12, 1) and predicted["alpha"].shape == (12, 3)
    on_batch = model.predict_on_batch(x)
    assert list(on_batch) == SORTED
    _close("predict_on_batch", on_batch, predicted)
    one = model.predict(x[:1], verbose=0)  # predict's one-batch path
    _close("one sample", one, {k: v[:1] for k, v in predicted.items()})
    in_batches = model.predict(x, batch_size=5, verbose=0)
    _close("batches", in_batches, predicted)
    generated = model.predict(iter([x[:5], x[5:]]), verbose=0)
    assert list(generated) == SORTED
    _close("generator", generated, predicted)


def test_outputs_and_names():
    model = _nerve_model()
    assert model.output_names == LAYER_NAMES  # Keras: the layers' names, in the sorted keys' order
    assert [tuple(t.shape) for t in model.outputs] == [(None, 3), (None, 2), (None, 1)]
    assert model.output_shape == [(None, 3), (None, 2), (None, 1)]
    assert isinstance(model.output, dict) and list(model.output) == KEYS
    assert [model.output[k] for k in SORTED] == model.outputs
    # symbolic calls give the dict too, and a model can be made from its entries
    inp = nerve.Input((3,))
    out = model(inp)
    assert isinstance(out, dict) and list(out) == KEYS
    outer = nerve.Model(inp, {"only": out["mid"]})
    x, _ = _data()
    np.testing.assert_allclose(outer.predict(x, verbose=0)["only"], model(x)["mid"], rtol=1e-6)
    text = []
    model.summary(print_fn=text.append)
    for name in ["hidden", *LAYER_NAMES]:
        assert name in text[0]


def test_keys_must_be_strings():
    inp = nerve.Input((3,))
    with pytest.raises(TypeError, match="keys of a dict of outputs must be strings"):
        nerve.Model(inp, {1: nerve.layers.Dense(1)(inp)})
    with pytest.raises(ValueError, match="empty dict"):
        nerve.Model(inp, {})


def test_same_predictions_as_keras():
    k, n = _twins()
    x, _ = _data()
    want = k.predict(x, verbose=0)
    got = n.predict(x, verbose=0)
    assert list(got) == list(want)
    _close("predict", got, want)
    assert list(n(x)) == list(k(x))
    _close("call", n(x), {key: np.asarray(v) for key, v in k(x).items()})
    assert n.output_names == k.output_names
    assert list(n.output) == list(k.output)
    assert [tuple(t.shape) for t in n.outputs] == [tuple(t.shape) for t in k.outputs]


# ---- training against Keras ---------------------------------------------------------------------


def _python_mse(ops):
    def mse(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred), axis=-1)

    return mse


# name -> (compile arguments(lib), y(y dict), fit/evaluate extra arguments)
CASES = {
    "dicts": (
        lambda lib: dict(
            loss={"mid": "mae", "alpha": "sparse_categorical_crossentropy", "zeta": "mse"},
            loss_weights={"zeta": 0.5, "alpha": 2.0, "mid": 1.5},
            metrics={"zeta": ["mae"], "alpha": ["accuracy"], "mid": ["mse", "mae"]},
        ),
        lambda y: y,
        {},
    ),
    "lists": (  # lists follow the sorted keys: alpha, mid, zeta
        lambda lib: dict(
            loss=["sparse_categorical_crossentropy", "mae", "mse"],
            loss_weights=[2.0, 1.5, 0.5],
            metrics=[["accuracy"], ["mse"], ["mae"]],
        ),
        lambda y: [y[k] for k in SORTED],
        {},
    ),
    "untrained_output": (  # no loss for "mid" (test_untrained_output_needs_no_targets)
        lambda lib: dict(
            loss={"zeta": "mse", "alpha": "sparse_categorical_crossentropy", "mid": None},
            metrics={"alpha": ["accuracy"]},
        ),
        lambda y: y,
        {},
    ),
    "loss_list_with_none": (
        lambda lib: dict(loss=["sparse_categorical_crossentropy", None, "mse"]),
        lambda y: y,
        {},
    ),
    "weighted_metrics": (
        lambda lib: dict(
            loss={"zeta": "mse", "alpha": "sparse_categorical_crossentropy", "mid": "mse"},
            metrics={"zeta": ["mae"]},
            weighted_metrics={"zeta": ["mae"], "alpha": ["accuracy"]},
        ),
        lambda y: y,
        {"sample_weight": np.linspace(0.5, 2.0, 12).astype(np.float32)},
    ),
    "python_loss": (  # a loss written in Python: the step runs through Python (traced)
        lambda lib: dict(
            loss={
                "zeta": _python_mse(lib.ops),
                "alpha": "sparse_categorical_crossentropy",
                "mid": "mse",
            },
            metrics={"alpha": ["accuracy"]},
        ),
        lambda y: y,
        {},
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_fit_and_evaluate_match_keras(case):
    keras = _keras()
    compile_args, targets, extra = CASES[case]
    x, y = _data()
    y = targets(y)
    runs = {}
    for lib, model in zip(("keras", "nerve"), _twins()):
        mod = keras if lib == "keras" else nerve
        model.compile(optimizer=mod.optimizers.SGD(0.05), **compile_args(mod))
        history = model.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0, **extra)
        runs[lib] = {
            "history": history.history,
            "evaluate": model.evaluate(x, y, verbose=0, return_dict=True, **extra),
            "evaluate_list": model.evaluate(x, y, verbose=0, **extra),
            "test_on_batch": model.test_on_batch(x, y, **extra),
            "train_on_batch": model.train_on_batch(x, y, return_dict=True, **extra),
            "predict": model.predict(x, verbose=0),
        }
    ours, theirs = runs["nerve"], runs["keras"]
    assert sorted(ours["history"]) == sorted(theirs["history"])
    for key in theirs:
        _close(f"{case} {key}", ours[key], theirs[key])


def test_untrained_output_needs_no_targets():
    """An output compile() gives no loss (None) needs no targets: y may leave it out (Keras
    allows it too, except with compiled metrics, where its fit raises a KeyError)."""
    x, y = _data()
    partial = {k: v for k, v in y.items() if k != "mid"}
    runs = []
    for targets in (y, partial, [y["alpha"], y["zeta"]]):
        model = _nerve_model()
        model.compile(
            optimizer=nerve.optimizers.SGD(0.05),
            loss=["sparse_categorical_crossentropy", None, "mse"],
            metrics={"alpha": ["accuracy"]},
        )
        h = model.fit(x, targets, epochs=2, batch_size=4, shuffle=False, verbose=0).history
        runs.append((h, model.evaluate(x, targets, verbose=0)))
    assert sorted(runs[0][0]) == ["alpha_accuracy", "alpha_loss", "loss", "zeta_loss"]
    for run in runs[1:]:
        _close("history", run[0], runs[0][0])
        _close("evaluate", run[1], runs[0][1])


def test_validation_logs_match_keras():
    keras = _keras()
    x, y = _data()
    histories = []
    for model in _twins():
        mod = keras if model.__module__.startswith("keras") else nerve
        model.compile(
            optimizer=mod.optimizers.SGD(0.05),
            loss={"zeta": "mse", "alpha": "sparse_categorical_crossentropy", "mid": "mae"},
            metrics={"alpha": ["accuracy"]},
        )
        h = model.fit(
            x, y, epochs=2, batch_size=4, shuffle=False, verbose=0, validation_data=(x, y)
        )
        histories.append(h.history)
    assert sorted(histories[1]) == sorted(histories[0])
    _close("history", histories[1], histories[0])


def test_batches_with_dict_targets():
    """A generator of (x, y dict) batches trains as the arrays do."""
    x, y = _data()
    histories = []
    for source in ("arrays", "generator"):
        model = _nerve_model()
        model.compile(
            optimizer=nerve.optimizers.SGD(0.05),
            loss={"zeta": "mse", "alpha": "sparse_categorical_crossentropy", "mid": "mae"},
        )
        if source == "arrays":
            h = model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
        else:

            def batches():
                while True:
                    for i in range(0, 12, 4):
                        yield x[i : i + 4], {k: v[i : i + 4] for k, v in y.items()}

            h = model.fit(batches(), epochs=2, steps_per_epoch=3, verbose=0)
        histories.append(h.history)
    assert sorted(histories[0]) == ["alpha_loss", "loss", "mid_loss", "zeta_loss"]
    _close("generator", histories[1], histories[0])


def test_subclassed_model_returning_a_dict_matches_keras():
    keras = _keras()

    def make(lib):
        class Heads(lib.Model):
            def __init__(self):
                super().__init__(name="heads")
                self.hidden = lib.layers.Dense(4, activation="tanh", name="hidden")
                self.score = lib.layers.Dense(1, name="score")
                self.probs = lib.layers.Dense(3, activation="softmax", name="probs")

            def call(self, x):
                h = self.hidden(x)
                return {"zeta": self.score(h), "alpha": self.probs(h)}

        model = Heads()
        model(np.zeros((1, 3), np.float32))
        return model

    k, n = make(keras), make(nerve)
    weights = {w.path.split("/")[-2] + w.name: w for w in k.weights}
    assert len(weights) == len(k.weights)
    k.set_weights(_weights(k))
    for layer in (n.hidden, n.score, n.probs):
        layer.set_weights([np.asarray(weights[layer.name + w]) for w in ("kernel", "bias")])
    x, y = _data()
    y = {"zeta": y["zeta"], "alpha": y["alpha"]}
    _close("predict", n.predict(x, verbose=0), k.predict(x, verbose=0))
    assert list(n(x)) == list(k(x)) == ["zeta", "alpha"]
    for model, mod in ((k, keras), (n, nerve)):
        model.compile(
            optimizer=mod.optimizers.SGD(0.05),
            loss={"zeta": "mse", "alpha": "sparse_categorical_crossentropy"},
        )
    _close(
        "evaluate",
        n.evaluate(x, y, verbose=0, return_dict=True),
        k.evaluate(x, y, verbose=0, return_dict=True),
    )


# ---- errors -------------------------------------------------------------------------------------

OUTPUTS = r"\['alpha', 'mid', 'zeta'\]"


def _compiled(**kwargs):
    model = _nerve_model()
    model.compile(
        optimizer="sgd",
        loss=kwargs.pop(
            "loss", {"zeta": "mse", "alpha": "sparse_categorical_crossentropy", "mid": "mse"}
        ),
        **kwargs,
    )
    return model


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_targets_with_a_missing_or_unknown_key():
    x, y = _data()
    model = _compiled()
    missing = {k: v for k, v in y.items() if k != "mid"}
    for run in (model.fit, model.evaluate, model.train_on_batch, model.test_on_batch):
        kwargs = {"verbose": 0} if run in (model.fit, model.evaluate) else {}
        with pytest.raises(ValueError, match=rf"no entry for output\(s\) \['mid'\].*{OUTPUTS}"):
            run(x, missing, **kwargs)
        with pytest.raises(ValueError, match=rf"unknown output\(s\) \['middle'\].*{OUTPUTS}"):
            run(x, {**missing, "middle": y["mid"]}, **kwargs)
    # the same through the Python step (a Python loss)
    model = _compiled(loss={"zeta": _python_mse(nerve.ops), "alpha": "mse", "mid": "mse"})
    with pytest.raises(ValueError, match=rf"\['mid'\].*{OUTPUTS}"):
        model.fit(x, missing, verbose=0)
    with pytest.raises(ValueError, match=rf"\['middle'\].*{OUTPUTS}"):
        model.evaluate(x, {**y, "middle": y["mid"]}, verbose=0)


def test_compile_with_a_missing_or_unknown_key():
    with pytest.raises(ValueError, match=rf"loss is missing for output\(s\) \['mid'\].*{OUTPUTS}"):
        _compiled(loss={"zeta": "mse", "alpha": "sparse_categorical_crossentropy"})
    with pytest.raises(ValueError, match=rf"unknown output\(s\) \['score'\].*{OUTPUTS}"):
        _compiled(loss={"score": "mse", "alpha": "mse", "mid": "mse"})
    with pytest.raises(ValueError, match=rf"unknown output\(s\) \['middle'\].*{OUTPUTS}"):
        _compiled(metrics={"middle": ["mae"]})
    with pytest.raises(ValueError, match=rf"unknown output\(s\) \['beta'\].*{OUTPUTS}"):
        _compiled(loss_weights={"beta": 1.0})
    with pytest.raises(ValueError, match=r"2 loss entries for a model with 3 output"):
        _compiled(loss=["mse", "mse"])


# ---- saving -------------------------------------------------------------------------------------


def test_config_round_trip():
    model = _nerve_model()
    config = model.get_config()
    assert config["output_layers"] == {
        "zeta": ["score", 0, 0],
        "alpha": ["probs", 0, 0],
        "mid": ["offset", 0, 0],
    }
    clone = nerve.Model.from_config(config)
    clone.set_weights(model.get_weights())
    x, _ = _data()
    assert list(clone(x)) == KEYS
    _close("from_config", clone.predict(x, verbose=0), model.predict(x, verbose=0))
    copy = nerve.models.clone_model(model)
    assert list(copy(x)) == KEYS and copy.output_names == LAYER_NAMES


def test_nerve_file_round_trip(tmp_path):
    x, y = _data()
    model = _compiled(metrics={"alpha": ["accuracy"]}, loss_weights={"zeta": 2.0})
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    path = str(tmp_path / "m.nerve")
    model.save(path)
    loaded = nerve.models.load_model(path)
    assert list(loaded(x)) == KEYS and loaded.output_names == LAYER_NAMES
    _close("predict", loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    _close(
        "evaluate",
        loaded.evaluate(x, y, verbose=0, return_dict=True),
        model.evaluate(x, y, verbose=0, return_dict=True),
    )
    # training goes on the same way (the optimizer's state came along)
    a = model.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0).history
    b = loaded.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0).history
    _close("fit after loading", b, a)


COMPILE = {
    "loss": {"mid": "mae", "alpha": "sparse_categorical_crossentropy", "zeta": "mse"},
    "loss_weights": {"zeta": 0.5, "alpha": 2.0, "mid": 1.0},
    "metrics": {"alpha": ["accuracy"], "zeta": ["mae"]},
}


def test_nerve_writes_keras_reads(tmp_path):
    keras = _keras()
    pytest.importorskip("h5py")
    x, y = _data()
    model = _nerve_model()
    model.compile(optimizer="sgd", **COMPILE)
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    path = str(tmp_path / "m.keras")
    model.save(path)
    k = keras.saving.load_model(path)
    assert list(k(x)) == KEYS and k.output_names == LAYER_NAMES
    _close("predict", model.predict(x, verbose=0), k.predict(x, verbose=0))
    _close(
        "evaluate",
        model.evaluate(x, y, verbose=0, return_dict=True),
        k.evaluate(x, y, verbose=0, return_dict=True),
    )


def test_keras_writes_nerve_reads(tmp_path):
    keras = _keras()
    pytest.importorskip("h5py")
    x, y = _data()
    k = _build(keras)
    k.set_weights(_weights(k))
    k.compile(optimizer="sgd", **COMPILE)
    k.fit(x, y, epochs=1, batch_size=4, verbose=0)
    path = str(tmp_path / "m.keras")
    k.save(path)
    model = nerve.models.load_model(path)
    assert list(model(x)) == KEYS and model.output_names == LAYER_NAMES
    _close("predict", model.predict(x, verbose=0), k.predict(x, verbose=0))
    _close(
        "evaluate",
        model.evaluate(x, y, verbose=0, return_dict=True),
        k.evaluate(x, y, verbose=0, return_dict=True),
    )
    assert model.get_config()["output_layers"] == {
        "zeta": ["score", 0, 0],
        "alpha": ["probs", 0, 0],
        "mid": ["offset", 0, 0],
    }


def _nested(lib, weights=None):
    """A dict-output model called inside another model, which outputs one of its entries and a
    layer on another."""
    inner = _build(lib)
    if weights is not None:
        inner.set_weights(weights)
    inp = lib.Input((3,), name="outer_x")
    out = inner(inp)
    assert isinstance(out, dict) and list(out) == KEYS
    extra = lib.layers.Dense(2, name="extra")(out["zeta"])
    return lib.Model(inp, {"probs": out["alpha"], "extra": extra}, name="outer")


@pytest.mark.parametrize("writer", ["nerve", "keras"])
def test_nested_model_in_keras_files(writer, tmp_path):
    keras = _keras()
    pytest.importorskip("h5py")
    x, _ = _data()
    source = _nested(nerve if writer == "nerve" else keras)
    source.set_weights(_weights(source, seed=3))
    path = str(tmp_path / "nested.keras")
    source.save(path)
    loaded = keras.saving.load_model(path) if writer == "nerve" else nerve.models.load_model(path)
    assert list(loaded(x)) == list(source(x)) == ["probs", "extra"]
    _close("predict", loaded.predict(x, verbose=0), source.predict(x, verbose=0))


def test_one_key_matches_keras():
    """A dict of one output: predict gives a dict, and the logs name nothing after it (as with
    one output); y may be the dict or the array."""
    keras = _keras()
    x, y = _data()
    runs = []
    for lib in (keras, nerve):
        inp = lib.Input((3,), name="x")
        model = lib.Model(inp, {"only": lib.layers.Dense(2, name="head")(inp)})
        model.set_weights(_weights(model, seed=5))
        model.compile(
            optimizer=lib.optimizers.SGD(0.05), loss={"only": "mse"}, metrics={"only": ["mae"]}
        )
        h = model.fit(x, {"only": y["mid"]}, epochs=2, batch_size=4, shuffle=False, verbose=0)
        runs.append(
            {
                "predict": model.predict(x, verbose=0),
                "history": h.history,
                "evaluate": model.evaluate(x, y["mid"], verbose=0, return_dict=True),
                "evaluate_list": model.evaluate(x, {"only": y["mid"]}, verbose=0),
                "output_names": model.output_names,
            }
        )
    assert runs[1]["output_names"] == runs[0]["output_names"] == ["head"]
    assert sorted(runs[1]["history"]) == sorted(runs[0]["history"]) == ["loss", "mae"]
    for key in ("predict", "history", "evaluate", "evaluate_list"):
        _close(key, runs[1][key], runs[0][key])


def test_one_metrics_list_for_every_output():
    """nerve also takes one flat metrics list for every output (Keras 3 refuses it for a dict
    of outputs), each reported under the output's key."""
    x, y = _data()
    y = {**y, "alpha": np.eye(3, dtype=np.float32)[y["alpha"]]}
    model = _compiled(loss="categorical_crossentropy", metrics=["mae"])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(logs) == sorted(
        ["loss", *(f"{k}_loss" for k in KEYS), *(f"{k}_mae" for k in KEYS)]
    )


def test_overridden_steps_see_the_dict():
    """A Model subclass's own steps get the dict from self(x); the default compute_loss reads
    it by key, and fit gives what the built-in step gives."""
    seen = {}

    class Custom(nerve.Model):
        def train_step(self, data):
            return super().train_step(data)

        def predict_step(self, data):
            out = super().predict_step(data)
            seen["keys"] = list(out)
            return out

    x, y = _data()
    histories, predictions = [], []
    for cls in (nerve.Model, Custom):
        inp = nerve.Input((3,), name="x")
        h = nerve.layers.Dense(4, activation="tanh", name="hidden")(inp)
        model = cls(
            inp,
            {
                "zeta": nerve.layers.Dense(1, name="score")(h),
                "alpha": nerve.layers.Dense(3, activation="softmax", name="probs")(h),
            },
        )
        model.set_weights(_weights(model, seed=7))
        model.compile(
            optimizer=nerve.optimizers.SGD(0.05),
            loss={"zeta": "mse", "alpha": "sparse_categorical_crossentropy"},
            metrics={"alpha": ["accuracy"]},
        )
        targets = {"zeta": y["zeta"], "alpha": y["alpha"]}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the custom steps' note that they run from Python
            histories.append(
                model.fit(x, targets, epochs=2, batch_size=4, shuffle=False, verbose=0).history
            )
            predictions.append(model.predict(x, verbose=0))
    assert seen["keys"] == ["zeta", "alpha"]
    assert list(predictions[1]) == list(predictions[0]) == ["alpha", "zeta"]
    _close("history", histories[1], histories[0])
    _close("predict", predictions[1], predictions[0])
