"""Weight initializers (Keras names). Seeded from nerve.utils.set_random_seed."""

from __future__ import annotations

from . import _core


class Initializer:
    name = ""

    def _to_core(self):
        return _core.Initializer(self.name)

    def get_config(self) -> dict:
        return {}


class Zeros(Initializer): name = "zeros"
class Ones(Initializer): name = "ones"
class GlorotUniform(Initializer): name = "glorot_uniform"
class GlorotNormal(Initializer): name = "glorot_normal"
class HeUniform(Initializer): name = "he_uniform"
class HeNormal(Initializer): name = "he_normal"


class Constant(Initializer):
    name = "constant"

    def __init__(self, value=0.0):
        self.value = float(value)

    def _to_core(self):
        return _core.Initializer("constant", value=self.value)

    def get_config(self):
        return {"value": self.value}


class RandomUniform(Initializer):
    name = "random_uniform"

    def __init__(self, minval=-0.05, maxval=0.05):
        self.minval, self.maxval = float(minval), float(maxval)

    def _to_core(self):
        return _core.Initializer("random_uniform", minval=self.minval, maxval=self.maxval)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval}


class RandomNormal(Initializer):
    name = "random_normal"

    def __init__(self, mean=0.0, stddev=0.05):
        self.mean, self.stddev = float(mean), float(stddev)

    def _to_core(self):
        return _core.Initializer("random_normal", mean=self.mean, stddev=self.stddev)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev}


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix over the last axis, times `gain` (recurrent kernels)."""
    name = "orthogonal"

    def __init__(self, gain=1.0):
        self.gain = float(gain)

    def _to_core(self):
        return _core.Initializer("orthogonal", value=self.gain)

    def get_config(self):
        return {"gain": self.gain}


_BY_NAME = {c.name: c for c in (Zeros, Ones, Constant, GlorotUniform, GlorotNormal, HeUniform,
                                HeNormal, RandomUniform, RandomNormal, Orthogonal)}


def get(identifier) -> Initializer:
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    raise ValueError(f"Unknown initializer {identifier!r}. Valid names: {', '.join(_BY_NAME)}")
