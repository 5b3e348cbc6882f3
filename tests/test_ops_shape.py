"""nerve.ops shape ops and getitem: numpy oracle, float64 finite differences for every
differentiable op, keras.ops cross-checks, and errors naming the op, the shapes and the axis."""

import os

import numpy as np
import pytest

import nerve
from _ops_check import check_op
from nerve import ops

os.environ.setdefault("KERAS_BACKEND", "jax")
rng = np.random.default_rng(2)


def rand(*shape):
    return rng.standard_normal(shape)


# (nerve call, numpy reference, inputs): each checked in value and gradient.
CASES = {
    "reshape": (lambda t: ops.reshape(t, (4, -1)), lambda a: a.reshape(4, -1), [rand(2, 3, 4)]),
    "reshape_int": (lambda t: ops.reshape(t, -1), lambda a: a.reshape(-1), [rand(2, 3)]),
    "reshape_scalar": (lambda t: ops.reshape(t, ()), lambda a: a.reshape(()), [rand(1, 1)]),
    "transpose": (lambda t: ops.transpose(t), lambda a: a.T, [rand(2, 3, 4)]),
    "transpose_axes": (
        lambda t: ops.transpose(t, (1, -1, 0)),
        lambda a: np.transpose(a, (1, 2, 0)),
        [rand(2, 3, 4)],
    ),
    "expand_dims": (
        lambda t: ops.expand_dims(t, -1),
        lambda a: np.expand_dims(a, -1),
        [rand(2, 3)],
    ),
    "expand_dims_tuple": (
        lambda t: ops.expand_dims(t, (0, 3)),
        lambda a: np.expand_dims(a, (0, 3)),
        [rand(2, 3)],
    ),
    "squeeze": (lambda t: ops.squeeze(t), lambda a: np.squeeze(a), [rand(1, 3, 1, 2)]),
    "squeeze_axis": (lambda t: ops.squeeze(t, -2), lambda a: np.squeeze(a, -2), [rand(1, 3, 1, 2)]),
    "concatenate": (
        lambda a, b: ops.concatenate([a, b], axis=-1),
        lambda a, b: np.concatenate([a, b], axis=-1),
        [rand(2, 3), rand(2, 2)],
    ),
    "concatenate_none": (
        lambda a, b: ops.concatenate([a, b], axis=None),
        lambda a, b: np.concatenate([a, b], axis=None),
        [rand(2, 3), rand(4)],
    ),
    "stack": (
        lambda a, b: ops.stack([a, b], axis=1),
        lambda a, b: np.stack([a, b], 1),
        [rand(2, 3), rand(2, 3)],
    ),
    "stack_last": (
        lambda a, b: ops.stack([a, b], -1),
        lambda a, b: np.stack([a, b], -1),
        [rand(3), rand(3)],
    ),
    "slice": (
        lambda t: ops.slice(t, (1, 0, 2), (2, -1, 2)),
        lambda a: a[1:3, 0:, 2:4],
        [rand(3, 4, 5)],
    ),
    "slice_clamped": (lambda t: ops.slice(t, (3,), (2,)), lambda a: a[2:4], [rand(4)]),
    "take": (
        lambda t: ops.take(t, np.array([[2, 0], [-1, 2]]), axis=1),
        lambda a: a[:, [[2, 0], [2, 2]]],
        [rand(2, 3, 2)],
    ),
    "take_flat": (
        lambda t: ops.take(t, [5, 0, 5]),
        lambda a: a.reshape(-1)[[5, 0, 5]],
        [rand(2, 3)],
    ),
    "take_scalar_index": (lambda t: ops.take(t, 1, axis=0), lambda a: a[1], [rand(3, 2)]),
    "take_along_axis": (
        lambda t: ops.take_along_axis(t, np.array([[0, 2, 2], [1, 1, 0]]), axis=1),
        lambda a: np.take_along_axis(a, np.array([[0, 2, 2], [1, 1, 0]]), axis=1),
        [rand(2, 3)],
    ),
    "take_along_axis_broadcast": (
        lambda t: ops.take_along_axis(t, np.array([[[1], [0]]]), axis=2),
        lambda a: np.take_along_axis(a, np.array([[[1], [0]]]), axis=2),
        [rand(3, 2, 4)],
    ),
    "take_along_axis_none": (
        lambda t: ops.take_along_axis(t, np.array([5, 1, 1]), axis=None),
        lambda a: np.take_along_axis(a, np.array([5, 1, 1]), axis=None),
        [rand(2, 3)],
    ),
    "tile": (lambda t: ops.tile(t, (2, 1, 3)), lambda a: np.tile(a, (2, 1, 3)), [rand(2, 3)]),
    "tile_short": (lambda t: ops.tile(t, 2), lambda a: np.tile(a, 2), [rand(2, 3)]),
    "repeat": (lambda t: ops.repeat(t, 2, axis=0), lambda a: np.repeat(a, 2, axis=0), [rand(2, 3)]),
    "repeat_flat": (lambda t: ops.repeat(t, 3), lambda a: np.repeat(a, 3), [rand(2, 2)]),
    "repeat_list": (
        lambda t: ops.repeat(t, [1, 0, 2], axis=-1),
        lambda a: np.repeat(a, [1, 0, 2], axis=-1),
        [rand(2, 3)],
    ),
    "broadcast_to": (
        lambda t: ops.broadcast_to(t, (2, 3, 4)),
        lambda a: np.broadcast_to(a, (2, 3, 4)),
        [rand(3, 1)],
    ),
    "pad_constant": (
        lambda t: ops.pad(t, ((1, 2), (0, 1)), constant_values=1.5),
        lambda a: np.pad(a, ((1, 2), (0, 1)), constant_values=1.5),
        [rand(2, 3)],
    ),
    "pad_int": (lambda t: ops.pad(t, 1), lambda a: np.pad(a, 1), [rand(2, 3)]),
    "moveaxis": (
        lambda t: ops.moveaxis(t, 0, -1),
        lambda a: np.moveaxis(a, 0, -1),
        [rand(2, 3, 4)],
    ),
    "moveaxis_many": (
        lambda t: ops.moveaxis(t, (0, 1), (3, 0)),
        lambda a: np.moveaxis(a, (0, 1), (3, 0)),
        [rand(2, 3, 4, 5)],
    ),
    "swapaxes": (
        lambda t: ops.swapaxes(t, 0, -1),
        lambda a: np.swapaxes(a, 0, -1),
        [rand(2, 3, 4)],
    ),
    "flip": (lambda t: ops.flip(t), lambda a: np.flip(a), [rand(2, 3)]),
    "flip_axis": (lambda t: ops.flip(t, (0, 2)), lambda a: np.flip(a, (0, 2)), [rand(2, 3, 4)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_shape_op_matches_numpy_and_finite_differences(name):
    op, ref, inputs = CASES[name]
    check_op(op, ref, inputs)


@pytest.mark.parametrize("mode", ["edge", "reflect", "symmetric", "wrap"])
@pytest.mark.parametrize("widths", [((1, 2), (3, 0)), ((4, 5), (2, 2)), ((0, 0), (1, 1))])
def test_pad_modes_match_numpy(mode, widths):
    check_op(
        lambda t: ops.pad(t, widths, mode=mode),
        lambda a: np.pad(a, widths, mode=mode),
        [rand(3, 2)],
    )


def test_split_sections_and_indices():
    a = rand(6, 4)
    for spec, axis in [(3, 0), (2, 1), ([1, 4], 0), ([2, -1], 1), ([0, 6], 0), ([2, 2], 1)]:
        parts = ops.split(nerve.Tensor(a.astype(np.float32)), spec, axis=axis)
        want = np.split(a, spec, axis=axis)
        assert len(parts) == len(want)
        for p, w in zip(parts, want):
            np.testing.assert_allclose(np.asarray(p), w, rtol=1e-6)


def test_split_gradient_flows_to_every_part():
    a = rand(5, 3)
    check_op(
        lambda t: ops.concatenate(ops.split(t, [1, 3], axis=0)[::-1], axis=0),
        lambda x: np.concatenate(np.split(x, [1, 3], axis=0)[::-1], axis=0),
        [a],
    )


GETITEM_KEYS = [
    1,
    -1,
    (slice(None, None, -1),),
    (slice(1, None), slice(None, None, -2)),
    (Ellipsis, 2),
    (None, 1, slice(1, 3)),
    (slice(None), [0, 2]),
    (0, slice(None), [1, 3]),
    ([2, 0],),
    (0, [1, 2]),
    (slice(1, None, 2), None, Ellipsis, -2),
    (Ellipsis,),
    (slice(-10, 10), slice(5, 1, -1), slice(None, None, 3)),
    (slice(2, 1),),
    (Ellipsis, None),
    (0, 0, 0),
]


@pytest.mark.parametrize("key", GETITEM_KEYS, ids=[repr(k) for k in GETITEM_KEYS])
def test_getitem_matches_numpy(key):
    check_op(lambda t: ops.getitem(t, key), lambda a: a[key], [rand(3, 4, 5)])


def test_getitem_with_an_index_tensor():
    a = rand(4, 3).astype(np.float32)
    got = ops.getitem(nerve.Tensor(a), (slice(None), nerve.Tensor(np.array([2, 0], np.float32))))
    np.testing.assert_array_equal(np.asarray(got), a[:, [2, 0]])


def test_getitem_errors():
    x = nerve.Tensor(np.zeros((2, 3), np.float32))
    with pytest.raises(
        IndexError, match=r"getitem: index 3 is out of bounds for axis 1 with size 3"
    ):
        ops.getitem(x, (0, 3))
    with pytest.raises(IndexError, match="too many indices"):
        ops.getitem(x, (0, 0, 0))
    with pytest.raises(ValueError, match="boolean masks are not supported"):
        ops.getitem(x, np.array([True, False]))
    with pytest.raises(ValueError, match="strided_slice: slice step cannot be zero"):
        ops.getitem(x, slice(None, None, 0))
    with pytest.raises(NotImplementedError, match="only one integer-array index"):
        ops.getitem(x, ([0], [1]))
    with pytest.raises(ValueError, match=r"take: index 2 is out of bounds for axis 0 with size 2"):
        ops.getitem(x, [2])


def test_take_repeated_indices_accumulate_gradient():
    t = nerve.Tensor(np.arange(3, dtype=np.float32), requires_grad=True)
    nerve._core.ops.sum(ops.take(t, [0, 0, 2, 0])).backward()
    np.testing.assert_array_equal(np.asarray(t.grad), [3, 0, 1])


@pytest.mark.parametrize(
    "name,args",
    [
        ("reshape", ((3, 8),)),
        ("transpose", ((2, 0, 1),)),
        ("expand_dims", (1,)),
        ("squeeze", ()),
        ("slice", ((0, 1, 1), (2, 2, 3))),
        ("tile", ((1, 2, 1),)),
        ("repeat", (2, 1)),
        ("broadcast_to", ((2, 2, 3, 4),)),
        ("moveaxis", (0, 2)),
        ("swapaxes", (1, 2)),
        ("flip", (1,)),
        ("take", ([1, 0], 2)),
        ("take_along_axis", (np.zeros((2, 3, 1), np.int64), 2)),
    ],
)
def test_matches_keras_ops(name, args):
    kops = pytest.importorskip("keras").ops
    x = rand(2, 3, 4).astype(np.float32)
    want = np.asarray(getattr(kops, name)(x, *args))
    got = np.asarray(getattr(ops, name)(nerve.Tensor(x), *args))
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_keras_ops_pad_split_stack_concatenate():
    kops = pytest.importorskip("keras").ops
    a, b = rand(2, 3).astype(np.float32), rand(2, 3).astype(np.float32)
    np.testing.assert_allclose(
        np.asarray(ops.pad(a, ((1, 0), (2, 1)), "reflect")),
        kops.pad(a, ((1, 0), (2, 1)), "reflect"),
    )
    np.testing.assert_allclose(np.asarray(ops.stack([a, b], 2)), kops.stack([a, b], 2))
    np.testing.assert_allclose(np.asarray(ops.concatenate([a, b], 1)), kops.concatenate([a, b], 1))
    for p, w in zip(ops.split(a, 3, axis=1), kops.split(a, 3, axis=1)):
        np.testing.assert_allclose(np.asarray(p), w)


ERRORS = [
    (
        lambda x: ops.reshape(x, (4, 2)),
        r"reshape: cannot reshape a tensor of shape \(2, 3\) \(6 elements\) into \(4, 2\)",
    ),
    (lambda x: ops.reshape(x, (-1, 4)), r"reshape: cannot reshape a tensor of shape \(2, 3\)"),
    (lambda x: ops.transpose(x, (0, 0)), r"transpose: axis \(0, 0\) repeats an axis"),
    (
        lambda x: ops.transpose(x, (0,)),
        r"transpose: axes \(0,\) do not match a tensor of shape \(2, 3\)",
    ),
    (
        lambda x: ops.expand_dims(x, 3),
        r"expand_dims: axis 3 is out of bounds for a tensor of shape \(2, 3\)",
    ),
    (lambda x: ops.squeeze(x, 1), r"squeeze: cannot squeeze axis 1 of a tensor of shape \(2, 3\)"),
    (
        lambda x: ops.concatenate([x, np.zeros((3, 3))], 1),
        r"concatenate: shapes \(2, 3\), \(3, 3\) differ outside axis 1",
    ),
    (
        lambda x: ops.stack([x, np.zeros((3, 2))]),
        r"stack: every tensor must have the same shape, got \(2, 3\), \(3, 2\)",
    ),
    (
        lambda x: ops.split(x, [2, 1], axis=1),
        r"split: indices \(2, 1\) must rise within axis 1 of shape \(2, 3\) \(size 3\)",
    ),
    (
        lambda x: ops.split(x, 2, axis=1),
        r"split: axis 1 of shape \(2, 3\) \(size 3\) does not split into 2",
    ),
    (
        lambda x: ops.slice(x, (0, 0), (3, 1)),
        r"slice: size 3 from start 0 does not fit axis 0 of shape \(2, 3\)",
    ),
    (lambda x: ops.take(x, [3], axis=1), r"take: index 3 is out of bounds for axis 1 with size 3"),
    (lambda x: ops.take(x, [0.5], axis=1), r"take: indices must be integers, got 0.5"),
    (
        lambda x: ops.take(x, [0], axis=2),
        r"take: axis 2 is out of bounds for a tensor of shape \(2, 3\)",
    ),
    (
        lambda x: ops.take_along_axis(x, np.zeros((2,)), 0),
        r"take_along_axis: indices of shape \(2\,\) must have",
    ),
    (
        lambda x: ops.take_along_axis(x, np.full((2, 1), 5.0), 1),
        r"take_along_axis: index 5 is out of bounds for axis 1",
    ),
    (lambda x: ops.tile(x, (-1,)), r"tile: repeats \(-1,\) must not be negative"),
    (lambda x: ops.repeat(x, [1, 2], axis=1), r"repeat: 2 repeats for axis 1 of size 3"),
    (
        lambda x: ops.broadcast_to(x, (2, 4)),
        r"broadcast_to: cannot broadcast a tensor of shape \(2, 3\) to \(2, 4\)",
    ),
    (lambda x: ops.pad(x, ((1, 1), (1, 1)), mode="median"), r"pad: mode 'median' is not supported"),
    (
        lambda x: ops.pad(x, ((1, -1), (0, 0))),
        r"pad: pad widths must not be negative, got \(1, -1\) for axis 0",
    ),
    (
        lambda x: ops.pad(x, ((1, 1), (1, 1), (1, 1))),
        r"pad: pad_width .* does not give a \(before, after\) pair",
    ),
    (
        lambda x: ops.pad(x, 1, mode="edge", constant_values=2),
        r"pad: argument `constant_values` can only be",
    ),
    (lambda x: ops.moveaxis(x, (0, 1), 0), r"moveaxis: source \(0, 1\) and destination \(0,\)"),
    (
        lambda x: ops.swapaxes(x, 0, 2),
        r"swapaxes: axis 2 is out of bounds for a tensor of shape \(2, 3\)",
    ),
    (lambda x: ops.flip(x, -3), r"flip: axis -3 is out of bounds for a tensor of shape \(2, 3\)"),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_name_the_op_the_shapes_and_the_axis(i):
    fn, pattern = ERRORS[i]
    with pytest.raises(ValueError, match=pattern):
        fn(nerve.Tensor(np.zeros((2, 3), np.float32)))


def test_registered_by_keras_names():
    names = set(nerve._core.ops.op_names())
    want = (
        "reshape transpose expand_dims squeeze concatenate stack split slice take take_along_axis "
        "tile repeat broadcast_to pad moveaxis swapaxes flip strided_slice"
    )
    assert set(want.split()) <= names
