"""nerve.ops shape ops, as keras.ops has them (numpy semantics): reshape, transpose,
expand_dims, squeeze, concatenate, stack, split, slice, take, take_along_axis, tile, repeat,
broadcast_to, pad, moveaxis, swapaxes, flip; and getitem, numpy's basic indexing (what
Tensor.__getitem__ runs). Every one records its gradient. Index tensors are float32 holding
integers (numpy integer arrays and lists are accepted); negative indices count from the end,
out-of-range or non-integer ones raise ValueError naming the op."""

from __future__ import annotations

import builtins

import numpy as np

from . import core as _core_ops
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
    "tril",
    "triu",
    "ravel",
    "hstack",
    "vstack",
    "unstack",
    "diagonal",
    "diag",
    "argsort",
    "sort",
    "top_k",
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


# -- structure: compositions of the registered ops above (so exact, differentiable, traceable)


def _static_shape(op, x):
    shape = _core_ops.shape

    return tuple(shape(x))


def _norm_axis(op, axis, rank, shape_=None):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op}: axis must be an int, got {axis!r}")
    if not -rank <= axis < rank:
        raise ValueError(f"{op}: axis {axis} is out of range for x of shape {shape_}")
    return int(axis) % rank


def tril(x, k=0):
    """x with the entries above diagonal k of its last two axes set to 0."""
    return apply("tril", [x], {"k": int(k)})


def triu(x, k=0):
    """x with the entries below diagonal k of its last two axes set to 0."""
    return apply("triu", [x], {"k": int(k)})


def ravel(x):
    """x flattened to 1-D, row-major."""
    return reshape(x, -1)


def hstack(xs):
    """The tensors joined along axis 1 (axis 0 for 1-D ones), as numpy.hstack."""
    xs = list(xs)
    if not xs:
        raise ValueError("hstack: needs at least one tensor")
    return concatenate(xs, axis=0 if len(_static_shape("hstack", xs[0])) <= 1 else 1)


def vstack(xs):
    """The tensors joined along axis 0, 0-d and 1-D ones as rows first, as numpy.vstack."""
    xs = list(xs)
    if not xs:
        raise ValueError("vstack: needs at least one tensor")
    rows = []
    for x in xs:
        rank = len(_static_shape("vstack", x))
        rows.append(reshape(x, (1, -1)) if rank < 2 else x)
    return concatenate(rows, axis=0)


def unstack(x, num=None, axis=0):
    """The slices of x along `axis` as a list (each without that axis); `num`, when given, must be
    the axis's size."""
    shp = _static_shape("unstack", x)
    axis = _norm_axis("unstack", axis, len(shp), shp)
    size = shp[axis]
    if not isinstance(size, (int, np.integer)):
        raise ValueError(f"unstack: axis {axis} of x (shape {shp}) must have a known size")
    if num is not None and num != size:
        raise ValueError(f"unstack: num={num} but axis {axis} of x (shape {shp}) has size {size}")
    if size == 0:
        return []
    parts = split(x, int(size), axis=axis)
    return [squeeze(p, axis=axis) for p in parts]


def diagonal(x, offset=0, axis1=0, axis2=1):
    """The entries x[..., i, i + offset] of the 2-D planes on axis1 and axis2, on a new last axis
    (as numpy.diagonal)."""
    shp = _static_shape("diagonal", x)
    if len(shp) < 2:
        raise ValueError(f"diagonal: x must have at least 2 axes, got shape {shp}")
    a1 = _norm_axis("diagonal", axis1, len(shp), shp)
    a2 = _norm_axis("diagonal", axis2, len(shp), shp)
    if a1 == a2:
        raise ValueError(f"diagonal: axis1 and axis2 must differ, got {axis1} and {axis2}")
    rows, cols = shp[a1], shp[a2]
    if not isinstance(rows, (int, np.integer)) or not isinstance(cols, (int, np.integer)):
        raise ValueError(f"diagonal: axes {a1} and {a2} of x (shape {shp}) must have known sizes")
    offset = int(offset)
    n = builtins.max(
        0, builtins.min(rows + builtins.min(offset, 0), cols - builtins.max(offset, 0))
    )
    planes = moveaxis(x, [a1, a2], [-2, -1])
    r0, c0 = builtins.max(-offset, 0), builtins.max(offset, 0)
    square = getitem(planes, (Ellipsis, builtins.slice(r0, r0 + n), builtins.slice(c0, c0 + n)))
    # where, not a product with eye: inf off the diagonal must not give nan
    kept = apply("where", [apply("eye", [], {"N": n}), square, 0.0])
    return apply("sum", [kept], {"axis": [-1], "keepdims": False})


def diag(x, k=0):
    """A 1-D x as the diagonal k of a square matrix (zeros elsewhere); a 2-D x's diagonal k."""
    shp = _static_shape("diag", x)
    k = int(k)
    if len(shp) == 2:
        return diagonal(x, k)
    if len(shp) != 1:
        raise ValueError(f"diag: x must be 1-D or 2-D, got shape {shp}")
    n = shp[0]
    if not isinstance(n, (int, np.integer)):
        raise ValueError(f"diag: x (shape {shp}) must have a known size")
    size = n + builtins.abs(k)
    row = pad(x, [(k, 0)] if k >= 0 else [(0, -k)])  # row[j] = the value of column j
    mask = apply("eye", [], {"N": size, "k": k})
    return apply("where", [mask, reshape(row, (1, size)), 0.0])


def _last_axis_op(op, x, axis, attrs=None):
    """Runs registered op `op` (it works along the last axis) along `axis` of x (None: of x
    flattened), moving that axis to the end and back."""
    attrs = attrs or {}
    if axis is None:
        return apply(op, [reshape(x, -1)], attrs)
    shp = _static_shape(op, x)
    if len(shp) == 0:
        raise ValueError(f"{op}: x has shape () and no axis {axis}; use axis=None")
    axis = _norm_axis(op, axis, len(shp), shp)
    if axis == len(shp) - 1:
        return apply(op, [x], attrs)
    out = apply(op, [moveaxis(x, axis, -1)], attrs)
    return moveaxis(out, -1, axis)


def argsort(x, axis=-1):
    """The indices that sort x along `axis` (None: x flattened), ascending and stable, NaN last,
    as a float32 tensor holding integers. No gradient."""
    return _last_axis_op("argsort", x, axis)


def sort(x, axis=-1):
    """x sorted ascending along `axis` (None: x flattened), NaN last. The gradient goes back to
    the position each value came from."""
    if axis is None:
        x, axis = reshape(x, -1), 0
    return take_along_axis(x, argsort(x, axis), axis)


def top_k(x, k, sorted=True):  # noqa: A002 (Keras's name)
    """(values, indices) of the k largest entries along the last axis, largest first, ties in
    index order (as jax.lax.top_k); indices are float32 holding integers. The values carry the
    gradient. `sorted=False` gives the same sorted result (allowed by Keras)."""
    shp = _static_shape("top_k", x)
    if len(shp) == 0:
        raise ValueError("top_k: x must have at least 1 axis, got shape ()")
    n = shp[-1]
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise ValueError(f"top_k: k must be an int >= 0, got {k!r}")
    if isinstance(n, (int, np.integer)) and k > n:
        raise ValueError(f"top_k: k={k} is more than the last axis of x (shape {shp}) holds")
    order = apply("argsort", [x], {"descending": True})
    indices = getitem(order, (Ellipsis, builtins.slice(0, int(k))))
    return take_along_axis(x, indices, -1), indices
