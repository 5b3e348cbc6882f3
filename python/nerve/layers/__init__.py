"""Keras-style layers. Each wraps a C++ layer; shapes exclude the batch axis."""

from .base import Input, InputLayer, Layer
from .convolutional import Conv2D, Convolution2D
from .core import Activation, Dense
from .normalization import BatchNormalization
from .pooling import (AveragePooling2D, AvgPool2D, GlobalAveragePooling2D, GlobalAvgPool2D,
                      GlobalMaxPool2D, GlobalMaxPooling2D, MaxPool2D, MaxPooling2D)
from .regularization import Dropout
from .reshaping import Flatten, Reshape, ZeroPadding2D

__all__ = ["Input", "InputLayer", "Layer", "Activation", "Dense",
           "Conv2D", "Convolution2D", "MaxPooling2D", "AveragePooling2D", "MaxPool2D", "AvgPool2D",
           "GlobalAveragePooling2D", "GlobalMaxPooling2D", "GlobalAvgPool2D", "GlobalMaxPool2D",
           "BatchNormalization", "Dropout", "Flatten", "Reshape", "ZeroPadding2D"]
