"""Keras-style layers. Each wraps a C++ layer; shapes exclude the batch axis."""

from .activations import ELU, LeakyReLU, PReLU, ReLU, Softmax
from .attention import AdditiveAttention, Attention, MultiHeadAttention, TransformerEncoder
from .augmentation import RandomContrast, RandomFlip, RandomRotation, RandomTranslation, RandomZoom
from .base import Input, InputLayer, Layer
from .convolutional import (
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    Convolution2D,
    Convolution2DTranspose,
    DepthwiseConv2D,
    SeparableConv2D,
    SeparableConvolution2D,
)
from .core import Activation, Dense, Identity, Masking
from .embedding import Embedding, PositionEmbedding
from .lambda_layer import Lambda
from .merge import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from .normalization import (
    BatchNormalization,
    GroupNormalization,
    LayerNormalization,
    RMSNormalization,
    UnitNormalization,
)
from .op_layer import OpLayer
from .pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AvgPool1D,
    AvgPool2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPool1D,
    MaxPool2D,
    MaxPooling1D,
    MaxPooling2D,
)
from .preprocessing import Normalization, Rescaling
from .recurrent import GRU, LSTM, SimpleRNN
from .regularization import (
    ActivityRegularization,
    Dropout,
    GaussianDropout,
    GaussianNoise,
    SpatialDropout1D,
    SpatialDropout2D,
)
from .reshaping import (
    Cropping1D,
    Cropping2D,
    Flatten,
    Permute,
    RepeatVector,
    Reshape,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
)
from .symbolic import KerasTensor
from .text_vectorization import TextVectorization
from .wrappers import Bidirectional, TimeDistributed

__all__ = [
    "Input",
    "InputLayer",
    "Layer",
    "Lambda",
    "OpLayer",
    "Activation",
    "Dense",
    "Identity",
    "Masking",
    # activation layers
    "ReLU",
    "LeakyReLU",
    "PReLU",
    "ELU",
    "Softmax",
    "KerasTensor",
    # merge layers (functional models)
    "Add",
    "Average",
    "Concatenate",
    "Multiply",
    "Subtract",
    "Maximum",
    "Minimum",
    "Dot",
    "add",
    "average",
    "concatenate",
    "multiply",
    "subtract",
    "maximum",
    "minimum",
    "dot",
    # sequence models
    "Embedding",
    "PositionEmbedding",
    "SimpleRNN",
    "LSTM",
    "GRU",
    "Bidirectional",
    "TimeDistributed",
    "Conv1D",
    "MaxPooling1D",
    "AveragePooling1D",
    "GlobalAveragePooling1D",
    "GlobalMaxPooling1D",
    "MaxPool1D",
    "AvgPool1D",
    "GlobalAvgPool1D",
    "GlobalMaxPool1D",
    "LayerNormalization",
    "UnitNormalization",
    "RMSNormalization",
    "GroupNormalization",
    "MultiHeadAttention",
    "Attention",
    "AdditiveAttention",
    "TransformerEncoder",
    # convolutional networks
    "Conv2D",
    "Conv2DTranspose",
    "Convolution2D",
    "Convolution2DTranspose",
    "DepthwiseConv2D",
    "SeparableConv2D",
    "SeparableConvolution2D",
    "MaxPooling2D",
    "AveragePooling2D",
    "MaxPool2D",
    "AvgPool2D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling2D",
    "GlobalAvgPool2D",
    "GlobalMaxPool2D",
    "BatchNormalization",
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "Flatten",
    "Reshape",
    "ZeroPadding2D",
    "Permute",
    "ZeroPadding1D",
    "Cropping1D",
    "UpSampling1D",
    # generative models
    "UpSampling2D",
    "Cropping2D",
    "RepeatVector",
    "GaussianNoise",
    "GaussianDropout",
    "ActivityRegularization",
    # preprocessing inside the model
    "Rescaling",
    "Normalization",
    # preprocessing outside the model (strings -> ids)
    "TextVectorization",
    # image augmentation (training only)
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "RandomContrast",
]
