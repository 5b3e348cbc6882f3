"""Model: the Keras training API (compile / fit / evaluate / predict) over the C++ Trainer.

One Model class serves three kinds of model: Sequential, functional (nerve.Model(inputs,
outputs), see functional.py) and subclassed (`class M(nerve.Model)` with a `call` method). A
subclassed model's `call` is traced once with symbolic inputs, when the model is first built, into
the same C++ graph a functional model uses, so training still runs entirely in C++. `call` must
therefore be traceable: built from nerve layers (and +, -, * between their outputs), with no
Python branching on values.

The class is composed of one part per concern, each in its own module: structure.py (the graph
and weights), compile.py, preparation.py (data made ready for the C++ loops), training.py (fit,
train_on_batch), inference.py (evaluate, predict and their one-batch forms), run_checks.py
(what a run cannot honour), step_hooks.py (Keras's overridable train_step, test_step,
predict_step, compute_loss, compute_metrics and `metrics`) and python_steps.py (the loops that call
overridden steps from Python). This module keeps construction, configuration, saving and summary.
"""

from __future__ import annotations

import inspect
import json

from ..layers import call_effects
from ..layers.base import RefusesPythonHooks, _unique_name
from ..saving import keras_format, saving_lib
from ..utils.keras_args import reject_unsupported
from .compile import Compile
from .inference import Inference
from .preparation import DataPreparation
from .python_steps import PythonStepLoops
from .run_checks import RunChecks
from .step_hooks import StepHooks
from .structure import ModelStructure
from .summary import format_summary
from .training import TrainingLoops


class Model(
    ModelStructure,
    Compile,
    DataPreparation,
    TrainingLoops,
    Inference,
    StepHooks,
    PythonStepLoops,
    RunChecks,
    RefusesPythonHooks,
):
    """Base of all models; `nerve.Model(inputs, outputs)` makes a functional model."""

    # nerve.Model(inputs, outputs) makes a Functional model; functional.py, which builds on this
    # module, registers that class here.
    _functional = None

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            return object.__new__(Model._functional)
        obj = object.__new__(cls)
        obj._auto_config = _capture_init_args(cls, args, kwargs)
        return obj

    def __init__(self, *args, name: str | None = None, trainable: bool = True, **kwargs):
        if _functional_arguments(args, kwargs) and not isinstance(self, Model._functional):
            # Keras: a Model subclass whose __init__ passes (inputs, outputs) on is a functional
            # model that keeps the subclass's methods (its train_step, ...).
            self.__class__ = _functional_subclass(type(self))
            Model._functional.__init__(
                self,
                *args,
                name=name or _unique_name(type(self).__name__),  # Keras: "custom_model"
                trainable=trainable,
                **kwargs,
            )
            return
        if len(args) > 1:
            raise TypeError(
                f"Model: unexpected positional arguments {args!r}; a functional model takes "
                f"(inputs, outputs), a subclassed one (name, trainable=)"
            )
        if args:
            name = args[0]
        if kwargs:
            raise TypeError(
                f"Model: unexpected arguments {sorted(kwargs)}; a functional model "
                f"needs both inputs= and outputs="
            )
        self.name = name or _unique_name(
            type(self).__name__ if type(self) is not Model else "Model"
        )
        self._trainer = None
        self.optimizer = None
        self.loss = None
        self._losses = []
        self._loss_weights = None
        self._compile_config = None
        self._metric_ids = []
        self._weighted_metric_ids = []
        self._metric_names: list[str] = []
        self._metric_objects = []
        self.stop_training = False
        self.history = None
        self._graph = None  # functional and traced subclassed models
        self._trainable = bool(trainable)  # applied to the layers once they are known
        self._first_symbolic_call = None  # (inputs, outputs) of the first call on symbolic inputs
        self._single_input = True
        self._single_output = True

    def _hook_owner(self) -> str:  # add_weight / add_metric name the model
        return f"{type(self).__name__} '{self.name}'"

    def add_loss(self, loss) -> None:
        """Adds a term (or a list of terms) to the training loss from call(): a KL term, an
        activity penalty (Keras sums each term). The term is computed in C++ on every step of
        fit and evaluate, and enters the reported loss, as a layer's add_loss does."""
        who = f"{type(self).__name__} '{self.name}'"
        for term in loss if isinstance(loss, (list, tuple)) else [loss]:
            if not (call_effects.is_recording() and call_effects.is_term(term)):
                raise ValueError(
                    f"{who}: add_loss() can only be called from inside call(), on a tensor "
                    f"computed there from its inputs (Keras), got {type(term).__name__}"
                )
            call_effects.record("loss", None, term, f"{who}: add_loss")

    def summary(
        self,
        line_length=None,
        positions=None,
        print_fn=None,
        expand_nested=False,
        show_trainable=False,
        layer_range=None,
    ) -> None:
        """The layer table; print_fn (default print) receives it as one string."""
        reject_unsupported(
            f"{type(self).__name__}.summary",
            Model.summary,
            line_length=line_length,
            positions=positions,
            expand_nested=expand_nested,
            show_trainable=show_trainable,
            layer_range=layer_range,
        )
        (print_fn or print)(format_summary(self))

    def get_config(self) -> dict:
        """Subclassed models: the constructor arguments, captured automatically when they are
        JSON values; override get_config (and from_config) otherwise."""
        if self._auto_config is None:
            raise NotImplementedError(
                f"{type(self).__name__}: its constructor arguments are not plain JSON values, so "
                f"it cannot be saved automatically; define get_config() returning them"
            )
        return dict(self._auto_config)

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        if cls is Model and {"layers", "nodes", "input_layers"} <= set(config):
            # Keras: Model.from_config rebuilds a functional model from its config
            return Model._functional.from_config(config, custom_objects)
        config = dict(config)
        params = inspect.signature(cls.__init__).parameters
        takes_any = any(p.kind == p.VAR_KEYWORD for p in params.values())
        name = config.pop("name", None) if "name" not in params and not takes_any else None
        model = cls(**config)
        if name is not None:
            model.name = name
        return model

    def to_json(self, **kwargs) -> str:
        """The architecture (and compile() arguments) as Keras 3's JSON text: what a .keras
        file's config.json holds, which keras.models.model_from_json and
        nerve.models.model_from_json read (weights not included). Sequential and functional
        models; json.dumps's keyword arguments (indent=2, ...) pass."""
        return keras_format.to_json(self, **kwargs)

    def save(self, filepath, overwrite: bool = True, zipped=None, **kwargs) -> None:
        """One file with the architecture, the weights, and the optimizer state (written
        atomically), in nerve's format when the name ends in .nerve; a name ending in .keras
        writes a Keras 3 archive (architecture and weights, for Sequential and functional
        models; needs h5py) that keras.saving.load_model reads. .h5 names are refused. Load
        either with nerve.models.load_model."""
        if kwargs:
            raise ValueError(f"Model.save: arguments not recognized: {kwargs}")
        reject_unsupported("Model.save", Model.save, zipped=zipped)
        saving_lib.save_model(self, filepath, overwrite=overwrite)

    def save_weights(self, filepath, overwrite: bool = True, max_shard_size=None) -> None:
        """The weights only, in a file whose name ends in .weights.nerve (Keras: .weights.h5)."""
        reject_unsupported("Model.save_weights", Model.save_weights, max_shard_size=max_shard_size)
        saving_lib.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs) -> None:
        if kwargs:
            raise ValueError(f"Model.load_weights: arguments not recognized: {kwargs}")
        reject_unsupported("Model.load_weights", Model.load_weights, skip_mismatch=skip_mismatch)
        saving_lib.load_weights(self, filepath)


def _functional_arguments(args, kwargs) -> bool:
    """Whether a constructor call gives a functional model's inputs and outputs (Keras's test)."""
    return (
        len(args) == 2
        or (len(args) == 1 and "outputs" in kwargs)
        or ("inputs" in kwargs and "outputs" in kwargs)
    )


_FUNCTIONAL_SUBCLASSES: dict = {}


def _functional_subclass(cls):
    """`cls` with the functional model's construction and graph under its own methods (made
    once per class; it keeps cls's name)."""
    if cls not in _FUNCTIONAL_SUBCLASSES:
        _FUNCTIONAL_SUBCLASSES[cls] = type(
            cls.__name__,
            (cls, Model._functional),
            {"__module__": cls.__module__, "__qualname__": cls.__qualname__},
        )
    return _FUNCTIONAL_SUBCLASSES[cls]


def _capture_init_args(cls, args, kwargs):
    """The arguments of a subclassed model's constructor, when they are plain JSON values (what
    a default get_config returns); None otherwise."""
    if cls.__init__ is Model.__init__:
        return {k: v for k, v in kwargs.items()} if not args else None
    try:
        bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
    except TypeError:
        return None
    config = {}
    for name, value in list(bound.arguments.items())[1:]:
        kind = inspect.signature(cls.__init__).parameters[name].kind
        if kind == inspect.Parameter.VAR_POSITIONAL:
            if value:
                return None
        elif kind == inspect.Parameter.VAR_KEYWORD:
            config.update(value)
        else:
            config[name] = value
    try:
        json.dumps(config)
    except (TypeError, ValueError):
        return None
    return config
