"""Keras 3's image augmentation layers: RandomFlip, RandomRotation, RandomTranslation, RandomZoom,
RandomContrast (arguments declared in C++: nerve/layers/augmentation.h).

While training (fit, or `layer(x, training=True)`) each sample of the batch gets its own random
transform, drawn in C++ from the layer's `seed` (or its build seed: nerve.utils.set_random_seed
makes runs repeat) and a call counter; in evaluate, predict and a plain `layer(x)` the layer is the
identity, as Keras's. Images are channels_last (batch, height, width, channels); data_format=
"channels_first" raises UnsupportedArgumentError. The random numbers are nerve's, not Keras's: the
same seed gives other draws than Keras (with the range pinned, e.g. factor=(0.25, 0.25), the
outputs equal Keras's). Gradients flow to the images (the flips and the resampling are linear in
the pixels; the random parameters are constants), as Keras lets them.

Keras gives a factor as one number f (a symmetric range) or a (lower, upper) pair; the C++ layer
holds the range as two numbers, which these classes fill from Keras's argument (the signature,
errors and get_config are Keras's).
"""

from __future__ import annotations

import inspect
import numbers

from .base import _errors_name_the_layer
from .declared import DeclaredLayer

_P = inspect.Parameter


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _pair(value):
    return isinstance(value, (tuple, list)) and len(value) == 2 and all(map(_is_number, value))


def _base_factor(bounds):
    """Keras's BaseImagePreprocessingLayer._set_factor with _FACTOR_BOUNDS `bounds`."""

    def parse(who, argument, factor):
        message = (
            f"{who}: The `{argument}` argument should be a number (or a list of two numbers) in "
            f"the range [{bounds[0]}, {bounds[1]}]. Received: {argument}={factor}"
        )
        if isinstance(factor, (tuple, list)):
            if not _pair(factor) or factor[0] > bounds[1] or factor[1] < bounds[0]:
                raise ValueError(message)
            return tuple(float(v) for v in sorted(factor))
        if _is_number(factor):
            if factor < bounds[0] or factor > bounds[1]:
                raise ValueError(message)
            factor = abs(float(factor))
            return (max(-factor, float(bounds[0])), factor)
        raise ValueError(message)

    return parse


def _shift_factor(low_open: bool):
    """RandomTranslation's ([-1, 1]) and RandomZoom's ((-1, 1]) factor parsing."""
    interval = "(-1.0, 1.0]" if low_open else "[-1.0, 1.0]"

    def parse(who, argument, factor):
        if factor is None and argument == "width_factor" and low_open:
            return None  # RandomZoom: the width follows the height
        message = (
            f"{who}: The `{argument}` argument should be a number (or a list of two numbers) in "
            f"the range {interval}. Received: {argument}={factor}"
        )
        values = factor if isinstance(factor, (tuple, list)) else [factor]
        if isinstance(factor, (tuple, list)) and not _pair(factor):
            raise ValueError(message)
        if not all(_is_number(v) for v in values):
            raise ValueError(message)
        for v in values:
            if v > 1.0 or v < -1.0 or (low_open and v == -1.0):
                raise ValueError(message)
        if isinstance(factor, (tuple, list)):
            return tuple(float(v) for v in sorted(factor))
        return (-abs(float(factor)), abs(float(factor)))

    return parse


def _value_range(who, argument, value):
    if not _pair(value):
        raise ValueError(f"{who}: `{argument}` must be a pair of numbers (low, high), got {value}")
    return (float(value[0]), float(value[1]))


class _RandomImageLayer(DeclaredLayer):
    """The family's base: maps each Keras range argument onto the two engine numbers that hold it.

    `ranges`: Keras argument -> (lower engine name, upper engine name, parser, Keras's default
    (inspect.Parameter.empty: required), what get_config shows ("parsed": the (lower, upper)
    tuple, as Keras's layer stores it; "given": the argument as given))."""

    ranges: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "core_type" not in cls.__dict__:
            return
        declared = cls.__init__
        engine = inspect.signature(declared).parameters
        hidden = {n for lower, upper, *_ in cls.ranges.values() for n in (lower, upper)}
        params = [engine["self"]]
        params += [
            _P(name, _P.POSITIONAL_OR_KEYWORD, default=spec[3]) for name, spec in cls.ranges.items()
        ]
        params += [p for name, p in engine.items() if name != "self" and name not in hidden]
        signature = inspect.Signature(params)

        def __init__(self, *args, **kwargs):
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            values = dict(bound.arguments)
            del values["self"]
            extra = values.pop("kwargs")
            who = cls.__name__ if "name" not in extra else f"{cls.__name__} '{extra['name']}'"
            shown = {}
            for argument, (lower, upper, parse, _default, show) in cls.ranges.items():
                given = values.pop(argument)
                parsed = parse(who, argument, given)
                values[lower], values[upper] = parsed if parsed is not None else (None, None)
                if isinstance(given, list):
                    given = tuple(given)  # as the layer is written; a saved config holds a list
                shown[argument] = parsed if show == "parsed" else given
            declared(self, **values, **extra)
            for argument, value in shown.items():
                setattr(self, argument, value)

        __init__.__signature__ = signature
        __init__.__doc__ = cls.__doc__
        __init__.__qualname__ = f"{cls.__qualname__}.__init__"
        cls.__init__ = _errors_name_the_layer(__init__)

    def get_config(self):
        config = super().get_config()
        for argument, (lower, upper, *_rest) in type(self)._declaring.ranges.items():
            config.pop(lower)
            config.pop(upper)
            config[argument] = getattr(self, argument)
        return config


class RandomFlip(_RandomImageLayer):
    """While training, flips each image with probability 1/2: left-right (mode="horizontal"),
    top-bottom ("vertical"), or both at once ("horizontal_and_vertical", the default: one draw
    for both axes, so an image is either turned by 180 degrees or left as it is, as Keras 3.15).
    The identity in inference. Gradient: the same flips of the output's gradient."""

    core_type = "RandomFlip"


class RandomRotation(_RandomImageLayer):
    """While training, rotates each image about its centre by an angle drawn uniformly from
    factor * 360 degrees (factor f: [-f, f] of a full turn; (lower, upper): that range), positive
    counter-clockwise, resampling as keras.ops.image.affine_transform: fill_mode "reflect",
    "wrap", "constant" (fill_value) or "nearest" for points outside the image, interpolation
    "bilinear" or "nearest". The identity in inference. Gradient: to the images, through the
    interpolation weights (the angles are constants)."""

    core_type = "RandomRotation"
    ranges = {"factor": ("factor_lower", "factor_upper", _base_factor((-1, 1)), _P.empty, "parsed")}


class RandomTranslation(_RandomImageLayer):
    """While training, shifts each image by height_factor * height rows and width_factor * width
    columns, each drawn uniformly from its range (f: [-f, f]; (lower, upper): that range; within
    [-1, 1]), filling and interpolating as RandomRotation. The identity in inference. Gradient: to
    the images."""

    core_type = "RandomTranslation"
    ranges = {
        "height_factor": ("height_lower", "height_upper", _shift_factor(False), _P.empty, "given"),
        "width_factor": ("width_lower", "width_upper", _shift_factor(False), _P.empty, "given"),
    }


class RandomZoom(_RandomImageLayer):
    """While training, zooms each image about its centre: the sampling grid is scaled by
    1 + u per axis, u drawn uniformly from height_factor's range (f: [-f, f]; (lower, upper);
    within (-1, 1]) and width_factor's, so a positive u zooms out and a negative one in.
    width_factor=None keeps the aspect ratio (the width uses the height's draw). Fills and
    interpolates as RandomRotation. The identity in inference. Gradient: to the images."""

    core_type = "RandomZoom"
    ranges = {
        "height_factor": ("height_lower", "height_upper", _shift_factor(True), _P.empty, "given"),
        "width_factor": ("width_lower", "width_upper", _shift_factor(True), None, "given"),
    }


class RandomContrast(_RandomImageLayer):
    """While training, per image and channel: (x - mean) * c + mean, the mean over the height and
    width, c drawn uniformly from [1 - lower, 1 + upper], then clipped to value_range (default
    (0, 255)). As Keras 3.15 reads factor: a number f gives (lower, upper) = (0, f), so c lies in
    [1, 1 + f] (the contrast only grows); (lower, upper) in [0, 1] gives [1 - lower, 1 + upper].
    The identity in inference. Gradient: to the images through the factor, the mean and the clip
    (jnp.clip's: 1 inside the range, 1/2 at a bound, 0 outside)."""

    core_type = "RandomContrast"
    ranges = {
        "factor": ("factor_lower", "factor_upper", _base_factor((0, 1)), _P.empty, "parsed"),
        "value_range": ("value_low", "value_high", _value_range, (0, 255), "given"),
    }
