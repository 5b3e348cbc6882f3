"""What a run (fit, evaluate, predict, ...) cannot honour, refused before it starts: a trainable
layer inside a frozen model, a layer call forced into the other mode. (Overridden Keras steps
run from Python: step_hooks.py, python_steps.py.) Part of Model (model.py)."""

from __future__ import annotations

from ..layers.normalization import BatchNormalization
from .structure import ModelStructure

TRAINING_RUNS = ("fit", "train_on_batch")  # the others run the model in inference mode


class RunChecks:
    """Refusals before a run starts (see the module docstring)."""

    def _check_run(self, where: str) -> None:
        """What a run of `where` (fit, evaluate, ...) cannot honour: a trainable layer inside
        a frozen model (training runs), and, once built, a layer call whose forced mode differs
        from the run's."""
        training = where in TRAINING_RUNS
        if training:
            self._check_trainable_flags(where)
        if self.built:
            self._check_forced_training(where, training)

    def _frozen_conflicts(self) -> list:
        """Trainable layers inside a frozen nested model: Keras would not train them (a frozen
        model contributes no trainable weights); nerve's C++ graph would."""
        found = []
        for layer in self.layers:
            if isinstance(layer, ModelStructure):
                if not layer.trainable:
                    found += [
                        f"{type(l).__name__} '{l.name}' in frozen model '{layer.name}'"
                        for l in _all_layers(layer)
                        if l.trainable and l.weights
                    ]
                else:
                    found += layer._frozen_conflicts()
        return found

    def _check_trainable_flags(self, where: str) -> None:
        found = (
            []
            if self.trainable
            else [
                f"{type(l).__name__} '{l.name}'"
                for l in _all_layers(self)
                if l.trainable and l.weights
            ]
        ) + self._frozen_conflicts()
        if found:
            raise ValueError(
                f"{where}: {', '.join(found)} is trainable inside a model whose trainable is "
                f"False. Keras trains none of a frozen model's weights; nerve would train these. "
                f"Set the model's trainable (which sets every layer inside) or the layers' "
                f"trainable to say which weights train."
            )

    def _check_forced_training(self, where: str, training: bool) -> None:
        """A layer call given training=True/False in the model (Keras' `base(x, training=False)`)
        keeps that mode in Keras whatever the run; nerve runs the whole graph in the run's mode.
        Refuse the runs where that changes a result."""
        for node in self._graph_nodes():
            if node.training is None or bool(node.training) == training:
                continue
            why = _training_dependence(node.layer)
            if why:
                layer = node.layer
                raise NotImplementedError(
                    f"{where}: {type(layer).__name__} '{layer.name}' was called with "
                    f"training={node.training} in model '{self.name}', but {where}() runs it in "
                    f"{'training' if training else 'inference'} mode and nerve cannot force one "
                    f"call's mode yet ({why}). Remove training= from that call, or make the "
                    f"layer independent of the mode (a frozen BatchNormalization, trainable="
                    f"False, always runs in inference mode; Dropout with rate 0 does nothing)."
                )


def _training_dependence(layer) -> str:
    """Why `layer` computes something else in training than in inference ("" if it does not)."""
    if isinstance(layer, BatchNormalization):
        return (
            "a trainable BatchNormalization normalises with the batch statistics in training"
            if layer.trainable
            else ""
        )
    for attr in ("rate", "dropout", "recurrent_dropout"):
        value = getattr(layer, attr, 0) or 0
        if isinstance(value, (int, float)) and value > 0:
            return f"its {attr}={value} is only applied in training"
    inner = getattr(layer, "layer", None)  # wrappers (TimeDistributed, Bidirectional)
    return _training_dependence(inner) if inner is not None and inner is not layer else ""


def _all_layers(model) -> list:
    """Every layer inside `model`, nested models opened."""
    out = []
    for layer in model.layers:
        out += _all_layers(layer) if isinstance(layer, ModelStructure) else [layer]
    return out
