"""predict() of one numpy array that fits in one batch (models/inference.py,
_predict_one_batch): the short path Keras users hit when they call predict on single samples in
loops must give what the general path gives, in every case it takes, and step aside for the
others."""

import numpy as np
import pytest

import nerve
from nerve import layers as L
from nerve.models.inference import Inference


def _mlp():
    model = nerve.Sequential(
        [
            nerve.Input((6,)),
            L.Dense(8, activation="relu"),
            L.Dense(3, activation="softmax"),
        ]
    )
    return model


def _general(model, x, **kwargs):
    """The general path's answer (the short path turned off for this call)."""
    model._predict_one_batch = lambda *args: None
    try:
        return model.predict(x, **kwargs)
    finally:
        del model._predict_one_batch


@pytest.fixture
def taken(monkeypatch):
    """Counts the calls the short path answered."""
    calls = []
    original = Inference._predict_one_batch

    def spy(self, *args):
        out = original(self, *args)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(Inference, "_predict_one_batch", spy)
    return calls


X = np.random.default_rng(0).standard_normal((40, 6)).astype(np.float32)


@pytest.mark.parametrize(
    "x",
    [
        X[:1],  # one sample
        X[:32],  # a whole default batch
        X[:5].astype(np.float64),  # converted to float32 as the general path does
        X[:5].astype(np.int32),
        X[:10:2],  # not contiguous
        np.asfortranarray(X[:4]),
    ],
)
def test_same_results_as_the_general_path(x, taken):
    model = _mlp()
    got = model.predict(x, verbose=0)
    assert taken == [True]
    np.testing.assert_array_equal(got, _general(model, x, verbose=0))
    assert got.dtype == np.float32 and got.shape == (len(x), 3)
    np.testing.assert_allclose(got, model(x), rtol=1e-6, atol=1e-7)


def test_larger_arrays_and_other_arguments_take_the_general_path(taken):
    model = _mlp()
    model.predict(X, verbose=0)  # 40 samples: two batches of 32
    model.predict(X[:8], batch_size=4, verbose=0)
    model.predict(X[:8], steps=1, verbose=0)
    model.predict([X[:1]], verbose=0)
    model.predict(list(X[:2]), verbose=0)
    assert taken == [False, False, False, False, False]
    model.predict(X[:4], batch_size=4, verbose=0)
    assert taken[-1] is True


def test_an_unbuilt_model_builds_through_the_general_path(taken):
    model = nerve.Sequential([L.Dense(3)])
    out = model.predict(X[:1], verbose=0)
    assert taken == [False] and out.shape == (1, 3)
    model.predict(X[:1], verbose=0)
    assert taken == [False, True]


@pytest.mark.parametrize("where", [0, 1_500_000, 2_399_999])
def test_a_nan_in_a_large_array_is_found_whichever_thread_checks_it(where):
    """Above 2**21 floats the NaN/Inf check is split between the threads: a NaN in the first
    part, the second, or the last float is still named."""
    model = nerve.Sequential([nerve.Input((1,)), L.Dense(1)])
    x = np.ones((2_400_000, 1), np.float32)
    assert model.predict(x, batch_size=len(x), verbose=0).shape == (2_400_000, 1)
    x[where, 0] = np.inf
    with pytest.raises(ValueError, match=rf"x contains NaN or Inf \(first at index \({where}, 0\)"):
        model.predict(x, batch_size=len(x), verbose=0)


def test_errors_are_the_general_paths():
    model = _mlp()
    bad = X[:2].copy()
    bad[1, 3] = np.nan
    with pytest.raises(
        ValueError, match=r"predict: x contains NaN or Inf \(first at index \(1, 3\)"
    ):
        model.predict(bad, verbose=0)
    with pytest.raises(ValueError, match=r"expects input of shape \(None, 6\), got x of shape"):
        model.predict(X[:1, :5], verbose=0)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        model.predict(X[:1], batch_size=0, verbose=0)
    with pytest.raises(TypeError, match="numeric array"):
        model.predict(np.array([["a"] * 6]), verbose=0)
    with pytest.raises(ValueError, match="scalar"):
        model.predict(np.float32(1.0), verbose=0)


@pytest.mark.parametrize("verbose", ["auto", 1, 2, 0])
def test_progress_bar_is_the_general_paths(verbose, capsys):
    model = _mlp()
    model.predict(X[:3], verbose=verbose)
    short = capsys.readouterr().out
    _general(model, X[:3], verbose=verbose)
    general = capsys.readouterr().out
    strip = [line.split(" ")[:2] for line in short.splitlines()]  # the timings differ
    assert strip == [line.split(" ")[:2] for line in general.splitlines()]
    assert ("1/1" in short) == (verbose != 0)


def test_several_outputs_give_a_list(taken):
    inp = nerve.Input((6,))
    model = nerve.Model(inp, [L.Dense(2)(inp), L.Dense(4, activation="tanh")(inp)])
    got = model.predict(X[:3], verbose=0)
    assert taken == [True] and isinstance(got, list) and [g.shape for g in got] == [(3, 2), (3, 4)]
    for a, b in zip(got, _general(model, X[:3], verbose=0)):
        np.testing.assert_array_equal(a, b)


def test_an_overridden_predict_step_still_runs(taken):
    class Twice(nerve.Model):
        def predict_step(self, data):
            return nerve.ops.scale(self(data, training=False), 2.0)

    inp = nerve.Input((6,))
    model = Twice(inp, L.Dense(2)(inp))
    got = model.predict(X[:1], verbose=0)
    assert taken == [False]
    np.testing.assert_allclose(got, 2 * model(X[:1]), rtol=1e-6)


def test_weights_set_after_a_prediction_are_used():
    model = _mlp()
    before = model.predict(X[:1], verbose=0)
    model.set_weights([w * 0.5 for w in model.get_weights()])
    after = model.predict(X[:1], verbose=0)
    assert not np.array_equal(before, after)
    np.testing.assert_array_equal(after, _general(model, X[:1], verbose=0))


def test_a_layer_added_after_a_prediction_is_used():
    model = nerve.Sequential([nerve.Input((6,)), L.Dense(4)])
    model.predict(X[:1], verbose=0)
    model.add(L.Dense(2))
    assert model.predict(X[:1], verbose=0).shape == (1, 2)


@pytest.mark.parametrize(
    "layer",
    [L.Reshape((6,)), L.Activation("linear"), L.Dropout(0.5), L.Dense(6)],
    ids=["view", "identity", "dropout", "dense"],
)
def test_results_share_no_memory_with_inputs_or_each_other(layer, taken):
    """One batch's outputs are handed over without a copy only when nothing else holds their
    memory: a model that passes its input through (a view, an identity) still returns a copy,
    and a later call never changes an earlier result."""
    model = nerve.Sequential([nerve.Input((6,)), layer])
    x = X[:3].copy()
    first = model.predict(x, verbose=0)
    kept = first.copy()
    x[:] = 7.0
    second = model.predict(x, verbose=0)
    assert taken == [True, True]
    np.testing.assert_array_equal(first, kept)
    assert not np.shares_memory(first, x) and not np.shares_memory(first, second)
    np.testing.assert_array_equal(second, _general(model, x, verbose=0))


def test_predict_array_steps_aside_for_what_needs_converting():
    model = _mlp()
    predictor = model._predictor()
    bad = X[:2].copy()
    bad[1, 3] = np.inf
    for x in (X[:2].astype(np.float64), X[:4:2], np.asfortranarray(X[:2]), bad):
        assert predictor.predict_array(x, 32) is None
    (got,) = predictor.predict_array(X[:2], 32)
    np.testing.assert_array_equal(got, _general(model, X[:2], verbose=0))


def test_a_forced_training_call_is_checked_on_every_prediction(taken):
    """The short path keeps what it learnt of a built model (models/inference.py,
    _one_array_plan), but a layer called with training=True is checked on every run: whether
    it computes something else in training (here Dropout's rate) can change after a first
    prediction."""
    inp = nerve.Input((6,))
    dropout = L.Dropout(0.0)
    model = nerve.Model(inp, dropout(L.Dense(3)(inp), training=True))
    model.predict(X[:1], verbose=0)  # rate 0: the forced mode changes nothing
    model(X[:1])
    dropout.rate = 0.5
    with pytest.raises(NotImplementedError, match=r"Dropout .*training=True.*rate=0.5"):
        model.predict(X[:1], verbose=0)
    with pytest.raises(NotImplementedError, match=r"Dropout .*training=True.*rate=0.5"):
        model(X[:1])
    assert taken == [True]  # the second predict raised inside the short path
