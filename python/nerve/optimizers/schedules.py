"""Learning-rate schedules (Keras names and formulas). The closed-form ones are checked and
evaluated in C++ (nerve/optimizers.h) at every step; subclass LearningRateSchedule (define
__call__(step)) for anything else, which fit then evaluates in Python before each step."""

from __future__ import annotations

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


__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay", "CosineDecay"]
