"""
Test-only devices and counters (not a public API).
"""
from __future__ import annotations
__all__: list[str] = ['blank_poison_kernels', 'poison_stats', 'register_poison_device', 'restore_poison_kernels']
def blank_poison_kernels(family: str) -> None:
    """
    Nulls one kernel family on the poison device (ValueError for an unknown family).
    """
def poison_stats() -> dict:
    ...
def register_poison_device() -> str:
    """
    Registers the poison device (once) and returns its name: host memory from its own allocator, poisoned (NaN) when freed, and the CPU's kernel table.
    """
def restore_poison_kernels() -> None:
    """
    Gives the poison device the CPU's kernel table back.
    """
