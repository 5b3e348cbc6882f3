"""Boston housing prices, Keras-compatible loader (keras.datasets.boston_housing).

Returns float64 arrays x (n, 13) and y (n,), split by test_split after Keras's shuffle. The file
comes from Keras's cache or $NERVE_DATASETS, else from Keras's URL.
"""

from __future__ import annotations

from ._keras_files import locate
from ._tabular import check_test_split, read_xy, shuffle_split

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz"
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Load the Boston housing data: ``(x_train, y_train), (x_test, y_test)``."""
    check_test_split(test_split, "boston_housing.load_data")
    x, y = read_xy(locate("Boston housing", path, ORIGIN, FILE_HASH))
    return shuffle_split(x, y, test_split, seed)
