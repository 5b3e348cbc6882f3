"""Bad input gets a clear Python exception, never a crash."""

import numpy as np
import pytest

import nerve
from nerve.layers import Dense


def model(compile_=True, loss="sparse_categorical_crossentropy"):
    m = nerve.Sequential(
        [nerve.Input((4,)), Dense(8, activation="relu"), Dense(3, activation="softmax")]
    )
    if compile_:
        m.compile("adam", loss, metrics=["accuracy"])
    return m


X = np.random.default_rng(0).normal(size=(10, 4)).astype(np.float32)
Y = np.arange(10) % 3


def test_x_y_length_mismatch():
    with pytest.raises(ValueError, match="x has 10 samples but y has 9"):
        model().fit(X, Y[:9], verbose=0)


def test_feature_dimension_mismatch_names_layer_and_shapes():
    with pytest.raises(
        ValueError,
        match=r"Dense 'dense\w*' expects input of shape \(None, 4\), "
        r"got x of shape \(10, 5\)",
    ):
        model().fit(np.zeros((10, 5), np.float32), Y, verbose=0)
    with pytest.raises(ValueError, match=r"expects input of shape \(None, 4\)"):
        model().predict(np.zeros((2, 3), np.float32))


def test_sparse_labels_out_of_range():
    with pytest.raises(
        ValueError, match=r"label 3\.0 at index \(4,\) is out of range .* 3 classes"
    ):
        model().fit(X, np.array([0, 1, 2, 0, 3, 1, 2, 0, 1, 2]), verbose=0)
    with pytest.raises(ValueError, match="out of range"):
        model().fit(X, -np.ones(10), verbose=0)
    with pytest.raises(ValueError, match="out of range"):
        model().fit(X, np.full(10, 0.5), verbose=0)


def test_non_float_or_non_numeric_arrays():
    with pytest.raises(TypeError, match="x must be a numeric array, got dtype <U1"):
        model().fit(np.array([["a"] * 4] * 10), Y, verbose=0)
    with pytest.raises(TypeError, match="y must be a numeric array, got dtype object"):
        model().fit(X, np.array([object()] * 10), verbose=0)
    # integer x is numeric: converted once, trains fine
    model().fit(np.ones((10, 4), np.int64), Y, verbose=0)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_inputs(bad):
    x = X.copy()
    x[3, 2] = bad
    with pytest.raises(ValueError, match=r"x contains NaN or Inf \(first at index \(3, 2\)"):
        model().fit(x, Y, verbose=0)
    y = Y.astype(np.float64)
    y[1] = bad
    with pytest.raises(ValueError, match="y contains NaN or Inf"):
        model().fit(X, y, verbose=0)


def test_finite_check_large_arrays():
    """The input check finds a NaN or Inf anywhere in a large array, accepts finite values whose
    sum overflows, and never builds a mask the size of the array (MNIST's images: 47 MB)."""
    import tracemalloc

    from nerve.models.data import all_finite, as_float_array

    big = np.ones((300_000, 4), np.float32)
    for where, bad in [((0, 0), np.nan), ((299_999, 3), np.inf), ((150_000, 1), -np.inf)]:
        x = big.copy()
        x[where] = bad
        assert not all_finite(x)
    both = np.array([np.inf, -np.inf], np.float32)  # the sum is NaN, each element infinite
    assert not all_finite(both)
    huge = np.full((1000, 4), 3e38, np.float32)  # finite, the float32 sum overflows to inf
    assert all_finite(huge)
    assert as_float_array(huge, "x", "fit") is huge  # accepted, not copied
    tracemalloc.start()
    try:
        assert all_finite(big) and all_finite(huge)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < big.size // 8  # np.isfinite(big) alone would allocate big.size bytes


def test_non_finite_loss_stops_fit_naming_epoch_and_step():
    m = nerve.Sequential([nerve.Input((4,)), Dense(1)])
    m.compile(nerve.optimizers.SGD(1e6), "mse")  # diverges within a few steps
    x = np.ones((64, 4), np.float32) * 100
    with pytest.raises(nerve.NonFiniteLossError, match=r"epoch \d+, step \d+ of 8"):
        m.fit(x, np.ones((64, 1), np.float32), batch_size=8, epochs=50, verbose=0)
    assert np.isfinite(np.concatenate([w.ravel() for w in m.get_weights()])).all()


@pytest.mark.parametrize(
    "kind,name,valid",
    [
        ("optimizer", "adamm", "sgd, adam"),
        ("loss", "cross_entropy", "mean_squared_error"),
    ],
)
def test_unknown_names_list_valid_ones(kind, name, valid):
    m = model(compile_=False)
    kwargs = {"optimizer": "sgd", "loss": "mse"}
    kwargs[kind] = name
    with pytest.raises(ValueError, match=f"Unknown {kind} '{name}'. Valid names: .*{valid}"):
        m.compile(**kwargs)


def test_unknown_activation_and_metric():
    with pytest.raises(ValueError, match="Unknown activation 'relu7'. Valid names: .*relu6"):
        Dense(3, activation="relu7")
    with pytest.raises(ValueError, match="Unknown metric 'acuracy'. Valid names: accuracy"):
        model(compile_=False).compile("sgd", "mse", metrics=["acuracy"])


def test_fit_evaluate_before_compile():
    with pytest.raises(RuntimeError, match=r"compile\(\) before fit\(\)"):
        model(compile_=False).fit(X, Y, verbose=0)
    with pytest.raises(RuntimeError, match=r"compile\(\) before evaluate\(\)"):
        model(compile_=False).evaluate(X, Y, verbose=0)


def test_target_shape_mismatch():
    m = model(loss="categorical_crossentropy")
    with pytest.raises(
        ValueError,
        match=r"y of shape \(10, 4\) does not match the model output "
        r"shape \(None, 3\)",
    ):
        m.fit(X, np.zeros((10, 4), np.float32), verbose=0)


@pytest.mark.parametrize("run", ["fit", "evaluate", "predict"])
@pytest.mark.parametrize(
    "batch_size, error", [(0, ValueError), (-3, ValueError), (2.5, TypeError), (True, TypeError)]
)
def test_batch_size_must_be_a_positive_int(run, batch_size, error):
    # Keras 3 reads batch_size=0 as its default 32 and fails on 2.5 deep inside slicing; nerve
    # refuses both before any work, naming the run and the argument
    m = model()
    args = (X,) if run == "predict" else (X, Y)
    with pytest.raises(error, match=rf"{run}: batch_size must be a positive int or None, got"):
        getattr(m, run)(*args, batch_size=batch_size, verbose=0)


def test_validation_batch_size_is_checked_and_batch_sizes_none_mean_32():
    m = model()
    with pytest.raises(ValueError, match="fit: validation_batch_size must be a positive int"):
        m.fit(X, Y, validation_split=0.5, validation_batch_size=0, verbose=0)
    m.fit(X, Y, batch_size=None, validation_batch_size=np.int64(4), verbose=0)
    assert m.predict(X, batch_size=np.int32(3), verbose=0).shape[0] == len(X)


def test_bad_arguments():
    with pytest.raises(ValueError, match="units must be a positive int"):
        Dense(0)
    with pytest.raises(ValueError, match="validation_split"):
        model().fit(X, Y, validation_split=1.5, verbose=0)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        model().fit(X, Y, batch_size=-1, verbose=0)
    with pytest.raises(ValueError, match="set_num_threads"):
        nerve.set_num_threads(0)
