"""Pieces of the keras.io guides as a new user runs them (the Functional API guide's two-output
model, ...), with the same weights under Keras and nerve: what each returns must agree."""

import numpy as np
import pytest

import nerve

from _keras_diff import assert_close, keras, twin_models


def _two_output_model(lib):
    inp = lib.Input((6,), name="features")
    h = lib.layers.Dense(5, activation="relu")(inp)
    return lib.Model(
        inp, [lib.layers.Dense(1, name="priority")(h), lib.layers.Dense(3, name="department")(h)]
    )


def test_evaluate_list_of_a_two_output_model_in_keras_order():
    """Keras's evaluate() list for a list of outputs: the loss, each output's loss, then the
    outputs' metrics by name ("department_accuracy" before "priority_mae"), not by output."""
    k, n = twin_models(_two_output_model)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 6)).astype(np.float32)
    y = [
        rng.normal(size=(40, 1)).astype(np.float32),
        np.eye(3, dtype=np.float32)[rng.integers(0, 3, 40)],
    ]
    for m, lib in ((k, keras), (n, nerve)):
        m.compile(
            optimizer=lib.optimizers.SGD(0.05),
            loss=["mse", lib.losses.CategoricalCrossentropy(from_logits=True)],
            loss_weights=[1.0, 0.2],
            metrics=[["mae"], ["accuracy"]],
        )
    want = k.evaluate(x, y, verbose=0)
    got = n.evaluate(x, y, verbose=0)
    assert len(got) == len(want) == 5
    assert_close("evaluate list", got, want)
    want_d = k.evaluate(x, y, verbose=0, return_dict=True)
    got_d = n.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(got_d) == sorted(want_d)
    assert_close("train_on_batch list", n.train_on_batch(x, y), k.train_on_batch(x, y))


def test_logs_are_sorted_by_name_as_keras_and_evaluate_lists_in_metric_order():
    """Keras hands the callbacks, History and evaluate(return_dict=True) the logs sorted by
    name (so `pd.DataFrame(history.history)` has the same columns); evaluate's list keeps the
    loss then compile()'s metrics in their order."""

    def build(lib):
        return lib.Sequential([lib.Input((4,)), lib.layers.Dense(1)])

    k, n = twin_models(build)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = rng.normal(size=(64, 1)).astype(np.float32)
    seen = {}
    for m, lib in ((k, keras), (n, nerve)):
        m.compile(
            optimizer=lib.optimizers.SGD(0.01),
            loss="mse",
            metrics=[
                lib.metrics.RootMeanSquaredError(),
                "mae",
                lib.metrics.MeanSquaredError(name="a_mse"),
            ],
        )
        logs_seen = []
        cb = lib.callbacks.LambdaCallback(
            on_epoch_end=lambda e, logs, s=logs_seen: s.append(list(logs))
        )
        h = m.fit(
            x,
            y,
            epochs=1,
            batch_size=16,
            shuffle=False,
            verbose=0,
            validation_data=(x, y),
            callbacks=[cb],
        )
        seen[lib.__name__] = (
            list(h.history),
            logs_seen,
            list(m.evaluate(x, y, verbose=0, return_dict=True)),
            list(m.train_on_batch(x, y, return_dict=True)),
        )
    assert seen["nerve"] == seen["keras"]
    assert_close("evaluate list", n.evaluate(x, y, verbose=0), k.evaluate(x, y, verbose=0))


def test_ops_array_as_keras():
    """keras.ops.array, which the keras.ops examples start from."""
    x = [[1.0, 2.0], [3.0, -1.0]]
    got = nerve.ops.convert_to_numpy(nerve.ops.softmax(nerve.ops.array(x)))
    want = keras.ops.convert_to_numpy(keras.ops.softmax(keras.ops.array(x)))
    assert_close("softmax(array)", got, want)
    assert nerve.ops.array(np.ones(3), dtype="float32").shape == (3,)
    with pytest.raises(ValueError, match="float32"):
        nerve.ops.array(x, dtype="float64")
