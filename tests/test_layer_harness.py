"""One harness for every public layer class (the cases live in layer_cases.py), none skipped:

- the forward pass against a float64 numpy reference that uses the layer's own weights;
- the input gradient and every trainable weight's gradient (GradientTape, float32) against central
  differences of that float64 reference, through a random projection of every output;
- get_config -> from_config with non-default arguments (same config, same initializer and
  regularizer objects, same outputs once given the same weights);
- model.save -> load_model of a small model holding the layer (same predictions and config);
- invalid constructor arguments (and inputs the layer cannot take) raise a ValueError naming the
  layer class and the argument.

Trainable weights are perturbed away from their initial values first, so zero-initialised biases
and unit gammas still matter to every check.
"""

from __future__ import annotations

import json
import re
import zlib

import numpy as np
import pytest

import nerve
from layer_cases import CASES, NOT_COMPUTATIONAL, public_layer_classes
from nerve import initializers as I
from nerve import layers as L
from nerve import regularizers as R

from helpers import numeric_grad

NAMES = sorted(CASES)


@pytest.fixture(autouse=True)
def _seed():
    nerve.utils.set_random_seed(5)


def _rng(name: str, salt: str = "") -> np.random.Generator:
    return np.random.default_rng(zlib.crc32((name + salt).encode()))


def _as_list(out) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _inputs(case, rng) -> list:
    """float32 batches for the case's input shapes (integer ids, zeros included, for ids)."""
    if case.ids:
        return [
            rng.integers(0, case.ids, size=(case.batch,) + s).astype(np.float32)
            for s in case.inputs
        ]
    return [rng.standard_normal((case.batch,) + s).astype(np.float32) for s in case.inputs]


def _address(tensor) -> int:
    return np.asarray(tensor).__array_interface__["data"][0]


def _built_layer(name: str, rng):
    """The case's layer, built by a call on its inputs, trainable weights perturbed; and inputs."""
    case = CASES[name]
    layer = case.make()
    assert type(layer).__name__ == name
    xs = _inputs(case, rng)
    case.apply(layer, xs, training=False)
    _perturb_trainable_weights(layer, rng)
    return layer, xs


def _perturb_trainable_weights(layer, rng) -> None:
    trainable = {_address(t) for t in layer.trainable_weights}
    layer.set_weights(
        [
            w + 0.3 * rng.standard_normal(w.shape).astype(np.float32)
            if _address(t) in trainable
            else w
            for t, w in zip(layer.weights, layer.get_weights())
        ]
    )


def _f64(arrays) -> list:
    return [np.asarray(a, np.float64) for a in arrays]


# ---- every public layer class has a case --------------------------------------------------
def test_every_public_layer_class_has_a_case():
    public = {c.__name__ for c in public_layer_classes()}
    missing = sorted(public - set(CASES) - set(NOT_COMPUTATIONAL))
    assert not missing, f"add a case to tests/layer_cases.py for {missing}"
    stale = sorted((set(CASES) | set(NOT_COMPUTATIONAL)) - public)
    assert not stale, f"cases for classes that are not public layer classes: {stale}"
    assert not set(CASES) & set(NOT_COMPUTATIONAL)
    for name, case in CASES.items():
        assert type(case.make()).__name__ == name
        assert case.bad, f"{name}: give at least one invalid constructor argument"


# ---- forward against the float64 reference ------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_forward_matches_reference(name):
    case = CASES[name]
    layer, xs = _built_layer(name, _rng(name))
    got = _as_list(case.apply(layer, xs, training=case.training))
    want = _as_list(case.reference(_f64(xs), _f64(layer.get_weights())))
    assert len(got) == len(want), f"{name}: {len(got)} outputs, the reference has {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        assert isinstance(g, np.ndarray), f"{name}: numpy in gave {type(g).__name__} out"
        assert g.shape == w.shape, f"{name} output {i}: shape {g.shape}, reference {w.shape}"
        np.testing.assert_allclose(
            g, w, rtol=case.rtol, atol=case.atol, err_msg=f"{name} output {i}"
        )


# ---- gradients against finite differences of the reference -------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_gradients_match_finite_differences(name):
    case = CASES[name]
    rng = _rng(name, "grad")
    layer, xs = _built_layer(name, rng)
    ws = _f64(layer.get_weights())
    addresses = [_address(t) for t in layer.weights]
    trainable = layer.trainable_weights
    where = [addresses.index(_address(t)) for t in trainable]  # index in get_weights()

    tensors = [nerve.Tensor(x) for x in xs]
    # integer ids, and bin indices of floats, have no gradient
    sources = [] if case.ids or case.constant_in_input else list(tensors)
    with nerve.GradientTape() as tape:
        tape.watch(sources)
        outs = _as_list(case.apply(layer, tensors, training=case.training))
        projections = [rng.standard_normal(tuple(o.shape)) for o in outs]
        terms = []
        for o, p in zip(outs, projections):
            assert isinstance(o, nerve.Tensor), (
                f"{name}: a nerve.Tensor input gave {type(o).__name__}, which GradientTape "
                f"cannot differentiate"
            )
            terms.append(nerve.ops.sum(nerve.ops.mul(o, nerve.Tensor(p.astype(np.float32)))))
        loss = terms[0]
        for t in terms[1:]:
            loss = nerve.ops.add(loss, t)
    grads = tape.gradient(loss, sources + trainable)

    def projected(xs64, ws64) -> float:
        return sum(
            float((r * p).sum()) for r, p in zip(_as_list(case.reference(xs64, ws64)), projections)
        )

    xs64 = _f64(xs)
    checks = []
    for i in range(len(sources)):
        f = lambda xi, i=i: projected(xs64[:i] + [xi] + xs64[i + 1 :], ws)  # noqa: E731
        checks.append((f"input {i}", grads[i], numeric_grad(f, xs64[i])))
    for j, k in enumerate(where):
        f = lambda wk, k=k: projected(xs64, ws[:k] + [wk] + ws[k + 1 :])  # noqa: E731
        checks.append(
            (f"weight {k} {ws[k].shape}", grads[len(sources) + j], numeric_grad(f, ws[k]))
        )
    for what, got, num in checks:
        assert got is not None, f"{name}: no gradient for {what}"
        scale = max(1.0, float(np.abs(num).max()))
        np.testing.assert_allclose(
            np.asarray(got), num, rtol=1e-3, atol=1e-4 * scale, err_msg=f"{name}: {what}"
        )


# ---- config and save/load round trips -----------------------------------------------------
def _argument_objects(layer) -> list:
    """Every initializer and regularizer the layer (and a wrapped layer) holds, as
    (attribute path, class name, get_config()): what the rebuilt layer must hold as well."""
    found = []
    for attr, value in sorted(vars(layer).items()):
        if isinstance(value, (I.Initializer, R.Regularizer)):
            found.append((attr, type(value).__name__, value.get_config()))
        elif isinstance(value, L.Layer) and attr in ("layer", "forward_layer", "backward_layer"):
            found += [(f"{attr}.{a}", c, v) for a, c, v in _argument_objects(value)]
    return found


def test_input_layer_config_round_trip():
    layer = L.InputLayer(shape=(None, 3), dtype="int32", name="ids")
    config = json.loads(json.dumps(layer.get_config()))
    clone = L.InputLayer.from_config(config)
    assert clone.get_config() == layer.get_config()
    assert clone.shape == (None, 3) and clone.dtype == "int32"


@pytest.mark.parametrize("name", NAMES)
def test_config_round_trip_keeps_arguments_and_outputs(name):
    case = CASES[name]
    rng = _rng(name, "config")
    layer, xs = _built_layer(name, rng)
    config = layer.get_config()
    clone = type(layer).from_config(json.loads(json.dumps(config)))  # JSON-serialisable
    assert type(clone) is type(layer)
    assert clone.get_config() == config
    assert _argument_objects(clone) == _argument_objects(layer)
    case.apply(clone, xs, training=False)
    clone.set_weights(layer.get_weights())
    for a, b in zip(
        _as_list(case.apply(clone, xs, training=False)),
        _as_list(case.apply(layer, xs, training=False)),
    ):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", NAMES)
def test_saved_model_with_the_layer_predicts_identically(name, tmp_path):
    case = CASES[name]
    layer = case.make()
    inputs = [nerve.Input(s) for s in case.inputs]
    out = case.apply(layer, inputs)
    model = nerve.Model(inputs if len(inputs) > 1 else inputs[0], out)
    rng = _rng(name, "save")
    _perturb_trainable_weights(layer, rng)
    xs = _inputs(case, rng)
    x = xs if len(xs) > 1 else xs[0]
    before = _as_list(model.predict(x, verbose=0))
    model.save(tmp_path / "m.nerve")
    loaded = nerve.models.load_model(tmp_path / "m.nerve")
    after = _as_list(loaded.predict(x, verbose=0))
    assert len(after) == len(before)
    for a, b in zip(after, before):
        np.testing.assert_array_equal(a, b)
    (twin,) = [t for t in loaded.layers if type(t).__name__ == name]
    assert twin.get_config() == layer.get_config()
    assert _argument_objects(twin) == _argument_objects(layer)
    for a, b in zip(twin.get_weights(), layer.get_weights()):
        np.testing.assert_array_equal(a, b)


# ---- bad arguments ------------------------------------------------------------------------
BAD = [(name, i) for name in NAMES for i in range(len(CASES[name].bad))]
BAD_INPUTS = [(name, i) for name in NAMES for i in range(len(CASES[name].bad_inputs))]


def _names_layer_and(name: str, words: str, message: str) -> None:
    assert name in message, f"the error does not name the layer {name}: {message!r}"
    assert re.search(words, message), f"the error does not name {words!r}: {message!r}"


@pytest.mark.parametrize("name,i", BAD, ids=[f"{n}-{i}" for n, i in BAD])
def test_bad_argument_raises_value_error_naming_the_layer(name, i):
    make_bad, argument = CASES[name].bad[i]
    with pytest.raises(ValueError) as error:
        make_bad()
    _names_layer_and(name, argument, str(error.value))


def test_input_layer_bad_shape_names_the_layer():
    with pytest.raises(ValueError) as error:
        L.InputLayer(shape=(0, 3))
    _names_layer_and("InputLayer", "shape", str(error.value))


@pytest.mark.parametrize("name,i", BAD_INPUTS, ids=[f"{n}-{i}" for n, i in BAD_INPUTS])
def test_inputs_the_layer_cannot_take_raise_value_error_naming_it(name, i):
    case = CASES[name]
    shapes, words = case.bad_inputs[i]
    with pytest.raises(ValueError) as error:
        case.apply(case.make(), [nerve.Input(s) for s in shapes])
    _names_layer_and(name, words, str(error.value))
