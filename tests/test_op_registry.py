"""The op registry: ops by name from Python (_core.ops.call), attribute conversion, and errors that
name the op."""

import numpy as np
import pytest

import nerve
from nerve.ops import _dispatch


def test_dense_by_name_matches_numpy():
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=5)
    got = _dispatch.apply("dense", [x, w, b], {"activation": "relu"})
    np.testing.assert_allclose(np.asarray(got), np.maximum(x @ w + b, 0), rtol=1e-5, atol=1e-5)


def test_registry_lists_sorted_names():
    names = nerve._core.ops.op_names()
    assert "dense" in names and names == sorted(names)


@pytest.mark.parametrize(
    "args, match",
    [
        (("no_such_op", [np.ones(2)], {}), "unknown op 'no_such_op'"),
        (("dense", [np.ones((2, 3))], {}), "dense: takes x, kernel"),
        (
            ("dense", [np.ones((2, 3)), np.ones((3, 2))], {"activation": 3}),
            "dense: argument 'activation'",
        ),
    ],
)
def test_errors_name_the_op(args, match):
    name, inputs, attrs = args
    with pytest.raises(ValueError, match=match):
        _dispatch.apply(name, inputs, attrs)


def test_unsupported_attribute_type_is_a_type_error():
    with pytest.raises(TypeError, match="dense: argument 'activation' has unsupported type dict"):
        _dispatch.apply("dense", [np.ones((2, 3)), np.ones((3, 2))], {"activation": {}})


def test_non_numeric_input_is_a_type_error():
    with pytest.raises(TypeError, match="dense: argument 0 must be numeric"):
        _dispatch.apply("dense", ["text", np.ones((3, 2))])
