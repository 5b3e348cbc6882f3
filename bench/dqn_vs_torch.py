"""DQN on CartPole-v1: nerve against the same agent in PyTorch, steps per second and episodes to solve.

Both agents are examples/dqn_cartpole.py's: the same loop (train_dqn: environment, epsilon-greedy,
replay buffer, target copies), the same hyper-parameters (DQNConfig), the same seeds, and the
same initial weights (PyTorch's MLP is loaded with nerve's initial weights, so the two start from
one point). The PyTorch step is the usual one: zero_grad, forward, masked Huber loss, backward,
Adam step (epsilon 1e-7, Keras's). One gradient step of batch 64 per environment step.

1. Steps per second of training: runs of --timed-steps environment steps after the 1,000-step
   warm-up, nerve and PyTorch alternately (the order swapped every repeat), medians of --repeats.
2. Episodes to solve (a mean return >= 475 over 100 episodes: the last 100 training episodes, or
   the greedy test that 5 training returns of 475 in a row start; see examples/dqn_cartpole.py):
   one full run of each, seed 0 (--no-solve skips it).
Both run in this process with the same thread count (--threads, default 1). The machine is shared:
the load average is printed with the figures.

Measured (seed 0, one thread each, a shared 2-core "AMD EPYC"; torch 2.13.0 CPU):
- --repeats 5 --timed-steps 5000 at a load average of 6.5: nerve 991 steps/s, PyTorch 416 steps/s,
  2.38x (per-repeat ratios 2.22, 2.72, 2.62, 2.28, 4.15; median 2.62x). Below the 3x target.
- --repeats 5 --timed-steps 2000 at a load average of 14.5: nerve 236, PyTorch 68, 3.45x
  (per-repeat ratios 3.9, 5.0, 3.1, 3.2, 3.2).
- Episodes to solve, by the greedy test: nerve 195 (20,482 steps), PyTorch 230 (26,512 steps).
  Same initial weights and seeds; float rounding differs, so the trajectories part ways.

Run: python bench/dqn_vs_torch.py [--repeats 5] [--timed-steps 3000] [--threads 1] [--no-solve]
Needs gymnasium (pip install "nerve[rl]") and torch (pip install "nerve[oracle]").
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import importlib.util
import os
import statistics
import sys

import numpy as np
import torch

import nerve

QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: a few hundred steps, one repeat

_spec = importlib.util.spec_from_file_location(
    "dqn_cartpole", os.path.join(os.path.dirname(__file__), "..", "examples", "dqn_cartpole.py")
)
dqn = importlib.util.module_from_spec(_spec)
sys.modules["dqn_cartpole"] = dqn  # dataclasses look their module up by name
_spec.loader.exec_module(dqn)


class TorchDQN:
    """examples/dqn_cartpole.py's NerveDQN, written as a PyTorch user would."""

    def __init__(self, obs_dim, n_actions, config, initial_weights):
        torch.manual_seed(config.seed)
        self.config = config
        layers, width = [], obs_dim
        for units in config.hidden:
            layers += [torch.nn.Linear(width, units), torch.nn.ReLU()]
            width = units
        layers.append(torch.nn.Linear(width, n_actions))
        self.q_network = torch.nn.Sequential(*layers)
        linears = [m for m in self.q_network if isinstance(m, torch.nn.Linear)]
        with torch.no_grad():  # nerve's kernels are (in, out); torch's weights are (out, in)
            for linear, kernel, bias in zip(linears, initial_weights[::2], initial_weights[1::2]):
                linear.weight.copy_(torch.from_numpy(kernel.T.copy()))
                linear.bias.copy_(torch.from_numpy(bias))
        self.target_network = copy.deepcopy(self.q_network)
        self.optimizer = torch.optim.Adam(
            self.q_network.parameters(), lr=config.learning_rate, eps=1e-7
        )
        self.loss_fn = torch.nn.HuberLoss()
        self._one_hot = np.eye(n_actions, dtype=np.float32)

    def act(self, state) -> int:
        with torch.no_grad():
            return int(self.q_network(torch.from_numpy(state[None])).argmax(1).item())

    def update_target(self, tau: float = 1.0) -> None:
        with torch.no_grad():
            for t, w in zip(self.target_network.parameters(), self.q_network.parameters()):
                t.lerp_(w, tau)  # t + tau * (w - t): a copy when tau is 1

    def train_step(self, states, actions, rewards, next_states, terminated) -> float:
        with torch.no_grad():
            next_q = self.target_network(torch.from_numpy(next_states)).numpy()
        targets = dqn.td_targets(rewards, next_q, terminated, self.config.gamma)
        mask = self._one_hot[actions]
        q_taken = self.q_network(torch.from_numpy(states)) * torch.from_numpy(mask)
        loss = self.loss_fn(q_taken, torch.from_numpy(mask * targets[:, None]))
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()


def make_agents(config):
    env = dqn.make_env()
    obs_dim, n_actions = env.observation_space.shape[0], env.action_space.n
    env.close()
    nerve_agent = dqn.NerveDQN(obs_dim, n_actions, config)
    torch_agent = TorchDQN(obs_dim, n_actions, config, nerve_agent.q_network.get_weights())
    return {"nerve": nerve_agent, "pytorch": torch_agent}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1 if QUICK else 5)
    parser.add_argument("--timed-steps", type=int, default=300 if QUICK else 3000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-solve", action="store_true", help="skip the runs to solve")
    args = parser.parse_args()
    if dqn.gym is None:
        raise SystemExit(dqn.GYMNASIUM_MISSING)
    nerve.runtime.set_num_threads(args.threads)
    torch.set_num_threads(args.threads)
    config = dqn.DQNConfig()
    if QUICK:
        config = dataclasses.replace(config, learning_starts=100)
    cpu = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if "model name" in line),
        "?",
    )
    print(f"CPU: {cpu}, {os.cpu_count()} cores; threads {args.threads}; torch {torch.__version__}")

    print(
        f"\n1. environment steps per second of training ({args.timed_steps} steps after "
        f"{config.learning_starts} warm-up steps; medians of {args.repeats}, alternating)"
    )
    rates = {"nerve": [], "pytorch": []}
    loads = []
    for repeat in range(args.repeats):
        order = ["nerve", "pytorch"] if repeat % 2 == 0 else ["pytorch", "nerve"]
        agents = make_agents(config)
        for name in order:
            result = dqn.train_dqn(
                agents[name],
                config,
                max_steps=config.learning_starts + args.timed_steps,
                stop_when_solved=False,
            )
            rates[name].append(result.steps_per_second)
        loads.append(os.getloadavg()[0])
        print(
            f"  repeat {repeat + 1}: nerve {rates['nerve'][-1]:7.0f} steps/s   "
            f"pytorch {rates['pytorch'][-1]:7.0f} steps/s   load average {loads[-1]:.1f}"
        )
    nerve_rate, torch_rate = (statistics.median(rates[n]) for n in ("nerve", "pytorch"))
    # the two runs of a repeat share that moment's load, so their ratio is the steadier figure
    ratios = [n / t for n, t in zip(rates["nerve"], rates["pytorch"])]
    print(
        f"  per-repeat ratios: {', '.join(f'{r:.2f}' for r in ratios)}; "
        f"median {statistics.median(ratios):.2f}x"
    )
    print(
        f"  median: nerve {nerve_rate:.0f} steps/s, pytorch {torch_rate:.0f} steps/s: "
        f"nerve {nerve_rate / torch_rate:.2f}x PyTorch (load average {statistics.median(loads):.1f})"
    )

    if args.no_solve or QUICK:
        return
    print("\n2. episodes to solve (mean return >= 475 over 100 episodes), seed 0, one run each")
    agents = make_agents(config)
    for name in ("nerve", "pytorch"):
        result = dqn.train_dqn(agents[name], config)
        solved = (
            f"solved after {result.solved_at} episodes ({result.solved_by})"
            if result.solved_at
            else "not solved"
        )
        print(
            f"  {name:8s} {solved}, {result.steps} steps, {result.seconds:.0f} s "
            f"({result.steps_per_second:.0f} steps/s while training), "
            f"load average {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
