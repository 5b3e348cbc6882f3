"""nerve.ops linalg: matmul (numpy semantics, batched) and einsum (composed of transpose,
reshape, sum and matmul, so that it is differentiable and traceable like the ops it uses)."""

from __future__ import annotations

import math as _math

import numpy as np

from ._dispatch import apply

__all__ = ["matmul", "einsum"]


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
    products and sums. Ellipsis ("...") and repeated letters raise NotImplementedError.
    Operands are contracted left to right, each contraction one batched matmul."""
    if kwargs:
        raise TypeError(f"einsum: unsupported arguments {sorted(kwargs)}")
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: subscripts must be a string, got {type(subscripts).__name__}")
    spec = subscripts.replace(" ", "")
    if "." in spec:
        raise NotImplementedError(f"einsum: ellipsis ('...') is not supported (got {subscripts!r})")
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
