"""Dataset: the object nerve's *_dataset_from_* utilities return where Keras returns a tf.data
dataset. fit / evaluate / predict read it like any re-iterable of batches (each epoch is a fresh
pass), and it offers the tf.data methods tutorials call on those datasets, over numpy arrays.

What differs from tf.data (nerve has no TensorFlow):

* elements are numpy arrays (or tuples / dicts of them), never tensors; `map(fn)` calls `fn` on
  those arrays eagerly, element by element (on a batched dataset, a batch at a time): no tracing,
  no `num_parallel_calls` parallelism (the argument is accepted and ignored).
* `prefetch(n)` returns the dataset unchanged: batches are read on the calling thread, when asked.
* `shuffle(buffer_size, seed)` is tf.data's buffered shuffle, but drawn from numpy's generator: the
  same kind of order, not the same order as TensorFlow's for a seed.
* `cache()` is real (in memory only: a `filename` is refused, not silently ignored).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator

import numpy as np

# tf.data.AUTOTUNE's value, for code written `ds.prefetch(AUTOTUNE)` / `map(..., AUTOTUNE)`.
AUTOTUNE = -1


def _map_structure(fn, element):
    if isinstance(element, tuple):
        return tuple(_map_structure(fn, e) for e in element)
    if isinstance(element, list):
        return [_map_structure(fn, e) for e in element]
    if isinstance(element, dict):
        return {k: _map_structure(fn, v) for k, v in element.items()}
    return fn(element)


def _leaves(element) -> list:
    if isinstance(element, (tuple, list)):
        return [leaf for e in element for leaf in _leaves(e)]
    if isinstance(element, dict):
        return [leaf for v in element.values() for leaf in _leaves(v)]
    return [element]


def _batch_length(element) -> int:
    sizes = {len(np.asarray(leaf)) for leaf in _leaves(element)}
    if len(sizes) != 1:
        raise ValueError(
            f"Dataset.unbatch: the parts of an element have different batch sizes {sorted(sizes)}"
        )
    return sizes.pop()


def stack_elements(elements: list):
    first = elements[0]
    if isinstance(first, (tuple, list)):
        parts = [stack_elements([e[i] for e in elements]) for i in range(len(first))]
        return tuple(parts) if isinstance(first, tuple) else parts
    if isinstance(first, dict):
        return {k: stack_elements([e[k] for e in elements]) for k in first}
    return np.stack([np.asarray(e) for e in elements])


def _call(fn, element):
    # tf.data unpacks a tuple element into the function's positional arguments.
    return fn(*element) if isinstance(element, tuple) else fn(element)


class Dataset:
    """A re-iterable of elements (numpy arrays or tuples/dicts of them), one fresh pass per
    `iter()`. Built by nerve's dataset utilities; the methods return new datasets, as tf.data's
    do. `len(ds)` is the number of elements (batches, for a batched dataset) when it is known and
    raises TypeError otherwise, as tf.data's does."""

    AUTOTUNE = AUTOTUNE

    def __init__(
        self, make_pass: Callable[[], Iterator], length: int | None, batch_size: int | None = None
    ):
        self._make_pass = make_pass
        self._length = length
        # The batch size the dataset was batched with (None: unbatched or unknown), as
        # split_dataset reads it to batch its splits alike.
        self._batch_size = batch_size

    # ---- reading ---------------------------------------------------------------------------

    def __iter__(self):
        return iter(self._make_pass())

    def __len__(self) -> int:
        if self._length is None:
            raise TypeError("The dataset length is unknown.")
        return self._length

    def cardinality(self) -> int:
        """The number of elements, or -2 when it is unknown (tf.data.UNKNOWN_CARDINALITY)."""
        return -2 if self._length is None else self._length

    def as_numpy_iterator(self):
        """An iterator over the elements: they are numpy arrays already."""
        return iter(self)

    # ---- transformations -------------------------------------------------------------------

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Applies `map_func` to each element (a tuple element is passed as separate arguments).
        `num_parallel_calls`, `deterministic` and `name` are accepted for tf.data's signature;
        the calls run one after the other on the calling thread."""
        if not callable(map_func):
            raise TypeError(f"Dataset.map: map_func must be callable, got {map_func!r}")
        return Dataset(lambda: (_call(map_func, e) for e in self), self._length)

    def filter(self, predicate, name=None):
        """Keeps the elements for which `predicate` returns true."""
        return Dataset(lambda: (e for e in self if bool(_call(predicate, e))), None)

    def take(self, count: int, name=None):
        """The first `count` elements (all of them for count=-1)."""
        count = int(count)
        if count < 0:
            return self
        length = None if self._length is None else min(count, self._length)
        return Dataset(lambda: itertools.islice(self, count), length)

    def skip(self, count: int, name=None):
        """All elements after the first `count` (none for count=-1)."""
        count = int(count)
        if count < 0:
            return Dataset(lambda: iter(()), 0)
        length = None if self._length is None else max(0, self._length - count)
        return Dataset(lambda: itertools.islice(self, count, None), length)

    def batch(
        self,
        batch_size: int,
        drop_remainder: bool = False,
        num_parallel_calls=None,
        deterministic=None,
        name=None,
    ):
        """Stacks `batch_size` consecutive elements into one (the last may be smaller unless
        `drop_remainder`). `num_parallel_calls` and `deterministic` are accepted for tf.data's
        signature; the batches are stacked on the calling thread, in order."""
        batch_size = int(batch_size)
        if batch_size <= 0:
            raise ValueError(f"Dataset.batch: batch_size must be positive, got {batch_size}")

        def make_pass():
            it = iter(self)
            while True:
                chunk = list(itertools.islice(it, batch_size))
                if not chunk or (drop_remainder and len(chunk) < batch_size):
                    return
                yield stack_elements(chunk)

        length = None
        if self._length is not None:
            length = (
                (self._length // batch_size)
                if drop_remainder
                else math.ceil(self._length / batch_size)
            )
        return Dataset(make_pass, length, batch_size)

    def unbatch(self, name=None):
        """Splits each batch into its samples."""

        def make_pass():
            for element in self:
                for i in range(_batch_length(element)):
                    yield _map_structure(lambda a, i=i: np.asarray(a)[i], element)

        return Dataset(make_pass, None)

    def shuffle(self, buffer_size: int, seed=None, reshuffle_each_iteration=True, name=None):
        """tf.data's buffered shuffle: keeps `buffer_size` elements and emits a random one of
        them each step. With `reshuffle_each_iteration` each pass draws a new order (from one
        generator seeded by `seed`); otherwise every pass repeats the first pass's order."""
        buffer_size = int(buffer_size)
        if buffer_size <= 0 and buffer_size != -1:
            raise ValueError(f"Dataset.shuffle: buffer_size must be positive, got {buffer_size}")
        rng = np.random.default_rng(seed)
        first_state = rng.bit_generator.state

        def make_pass():
            r = rng
            if not reshuffle_each_iteration:
                r = np.random.default_rng()
                r.bit_generator.state = first_state
            buffer = []
            for e in self:
                buffer.append(e)
                if buffer_size != -1 and len(buffer) >= buffer_size:
                    i = int(r.integers(len(buffer)))
                    buffer[i], buffer[-1] = buffer[-1], buffer[i]
                    yield buffer.pop()
            while buffer:
                i = int(r.integers(len(buffer)))
                buffer[i], buffer[-1] = buffer[-1], buffer[i]
                yield buffer.pop()

        return Dataset(make_pass, self._length)

    def repeat(self, count=None, name=None):
        """The elements `count` times over (endlessly for None or -1)."""
        if count is None or count == -1:
            return Dataset(lambda: itertools.chain.from_iterable(itertools.repeat(self)), None)
        count = int(count)
        length = None if self._length is None else self._length * count
        return Dataset(lambda: itertools.chain.from_iterable(itertools.repeat(self, count)), length)

    def cache(self, filename="", name=None):
        """Keeps the elements of the first complete pass in memory; later passes replay them
        (a pass stopped early caches nothing). Caching to a file is not supported."""
        if filename:
            raise NotImplementedError(
                f"Dataset.cache: nerve caches in memory only; filename={filename!r} is not "
                f"supported (call cache() without a filename)"
            )
        stored: list = []
        done = [False]

        def make_pass():
            if done[0]:
                yield from stored
                return
            elements = []
            for e in self:
                elements.append(e)
                yield e
            stored[:] = elements
            done[0] = True

        return Dataset(make_pass, self._length)

    def prefetch(self, buffer_size=None, name=None):
        """Returns the dataset unchanged: nerve reads batches when they are asked for."""
        return self

    def __repr__(self):
        n = "unknown" if self._length is None else self._length
        return f"<nerve.utils.Dataset length={n}>"


def from_arrays(arrays, batch_size: int | None, order_for_pass: Callable[[], np.ndarray]):
    """A dataset over in-memory arrays (one array or a tuple of them, all with the same first
    axis): samples in the order `order_for_pass()` returns for each pass, batched by
    `batch_size` (None: one sample per element)."""
    n = len(_leaves(arrays)[0])

    def make_pass():
        order = order_for_pass()
        if batch_size is None:
            for i in order:
                yield _map_structure(lambda a, i=i: a[i], arrays)
            return
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            yield _map_structure(lambda a, idx=idx: a[idx], arrays)

    return Dataset(make_pass, n if batch_size is None else math.ceil(n / batch_size), batch_size)
