"""Keras-style dataset loaders.

``mnist`` and ``fashion_mnist`` read canonical gzip IDX files (SHA-256 verified) from
``$NERVE_DATASETS`` or the cache ``~/.nerve/datasets/``, downloading missing files there.
``cifar10``, ``cifar100``, ``imdb``, ``reuters``, ``boston_housing`` and ``california_housing``
read Keras's files (hash verified) from ``$NERVE_DATASETS`` or Keras's own cache
``~/.keras/datasets/``, downloading missing ones there from Keras's URLs.
"""

from . import (
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)
from ._idx import ChecksumError, DatasetError, DatasetNotFoundError, IDXFormatError

__all__ = [
    "mnist",
    "fashion_mnist",
    "cifar10",
    "cifar100",
    "imdb",
    "reuters",
    "boston_housing",
    "california_housing",
    "DatasetError",
    "DatasetNotFoundError",
    "ChecksumError",
    "IDXFormatError",
]
