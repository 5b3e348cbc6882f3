"""How a batch is laid out for a training step, as Keras's data_adapter_utils: `x`, `(x,)`,
`(x, y)` or `(x, y, sample_weight)`. A Model's train_step / test_step / predict_step receives
one of these; unpack_x_y_sample_weight turns it back into its three parts."""

from __future__ import annotations


def unpack_x_y_sample_weight(data):
    """(x, y, sample_weight) from a batch; the missing parts are None (keras.utils'
    unpack_x_y_sample_weight)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(
        f"unpack_x_y_sample_weight: a batch is x, (x,), (x, y) or (x, y, sample_weight); got a "
        f"tuple of {len(data)} elements"
    )


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The batch a step receives: x alone when there is no y (wrapped as (x,) when x is itself a
    tuple or a list, the inputs of a model with several, so it is not read as (x, y): Keras's
    fit([a, b]) gives train_step ([a, b],)), else (x, y) or (x, y, sample_weight)."""
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)
