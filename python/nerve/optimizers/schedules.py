"""Learning-rate schedules (Keras names and formulas). The closed-form ones are checked and
evaluated in C++ (nerve/optimizers.h) at every step; subclass LearningRateSchedule (define
__call__(step)) for anything else, which fit then evaluates in Python before each step."""

from __future__ import annotations

import math

from .. import _core


class LearningRateSchedule:
    """Base class: `schedule(step)` gives the learning rate for 0-based optimizer step `step`."""

    _core = None

    def __call__(self, step):
        if self._core is None:
            raise NotImplementedError(f"{type(self).__name__} must implement __call__(step)")
        return self._core(int(step))

    def get_config(self) -> dict:
        return {}


class ExponentialDecay(LearningRateSchedule):
    """initial_learning_rate * decay_rate ** (step / decay_steps), the exponent floored when
    staircase."""

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        decay_rate,
        staircase=False,
        name="ExponentialDecay",
    ):
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps = decay_steps
        self.decay_rate = float(decay_rate)
        self.staircase = bool(staircase)
        self.name = name or "ExponentialDecay"
        self._core = _core.LearningRateSchedule.exponential_decay(
            self.initial_learning_rate, float(decay_steps), self.decay_rate, self.staircase
        )

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[0] while step <= boundaries[0], values[i] while boundaries[i-1] < step <=
    boundaries[i], values[-1] after the last boundary."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        self.boundaries = [float(b) for b in boundaries]
        self.values = [float(v) for v in values]
        self.name = name or "PiecewiseConstant"
        self._core = _core.LearningRateSchedule.piecewise_constant(self.boundaries, self.values)

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Optional linear warm-up from initial_learning_rate to warmup_target over warmup_steps,
    then cosine decay over decay_steps to alpha times the starting rate."""

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        alpha=0.0,
        name="CosineDecay",
        warmup_target=None,
        warmup_steps=0,
    ):
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps = decay_steps
        self.alpha = float(alpha)
        self.name = name or "CosineDecay"
        self.warmup_target = None if warmup_target is None else float(warmup_target)
        self.warmup_steps = warmup_steps
        self._core = _core.LearningRateSchedule.cosine_decay(
            self.initial_learning_rate,
            float(decay_steps),
            self.alpha,
            self.warmup_target,
            float(warmup_steps),
        )

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class PolynomialDecay(LearningRateSchedule):
    """(initial_learning_rate - end_learning_rate) * (1 - step / decay_steps) ** power +
    end_learning_rate, held at end_learning_rate after decay_steps; with cycle, decay_steps grows
    to the first multiple of itself above step. Evaluated in Python before each step."""

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        end_learning_rate=0.0001,
        power=1.0,
        cycle=False,
        name="PolynomialDecay",
    ):
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps = decay_steps
        self.end_learning_rate = float(end_learning_rate)
        self.power = float(power)
        self.cycle = bool(cycle)
        self.name = name or "PolynomialDecay"
        _positive(self, "decay_steps", decay_steps)

    def __call__(self, step):
        step, decay_steps = float(step), float(self.decay_steps)
        if self.cycle:  # Keras: a multiplier of 1 at step 0
            decay_steps *= 1.0 if step == 0 else math.ceil(step / decay_steps)
        else:
            step = min(step, decay_steps)
        fraction = 1.0 - step / decay_steps
        span = self.initial_learning_rate - self.end_learning_rate
        return span * fraction**self.power + self.end_learning_rate

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


class InverseTimeDecay(LearningRateSchedule):
    """initial_learning_rate / (1 + decay_rate * step / decay_steps), the ratio floored when
    staircase. Evaluated in Python before each step."""

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        decay_rate,
        staircase=False,
        name="InverseTimeDecay",
    ):
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps = decay_steps
        self.decay_rate = float(decay_rate)
        self.staircase = bool(staircase)
        self.name = name or "InverseTimeDecay"
        _positive(self, "decay_steps", decay_steps)

    def __call__(self, step):
        ratio = float(step) / float(self.decay_steps)
        if self.staircase:
            ratio = math.floor(ratio)
        return self.initial_learning_rate / (1.0 + self.decay_rate * ratio)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): the i-th period lasts first_decay_steps * t_mul**i
    steps and starts from initial_learning_rate * m_mul**i, decaying to alpha times it.
    Evaluated in Python before each step."""

    def __init__(
        self,
        initial_learning_rate,
        first_decay_steps,
        t_mul=2.0,
        m_mul=1.0,
        alpha=0.0,
        name="SGDRDecay",
    ):
        self.initial_learning_rate = float(initial_learning_rate)
        self.first_decay_steps = first_decay_steps
        self._t_mul = float(t_mul)
        self._m_mul = float(m_mul)
        self.alpha = float(alpha)
        self.name = name or "SGDRDecay"
        _positive(self, "first_decay_steps", first_decay_steps)
        if self._t_mul <= 0:
            raise ValueError(f"CosineDecayRestarts: t_mul must be > 0, got {t_mul}")

    def __call__(self, step):
        done = float(step) / float(self.first_decay_steps)
        t_mul = self._t_mul
        if t_mul != 1.0:  # periods growing geometrically: which one holds `step`
            restart = math.floor(math.log(1.0 - done * (1.0 - t_mul)) / math.log(t_mul))
            before = (1.0 - t_mul**restart) / (1.0 - t_mul)
            done = (done - before) / t_mul**restart
        else:
            restart = math.floor(done)
            done -= restart
        cosine = 0.5 * self._m_mul**restart * (1.0 + math.cos(math.pi * done))
        return self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }


def _positive(owner, what: str, value) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{type(owner).__name__}: {what} must be a number > 0, got {value!r}")


__all__ = [
    "LearningRateSchedule",
    "ExponentialDecay",
    "PiecewiseConstantDecay",
    "CosineDecay",
    "PolynomialDecay",
    "InverseTimeDecay",
    "CosineDecayRestarts",
]
