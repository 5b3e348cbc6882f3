"""Normalization layers: BatchNormalization over the last (channels) axis and
LayerNormalization over the last axis. Arguments declared in C++ (nerve/layers/normalization.h)."""

from __future__ import annotations

from .declared import DeclaredLayer


class BatchNormalization(DeclaredLayer):
    """gamma * (x - mean) / sqrt(var + epsilon) + beta per channel.

    While training (fit), mean and var are the batch's (biased variance) and the moving statistics
    move towards them: moving = moving * momentum + batch * (1 - momentum). In evaluate/predict,
    and whenever the layer is frozen (trainable=False, as Keras 3), the moving statistics are used.
    Weights, in Keras order: gamma, beta, moving_mean, moving_variance (the last two non-trainable).

    synchronized=True: when fit trains data-parallel (nerve.distributed), the batch statistics,
    their gradients and the moving statistics are those of the global batch (every rank's part,
    summed by MPI allreduce inside the C++ step), so N ranks train as one process on the global
    batch. Without nerve.distributed, or outside fit's training step, it is plain
    BatchNormalization (as Keras on one replica). synchronized=False (the default, as Keras):
    under nerve.distributed each rank normalizes with its own part of the batch and keeps its
    own moving statistics.
    """

    _weight_attributes = (
        ("gamma", "scale"),
        ("beta", "center"),
        ("moving_mean", None),
        ("moving_variance", None),
    )  # Keras's layer.kernel, ...

    core_type = "BatchNormalization"
    keras_args = {
        "beta_regularizer": None,
        "gamma_regularizer": None,
        "beta_constraint": None,
        "gamma_constraint": None,
        "renorm": False,
        "renorm_clipping": None,
        "renorm_momentum": 0.99,
    }
    # synchronized is an engine argument, but last in Keras's positional order.
    keras_order = (
        "axis",
        "momentum",
        "epsilon",
        "center",
        "scale",
        "beta_initializer",
        "gamma_initializer",
        "moving_mean_initializer",
        "moving_variance_initializer",
        *keras_args,
        "synchronized",
    )


class LayerNormalization(DeclaredLayer):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta, statistics over the last axis."""

    _weight_attributes = (("gamma", "scale"), ("beta", "center"))  # Keras's layer.kernel, ...

    core_type = "LayerNormalization"
    keras_args = dict.fromkeys(
        ("beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint")
    )

    @classmethod
    def _translate(cls, kwargs: dict) -> dict:
        axis = kwargs.get("axis")
        if isinstance(axis, (list, tuple)) and len(axis) == 1:  # Keras also takes [-1]
            kwargs = {**kwargs, "axis": axis[0]}
        return kwargs
