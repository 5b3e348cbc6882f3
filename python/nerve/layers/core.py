"""Dense, Activation, Identity and Masking (arguments declared in C++: nerve/layers/core.h)."""

from __future__ import annotations

from .declared import DeclaredLayer


class Dense(DeclaredLayer):
    """Fully connected: activation(x @ kernel + bias) over the last axis."""

    _weight_attributes = (("kernel", None), ("bias", "use_bias"))  # Keras's layer.kernel, ...

    core_type = "Dense"
    keras_args = dict.fromkeys(
        (
            "kernel_regularizer",
            "bias_regularizer",
            "activity_regularizer",
            "kernel_constraint",
            "bias_constraint",
            "lora_rank",
            "lora_alpha",
            "quantization_config",
        )
    )


class Activation(DeclaredLayer):
    """Applies an activation function (by Keras name) to its input."""

    core_type = "Activation"


class Identity(DeclaredLayer):
    """Returns its input unchanged (a placeholder, as Keras's); a padding mask passes through.
    It takes one tensor: a list or dict of tensors, which Keras's passes through, raises a
    ValueError."""

    core_type = "Identity"


class Masking(DeclaredLayer):
    """Marks the time steps whose features all equal `mask_value` as padding, as Keras's Masking:
    they are zeroed, and the layers that skip padding (RNNs, attention, GlobalAveragePooling1D,
    the losses and mean metrics of a masked output) skip them."""

    core_type = "Masking"
