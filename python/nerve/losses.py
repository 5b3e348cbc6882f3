"""Loss functions (Keras names and classes). The C++-backed ones (MeanSquaredError, ...,
KLDivergence) are computed in C++ (the trainer uses the same code); Keras's others (Hinge, ...,
CategoricalFocalCrossentropy, at the end of this file), a Loss subclass with call() and a plain
function are computed by nerve.ops in the Python step, which fit traces into C++ (see Loss).

The C++ ones are computed per row (the last axis) and reduced with Keras's "sum_over_batch_size":
sum(sample_weight * row_loss) / rows. Formulas are in nerve/losses.h.
"""

from __future__ import annotations

import functools
import inspect
import math
import re
import warnings

import numpy as np

from . import _core
from . import ops as _ops
from .ops import _dispatch
from .utils.keras_args import check_dtype, reject_unsupported
from .utils.object_registration import function_named, get_registered_name


class Loss:
    """Keras's loss base class. Subclass it with call(y_true, y_pred) returning one value per
    sample (or per element) from nerve.ops, and compile(loss=YourLoss()) trains with it: the
    values are weighted by sample_weight and reduced as Keras reduces them (reduction
    "sum_over_batch_size", Keras's default: their mean; "sum"; "mean_with_sample_weight": the
    weighted sum over the sum of the weights; "none" for direct calls). A plain function
    compile(loss=fn) is wrapped in LossFunctionWrapper. Such a loss runs in the Python
    train_step, which fit traces into a C++ program where it can (as an overridden train_step);
    the built-in losses below run in the C++ trainer itself."""

    name = ""
    sparse_labels = False
    from_logits = False
    label_smoothing = 0.0
    delta = 1.0

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        check_dtype(type(self).__name__, dtype)
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"{type(self).__name__}: reduction must be one of {sorted(map(str, _REDUCTIONS))}, "
                f"got {reduction!r}"
            )
        self.name = name or _snake_case(type(self).__name__)
        self.reduction = "none" if reduction is None else reduction

    def call(self, y_true, y_pred):
        """The unreduced loss values: one per sample (or per element)."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def __call__(self, y_true, y_pred, sample_weight=None):
        """call(), weighted and reduced: a scalar nerve.Tensor (recorded for GradientTape and
        in a traced train_step) for tensors, a float for numpy data."""
        tensors = _is_tensor(y_pred) or _is_tensor(y_true)
        if not tensors:
            y_pred = _core.Tensor(np.ascontiguousarray(y_pred, dtype=np.float32))
        if not _is_tensor(y_true):
            y_true = _core.Tensor(np.ascontiguousarray(y_true, dtype=np.float32))
        if sample_weight is not None and not _is_tensor(sample_weight):
            sample_weight = _core.Tensor(np.ascontiguousarray(sample_weight, dtype=np.float32))
        values = self.call(y_true, y_pred)
        if tensors:  # a padding mask rides only on tensors
            sample_weight = padding_mask_weights(
                values, y_pred, sample_weight, self.reduction, f"loss '{self.name}'"
            )
        values = self._reduce_values(values, sample_weight)
        if tensors:
            return values
        return values.item() if math.prod(values.shape) == 1 else np.asarray(values)

    def _to_core(self):
        raise TypeError(
            f"{type(self).__name__}: a Python loss has no C++ form; it runs in the Python step"
        )

    def _reduce_values(self, values, sample_weight):
        """call()'s values weighted and reduced (Keras's reduce_weighted_values)."""
        return _reduce(values, sample_weight, self.reduction)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def is_python_loss(loss) -> bool:
    """True for a loss computed by Python code (a Loss subclass's call(), a wrapped function),
    which the C++ trainer cannot run."""
    return isinstance(loss, Loss) and not isinstance(loss, _EngineLoss)


class LossFunctionWrapper(Loss):
    """Keras's wrapper of a loss function fn(y_true, y_pred, **kwargs) -> per-sample values."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(
            name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype
        )
        self.fn, self._fn_kwargs = fn, kwargs

    def call(self, y_true, y_pred):
        if _is_tensor(y_true) and _is_tensor(y_pred):  # as Keras's: (n,) labels, (n, 1) outputs
            y_true, y_pred = _same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), "fn": get_registered_name(self.fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        fn = function_named(config.pop("fn"), custom_objects, globals(), "loss")
        return cls(fn, **config)


_REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def _snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def padding_mask_weights(values, y_pred, sample_weight, reduction: str, who: str):
    """Keras's losses.loss.apply_mask, as its Loss.__call__ and MeanMetricWrapper apply it: the
    weights of `values` given the padding mask y_pred carries (Embedding(mask_zero=True),
    Masking): 0 on padded rows, on the others total / valid for the mean reductions (1 for the
    others), times sample_weight. Without a mask the op gives ones, which change nothing. Values
    that are not one per row of y_pred's last axis take no mask (a mask there raises)."""
    if not (_is_tensor(y_pred) and _is_tensor(values)):
        return sample_weight
    rows = tuple(y_pred.shape[:-1]) if len(y_pred.shape) > 1 else tuple(y_pred.shape)
    if not _same_dims(tuple(values.shape), rows):
        refuse_padding_mask(y_pred, who)  # runs with the step: raises only if a mask is there
        return sample_weight
    mask = _dispatch.apply("padding_mask", [y_pred])
    if reduction in ("sum_over_batch_size", "mean"):
        valid = _ops.sum(mask)
        total = _ops.sum(_ops.ones_like(mask))
        scale = _ops.where(
            _ops.greater(valid, 0.0), _ops.divide(total, _ops.maximum(valid, 1.0)), 0.0
        )
        mask = _ops.multiply(mask, scale)
    if sample_weight is None:
        return mask
    if len(sample_weight.shape) == len(rows) - 1:  # Keras's squeeze_or_expand_to_same_rank
        sample_weight = _ops.expand_dims(sample_weight, -1)
    return _ops.multiply(mask, sample_weight)


def _same_dims(a: tuple, b: tuple) -> bool:
    """Shapes that may be equal: the same rank, each axis equal where both are known (a traced
    batch axis is not)."""
    known = (int,)
    return len(a) == len(b) and all(
        x == y or not isinstance(x, known) or not isinstance(y, known) for x, y in zip(a, b)
    )


def refuse_padding_mask(y_pred, who: str):
    """y_pred, or an UnsupportedArgumentError (when the step runs) if it carries a padding mask:
    Keras applies the mask to a loss or metric written in Python; nerve does so only in its
    built-in ones."""
    if _is_tensor(y_pred):
        return _dispatch.apply("refuse_padding_mask", [y_pred], {"who": who})
    return y_pred


def _reduce(values, sample_weight, reduction):
    """Keras's reduce_weighted_values, in nerve.ops (so a trace records it)."""
    if not _is_tensor(values):
        values = _core.Tensor(np.ascontiguousarray(values, dtype=np.float32))
    if sample_weight is not None:
        # Keras's squeeze_or_expand_to_same_rank: (n, 1) weights for (n,) values and back
        rank_v, rank_w = len(values.shape), len(sample_weight.shape)
        if rank_w == rank_v + 1 and sample_weight.shape[-1] == 1:
            sample_weight = _ops.squeeze(sample_weight, axis=-1)
        elif rank_w == rank_v - 1:
            sample_weight = _ops.expand_dims(sample_weight, -1)
        values = _ops.multiply(values, sample_weight)
    if reduction == "none" or tuple(values.shape) == ():
        return values
    if reduction == "sum":
        return _ops.sum(values)
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return _ops.divide(_ops.sum(values), _ops.sum(sample_weight))
    return _ops.mean(values)  # sum over the number of values: "sum_over_batch_size", "mean"


class _EngineLoss(Loss):
    """A loss the C++ engine computes (the trainer, and nerve.ops.loss for direct calls); `name`
    is its id in the C++ registry (nerve/losses.h)."""

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, delta: float = 1.0):
        self.from_logits = bool(from_logits)
        self.label_smoothing = float(label_smoothing)
        self.delta = float(delta)
        self.reduction = "sum_over_batch_size"
        self._to_core()  # C++ checks the settings (label_smoothing in [0, 1], delta > 0)

    def _to_core(self):
        return _core.Loss(self.name, self.from_logits, self.label_smoothing, self.delta)

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The loss reduced as the trainer does: a float for numpy predictions, a scalar
        nerve.Tensor (recorded for GradientTape) when y_pred is a nerve.Tensor; inside a traced
        train_step, a recorded step of the C++ program."""
        tracer = _dispatch.active_step_tracer()
        if tracer is not None and (tracer.owns(y_pred) or tracer.owns(y_true)):
            return tracer.loss(self, y_true, y_pred, sample_weight)
        w = (
            None
            if sample_weight is None
            else _core.Tensor(np.ascontiguousarray(sample_weight, dtype=np.float32).reshape(-1))
        )
        if isinstance(y_pred, _core.Tensor):
            true = (
                y_true
                if isinstance(y_true, _core.Tensor)
                else _core.Tensor(np.ascontiguousarray(y_true, dtype=np.float32))
            )
            return _core.ops.loss(
                self.name, y_pred, true, self.from_logits, self.label_smoothing, self.delta, w
            )
        pred = _core.Tensor(np.ascontiguousarray(y_pred, dtype=np.float32))
        true = _core.Tensor(np.ascontiguousarray(y_true, dtype=np.float32))
        return _core.ops.loss(
            self.name, pred, true, self.from_logits, self.label_smoothing, self.delta, w
        ).item()

    def get_config(self) -> dict:
        # Keras's name for the loss (Huber: "huber_loss"); `self.name` is nerve's loss id
        keras_name = inspect.signature(type(self).__init__).parameters.get("name")
        return {
            "name": self.name if keras_name is None else keras_name.default,
            "reduction": "sum_over_batch_size",
        }


def _keras_options(loss: Loss, signature_of, reduction, name, dtype, **more) -> None:
    """The Keras Loss arguments nerve has no choice for yet: Keras's defaults pass, anything else
    raises naming the loss, the argument and the value. (`name` is fixed because nerve's metrics
    and data checks identify a loss by it.)"""
    owner = type(loss).__name__
    check_dtype(owner, dtype)
    reject_unsupported(owner, signature_of, reduction=reduction, name=name, **more)


class MeanSquaredError(_EngineLoss):
    name = "mean_squared_error"

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        _keras_options(self, MeanSquaredError.__init__, reduction, name, dtype)
        super().__init__()


class MeanAbsoluteError(_EngineLoss):
    name = "mean_absolute_error"

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        _keras_options(self, MeanAbsoluteError.__init__, reduction, name, dtype)
        super().__init__()


class Huber(_EngineLoss):
    """0.5 e² where |e| <= delta, delta (|e| - 0.5 delta) beyond; mean over the last axis."""

    name = "huber"

    def __init__(
        self, delta: float = 1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None
    ):
        _keras_options(self, Huber.__init__, reduction, name, dtype)
        super().__init__(delta=delta)

    def get_config(self):
        return {**super().get_config(), "delta": self.delta}


class BinaryCrossentropy(_EngineLoss):
    name = "binary_crossentropy"

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_crossentropy",
        dtype=None,
    ):
        _keras_options(self, BinaryCrossentropy.__init__, reduction, name, dtype, axis=axis)
        super().__init__(from_logits, label_smoothing)

    def get_config(self):
        return {
            **super().get_config(),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
        }


class CategoricalCrossentropy(_EngineLoss):
    name = "categorical_crossentropy"

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_crossentropy",
        dtype=None,
    ):
        _keras_options(self, CategoricalCrossentropy.__init__, reduction, name, dtype, axis=axis)
        super().__init__(from_logits, label_smoothing)

    def get_config(self):
        return {
            **super().get_config(),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
        }


class SparseCategoricalCrossentropy(_EngineLoss):
    name = "sparse_categorical_crossentropy"
    sparse_labels = True

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class=None,
        reduction="sum_over_batch_size",
        axis=-1,
        name="sparse_categorical_crossentropy",
        dtype=None,
    ):
        _keras_options(
            self,
            SparseCategoricalCrossentropy.__init__,
            reduction,
            name,
            dtype,
            ignore_class=ignore_class,
            axis=axis,
        )
        super().__init__(from_logits)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits}


class KLDivergence(_EngineLoss):
    """sum(y_true * log(y_true / y_pred)) over the last axis, both clipped to [1e-7, 1]."""

    name = "kl_divergence"

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        _keras_options(self, KLDivergence.__init__, reduction, name, dtype)
        super().__init__()


_CLASSES = (
    MeanSquaredError,
    MeanAbsoluteError,
    Huber,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    KLDivergence,
)
# The names (Keras aliases included) are the C++ registry's (nerve/losses.h); each resolves to the
# class of its canonical name. Keras also accepts the class names as strings.
_CLASS_OF = {cls.name: cls for cls in _CLASSES}
_BY_NAME = {name: _CLASS_OF[_core.loss_canonical_name(name)] for name in _core.loss_names()}
_BY_NAME.update({cls.__name__: cls for cls in _CLASSES})


def get(identifier) -> Loss:
    """A Loss from a Keras name or instance; ValueError lists the valid names."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    if callable(identifier) and getattr(identifier, "__name__", None) in _BY_NAME:
        return _BY_NAME[identifier.__name__]()  # nerve.losses.mean_squared_error and the like
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):  # a loss function: Keras wraps it
        return LossFunctionWrapper(identifier)
    raise ValueError(f"Unknown loss {identifier!r}. Valid names: {', '.join(sorted(_BY_NAME))}")


_EPSILON = 1e-7  # keras.backend.epsilon()


def _is_tensor(x) -> bool:
    """A nerve.Tensor (recorded by GradientTape) or a symbolic tensor (a functional model's, or one
    being traced in a layer's call or a train_step), as opposed to numpy data."""
    return (
        isinstance(x, _core.Tensor)
        or getattr(type(x), "_nerve_apply_op", None) is not None
        or bool(_dispatch.active_tracers)
    )


def _per_sample(loss: Loss, y_true, y_pred, on_tensors=None, axis=-1):
    """Keras's loss functions: one value per sample (per timestep for sequences), the loss of
    each row over the last axis, unreduced. The classes reduce; these do not. Tensors go to
    `on_tensors(y_true, y_pred)`, Keras's formula in nerve.ops, so that a loss function inside a
    GradientTape or a train_step (the Keras VAE's summed binary_crossentropy) is differentiable;
    numpy data is computed here and returned as numpy (by the C++ loss, over the last axis; over
    another `axis`, by the nerve.ops formula)."""
    if _is_tensor(y_pred) or _is_tensor(y_true):
        return on_tensors(y_true, y_pred)
    pred = np.asarray(y_pred, dtype=np.float32)
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"{loss.name}: axis must be an int, got {axis!r}")
    if axis not in (-1, pred.ndim - 1):
        return np.asarray(on_tensors(_as_tensor(y_true), _as_tensor(pred)))
    rows_shape = pred.shape[:-1]
    pred = pred.reshape(-1, pred.shape[-1])
    true = np.asarray(y_true, dtype=np.float32)
    true = true.reshape(-1, 1) if loss.sparse_labels else true.reshape(pred.shape)
    values = [loss(true[i : i + 1], pred[i : i + 1]) for i in range(pred.shape[0])]
    return np.asarray(values, dtype=np.float32).reshape(rows_shape)


# The tensor forms below are keras/src/losses/losses.py's functions, op for op.


def mean_squared_error(y_true, y_pred):
    return _per_sample(
        MeanSquaredError(),
        y_true,
        y_pred,
        lambda t, p: _ops.mean(_ops.square(_ops.subtract(t, p)), axis=-1),
    )


def mean_absolute_error(y_true, y_pred):
    return _per_sample(
        MeanAbsoluteError(),
        y_true,
        y_pred,
        lambda t, p: _ops.mean(_ops.abs(_ops.subtract(t, p)), axis=-1),
    )


def huber(y_true, y_pred, delta=1.0):
    def on_tensors(t, p):
        error = _ops.subtract(p, t)
        abs_error = _ops.abs(error)
        quadratic = _ops.multiply(0.5, _ops.square(error))
        linear = _ops.subtract(_ops.multiply(delta, abs_error), 0.5 * delta * delta)
        return _ops.mean(_ops.where(_ops.less_equal(abs_error, delta), quadratic, linear), axis=-1)

    return _per_sample(Huber(delta), y_true, y_pred, on_tensors)


def kl_divergence(y_true, y_pred):
    def on_tensors(t, p):
        t, p = _ops.clip(t, _EPSILON, 1.0), _ops.clip(p, _EPSILON, 1.0)
        return _ops.sum(_ops.multiply(t, _ops.log(_ops.divide(t, p))), axis=-1)

    return _per_sample(KLDivergence(), y_true, y_pred, on_tensors)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    def on_tensors(t, p):
        if label_smoothing:
            t = _ops.add(_ops.multiply(t, 1.0 - label_smoothing), 0.5 * label_smoothing)
        return _ops.mean(_ops.binary_crossentropy(t, p, from_logits=from_logits), axis=axis)

    loss = BinaryCrossentropy(from_logits, label_smoothing)
    return _per_sample(loss, y_true, y_pred, on_tensors, axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    def on_tensors(t, p):
        if label_smoothing:
            classes = _ops.shape(t)[-1]
            t = _ops.add(_ops.multiply(t, 1.0 - label_smoothing), label_smoothing / classes)
        return _ops.categorical_crossentropy(t, p, from_logits=from_logits, axis=axis)

    loss = CategoricalCrossentropy(from_logits, label_smoothing)
    return _per_sample(loss, y_true, y_pred, on_tensors, axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    def on_tensors(t, p):
        if ignore_class is not None:
            raise ValueError(
                "nerve.losses.sparse_categorical_crossentropy: ignore_class is not supported on "
                "tensors (only on numpy arrays); mask the per-sample values with ops.where"
            )
        rank = len(p.shape)
        if axis not in (-1, rank - 1):  # the class axis is moved last (labels lack it)
            if len(t.shape) == rank and t.shape[axis] == 1:
                t = _ops.squeeze(t, axis=axis)
            p = _ops.moveaxis(p, axis, -1)
        return _ops.sparse_categorical_crossentropy(t, p, from_logits=from_logits, axis=-1)

    loss = SparseCategoricalCrossentropy(from_logits, ignore_class)
    return _per_sample(loss, y_true, y_pred, on_tensors, axis)


# The Keras aliases of the functions (mse, mae, kld), from the same registry: each function is
# named as its class's canonical name.
globals().update(
    {
        name: globals()[canonical]
        for name in _core.loss_names()
        if (canonical := _core.loss_canonical_name(name)) != name
    }
)


# Keras's other losses, written in nerve.ops (keras/src/losses/losses.py, op for op): they run in
# the Python step, which fit traces into a C++ program. Each function returns one value per
# sample (numpy for numpy data); each class is a LossFunctionWrapper of its function.


def _python_loss_function(formula):
    """Keras's loss function around `formula(y_true, y_pred, **kwargs)` on tensors: numpy data is
    converted and the values come back as numpy."""

    @functools.wraps(formula)
    def fn(y_true, y_pred, **kwargs):
        values = formula(_as_tensor(y_true), _as_tensor(y_pred), **kwargs)
        return values if _is_tensor(y_pred) or _is_tensor(y_true) else np.asarray(values)

    return fn


def _as_tensor(x):
    return x if _is_tensor(x) else _core.Tensor(np.ascontiguousarray(x, dtype=np.float32))


def _same_rank(x1, x2):
    """Keras's squeeze_or_expand_to_same_rank: when the ranks differ by one and the higher-rank
    side ends in an axis of size 1, a rank-1 partner gets that axis, else it is squeezed away."""
    rank1, rank2 = len(x1.shape), len(x2.shape)
    if rank1 == rank2 + 1 and x1.shape[-1] == 1:
        if rank2 == 1:
            return x1, _ops.expand_dims(x2, -1)
        return _ops.squeeze(x1, axis=-1), x2
    if rank2 == rank1 + 1 and x2.shape[-1] == 1:
        if rank1 == 1:
            return _ops.expand_dims(x1, -1), x2
        return x1, _ops.squeeze(x2, axis=-1)
    return x1, x2


def _hinge_labels(y_true):
    """Keras's convert_binary_labels_to_hinge: labels all in {0, 1} become {-1, 1}; any other
    labels are kept (ops.cond there, a where on the batch-wide test here)."""
    is_binary = _ops.all(_ops.logical_or(_ops.equal(y_true, 0.0), _ops.equal(y_true, 1.0)))
    return _ops.where(is_binary, _ops.subtract(_ops.multiply(2.0, y_true), 1.0), y_true)


def _hinge_margins(y_true, y_pred):
    return _ops.maximum(_ops.subtract(1.0, _ops.multiply(_hinge_labels(y_true), y_pred)), 0.0)


@_python_loss_function
def hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)) over the last axis; {0, 1} labels count as {-1, 1}."""
    return _ops.mean(_hinge_margins(y_true, y_pred), axis=-1)


@_python_loss_function
def squared_hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0) ** 2) over the last axis; {0, 1} labels as {-1, 1}."""
    return _ops.mean(_ops.square(_hinge_margins(y_true, y_pred)), axis=-1)


@_python_loss_function
def categorical_hinge(y_true, y_pred):
    """max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0) over the last axis."""
    pos = _ops.sum(_ops.multiply(y_true, y_pred), axis=-1)
    neg = _ops.max(_ops.multiply(_ops.subtract(1.0, y_true), y_pred), axis=-1)
    return _ops.maximum(_ops.add(_ops.subtract(neg, pos), 1.0), 0.0)


@_python_loss_function
def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|y_true - y_pred| / max(|y_true|, 1e-7)) over the last axis."""
    y_true, y_pred = _same_rank(y_true, y_pred)
    diff = _ops.abs(
        _ops.divide(_ops.subtract(y_true, y_pred), _ops.maximum(_ops.abs(y_true), _EPSILON))
    )
    return _ops.multiply(100.0, _ops.mean(diff, axis=-1))


@_python_loss_function
def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(max(y_pred, 1e-7) + 1) - log(max(y_true, 1e-7) + 1)) ** 2) over the last axis."""
    y_true, y_pred = _same_rank(y_true, y_pred)
    first_log = _ops.log(_ops.add(_ops.maximum(y_pred, _EPSILON), 1.0))
    second_log = _ops.log(_ops.add(_ops.maximum(y_true, _EPSILON), 1.0))
    return _ops.mean(_ops.square(_ops.subtract(first_log, second_log)), axis=-1)


@_python_loss_function
def cosine_similarity(y_true, y_pred, axis=-1):
    """-sum(l2_normalize(y_true) * l2_normalize(y_pred)) over `axis`: -1 for the same direction
    (a loss to minimize; nerve.metrics.cosine_similarity is the positive one)."""
    y_true, y_pred = _same_rank(y_true, y_pred)
    product = _ops.multiply(_ops.normalize(y_true, axis=axis), _ops.normalize(y_pred, axis=axis))
    return _ops.negative(_ops.sum(product, axis=axis))


@_python_loss_function
def log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true))) over the last axis, as Keras computes it stably:
    x + softplus(-2x) - log(2)."""
    y_true, y_pred = _same_rank(y_true, y_pred)
    x = _ops.subtract(y_pred, y_true)
    value = _ops.subtract(_ops.add(x, _ops.softplus(_ops.multiply(x, -2.0))), math.log(2.0))
    return _ops.mean(value, axis=-1)


@_python_loss_function
def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + 1e-7)) over the last axis."""
    log_pred = _ops.log(_ops.add(y_pred, _EPSILON))
    return _ops.mean(_ops.subtract(y_pred, _ops.multiply(y_true, log_pred)), axis=-1)


@_python_loss_function
def binary_focal_crossentropy(
    y_true,
    y_pred,
    apply_class_balancing=False,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
):
    """The binary cross-entropy times (1 - p_t) ** gamma (p_t: the probability given to the true
    label), times alpha for positives and 1 - alpha for negatives with apply_class_balancing."""
    if label_smoothing:
        y_true = _ops.add(_ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    if from_logits:
        y_pred = _ops.sigmoid(y_pred)
    bce = _ops.binary_crossentropy(y_true, y_pred, from_logits=False)
    not_true = _ops.subtract(1.0, y_true)
    p_t = _ops.add(
        _ops.multiply(y_true, y_pred), _ops.multiply(not_true, _ops.subtract(1.0, y_pred))
    )
    focal_bce = _ops.multiply(_ops.power(_ops.subtract(1.0, p_t), gamma), bce)
    if apply_class_balancing:
        weight = _ops.add(_ops.multiply(y_true, alpha), _ops.multiply(not_true, 1.0 - alpha))
        focal_bce = _ops.multiply(weight, focal_bce)
    return _ops.mean(focal_bce, axis=axis)


@_python_loss_function
def categorical_focal_crossentropy(
    y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1
):
    """sum(alpha * (1 - p) ** gamma * -y_true * log(p)) over `axis`, p the predictions rescaled
    to sum to 1 and clipped to [1e-7, 1 - 1e-7]."""
    if isinstance(axis, bool):
        raise ValueError(f"categorical_focal_crossentropy: axis must be an int, got {axis!r}")
    if y_pred.shape[-1] == 1:  # Keras warns the same way
        warnings.warn(
            f"categorical_focal_crossentropy: y_pred has shape {tuple(y_pred.shape)}: one class; "
            f"expected (batch_size, num_classes) with num_classes > 1 (binary_crossentropy is "
            f"the loss for 2 classes)",
            SyntaxWarning,
            stacklevel=2,
        )
    if label_smoothing:
        classes = y_true.shape[-1]
        y_true = _ops.add(_ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / classes)
    if from_logits:
        y_pred = _ops.softmax(y_pred, axis=axis)
    output = _ops.divide(y_pred, _ops.sum(y_pred, axis=axis, keepdims=True))
    output = _ops.clip(output, _EPSILON, 1.0 - _EPSILON)
    cce = _ops.multiply(_ops.negative(y_true), _ops.log(output))
    weighting = _ops.multiply(_ops.power(_ops.subtract(1.0, output), gamma), alpha)
    return _ops.sum(_ops.multiply(weighting, cce), axis=axis)


@_python_loss_function
def dice(y_true, y_pred, axis=None):
    """1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + 1e-7) over `axis` (None:
    every axis, one value for the batch)."""
    intersection = _ops.sum(_ops.multiply(y_true, y_pred), axis=axis)
    union = _ops.add(_ops.add(_ops.sum(y_true, axis=axis), _ops.sum(y_pred, axis=axis)), _EPSILON)
    return _ops.subtract(1.0, _ops.divide(_ops.multiply(2.0, intersection), union))


@_python_loss_function
def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """1 - TP / (TP + alpha * FP + beta * FN + 1e-7), the sums over `axis` (None: every axis),
    with Keras's naming: FP = sum((1 - y_pred) * y_true), FN = sum(y_pred * (1 - y_true))."""
    intersection = _ops.sum(_ops.multiply(y_true, y_pred), axis=axis)
    fp = _ops.sum(_ops.multiply(_ops.subtract(1.0, y_pred), y_true), axis=axis)
    fn = _ops.sum(_ops.multiply(y_pred, _ops.subtract(1.0, y_true)), axis=axis)
    denominator = _ops.add(
        _ops.add(_ops.add(intersection, _ops.multiply(fp, alpha)), _ops.multiply(fn, beta)),
        _EPSILON,
    )
    return _ops.subtract(1.0, _ops.divide(intersection, denominator))


@_python_loss_function
def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """(1 - p ** q) / q, p the probability y_pred gives the true class (y_true: class ids)."""
    one_hot = _ops.one_hot(_ops.cast(y_true, "int32"), y_pred.shape[-1])
    p = _ops.sum(_ops.multiply(y_pred, _ops.cast(one_hot, "float32")), axis=-1)
    return _ops.divide(_ops.subtract(1.0, _ops.power(p, q)), q)


def _as_column(labels):
    return _ops.reshape(labels, (-1, 1)) if len(labels.shape) == 1 else labels


@_python_loss_function
def circle(
    y_true,
    y_pred,
    ref_labels=None,
    ref_embeddings=None,
    remove_diagonal=True,
    gamma=80,
    margin=0.4,
):
    """Keras's Circle loss of L2-normalised embeddings y_pred with integer labels y_true, against
    the reference embeddings and labels (by default the batch itself): one value per sample,
    softplus(logsumexp of the weighted positive distances + logsumexp of the negative ones).
    The Circle class, as Keras, averages over the samples whose loss is above 0 only."""
    labels = _ops.cast(y_true, "int32")
    ref_embeddings = y_pred if ref_embeddings is None else _as_tensor(ref_embeddings)
    ref = labels if ref_labels is None else _ops.cast(_as_tensor(ref_labels), "int32")
    optim_pos, optim_neg = margin, 1 + margin
    delta_pos, delta_neg = margin, 1 - margin
    distances = _ops.subtract(1.0, _ops.matmul(y_pred, _ops.transpose(ref_embeddings)))
    distances = _ops.maximum(distances, 0.0)
    query, key = _as_column(labels), _as_column(ref)
    positive = _ops.equal(query, _ops.transpose(key))  # Keras's build_pos_neg_masks
    negative = _ops.logical_not(positive)
    if remove_diagonal:
        # ~eye(n, m): each query's index against each key's (counted, so that a batch whose
        # size the trace leaves open works too)
        qi = _ops.cumsum(_ops.ones_like(_ops.cast(query, "float32")), axis=0)
        ki = _ops.cumsum(_ops.ones_like(_ops.cast(key, "float32")), axis=0)
        positive = _ops.logical_and(positive, _ops.logical_not(_ops.equal(qi, _ops.transpose(ki))))
    positive_f = _ops.cast(positive, "float32")
    negative_f = _ops.cast(negative, "float32")
    pos_weights = _ops.maximum(_ops.multiply(_ops.add(distances, optim_pos), positive_f), 0.0)
    neg_weights = _ops.maximum(_ops.multiply(_ops.subtract(optim_neg, distances), negative_f), 0.0)
    pos_dists = _ops.subtract(delta_pos, distances)
    neg_dists = _ops.subtract(delta_neg, distances)
    pos_wdists = _ops.multiply(_ops.multiply(-1.0 * gamma, pos_weights), pos_dists)
    neg_wdists = _ops.multiply(_ops.multiply(float(gamma), neg_weights), neg_dists)
    p_loss = _ops.logsumexp(_ops.where(positive, pos_wdists, float("-inf")), axis=1)
    n_loss = _ops.logsumexp(_ops.where(negative, neg_wdists, float("-inf")), axis=1)
    return _ops.softplus(_ops.add(p_loss, n_loss))


class _PythonLoss(LossFunctionWrapper):
    """A Keras loss class over one of the functions above (Keras's LossFunctionWrapper
    subclasses); `_settings` are the keyword arguments its config holds."""

    _settings = ()

    def __init__(self, fn, reduction, name, dtype, **kwargs):
        super().__init__(fn, reduction=reduction, name=name, dtype=dtype, **kwargs)
        for key, value in kwargs.items():
            setattr(self, key, value)

    def get_config(self) -> dict:
        return {**Loss.get_config(self), **{k: getattr(self, k) for k in self._settings}}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


class Hinge(_PythonLoss):
    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction, name, dtype)


class SquaredHinge(_PythonLoss):
    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction, name, dtype)


class CategoricalHinge(_PythonLoss):
    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction, name, dtype)


class MeanAbsolutePercentageError(_PythonLoss):
    def __init__(
        self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error", dtype=None
    ):
        super().__init__(mean_absolute_percentage_error, reduction, name, dtype)


class MeanSquaredLogarithmicError(_PythonLoss):
    def __init__(
        self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error", dtype=None
    ):
        super().__init__(mean_squared_logarithmic_error, reduction, name, dtype)


class CosineSimilarity(_PythonLoss):
    _settings = ("axis",)  # (Keras's config leaves it out; kept here so that a copy is the same)

    def __init__(
        self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None
    ):
        super().__init__(cosine_similarity, reduction, name, dtype, axis=axis)


class LogCosh(_PythonLoss):
    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction, name, dtype)


class Poisson(_PythonLoss):
    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction, name, dtype)


def _check_focal(owner: str, gamma, label_smoothing) -> None:
    if not 0.0 <= float(label_smoothing) <= 1.0:
        raise ValueError(f"{owner}: label_smoothing must be in [0, 1], got {label_smoothing!r}")
    if float(gamma) < 0.0:
        raise ValueError(f"{owner}: gamma must be >= 0, got {gamma!r}")


class BinaryFocalCrossentropy(_PythonLoss):
    _settings = (
        "from_logits",
        "label_smoothing",
        "axis",
        "apply_class_balancing",
        "alpha",
        "gamma",
    )

    def __init__(
        self,
        apply_class_balancing=False,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_focal_crossentropy",
        dtype=None,
    ):
        _check_focal("BinaryFocalCrossentropy", gamma, label_smoothing)
        super().__init__(
            binary_focal_crossentropy,
            reduction,
            name,
            dtype,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class CategoricalFocalCrossentropy(_PythonLoss):
    _settings = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")

    def __init__(
        self,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_focal_crossentropy",
        dtype=None,
    ):
        _check_focal("CategoricalFocalCrossentropy", gamma, label_smoothing)
        super().__init__(
            categorical_focal_crossentropy,
            reduction,
            name,
            dtype,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class Dice(_PythonLoss):
    _settings = ("axis",)

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, reduction, name, dtype, axis=axis)


class Tversky(_PythonLoss):
    _settings = ("alpha", "beta", "axis")

    def __init__(
        self,
        alpha=0.5,
        beta=0.5,
        reduction="sum_over_batch_size",
        name="tversky",
        axis=None,
        dtype=None,
    ):
        super().__init__(tversky, reduction, name, dtype, alpha=alpha, beta=beta, axis=axis)


class CategoricalGeneralizedCrossEntropy(_PythonLoss):
    """(1 - p ** q) / q with p the probability of the true class; y_true holds class ids."""

    _settings = ("q",)

    def __init__(
        self,
        q=0.5,
        reduction="sum_over_batch_size",
        name="categorical_generalized_cross_entropy",
        dtype=None,
    ):
        if not 0 < q < 1:
            raise ValueError("q must be in the interval (0, 1)")
        super().__init__(categorical_generalized_cross_entropy, reduction, name, dtype, q=q)


class Circle(_PythonLoss):
    """Keras's Circle loss (see circle()); as Keras, the reduction counts only the samples whose
    loss is above 0 (Keras masks the others): "sum_over_batch_size" averages over those."""

    _settings = ("gamma", "margin", "remove_diagonal")

    def __init__(
        self,
        gamma=80.0,
        margin=0.4,
        remove_diagonal=True,
        reduction="sum_over_batch_size",
        name="circle",
        dtype=None,
    ):
        super().__init__(
            circle,
            reduction,
            name,
            dtype,
            gamma=gamma,
            margin=margin,
            remove_diagonal=remove_diagonal,
        )

    def _reduce_values(self, values, sample_weight):
        # Keras's apply_mask with the mask circle() puts on its values (loss > 0)
        mask = _ops.cast(_ops.greater(values, 0.0), "float32")
        if self.reduction in ("mean", "sum_over_batch_size"):
            total = _ops.sum(_ops.ones_like(mask))
            valid = _ops.sum(mask)
            weight = _ops.where(
                _ops.greater(valid, 0.0), _ops.divide(total, _ops.maximum(valid, 1.0)), 0.0
            )
            mask = _ops.multiply(mask, weight)
        if sample_weight is not None:
            if len(sample_weight.shape) == len(mask.shape) + 1 and sample_weight.shape[-1] == 1:
                sample_weight = _ops.squeeze(sample_weight, axis=-1)
            mask = _ops.multiply(mask, sample_weight)
        return _reduce(values, mask, self.reduction)


_PYTHON_CLASSES = (
    Dice,
    Tversky,
    CategoricalGeneralizedCrossEntropy,
    Circle,
    Hinge,
    SquaredHinge,
    CategoricalHinge,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    CosineSimilarity,
    LogCosh,
    Poisson,
    BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy,
)
# Keras 3's names: each class's function name, its class name, and the aliases mape / msle.
_PYTHON_BY_NAME = {cls().fn.__name__: cls for cls in _PYTHON_CLASSES}
_PYTHON_BY_NAME.update({cls.__name__: cls for cls in _PYTHON_CLASSES})
_PYTHON_BY_NAME.update(
    {
        alias: _PYTHON_BY_NAME[name]
        for name, aliases in (
            ("mean_absolute_percentage_error", ("mape", "MAPE")),
            ("mean_squared_logarithmic_error", ("msle", "MSLE")),
        )
        for alias in aliases
    }
)
_BY_NAME.update(_PYTHON_BY_NAME)
