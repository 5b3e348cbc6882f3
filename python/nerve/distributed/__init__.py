"""Data-parallel training on several processes or machines, over MPI (as Horovod does for Keras).

    import nerve.distributed as nd
    nd.init()
    model.compile(optimizer=nerve.optimizers.Adam(nd.scale_learning_rate(1e-3)), loss=...)
    nd.distribute(model)                     # rank 0's weights and optimizer state everywhere
    model.fit(x, y, batch_size=64, epochs=5)  # 64 per rank: the global batch is 64 * size()

run as `mpirun -np 4 python train.py`. Every rank passes the same arrays to fit; each trains on
its part of every global batch, the gradients are averaged by allreduce inside the C++ step (GIL
released), metrics are averaged, and the progress bar, logs and checkpoints are rank 0's only.
Needs the optional extra: pip install "nerve[mpi]". Design: README.md beside this file.
"""

from __future__ import annotations

from . import _mpi
from ._fit import broadcast_model, distribute, undistribute
from .callbacks import LearningRateWarmup

__all__ = [
    "LearningRateWarmup",
    "allreduce_mean",
    "barrier",
    "broadcast_model",
    "distribute",
    "init",
    "is_initialized",
    "rank",
    "scale_learning_rate",
    "size",
    "undistribute",
]


def init(timeout=None, bucket_bytes=None) -> None:
    """Initialise MPI (through mpi4py) and nerve's C++ gradient reducer; idempotent.
    timeout: seconds a collective waits for the other ranks before failing with a
    RuntimeError (default NERVE_DISTRIBUTED_TIMEOUT, else 120). bucket_bytes: the most gradient
    bytes per allreduce (default 8 MiB). ImportError naming `pip install "nerve[mpi]"` when
    mpi4py is missing."""
    if _mpi._State.comm is not None and timeout is None and bucket_bytes is None:
        return
    _mpi.init(timeout, bucket_bytes)


def is_initialized() -> bool:
    """Whether init() has run in this process."""
    return _mpi._State.comm is not None


def rank() -> int:
    """This process's rank, 0 .. size()-1."""
    return _mpi.require("nerve.distributed.rank").Get_rank()


def size() -> int:
    """The number of processes training together."""
    return _mpi.require("nerve.distributed.size").Get_size()


def barrier() -> None:
    """Waits until every rank gets here."""
    _mpi.require("nerve.distributed.barrier").Barrier()


def allreduce_mean(values):
    """The mean over the ranks of a float or a list of floats (as float64)."""
    _mpi.require("nerve.distributed.allreduce_mean")
    scalar = not isinstance(values, (list, tuple))
    vals = [float(values)] if scalar else [float(v) for v in values]
    n = _mpi._State.comm.Get_size()
    out = [v / n for v in _mpi._State.reducer.allreduce_sum(vals)]
    return out[0] if scalar else out


def scale_learning_rate(learning_rate: float) -> float:
    """learning_rate * size(): the linear scaling rule for a global batch size() times larger
    (Goyal et al. 2017; pair it with LearningRateWarmup)."""
    return float(learning_rate) * size()
