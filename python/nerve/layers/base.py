"""The Python side of a layer: naming, building, weights as numpy, config."""

from __future__ import annotations

import functools
import inspect
import weakref

import numpy as np

from .. import _core, initializers, regularizers
from ..mixed_precision import policy as _policy
from ..ops import _dispatch
from ..utils.keras_args import UnsupportedArgumentError, check_dtype, reject_unsupported
from ..utils.naming import unique_name as _unique_name
from . import call_args, tracing
from ._shapes import from_core, to_core
from .symbolic import KerasTensor, Node


def _shape_tuple(shape, what: str) -> tuple:
    """A per-sample shape: positive ints, and None for a size left open (a sequence length)."""
    bad = ValueError(
        f"{what}: shape must be a tuple of positive ints or None (a length that "
        f"varies, e.g. (None, 8)), got {shape!r}"
    )
    try:
        t = tuple(
            None if d is None else int(d)
            for d in (shape if isinstance(shape, (tuple, list)) else (shape,))
        )
    except (TypeError, ValueError):
        raise bad from None
    if any(d is not None and d <= 0 for d in t):
        raise bad
    return t


_PYTHON_LAYERS_UNSUPPORTED = (
    "this is not supported yet: a layer written in Python defines call(inputs, training=None) "
    "from nerve.ops and other layers (with add_weight / add_loss; nerve traces it into C++); "
    "a Layer subclass with neither call() nor a "
    "built-in base has no computation (subclass a built-in layer to add get_config fields, or "
    "use nerve's layers)"
)


def _python_layer_error(cls_name: str, what: str) -> NotImplementedError:
    return NotImplementedError(f"{cls_name}: {what}; {_PYTHON_LAYERS_UNSUPPORTED}")


class RefusesPythonHooks:
    """add_weight / add_loss / add_metric, which Keras layers and models written in Python call.
    nerve runs every layer in C++ and cannot honour them yet, so each raises, naming the caller
    (Layer and Model both mix this in)."""

    def _hook_owner(self) -> str:
        return type(self).__name__

    def add_weight(self, *args, **kwargs):
        raise _python_layer_error(self._hook_owner(), "add_weight() was called")

    add_variable = add_weight

    def add_loss(self, *args, **kwargs):
        raise _python_layer_error(self._hook_owner(), "add_loss() was called")

    def add_metric(self, *args, **kwargs):
        # Keras 3 removed it (Layer.add_metric raises NotImplementedError there too).
        raise NotImplementedError(
            f"{self._hook_owner()}: add_metric() was called; Keras 3 removed add_metric. Add "
            f"your metric in compile(metrics=[...]), or create a metric tracker (e.g. "
            f"nerve.metrics.Mean(name=...)) in __init__ or build() of your layer or model and "
            f"call its update_state() in call() or train_step(); fit and evaluate report it"
        )


def _drop_batch_axis(shape) -> tuple:
    """A per-sample shape from a build() argument: Keras' leading None batch axis dropped."""
    shape = tuple(shape)
    return shape[1:] if shape and shape[0] is None else shape


def sample_output_shape(layer, sample_shape) -> tuple:
    """A layer's (or a nested model's) per-sample output shape for a per-sample input shape,
    whose leading None is a length left open, never Keras' batch axis."""
    own = getattr(layer, "_sample_output_shape", None)
    return tuple(own(sample_shape) if own else layer.compute_output_shape(sample_shape))


def _errors_name_the_layer(init):
    """Wraps a layer class's __init__ so that a ValueError raised while it is built names the
    layer even when a shared helper raised it (an unknown activation, initializer or regularizer
    name knows nothing of the layer asking for it)."""

    @functools.wraps(init)  # keeps the signature: reject_unsupported reads its defaults
    def init_naming_the_layer(self, *args, **kwargs):
        try:
            init(self, *args, **kwargs)
        except ValueError as e:
            who = type(self).__name__
            if who in str(e):
                raise
            name = getattr(self, "name", None)
            message = f"{who} '{name}': {e}" if name else f"{who}: {e}"
            try:
                named = type(e)(message)
            except TypeError:  # a ValueError subclass with a constructor of its own
                named = ValueError(message)
            raise named from e

    return init_naming_the_layer


_AUTO_CONFIG_TYPES = (str, int, float, bool, type(None))


def _basic_values(value) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_basic_values(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _basic_values(v) for k, v in value.items())
    return isinstance(value, _AUTO_CONFIG_TYPES)


def _marks_built(build):
    """A Python layer's build(): runs once, then the layer counts as built (Keras)."""

    @functools.wraps(build)
    def build_once(self, input_shape, **other_shapes):
        build(self, input_shape, **other_shapes)
        self._py_built = True

    build_once._nerve_marks_built = True
    return build_once


class Layer(RefusesPythonHooks):
    """Base of every layer. nerve's own layers create `self._core` (a C++ layer) in __init__.

    A layer written in Python (Keras style: __init__, build(input_shape) with add_weight, and
    call(inputs, training=None) built from nerve.ops and other layers) gets its C++ layer when it is
    first used: call() is traced once per training mode into a C++ TracedLayer (see tracing.py),
    which then runs on every step, in C++, like any built-in layer."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in vars(cls):
            cls.__init__ = _errors_name_the_layer(vars(cls)["__init__"])
        build = vars(cls).get("build")
        if build is not None and _is_python_layer_class(cls):
            if not getattr(build, "_nerve_marks_built", False):
                cls.build = _marks_built(build)

    def __new__(cls, *args, **kwargs):
        instance = super().__new__(cls)
        if _is_python_layer_class(cls):
            # Keras' automatic config: the arguments __init__ was given, when all are basic
            # values (str, int, float, bool, None, and lists / dicts of them).
            try:
                bound = inspect.signature(cls.__init__).bind(instance, *args, **kwargs)
                given = dict(bound.arguments)
                given.pop(next(iter(given)))  # self
                var_kw = [
                    n
                    for n, p in inspect.signature(cls.__init__).parameters.items()
                    if p.kind == p.VAR_KEYWORD
                ]
                for n in var_kw:
                    given.update(given.pop(n, {}))
                positional = any(
                    p.kind in (p.VAR_POSITIONAL, p.POSITIONAL_ONLY)
                    for p in inspect.signature(cls.__init__).parameters.values()
                    if p.name in given
                )
            except TypeError:
                given, positional = None, True
            instance.__dict__["_auto_config"] = (
                given if given is not None and not positional and _basic_values(given) else None
            )
        return instance

    def __setattr__(self, name, value):
        # Sub-layers assigned as attributes (also in lists and dicts) are tracked, as in Keras:
        # their weights are this layer's too.
        if not name.startswith("_"):
            found = _layers_in(value)
            if found:
                tracked = self.__dict__.setdefault("_tracked_layers", [])
                for layer in found:
                    if layer is not self and not any(layer is t for t in tracked):
                        tracked.append(layer)
            if _metrics_in(value):  # Keras tracks metric attributes too (layer.metrics)
                self.__dict__.setdefault("_metric_attributes", {})[name] = None
        super().__setattr__(name, value)

    @property
    def metrics(self) -> list:
        """Keras 3: the metrics assigned as attributes of this layer (e.g. a nerve.metrics.Mean
        updated in call()), then its sub-layers'. A model's fit and evaluate report them."""
        out: list = []
        for key in self.__dict__.get("_metric_attributes", ()):
            out.extend(_metrics_in(self.__dict__.get(key)))
        for layer in self.__dict__.get("_tracked_layers", ()):
            out.extend(m for m in layer.metrics if not any(m is o for o in out))
        return out

    def call(self, inputs, *args, **kwargs):
        """The computation of a layer written in Python, from nerve.ops and other layers;
        nerve's own layers run in C++ and do not define it."""
        raise NotImplementedError(f"{type(self).__name__} does not define call()")

    @property
    def _is_python_layer(self) -> bool:
        return _is_python_layer_class(type(self))

    def __init__(
        self,
        *,
        activity_regularizer=None,
        trainable: bool = True,
        dtype=None,
        autocast: bool = True,
        name: str | None = None,
        input_shape=None,
        input_dim=None,
        **kwargs,
    ):
        # Keras's Layer keywords, and input_shape / input_dim (the shape of the first layer of a
        # Sequential). Anything else is an error, as in Keras.
        if input_dim is not None:
            input_shape = (input_dim,)
        if kwargs:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}"
            )
        self.name = name or _unique_name(type(self).__name__)
        who = f"{type(self).__name__} '{self.name}'"
        self._dtype_policy = _layer_policy(who, dtype)
        reject_unsupported(who, Layer.__init__, autocast=autocast)
        self._input_shape = (
            None
            if input_shape is None
            else _shape_tuple(input_shape, f"{type(self).__name__} input_shape")
        )
        self._core = None
        self._trainable = trainable
        self.__dict__.setdefault("_tracked_layers", [])
        self.__dict__.setdefault("_py_weights", [])  # (tensor, trainable, regularizer, name)
        self.__dict__.setdefault("_py_built", False)
        self._eager_losses: list = []
        self._inbound_nodes: list[Node] = []  # one per call on symbolic tensors
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._weight_regularizers: dict[str, object] = {}

    @property
    def dtype_policy(self):
        """The layer's nerve.mixed_precision.DTypePolicy: its `dtype=` argument, else the global
        policy when the layer was created ("float32" or "mixed_bfloat16")."""
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value) -> None:
        who = f"{type(self).__name__} '{self.name}'"
        policy = _layer_policy(who, value)
        if self._core is not None:
            self._core.precision = policy.name  # ValueError where the layer cannot compute in it
        self._dtype_policy = policy

    @property
    def dtype(self) -> str:
        """The dtype of the layer's weights (Keras: the policy's variable_dtype): "float32"."""
        return self._dtype_policy.variable_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype the layer's weights are stored in: "float32" under both policies."""
        return self._dtype_policy.variable_dtype

    @property
    def compute_dtype(self) -> str:
        """The dtype of the layer's matrix products: "bfloat16" under "mixed_bfloat16" (operands
        rounded to bfloat16, float32 sums), else "float32". The layer's outputs are float32
        either way (nerve.mixed_precision says where this differs from Keras)."""
        return self._dtype_policy.compute_dtype

    def _require_core(self, where: str) -> None:
        """A Layer subclass of nerve's own that never attached a C++ layer (a Python layer gets
        its C++ layer when it is traced)."""
        if (
            getattr(self, "_core", None) is None
            and not isinstance(self, InputLayer)
            and not self._is_python_layer
        ):
            raise _python_layer_error(
                f"{type(self).__name__} '{getattr(self, 'name', '?')}'",
                f"{where}: it has no C++ layer behind it",
            )

    def _attach(self, core) -> None:
        if self._dtype_policy.name != "float32":
            core.precision = self._dtype_policy.name  # ValueError where the layer cannot
        self._core = core
        core.trainable = self._trainable
        if self.activity_regularizer is not None:
            core.activity_regularizer = self.activity_regularizer._to_core()
        for role, reg in self._weight_regularizers.items():
            core.set_weight_regularizer(role, reg._to_core())

    def _set_weight_regularizers(self, **by_role) -> None:
        """Regularizers for the weights the C++ layer creates with these roles ("kernel",
        "bias", ...); call before _attach. Each penalty enters the training loss."""
        for role, identifier in by_role.items():
            reg = regularizers.get(identifier)
            setattr(self, f"{role}_regularizer", reg)
            if reg is not None:
                self._weight_regularizers[role] = reg

    @property
    def losses(self) -> list[float]:
        """The current regularization penalties of this layer (weights, and the activity of the
        last call), summed into one value; empty when the layer has no regularizer. As Keras,
        an activity penalty is held only after a direct call (layer(x), model(x)): predict, fit
        and evaluate leave none, so an ActivityRegularization layer then has []. A Python
        layer lists its add_loss terms of the last call first, then the other penalties."""
        if self._is_python_layer:
            return self._python_losses()
        if self._core is None or (
            not self._weight_regularizers and self.activity_regularizer is None
        ):
            return []
        penalty = self._core.regularization_value()  # None: no weight penalty, no activity held
        return [] if penalty is None else [float(penalty)]

    def _python_losses(self) -> list[float]:
        if self._core is None:
            return list(self._eager_losses)
        core = self.__dict__.get("_last_core") or self._core  # the trace last called
        terms = list(core.added_losses)
        rest = float(core.regularization_loss()) - float(sum(terms))
        has_penalties = any(r is not None for _, _, r, _ in self._py_weights) or any(
            s.losses for s in self._tracked_layers
        )
        if has_penalties or abs(rest) > 1e-12:
            terms.append(rest)
        return list(self._eager_losses) + terms

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        if self._core is not None:
            self._core.trainable = self._trainable
        for trace in self.__dict__.get("_traces", [])[1:]:  # a Python layer's other traces
            trace["core"].trainable = self._trainable
        if self._is_python_layer:  # Keras: a layer's flag is its sub-layers' flag too
            for layer in self._tracked_layers:
                layer.trainable = value
        self._refresh_traced_parents()

    def _refresh_traced_parents(self) -> None:
        """The Python layers that traced this one as a sub-layer hold its weights too: their
        trainable lists follow its flag (so the optimizer sees the change)."""
        for ref in self.__dict__.get("_traced_parents", []):
            parent = ref()
            if parent is None or parent._core is None:
                continue
            for trace in parent.__dict__.get("_traces", []):
                parent._apply_weight_sources(trace["core"], trace["sources"])
            parent._refresh_traced_parents()

    # Keras's attribute names of a built layer's weights, in the order of its weight list:
    # (attribute, the constructor flag that creates that weight, or None when it always exists).
    # Dense: kernel, and bias with use_bias; a weight its flag leaves out reads None, as in Keras.
    _weight_attributes: tuple = ()

    def __getattr__(self, name):
        # Only reached when the usual lookup fails: layer.kernel, layer.bias, layer.gamma, ...
        attributes = type(self)._weight_attributes
        if any(attribute == name for attribute, _ in attributes):
            present = [a for a, flag in attributes if flag is None or getattr(self, flag)]
            if name not in present:
                return None
            if not self.built:
                raise AttributeError(
                    f"{type(self).__name__} '{self.name}' has no {name} yet: its weights are "
                    f"made when it is built (called on data, or inside a built model)"
                )
            return self.weights[present.index(name)]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def built(self) -> bool:
        return self._core is not None and self._core.built

    @built.setter
    def built(self, value: bool) -> None:
        # Keras layers set self.built = True at the end of build(); a Python layer counts as
        # built when its C++ layer is traced, so only the build() step is recorded here.
        self.__dict__["_py_built"] = bool(value)

    def build(self, input_shape) -> None:
        """Create weights for inputs of `input_shape`: a per-sample shape (no batch axis), or
        Keras' full shape, whose leading None is the batch axis (`layer.build((None, 4))`; a
        length left open is then the next None: `(None, None, 8)`)."""
        if self._is_python_layer:  # a Python layer without a build() of its own
            self._py_built = True
            return
        self._build_sample(_drop_batch_axis(input_shape))

    def _build_sample(self, sample_shape) -> None:
        """build() for a per-sample shape (None: a size left open)."""
        self._core.build(to_core(sample_shape), _core.next_seed())

    def compute_output_shape(self, input_shape) -> tuple:
        """Output shape for a per-sample input shape (no batch axis; None for unknown sizes).
        A Keras-style shape with a leading None batch axis, `(None, 5, 3)`, gives one back with
        the None kept."""
        shape = tuple(input_shape)
        if shape and shape[0] is None:
            return (None,) + tuple(self._sample_output_shape(shape[1:]))
        return self._sample_output_shape(shape)

    def _sample_output_shape(self, sample_shape) -> tuple:
        if self._core is None and self._is_python_layer:
            own = type(self).compute_output_shape is not Layer.compute_output_shape
            if own:
                return tuple(self.compute_output_shape((None,) + tuple(sample_shape)))[1:]
            self._build_many([tuple(sample_shape)])
        return from_core(self._core.output_shape(to_core(sample_shape)))

    @property
    def weights(self) -> list:
        """The layer's weights as nerve.Tensor (they share memory with numpy views): for a
        Python layer, its own add_weight weights, then its sub-layers', as in Keras."""
        if self._core is not None:
            return list(self._core.weights)
        return self._python_weights(lambda layer: layer.weights, lambda trainable: True)

    @property
    def trainable_weights(self) -> list:
        if self._core is not None:
            return list(self._core.trainable_weights)
        if not self._trainable:
            return []
        return self._python_weights(lambda layer: layer.trainable_weights, lambda t: t)

    @property
    def non_trainable_weights(self) -> list:
        if self._core is not None:
            return list(self._core.non_trainable_weights)
        if not self._trainable:
            return self.weights
        return self._python_weights(lambda layer: layer.non_trainable_weights, lambda t: not t)

    def _python_weights(self, of_sublayer, keep) -> list:
        out = [w for w, trainable, _, _ in self._py_weights if keep(trainable)]
        for layer in self._tracked_layers:
            out.extend(of_sublayer(layer))
        return out

    def _own_weights(self) -> list:
        return [w for w, _, _, _ in self._py_weights]

    def add_weight(
        self,
        shape=None,
        initializer=None,
        dtype=None,
        trainable=True,
        autocast=True,
        regularizer=None,
        constraint=None,
        aggregation="none",
        overwrite_with_gradient=False,
        name=None,
    ):
        """A new weight (a nerve.Tensor) of `shape`, initialised by `initializer` (a name or an
        Initializer; Keras' default glorot_uniform), in __init__ or build(). Trainable weights
        are updated by the optimizer; others (running statistics) by assign / assign_add from
        call(). `regularizer` adds its penalty to the training loss."""
        who = f"{type(self).__name__} '{self.name}'"
        reject_unsupported(
            f"{who}: add_weight",
            Layer.add_weight,
            autocast=autocast,
            constraint=constraint,
            aggregation=aggregation,
            overwrite_with_gradient=overwrite_with_gradient,
        )
        if self._core is not None:
            raise ValueError(
                f"{who}: add_weight() after the layer was built (traced); create weights in "
                f"__init__ or build()"
            )
        check_dtype(f"{who}: add_weight", dtype)
        if isinstance(shape, (tuple, list)) and any(d is None for d in shape):
            raise ValueError(
                f"{who}: add_weight(name={name!r}) got shape {tuple(shape)!r}: a weight's size "
                f"cannot be None. If it comes from build()'s input_shape, that size of the "
                f"input is unknown: give it in nerve.Input(shape=...) (the batch axis, "
                f"input_shape[0], is always None)"
            )
        try:
            dims = tuple(() if shape is None else shape)
            dims = tuple(int(d) for d in dims)
            if any(d <= 0 for d in dims):
                raise ValueError
        except (TypeError, ValueError):
            raise ValueError(
                f"{who}: add_weight(name={name!r}) needs a shape of positive ints, got {shape!r}"
            ) from None
        try:
            init = initializers.get("glorot_uniform" if initializer is None else initializer)
            values = init(dims) if dims else np.asarray(init((1,))[0], np.float32)
        except ValueError as e:
            raise ValueError(f"{who}: add_weight(name={name!r}): {e}") from e
        reg = regularizers.get(regularizer)
        w = _core.Tensor(np.array(values, dtype=np.float32, order="C"), bool(trainable))
        w.path = f"{self.name}/{name or 'variable'}"  # Keras's variable.path / .name
        self._py_weights.append(
            (w, bool(trainable), reg, name or f"weight_{len(self._py_weights)}")
        )
        return w

    add_variable = add_weight

    def add_loss(self, loss) -> None:
        """Adds a term to the training loss from call() (a KL term, an activity penalty): traced
        into the layer's C++ program, it enters every step's loss. Called outside call() on a
        value, it is listed in layer.losses."""
        tracer = tracing.active_tracer()
        if tracer is not None:
            tracer.add_loss(loss)
            return
        self._eager_losses.append(float(np.sum(np.asarray(loss, dtype=np.float64))))

    def get_weights(self) -> list[np.ndarray]:
        return [np.array(w) for w in self.weights]

    def set_weights(self, weights) -> None:
        current = self.weights
        if len(weights) != len(current):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': set_weights got {len(weights)} "
                f"arrays, the layer has {len(current)} weights"
            )
        for i, (w, new) in enumerate(zip(current, weights)):
            new = np.asarray(new)
            if tuple(new.shape) != tuple(w.shape):
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': weight {i} has shape "
                    f"{tuple(w.shape)}, got an array of shape {new.shape}"
                )
            np.asarray(w)[...] = new

    def count_params(self) -> int:
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    def _build_many(self, input_shapes) -> None:
        """Build for one or several per-sample input shapes (several: merge layers)."""
        if self._is_python_layer:
            if self._core is None:
                self._traced_core(None, [from_core(to_core(s)) for s in input_shapes])
            return
        shapes = [to_core(s) for s in input_shapes]
        if len(shapes) == 1:
            self._build_sample(shapes[0])
        else:
            self._core.build_many(shapes, _core.next_seed())

    def _traced_core(self, spec, sample_shapes):
        """The C++ layer of a Python layer's call on inputs of per-sample shapes `sample_shapes`
        with call arguments `spec` (call_args.CallSpec; None: inputs only): a trace made earlier
        that takes them, or a new trace (Keras runs call() on any shape its weights fit; nerve
        traces it once per input shape and call arguments, all traces sharing the weights)."""
        shapes = [to_core(s) for s in sample_shapes]
        traces = self.__dict__.setdefault("_traces", [])
        for trace in traces:
            if trace["spec"] == spec and trace["core"].accepts(shapes):
                self.__dict__["_last_core"] = trace["core"]
                return trace["core"]
        if not traces:
            core = self._trace([from_core(s) for s in shapes], spec)
        else:
            try:
                core = self._trace([from_core(s) for s in shapes], spec)
            except (ValueError, TypeError) as e:
                built = [(None,) + from_core(s) for s in self._core.input_specs]
                got = [(None,) + from_core(s) for s in shapes]
                raise ValueError(
                    f"{type(self).__name__} '{self.name}' was built for inputs "
                    f"{built[0] if len(built) == 1 else built} and cannot be called on inputs "
                    f"{got[0] if len(got) == 1 else got}: {e}"
                ) from e
        self.__dict__["_last_core"] = core
        return core

    def _trace(self, sample_shapes, spec=None):
        """A new C++ layer of this Python layer: build() (once) for Keras' full shapes, then
        call() traced for per-sample shapes `sample_shapes` (None: a size left open). The first
        one is self._core."""
        who = f"{type(self).__name__} '{self.name}'"
        if not self._py_built:
            self._build_for_call([(None,) + tuple(s) for s in sample_shapes], spec)
            self._py_built = True
        core, _, sublayers = tracing.trace_call(self, [tuple(s) for s in sample_shapes], spec)
        for w, trainable, reg, _ in self._py_weights:
            core.add_own_weight(w, trainable, None if reg is None else reg._to_core())
        ordered = list(self._tracked_layers) + [
            s for s in sublayers if not any(s is t for t in self._tracked_layers)
        ]
        seen = {_data_ptr(w) for w in self._own_weights()}
        sources = [None] * len(self._py_weights)  # per weight: the sub-layer it comes from
        for layer in ordered:
            trainable_ptrs = {_data_ptr(w) for w in layer.trainable_weights}
            for w in layer.weights:
                if _data_ptr(w) not in seen:
                    seen.add(_data_ptr(w))
                    core.add_sublayer_weight(w, _data_ptr(w) in trainable_ptrs)
                    sources.append((layer, _data_ptr(w)))
            parents = layer.__dict__.setdefault("_traced_parents", [])
            if not any(ref() is self for ref in parents):
                parents.append(weakref.ref(self))
        try:
            core.complete()
        except ValueError as e:
            raise ValueError(f"{who}: {e}") from e
        self.__dict__.setdefault("_traces", []).append(
            {"spec": spec, "core": core, "sources": sources}
        )
        if self._core is None:
            self._attach(core)
        else:  # the same settings as the first trace's
            core.trainable = self._trainable
            if self.activity_regularizer is not None:
                core.activity_regularizer = self.activity_regularizer._to_core()
            self._apply_weight_sources(core, sources)
        return core

    def _build_for_call(self, full_shapes: list, spec) -> None:
        """build() with the inputs' shape (Keras); a tensor call argument `context` passes its
        shape as `context_shape=` when build() declares that parameter (Keras 3)."""
        if spec is None:
            self.build(full_shapes[0] if len(full_shapes) == 1 else full_shapes)
            return
        primary = full_shapes[: spec.num_inputs]
        params = inspect.signature(self.build).parameters
        others = {
            f"{name}_shape": shape
            for name, shape in zip(spec.tensor_args, full_shapes[spec.num_inputs :])
            if f"{name}_shape" in params
        }
        self.build(primary if spec.list_input else primary[0], **others)

    def _apply_weight_sources(self, core, sources) -> None:
        """Sub-layer weights held by `core` follow their sub-layers' trainable flags."""
        for i, source in enumerate(sources):
            if source is not None:
                layer, ptr = source
                core.set_weight_trainable(i, ptr in {_data_ptr(w) for w in layer.trainable_weights})
        core.trainable = self._trainable  # re-applies requires_grad per weight

    def _has_weight_penalties(self) -> bool:
        """Whether a weight of this layer or of its sub-layers has a regularizer."""
        if any(r is not None for _, _, r, _ in self.__dict__.get("_py_weights", ())):
            return True
        if getattr(self, "_weight_regularizers", None):
            return True
        return any(l._has_weight_penalties() for l in self.__dict__.get("_tracked_layers", ()))

    def _call_takes_list(self, n: int) -> bool:
        return n > 1 or self.__dict__.get("_called_with_list", False)

    def __call__(self, inputs, *args, training=None, **kwargs):
        """Call the layer on one input or a list of inputs (merge layers). Symbolic KerasTensors
        give KerasTensors (building a functional model); nerve.Tensors run the C++ layer with
        autograd recording (for GradientTape); numpy arrays give numpy arrays, except inside a
        recording GradientTape, where they are constants and the result is a recorded
        nerve.Tensor. The layer is built on first use. On symbolic inputs, training=True/False
        asks for that mode in every run of the model (Keras); nerve's graph runs in the run's
        mode, so the model refuses a run where that would change the result.

        A layer written in Python takes the other arguments its call() declares, as in Keras:
        tensors (`layer(x, context)`) and fixed Python values (`layer(x, scale=2.0)`; call() is
        traced once per distinct value)."""
        self._require_core("it was called")
        kwargs.pop("mask", None)  # masks are carried by nerve's own layers, not call args
        who = f"{type(self).__name__} '{self.name}'"
        spec = None
        if self._is_python_layer:
            xs, spec, given_training = call_args.bind(self, inputs, args, kwargs)
            training = given_training if training is None else training
            many = isinstance(inputs, (list, tuple)) if spec is None else spec.list_input
        else:
            if args or kwargs:
                given = [f"{len(args)} positional"] if args else []
                raise TypeError(
                    f"{who}: call arguments other than the inputs, training and mask are not "
                    f"supported by nerve's built-in layers, got {given + sorted(kwargs)} (pass "
                    f"fixed values to __init__ instead)"
                )
            many = isinstance(inputs, (list, tuple))
            xs = list(inputs) if many else [inputs]
        if not xs:
            raise ValueError(f"{who}: called on an empty list")
        if self._core is None and self._is_python_layer and spec is None:
            self.__dict__["_called_with_list"] = many
        if any(isinstance(x, tracing.TracedTensor) for x in xs):
            # A sub-layer called inside a traced call(): recorded as a step of that trace.
            tracer = next(x for x in xs if isinstance(x, tracing.TracedTensor))._tracer
            shapes = [x.shape[1:] if isinstance(x, tracing.TracedTensor) else None for x in xs]
            if any(s is None for s in shapes):
                raise TypeError(f"{who}: inside a traced call() a layer takes traced tensors only")
            core = self._core_for(spec, shapes)
            return tracer.call_layer(self, xs, training, core)
        if any(isinstance(x, KerasTensor) for x in xs):
            # A subclass that overrides __call__ passes its own default along, so only a direct
            # call says whether `training` was given.
            outs = self._call_symbolic(
                xs, training if type(self).__call__ is Layer.__call__ else None, spec=spec
            )
        elif any(isinstance(x, _core.Tensor) for x in xs) or _dispatch.tape_recording():
            ts = [
                x
                if isinstance(x, _core.Tensor)
                else _core.Tensor(np.ascontiguousarray(x, dtype=np.float32))
                for x in xs
            ]
            core = self._core_for(spec, [t.shape[1:] for t in ts])
            outs = core.call_many(ts, bool(training))
        else:
            arrays = [np.ascontiguousarray(x, dtype=np.float32) for x in xs]
            core = self._core_for(spec, [a.shape[1:] for a in arrays])
            previous = _core.set_grad_enabled(False)  # nothing to differentiate: skip recording
            try:
                outs = [
                    np.array(t)
                    for t in core.call_many([_core.Tensor(a) for a in arrays], bool(training))
                ]
            finally:
                _core.set_grad_enabled(previous)
        return outs[0] if len(outs) == 1 else outs

    def _core_for(self, spec, shapes):
        """The C++ layer that runs a call on per-sample input shapes `shapes`: a Python layer's
        trace for them (see _traced_core), else the layer's own, built on first use."""
        if self._is_python_layer:
            return self._traced_core(spec, [from_core(to_core(s)) for s in shapes])
        self._ensure_built(shapes)
        return self._core

    def _ensure_built(self, shapes) -> None:
        if not self.built:
            self._build_many(shapes)

    def _call_symbolic(self, xs, training=None, call_kwargs=None, spec=None) -> list:
        """Output KerasTensors of a call on symbolic inputs. `training` (True / False) forces
        the mode of this call in the model (the model checks it can honour that when it runs);
        `call_kwargs` are call arguments a replay of this call must pass again; `spec` a Python
        layer's other call arguments (call_args.CallSpec)."""
        if not all(isinstance(x, KerasTensor) for x in xs):
            bad = next(x for x in xs if not isinstance(x, KerasTensor))
            raise TypeError(
                f"{type(self).__name__} '{self.name}': cannot mix symbolic inputs "
                f"(nerve.Input) with {type(bad).__name__} in one call"
            )
        shapes = [to_core(x._sample_shape) for x in xs]
        if self._is_python_layer:  # one trace per input shapes and call arguments
            core = self._core_for(spec, shapes)
            out_shapes = [from_core(s) for s in core.output_shapes_many(shapes)]
            kwargs = dict(call_kwargs or {}, **(spec.replay_kwargs() if spec else {}))
            node = Node(self, xs, out_shapes, training, kwargs)
            node.core = core
            return node.outputs
        if not self.built:
            self._build_many(shapes)
        elif not self._core.accepts(shapes):  # a built layer takes what its weights fit
            built = [(None,) + from_core(s) for s in self._core.input_specs]
            got = [x.shape for x in xs]
            raise ValueError(
                f"{type(self).__name__} '{self.name}' was built for inputs "
                f"{built[0] if len(built) == 1 else built} and cannot be called "
                f"(shared) on inputs {got[0] if len(got) == 1 else got}"
            )
        out_shapes = [from_core(s) for s in self._core.output_shapes_many(shapes)]
        return Node(self, xs, out_shapes, training, call_kwargs).outputs

    @property
    def input(self):
        """The symbolic input of the layer's first call (Keras `layer.input`)."""
        return self._node_tensors("input", lambda n: n.inputs)

    @property
    def output(self):
        """The symbolic output of the layer's first call (Keras `layer.output`)."""
        return self._node_tensors("output", lambda n: n.outputs)

    def _node_tensors(self, what, get):
        if not self._inbound_nodes:
            raise AttributeError(
                f"{type(self).__name__} '{self.name}' has never been called on a "
                f"symbolic input, so it has no {what}"
            )
        ts = get(self._inbound_nodes[0])
        return ts[0] if len(ts) == 1 else ts

    def get_config(self) -> dict:
        """The constructor arguments (JSON-serialisable): `type(self).from_config(config)` makes
        an equivalent, unbuilt layer. A Python layer that does not override get_config gets
        Keras' automatic config: the arguments its __init__ was given, when all are basic values
        (else, as Keras, NotImplementedError asking for a get_config)."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": _policy_config(self)}
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = _serialize(self.activity_regularizer)
        if self._is_python_layer and type(self).get_config is Layer.get_config:
            auto = self.__dict__.get("_auto_config")
            if auto is None:
                raise NotImplementedError(
                    f"{type(self).__name__} was created with __init__ arguments that are not "
                    f"basic values (str, int, float, bool, None, lists and dicts of them), or "
                    f"positional-only / *args arguments, so it must override get_config() (and "
                    f"from_config() if needed) to be saved: def get_config(self): config = "
                    f"super().get_config(); config.update({{'units': self.units}}); return config"
                )
            params = inspect.signature(type(self).__init__).parameters
            takes_kwargs = any(p.kind == p.VAR_KEYWORD for p in params.values())
            if not takes_kwargs:
                config = {k: v for k, v in config.items() if k in params}
            config.update(auto)
        return config

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


def _is_python_layer_class(cls) -> bool:
    """A layer written in Python: it defines call() (nerve's own layers run in C++)."""
    return getattr(cls, "call", None) is not Layer.call


def _layers_in(value) -> list:
    if isinstance(value, Layer):
        return [value]
    if getattr(type(value), "_holds_layers", False):
        # A model (a transformer block's feed-forward Sequential): its layers, in order, as
        # Keras counts a model attribute's weights (right after those assigned before it).
        return [layer for layer in value.layers if isinstance(layer, Layer)]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, Layer)]
    if isinstance(value, dict):
        return [v for v in value.values() if isinstance(v, Layer)]
    return []


def _metrics_in(value) -> list:
    """The metrics (nerve.metrics objects) an attribute holds: itself, or a list of them."""
    items = value if isinstance(value, (list, tuple)) else [value]
    if items and all(getattr(type(v), "_nerve_metric", False) for v in items):
        return list(items)
    return []


def _data_ptr(t) -> int:
    return np.asarray(t).__array_interface__["data"][0]


def _serialize(obj):
    return None if obj is None else {"class_name": type(obj).__name__, "config": obj.get_config()}


class InputLayer(Layer):
    """The source of a model input: no weights; calling nerve.Input creates one.

    dtype: float32 (None), or an integer or bool dtype for integer data such as token ids; nerve
    carries every input as float32, which holds integers up to 2**24 exactly."""

    def __init__(
        self,
        shape=None,
        batch_size=None,
        dtype=None,
        sparse=None,
        ragged=None,
        batch_shape=None,
        input_tensor=None,
        optional=False,
        name: str | None = None,
        **kwargs,
    ):
        if "input_shape" in kwargs:  # Keras's older spelling of shape
            if shape is not None:
                raise ValueError(
                    f"InputLayer: give shape or input_shape, not both (got "
                    f"shape={shape!r}, input_shape={kwargs['input_shape']!r})"
                )
            shape = kwargs.pop("input_shape")
        name = name or _unique_name("InputLayer")
        who = f"InputLayer '{name}'"
        shape = _shape_from_batch_shape(shape, batch_shape, who)
        if shape is None:
            raise ValueError(
                f"{who}: a shape is required, e.g. shape=(784,), or (None, 8) "
                f"for sequences of any length"
            )
        # sparse=False and ragged=False say the same as Keras's None
        reject_unsupported(
            who,
            InputLayer.__init__,
            batch_size=batch_size,
            sparse=sparse or None,
            ragged=ragged or None,
            input_tensor=input_tensor,
            optional=optional,
        )
        super().__init__(name=name, dtype="float32", **kwargs)  # the data's dtype, not a policy
        self._dtype = check_dtype(who, dtype, allow_integer=True)
        self.shape = _shape_tuple(shape, who)
        self._output = Node(self, [], [self.shape]).outputs[0]
        self._output.dtype = self._dtype  # what Keras's Input(...).dtype reports

    @property
    def dtype(self) -> str:
        """The dtype of the data fed here ("float32", or an integer/bool dtype)."""
        return self._dtype

    @property
    def built(self) -> bool:
        return True

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(self.shape)

    def __call__(self, *args, **kwargs):
        raise TypeError(
            f"InputLayer '{self.name}' cannot be called; use its tensor "
            f"(nerve.Input(shape) returns it)"
        )

    def get_config(self) -> dict:
        return {"shape": list(self.shape), "dtype": self.dtype, "name": self.name}


def _shape_from_batch_shape(shape, batch_shape, who: str):
    """Keras's batch_shape=(None, *shape): nerve models take any batch size, so only a None
    batch axis can be honoured."""
    if batch_shape is None:
        return shape
    if shape is not None:
        raise ValueError(
            f"{who}: give shape or batch_shape, not both (got shape={shape!r}, "
            f"batch_shape={batch_shape!r})"
        )
    batch_shape = tuple(batch_shape)
    if not batch_shape or batch_shape[0] is not None:
        raise UnsupportedArgumentError(
            f"{who}: batch_shape={batch_shape!r} is not supported yet: nerve models take any "
            f"batch size, so the batch axis must be None (or pass shape= without it)"
        )
    return batch_shape[1:]


def Input(
    shape=None,
    batch_size=None,
    dtype=None,
    sparse=None,
    ragged=None,  # noqa: N802
    batch_shape=None,
    name: str | None = None,
    tensor=None,
    optional=False,
) -> KerasTensor:
    """`nerve.Input(shape=(784,))`: a symbolic model input; `shape` excludes the batch axis.
    dtype as InputLayer (float32, or an integer/bool dtype for integer data).
    None leaves a size open: `Input(shape=(None, 8))` takes sequences of any length (each batch
    has one length), `Input(shape=(None,))` token ids of any length.

    Call layers on it to build a functional model (nerve.Model(inputs, outputs)), or put it first
    in a Sequential to declare the input shape."""
    return InputLayer(
        shape, batch_size, dtype, sparse, ragged, batch_shape, tensor, optional, name
    )._output


def _layer_policy(who: str, dtype):
    """A layer's policy from its `dtype=` argument: None -> the global policy; a policy name, a
    DTypePolicy (nerve's or Keras's) or Keras's serialised policy; also the float32 dtype in any
    spelling (np.float32). ValueError naming the layer for anything nerve does not compute in."""
    if dtype is None:
        return _policy.global_policy()
    if not isinstance(dtype, (str, dict, _policy.DTypePolicy)) and type(dtype).__name__ not in (
        "DTypePolicy",
        "FloatDTypePolicy",
    ):
        check_dtype(who, dtype)  # np.float32, np.dtype("float32"); raises for others
        return _policy.DTypePolicy("float32")
    try:
        return _policy.as_policy(dtype, who)
    except ValueError:
        raise ValueError(
            f"{who}: dtype={dtype!r} is not supported; nerve's layers compute in 'float32' or "
            f"under the 'mixed_bfloat16' policy (bfloat16 matrix products, float32 weights)"
        ) from None


def _policy_config(layer):
    """What get_config writes for the policy: "float32" (as nerve always wrote, a form Keras
    reads), or Keras 3's serialised DTypePolicy for "mixed_bfloat16"."""
    policy = layer._dtype_policy
    return "float32" if policy.name == "float32" else _policy.serialize(policy)
