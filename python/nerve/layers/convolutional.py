"""Convolution layers: Conv2D, Conv2DTranspose, DepthwiseConv2D and SeparableConv2D over
(batch, height, width, channels) images and Conv1D over (batch, timesteps, channels) sequences.
Arguments declared in C++ (nerve/layers/convolutional.h)."""

from __future__ import annotations

from .declared import DeclaredLayer

_KERAS_ARGS = (
    "kernel_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "kernel_constraint",
    "bias_constraint",
)


class Conv2D(DeclaredLayer):
    """activation(conv2d(x, kernel) + bias). The kernel has Keras' layout
    (kernel_h, kernel_w, in_channels, filters), so Keras weights load with set_weights."""

    _weight_attributes = (("kernel", None), ("bias", "use_bias"))  # Keras's layer.kernel, ...

    core_type = "Conv2D"
    keras_args = dict.fromkeys(_KERAS_ARGS)


Convolution2D = Conv2D


class Conv2DTranspose(DeclaredLayer):
    """activation(conv_transpose(x, kernel) + bias): the adjoint of Conv2D, a learned upsampling
    (decoders, GAN generators). Output sizes and padding as Keras 3: 'same' gives input * strides,
    'valid' (input - 1) * strides + max(kernel_size, strides), output_padding (< strides) sets the
    extra cells. The kernel has Keras' layout (kernel_h, kernel_w, filters, in_channels)."""

    _weight_attributes = (("kernel", None), ("bias", "use_bias"))  # Keras's layer.kernel, ...

    core_type = "Conv2DTranspose"
    keras_args = dict.fromkeys(_KERAS_ARGS)


Convolution2DTranspose = Conv2DTranspose


class DepthwiseConv2D(DeclaredLayer):
    """activation(depthwise_conv(x, kernel) + bias): each input channel convolved with its own
    depth_multiplier filters (MobileNet). The kernel has Keras' layout (kernel_h, kernel_w,
    in_channels, depth_multiplier); output channel c * depth_multiplier + m, as Keras. Under
    dtype='mixed_bfloat16' it computes in float32 (a direct loop, no matrix product)."""

    _weight_attributes = (("kernel", None), ("bias", "use_bias"))  # Keras's layer.kernel, ...

    core_type = "DepthwiseConv2D"
    keras_args = dict.fromkeys(
        (
            "depthwise_regularizer",
            "bias_regularizer",
            "activity_regularizer",
            "depthwise_constraint",
            "bias_constraint",
        )
    )


class SeparableConv2D(DeclaredLayer):
    """activation(pointwise_conv(depthwise_conv(x)) + bias): the depthwise convolution, then a
    1x1 convolution to `filters` channels (Xception). Weights in Keras' order: depthwise_kernel
    (kernel_h, kernel_w, in_channels, depth_multiplier), pointwise_kernel (1, 1, in_channels *
    depth_multiplier, filters), bias (filters). Under dtype='mixed_bfloat16' the pointwise product
    is bfloat16 (conv2d's path) and the depthwise one float32."""

    _weight_attributes = (  # Keras's layer.depthwise_kernel, ...
        ("depthwise_kernel", None),
        ("pointwise_kernel", None),
        ("bias", "use_bias"),
    )

    core_type = "SeparableConv2D"
    keras_args = dict.fromkeys(
        (
            "depthwise_regularizer",
            "pointwise_regularizer",
            "bias_regularizer",
            "activity_regularizer",
            "depthwise_constraint",
            "pointwise_constraint",
            "bias_constraint",
        )
    )


SeparableConvolution2D = SeparableConv2D


class Conv1D(DeclaredLayer):
    """1-D convolution over time. Kernel (kernel_size, channels, filters); padding 'valid',
    'same' or 'causal'."""

    _weight_attributes = (("kernel", None), ("bias", "use_bias"))  # Keras's layer.kernel, ...

    core_type = "Conv1D"
    keras_args = dict.fromkeys(_KERAS_ARGS)
