"""nerve.ops linalg: matmul (numpy semantics, batched) and einsum (composed of transpose,
reshape, sum and matmul, so that it is differentiable and traceable like the ops it uses)."""

from __future__ import annotations

import math as _math
import string

import numpy as np

from . import core as _core_ops
from ._dispatch import apply

__all__ = ["matmul", "einsum", "tensordot", "dot", "outer", "vdot", "norm"]


def matmul(x1, x2):
    """numpy's matmul: a 1-D x1 is a row and a 1-D x2 a column (the added axis removed after);
    operands of more than 2 axes are stacks of matrices whose leading (batch) axes broadcast.
    Each product runs through nerve's GEMM; the gradient flows to both operands."""
    return apply("matmul", [x1, x2])


def _shape(x):
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def _size(dims):
    """The product of `dims`, or -1 (inferred by reshape) when one is unknown (None)."""
    if any(d is None for d in dims):
        return -1
    return _math.prod(dims)


def _sum_out(x, term, letters):
    """x (subscripts `term`) summed over `letters`; returns (tensor, remaining term)."""
    axes = [i for i, c in enumerate(term) if c in letters]
    if not axes:
        return x, term
    return apply("sum", [x], {"axis": axes}), "".join(c for c in term if c not in letters)


def _transpose_to(x, term, order):
    if term == order:
        return x
    return apply("transpose", [x], {"axes": [term.index(c) for c in order]})


def _contract(a, ta, b, tb, keep, sizes):
    """a (subscripts ta) times b (tb), summed over the letters they share that are not in
    `keep`; returns (tensor, term) with the batch, then a's, then b's letters."""
    a, ta = _sum_out(a, ta, {c for c in ta if c not in tb and c not in keep})
    b, tb = _sum_out(b, tb, {c for c in tb if c not in ta and c not in keep})
    batch = "".join(c for c in ta if c in tb and c in keep)
    summed = "".join(c for c in ta if c in tb and c not in keep)
    left = "".join(c for c in ta if c not in tb)
    right = "".join(c for c in tb if c not in ta)
    groups = [[sizes[c] for c in g] for g in (batch, left, summed, right)]
    if sum(1 for g in groups if _size(g) == -1) > 1:
        raise NotImplementedError(
            "einsum: more than one group of axes of unknown size; give the operands known shapes"
        )
    nb, nl, ns, nr = (_size(g) for g in groups)
    a3 = apply("reshape", [_transpose_to(a, ta, batch + left + summed)], {"newshape": [nb, nl, ns]})
    b3 = apply(
        "reshape", [_transpose_to(b, tb, batch + summed + right)], {"newshape": [nb, ns, nr]}
    )
    out = apply("matmul", [a3, b3])
    dims = [-1 if sizes[c] is None else sizes[c] for c in batch + left + right]
    return apply("reshape", [out], {"newshape": dims}), batch + left + right


def einsum(subscripts, *operands, **kwargs):
    """Einstein summation, e.g. einsum("bij,bjk->bik", a, b). Supported: any number of operands
    whose subscripts are letters, each letter at most once per operand (no diagonals or traces),
    with or without an explicit output ("->"): matrix and batched products, transposes, outer
    products and sums. An ellipsis ("...ij,...jk->...ik") stands for the leading axes, right
    aligned as in numpy (axes it covers in two operands must have equal sizes: no broadcasting
    of size 1). Repeated letters raise NotImplementedError.
    Operands are contracted left to right, each contraction one batched matmul."""
    if kwargs:
        raise TypeError(f"einsum: unsupported arguments {sorted(kwargs)}")
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: subscripts must be a string, got {type(subscripts).__name__}")
    spec = subscripts.replace(" ", "")
    if "." in spec:
        spec = _expand_ellipsis(spec, subscripts, operands)
    inputs, arrow, output = spec.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"einsum: {subscripts!r} names {len(terms)} operands, got {len(operands)}")
    every = "".join(terms)
    if not arrow:  # numpy's implicit output: the letters seen once, in alphabetical order
        output = "".join(sorted(c for c in set(every) if every.count(c) == 1))
    sizes: dict[str, int | None] = {}
    for term, x in zip(terms, operands):
        shape = _shape(x)
        if not term.isalpha() and term:
            raise ValueError(f"einsum: subscripts must be letters, got {term!r} in {subscripts!r}")
        if len(set(term)) != len(term):
            raise NotImplementedError(
                f"einsum: a letter repeated within one operand ({term!r}: diagonals and traces) "
                "is not supported"
            )
        if len(term) != len(shape):
            raise ValueError(
                f"einsum: subscripts {term!r} name {len(term)} axes for an operand of shape {shape}"
            )
        for c, d in zip(term, shape):
            if c in sizes and sizes[c] is not None and d is not None and sizes[c] != d:
                raise ValueError(
                    f"einsum: axis {c!r} has size {sizes[c]} in one operand and {d} in another "
                    f"(subscripts {subscripts!r})"
                )
            sizes[c] = d if sizes.get(c) is None else sizes[c]
    if len(set(output)) != len(output) or any(c not in sizes for c in output):
        raise ValueError(
            f"einsum: output subscripts {output!r} must be distinct letters of the inputs"
        )
    x, term = operands[0], terms[0]
    for i in range(1, len(operands)):
        keep = set(output).union(*terms[i + 1 :])
        x, term = _contract(x, term, operands[i], terms[i], keep, sizes)
    x, term = _sum_out(x, term, set(term) - set(output))
    if x is operands[0] and term == output:  # nothing to do: still a new tensor, as numpy's
        return apply(
            "reshape", [x], {"newshape": [-1 if sizes[c] is None else sizes[c] for c in term]}
        )
    return _transpose_to(x, term, output)


def _expand_ellipsis(spec: str, subscripts: str, operands) -> str:
    """`spec` with each "..." replaced by letters it does not use, one per axis it covers
    (right aligned across operands, as numpy); an implicit output puts them first (numpy)."""
    inputs, arrow, output = spec.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"einsum: {subscripts!r} names {len(terms)} operands, got {len(operands)}")
    if any(t.replace("...", "").count(".") for t in terms + [output]) or any(
        t.count("...") > 1 for t in terms + [output]
    ):
        raise ValueError(
            f"einsum: an ellipsis is three dots, at most once per term: {subscripts!r}"
        )
    covered = []
    for term, x in zip(terms, operands):
        if "..." not in term:
            covered.append(0)
            continue
        n = len(_shape(x)) - (len(term) - 3)
        if n < 0:
            raise ValueError(
                f"einsum: subscripts {term!r} name {len(term) - 3} axes besides the ellipsis for "
                f"an operand of shape {_shape(x)}"
            )
        covered.append(n)
    used = set(spec)
    free = [c for c in string.ascii_letters if c not in used]
    width = max(covered)
    if width > len(free):
        raise ValueError(f"einsum: too many axes under the ellipsis in {subscripts!r}")
    letters = "".join(free[:width])
    terms = [t.replace("...", letters[width - n :]) for t, n in zip(terms, covered)]
    if arrow:
        output = output.replace("...", letters)
    else:
        every = "".join(terms)
        output = letters + "".join(
            sorted(c for c in set(every) if every.count(c) == 1 and c not in letters)
        )
    return ",".join(terms) + "->" + output


def _rank_of(x):
    shape = _core_ops.shape

    return len(shape(x))


def tensordot(x1, x2, axes=2):
    """Sum of products over the last `axes` axes of x1 and the first of x2 (an int), or over the
    listed axis pairs (a pair of int sequences), as numpy.tensordot; through einsum."""
    r1, r2 = _rank_of(x1), _rank_of(x2)
    if isinstance(axes, (int, np.integer)) and not isinstance(axes, bool):
        n = int(axes)
        if n > r1 or n > r2 or n < 0:
            raise ValueError(f"tensordot: axes={n} is more than the ranks {r1} and {r2} allow")
        a1, a2 = list(range(r1 - n, r1)), list(range(n))
    else:
        try:
            a1, a2 = axes
            a1 = [a1] if isinstance(a1, (int, np.integer)) else list(a1)
            a2 = [a2] if isinstance(a2, (int, np.integer)) else list(a2)
        except (TypeError, ValueError):
            raise ValueError(
                f"tensordot: axes must be an int or a pair of sequences, got {axes!r}"
            ) from None
        if len(a1) != len(a2):
            raise ValueError(f"tensordot: axes {a1} and {a2} must have the same length")
    for a, r, which in ((a1, r1, "x1"), (a2, r2, "x2")):
        for i in a:
            if not -r <= i < r:
                raise ValueError(f"tensordot: axis {i} is out of range for {which} of rank {r}")
    a1, a2 = [i % r1 for i in a1], [i % r2 for i in a2]
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if r1 + r2 > len(letters):
        raise ValueError(f"tensordot: ranks {r1} + {r2} are too many")
    t1 = list(letters[:r1])
    t2 = list(letters[r1 : r1 + r2])
    for i, j in zip(a1, a2):
        t2[j] = t1[i]
    out = [c for i, c in enumerate(t1) if i not in a1] + [
        c for j, c in enumerate(t2) if j not in a2
    ]
    return einsum("".join(t1) + "," + "".join(t2) + "->" + "".join(out), x1, x2)


def dot(x1, x2):
    """numpy.dot: a product for 0-d operands, the inner product of two vectors, else the sum over
    x1's last axis and x2's second-to-last (its only axis when 1-D)."""
    r1, r2 = _rank_of(x1), _rank_of(x2)
    if r1 == 0 or r2 == 0:
        return apply("multiply", [x1, x2])
    return tensordot(x1, x2, axes=([r1 - 1], [max(r2 - 2, 0)]))


def outer(x1, x2):
    """The outer product of x1 and x2 flattened: out[i, j] = x1[i] * x2[j]."""
    a = apply("reshape", [x1], {"newshape": [-1, 1]})
    b = apply("reshape", [x2], {"newshape": [1, -1]})
    return apply("multiply", [a, b])


def vdot(x1, x2):
    """The inner product of x1 and x2 flattened (they must have the same size)."""
    a = apply("reshape", [x1], {"newshape": [-1]})
    b = apply("reshape", [x2], {"newshape": [-1]})
    return apply("sum", [apply("multiply", [a, b])], {"axis": None, "keepdims": False})


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 (Keras's name)
    """numpy.linalg.norm: vector norms (ord None or 2, 1, inf, -inf, 0, any p) over one axis or
    the flattened x; matrix norms ("fro", 1, -1, inf, -inf, None) over two axes (axis None on a
    2-D x). The spectral and nuclear matrix norms (2, -2, "nuc") are not supported."""
    shape = _core_ops.shape

    rank = len(shape(x))
    if axis is None:
        axes = list(range(rank))
        if rank == 2 and ord is not None and ord not in ("fro",):
            return _matrix_norm(x, ord, (0, 1), keepdims)
        if ord is not None and ord != "fro" and rank != 1:
            raise ValueError(f"norm: ord={ord!r} needs a 1-D or 2-D x or an axis, got rank {rank}")
        if ord in (None, "fro", 2):
            return _vector_norm(x, 2, axes, keepdims)
        return _vector_norm(x, ord, axes, keepdims)
    if isinstance(axis, (tuple, list)) and len(axis) == 2:
        return _matrix_norm(x, "fro" if ord is None else ord, tuple(axis), keepdims)
    if isinstance(axis, (tuple, list)):
        if len(axis) != 1:
            raise ValueError(f"norm: axis must be an int or a pair, got {axis!r}")
        axis = axis[0]
    if isinstance(ord, str):
        raise ValueError(f"norm: ord={ord!r} is a matrix norm; give two axes")
    return _vector_norm(x, 2 if ord is None else ord, [int(axis)], keepdims)


def _sum(x, axes, keepdims):
    return apply("sum", [x], {"axis": list(axes), "keepdims": bool(keepdims)})


def _vector_norm(x, ord, axes, keepdims):  # noqa: A002
    a = apply("abs", [x])
    if ord == 2:
        return apply("sqrt", [_sum(apply("square", [x]), axes, keepdims)])
    if ord == 1:
        return _sum(a, axes, keepdims)
    if ord == np.inf:
        return apply("max", [a], {"axis": list(axes), "keepdims": bool(keepdims)})
    if ord == -np.inf:
        return apply("min", [a], {"axis": list(axes), "keepdims": bool(keepdims)})
    if ord == 0:
        return _sum(apply("cast", [x], {"dtype": "bool"}), axes, keepdims)
    if isinstance(ord, str) or not np.isscalar(ord):
        raise ValueError(f"norm: unsupported vector ord={ord!r}")
    p = float(ord)
    return apply("power", [_sum(apply("power", [a, p]), axes, keepdims), 1.0 / p])


def _matrix_norm(x, ord, axes, keepdims):  # noqa: A002
    shape = _core_ops.shape

    rank = len(shape(x))
    r, c = (int(a) % rank for a in axes)
    if r == c:
        raise ValueError(f"norm: the two axes must differ, got {axes}")
    if ord in ("fro", None):
        return apply("sqrt", [_sum(apply("square", [x]), [r, c], keepdims)])
    if ord in (1, -1, np.inf, -np.inf):
        a = apply("abs", [x])
        # 1: the largest column sum (sum over rows first); inf: the largest row sum.
        first, second = (r, c) if ord in (1, -1) else (c, r)
        sums = _sum(a, [first], True)
        pick = "max" if ord in (1, np.inf) else "min"
        out = apply(pick, [sums], {"axis": [second], "keepdims": True})
        if not keepdims:
            out = apply("squeeze", [out], {"axis": [r, c]})
        return out
    raise ValueError(
        f"norm: matrix ord={ord!r} is not supported (only 'fro', 1, -1, inf, -inf); the spectral "
        f"and nuclear norms need an SVD nerve does not have"
    )
