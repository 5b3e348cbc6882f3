"""California housing prices, Keras-compatible loader (keras.datasets.california_housing).

Returns float arrays x (n, 8) and y (n,), the first 600 samples for version="small", split by
test_split after Keras's shuffle. The file comes from Keras's cache or $NERVE_DATASETS, else from
Keras's URL.
"""

from __future__ import annotations

from ._keras_files import locate
from ._tabular import check_test_split, read_xy, shuffle_split

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/california_housing.npz"
FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """Load the California housing data: ``(x_train, y_train), (x_test, y_test)``."""
    check_test_split(test_split, "california_housing.load_data")
    if version not in ("small", "large"):
        raise ValueError(
            f"california_housing.load_data: version must be 'small' or 'large', got {version!r}"
        )
    x, y = read_xy(locate("California housing", path, ORIGIN, FILE_HASH))
    if version == "small":
        x, y = x[:600], y[:600]
    return shuffle_split(x, y, test_split, seed)
