"""Keras's metric functions over losses (keras.metrics.binary_crossentropy,
categorical_crossentropy, sparse_categorical_crossentropy, kl_divergence, huber) in nerve.metrics:
the same functions as nerve.losses', with Keras's numbers (KERAS_BACKEND=jax) over shapes and
options, on numpy data and on tensors; in compile(metrics=[...]) as Keras takes them (the
functions, and the names Keras resolves to its metric classes), through evaluate and fit beside
Keras from the same weights."""

import os
import warnings

import numpy as np
import pytest

import nerve

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")

rng = np.random.default_rng(5)
FUNCTIONS = (
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "kl_divergence",
    "huber",
)


def _close(got, want, label, rtol=1e-5, atol=1e-6):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{label}: shape {got.shape}, Keras {want.shape}"
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=label)


def _probabilities(shape, axis=-1):
    p = rng.uniform(0.02, 1.0, shape).astype(np.float32)
    return p / p.sum(axis=axis, keepdims=True)


def _one_hot(shape, axis=-1):
    classes = shape[axis]
    rest = tuple(d for i, d in enumerate(shape) if i != axis % len(shape))
    onehot = np.eye(classes, dtype=np.float32)[rng.integers(0, classes, rest)]
    return np.moveaxis(onehot, -1, axis)


def _cases():
    cases = []
    for shape in ((4, 3), (2, 5, 3), (6, 1), (3, 2, 4, 2)):
        binary = (rng.uniform(size=shape) > 0.5).astype(np.float32)
        probs = rng.uniform(0.01, 0.99, shape).astype(np.float32)
        logits = rng.normal(size=shape).astype(np.float32) * 2
        cases += [
            ("binary_crossentropy", binary, probs, {}),
            ("binary_crossentropy", binary, logits, {"from_logits": True}),
            ("binary_crossentropy", binary, probs, {"label_smoothing": 0.2}),
            ("binary_crossentropy", binary, logits, {"from_logits": True, "label_smoothing": 0.1}),
            ("binary_crossentropy", binary, probs, {"axis": 0}),
            ("huber", binary, logits, {}),
            ("huber", binary, logits, {"delta": 0.4}),
            ("huber", logits, probs, {"delta": 2.5}),
            ("kl_divergence", _probabilities(shape), _probabilities(shape), {}),
            ("kl_divergence", binary, probs, {}),
        ]
        if shape[-1] > 1:
            onehot = _one_hot(shape)
            ids = np.argmax(onehot, axis=-1).astype(np.float32)
            cases += [
                ("categorical_crossentropy", onehot, _probabilities(shape), {}),
                ("categorical_crossentropy", onehot, logits, {"from_logits": True}),
                (
                    "categorical_crossentropy",
                    onehot,
                    _probabilities(shape),
                    {"label_smoothing": 0.3},
                ),
                (
                    "categorical_crossentropy",
                    onehot,
                    logits,
                    {"from_logits": True, "label_smoothing": 0.1},
                ),
                (
                    "categorical_crossentropy",
                    _one_hot(shape, 0),
                    _probabilities(shape, 0),
                    {"axis": 0},
                ),
                ("sparse_categorical_crossentropy", ids, _probabilities(shape), {}),
                ("sparse_categorical_crossentropy", ids[..., None], _probabilities(shape), {}),
                ("sparse_categorical_crossentropy", ids, logits, {"from_logits": True}),
                (
                    "sparse_categorical_crossentropy",
                    ids,
                    _probabilities(shape),
                    {"axis": len(shape) - 1},
                ),
            ]
    return cases


CASES = _cases()


def _case_id(case):
    name, _, y_pred, kwargs = case
    options = ",".join(f"{k}={v}" for k, v in kwargs.items())
    return f"{name}-{'x'.join(map(str, y_pred.shape))}-{options}"


def test_the_functions_are_nerve_losses_functions():
    for name in FUNCTIONS:
        assert getattr(nerve.metrics, name) is getattr(nerve.losses, name), name


def test_signatures_are_keras_signatures():
    import inspect

    for name in FUNCTIONS:
        ours = inspect.signature(getattr(nerve.metrics, name))
        theirs = inspect.signature(getattr(keras.metrics, name))
        assert [(p.name, p.default) for p in ours.parameters.values()] == [
            (p.name, p.default) for p in theirs.parameters.values()
        ], name


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_same_numbers_as_keras(case):
    name, y_true, y_pred, kwargs = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)  # Keras's one-class warning
        want = np.asarray(getattr(keras.metrics, name)(y_true, y_pred, **kwargs))
        got = getattr(nerve.metrics, name)(y_true, y_pred, **kwargs)
        on_tensors = getattr(nerve.metrics, name)(
            nerve.Tensor(y_true), nerve.Tensor(y_pred), **kwargs
        )
    assert isinstance(got, np.ndarray)
    _close(got, want, f"{name} {kwargs} numpy")
    _close(np.asarray(on_tensors), want, f"{name} {kwargs} tensors")


def test_lists_are_taken_as_keras_takes_them():
    y_true, y_pred = [[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]]
    _close(nerve.metrics.huber(y_true, y_pred), keras.metrics.huber(y_true, y_pred), "huber")
    _close(
        nerve.metrics.binary_crossentropy(y_true, y_pred),
        keras.metrics.binary_crossentropy(y_true, y_pred),
        "binary_crossentropy",
    )


def test_bad_settings_raise():
    t = p = np.full((2, 3), 0.5, np.float32)
    with pytest.raises(ValueError):
        nerve.metrics.binary_crossentropy(t, p, label_smoothing=2.0)
    with pytest.raises(ValueError):
        nerve.metrics.huber(t, p, delta=-1.0)
    with pytest.raises(ValueError, match="axis"):
        nerve.metrics.categorical_crossentropy(t, p, axis=True)


def test_ignore_class_is_refused_by_name():
    t, p = np.zeros(3, np.float32), _probabilities((3, 4))
    with pytest.raises((NotImplementedError, ValueError), match="ignore_class"):
        nerve.metrics.sparse_categorical_crossentropy(t, p, ignore_class=1)


# ---- compile(metrics=...) beside Keras -------------------------------------------------------
X = rng.normal(size=(96, 5)).astype(np.float32)
LABELS = rng.integers(0, 3, 96)
TARGETS = {
    "binary": (X[:, :1] + 0.3 * X[:, 1:2] > 0).astype(np.float32),
    "categorical": np.eye(3, dtype=np.float32)[LABELS],
    "sparse": LABELS.astype(np.float32),
}


def _binary_by_name(lib):
    return ["binary_crossentropy", "kl_divergence"]


def _binary_functions(lib):
    m = lib.metrics
    return [m.binary_crossentropy, m.huber, m.kl_divergence]


def _binary_class_names(lib):
    return ["BinaryCrossentropy", "bce"]


def _categorical_by_name(lib):
    return ["categorical_crossentropy", "KLDivergence"]


def _categorical_functions(lib):
    m = lib.metrics
    return [m.categorical_crossentropy, m.kl_divergence, m.huber]


def _sparse_by_name(lib):
    return ["sparse_categorical_crossentropy"]


def _sparse_functions(lib):
    return [lib.metrics.sparse_categorical_crossentropy]


# (metrics, targets, output units, activation, loss)
SETUPS = {
    "binary-names": (_binary_by_name, "binary", 1, "sigmoid", "binary_crossentropy"),
    "binary-functions": (_binary_functions, "binary", 1, "sigmoid", "mse"),
    "binary-class-names": (_binary_class_names, "binary", 1, "sigmoid", "binary_crossentropy"),
    "categorical-names": (_categorical_by_name, "categorical", 3, "softmax", "mse"),
    "categorical-functions": (
        _categorical_functions,
        "categorical",
        3,
        "softmax",
        "categorical_crossentropy",
    ),
    "sparse-names": (_sparse_by_name, "sparse", 3, "softmax", "sparse_categorical_crossentropy"),
    "sparse-functions": (
        _sparse_functions,
        "sparse",
        3,
        "softmax",
        "sparse_categorical_crossentropy",
    ),
}


def _models(units, activation):
    def build(lib):
        return lib.Sequential(
            [
                lib.Input((5,)),
                lib.layers.Dense(8, activation="tanh"),
                lib.layers.Dense(units, activation=activation),
            ]
        )

    km, nm = build(keras), build(nerve)
    nm.set_weights(km.get_weights())
    return km, nm


@pytest.mark.parametrize("setup", list(SETUPS))
def test_in_compile_evaluate_and_fit_beside_keras(setup):
    make_metrics, target, units, activation, loss = SETUPS[setup]
    y = TARGETS[target]
    km, nm = _models(units, activation)
    km.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss, metrics=make_metrics(keras))
    nm.compile(optimizer=nerve.optimizers.SGD(0.1), loss=loss, metrics=make_metrics(nerve))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        k_eval = km.evaluate(X, y, batch_size=32, verbose=0, return_dict=True)
        hk = km.fit(X, y, batch_size=32, epochs=2, shuffle=False, verbose=0).history
        n_eval = nm.evaluate(X, y, batch_size=32, verbose=0, return_dict=True)
        hn = nm.fit(X, y, batch_size=32, epochs=2, shuffle=False, verbose=0).history
    assert set(n_eval) == set(k_eval)
    for name, value in k_eval.items():
        _close(n_eval[name], value, f"evaluate {name}", rtol=1e-4)
    assert set(hn) == set(hk)
    for name, values in hk.items():
        _close(hn[name], values, f"fit {name}", rtol=1e-4)
    for a, b in zip(nm.get_weights(), km.get_weights()):
        _close(a, b, "weights after fit", rtol=1e-4)


def test_huber_is_not_a_metric_name_as_in_keras():
    with pytest.raises(ValueError):
        keras.metrics.get("huber")
    m = nerve.models.Sequential([nerve.layers.Input((5,)), nerve.layers.Dense(1)])
    with pytest.raises(ValueError, match="huber"):
        m.compile("sgd", "mse", metrics=["huber"])


@pytest.mark.parametrize(
    "name", ["binary_crossentropy", "categorical_crossentropy", "kl_divergence", "bce"]
)
def test_names_give_keras_metric_classes(name):
    ours, theirs = nerve.metrics.get(name), keras.metrics.get(name)
    assert type(ours).__name__ == type(theirs).__name__


def test_categorical_crossentropy_metric_takes_axis():
    y_true, y_pred = _one_hot((4, 6, 3), 1), _probabilities((4, 6, 3), 1)
    w = rng.uniform(0.0, 2.0, 4).astype(np.float32)
    ours = nerve.metrics.CategoricalCrossentropy(axis=1)
    theirs = keras.metrics.CategoricalCrossentropy(axis=1)
    ours.update_state(y_true, y_pred, sample_weight=w)
    theirs.update_state(y_true, y_pred, sample_weight=w)
    _close(ours.result(), theirs.result(), "CategoricalCrossentropy(axis=1)")
    copy = nerve.metrics.CategoricalCrossentropy(**ours.get_config())
    assert copy.axis == 1


def test_sparse_class_axis_elsewhere_is_keras_on_the_moved_axis():
    """Keras's jax backend computes the sparse cross-entropy over the last axis only (another
    axis raises there); nerve moves the class axis last, which is what the other backends do."""
    probs = _probabilities((3, 5, 4), 1)
    ids = rng.integers(0, 5, (3, 4)).astype(np.float32)
    want = keras.metrics.sparse_categorical_crossentropy(ids, np.moveaxis(probs, 1, -1))
    for labels in (ids, ids[:, None, :]):
        got = nerve.metrics.sparse_categorical_crossentropy(labels, probs, axis=1)
        _close(got, want, "sparse axis=1")
        on_tensors = nerve.metrics.sparse_categorical_crossentropy(
            nerve.Tensor(labels), nerve.Tensor(probs), axis=1
        )
        _close(np.asarray(on_tensors), want, "sparse axis=1 tensors")


def test_as_weighted_metrics_beside_keras():
    y = TARGETS["categorical"]
    weights = rng.uniform(0.0, 2.0, len(y)).astype(np.float32)
    km, nm = _models(3, "softmax")
    for model, lib in ((km, keras), (nm, nerve)):
        model.compile(
            optimizer="sgd",
            loss="categorical_crossentropy",
            weighted_metrics=["categorical_crossentropy", lib.metrics.kl_divergence],
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = km.evaluate(X, y, sample_weight=weights, batch_size=32, verbose=0, return_dict=True)
        got = nm.evaluate(X, y, sample_weight=weights, batch_size=32, verbose=0, return_dict=True)
    assert set(got) == set(want)
    for name, value in want.items():
        _close(got[name], value, f"weighted {name}", rtol=1e-4)
