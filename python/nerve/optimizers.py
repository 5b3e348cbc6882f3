"""Optimizers. Each wraps a C++ optimizer whose fused update rule runs inside the training step."""

from __future__ import annotations

from . import _core


class Optimizer:
    """Base class: holds the C++ optimizer; `learning_rate` and `iterations` read through to it."""

    def __init__(self, core):
        self._core = core

    @property
    def learning_rate(self) -> float:
        return self._core.learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._core.learning_rate = float(value)

    @property
    def iterations(self) -> int:
        return self._core.iterations

    def apply_gradients(self, grads_and_vars) -> None:
        """Apply gradients (nerve.Tensor or numpy) to variables (nerve.Tensor), as Keras does."""
        variables = []
        for grad, var in grads_and_vars:
            if grad is None:
                continue
            g = grad if isinstance(grad, _core.Tensor) else _core.Tensor(grad)
            if tuple(g.shape) != tuple(var.shape):
                raise ValueError(f"apply_gradients: gradient of shape {g.shape} for variable of "
                                 f"shape {var.shape}")
            var.grad = g  # the C++ optimizer reads .grad
            variables.append(var)
        if variables:
            self._core.apply(variables)
            for v in variables:
                v.grad = None

    def get_config(self) -> dict:
        return {"learning_rate": self.learning_rate}


class SGD(Optimizer):
    """v = momentum*v - lr*g; w += v (nesterov: w += momentum*v - lr*g). No momentum: w -= lr*g."""

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False):
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1], got {momentum}")
        super().__init__(_core.SGD(float(learning_rate), float(momentum), bool(nesterov)))

    def get_config(self):
        return {**super().get_config(), "momentum": self._core.momentum,
                "nesterov": self._core.nesterov}


class Adam(Optimizer):
    """Keras Adam: lr_t = lr*sqrt(1-b2^t)/(1-b1^t); w -= lr_t*m/(sqrt(v)+epsilon)."""

    def __init__(self, learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7):
        super().__init__(_core.Adam(float(learning_rate), float(beta_1), float(beta_2),
                                    float(epsilon)))

    def get_config(self):
        c = self._core
        return {**super().get_config(), "beta_1": c.beta_1, "beta_2": c.beta_2,
                "epsilon": c.epsilon}


_BY_NAME = {"sgd": SGD, "adam": Adam}


def get(identifier) -> Optimizer:
    """An Optimizer from a Keras name (case-insensitive) or instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    raise ValueError(f"Unknown optimizer {identifier!r}. Valid names: {', '.join(_BY_NAME)}")
