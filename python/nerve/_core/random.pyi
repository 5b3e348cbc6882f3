"""
Seed generators of nerve.random (state kept in C++)
"""
from __future__ import annotations
import typing
__all__: list[str] = ['new_seed_generator', 'random_key', 'seed_generator_next', 'seed_generator_state', 'set_seed_generator_state']
def new_seed_generator(seed: typing.SupportsInt | typing.SupportsIndex) -> int:
    """
    A new generator with state (seed, 0); returns its id.
    """
def random_key(seed: typing.SupportsInt | typing.SupportsIndex, counter: typing.SupportsInt | typing.SupportsIndex) -> int:
    """
    The key of the seed state (seed, counter).
    """
def seed_generator_next(id: typing.SupportsInt | typing.SupportsIndex) -> int:
    """
    The key of the generator's state, then its counter advances by one.
    """
def seed_generator_state(id: typing.SupportsInt | typing.SupportsIndex) -> tuple[int, int]:
    """
    The generator's (seed, counter).
    """
def set_seed_generator_state(id: typing.SupportsInt | typing.SupportsIndex, seed: typing.SupportsInt | typing.SupportsIndex, counter: typing.SupportsInt | typing.SupportsIndex) -> None:
    ...
