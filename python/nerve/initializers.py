"""Weight initializers (Keras names and formulas, nerve/initializers.h). Seeded from
nerve.utils.set_random_seed."""

from __future__ import annotations

import math

import numpy as np

from . import _core
from .utils.class_config import from_class_dict
from .utils.keras_args import reject_unsupported


class Initializer:
    name = ""
    seed = None  # Keras's seed: an int gives the same values on every call; None: nerve's RNG

    def _to_core(self):
        return _core.Initializer(self.name, seed=_core_seed(self.seed))

    def __call__(self, shape, fan_in=None, fan_out=None, seed=None) -> np.ndarray:
        """A new array of `shape`. Fans default to Keras's: fan_in = prod(shape[:-1]) (times the
        receptive field for conv kernels), fan_out = shape[-1]."""
        shape = tuple(int(d) for d in shape)
        if fan_in is None or fan_out is None:
            f_in, f_out = _fans(shape)
            fan_in = f_in if fan_in is None else fan_in
            fan_out = f_out if fan_out is None else fan_out
        out = np.empty(shape, dtype=np.float32)
        t = _core.Tensor(out)  # (a seeded initializer's own seed overrides `seed`, in C++)
        _core.initialize(
            t,
            self._to_core(),
            int(fan_in),
            int(fan_out),
            _core.next_seed() if seed is None else int(seed),
        )
        return out

    def get_config(self) -> dict:
        """The constructor arguments: `type(self)(**config)` (from_config) makes the same
        initializer."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Initializer:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def _check_seed(owner: str, seed):
    """Keras's seed argument: None or an int >= 0 (a SeedGenerator is not supported here)."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(
            f"{owner}: seed must be None or an int >= 0, got {seed!r}"
            + (" (a SeedGenerator is not supported for initializers)" if seed is not None else "")
        )
    return int(seed)


def _core_seed(seed) -> int:
    return -1 if seed is None else seed


def _fans(shape) -> tuple[int, int]:
    """Keras's compute_fans: dense [in, out]; conv [*kernel, in, out] scales by the kernel size."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class Zeros(Initializer):
    name = "zeros"


class Ones(Initializer):
    name = "ones"


class _FanScaled(Initializer):
    """Glorot / He / Lecun: Keras's axis arguments are accepted at their defaults only. Without
    a seed, nerve draws from nerve.utils.set_random_seed's generator; with one, the same values
    on every call (as a seeded Keras initializer; nerve's values, not Keras's)."""

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        reject_unsupported(
            type(self).__name__,
            _FanScaled.__init__,
            input_axes=input_axes,
            output_axes=output_axes,
        )
        self.seed = _check_seed(type(self).__name__, seed)

    def get_config(self):
        return {"seed": self.seed, "input_axes": None, "output_axes": None}  # Keras 3's keys


class GlorotUniform(_FanScaled):
    name = "glorot_uniform"


class GlorotNormal(_FanScaled):
    name = "glorot_normal"


class HeUniform(_FanScaled):
    name = "he_uniform"


class HeNormal(_FanScaled):
    name = "he_normal"


class LecunUniform(_FanScaled):
    name = "lecun_uniform"


class LecunNormal(_FanScaled):
    name = "lecun_normal"


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

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.seed = _check_seed("RandomUniform", seed)
        self.minval, self.maxval = float(minval), float(maxval)
        if self.maxval < self.minval:
            raise ValueError(f"RandomUniform: maxval ({maxval}) must be >= minval ({minval})")

    def _to_core(self):
        return _core.Initializer(
            "random_uniform", minval=self.minval, maxval=self.maxval, seed=_core_seed(self.seed)
        )

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class RandomNormal(Initializer):
    name = "random_normal"

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.seed = _check_seed(type(self).__name__, seed)
        self.mean, self.stddev = float(mean), float(stddev)
        self._to_core()  # C++ checks stddev >= 0

    def _to_core(self):
        return _core.Initializer(
            self.name, mean=self.mean, stddev=self.stddev, seed=_core_seed(self.seed)
        )

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    """N(mean, stddev) with values beyond two standard deviations redrawn."""

    name = "truncated_normal"


class Orthogonal(Initializer):
    """An orthogonal matrix (rows or columns orthonormal) times gain; the weight is viewed as
    [prod(shape[:-1]), shape[-1]]."""

    name = "orthogonal"

    def __init__(self, gain=1.0, seed=None):
        self.seed = _check_seed("Orthogonal", seed)
        self.gain = float(gain)

    def _to_core(self):
        return _core.Initializer("orthogonal", gain=self.gain, seed=_core_seed(self.seed))

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class VarianceScaling(Initializer):
    """Keras VarianceScaling: scale / fan with fan = fan_in, fan_out or fan_avg, drawn from a
    truncated normal, an untruncated normal or a uniform distribution."""

    name = "variance_scaling"

    def __init__(
        self,
        scale=1.0,
        mode="fan_in",
        distribution="truncated_normal",
        seed=None,
        input_axes=None,
        output_axes=None,
    ):
        reject_unsupported(
            "VarianceScaling",
            VarianceScaling.__init__,
            input_axes=input_axes,
            output_axes=output_axes,
        )
        self.seed = _check_seed("VarianceScaling", seed)
        if distribution == "normal":
            distribution = "truncated_normal"
        self.scale, self.mode, self.distribution = float(scale), str(mode), str(distribution)
        self._to_core()  # validates

    def _to_core(self):
        return _core.Initializer(
            "variance_scaling",
            scale=self.scale,
            mode=self.mode,
            distribution=self.distribution,
            seed=_core_seed(self.seed),
        )

    def get_config(self):
        return {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "seed": self.seed,
            "input_axes": None,
            "output_axes": None,
        }


class Identity(Initializer):
    """The identity matrix times gain (Keras's Identity, alias IdentityInitializer), for 2-D
    weights only. It runs in Python: standalone (`Identity()((3, 3))`) and in a Python layer's
    add_weight. nerve's built-in layers initialise their weights in C++, which has no identity
    initializer: giving it to one (Dense(kernel_initializer="identity")) raises
    NotImplementedError; set the weights after building instead (layer.set_weights)."""

    name = "identity"

    def __init__(self, gain=1.0):
        self.gain = float(gain)

    def _to_core(self):
        raise NotImplementedError(
            "The Identity initializer runs in Python only (standalone, or a Python layer's "
            "add_weight): nerve's built-in layers initialise their weights in C++, which has "
            "no identity initializer. Build the layer with another initializer and set the "
            "weights afterwards, e.g. layer.set_weights([np.eye(n), ...])"
        )

    def __call__(self, shape, fan_in=None, fan_out=None, seed=None) -> np.ndarray:
        shape = tuple(int(d) for d in shape)
        if len(shape) != 2:
            raise ValueError(
                "Identity matrix initializer can only be used for 2D matrices. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        return (self.gain * np.eye(*shape)).astype(np.float32)

    def get_config(self):
        # Keras's Identity.get_config() is {} (its gain is lost on reload); nerve keeps it
        return {"gain": self.gain}


_CLASSES = (
    Zeros,
    Ones,
    Constant,
    GlorotUniform,
    GlorotNormal,
    HeUniform,
    HeNormal,
    LecunUniform,
    LecunNormal,
    RandomUniform,
    RandomNormal,
    TruncatedNormal,
    Orthogonal,
    VarianceScaling,
)
# The names are the C++ registry's (nerve/initializers.h), each the `name` of one class; Keras also
# accepts the class names ("GlorotUniform"), which only Python knows.
_CLASS_OF = {c.name: c for c in _CLASSES}
_BY_NAME = {name: _CLASS_OF[name] for name in _core.initializer_names()}
_BY_NAME.update({c.__name__: c for c in _CLASSES})
# Initializers computed in Python (no C++ counterpart: built-in layers refuse them).
_PYTHON_ONLY = (Identity,)
_BY_NAME.update({c.name: c for c in _PYTHON_ONLY})
_BY_NAME.update({c.__name__: c for c in _PYTHON_ONLY})
# Keras's other names of the same classes ("for compatibility" in Keras).
IdentityInitializer = Identity
OrthogonalInitializer = Orthogonal
_BY_NAME.update({"IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal})


def serialize(initializer) -> dict:
    """{"class_name", "config"}, as keras.initializers.serialize: the class and every argument,
    so that get() rebuilds the same initializer."""
    initializer = get(initializer)
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}


def deserialize(config, custom_objects=None) -> Initializer:
    """The initializer of a serialized dict ({"class_name", "config"}) or a name. Only nerve's own
    initializer classes can be named (nerve runs initializers in C++)."""
    if custom_objects:
        raise ValueError(
            "initializers.deserialize: custom_objects are not supported; nerve runs "
            "initializers in C++, only its own classes"
        )
    return get(config)


def _from_dict(entry: dict) -> Initializer:
    return from_class_dict(
        "initializer",
        entry,
        _BY_NAME,
        f"{', '.join(c.__name__ for c in _CLASSES + _PYTHON_ONLY)} (nerve runs initializers "
        f"in C++, so custom Python initializers are not supported)",
    )


def get(identifier) -> Initializer:
    """An Initializer from an instance, a class, a name ("glorot_uniform", "GlorotUniform") or a
    serialized dict {"class_name", "config"} (what layers' get_config store)."""
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    if isinstance(identifier, dict) and "class_name" in identifier:
        return _from_dict(identifier)
    raise ValueError(
        f"Unknown initializer {identifier!r}. Valid names: {', '.join(_core.initializer_names())}"
    )


# Keras 3's lower-case names of the same classes (keras.initializers.he_normal is HeNormal).
constant = Constant
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform
identity = Identity
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
ones = Ones
orthogonal = Orthogonal
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
zeros = Zeros
