"""Fashion-MNIST (Zalando Research), Keras-compatible loader.

>>> from nerve.datasets import fashion_mnist
>>> (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()

Returns uint8 arrays: ``x_train`` (60000, 28, 28), ``y_train`` (60000,),
``x_test`` (10000, 28, 28), ``y_test`` (10000,), exactly as
``keras.datasets.fashion_mnist.load_data()``. Labels 0-9 are
``CLASS_NAMES[label]``.

Files (canonical gzip-compressed IDX, SHA-256 verified) are looked for in:

* ``path`` when given: a folder holding the four ``.gz`` files directly
  (missing files are downloaded into it);
* otherwise ``$NERVE_DATASETS/fashion-mnist/`` (read in place) and then the
  cache ``~/.nerve/datasets/fashion-mnist/``, where missing files are downloaded.

Dataset licence: MIT (Zalando SE, 2017).
"""

from __future__ import annotations

from ._idx import TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS, load_idx_dataset

NAME = "fashion-mnist"

MIRRORS = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)

SHA256 = {
    TRAIN_IMAGES: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    TRAIN_LABELS: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    TEST_IMAGES: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    TEST_LABELS: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
}

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


def load_data(path=None):
    """Load Fashion-MNIST: ``(x_train, y_train), (x_test, y_test)``, all uint8.

    Args:
        path: optional folder that holds ``train-images-idx3-ubyte.gz``,
            ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz`` and
            ``t10k-labels-idx1-ubyte.gz``. Missing files are downloaded into it.
            Default: ``$NERVE_DATASETS/fashion-mnist/``, then
            ``~/.nerve/datasets/fashion-mnist/``.

    Raises:
        DatasetNotFoundError: files are missing and could not be downloaded.
        ChecksumError: a file does not have the canonical SHA-256.
    """
    return load_idx_dataset("Fashion-MNIST", NAME, SHA256, MIRRORS, path)
