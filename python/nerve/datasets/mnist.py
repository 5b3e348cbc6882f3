"""MNIST handwritten digits (LeCun, Cortes & Burges), Keras-compatible loader.

>>> from nerve.datasets import mnist
>>> (x_train, y_train), (x_test, y_test) = mnist.load_data()

Returns uint8 arrays: ``x_train`` (60000, 28, 28), ``y_train`` (60000,),
``x_test`` (10000, 28, 28), ``y_test`` (10000,), exactly as
``keras.datasets.mnist.load_data()``.

Files (canonical gzip-compressed IDX, SHA-256 verified) are looked for in:

* ``path`` when given: a folder holding the four ``.gz`` files directly
  (missing files are downloaded into it);
* otherwise ``$NERVE_DATASETS/mnist/`` (read in place) and then the cache
  ``~/.nerve/datasets/mnist/``, where missing files are downloaded.

Dataset licence: CC BY-SA 3.0 (Yann LeCun and Corinna Cortes).
"""

from __future__ import annotations

from ._idx import TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS, load_idx_dataset

NAME = "mnist"

MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

SHA256 = {
    TRAIN_IMAGES: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    TRAIN_LABELS: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    TEST_IMAGES: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    TEST_LABELS: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}


def load_data(path=None):
    """Load MNIST: ``(x_train, y_train), (x_test, y_test)``, all uint8.

    Args:
        path: optional folder that holds ``train-images-idx3-ubyte.gz``,
            ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz`` and
            ``t10k-labels-idx1-ubyte.gz``. Missing files are downloaded into it.
            Default: ``$NERVE_DATASETS/mnist/``, then ``~/.nerve/datasets/mnist/``.

    Raises:
        DatasetNotFoundError: files are missing and could not be downloaded.
        ChecksumError: a file does not have the canonical SHA-256.
    """
    return load_idx_dataset("MNIST", NAME, SHA256, MIRRORS, path)
