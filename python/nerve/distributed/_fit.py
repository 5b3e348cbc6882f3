"""What fit() does differently on several ranks: the arrays are sharded per global batch, the
C++ trainer averages gradients through the reducer, chunk sizes, stop decisions and metrics are
agreed between the ranks, and only rank 0 prints or writes files. fit() (models/training.py)
asks model._distribution, which distribute() sets."""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _core
from . import _mpi

# Callbacks that write files or print: rank 0's only (the others would write the same thing).
_RANK0_ONLY = {"ModelCheckpoint", "CSVLogger", "TensorBoard", "BackupAndRestore", "Report"}


def distribute(model) -> None:
    """Makes model.fit train data-parallel over every rank: broadcasts rank 0's weights and
    optimizer state now (and again at the start of each fit), and plugs the MPI gradient
    reducer into the model's C++ trainer. Call after compile() (and after loading weights),
    on every rank. ValueError naming the layer if the ranks built different models."""
    comm = _mpi.require("nerve.distributed.distribute")
    if getattr(model, "loss", None) is None:
        raise RuntimeError("nerve.distributed.distribute: compile the model first")
    model._distribution = _FitHook(comm, _mpi._State.reducer)
    if model.built:
        broadcast_model(model)


def undistribute(model) -> None:
    """Back to single-process training for this model (the reducer is unplugged)."""
    model._distribution = None
    if getattr(model, "_trainer", None) is not None:
        model._trainer.gradient_reducer = None


def _layer_shapes(model):
    return [(layer.name, [tuple(w.shape) for w in layer.weights]) for layer in model.layers]


def broadcast_model(model, root: int = 0) -> None:
    """Copies rank `root`'s weights (trainable and not) and optimizer state (iterations and
    every slot, e.g. Adam's moments) to every rank. Every rank first compares the layers'
    weight shapes with root's, so ranks that built different models all fail here, with a
    ValueError naming the first differing layer, rather than hang or train apart."""
    comm = _mpi.require("nerve.distributed.broadcast_model")
    if not model.built:
        raise ValueError("nerve.distributed.broadcast_model: the model is not built yet")
    mine = _layer_shapes(model)
    everyone = comm.allgather(mine)
    ref = everyone[root]
    for r, theirs in enumerate(everyone):
        if theirs == ref:
            continue
        for i in range(max(len(ref), len(theirs))):
            a = ref[i] if i < len(ref) else None
            b = theirs[i] if i < len(theirs) else None
            if a != b:
                name = (a or b)[0]
                raise ValueError(
                    f"nerve.distributed: rank {r} built a different model than rank {root}: "
                    f"layer {name!r} (layer {i}) has weights of shapes "
                    f"{a[1] if a else 'none (no such layer)'} on rank {root} and "
                    f"{b[1] if b else 'none (no such layer)'} on rank {r}"
                )
    for w in model.weights:
        comm.Bcast(np.asarray(w), root=root)
    opt = getattr(model, "optimizer", None)
    if opt is not None and getattr(model, "_trainer", None) is not None:
        core = opt._core
        counts = comm.allgather([len(core.slots(w)) for w in model.trainable_weights])
        if any(c != counts[root] for c in counts):
            raise ValueError(
                f"nerve.distributed: the optimizers differ between ranks (state tensors per "
                f"weight {counts[root]} on rank {root}); compile with the same optimizer"
            )
        for w in model.trainable_weights:
            for slot in core.slots(w):
                comm.Bcast(np.asarray(slot), root=root)
        core.iterations = comm.bcast(int(core.iterations), root=root)


class _FitHook:
    """model._distribution: what fit() asks at each point that differs on several ranks."""

    def __init__(self, comm, reducer):
        self.comm, self.reducer = comm, reducer
        self.rank, self.size = comm.Get_rank(), comm.Get_size()

    def begin(self, model, verbose, callbacks):
        """At the start of fit: rank 0's state everywhere, the reducer plugged in; returns the
        verbosity and callbacks of this rank."""
        broadcast_model(model)
        model._trainer.gradient_reducer = self.reducer
        if self.rank != 0:
            verbose = 0
            callbacks = [c for c in callbacks or [] if type(c).__name__ not in _RANK0_ONLY]
        return verbose, callbacks

    def shard(self, arrays):
        return ShardedEpochs(arrays, self.comm)

    def global_stats(self, stats):
        """The chunk's statistics summed over the ranks (so metrics are the global batch's)."""
        return self.reducer.reduce_stats(stats)

    def agree(self, chunk, stop):
        """Rank 0's next chunk size, and whether any rank wants to stop: every rank must run the
        same steps, or an allreduce would wait for a rank that has stopped."""
        total = self.reducer.allreduce_sum([float(chunk) if self.rank == 0 else 0.0, float(stop)])
        return int(total[0]), total[1] > 0


class ShardedEpochs:
    """ArrayEpochs (models/data.py) for one rank: the global order of each pass (the same on every
    rank: its seed comes from rank 0) is cut into global batches of batch_size * size samples,
    and this rank takes its consecutive part of each. A last global batch smaller than that is
    split evenly; one with fewer samples than ranks is left out (with a warning)."""

    def __init__(self, arrays, comm):
        self.base = arrays
        self.xt, self.yt, self.wt = arrays.xt, arrays.yt, arrays.wt
        self.batch_size = arrays.batch_size
        self.rank, self.size = comm.Get_rank(), comm.Get_size()
        n = arrays.n
        ns = comm.allgather(n)
        if any(m != n for m in ns):
            raise ValueError(
                f"fit: the ranks passed different numbers of samples {ns}: under "
                f"nerve.distributed every rank passes the same (global) arrays and trains on "
                f"its part of each batch"
            )
        if n < self.size:
            raise ValueError(
                f"fit: {n} samples cannot be shared by {self.size} ranks: rank {n} would train "
                f"on no samples (every rank needs at least one per step)"
            )
        g = self.batch_size * self.size
        tail = n % g
        self.used = n - tail if 0 < tail < self.size else n
        if self.used < n and self.rank == 0:
            warnings.warn(
                f"fit: the last {tail} of {n} samples are left out of each pass: fewer than the "
                f"{self.size} ranks (global batch {g}); pick a batch size that divides better",
                stacklevel=4,
            )
        self.pass_steps = math.ceil(self.used / g)
        self.requested = arrays.requested
        self.steps_per_epoch = arrays.requested or self.pass_steps
        self.shuffle = arrays.shuffle
        seed = comm.bcast(int(np.random.default_rng(_core.next_seed()).integers(2**63)), root=0)
        self.rng = np.random.default_rng(seed)
        self.position = self.pass_steps
        self.order = None

    def _rank_order(self, order):
        g = self.batch_size * self.size
        parts = []
        for start in range(0, self.used, g):
            rows = order[start : min(start + g, self.used)]
            m = len(rows)
            parts.append(rows[self.rank * m // self.size : (self.rank + 1) * m // self.size])
        return np.ascontiguousarray(np.concatenate(parts), dtype=np.int64)

    def next_epoch(self):
        if self.position >= self.pass_steps:
            n = self.base.n
            order = self.rng.permutation(n) if self.shuffle else np.arange(n)
            # The trainer reads a permutation of all its samples: this rank's rows are copied
            # out once per pass (1/size of the data), then read in order.
            rows = self._rank_order(order.astype(np.int64))
            self.xt = [_core.Tensor(np.asarray(t)[rows]) for t in self.base.xt]
            self.yt = [_core.Tensor(np.asarray(t)[rows]) for t in self.base.yt]
            self.wt = None if self.base.wt is None else _core.Tensor(np.asarray(self.base.wt)[rows])
            self.order = np.empty(0, np.int64)
            self.position = 0
        first = self.position
        todo = min(self.steps_per_epoch, self.pass_steps - first)
        if self.requested is not None and todo < self.requested and self.rank == 0:
            warnings.warn(
                f"fit: the data ran out after {todo} of steps_per_epoch={self.requested} steps; "
                f"the epoch ends early (there are {self.pass_steps} global batches per pass)",
                stacklevel=4,
            )
        self.position += todo
        return first, todo, self.order
