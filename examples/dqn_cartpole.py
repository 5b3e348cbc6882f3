"""DQN on CartPole-v1 with nerve: replay buffer, target network, epsilon-greedy, Huber loss.

The agent is written as a Keras user would: a Sequential MLP of Q-values (64-64, relu), and the
Keras DQN idiom of a masked Q-model for the step: a second Model on the same layers takes
(states, one-hot actions), outputs Q(s, .) * mask and is compiled with the Huber loss, so
train_on_batch([states, mask], mask * targets) fits only the Q-value of the action taken, with
targets r + gamma * max_a' Q_target(s', a'). Adam at 3e-4 with Keras's ExponentialDecay (x0.1 per
50,000 gradient steps), a target network that follows the online one by soft updates (tau 0.005
each step, in place on numpy views of the weights), a uniform replay buffer of 100,000
transitions (a whole run: nothing is forgotten), and epsilon-greedy exploration (0.9 to 0.01
over 3,000 steps). One gradient step of batch 128 per environment step. Episodes cut at 500
steps (truncation) still bootstrap; only a fallen pole ends the return.
The masked train_on_batch step replaced a GradientTape step (the same loss): the built-in C++
step runs forward, backward and Adam in one call, where the tape step ran each op from Python;
at 128-128 and batch 128 it measured 0.22 ms of CPU time against the tape's 0.24 ms (medians,
the target network's forward excluded; Intel Xeon, load average about 19), though the whole
agent's steps per second at 128-128 hardly moved (bench/dqn_vs_torch.py).

Solved, as Gym defines it for CartPole-v1: the returns of the last 100 training episodes
(exploration included) average >= 475. The greedy policy is then played on 100 fresh episodes.
How the configuration was found (seed 0, 100,000-150,000 step caps, the last-100 mean as the
measure): the earlier one (128-128, constant 3e-4, buffer 10,000, epsilon to 0.05) peaked at a
mean of 404 and fell back (the forgetting DQN is known for on CartPole); buffer 50,000 with
3e-4 or 1e-4 peaked at 300 and 440; buffer 100,000 with epsilon to 0.01 and a constant rate
reached 416 (3e-4) and 350 (1e-4) by 120,000 steps; with the decaying rate, all three runs
tried solved it: 64-64 at 3e-4 (448 episodes, 76,269 steps), 64-64 at 1e-3 (340 episodes,
114,979 steps) and 128-128 at 1e-3 (457 episodes, 100,072 steps).
Not robust: that is seed 0's run. Seed 1 with the same configuration did not solve it in
100,000 steps (its mean peaked at 164 and settled near 100), and PyTorch's agent from seed 0's
initial weights (bench/dqn_vs_torch.py; its float rounding parts its trajectory from nerve's) did
not solve it in 150,000 steps; seed 2's mean reached 461 at the 150,000-step cap, still
rising; seed 1 with a rate of 1e-3 peaked at 236. The rate decay that stops the forgetting
also stops the learning (3e-6 by step 100,000): a run without a good policy by then stays so.

The search for a robust recipe (issue 15; seeds 1 and 2, the failing ones, one thread each, two
runs at a time, AMD EPYC Zen 3 (AVX2), 2 vCPU shared with other jobs, load average 11-15;
"peak" is the best mean of 100 consecutive training episodes):
- Truncation, the classic CartPole bug, checked first and absent: the buffer stores
  `terminated` only, so an episode cut at 500 steps bootstraps from Q_target(s');
  tests/test_dqn.py now pins this with a stand-in environment.
- Double DQN targets (`double_dqn`) and Adam's clipnorm 10 (`clipnorm`) were added as options,
  in both agents (bench/dqn_vs_torch.py), and tried in three recipes; none solved either seed:
  A. the recipe above + Double DQN + clipnorm 10, Adam 1e-3 decayed x0.1 per 100,000 steps,
     epsilon 1.0 -> 0.01 over 10,000 steps: 100,000 steps, peaks 246 (seed 1; it then fell to
     27 and climbed back to 230) and 222 (seed 2).
  B. the RL Zoo's tuned CartPole-v1 recipe (256-256, Adam 2.3e-3, batch 64, 128 gradient steps
     every 256 environment steps, a hard target copy every 10 steps, epsilon 1.0 -> 0.04 over
     8,000 steps, 1,000 warm-up steps) + Double DQN + clipnorm 10: 60,000 steps, peaks 252
     (seed 1, then down to 54) and 188 (seed 2).
  C. the recipe above with only Double DQN and clipnorm 10 added: 100,000 steps, seed 1 peak
     185 (mean 100 at the cap; 164 without them), seed 2 281 at the cap, still rising.
  The two options stay off by default: no run showed they help, and seed 0's solve above is
  measured without them. Each run costs 13-16 minutes at that load (740 steps per CPU
  second), which bounded the search to these six runs; a recipe that solves every seed is not
  found yet.
Seeds 0-4 with the default recipe, 100,000-step caps unless stated (seeds 0-2 on the Intel Xeon
above, 3-4 on the AMD EPYC Zen 3 (AVX2), load average 10-11): seed 0 solved (448 episodes,
76,269 steps), seed 1 not (peak 164), seed 2 not (461 at a 150,000-step cap), seed 3 not (378 at
the cap, still rising), seed 4 solved (394 episodes, 74,534 steps, 305 s; greedy 500 in 100 of
100). Seed 0 rerun on the AMD EPYC: the same run to the episode (448 episodes, 76,269 steps,
mean 478.5; 541 s at a load average of 10.7; greedy 500 in 100 of 100); the learning curve
(docs/images/dqn_cartpole.png) is that run's. Seed 2 rerun there: again not solved at the
150,000-step cap (mean 402 at step 139,390, rising; 813 s). Seeds 2 and 3 learn slowly (their
means still rise at the cap); seed 1 stalls near 100 as its rate decays.

Run: python examples/dqn_cartpole.py [--seed 0] [--max-steps N] [--quick]
(needs: pip install "nerve[rl]")
--quick (or NERVE_QUICK=1): 2,000 environment steps, for CI; no solve target.
Saves the learning curve as docs/images/dqn_cartpole.png (--plot PATH to change), solved or
not; exits non-zero when the run is not solved within the step cap.

Measured (seed 0, one thread; a shared 2-core "Intel Xeon Processor" (lscpu: AVX-512, AMX),
load average 15.3, other jobs and the PyTorch run of bench/dqn_vs_torch.py beside it): solved
after 448 training episodes (76,269 environment steps): the last 100 training episodes averaged
478.5; the greedy policy then returned 500 in each of 100 fresh episodes. 218 s in all at that
load; 350 environment steps per wall second while training, 3,310 per CPU second. An earlier run
at a load of 19.3 took 240 s: the same episodes and steps (the run is deterministic per seed).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

import numpy as np

import nerve
from nerve.layers import Dense, Multiply

try:
    import gymnasium as gym
except ImportError:  # optional extra: the example and its tests name the install
    gym = None

GYMNASIUM_MISSING = 'DQN on CartPole needs gymnasium: pip install "nerve[rl]" (gymnasium==1.4.0)'


@dataclasses.dataclass
class DQNConfig:
    """Hyper-parameters, shared with the PyTorch agent of bench/dqn_vs_torch.py."""

    hidden: tuple = (64, 64)
    learning_rate: float = 3e-4
    # Adam's rate decays exponentially: times learning_rate_decay every learning_rate_decay_steps
    # gradient steps (Keras's ExponentialDecay); 1.0 keeps it constant
    learning_rate_decay: float = 0.1
    learning_rate_decay_steps: int = 50_000
    gamma: float = 0.99
    # Double DQN: the online network picks argmax_a' Q(s', a'), the target network scores it
    double_dqn: bool = False  # off: it did not make seeds 1 and 2 solve (see the docstring)
    clipnorm: float | None = None  # Adam's per-weight gradient-norm clip, e.g. 10; None: none
    batch_size: int = 128
    buffer_size: int = 100_000  # every transition of a run to solve: nothing is forgotten
    learning_starts: int = 128  # environment steps of exploration before training
    train_every: int = 1  # environment steps between training rounds
    gradient_steps: int = 1  # one small-batch gradient step per environment step
    target_update_every: int = 1  # environment steps between target-network updates
    tau: float = 0.005  # each update: target <- tau * online + (1 - tau) * target (1: a copy)
    epsilon_start: float = 0.9
    epsilon_end: float = 0.01
    epsilon_decay_steps: int = 3_000  # linear decay from start to end over these steps
    max_steps: int = 150_000
    solve_return: float = 475.0
    solve_window: int = 100
    seed: int = 0

    def learning_rate_schedule(self):
        """Adam's learning rate: the constant, or Keras's ExponentialDecay of it."""
        if self.learning_rate_decay == 1.0:
            return self.learning_rate
        return nerve.optimizers.schedules.ExponentialDecay(
            self.learning_rate, self.learning_rate_decay_steps, self.learning_rate_decay
        )

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


def td_targets(rewards, next_q, terminated, gamma, next_q_online=None):
    """r + gamma * Q_target(s', a'), without the bootstrap where the episode terminated (a pole
    that fell; an episode cut at 500 steps is truncated, not terminated, and bootstraps).
    a' = argmax Q_target(s', .) (DQN), or argmax Q_online(s', .) when next_q_online is given
    (Double DQN: choosing and scoring with one network overestimates)."""
    if next_q_online is None:
        next_value = next_q.max(axis=1)
    else:
        next_value = next_q[np.arange(len(next_q)), next_q_online.argmax(axis=1)]
    return (rewards + gamma * (1.0 - terminated) * next_value).astype(np.float32)


def build_q_network(obs_dim: int, n_actions: int, hidden) -> nerve.Sequential:
    layers = [nerve.Input((obs_dim,))]
    layers += [Dense(units, activation="relu") for units in hidden]
    layers.append(Dense(n_actions))  # linear Q-values, one per action
    return nerve.Sequential(layers)


class NerveDQN:
    """The online and target Q-networks and their training step, in nerve.

    The step is the Keras DQN idiom of a masked Q-model: a second model on the same layers takes
    (states, one-hot actions) and outputs Q(s, .) * mask, compiled with the Huber loss, so
    train_on_batch([states, mask], mask * targets) fits only the Q-value of the action taken
    and the built-in C++ step runs forward, backward and Adam in one call."""

    def __init__(self, obs_dim: int, n_actions: int, config: DQNConfig):
        nerve.utils.set_random_seed(config.seed)
        self.config, self.n_actions = config, n_actions
        self.q_network = build_q_network(obs_dim, n_actions, config.hidden)
        self.target_network = build_q_network(obs_dim, n_actions, config.hidden)
        self.update_target()
        states = nerve.Input((obs_dim,))
        mask = nerve.Input((n_actions,))
        q_taken = Multiply()([self.q_network(states), mask])  # shares q_network's layers
        self.masked_q = nerve.Model([states, mask], q_taken)
        self.masked_q.compile(
            optimizer=nerve.optimizers.Adam(
                config.learning_rate_schedule(), clipnorm=config.clipnorm
            ),
            loss=nerve.losses.Huber(),
        )
        self._one_hot = np.eye(n_actions, dtype=np.float32)
        # np.asarray of a nerve weight is a view of its memory (set_weights and the optimizer
        # write in place), so the soft update can blend the views directly, as Keras's
        # variable.assign does, without set_weights' copies and checks (3-4x slower).
        self._target_pairs = [
            (np.asarray(target), np.asarray(online))
            for target, online in zip(self.target_network.weights, self.q_network.weights)
        ]

    def act(self, state) -> int:
        """The greedy action: argmax_a Q(state, a)."""
        return int(self.q_network(state[None]).argmax())

    def update_target(self, tau: float = 1.0) -> None:
        """target <- tau * online + (1 - tau) * target; tau 1 copies."""
        if tau == 1.0:
            self.target_network.set_weights(self.q_network.get_weights())
            return
        for target, online in self._target_pairs:
            target += tau * (online - target)

    def train_step(self, states, actions, rewards, next_states, terminated) -> float:
        """One gradient step; returns the batch's Huber loss before the update."""
        next_q = self.target_network(next_states)  # numpy in, numpy out: no gradient recorded
        next_q_online = self.q_network(next_states) if self.config.double_dqn else None
        targets = td_targets(rewards, next_q, terminated, self.config.gamma, next_q_online)
        mask = self._one_hot[actions]  # only the action taken has an error to fit
        return float(self.masked_q.train_on_batch([states, mask], mask * targets[:, None]))


@dataclasses.dataclass
class TrainResult:
    returns: list  # one per finished episode
    steps: int  # environment steps taken
    seconds: float  # wall time of the whole loop (environment, acting, training)
    solved_at: int | None  # training episodes until the last solve_window averaged solve_return
    train_steps: int = 0  # environment steps from learning_starts on (one gradient step each)
    train_seconds: float = 0.0  # their wall time: acting, stepping, sampling and training
    # their CPU time (this process): steadier than wall time on a loaded, shared machine
    train_cpu_seconds: float = 0.0

    @property
    def steps_per_second(self) -> float:
        """Environment steps per second of training (after the pure-exploration warm-up)."""
        return self.train_steps / self.train_seconds if self.train_seconds else 0.0

    @property
    def steps_per_cpu_second(self) -> float:
        """Environment steps per CPU second of training (the same steps)."""
        return self.train_steps / self.train_cpu_seconds if self.train_cpu_seconds else 0.0


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
    cpu_start = time.process_time()
    step = 0
    while step < max_steps:
        step += 1
        if step == config.learning_starts:
            train_start, cpu_start = time.perf_counter(), time.process_time()
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
                    solved_at = len(returns)
            if solved_at is not None and stop_when_solved:
                break
    end, cpu_end = time.perf_counter(), time.process_time()
    env.close()
    train_steps = max(step - config.learning_starts + 1, 0)
    return TrainResult(
        returns,
        step,
        end - start,
        solved_at,
        train_steps,
        end - train_start if train_steps else 0.0,
        cpu_end - cpu_start if train_steps else 0.0,
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
    if result.solved_at:
        ax.axvline(
            result.solved_at,
            color="C2",
            ls=":",
            lw=1,
            label=f"solved at episode {result.solved_at}",
        )
    ax.axhline(
        config.solve_return, color="k", ls="--", lw=1, label=f"threshold ({config.solve_return:g})"
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
    parser.add_argument("--max-steps", type=int, default=None, help="step cap (default 150,000)")
    parser.add_argument("--plot", default=None, help="learning-curve PNG (default docs/images)")
    args = parser.parse_args()
    quick = args.quick or os.environ.get("NERVE_QUICK") == "1"
    if gym is None:
        raise SystemExit(GYMNASIUM_MISSING)
    nerve.runtime.set_num_threads(1)  # a 64-unit MLP: threads cost more than they give
    config = DQNConfig(seed=args.seed)
    if args.max_steps:
        config = dataclasses.replace(config, max_steps=args.max_steps)
    env = make_env()
    agent = NerveDQN(env.observation_space.shape[0], env.action_space.n, config)
    env.close()
    result = train_dqn(agent, config, max_steps=2_000 if quick else None, log_every=25)
    print(
        f"{len(result.returns)} episodes, {result.steps} steps in {result.seconds:.1f} s "
        f"({result.steps_per_second:.0f} steps/s, {result.steps_per_cpu_second:.0f} per CPU second, "
        f"while training); load average {os.getloadavg()[0]:.1f}"
    )
    if result.solved_at is not None:
        print(
            f"solved after {result.solved_at} training episodes: the last {config.solve_window} "
            f"averaged {np.mean(result.returns[-config.solve_window :]):.1f} (>= "
            f"{config.solve_return:g})"
        )
        greedy = greedy_returns(agent, config.solve_window, seed=10_000)
        print(
            f"the greedy policy (no exploration, no training) on {len(greedy)} fresh episodes: "
            f"mean return {np.mean(greedy):.1f}, min {min(greedy):g}"
        )
    default = os.path.join(os.path.dirname(__file__), "..", "docs", "images", "dqn_cartpole.png")
    path = args.plot or (os.path.join(os.getcwd(), "dqn_cartpole_quick.png") if quick else default)
    title = f"nerve DQN on CartPole-v1, seed {config.seed}"
    save_learning_curve(result, config, path, title)
    print(f"learning curve: {path}")
    if result.solved_at is None and not quick:  # the curve of a failed run is saved too
        raise SystemExit(f"not solved within {result.steps} steps")


if __name__ == "__main__":
    main()
