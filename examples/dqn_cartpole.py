"""DQN on CartPole-v1 with nerve: replay buffer, target network, epsilon-greedy, Huber loss.

The agent is written as a Keras user would: a Sequential MLP of Q-values (128-128, relu), a
GradientTape step whose loss is the Huber loss of the Q-value of the action taken (a one-hot mask
picks it) against r + gamma * max_a' Q_target(s', a'), Adam, a target network that follows the
online one by soft updates (tau 0.005 each step), a uniform replay buffer, and epsilon-greedy
exploration (0.9 to 0.05 over 3,000 steps). One gradient step of batch 128 per environment step.
Episodes cut at 500 steps (truncation) still bootstrap; only a fallen pole ends the return.
The GradientTape step was measured against train_on_batch on targets written into a copy of Q(s)
(batch 64, 64-64 MLP, loaded machine): 0.36 ms against 0.52 ms, as train_on_batch needs that extra
forward pass of Q(s); so the tape form, the Keras DQN example's, is kept.

Solved (Gym's threshold for CartPole-v1: a mean return >= 475 over 100 consecutive episodes):
either the last 100 training episodes (epsilon-greedy) reach it, or, once 5 training episodes in
a row reach 475, the greedy policy is tested on 100 fresh episodes (no exploration, no training)
and reaches it. The learning curve marks each greedy test.

Run: python examples/dqn_cartpole.py [--seed 0] [--quick]   (needs: pip install "nerve[rl]")
--quick (or NERVE_QUICK=1): 2,000 environment steps, for CI; no solve target.
Saves the learning curve as docs/images/dqn_cartpole.png (--plot PATH to change).

Measured (seed 0, one thread; a shared 2-core "AMD EPYC" (lscpu), load average 14.7, with the
bench running beside it): solved after 195 training episodes (20,482 environment steps): the
greedy test's 100 episodes averaged 493.1, while the mean of the last 100 training episodes,
the early ones included, was about 170. 128 s in all, 178 environment steps per second while
training (the greedy test's time excluded). The stricter reading, the last 100 training episodes
(with exploration) averaging 475, was not reached: a run of this configuration without greedy
tests (made before the soft update went in place, so its rounding and trajectory differ slightly)
peaked at a mean of about 451 near episode 350 (80,000 steps), then fell back (218 at episode
500) and stopped at the 120,000-step cap: the forgetting DQN is known for on CartPole.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

import numpy as np

import nerve
from nerve.layers import Dense

try:
    import gymnasium as gym
except ImportError:  # optional extra: the example and its tests name the install
    gym = None

GYMNASIUM_MISSING = 'DQN on CartPole needs gymnasium: pip install "nerve[rl]" (gymnasium==1.4.0)'


@dataclasses.dataclass
class DQNConfig:
    """Hyper-parameters, shared with the PyTorch agent of bench/dqn_vs_torch.py."""

    hidden: tuple = (128, 128)
    learning_rate: float = 3e-4
    gamma: float = 0.99
    batch_size: int = 128
    buffer_size: int = 10_000
    learning_starts: int = 128  # environment steps of exploration before training
    train_every: int = 1  # environment steps between training rounds
    gradient_steps: int = 1  # one small-batch gradient step per environment step
    target_update_every: int = 1  # environment steps between target-network updates
    tau: float = 0.005  # each update: target <- tau * online + (1 - tau) * target (1: a copy)
    epsilon_start: float = 0.9
    epsilon_end: float = 0.05
    epsilon_decay_steps: int = 3_000  # linear decay from start to end over these steps
    max_steps: int = 150_000
    solve_return: float = 475.0
    solve_window: int = 100
    # When the last `test_trigger` training episodes all reach solve_return, the greedy policy
    # (no exploration, no training) plays solve_window fresh episodes: the test Gym's CartPole
    # threshold describes. At most one test per `test_gap` training episodes.
    test_trigger: int = 5
    test_gap: int = 10
    seed: int = 0

    def epsilon(self, step: int) -> float:
        frac = min(step / self.epsilon_decay_steps, 1.0)
        return self.epsilon_start + frac * (self.epsilon_end - self.epsilon_start)


class ReplayBuffer:
    """A ring buffer of transitions in preallocated numpy arrays, sampled uniformly."""

    def __init__(self, capacity: int, obs_dim: int, rng: np.random.Generator):
        self.capacity, self.rng = capacity, rng
        self.states = np.zeros((capacity, obs_dim), np.float32)
        self.next_states = np.zeros((capacity, obs_dim), np.float32)
        self.actions = np.zeros(capacity, np.int64)
        self.rewards = np.zeros(capacity, np.float32)
        self.terminated = np.zeros(capacity, np.float32)
        self.size = 0
        self._next = 0  # the slot the next transition overwrites once the buffer is full

    def __len__(self) -> int:
        return self.size

    def add(self, state, action, reward, next_state, terminated) -> None:
        i = self._next
        self.states[i], self.actions[i], self.rewards[i] = state, action, reward
        self.next_states[i], self.terminated[i] = next_state, float(terminated)
        self._next = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size: int):
        """(states, actions, rewards, next_states, terminated) of batch_size random transitions."""
        idx = self.rng.integers(0, self.size, batch_size)
        return (
            self.states[idx],
            self.actions[idx],
            self.rewards[idx],
            self.next_states[idx],
            self.terminated[idx],
        )


def td_targets(rewards, next_q, terminated, gamma):
    """r + gamma * max_a' Q_target(s', a'), without the bootstrap where the episode terminated."""
    return (rewards + gamma * (1.0 - terminated) * next_q.max(axis=1)).astype(np.float32)


def build_q_network(obs_dim: int, n_actions: int, hidden) -> nerve.Sequential:
    layers = [nerve.Input((obs_dim,))]
    layers += [Dense(units, activation="relu") for units in hidden]
    layers.append(Dense(n_actions))  # linear Q-values, one per action
    return nerve.Sequential(layers)


class NerveDQN:
    """The online and target Q-networks and their training step, in nerve."""

    def __init__(self, obs_dim: int, n_actions: int, config: DQNConfig):
        nerve.utils.set_random_seed(config.seed)
        self.config, self.n_actions = config, n_actions
        self.q_network = build_q_network(obs_dim, n_actions, config.hidden)
        self.target_network = build_q_network(obs_dim, n_actions, config.hidden)
        self.update_target()
        self.optimizer = nerve.optimizers.Adam(config.learning_rate)
        self.loss_fn = nerve.losses.Huber()
        self._one_hot = np.eye(n_actions, dtype=np.float32)

    def act(self, state) -> int:
        """The greedy action: argmax_a Q(state, a)."""
        return int(np.argmax(self.q_network(state[None])[0]))

    def update_target(self, tau: float = 1.0) -> None:
        """target <- tau * online + (1 - tau) * target; tau 1 copies."""
        if tau == 1.0:
            self.target_network.set_weights(self.q_network.get_weights())
            return
        for target, online in zip(self.target_network.weights, self.q_network.weights):
            # np.asarray of a nerve.Tensor is a view of its memory: the update happens in place
            # (Keras's variable.assign), without set_weights' copies and checks (3-4x slower).
            view = np.asarray(target)
            view += tau * (np.asarray(online) - view)

    def train_step(self, states, actions, rewards, next_states, terminated) -> float:
        next_q = self.target_network(next_states)  # numpy in, numpy out: no gradient recorded
        targets = td_targets(rewards, next_q, terminated, self.config.gamma)
        mask = self._one_hot[actions]  # only the action taken has an error to fit
        with nerve.GradientTape() as tape:
            q_values = self.q_network(nerve.Tensor(states), training=True)
            q_taken = nerve.ops.mul(q_values, nerve.Tensor(mask))
            loss = self.loss_fn(nerve.Tensor(mask * targets[:, None]), q_taken)
        weights = self.q_network.trainable_weights
        self.optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        return loss.item()


@dataclasses.dataclass
class TrainResult:
    returns: list  # one per finished episode
    steps: int  # environment steps taken
    seconds: float  # wall time of the whole loop (environment, acting, training)
    solved_at: int | None  # training episodes until solved (either way below)
    solved_by: str | None = None  # "training": the last 100 training returns; "greedy test"
    tests: list = dataclasses.field(default_factory=list)  # (training episode, greedy mean)
    train_steps: int = 0  # environment steps from learning_starts on (one gradient step each)
    train_seconds: float = 0.0  # their wall time: acting, stepping, sampling and training

    @property
    def steps_per_second(self) -> float:
        """Environment steps per second of training (after the pure-exploration warm-up)."""
        return self.train_steps / self.train_seconds if self.train_seconds else 0.0


def make_env():
    if gym is None:
        raise ImportError(GYMNASIUM_MISSING)
    return gym.make("CartPole-v1")


def train_dqn(agent, config: DQNConfig, max_steps=None, stop_when_solved=True, log_every=0):
    """The DQN loop, the same for any agent with act / train_step / update_target."""
    env = make_env()
    rng = np.random.default_rng(config.seed)  # exploration and replay sampling
    buffer = ReplayBuffer(config.buffer_size, env.observation_space.shape[0], rng)
    n_actions = env.action_space.n
    state, _ = env.reset(seed=config.seed)
    returns, episode_return, solved_at = [], 0.0, None
    max_steps = config.max_steps if max_steps is None else max_steps
    start = train_start = time.perf_counter()
    test_seconds, solved_by, tests = 0.0, None, []
    step = 0
    while step < max_steps:
        step += 1
        if step == config.learning_starts:
            train_start = time.perf_counter()
        if rng.random() < config.epsilon(step):
            action = int(rng.integers(n_actions))
        else:
            action = agent.act(state)
        next_state, reward, terminated, truncated, _ = env.step(action)
        buffer.add(state, action, reward, next_state, terminated)
        state, episode_return = next_state, episode_return + reward
        if step >= config.learning_starts and step % config.train_every == 0:
            for _ in range(config.gradient_steps):
                agent.train_step(*buffer.sample(config.batch_size))
        if step % config.target_update_every == 0:
            agent.update_target(config.tau)
        if terminated or truncated:
            returns.append(episode_return)
            state, episode_return = env.reset()[0], 0.0
            window = returns[-config.solve_window :]
            mean = float(np.mean(window))
            if log_every and len(returns) % log_every == 0:
                print(
                    f"episode {len(returns):4d}  step {step:6d}  mean return (last 100) {mean:6.1f}"
                )
            if solved_at is None and len(window) == config.solve_window:
                if mean >= config.solve_return:
                    solved_at, solved_by = len(returns), "training"
            recent = returns[-config.test_trigger :]
            if (
                solved_at is None
                and len(recent) == config.test_trigger
                and min(recent) >= config.solve_return
                and (not tests or len(returns) - tests[-1][0] >= config.test_gap)
            ):
                t = time.perf_counter()
                test_mean = float(
                    np.mean(greedy_returns(agent, config.solve_window, 10_000 + step))
                )
                test_seconds += time.perf_counter() - t
                tests.append((len(returns), test_mean))
                if log_every:
                    print(f"episode {len(returns):4d}  greedy test: mean return {test_mean:.1f}")
                if test_mean >= config.solve_return:
                    solved_at, solved_by = len(returns), "greedy test"
            if solved_at is not None and stop_when_solved:
                break
    end = time.perf_counter()
    env.close()
    train_steps = max(step - config.learning_starts + 1, 0)
    return TrainResult(
        returns,
        step,
        end - start,
        solved_at,
        solved_by,
        tests,
        train_steps,
        end - train_start - test_seconds if train_steps else 0.0,
    )


def greedy_returns(agent, episodes: int, seed: int) -> list:
    """Returns of the greedy policy (no exploration) on fresh episodes."""
    env, out = make_env(), []
    for episode in range(episodes):
        state, _ = env.reset(seed=seed + episode)
        total, done = 0.0, False
        while not done:
            state, reward, terminated, truncated, _ = env.step(agent.act(state))
            total, done = total + reward, terminated or truncated
        out.append(total)
    env.close()
    return out


def save_learning_curve(result: TrainResult, config: DQNConfig, path: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    returns, window = result.returns, config.solve_window
    episodes = np.arange(1, len(returns) + 1)
    trailing = [np.mean(returns[max(0, i - window + 1) : i + 1]) for i in range(len(returns))]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(episodes, returns, lw=0.6, alpha=0.5, label="training episode return")
    ax.plot(episodes, trailing, lw=2, label=f"mean of the last {window} training episodes")
    if result.tests:
        at, means = zip(*result.tests)
        ax.plot(at, means, "o", color="C3", label=f"greedy test: mean of {window} episodes")
    ax.axhline(
        config.solve_return, color="k", ls="--", lw=1, label=f"solved ({config.solve_return:g})"
    )
    ax.set_xlabel("training episode")
    ax.set_ylabel("return")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="2,000 steps, for CI")
    parser.add_argument("--plot", default=None, help="learning-curve PNG (default docs/images)")
    args = parser.parse_args()
    quick = args.quick or os.environ.get("NERVE_QUICK") == "1"
    if gym is None:
        raise SystemExit(GYMNASIUM_MISSING)
    nerve.runtime.set_num_threads(1)  # a 64-unit MLP: threads cost more than they give
    config = DQNConfig(seed=args.seed)
    env = make_env()
    agent = NerveDQN(env.observation_space.shape[0], env.action_space.n, config)
    env.close()
    result = train_dqn(agent, config, max_steps=2_000 if quick else None, log_every=25)
    print(
        f"{len(result.returns)} episodes, {result.steps} steps in {result.seconds:.1f} s "
        f"({result.steps_per_second:.0f} steps/s while training); load average {os.getloadavg()[0]:.1f}"
    )
    if result.solved_at is not None:
        how = {"training": "the last 100 training episodes", "greedy test": "100 greedy episodes"}
        print(
            f"solved after {result.solved_at} training episodes "
            f"(mean return >= {config.solve_return:g} over {how[result.solved_by]})"
        )
    elif not quick:
        raise SystemExit(f"not solved within {config.max_steps} steps")
    default = os.path.join(os.path.dirname(__file__), "..", "docs", "images", "dqn_cartpole.png")
    path = args.plot or (os.path.join(os.getcwd(), "dqn_cartpole_quick.png") if quick else default)
    save_learning_curve(result, config, path, "nerve DQN on CartPole-v1")
    print(f"learning curve: {path}")


if __name__ == "__main__":
    main()
