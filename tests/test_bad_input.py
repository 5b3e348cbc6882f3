"""The rest of the bad input (issue 18, item 8): fit's epochs and validation_split, sample and
class weights, a layer too large for memory, Inf and NaN on the Winograd path, and an invalid
OMP_NUM_THREADS at import. Each error names the argument and the value it got."""

import os
import subprocess
import sys

import numpy as np
import pytest

import nerve
from nerve import _core
from nerve.layers import Conv2D, Dense


def _model():
    model = nerve.Sequential([nerve.Input((4,)), Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def _data(n=20):
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, 4)).astype(np.float32), rng.integers(0, 3, n)


# ---- fit's arguments -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "epochs,error,text",
    [
        (-1, ValueError, "epochs must be a non-negative int, got -1"),
        (1.5, TypeError, "epochs must be a non-negative int, got 1.5 (float)"),
        ("2", TypeError, "epochs must be a non-negative int, got '2' (str)"),
        (True, TypeError, "epochs must be a non-negative int, got True (bool)"),
        (None, TypeError, "epochs must be a non-negative int, got None"),
    ],
)
def test_fit_refuses_bad_epochs(epochs, error, text):
    x, y = _data()
    with pytest.raises(error) as info:
        _model().fit(x, y, epochs=epochs, verbose=0)
    assert text in str(info.value)


def test_fit_zero_epochs_trains_nothing_as_in_keras():
    x, y = _data()
    model = _model()
    before = model.get_weights()
    history = model.fit(x, y, epochs=np.int64(0), verbose=0)
    assert all(len(v) == 0 for v in history.history.values())
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


@pytest.mark.parametrize(
    "split,error,text",
    [
        (1.0, ValueError, "validation_split must be in [0, 1), got 1.0"),
        (1.5, ValueError, "validation_split must be in [0, 1), got 1.5"),
        (-0.1, ValueError, "validation_split must be in [0, 1), got -0.1"),
        (float("nan"), ValueError, "validation_split must be in [0, 1), got nan"),
        ("0.2", TypeError, "validation_split must be a number in [0, 1), got '0.2' (str)"),
        (None, TypeError, "validation_split must be a number in [0, 1), got None"),
    ],
)
def test_fit_refuses_validation_split_outside_0_1(split, error, text):
    x, y = _data()
    with pytest.raises(error) as info:
        _model().fit(x, y, validation_split=split, verbose=0)
    assert text in str(info.value)


def test_fit_refuses_a_split_that_leaves_one_side_empty():
    x, y = _data(1)  # as in Keras, the training part is floor(n * (1 - split)) samples
    with pytest.raises(ValueError, match=r"validation_split=0\.5 leaves no samples"):
        _model().fit(x, y, validation_split=0.5, verbose=0)


@pytest.mark.parametrize("run", ["fit", "evaluate"])
def test_sample_weight_of_the_wrong_length(run):
    x, y = _data()
    expected = r"sample_weight must have one weight per sample, shape \(20,\), got shape \(5,\)"
    with pytest.raises(ValueError, match=expected):
        getattr(_model(), run)(x, y, sample_weight=np.ones(5), verbose=0)


@pytest.mark.parametrize("run", ["fit", "evaluate"])
def test_negative_sample_weight(run):
    x, y = _data()
    w = np.ones(20)
    w[7] = -0.5
    with pytest.raises(ValueError, match="sample_weight must be non-negative, got -0.5 at index 7"):
        getattr(_model(), run)(x, y, sample_weight=w, verbose=0)


@pytest.mark.parametrize(
    "class_weight,error,text",
    [
        ({0: 1.0, 1: -2.0}, ValueError, "non-negative numbers, got 1: -2.0"),
        ({0: float("nan")}, ValueError, "non-negative numbers, got 0: nan"),
        ({0.5: 1.0}, ValueError, "int class indices"),
        ({0: "heavy"}, ValueError, "got 0: 'heavy'"),
        ([1.0, 2.0, 3.0], TypeError, "class_weight must be a dict {class index: weight}, got list"),
    ],
)
def test_bad_class_weight(class_weight, error, text):
    x, y = _data()
    with pytest.raises(error) as info:
        _model().fit(x, y, class_weight=class_weight, verbose=0)
    assert text in str(info.value)


def test_class_weight_counts_as_in_keras():
    """A class missing from the dict weighs 1 and a key no sample has is unused, as in Keras 3;
    so a class_weight is never 'of the wrong length'. Weight 0 for every class present means
    nothing trains."""
    x, y = _data()
    model = _model()
    before = model.get_weights()
    model.fit(x, y, class_weight={0: 0.0, 1: 0.0, 2: 0.0, 9: 5.0}, epochs=1, verbose=0)
    after = model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before, after))


# ---- memory ----------------------------------------------------------------------------------


def test_a_layer_too_large_for_memory_is_a_memory_error_naming_it():
    layer = Dense(10**6, name="huge")
    with pytest.raises(MemoryError) as info:
        nerve.Sequential([nerve.Input((10**6,)), layer])
    message = str(info.value)
    assert "Dense 'huge'" in message and "kernel" in message, message
    assert "(1000000, 1000000)" in message and "4.0 TB" in message, message
    # The process is fine afterwards.
    x, y = _data()
    _model().fit(x, y, epochs=1, verbose=0)


def test_a_size_past_64_bits_is_a_memory_error_too():
    """10**10 x 10**10 floats overflow a 64-bit byte count: refused, never wrapped around."""
    with pytest.raises(
        MemoryError, match=r"Dense 'past_64_bits'.*\(10000000000, 10000000000\).*400\.0 EB"
    ):
        nerve.Sequential([nerve.Input((10**10,)), Dense(10**10, name="past_64_bits")])


def test_a_tensor_too_large_for_memory_names_its_shape():
    with pytest.raises(MemoryError, match=r"shape \(1000000, 1000000\) needs 4\.0 TB.*on cpu"):
        nerve.ops.zeros((10**6, 10**6))
    with pytest.raises(
        MemoryError, match=r"shape \(10000000000, 10000000000, 3\) needs 1200\.0 EB"
    ):
        nerve.ops.zeros((10**10, 10**10, 3))
    # An empty tensor needs no memory, however large its other dimensions.
    assert tuple(nerve.ops.zeros((0, 10**10, 10**10)).shape) == (0, 10**10, 10**10)


# ---- Inf and NaN on the Winograd path --------------------------------------------------------


def _conv_with_grads(x, k, b, dy):
    xt = nerve.Tensor(x, requires_grad=True)
    kt = nerve.Tensor(k, requires_grad=True)
    bt = nerve.Tensor(b, requires_grad=True)
    y = _core.ops.conv2d(xt, kt, bt, (1, 1), "same", (1, 1), "linear")
    out = np.array(y)
    y.backward(nerve.Tensor(dy))
    return [out, np.array(xt.grad), np.array(kt.grad), np.array(bt.grad)]


@pytest.fixture
def restore_conv_algorithm():
    previous = nerve.conv_algorithm()
    yield
    nerve.set_conv_algorithm(previous)


@pytest.mark.parametrize("where", ["input", "kernel", "gradient"])
def test_winograd_gives_the_direct_paths_non_finite_pattern(restore_conv_algorithm, where):
    """One Inf and one NaN: Winograd would spread them over whole 4x4 output tiles (and turn the
    Inf into NaN); a non-finite operand sends the convolution down the direct path instead, so
    the outputs and every gradient hold Inf and NaN exactly where the direct path's do."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 12, 12, 4)).astype(np.float32)
    k = (rng.standard_normal((3, 3, 4, 8)) / 6).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    dy = rng.standard_normal((2, 12, 12, 8)).astype(np.float32)
    target = {"input": x, "kernel": k, "gradient": dy}[where]
    flat = target.reshape(-1)
    flat[5], flat[-7] = np.inf, np.nan
    results = {}
    for algorithm in ("direct", "winograd"):
        nerve.set_conv_algorithm(algorithm)
        results[algorithm] = _conv_with_grads(x, k, b, dy)
    assert not all(np.isfinite(d).all() for d in results["direct"])
    for name, d, w in zip(("y", "dx", "dk", "db"), results["direct"], results["winograd"]):
        assert np.array_equal(np.isnan(d), np.isnan(w)), name
        assert np.array_equal(np.isposinf(d), np.isposinf(w)), name
        assert np.array_equal(np.isneginf(d), np.isneginf(w)), name
        finite = np.isfinite(d)
        np.testing.assert_allclose(w[finite], d[finite], rtol=1e-4, atol=1e-4, err_msg=name)


def test_winograd_still_runs_on_finite_input(restore_conv_algorithm):
    """The check costs one pass over the operands; finite ones keep Winograd, whose rounding
    differs from the direct path's (so the two are not bit-identical)."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 12, 12, 4)).astype(np.float32)
    k = (rng.standard_normal((3, 3, 4, 8)) / 6).astype(np.float32)
    b, dy = np.zeros(8, np.float32), rng.standard_normal((2, 12, 12, 8)).astype(np.float32)
    nerve.set_conv_algorithm("direct")
    direct = _conv_with_grads(x, k, b, dy)
    nerve.set_conv_algorithm("winograd")
    winograd = _conv_with_grads(x, k, b, dy)
    assert not np.array_equal(direct[0], winograd[0])
    np.testing.assert_allclose(winograd[0], direct[0], rtol=1e-4, atol=1e-4)


def test_conv2d_layer_with_nan_input_under_auto(restore_conv_algorithm):
    nerve.set_conv_algorithm("auto")
    layer = Conv2D(8, 3, padding="same")
    x = np.random.default_rng(5).standard_normal((1, 8, 8, 4)).astype(np.float32)
    x[0, 0, 0, 0] = np.nan
    y = np.asarray(layer(nerve.Tensor(x)))
    assert np.isnan(y[0, :2, :2]).all() and np.isfinite(y[0, 2:, :]).all()


# ---- OMP_NUM_THREADS at import ---------------------------------------------------------------


def _import_nerve_with(value):
    env = dict(os.environ, OMP_NUM_THREADS=value)
    code = "import nerve; print('threads', nerve.num_threads())"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.skipif(not _core.has_openmp(), reason="without OpenMP nerve ignores OMP_NUM_THREADS")
@pytest.mark.parametrize("value", ["0", "abc", "-2", "2.5", ""])
def test_invalid_omp_num_threads_gets_nerves_own_warning(value):
    r = _import_nerve_with(value)
    assert r.returncode == 0, r.stderr
    threads = int(r.stdout.split()[-1])
    assert (
        f"RuntimeWarning: nerve: OMP_NUM_THREADS={value!r} is not a positive integer, so it is "
        f"ignored: nerve runs on {threads} threads" in r.stderr
    ), r.stderr
    assert "nerve.set_num_threads(n)" in r.stderr


@pytest.mark.skipif(not _core.has_openmp(), reason="without OpenMP nerve ignores OMP_NUM_THREADS")
@pytest.mark.parametrize("value,threads", [("1", 1), (" 2 ", 2), ("2,1", 2)])
def test_valid_omp_num_threads_is_quiet(value, threads):
    r = _import_nerve_with(value)
    assert r.returncode == 0, r.stderr
    assert "OMP_NUM_THREADS" not in r.stderr, r.stderr
    assert r.stdout.split()[-1] == str(threads)
