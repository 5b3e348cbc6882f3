"""Checks and converts user arrays once, at the boundary, with messages that say what is wrong."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np

from .. import _core
from ..layers._shapes import fits
from ..utils.py_dataset import PyDataset

_FINITE_CHUNK = 1 << 16  # elements per np.isfinite call: a 64 KiB mask, however large the array


def all_finite(a: np.ndarray) -> bool:
    """True when a float array holds no NaN or Inf, without np.isfinite(a)'s boolean copy of the
    whole array (47 MB for MNIST's training images, on every fit call: time, and peak memory).
    A finite sum proves every element finite (a NaN or an Inf makes the sum NaN or Inf), and the
    sum reads the array once with no temporary; when the sum is not finite (a NaN, an Inf, or
    large finite values that overflow), the chunked element check decides."""
    if a.size <= _FINITE_CHUNK:  # small (one sample in a predict loop): the plain check is quickest
        return bool(np.isfinite(a).all())
    flat = a.reshape(-1)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow or inf - inf: decided below
        if np.isfinite(np.add.reduce(flat)):
            return True
    return all(
        np.isfinite(flat[i : i + _FINITE_CHUNK]).all() for i in range(0, flat.size, _FINITE_CHUNK)
    )


def as_float_array(a, what: str, where: str) -> np.ndarray:
    """float32, C-contiguous (no copy when it already is), numeric and finite."""
    if a is None:
        raise ValueError(f"{where}: {what} is None")
    if isinstance(a, (list, tuple)) or not hasattr(a, "dtype"):
        try:
            a = np.asarray(a)
        except Exception as e:  # ragged lists and the like
            raise TypeError(f"{where}: {what} cannot be made into an array: {e}") from None
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{where}: {what} must be a numeric array, got dtype {a.dtype}")
    if a.ndim == 0:
        raise ValueError(f"{where}: {what} must have a batch axis, got a scalar")
    a = np.ascontiguousarray(a, dtype=np.float32)
    # Small arrays (one sample in a predict loop) inline the plain check: a call costs 0.2 us.
    if not (np.isfinite(a).all() if a.size <= _FINITE_CHUNK else all_finite(a)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        raise ValueError(
            f"{where}: {what} contains NaN or Inf (first at index {bad}, value {a[bad]})"
        )
    return a


def batch_size_or_default(batch_size, where: str, what: str = "batch_size") -> int:
    """A batch size given to fit/evaluate/predict: None means Keras's 32; anything else must be a
    positive integer. Keras 3 reads 0 as 32 and fails later on 2.5 with a slicing TypeError;
    nerve refuses both here, saying which argument is wrong."""
    if batch_size is None:
        return 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise TypeError(
            f"{where}: {what} must be a positive int or None, got {batch_size!r} "
            f"({type(batch_size).__name__})"
        )
    if batch_size <= 0:
        raise ValueError(f"{where}: {what} must be a positive int or None, got {batch_size}")
    return int(batch_size)


def epochs_checked(epochs, where: str = "fit") -> int:
    """fit's epoch count: a non-negative int (0 trains nothing, as in Keras). Keras 3 runs a
    negative count silently as no epochs and True as one; nerve refuses both by name."""
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)):
        raise TypeError(
            f"{where}: epochs must be a non-negative int, got {epochs!r} ({type(epochs).__name__})"
        )
    if epochs < 0:
        raise ValueError(f"{where}: epochs must be a non-negative int, got {epochs}")
    return int(epochs)


def validation_split_checked(split, where: str = "fit") -> float:
    """fit's validation_split: a number in [0, 1). Keras 3 trains on everything for a negative
    one; nerve refuses it, and names the argument for a non-number."""
    if isinstance(split, bool) or not isinstance(split, (int, float, np.integer, np.floating)):
        raise TypeError(
            f"{where}: validation_split must be a number in [0, 1), got {split!r} "
            f"({type(split).__name__})"
        )
    if not 0.0 <= split < 1.0:  # NaN fails too
        raise ValueError(f"{where}: validation_split must be in [0, 1), got {split}")
    return float(split)


def check_same_length(x: np.ndarray, y: np.ndarray, where: str) -> None:
    if len(x) != len(y):
        raise ValueError(
            f"{where}: x has {len(x)} samples but y has {len(y)}; they must have the same length"
        )


def prepare_targets(y: np.ndarray, loss, output_shape: tuple, where: str) -> np.ndarray:
    """Shapes targets the way the loss expects, and validates sparse labels against the classes.
    None in output_shape (a sequence length left open) matches any size."""
    n = len(y)
    output_shape = tuple(output_shape)
    if loss.sparse_labels:
        classes = output_shape[-1]
        lead = output_shape[:-1]
        if y.ndim == len(lead) + 2 and y.shape[-1] == 1 and fits(lead, y.shape[1:-1]):
            y = y.reshape(y.shape[:-1])
        if not fits(lead, y.shape[1:]):
            raise ValueError(
                f"{where}: {loss.name} expects integer labels of shape "
                f"{(n,) + lead}, got y of shape {y.shape}"
            )
        bad = (y != np.floor(y)) | (y < 0) | (y >= classes)
        if bad.any():
            i = tuple(int(j) for j in np.argwhere(bad)[0])
            raise ValueError(
                f"{where}: label {float(y[i])} at index {i} is out of range for "
                f"{loss.name} with {classes} classes (valid labels: 0..{classes - 1})"
            )
        return y
    want = (n,) + output_shape
    if (
        not fits(want, y.shape)
        and None not in want
        and y.size == int(np.prod(want))
        and y.ndim == len(want) - 1
        and output_shape[-1] == 1
    ):
        y = y.reshape(want)  # (n,) targets for a single output unit
    if not fits(want, y.shape):
        raise ValueError(
            f"{where}: y of shape {y.shape} does not match the model output shape "
            f"{(None,) + tuple(output_shape)} for loss {loss.name}"
        )
    return y


# ---- sample weights -------------------------------------------------------------------------


def sample_weights(sample_weight, class_weight, y: np.ndarray, where: str):
    """Per-sample weights [n] from sample_weight or class_weight (Keras: not both), or None.
    class_weight maps a class index to a weight; the class of a sample is argmax(y) for one-hot
    targets, else round(y); classes not in the dict weigh 1."""
    n = len(y)
    if sample_weight is not None and class_weight is not None:
        raise ValueError(f"{where}: give sample_weight or class_weight, not both")
    if class_weight is not None:
        return class_weight_to_sample_weights(y, class_weight, where)
    if sample_weight is None:
        return None
    w = as_float_array(sample_weight, "sample_weight", where)
    if w.ndim == 2 and w.shape[1] == 1:
        w = w.reshape(-1)
    if w.ndim != 1 or len(w) != n:
        raise ValueError(
            f"{where}: sample_weight must have one weight per sample, shape ({n},), "
            f"got shape {w.shape}"
        )
    if (w < 0).any():
        i = int(np.argmax(w < 0))
        raise ValueError(f"{where}: sample_weight must be non-negative, got {w[i]} at index {i}")
    return w


def class_weight_to_sample_weights(y: np.ndarray, class_weight, where: str) -> np.ndarray:
    if not isinstance(class_weight, dict):
        raise TypeError(
            f"{where}: class_weight must be a dict {{class index: weight}}, got "
            f"{type(class_weight).__name__}"
        )
    weights = {}
    for k, v in class_weight.items():
        try:
            key = int(k)
            value = float(v)
        except (TypeError, ValueError):
            raise ValueError(
                f"{where}: class_weight must map int class indices to numbers, got {k!r}: {v!r}"
            ) from None
        if key != k or not np.isfinite(value) or value < 0:
            raise ValueError(
                f"{where}: class_weight must map int class indices to non-negative "
                f"numbers, got {k!r}: {v!r}"
            )
        weights[key] = value
    labels = y
    if labels.ndim > 1:  # one-hot rows -> their argmax; a trailing axis of 1 -> the value
        labels = np.argmax(labels, axis=-1) if labels.shape[-1] != 1 else labels[..., 0]
    if labels.ndim != 1:
        raise ValueError(
            f"{where}: class_weight needs one class per sample; y of shape "
            f"{y.shape} has several (use sample_weight instead)"
        )
    labels = np.round(labels).astype(np.int64)
    out = np.ones(len(y), dtype=np.float32)
    for cls, value in weights.items():
        out[labels == cls] = value
    return out


# ---- iterables of batches (generators, datasets) --------------------------------------------


def is_batch_source(x) -> bool:
    """True for a generator/iterator or any non-array iterable of batches."""
    if x is None or isinstance(x, (np.ndarray, list, tuple, str, bytes, dict)):
        return False
    if hasattr(x, "__array__") or hasattr(x, "dtype"):
        return False
    return (
        hasattr(x, "__next__")
        or hasattr(x, "__iter__")
        or (hasattr(x, "__getitem__") and hasattr(x, "__len__"))
    )


def unpack_batch(batch, where: str, index: int):
    """(x, y, sample_weight) from a batch (x, y) or (x, y, sample_weight); y and weight may be
    missing for predict."""
    if isinstance(batch, (tuple, list)) and 1 <= len(batch) <= 3:
        parts = list(batch) + [None] * (3 - len(batch))
        return parts[0], parts[1], parts[2]
    if isinstance(batch, (tuple, list)):
        raise ValueError(
            f"{where}: batch {index} has {len(batch)} elements; expected (x, y) or "
            f"(x, y, sample_weight)"
        )
    return batch, None, None


class BatchStream:
    """Draws batches from a generator or iterable across epochs. A one-shot iterator is consumed
    once; a re-iterable starts a fresh pass when an epoch needs one (each epoch without
    steps_per_epoch, or when the data ran out with it). A PyDataset (nerve.utils) is read by
    index, in a shuffled order of its batches when `shuffle` (fit's), with its on_epoch_begin /
    on_epoch_end hooks around each epoch, as Keras reads it."""

    def __init__(self, source, steps_per_epoch, shuffle=False):
        self.source = source
        self.dataset = isinstance(source, PyDataset)
        # An object with __len__ and __getitem__ but no __iter__ (a Sequence written without the
        # base class) is read by index too: Python's fallback iteration would call __getitem__
        # with 0, 1, 2, ... until an IndexError, which a slicing __getitem__ never raises.
        self.indexed = self.dataset or (
            not hasattr(source, "__iter__")
            and hasattr(source, "__getitem__")
            and hasattr(source, "__len__")
        )
        self.one_shot = not self.indexed and hasattr(source, "__iter__") and iter(source) is source
        self.steps_per_epoch = steps_per_epoch
        self.endless = self.dataset and source.num_batches is None
        if self.endless and steps_per_epoch is None:
            raise ValueError(
                f"{type(source).__name__} has num_batches None (an endless PyDataset): give "
                f"steps_per_epoch (or steps) to say how many batches to read"
            )
        if self.endless and shuffle:
            warnings.warn(  # as Keras says it
                "`shuffle=True` was passed, but will be ignored since the data `x` was provided "
                "as an infinite PyDataset. The PyDataset is expected to already be shuffled.",
                stacklevel=4,
            )
        self.shuffle = shuffle and self.dataset and not self.endless
        self.rng = np.random.default_rng(_core.next_seed()) if self.shuffle else None
        self._it = None
        self.exhausted = False  # a one-shot iterator has nothing left

    def _new_pass(self):
        """An iterator over one pass of the source."""
        if not self.indexed:
            return iter(self.source)
        if self.endless:
            return (self.source[i] for i in itertools.count())
        n = self.source.num_batches if self.dataset else len(self.source)
        order = self.rng.permutation(n).tolist() if self.shuffle else range(n)
        return (self.source[i] for i in order)

    def epoch(self):
        """Yields the batches of one epoch."""
        if self.dataset:
            self.source.on_epoch_begin()
        try:
            if self._it is None or (self.steps_per_epoch is None and not self.one_shot):
                self._it = self._new_pass()
            count = 0
            while self.steps_per_epoch is None or count < self.steps_per_epoch:
                try:
                    batch = next(self._it)
                except StopIteration:
                    if self.one_shot:
                        self.exhausted = True
                    self._it = None
                    return
                count += 1
                yield batch
        finally:
            if self.dataset:
                self.source.on_epoch_end()

    def __len__(self):
        if self.steps_per_epoch is not None:
            return self.steps_per_epoch
        if self.dataset:
            return self.source.num_batches
        return len(self.source)


# ---- in-memory arrays for fit -----------------------------------------------------------


class PassOrder:
    """The shuffled order of the passes over in-memory arrays, which BackupAndRestore saves and
    restores so that a resumed fit takes the batches of an uninterrupted one. A subclass sets n,
    batch_size, shuffle, pass_steps, rng, position and order, and draws each pass's order with
    _new_pass()."""

    _pass_rng = None  # the generator's state before the current pass's order was drawn

    def _new_pass(self):
        self._pass_rng = self.rng.bit_generator.state
        self.position = 0
        return self.rng.permutation(self.n) if self.shuffle else None

    def order_state(self) -> dict:
        """Where the passes stand, as JSON: the generator (now, and before the current pass's
        order) and the batches of the current pass already taken."""
        return {
            "n": self.n,
            "batch_size": self.batch_size,
            "shuffle": bool(self.shuffle),
            "position": int(self.position),
            "rng": self.rng.bit_generator.state,
            "pass_rng": self._pass_rng,
        }

    def restore_order_state(self, state) -> bool:
        """Continue from order_state()'s `state`; False (nothing changed) when it was taken over
        other data (another sample count, batch size or shuffle)."""
        if not isinstance(state, dict) or (
            state.get("n"),
            state.get("batch_size"),
            state.get("shuffle"),
        ) != (self.n, self.batch_size, bool(self.shuffle)):
            return False
        position = state.get("position")
        if not isinstance(position, int) or not 0 <= position <= self.pass_steps:
            return False
        if position < self.pass_steps and state.get("pass_rng") is not None:
            self.rng.bit_generator.state = state["pass_rng"]
            self.order = self._pass_order(self._new_pass())
        self.rng.bit_generator.state = state["rng"]
        self.position = position
        return True

    def _pass_order(self, order):
        return order


class ArrayEpochs(PassOrder):
    """Batches of in-memory arrays for fit: the order of each pass, and where an epoch starts.
    Without steps_per_epoch an epoch is one (re)shuffled pass; with it, epochs take that many
    steps from the current pass and a new pass starts when it is used up (Keras)."""

    def __init__(self, xs, ys, w, batch_size, shuffle, steps_per_epoch):
        # One array per model input (xs) and output (ys), all with the same samples.
        self.xt, self.yt = [_core.Tensor(a) for a in xs], [_core.Tensor(a) for a in ys]
        self.wt = None if w is None else _core.Tensor(w)
        self.batch_size = batch_size
        self.n = len(xs[0])
        self.shuffle = shuffle
        self.pass_steps = math.ceil(self.n / batch_size)
        self.requested = steps_per_epoch
        self.steps_per_epoch = steps_per_epoch or self.pass_steps
        self.rng = np.random.default_rng(_core.next_seed())
        self.position = self.pass_steps  # start a new pass on the first epoch
        self.order = None

    def _pass_order(self, order):
        return np.empty(0, np.int64) if order is None else order.astype(np.int64)

    def next_epoch(self):
        """(first batch index, steps this epoch, sample order) for the coming epoch."""
        if self.position >= self.pass_steps:
            self.order = self._pass_order(self._new_pass())
        first = self.position
        todo = min(self.steps_per_epoch, self.pass_steps - first)
        if self.requested is not None and todo < self.requested:
            warnings.warn(
                f"fit: the data ran out after {todo} of steps_per_epoch="
                f"{self.requested} steps; the epoch ends early (there are "
                f"{self.pass_steps} batches per pass)",
                stacklevel=4,
            )
        self.position += todo
        return first, todo, self.order
