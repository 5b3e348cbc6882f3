"""Keras-style layers. Each wraps a C++ layer; shapes exclude the batch axis."""

from .attention import MultiHeadAttention, TransformerEncoder
from .base import Input, InputLayer, Layer
from .conv1d import Conv1D, GlobalAveragePooling1D, MaxPooling1D
from .core import Activation, Dense
from .embedding import Embedding, PositionEmbedding
from .layer_normalization import LayerNormalization
from .merge import (Add, Average, Concatenate, Multiply, Subtract, add, average, concatenate,
                    multiply, subtract)
from .recurrent import GRU, LSTM, SimpleRNN
from .symbolic import KerasTensor
from .wrappers import Bidirectional, TimeDistributed

__all__ = [
    "Input", "InputLayer", "Layer", "Activation", "Dense", "KerasTensor",
    # merge layers (functional models)
    "Add", "Average", "Concatenate", "Multiply", "Subtract", "add", "average", "concatenate",
    "multiply", "subtract",
    # sequence models
    "Embedding", "PositionEmbedding", "SimpleRNN", "LSTM", "GRU", "Bidirectional",
    "TimeDistributed", "Conv1D", "MaxPooling1D", "GlobalAveragePooling1D", "LayerNormalization",
    "MultiHeadAttention", "TransformerEncoder",
]
