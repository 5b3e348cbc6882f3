"""The optimizer base: learning rate (a float, a schedule, or any callable), weight decay,
gradient clipping and apply_gradients. Subclasses only build their C++ optimizer (with learning
rate 0: the base sets it, or the schedule); the update rule, clipping and weight decay run in C++
in one pass per parameter (nerve/optimizers.h), which also checks their settings."""

from __future__ import annotations

import inspect
import math
import re
import warnings

from .. import _core
from ..ops import _dispatch
from ..utils.keras_args import reject_unsupported
from .schedules import LearningRateSchedule


def _set_optional(core, what: str, value, owner: str) -> None:
    """Keras's None means off; the C++ side uses 0 for off, and checks the value itself."""
    try:
        setattr(core, what, 0.0 if value is None else value)
    except TypeError:
        raise TypeError(f"{owner}: {what} must be a number or None, got {value!r}") from None


class Optimizer:
    """Base class. `learning_rate` reads as the rate the next step will use."""

    def __init__(
        self,
        core,
        learning_rate,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        name: str | None = None,
        **kwargs,
    ):
        owner = type(self).__name__
        if kwargs:
            hint = (
                " (Keras 3 ignores `decay`; use a LearningRateSchedule as learning_rate)"
                if "decay" in kwargs
                else ""
            )
            raise ValueError(f"{owner}: argument(s) not recognized: {kwargs}{hint}")
        reject_unsupported(
            owner,
            Optimizer.__init__,
            use_ema=use_ema,
            ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps,
        )
        self._core = core
        self.name = name or _snake_case(owner)
        # Keras refuses two clipping arguments that are not None, even when one is 0; C++ sees
        # only numbers (0 = off), so this one rule about None is Python's.
        if sum(v is not None for v in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                f"{owner}: only one of clipnorm, clipvalue and global_clipnorm can be set; got "
                f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}"
            )
        for what, value in (
            ("weight_decay", weight_decay),
            ("clipnorm", clipnorm),
            ("clipvalue", clipvalue),
            ("global_clipnorm", global_clipnorm),
        ):
            _set_optional(core, what, value, owner)
        core.check_settings()  # C++: finite values >= 0, at most one kind of clipping
        self._python_schedule = None
        self._schedule = None
        self._set_learning_rate(learning_rate, initial=True)

    # ---- learning rate ------------------------------------------------------------------
    def _set_learning_rate(self, value, initial: bool = False) -> None:
        owner = type(self).__name__
        if isinstance(value, LearningRateSchedule) or callable(value):
            self._schedule = value
            core_schedule = getattr(value, "_core", None)
            if type(value).__call__ is not LearningRateSchedule.__call__:
                core_schedule = None  # a subclass with its own formula
            # Closed-form schedules run in C++ every step; any other callable is evaluated in
            # Python before each step (fit then runs one step per C++ call).
            self._core.schedule = core_schedule
            self._python_schedule = None if core_schedule is not None else value
            self._sync_python_schedule()
            return
        if isinstance(self._schedule, LearningRateSchedule) and not initial:
            raise TypeError(
                f"{owner}: this optimizer was created with a LearningRateSchedule as "
                f"its learning_rate, so its learning rate is not settable. Create the "
                f"optimizer with a float learning_rate to set it."
            )
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or value < 0
        ):
            raise ValueError(
                f"{owner}: learning_rate must be a non-negative number, a "
                f"LearningRateSchedule or a callable, got {value!r}"
            )
        self._schedule = None
        self._python_schedule = None
        self._core.schedule = None
        self._core.learning_rate = float(value)

    def _sync_python_schedule(self) -> None:
        """Evaluate a Python-side learning-rate callable for the coming step."""
        fn = self._python_schedule
        if fn is None:
            return
        if isinstance(fn, LearningRateSchedule) or _takes_argument(fn):
            value = fn(self._core.iterations)
        else:
            value = fn()  # Keras: a plain callable takes no arguments
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{type(self).__name__}: the learning-rate callable returned {value}")
        self._core.learning_rate = value

    @property
    def learning_rate(self) -> float:
        self._sync_python_schedule()
        return float(self._core.current_learning_rate())

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        self._set_learning_rate(value)

    @property
    def _steps_in_python(self) -> bool:
        """True when a Python callable sets the learning rate, so fit must step one at a time."""
        return self._python_schedule is not None

    # ---- state --------------------------------------------------------------------------
    @property
    def iterations(self) -> int:
        return self._core.iterations

    @iterations.setter
    def iterations(self, value: int) -> None:
        self._core.iterations = int(value)

    @property
    def weight_decay(self):
        return self._core.weight_decay or None

    @property
    def clipnorm(self):
        return self._core.clipnorm or None

    @property
    def clipvalue(self):
        return self._core.clipvalue or None

    @property
    def global_clipnorm(self):
        return self._core.global_clipnorm or None

    def build(self, variables) -> None:
        """Keras's optimizer.build(variables): the variables a later apply(grads) without
        variables updates, in that order (nerve makes a variable's slots, Adam's moments or the
        momentum, on its first update either way)."""
        variables = list(variables)
        for var in variables:
            if not isinstance(var, _core.Tensor):
                raise TypeError(
                    f"{self.name}.build: variables must be nerve.Tensor, got {type(var).__name__}"
                )
        self._built_variables = variables

    @property
    def built(self) -> bool:
        return self.__dict__.get("_built_variables") is not None

    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Keras's: the variables in `var_list`, and every variable whose name (`w.name`:
        "kernel", "bias", "gamma", ...) a string of `var_names` matches (re.search, as Keras),
        are never decayed. Call it before the optimizer's first update."""
        if self.built or self.iterations > 0:
            raise ValueError(
                "`exclude_from_weight_decay()` can only be configured before the optimizer is "
                "built."
            )
        var_list = list(var_list or [])
        for var in var_list:
            if not isinstance(var, _core.Tensor):
                raise TypeError(
                    f"{self.name}.exclude_from_weight_decay: var_list must hold nerve.Tensor "
                    f"variables (model.weights), got {type(var).__name__}"
                )
        self._core.exclude_from_weight_decay(var_list)
        self._no_decay_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def _exclude_by_name(self, variables) -> None:
        """Marks the variables exclude_from_weight_decay(var_names=...) names (before they are
        updated: fit's trainer and apply_gradients call this with theirs)."""
        pattern = self.__dict__.get("_no_decay_pattern")
        if pattern is None:
            return
        hits = [v for v in variables if v.name is not None and pattern.search(v.name)]
        if hits:
            self._core.exclude_from_weight_decay(hits)

    def apply(self, grads, trainable_variables=None) -> None:
        """Keras 3's apply(grads, trainable_variables): apply_gradients(zip(grads,
        trainable_variables)). The first call with variables builds the optimizer on them; a
        call without variables updates those it was built on, one gradient each."""
        grads = list(grads)
        if not grads:  # Keras: nothing to apply is a no-op
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` "
                    "first."
                )
            variables = self._built_variables
            if len(grads) != len(variables):
                raise ValueError(
                    f"When passing `grads` as a list of gradient tensors, the gradients must "
                    f"match the variables the optimizer was built on one to one. Received "
                    f"{len(grads)} gradients, but the optimizer tracks {len(variables)} "
                    f"variables."
                )
        else:
            variables = list(trainable_variables)
            if len(grads) != len(variables):
                raise ValueError(
                    f"{self.name}.apply: {len(grads)} gradients for {len(variables)} variables"
                )
            if not self.built:
                self.build(variables)
        self.apply_gradients(zip(grads, variables))

    def apply_gradients(self, grads_and_vars) -> int:
        """Apply gradients (nerve.Tensor or numpy) to variables (nerve.Tensor), as Keras does:
        a None gradient skips its variable with a warning, all None raise a ValueError; the
        shapes are checked, then one C++ call updates them all. Slots (momentum, Adam's
        moments) are made per variable on its first update, so one optimizer may serve any
        variable list. Returns the iteration count."""
        pairs = list(grads_and_vars)
        grads = [g for g, _ in pairs]
        variables = [v for _, v in pairs]
        self._exclude_by_name([v for v in variables if isinstance(v, _core.Tensor)])
        tracer = _dispatch.active_step_tracer()
        if tracer is not None and any(tracer.owns(g) for g in grads):
            # Inside a traced train_step: this optimizer's update, recorded (step_tracing.py).
            tracer.apply_gradients(self, grads, variables)
            return self.iterations
        for var in variables:
            if not isinstance(var, _core.Tensor):
                raise TypeError(
                    f"apply_gradients: variables must be nerve.Tensor, got {type(var).__name__}"
                )
        missing = [i for i, g in enumerate(grads) if g is None]
        if len(missing) == len(grads):
            raise ValueError("No gradients provided for any variable.")
        if missing:  # Keras's warning: a step that leaves variables unchanged is usually a bug
            where = [f"#{i} shape {tuple(variables[i].shape)}" for i in missing]
            warnings.warn(
                f"Gradients do not exist for variables {where} when minimizing the loss. If "
                f"using `model.compile()`, did you forget to provide a `loss` argument?",
                stacklevel=2,
            )
        grads = [g if g is None or isinstance(g, _core.Tensor) else _core.Tensor(g) for g in grads]
        self._sync_python_schedule()
        self._core.apply_gradients(grads, variables)  # shapes checked, then .grad set & cleared
        return self.iterations

    def get_config(self) -> dict:
        lr = self._schedule if self._schedule is not None else self._core.learning_rate
        if hasattr(lr, "get_config"):
            lr = {"class_name": type(lr).__name__, "config": lr.get_config()}
        return {
            "name": self.name,
            "learning_rate": lr,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "clipvalue": self.clipvalue,
            "global_clipnorm": self.global_clipnorm,
        }

    def __repr__(self) -> str:
        return f"<{type(self).__name__} learning_rate={self.learning_rate:g}>"


def _snake_case(class_name: str) -> str:
    """Keras's default optimizer name: SGD -> sgd, AdamW -> adam_w, RMSprop -> rm_sprop."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _takes_argument(fn) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(
        p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        for p in params
    )
