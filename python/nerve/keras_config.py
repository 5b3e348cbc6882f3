"""nerve.config: called, what the engine runs with (runtime.config: ISA, threads, ...); its
attributes are Keras 3's keras.config functions (floatx, epsilon, image_data_format and their
setters, the global dtype policy), so `keras.config.*` calls port as `nerve.config.*`."""

from __future__ import annotations

from . import backend as _backend
from . import runtime
from .mixed_precision import policy as _policy


class KerasConfig:
    def __call__(self) -> dict:
        return runtime.config()

    backend = staticmethod(_backend.backend)
    epsilon = staticmethod(_backend.epsilon)
    floatx = staticmethod(_backend.floatx)
    image_data_format = staticmethod(_backend.image_data_format)
    set_epsilon = staticmethod(_backend.set_epsilon)
    set_floatx = staticmethod(_backend.set_floatx)
    set_image_data_format = staticmethod(_backend.set_image_data_format)
    dtype_policy = staticmethod(_policy.global_policy)
    set_dtype_policy = staticmethod(_policy.set_global_policy)

    def __repr__(self) -> str:
        return f"nerve.config (call it for the engine's settings: {runtime.config()})"


config = KerasConfig()
config.__doc__ = runtime.config.__doc__
