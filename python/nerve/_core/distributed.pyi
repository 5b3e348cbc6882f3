"""
Data-parallel training over MPI (see nerve.distributed)
"""
from __future__ import annotations
import collections.abc
import nerve._core
import typing
__all__: list[str] = ['GradientReducer', 'MpiGradientReducer']
class GradientReducer:
    pass
class MpiGradientReducer(GradientReducer):
    def __init__(self, library: str, comm: typing.SupportsInt | typing.SupportsIndex, float32: typing.SupportsInt | typing.SupportsIndex, float64: typing.SupportsInt | typing.SupportsIndex, sum: typing.SupportsInt | typing.SupportsIndex, rank: typing.SupportsInt | typing.SupportsIndex, size: typing.SupportsInt | typing.SupportsIndex, bucket_bytes: typing.SupportsInt | typing.SupportsIndex, timeout_seconds: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    def allreduce_sum(self, values: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex]) -> list[float]:
        ...
    def reduce(self, params: collections.abc.Sequence[nerve._core.Tensor], local_weight: typing.SupportsFloat | typing.SupportsIndex, finite: bool) -> bool:
        ...
    def reduce_stats(self, stats: nerve._core.Stats) -> nerve._core.Stats:
        ...
    def reset_counters(self) -> None:
        ...
    @property
    def allreduce_calls(self) -> int:
        ...
    @property
    def bucket_bytes(self) -> int:
        ...
    @property
    def comm_seconds(self) -> float:
        ...
    @property
    def rank(self) -> int:
        ...
    @property
    def size(self) -> int:
        ...
    @property
    def timeout_seconds(self) -> float:
        ...
