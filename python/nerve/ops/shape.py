"""nerve.ops shape ops, as keras.ops has them (numpy semantics): reshape, transpose,
expand_dims, squeeze, concatenate, stack, split, slice, take, take_along_axis, tile, repeat,
broadcast_to, pad, moveaxis, swapaxes, flip; and getitem, numpy's basic indexing (what
Tensor.__getitem__ runs). Every one records its gradient. Index tensors are float32 holding
integers (numpy integer arrays and lists are accepted); negative indices count from the end,
out-of-range or non-integer ones raise ValueError naming the op."""

from __future__ import annotations

import builtins

import numpy as np

from ._dispatch import apply

__all__ = [
    "reshape",
    "transpose",
    "expand_dims",
    "squeeze",
    "concatenate",
    "stack",
    "split",
    "slice",
    "take",
    "take_along_axis",
    "tile",
    "repeat",
    "broadcast_to",
    "pad",
    "moveaxis",
    "swapaxes",
    "flip",
    "getitem",
]


def _ints(v):
    """An int or a sequence of ints as a list (attributes of the C++ ops). A size known only at
    run time (ops.shape(x)[0] inside a custom layer's traced call) stays as it is: the trace
    records it and C++ fills it in on every step."""
    if isinstance(v, (list, tuple)):
        return [i if getattr(i, "_nerve_symbolic_dim", False) else int(i) for i in v]
    return [v if getattr(v, "_nerve_symbolic_dim", False) else int(v)]


def _opt_axes(axis):
    return None if axis is None else _ints(axis)


def _rank(x):
    return len(x.shape) if hasattr(x, "shape") else np.ndim(x)


def reshape(x, newshape):
    """x with shape `newshape` (an int or a tuple; one -1 is inferred). Same elements, row-major."""
    return apply("reshape", [x], {"newshape": _ints(newshape)})


def transpose(x, axes=None):
    """x with its axes permuted: result axis i is x's axis axes[i]; None reverses them."""
    return apply("transpose", [x], {"axes": _opt_axes(axes)})


def expand_dims(x, axis):
    """x with length-1 axes inserted at `axis` (an int or a tuple: positions in the result)."""
    return apply("expand_dims", [x], {"axis": _ints(axis)})


def squeeze(x, axis=None):
    """x without its length-1 axes (None), or without the listed ones (each must have length 1)."""
    return apply("squeeze", [x], {"axis": _opt_axes(axis)})


def concatenate(xs, axis=0):
    """The tensors of `xs` joined along `axis` (every other axis must match); axis=None joins
    them flattened."""
    xs = list(xs)
    if axis is None:
        xs = [reshape(x, -1) for x in xs]
        axis = 0
    return apply("concatenate", xs, {"axis": int(axis)})


def stack(x, axis=0):
    """The tensors of `x` (all of one shape) joined along a new axis `axis`."""
    return apply("stack", list(x), {"axis": int(axis)})


def split(x, indices_or_sections, axis=0):
    """A list of parts of x along `axis`: `indices_or_sections` equal parts (an int, which must
    divide the axis), or the parts between the given indices (a sequence, rising, within the
    axis, as jnp.split requires)."""
    if isinstance(indices_or_sections, (int, np.integer)):
        attrs = {"sections": int(indices_or_sections), "axis": int(axis)}
    else:
        attrs = {"indices": _ints(list(indices_or_sections)), "axis": int(axis)}
    return apply("split", [x], attrs, single=False)


def slice(inputs, start_indices, shape):  # noqa: A001 (Keras's name)
    """keras.ops.slice: the block of `shape` cells from `start_indices` (a -1 in shape: to the
    end of that axis). Starts are clamped so that the block fits, as jax.lax.dynamic_slice."""
    return apply("slice", [inputs], {"start_indices": _ints(start_indices), "shape": _ints(shape)})


def take(x, indices, axis=None):
    """Cells of x at integer `indices` along `axis` (None: of the flattened x); the result has
    shape x.shape[:axis] + indices.shape + x.shape[axis+1:]. Gradient: scatter-added back."""
    return apply("take", [x, indices], {"axis": None if axis is None else int(axis)})


def take_along_axis(x, indices, axis=None):
    """numpy's take_along_axis: indices of x's rank pick cells along `axis`; outside the axis
    x and indices broadcast. axis=None: 1-D indices into the flattened x."""
    return apply("take_along_axis", [x, indices], {"axis": None if axis is None else int(axis)})


def tile(x, repeats):
    """x repeated `repeats` times along each axis (numpy: the shorter of x's shape and repeats
    is padded with leading 1s)."""
    return apply("tile", [x], {"repeats": _ints(repeats)})


def repeat(x, repeats, axis=None):
    """Each element of x repeated `repeats` times along `axis` (None: of the flattened x);
    repeats is one count, or one count per element along the axis."""
    return apply(
        "repeat", [x], {"repeats": _ints(repeats), "axis": None if axis is None else int(axis)}
    )


def broadcast_to(x, shape):
    """x broadcast to `shape` (numpy rules). Gradient: summed over the broadcast axes."""
    return apply("broadcast_to", [x], {"shape": _ints(shape)})


def pad(x, pad_width, mode="constant", constant_values=None):
    """x padded by pad_width ((before, after) per axis, or one pair / one int for every axis).
    Modes: "constant" (constant_values, default 0), "edge", "reflect", "symmetric", "wrap"; the
    other numpy modes raise ValueError."""
    if constant_values is not None and mode != "constant":
        raise ValueError(
            "pad: argument `constant_values` can only be provided when `mode == 'constant'`. "
            f"Received: mode={mode}"
        )
    rank = _rank(x)
    try:
        widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (rank, 2))
    except ValueError as e:
        raise ValueError(
            f"pad: pad_width {pad_width!r} does not give a (before, after) pair for each of the "
            f"{rank} axes"
        ) from e
    value = 0.0 if constant_values is None else constant_values
    if np.ndim(value) != 0:
        raise ValueError("pad: only a scalar constant_values is supported")
    return apply(
        "pad",
        [x],
        {
            "pad_width": [int(v) for v in widths.reshape(-1)],
            "mode": str(mode),
            "constant_values": float(value),
        },
    )


def moveaxis(x, source, destination):
    """x with axes `source` moved to positions `destination` (ints or tuples), the other axes
    keeping their order."""
    return apply("moveaxis", [x], {"source": _ints(source), "destination": _ints(destination)})


def swapaxes(x, axis1, axis2):
    """x with axes axis1 and axis2 exchanged."""
    return apply("swapaxes", [x], {"axis1": int(axis1), "axis2": int(axis2)})


def flip(x, axis=None):
    """x reversed along `axis` (an int or a tuple; None: every axis)."""
    return apply("flip", [x], {"axis": _opt_axes(axis)})


# -- getitem ------------------------------------------------------------------------------------


def _is_index_array(k):
    return not isinstance(k, (int, np.integer, builtins.slice)) and (
        isinstance(k, (list, np.ndarray)) or hasattr(k, "shape")
    )


def getitem(x, key):
    """x[key] with numpy's basic indexing: ints, slices (any step, negative ones too), Ellipsis
    and None (np.newaxis); plus one integer array (a list, numpy array or tensor of integers)
    indexing one axis, which gathers with `take`. Out-of-range ints raise IndexError. Boolean
    masks and more than one index array are not supported (ValueError / NotImplementedError)."""
    if not isinstance(key, tuple):
        key = (key,)
    for k in key:
        if isinstance(k, (bool, np.bool_)) or (
            isinstance(k, (list, np.ndarray)) and np.asarray(k).dtype == bool
        ):
            raise ValueError("getitem: boolean masks are not supported by nerve; use ops.where")
        if isinstance(k, float):
            raise TypeError(
                f"getitem: indices must be integers, slices, None or Ellipsis, got {k!r}"
            )
    if builtins.sum(1 for k in key if k is Ellipsis) > 1:
        raise IndexError("getitem: an index can only have a single ellipsis ('...')")
    shape = tuple(x.shape) if hasattr(x, "shape") else np.shape(x)
    rank = len(shape)
    consumed = builtins.sum(1 for k in key if k is not None and k is not Ellipsis)
    if consumed > rank:
        raise IndexError(f"getitem: too many indices ({consumed}) for a tensor of shape {shape}")
    expanded = []
    for k in key:
        if k is Ellipsis:
            expanded.extend([builtins.slice(None)] * (rank - consumed))
        else:
            expanded.append(k)
    if Ellipsis not in key:
        expanded.extend([builtins.slice(None)] * (rank - consumed))

    begin, end, step, begin_none, end_none = [], [], [], [], []
    dropped, inserted = [], []  # axes of the sliced x dropped by ints; output positions of None
    array_at = None  # (axis of the basic-indexing result, axis of x, index array)
    axis = out_pos = 0
    positions = []  # expanded-key positions of ints and the array (numpy's advanced indices)
    for pos, k in enumerate(expanded):
        if k is None:
            inserted.append(out_pos)
            out_pos += 1
            continue
        if isinstance(k, builtins.slice):
            s = (k.start, k.stop, 1 if k.step is None else k.step)
            begin.append(0 if s[0] is None else int(s[0]))
            end.append(0 if s[1] is None else int(s[1]))
            step.append(int(s[2]))
            begin_none.append(int(s[0] is None))
            end_none.append(int(s[1] is None))
            out_pos += 1
        elif isinstance(k, (int, np.integer)):
            i, n = int(k), shape[axis]
            if n is not None and not -n <= i < n:
                raise IndexError(
                    f"getitem: index {i} is out of bounds for axis {axis} with size {n} (shape {shape})"
                )
            begin.append(i)
            end.append(i + 1)
            step.append(1)
            begin_none.append(0)
            end_none.append(int(i == -1))  # x[-1]: to the end
            dropped.append(axis)
            positions.append(pos)
        elif _is_index_array(k):
            if array_at is not None:
                raise NotImplementedError("getitem: only one integer-array index is supported")
            array_at = (out_pos, axis, k)
            begin.append(0)
            end.append(0)
            step.append(1)
            begin_none.append(1)
            end_none.append(1)
            out_pos += 1
            positions.append(pos)
        else:
            raise TypeError(
                f"getitem: indices must be integers, slices, None, Ellipsis or an integer array, "
                f"got {type(k).__name__}"
            )
        axis += 1

    out = x
    if any(s != 1 for s in step) or not all(begin_none) or not all(end_none):
        out = apply(
            "strided_slice",
            [x],
            {
                "begin": begin,
                "end": end,
                "strides": step,
                "begin_none": begin_none,
                "end_none": end_none,
            },
        )
    if dropped:
        out = apply("squeeze", [out], {"axis": dropped})
    if inserted:
        out = apply("expand_dims", [out], {"axis": inserted})
    if array_at is not None:
        out_axis, _, k = array_at
        out = take(out, k, axis=out_axis)
        # numpy: when ints and the array are apart (a slice or None between them), the gathered
        # axes go first.
        adjacent = positions == list(range(positions[0], positions[0] + len(positions)))
        if not adjacent and out_axis != 0:
            idx_rank = len(k.shape) if hasattr(k, "shape") else np.ndim(k)
            out = moveaxis(out, list(range(out_axis, out_axis + idx_rank)), list(range(idx_rank)))
    elif out is x and not hasattr(type(x), "_nerve_apply_op") and None not in shape:
        out = apply("reshape", [x], {"newshape": list(shape)})  # x[...]: a tensor, as numpy's view
    return out
