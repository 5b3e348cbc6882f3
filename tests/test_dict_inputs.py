"""Functional models with a dict of inputs, keras.Model({"a": in_a, "b": in_b}, outputs), as
Keras 3 has them: model.inputs in Keras's flat order (the sorted keys), model.input and the
config's input_layers the dict in the order given, and calls, fit, evaluate, predict and the
*_on_batch methods taking x as a dict keyed by the dict's keys (not the Input layers' names).
Checked against Keras 3 itself (JAX backend) with the same weights: predictions, the History of
a few epochs (SGD, shuffle=False), the final weights, evaluate's numbers, configs, and .keras
files both ways; plus the errors for a missing or unknown key, or x given as a list."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import nerve

RTOL, ATOL = 1e-5, 1e-6
KEYS = ["zeta", "alpha"]  # the order the dict is given in (not sorted)
SORTED = sorted(KEYS)
# The Input layers' names differ from the keys, and sort the other way round: "zeta" is fed by
# "a_in", "alpha" by "z_in"; Keras maps x by key.
INPUT_NAMES = {"zeta": "a_in", "alpha": "z_in"}
SHAPES = {"zeta": (3,), "alpha": (2,)}


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    return pytest.importorskip("keras")


def _inputs(lib):
    return {k: lib.Input(SHAPES[k], name=INPUT_NAMES[k]) for k in KEYS}


def _build(lib, dict_outputs=False, quiet=True):
    ins = _inputs(lib)
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore", UserWarning)  # keys are not the Inputs' names
        h = lib.layers.Concatenate(name="join")([ins["zeta"], ins["alpha"]])
        h = lib.layers.Dense(4, activation="tanh", name="hidden")(h)
        if dict_outputs:
            outs = {
                "score": lib.layers.Dense(1, name="s")(h),
                "probs": lib.layers.Dense(3, activation="softmax", name="p")(h),
            }
        else:
            outs = lib.layers.Dense(2, name="out")(h)
        return lib.Model(ins, outs, name="dict_in")


def _weights(model, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(0.0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()]


def _twins(seed=0, dict_outputs=False):
    """(keras model, nerve model) with the same weights."""
    keras = _keras()
    k = _build(keras, dict_outputs)
    n = _build(nerve, dict_outputs)
    assert [l.name for l in n.layers] == [l.name for l in k.layers]  # the weights' order
    k.set_weights(_weights(k, seed))
    n.set_weights(k.get_weights())
    return k, n


def _x(n=12, seed=1):
    rng = np.random.default_rng(seed)
    return {k: rng.normal(size=(n, *SHAPES[k])).astype(np.float32) for k in KEYS}


def _close(label, got, want, rtol=RTOL, atol=ATOL):
    if isinstance(want, dict):
        assert isinstance(got, dict), f"{label}: nerve gave {type(got).__name__}, Keras a dict"
        assert list(got) == list(want), f"{label}: keys {list(got)} vs Keras {list(want)}"
        for k in want:
            _close(f"{label}[{k!r}]", got[k], want[k], rtol, atol)
        return
    if isinstance(want, (list, tuple)):
        assert len(got) == len(want), label
        for i, (g, w) in enumerate(zip(got, want)):
            _close(f"{label}[{i}]", g, w, rtol, atol)
        return
    np.testing.assert_allclose(
        np.asarray(got, np.float64), np.asarray(want, np.float64), rtol, atol, err_msg=label
    )


# ---- structure ----------------------------------------------------------------------------------


def test_structure_matches_keras():
    k, n = _twins()
    # model.inputs: Keras's flat order, the sorted keys ("alpha" -> z_in, then "zeta" -> a_in)
    assert [t.name for t in n.inputs] == [t.name for t in k.inputs] == ["z_in", "a_in"]
    # model.input: the dict, in the order given
    assert isinstance(n.input, dict) and list(n.input) == list(k.input) == KEYS
    assert [n.input[key].name for key in KEYS] == [k.input[key].name for key in KEYS]
    assert n.input_shape == k.input_shape == [(None, 2), (None, 3)]
    assert hasattr(n, "input_names") == hasattr(k, "input_names")  # Keras 3.15 has none
    assert n.get_config()["input_layers"] == k.get_config()["input_layers"]
    assert list(n.get_config()["input_layers"]) == KEYS
    assert n.output_shape == k.output_shape
    text = []
    n.summary(print_fn=text.append)
    for name in ["a_in", "z_in", "join", "hidden", "out"]:
        assert name in text[0]


def test_keys_differing_from_input_names_warn_as_keras():
    keras = _keras()
    for lib in (keras, nerve):
        with pytest.warns(UserWarning) as record:
            _build(lib, quiet=False)
        text = "\n".join(str(w.message) for w in record)
        assert "Received key 'zeta'" in text and "which has name 'a_in'" in text
        assert "Received key 'alpha'" in text and "which has name 'z_in'" in text
    for lib in (keras, nerve):  # keys equal to the names: no warning
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            a = lib.Input((3,), name="a")
            lib.Model({"a": a}, lib.layers.Dense(1)(a))


def test_keys_must_be_strings_and_not_empty():
    a = nerve.Input((3,))
    out = nerve.layers.Dense(1)(a)
    with pytest.raises(TypeError, match="keys of a dict of inputs must be strings"):
        nerve.Model({1: a}, out)
    with pytest.raises(ValueError, match="empty dict"):
        nerve.Model({}, out)
    keras = _keras()  # Keras refuses an empty dict too
    ka = keras.Input((3,))
    with pytest.raises(ValueError):
        keras.Model({}, keras.layers.Dense(1)(ka))


# ---- results against Keras ----------------------------------------------------------------------


def test_predictions_match_keras():
    k, n = _twins()
    x = _x()
    want = k.predict(x, verbose=0)
    _close("predict", n.predict(x, verbose=0), want)
    _close("predict batch_size=5", n.predict(x, batch_size=5, verbose=0), want)
    _close("call", n(x), want)
    _close("predict_on_batch", n.predict_on_batch(x), k.predict_on_batch(x))
    # the dict's order does not matter, only its keys
    _close("reversed dict", n.predict({kk: x[kk] for kk in SORTED}, verbose=0), want)
    # a generator of dict batches
    batches = [{kk: v[:5] for kk, v in x.items()}, {kk: v[5:] for kk, v in x.items()}]
    _close("generator", n.predict(iter(batches), verbose=0), want)


def _compiled(seed=0, dict_outputs=False):
    keras = _keras()
    k, n = _twins(seed, dict_outputs)
    loss = {"score": "mse", "probs": "sparse_categorical_crossentropy"} if dict_outputs else "mse"
    k.compile(keras.optimizers.SGD(0.1), loss=loss)
    n.compile(nerve.optimizers.SGD(0.1), loss=loss)
    return k, n


def _y(n=12, seed=2, dict_outputs=False):
    rng = np.random.default_rng(seed)
    if dict_outputs:
        return {
            "score": rng.normal(size=(n, 1)).astype(np.float32),
            "probs": rng.integers(0, 3, size=(n,)),
        }
    return rng.normal(size=(n, 2)).astype(np.float32)


@pytest.mark.parametrize("dict_outputs", [False, True], ids=["one-output", "dict-outputs"])
def test_fit_and_evaluate_match_keras(dict_outputs):
    k, n = _compiled(dict_outputs=dict_outputs)
    x, y = _x(), _y(dict_outputs=dict_outputs)
    hk = k.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0).history
    hn = n.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0).history
    assert sorted(hn) == sorted(hk)
    for key in hk:
        _close(f"history[{key!r}]", hn[key], hk[key])
    _close("weights", n.get_weights(), k.get_weights())
    _close("evaluate", n.evaluate(x, y, verbose=0), k.evaluate(x, y, verbose=0))
    _close(
        "evaluate dict",
        n.evaluate(x, y, verbose=0, return_dict=True),
        k.evaluate(x, y, verbose=0, return_dict=True),
    )
    _close("predict after fit", n.predict(x, verbose=0), k.predict(x, verbose=0))


def test_on_batch_methods_match_keras():
    k, n = _compiled()
    x, y = _x(), _y()
    _close("train_on_batch", n.train_on_batch(x, y), k.train_on_batch(x, y))
    _close("test_on_batch", n.test_on_batch(x, y), k.test_on_batch(x, y))
    _close("weights", n.get_weights(), k.get_weights())


def test_validation_data_as_a_dict_matches_keras():
    k, n = _compiled()
    x, y = _x(), _y()
    xv, yv = _x(6, seed=5), _y(6, seed=6)
    hk = k.fit(x, y, epochs=2, batch_size=4, shuffle=False, validation_data=(xv, yv), verbose=0)
    hn = n.fit(x, y, epochs=2, batch_size=4, shuffle=False, validation_data=(xv, yv), verbose=0)
    assert sorted(hn.history) == sorted(hk.history)
    for key in hk.history:
        _close(key, hn.history[key], hk.history[key])


# ---- errors -------------------------------------------------------------------------------------


def _bad_inputs(x):
    return {
        "missing key": ({"zeta": x["zeta"]}, "missing data for input 'alpha'"),
        "layer names as keys": (
            {"a_in": x["zeta"], "z_in": x["alpha"]},
            "missing data for input 'alpha'",
        ),
        "unknown key": ({**x, "extra": x["zeta"]}, r"unknown input\(s\) \['extra'\]"),
        "list": ([x["alpha"], x["zeta"]], "dict with the keys \\['alpha', 'zeta'\\], got list"),
        "one array": (x["zeta"], "dict with the keys \\['alpha', 'zeta'\\], got ndarray"),
    }


@pytest.mark.parametrize(
    "case", ["missing key", "layer names as keys", "unknown key", "list", "one array"]
)
def test_wrong_x_raises(case):
    n = _build(nerve)
    n.compile(nerve.optimizers.SGD(0.1), loss="mse")
    x, y = _x(), _y()
    bad, message = _bad_inputs(x)[case]
    runs = {
        "predict": lambda: n.predict(bad, verbose=0),
        "call": lambda: n(bad),
        "fit": lambda: n.fit(bad, y, epochs=1, verbose=0),
        "evaluate": lambda: n.evaluate(bad, y, verbose=0),
        "train_on_batch": lambda: n.train_on_batch(bad, y),
        "test_on_batch": lambda: n.test_on_batch(bad, y),
        "predict_on_batch": lambda: n.predict_on_batch(bad),
    }
    for where, run in runs.items():
        with pytest.raises(ValueError, match=message) as info:
            run()
        assert str(info.value).startswith(where), (where, str(info.value))
    # Keras fails on these too (ValueError) in fit and calls, but for an unknown key, where it
    # warns and maps the sorted entries by position (here: "alpha", then "extra" as "zeta")
    if case == "unknown key":
        return
    keras = _keras()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for where in ("fit", "call"):
            k = _build(keras)
            k.compile(keras.optimizers.SGD(0.1), loss="mse")
            with pytest.raises(ValueError):
                k.fit(bad, y, epochs=1, verbose=0) if where == "fit" else k(bad)


def test_a_list_for_sorted_keys_as_keras():
    """Keras takes a list in the sorted keys' order (one array for one key), with a warning,
    when the dict was given with its keys sorted; nerve does the same."""
    keras = _keras()
    models = []
    for lib in (keras, nerve):
        a, b = lib.Input((3,), name="a"), lib.Input((2,), name="b")
        h = lib.layers.Concatenate(name="j")([a, b])
        models.append(lib.Model({"a": a, "b": b}, lib.layers.Dense(2, name="d")(h)))
        c = lib.Input((3,), name="c")
        models.append(lib.Model({"c": c}, lib.layers.Dense(2, name="e")(c)))
    for k, n in (models[0::2], models[1::2]):
        k.set_weights(_weights(k))
        n.set_weights(k.get_weights())
        assert n.input_shape == k.input_shape  # one key: (None, 3), as Keras
        assert n.get_config()["input_layers"] == k.get_config()["input_layers"]
        rng = np.random.default_rng(3)
        x = {
            key: rng.normal(size=(5, *t.shape[1:])).astype(np.float32) for key, t in k.input.items()
        }
        want = k.predict(x, verbose=0)
        _close("dict", n.predict(x, verbose=0), want)
        flat = [x[key] for key in sorted(x)]
        given = [flat, tuple(flat)] + ([flat[0]] if len(flat) == 1 else [])
        for g in given:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                _close("keras", k.predict(g, verbose=0), want)
            for label, run in (
                ("predict", lambda n=n, g=g: n.predict(g, verbose=0)),
                ("call", lambda n=n, g=g: n(g)),
                ("predict_on_batch", lambda n=n, g=g: n.predict_on_batch(g)),
            ):
                with pytest.warns(UserWarning, match="doesn't match the expected structure"):
                    _close(f"nerve {label}", run(), want)
        if len(flat) == 2:  # several keys: one array is refused, as Keras does
            with pytest.raises(ValueError, match="got ndarray"):
                n.predict(flat[0], verbose=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with pytest.raises(ValueError):
                    k(flat[0])
        with pytest.raises(ValueError, match="missing data for input"):
            n.predict({"other": flat[0]}, verbose=0)


# ---- configs and files --------------------------------------------------------------------------


def test_config_round_trip():
    k, n = _twins()
    config = n.get_config()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        again = nerve.Model.from_config(config)
    assert list(again.input) == KEYS
    assert [t.name for t in again.inputs] == ["z_in", "a_in"]
    assert again.get_config()["input_layers"] == config["input_layers"]
    again.set_weights(n.get_weights())
    x = _x()
    _close("from_config", again.predict(x, verbose=0), k.predict(x, verbose=0))


@pytest.mark.parametrize("ext", ["nerve", "keras"])
def test_nerve_file_round_trip(ext, tmp_path):
    k, n = _compiled()
    x, y = _x(), _y()
    n.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    path = str(tmp_path / f"m.{ext}")
    n.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        loaded = nerve.models.load_model(path)
    assert list(loaded.input) == KEYS
    assert [t.name for t in loaded.inputs] == ["z_in", "a_in"]
    _close("loaded", loaded.predict(x, verbose=0), n.predict(x, verbose=0))
    _close("weights", loaded.get_weights(), n.get_weights())


def test_nerve_writes_keras_reads(tmp_path):
    keras = _keras()
    k, n = _twins()
    path = str(tmp_path / "m.keras")
    n.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        loaded = keras.models.load_model(path)
    assert list(loaded.input) == KEYS
    assert loaded.get_config()["input_layers"] == k.get_config()["input_layers"]
    x = _x()
    _close("keras reads nerve's file", loaded.predict(x, verbose=0), k.predict(x, verbose=0))


def test_keras_writes_nerve_reads(tmp_path):
    k, n = _twins()
    path = str(tmp_path / "m.keras")
    k.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        loaded = nerve.models.load_model(path)
    assert list(loaded.input) == KEYS
    assert loaded.get_config()["input_layers"] == k.get_config()["input_layers"]
    x = _x()
    _close("nerve reads Keras's file", loaded.predict(x, verbose=0), k.predict(x, verbose=0))


# ---- nesting ------------------------------------------------------------------------------------


def _outer(lib, inner):
    p = lib.Input((3,), name="p")
    q = lib.Input((2,), name="q")
    h = inner({"zeta": p, "alpha": q})
    return lib.Model([p, q], lib.layers.Dense(1, name="top")(h), name="outer")


def _nested_twins():
    keras = _keras()
    k_inner, n_inner = _twins()
    k, n = _outer(keras, k_inner), _outer(nerve, n_inner)
    k.set_weights(_weights(k, seed=7))
    n.set_weights(k.get_weights())
    return k, n


def test_nested_model_matches_keras():
    keras = _keras()
    k, n = _nested_twins()
    x = _x()
    xs = [x["zeta"], x["alpha"]]
    _close("nested predict", n.predict(xs, verbose=0), k.predict(xs, verbose=0))
    y = np.random.default_rng(4).normal(size=(12, 1)).astype(np.float32)
    k.compile(keras.optimizers.SGD(0.1), loss="mse")
    n.compile(nerve.optimizers.SGD(0.1), loss="mse")
    hk = k.fit(xs, y, epochs=3, batch_size=4, shuffle=False, verbose=0).history
    hn = n.fit(xs, y, epochs=3, batch_size=4, shuffle=False, verbose=0).history
    _close("nested loss", hn["loss"], hk["loss"])
    _close("nested weights", n.get_weights(), k.get_weights())


@pytest.mark.parametrize("writer", ["keras", "nerve"])
def test_nested_model_in_keras_files(writer, tmp_path):
    keras = _keras()
    k, n = _nested_twins()
    path = str(tmp_path / "nested.keras")
    (k if writer == "keras" else n).save(path)
    reader = nerve if writer == "keras" else keras
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        loaded = reader.models.load_model(path)
    x = _x()
    xs = [x["zeta"], x["alpha"]]
    _close(f"{writer} wrote", loaded.predict(xs, verbose=0), k.predict(xs, verbose=0))


def test_nested_model_in_nerve_file(tmp_path):
    _, n = _nested_twins()
    path = str(tmp_path / "nested.nerve")
    n.save(path)
    loaded = nerve.models.load_model(path)
    x = _x()
    xs = [x["zeta"], x["alpha"]]
    _close("nerve file", loaded.predict(xs, verbose=0), n.predict(xs, verbose=0))


def test_dict_inputs_and_dict_outputs_predict_as_keras():
    k, n = _twins(dict_outputs=True)
    x = _x()
    got, want = n.predict(x, verbose=0), k.predict(x, verbose=0)
    _close("predict", got, want)
    assert list(n(x)) == list(k(x)) == ["score", "probs"]  # a call keeps the given order


def test_validation_split_sample_weight_and_generator_match_keras():
    k, n = _compiled()
    x, y = _x(), _y()
    kw = dict(epochs=2, batch_size=4, shuffle=False, verbose=0)
    hk = k.fit(x, y, validation_split=0.25, **kw).history
    hn = n.fit(x, y, validation_split=0.25, **kw).history
    assert sorted(hn) == sorted(hk) == ["loss", "val_loss"]
    for key in hk:
        _close(f"validation_split {key}", hn[key], hk[key])
    sw = np.linspace(0.5, 1.5, 12).astype(np.float32)
    _close(
        "sample_weight",
        n.fit(x, y, sample_weight=sw, **kw).history["loss"],
        k.fit(x, y, sample_weight=sw, **kw).history["loss"],
    )

    def batches():
        for i in range(0, 12, 4):
            yield {key: v[i : i + 4] for key, v in x.items()}, y[i : i + 4]

    _close(
        "generator",
        n.fit(batches(), shuffle=False, verbose=0).history["loss"],
        k.fit(batches(), shuffle=False, verbose=0).history["loss"],
    )
    _close("weights", n.get_weights(), k.get_weights())


def test_clone_and_symbolic_call_keep_the_keys():
    _, n = _twins()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        clone = nerve.models.clone_model(n)
    assert list(clone.input) == KEYS and [t.name for t in clone.inputs] == ["z_in", "a_in"]
    p = nerve.Input((3,))
    with pytest.raises(ValueError, match="missing data for input 'alpha'"):
        n({"zeta": p})
    with pytest.raises(ValueError, match="got list"):
        n([p, nerve.Input((2,))])
