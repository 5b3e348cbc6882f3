"""The short paths of the calls a reinforcement-learning agent makes at every environment step:
train_on_batch / test_on_batch on ready float32 arrays, and model(x) on one numpy array. Each
must give what the general path gives, bit for bit, and leave every refusal to it."""

import numpy as np
import pytest

import nerve
from nerve import layers


def q_networks(seed=3):
    """Two identical Q-networks and their masked models (the DQN idiom of
    examples/dqn_cartpole.py), compiled with Huber and Adam."""
    made = []
    for _ in range(2):
        nerve.utils.set_random_seed(seed)
        q = nerve.Sequential(
            [nerve.Input((4,)), layers.Dense(16, activation="relu"), layers.Dense(2)]
        )
        states, mask = nerve.Input((4,)), nerve.Input((2,))
        masked = nerve.Model([states, mask], layers.Multiply()([q(states), mask]))
        masked.compile(optimizer=nerve.optimizers.Adam(1e-2), loss=nerve.losses.Huber())
        made.append((q, masked))
    return made


def batch(seed=0, n=32):
    rng = np.random.default_rng(seed)
    s = rng.standard_normal((n, 4)).astype(np.float32)
    mask = np.eye(2, dtype=np.float32)[rng.integers(0, 2, n)]
    return s, mask, mask * rng.standard_normal((n, 1)).astype(np.float32)


def test_train_on_batch_short_path_matches_the_general_one():
    (q1, m1), (q2, m2) = q_networks()
    for step in range(5):
        s, mask, y = batch(step)
        assert m1._simple_batch_tensors([s, mask], y, None, None) is not None
        assert m1._simple_batch_tensors([s, mask.astype(float)], y, None, None) is None
        fast = m1.train_on_batch([s, mask], y)  # float32 in C order: the short path
        # float64 (and a tuple) must be converted: the general path
        slow = m2.train_on_batch((s.astype(np.float64), mask.astype(np.float64)), y.astype(float))
        assert fast == slow
        for a, b in zip(m1.get_weights(), m2.get_weights()):
            np.testing.assert_array_equal(a, b)
        assert m1.test_on_batch([s, mask], y) == m2.test_on_batch([s, mask], y.astype(float))


def test_model_call_on_an_array_matches_the_tensor_call():
    (q, _), _ = q_networks()
    s, _, _ = batch(1)
    assert q._call_on_array(s) is not None and q._call_on_array(s.astype(float)) is None
    out = q(s)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32 and out.shape == (32, 2)
    np.testing.assert_array_equal(out, np.asarray(q(nerve.Tensor(s))))
    np.testing.assert_array_equal(q(s[:1]), out[:1])
    # the result is the caller's: a second call does not change it
    kept = out.copy()
    q(s * 2)
    np.testing.assert_array_equal(out, kept)


def test_model_call_on_an_array_keeps_the_activity_penalty():
    m = nerve.Sequential(
        [nerve.Input((3,)), layers.Dense(4, activity_regularizer="l2"), layers.Dense(2)]
    )
    x = np.ones((2, 3), np.float32)
    m(x)
    assert len(m.layers[0].losses) == 1 and float(np.asarray(m.losses[0])) > 0
    m.predict(x, verbose=0)
    assert m.layers[0].losses == []


def test_model_call_refusals_still_name_the_problem():
    (q, _), _ = q_networks()
    with pytest.raises(ValueError, match=r"expects input of shape \(None, 4\).*\(2, 5\)"):
        q(np.zeros((2, 5), np.float32))
    bad = np.zeros((2, 4), np.float32)
    bad[1, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or Inf"):
        q(bad)


def test_train_on_batch_refusals_still_name_the_problem():
    (_, m), _ = q_networks()
    s, mask, y = batch(2)
    with pytest.raises(ValueError, match="same length|samples"):
        m.train_on_batch([s, mask[:5]], y)
    with pytest.raises(ValueError, match="does not match the model output shape"):
        m.train_on_batch([s, mask], y[:, :1].copy())
    bad = y.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="NaN or Inf"):
        m.train_on_batch([s, mask], bad)


def test_short_path_follows_a_recompile_to_integer_labels():
    nerve.utils.set_random_seed(0)
    m = nerve.Sequential([nerve.Input((4,)), layers.Dense(3)])
    m.compile(optimizer="sgd", loss="mse")
    x = np.ones((4, 4), np.float32)
    m.train_on_batch(x, np.zeros((4, 3), np.float32))
    m.compile(optimizer="sgd", loss=nerve.losses.SparseCategoricalCrossentropy(from_logits=True))
    with pytest.raises(ValueError, match="out of range"):
        m.train_on_batch(x, np.full((4, 1), 7, np.float32))
    m.train_on_batch(x, np.array([0, 1, 2, 1], np.float32))
