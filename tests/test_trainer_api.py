"""The C++ Trainer's one API (lists of inputs and targets for every model), the loss-free
Predictor, and the sample order read in place from a numpy int64 array."""

import numpy as np
import pytest

import nerve
from nerve import _core


def _model():
    model = nerve.Sequential([nerve.Input((3,)), nerve.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    model.build((None, 3))
    return model


def test_predict_on_an_uncompiled_model_makes_no_trainer():
    model = nerve.Sequential([nerve.Input((3,)), nerve.layers.Dense(2)])
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    out = model.predict(x, verbose=0)
    assert model._trainer is None and model.loss is None
    w, b = model.layers[0].get_weights()
    np.testing.assert_allclose(out, x @ w + b, rtol=1e-5, atol=1e-6)


def test_predictor_needs_only_the_model():
    model = _model()
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    (out,) = _core.Predictor(model._core_model).predict([_core.Tensor(x)], 3)
    np.testing.assert_allclose(np.asarray(out), model.predict(x, verbose=0), rtol=1e-6)
    with pytest.raises(ValueError, match="1 input"):
        _core.Predictor(model._core_model).predict([_core.Tensor(x), _core.Tensor(x)], 3)


def test_train_takes_the_order_as_an_int64_array():
    model = _model()
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    y = np.zeros((4, 2), np.float32)
    trainer, xs, ys = model._trainer, [_core.Tensor(x)], [_core.Tensor(y)]
    stats = trainer.train(xs, ys, None, np.array([3, 2, 1, 0], np.int64), 2, 0, 2)
    assert stats.steps == 2 and stats.samples == 4
    assert trainer.train(xs, ys, None, None, 2, 0, 1).steps == 1  # None: in order
    with pytest.raises(ValueError, match="order has 3 entries for 4 samples"):
        trainer.train(xs, ys, None, np.array([0, 1, 2], np.int64), 2, 0, 1)
    with pytest.raises(ValueError, match="1-D"):
        trainer.train(xs, ys, None, np.zeros((2, 2), np.int64), 2, 0, 1)
    with pytest.raises(IndexError, match="out of range"):
        trainer.train(xs, ys, None, np.array([0, 1, 2, 9], np.int64), 2, 0, 2)
