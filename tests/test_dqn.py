"""examples/dqn_cartpole.py: the replay buffer, the TD targets, the training step against a numpy
oracle, the target network's copies, and a short training run that beats a random policy.
The CartPole tests skip without gymnasium (pip install "nerve[rl]")."""

import dataclasses
import importlib.util
import os
import sys

import numpy as np
import pytest

import nerve

_path = os.path.join(os.path.dirname(__file__), "..", "examples", "dqn_cartpole.py")
_spec = importlib.util.spec_from_file_location("dqn_cartpole", _path)
dqn = importlib.util.module_from_spec(_spec)
sys.modules["dqn_cartpole"] = dqn  # dataclasses look their module up by name
_spec.loader.exec_module(dqn)

needs_gym = pytest.mark.skipif(dqn.gym is None, reason=dqn.GYMNASIUM_MISSING)


def _transition(i):
    return np.full(4, i, np.float32), i % 2, float(i), np.full(4, i + 0.5, np.float32), i == 3


def test_replay_buffer_keeps_the_last_capacity_transitions():
    buffer = dqn.ReplayBuffer(3, 4, np.random.default_rng(0))
    for i in range(5):
        buffer.add(*_transition(i))
    assert len(buffer) == 3
    assert sorted(buffer.rewards.tolist()) == [2.0, 3.0, 4.0]  # 0 and 1 were overwritten
    states, actions, rewards, next_states, terminated = buffer.sample(256)
    assert states.shape == (256, 4) and states.dtype == np.float32
    assert set(rewards.tolist()) == {2.0, 3.0, 4.0}  # uniform over what is stored
    # each sampled row is one stored transition, its fields kept together
    np.testing.assert_array_equal(states[:, 0], rewards)
    np.testing.assert_array_equal(next_states[:, 0], rewards + 0.5)
    np.testing.assert_array_equal(actions, rewards.astype(int) % 2)
    np.testing.assert_array_equal(terminated, (rewards == 3.0).astype(np.float32))


def test_replay_buffer_samples_only_filled_slots():
    buffer = dqn.ReplayBuffer(100, 4, np.random.default_rng(0))
    buffer.add(*_transition(7))
    assert set(buffer.sample(32)[2].tolist()) == {7.0}


def test_td_targets_bootstrap_except_where_terminated():
    rewards = np.array([1.0, 1.0, 0.5], np.float32)
    next_q = np.array([[2.0, 3.0], [5.0, -1.0], [4.0, 4.0]], np.float32)
    terminated = np.array([0.0, 1.0, 0.0], np.float32)
    targets = dqn.td_targets(rewards, next_q, terminated, gamma=0.9)
    np.testing.assert_allclose(targets, [1.0 + 0.9 * 3.0, 1.0, 0.5 + 0.9 * 4.0], rtol=1e-6)


def test_double_dqn_targets_score_the_online_networks_choice_with_the_target_network():
    rewards = np.array([1.0, 1.0, 0.5], np.float32)
    next_q = np.array([[2.0, 3.0], [5.0, -1.0], [4.0, 1.0]], np.float32)  # the target network
    next_q_online = np.array([[9.0, 0.0], [0.0, 1.0], [7.0, 6.0]], np.float32)  # picks 0, 1, 0
    terminated = np.array([0.0, 0.0, 1.0], np.float32)
    targets = dqn.td_targets(rewards, next_q, terminated, 0.9, next_q_online)
    # the target network's value of the online network's argmax, not the target's max
    np.testing.assert_allclose(targets, [1.0 + 0.9 * 2.0, 1.0 - 0.9 * 1.0, 0.5], rtol=1e-6)


def _agent(**overrides):
    config = dataclasses.replace(dqn.DQNConfig(hidden=(16,)), **overrides)
    return dqn.NerveDQN(4, 2, config), config


def _batch(seed=1, n=8):
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((n, 4)).astype(np.float32),
        rng.integers(0, 2, n),
        rng.standard_normal(n).astype(np.float32) * 3,
        rng.standard_normal((n, 4)).astype(np.float32),
        (rng.random(n) < 0.3).astype(np.float32),
    )


@pytest.mark.parametrize("double_dqn", [True, False])
def test_train_step_loss_is_the_masked_huber_of_the_numpy_oracle(double_dqn):
    agent, config = _agent(double_dqn=double_dqn, learning_rate=1e-2)
    for _ in range(3):  # the online and target networks differ, so Double DQN's choice matters
        agent.train_step(*_batch(seed=2))
    states, actions, rewards, next_states, terminated = batch = _batch()
    q = agent.q_network(states).astype(np.float64)
    next_q = agent.target_network(next_states).astype(np.float64)
    if double_dqn:
        chosen = agent.q_network(next_states).argmax(1)
        next_value = next_q[np.arange(len(chosen)), chosen]
    else:
        next_value = next_q.max(1)
    targets = rewards + config.gamma * (1 - terminated) * next_value
    error = q[np.arange(len(actions)), actions] - targets
    huber = np.where(np.abs(error) <= 1, 0.5 * error**2, np.abs(error) - 0.5)
    # the mask zeroes the other action's error, so the mean runs over batch * actions elements
    expected = huber.sum() / q.size
    assert agent.train_step(*batch) == pytest.approx(expected, rel=1e-5)


def test_train_step_moves_the_taken_q_value_and_not_the_target_network():
    agent, config = _agent(learning_rate=1e-2)
    target_before = agent.target_network.get_weights()
    states, actions, rewards, next_states, terminated = _batch()
    states[:], actions[:] = states[0], 0  # one state-action pair, so its direction is clear
    target = dqn.td_targets(rewards, agent.target_network(next_states), terminated, config.gamma)
    before = agent.q_network(states[:1])[0, 0]
    for _ in range(20):
        agent.train_step(states, actions, rewards, next_states, terminated)
    after = agent.q_network(states[:1])[0, 0]
    assert abs(after - target.mean()) < abs(before - target.mean()) - 0.05
    for w_before, w_now in zip(target_before, agent.target_network.get_weights()):
        np.testing.assert_array_equal(w_before, w_now)  # only update_target moves it


def test_update_target_copies_the_online_weights():
    agent, _ = _agent(learning_rate=1e-2)
    for _ in range(3):
        agent.train_step(*_batch())
    online = agent.q_network.get_weights()
    assert any(not np.array_equal(a, b) for a, b in zip(online, agent.target_network.get_weights()))
    agent.update_target()
    for a, b in zip(online, agent.target_network.get_weights()):
        np.testing.assert_array_equal(a, b)
    x = _batch()[0]
    np.testing.assert_array_equal(agent.q_network(x), agent.target_network(x))


def test_soft_update_blends_the_target_towards_the_online_weights():
    agent, _ = _agent(learning_rate=1e-2)
    for _ in range(3):
        agent.train_step(*_batch())
    online, target = agent.q_network.get_weights(), agent.target_network.get_weights()
    agent.update_target(tau=0.25)
    blended = [0.25 * w + 0.75 * t for w, t in zip(online, target)]
    for expected, now in zip(blended, agent.target_network.get_weights()):
        np.testing.assert_allclose(now, expected, rtol=1e-6, atol=1e-7)
    # the network computes with the blended weights (the update is in place, nothing cached)
    x = _batch()[0]
    hidden = np.maximum(x @ blended[0] + blended[1], 0)
    np.testing.assert_allclose(agent.target_network(x), hidden @ blended[2] + blended[3], atol=1e-5)


def test_epsilon_decays_linearly_then_stays():
    config = dqn.DQNConfig(epsilon_start=1.0, epsilon_end=0.1, epsilon_decay_steps=100)
    assert config.epsilon(0) == 1.0
    assert config.epsilon(50) == pytest.approx(0.55)
    assert config.epsilon(100) == pytest.approx(0.1) and config.epsilon(10_000) == pytest.approx(
        0.1
    )


def test_learning_rate_decays_exponentially_in_the_optimizer():
    agent, config = _agent(learning_rate=1e-2, learning_rate_decay=0.5, learning_rate_decay_steps=2)
    schedule = config.learning_rate_schedule()
    assert schedule(0) == pytest.approx(1e-2) and schedule(4) == pytest.approx(2.5e-3)
    optimizer = agent.masked_q.optimizer
    assert float(optimizer.learning_rate) == pytest.approx(1e-2)
    for _ in range(4):
        agent.train_step(*_batch())
    assert float(optimizer.learning_rate) == pytest.approx(2.5e-3)  # after 4 gradient steps
    assert _agent(learning_rate=3e-4, learning_rate_decay=1.0)[1].learning_rate_schedule() == 3e-4


def test_clipnorm_reaches_the_optimizer():
    assert _agent(clipnorm=10.0)[0].masked_q.optimizer.clipnorm == 10.0
    assert _agent()[0].masked_q.optimizer.clipnorm is None  # the default recipe does not clip


def test_missing_gymnasium_names_the_install(monkeypatch):
    monkeypatch.setattr(dqn, "gym", None)
    with pytest.raises(ImportError, match=r'pip install "nerve\[rl\]"'):
        dqn.make_env()


def _random_policy_returns(episodes, seed):
    env, rng, out = dqn.make_env(), np.random.default_rng(seed), []
    for episode in range(episodes):
        env.reset(seed=seed + episode)
        total, done = 0.0, False
        while not done:
            _, reward, terminated, truncated, _ = env.step(int(rng.integers(2)))
            total, done = total + reward, terminated or truncated
        out.append(total)
    env.close()
    return out


@pytest.fixture
def one_thread():
    """The example's thread count for the test, then the process's again (a later test may
    depend on it: tests/test_distributed.py's reference runs on the default threads)."""
    previous = nerve.runtime.num_threads()
    nerve.runtime.set_num_threads(1)
    yield
    nerve.runtime.set_num_threads(previous)


@needs_gym
def test_short_training_beats_a_random_policy(one_thread):
    config = dataclasses.replace(
        dqn.DQNConfig(),
        hidden=(64, 64),
        batch_size=64,
        learning_starts=200,
        epsilon_start=1.0,
        epsilon_end=0.02,
        epsilon_decay_steps=1_000,
        target_update_every=200,
        tau=1.0,
        learning_rate=1e-3,
    )
    agent = dqn.NerveDQN(4, 2, config)
    result = dqn.train_dqn(agent, config, max_steps=1_500)
    assert result.steps == 1_500 and result.train_steps == 1_301
    assert len(result.returns) > 0 and all(r >= 1 for r in result.returns)
    random_mean = np.mean(_random_policy_returns(20, seed=100))  # about 22 on CartPole
    greedy_mean = np.mean(dqn.greedy_returns(agent, 20, seed=100))
    assert greedy_mean > 2 * random_mean, (greedy_mean, random_mean)


class _TruncatingEnv:
    """A CartPole stand-in: every episode ends at its 5th step, cut (truncated) except every
    third one, whose pole falls (terminated). Observations are (step, episode, 0, 0)."""

    class observation_space:  # noqa: N801 - gymnasium's attribute names
        shape = (4,)

    class action_space:  # noqa: N801
        n = 2

    def __init__(self):
        self.t, self.episode = 0, -1

    def reset(self, seed=None):
        self.t, self.episode = 0, self.episode + 1
        return np.array([0, self.episode, 0, 0], np.float32), {}

    def step(self, action):
        self.t += 1
        fell = self.t == 5 and self.episode % 3 == 2
        cut = self.t == 5 and not fell
        return np.array([self.t, self.episode, 0, 0], np.float32), 1.0, fell, cut, {}

    def close(self):
        pass


class _RecordingAgent:
    def __init__(self):
        self.batches = []

    def act(self, state):
        return 0

    def update_target(self, tau=1.0):
        pass

    def train_step(self, states, actions, rewards, next_states, terminated):
        self.batches.append((next_states.copy(), terminated.copy()))


def test_truncated_episodes_bootstrap_and_only_terminated_ones_stop_the_return(monkeypatch):
    monkeypatch.setattr(dqn, "make_env", _TruncatingEnv)
    config = dqn.DQNConfig(learning_starts=30, batch_size=256, buffer_size=100)
    agent = _RecordingAgent()
    result = dqn.train_dqn(agent, config, max_steps=30, stop_when_solved=False)
    assert result.returns == [5.0] * 6  # both kinds of ending close an episode
    ((next_states, terminated),) = agent.batches
    step, episode = next_states[:, 0], next_states[:, 1]
    fell = (step == 5) & (episode % 3 == 2)
    # a transition is terminal only where the pole fell; the last step of a truncated episode
    # is stored as non-terminal, so its target bootstraps from Q_target(s')
    np.testing.assert_array_equal(terminated, fell.astype(np.float32))
    assert fell.any() and ((step == 5) & ~fell).any()  # both kinds were sampled


class _ScriptedAgent:
    """Pushes the cart one way until its first training step, the other way after it."""

    def __init__(self):
        self.trained = False

    def act(self, state):
        return int(self.trained)

    def update_target(self, tau=1.0):
        pass

    def train_step(self, *batch):
        self.trained = True


@needs_gym
def test_greedy_returns_batched_match_row_by_row_episodes():
    config = dataclasses.replace(dqn.DQNConfig(), hidden=(16,), seed=3)
    agent = dqn.NerveDQN(4, 2, config)

    class RowByRow:  # the same policy without greedy_actions: one forward pass per state
        act = staticmethod(agent.act)

    batched = dqn.greedy_returns(agent, 12, seed=500)
    assert batched == dqn.greedy_returns(RowByRow(), 12, seed=500)
    # the episodes are CartPole's (1 to 500 steps) and depend on their seeds
    assert all(1 <= r <= 500 for r in batched)
    assert batched != dqn.greedy_returns(agent, 12, seed=900)


@needs_gym
def test_greedy_solve_stops_at_the_first_evaluation_that_averages_the_threshold(monkeypatch):
    calls = []

    def fake_greedy(agent, episodes, seed):  # the evaluation's returns, scripted per call
        calls.append((episodes, seed))
        return [480.0] * episodes if len(calls) == 3 else [100.0] * episodes

    monkeypatch.setattr(dqn, "greedy_returns", fake_greedy)
    config = dqn.DQNConfig(learning_starts=10, batch_size=4, buffer_size=1_000, eval_every=200)
    result = dqn.train_dqn(_ScriptedAgent(), config, max_steps=5_000)
    assert [mean for _, _, mean in result.evaluations] == [100.0, 100.0, 480.0]
    assert calls == [(100, config.eval_seed)] * 3  # the same 100 evaluation episodes each time
    steps = [step for step, _, _ in result.evaluations]
    # each evaluation ends the first training episode that reaches the next eval_every multiple
    assert all(s >= 200 * (i + 1) for i, s in enumerate(steps)) and steps == sorted(steps)
    assert result.solved_at == result.evaluations[-1][1] == len(result.returns)
    assert result.steps == steps[-1]  # the run stopped there


@needs_gym
def test_training_solve_ignores_greedy_evaluations(monkeypatch):
    monkeypatch.setattr(dqn, "greedy_returns", lambda *a: pytest.fail("evaluated"))
    config = dqn.DQNConfig(solve_on="training", learning_starts=10, batch_size=4, eval_every=50)
    result = dqn.train_dqn(_ScriptedAgent(), config, max_steps=300)
    assert result.evaluations == [] and result.solved_at is None


def test_solve_on_must_be_greedy_or_training():
    with pytest.raises(ValueError, match="solve_on must be 'greedy' or 'training'"):
        dqn.DQNConfig(solve_on="eval")
