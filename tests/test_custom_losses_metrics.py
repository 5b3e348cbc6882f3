"""Losses and metrics written in Python, as Keras users write them: a loss function or a Loss
subclass with call(), a metric function, a Metric subclass with add_variable. compile() takes
them; fit and evaluate run the model's Python step (traced into C++ where it can be) and give
Keras 3's numbers for the same model, weights and batches."""

import numpy as np
import pytest

import nerve
from nerve import ops

from _keras_diff import assert_history_close, assert_weights_close, keras, twin_models

keras_losses = pytest.importorskip("keras.src.losses.losses")  # LossFunctionWrapper's home

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

RNG = np.random.default_rng(5)
X = RNG.normal(size=(24, 4)).astype(np.float32)
Y = RNG.random((24, 2)).astype(np.float32)
W = RNG.random(24).astype(np.float32)


def build(lib):
    return lib.Sequential(
        [lib.Input((4,)), lib.layers.Dense(6, activation="tanh"), lib.layers.Dense(2)]
    )


def _losses(lib):
    """The same Python loss three ways, written against `lib`'s ops."""

    def cubed_error(y_true, y_pred):
        return lib.ops.mean(lib.ops.abs(lib.ops.subtract(y_true, y_pred)) ** 3, axis=-1)

    class CubedError(lib.losses.Loss):
        def call(self, y_true, y_pred):
            return cubed_error(y_true, y_pred)

    return cubed_error, CubedError


def _metric(lib):
    def max_error(y_true, y_pred):
        return lib.ops.max(lib.ops.abs(lib.ops.subtract(y_true, y_pred)), axis=-1)

    return max_error


@pytest.mark.parametrize("form", ["function", "subclass", "subclass_sum"])
def test_a_python_loss_and_metric_train_as_in_keras(form):
    k_model, n_model = twin_models(build)
    histories = []
    for lib, model in ((keras, k_model), (nerve, n_model)):
        fn, cls = _losses(lib)
        loss = {"function": fn, "subclass": cls(), "subclass_sum": cls(reduction="sum")}[form]
        model.compile(optimizer=lib.optimizers.SGD(0.05), loss=loss, metrics=[_metric(lib), "mae"])
        histories.append(
            model.fit(
                X,
                Y,
                sample_weight=W,
                batch_size=8,
                epochs=3,
                shuffle=False,
                verbose=0,
                validation_data=(X[:8], Y[:8]),
            ).history
        )
    assert_history_close("python loss", histories[1], histories[0])
    assert_weights_close("python loss", n_model, k_model)
    assert set(histories[1]) == {"loss", "max_error", "mae", "val_loss", "val_max_error", "val_mae"}


def test_the_step_with_a_python_loss_is_traced_into_cpp():
    import warnings

    fn, _ = _losses(nerve)
    model = build(nerve)
    model.compile(optimizer="sgd", loss=fn, metrics=[_metric(nerve)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a step that could not be traced warns
        model.fit(X, Y, batch_size=8, epochs=1, verbose=0)
        model.evaluate(X, Y, verbose=0)


def test_direct_calls_reduce_as_keras():
    fn, cls = _losses(nerve)
    k_fn, k_cls = _losses(keras)
    pred, true = (
        RNG.normal(size=(5, 3)).astype(np.float32),
        RNG.normal(size=(5, 3)).astype(np.float32),
    )
    w = RNG.random(5).astype(np.float32)
    for reduction in ("sum_over_batch_size", "sum", "mean_with_sample_weight", "none"):
        got = cls(reduction=reduction)(true, pred, sample_weight=w)
        want = np.asarray(k_cls(reduction=reduction)(true, pred, sample_weight=w))
        np.testing.assert_allclose(got, want, rtol=1e-5)
    wrapped = nerve.losses.LossFunctionWrapper(fn)
    assert wrapped.name == "cubed_error"
    np.testing.assert_allclose(
        wrapped(true, pred),
        np.asarray(keras_losses.LossFunctionWrapper(k_fn)(true, pred)),
        rtol=1e-5,
    )
    with pytest.raises(ValueError, match="reduction"):
        cls(reduction="average")


def test_a_metric_subclass_with_add_variable():
    class SumOfPredictions(nerve.metrics.Metric):
        def __init__(self, name="sum_of_predictions", **kwargs):
            super().__init__(name=name, **kwargs)
            self.total = self.add_variable(shape=(), initializer="zeros", name="total")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.total.assign_add(ops.sum(y_pred))

        def result(self):
            return self.total

        def reset_state(self):
            self.total.assign(0.0)

    model = build(nerve)
    model.compile(optimizer="sgd", loss="mse", metrics=[SumOfPredictions()])
    expected = float(model.predict(X, verbose=0).sum())  # the one step's predictions
    with pytest.warns(UserWarning, match="could not be traced"):  # its state lives in Python
        history = model.fit(X, Y, batch_size=24, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["sum_of_predictions"], [expected], rtol=1e-5)


def test_built_in_metric_functions_keep_their_cpp_metric():
    model = build(nerve)
    model.compile(optimizer="sgd", loss="mse", metrics=[nerve.metrics.mean_absolute_error])
    assert not model._python_metrics()
    history = model.fit(X, Y, epochs=1, verbose=0)
    assert "mean_absolute_error" in history.history


@pytest.mark.parametrize("suffix", [".nerve", ".keras"])
def test_a_model_compiled_with_python_functions_saves_and_loads(tmp_path, suffix):
    if suffix == ".keras":
        pytest.importorskip("h5py")
    fn, _ = _losses(nerve)
    metric = _metric(nerve)
    model = build(nerve)
    model.compile(optimizer="adam", loss=fn, metrics=[metric])
    model.fit(X, Y, epochs=1, verbose=0)
    path = tmp_path / f"m{suffix}"
    model.save(path)
    with pytest.raises(nerve.ModelFileError, match="custom_objects=.*cubed_error"):
        nerve.models.load_model(path)
    loaded = nerve.models.load_model(path, custom_objects={"cubed_error": fn, "max_error": metric})
    assert loaded.loss.fn is fn
    np.testing.assert_allclose(
        loaded.evaluate(X, Y, verbose=0), model.evaluate(X, Y, verbose=0), rtol=1e-5
    )
    assert nerve.models.load_model(path, compile=False).optimizer is None
    if suffix == ".keras":  # Keras reads it, with its own function of that name
        k_fn, _ = _losses(keras)
        k_model = keras.saving.load_model(
            path, custom_objects={"cubed_error": k_fn, "max_error": _metric(keras)}
        )
        np.testing.assert_allclose(
            np.asarray(k_model.predict(X, verbose=0)),
            model.predict(X, verbose=0),
            rtol=1e-5,
            atol=1e-6,  # float32 rounding of values near zero (a 2e-8 difference at 7e-4 seen)
        )
