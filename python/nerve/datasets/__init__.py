"""Keras-style dataset loaders: ``mnist`` and ``fashion_mnist``.

Both read canonical gzip IDX files (SHA-256 verified) from ``$NERVE_DATASETS``
or the cache ``~/.nerve/datasets/``, downloading missing files there.
"""

from . import fashion_mnist, mnist
from ._idx import ChecksumError, DatasetError, DatasetNotFoundError, IDXFormatError

__all__ = [
    "mnist",
    "fashion_mnist",
    "DatasetError",
    "DatasetNotFoundError",
    "ChecksumError",
    "IDXFormatError",
]
