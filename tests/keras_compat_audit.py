"""The Keras-parity audit: nerve's public API against Keras 3's own signatures.

For every nerve layer, optimizer, loss, metric, learning-rate schedule, callback and model method
that has a Keras namesake, each Keras argument is classified by running nerve:
  - "raises": given a value other than Keras's default, nerve raises UnsupportedArgumentError
    naming the argument (the default itself is accepted);
  - "implemented": nerve takes a non-default value and it shows in the object (its get_config()
    or attribute), or, for model methods, the argument is listed in METHOD_IMPLEMENTED (covered
    by the training tests);
  - anything else (missing, a different default, silently ignored) is a problem the test reports.
The same audit renders docs/keras-compat.md (see test_keras_signatures.py).
"""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass, field

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")

import nerve  # noqa: E402
from nerve.utils.keras_args import UnsupportedArgumentError  # noqa: E402

# Keras's Layer.__init__ keywords (its **kwargs also take input_shape / input_dim).
KERAS_LAYER_BASE_KEYS = (
    "activity_regularizer",
    "trainable",
    "dtype",
    "autocast",
    "name",
    "input_shape",
    "input_dim",
)

# nerve classes with no Keras (keras.*) namesake: what they are.
NERVE_ONLY = {
    "PositionEmbedding": "keras_hub.layers.PositionEmbedding",
    "TransformerEncoder": "keras_hub.layers.TransformerEncoder",
    "KerasTensor": "symbolic tensor type (keras.KerasTensor)",
}

# Base classes for subclassing and internal helpers: their constructors are not Keras's API.
NOT_AUDITED = {
    "Layer": "base class (its keywords are audited through every layer's **kwargs)",
    "Optimizer": "base class",
    "Loss": "base class",
    "Metric": "base class",
    "Callback": "base class",
    "LearningRateSchedule": "base class",
    "Initializer": "base class",
    "Regularizer": "base class",
    "CallbackList": "internal (fit builds it)",
    "get": "lookup function",
    "OpLayer": "internal: the layer node an op on a functional model's symbolic tensor makes",
}

# The required arguments each constructor needs for the audit to build it.
REQUIRED = {
    "Activation": dict(activation="relu"),
    "Dense": dict(units=2),
    "Lambda": dict(function=lambda x: x),
    "Conv1D": dict(filters=2, kernel_size=3),
    "Conv2D": dict(filters=2, kernel_size=3),
    "Convolution2D": dict(filters=2, kernel_size=3),
    "Conv2DTranspose": dict(filters=2, kernel_size=3),
    "Convolution2DTranspose": dict(filters=2, kernel_size=3),
    "DepthwiseConv2D": dict(kernel_size=3),
    "SeparableConv2D": dict(filters=2, kernel_size=3),
    "SeparableConvolution2D": dict(filters=2, kernel_size=3),
    "RepeatVector": dict(n=3),
    "Rescaling": dict(scale=0.5),
    "RandomRotation": dict(factor=0.1),
    "RandomTranslation": dict(height_factor=0.1, width_factor=0.1),
    "RandomZoom": dict(height_factor=0.1),
    "RandomContrast": dict(factor=0.1),
    "GaussianNoise": dict(stddev=0.1),
    "GaussianDropout": dict(rate=0.1),
    "AveragePooling2D": dict(pool_size=2),
    "AvgPool2D": dict(pool_size=2),
    "AveragePooling1D": dict(pool_size=2),
    "AvgPool1D": dict(pool_size=2),
    "Dropout": dict(rate=0.5),
    "SpatialDropout1D": dict(rate=0.5),
    "SpatialDropout2D": dict(rate=0.5),
    "Permute": dict(dims=(1,)),
    "Dot": dict(axes=1),
    "EinsumDense": dict(equation="ab,bc->ac", output_shape=3),
    "AlphaDropout": dict(rate=0.5),
    "CategoryEncoding": dict(num_tokens=4),
    "Discretization": dict(bin_boundaries=[0.0]),
    "CenterCrop": dict(height=2, width=2),
    "Embedding": dict(input_dim=5, output_dim=3),
    "SimpleRNN": dict(units=2),
    "LSTM": dict(units=2),
    "GRU": dict(units=2),
    "MultiHeadAttention": dict(num_heads=2, key_dim=3),
    "Reshape": dict(target_shape=(2, 2)),
    "PositionEmbedding": dict(sequence_length=4),
    "TransformerEncoder": dict(num_heads=2, key_dim=3, ff_dim=4),
    "Bidirectional": dict(layer=lambda: nerve.layers.LSTM(2)),
    "TimeDistributed": dict(layer=lambda: nerve.layers.Dense(2)),
    "Input": dict(shape=(3,)),
    "InputLayer": dict(shape=(3,)),
    "ExponentialDecay": dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.9),
    "PiecewiseConstantDecay": dict(boundaries=[10], values=[0.1, 0.01]),
    "CosineDecay": dict(initial_learning_rate=0.1, decay_steps=10),
    "PolynomialDecay": dict(initial_learning_rate=0.1, decay_steps=10),
    "InverseTimeDecay": dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.5),
    "CosineDecayRestarts": dict(initial_learning_rate=0.1, first_decay_steps=10),
    "CSVLogger": dict(filename=os.devnull),
    "ModelCheckpoint": dict(filepath="unused.weights.nerve"),
    "BackupAndRestore": dict(backup_dir="unused-backup"),
    "LearningRateScheduler": dict(schedule=lambda epoch, lr: lr),
    "MeanMetricWrapper": dict(fn=lambda y_true, y_pred: y_pred),
    "PrecisionAtRecall": dict(recall=0.5),
    "RecallAtPrecision": dict(precision=0.5),
    "SensitivityAtSpecificity": dict(specificity=0.5),
    "SpecificityAtSensitivity": dict(sensitivity=0.5),
    "IoU": dict(num_classes=3, target_class_ids=[0, 1]),
    "MeanIoU": dict(num_classes=3),
    "OneHotIoU": dict(num_classes=3, target_class_ids=[0, 1]),
    "OneHotMeanIoU": dict(num_classes=3),
}


def _fn(x, *_):
    return x


def _regularizer(class_name):
    """A check that a regularizer of this class is set (serialised or as the object)."""

    def check(v, cls):
        return (v.get("class_name") if isinstance(v, dict) else type(v).__name__) == class_name

    return check


# A non-default value per argument that nerve implements, and what the object then shows
# (its get_config() entry or attribute); `same` means the value itself.
same = object()
ALTERNATIVE = {
    "activation": ("relu", same),
    "recurrent_activation": ("tanh", same),
    "use_bias": (False, same),
    "units": (3, same),
    "filters": (3, same),
    "kernel_size": (5, lambda v, cls: v in (5, (5,), (5, 5))),
    "strides": (2, lambda v, cls: v in (2, (2,), (2, 2))),
    "pool_size": (3, lambda v, cls: v in (3, (3,), (3, 3))),
    "dilation_rate": (2, lambda v, cls: v in (2, (2,), (2, 2))),
    "padding": ("same", same),
    "data_format": ("channels_last", same),
    "kernel_initializer": ("he_normal", same),
    "bias_initializer": ("ones", same),
    "recurrent_initializer": ("glorot_uniform", same),
    "embeddings_initializer": ("he_normal", same),
    "beta_initializer": ("ones", same),
    "gamma_initializer": ("zeros", same),
    "moving_mean_initializer": ("ones", same),
    "moving_variance_initializer": ("zeros", same),
    "kernel_regularizer": ("l2", _regularizer("L2")),
    "bias_regularizer": ("l1", _regularizer("L1")),
    "beta_regularizer": ("l2", _regularizer("L2")),
    "gamma_regularizer": ("l2", _regularizer("L2")),
    "activity_regularizer": ("l2", _regularizer("L2")),
    "alpha_regularizer": ("l2", _regularizer("L2")),
    "recurrent_regularizer": ("l2", _regularizer("L2")),
    "embeddings_regularizer": ("l1", _regularizer("L1")),
    "depth_multiplier": (3, same),
    "depthwise_initializer": ("he_normal", same),
    "pointwise_initializer": ("he_normal", same),
    "depthwise_regularizer": ("l2", _regularizer("L2")),
    "pointwise_regularizer": ("l1", _regularizer("L1")),
    "alpha_initializer": ("ones", same),
    "negative_slope": (0.1, same),
    "max_value": (2.0, same),
    "shared_axes": ([1], lambda v, cls: tuple(v) == (1,)),
    "trainable": (False, same),
    "name": ("audit_name", same),
    "input_shape": ((4,), lambda v, cls: v == (4,)),
    "input_dim": (4, None),
    "axis": (1, same),
    "epsilon": (0.5, same),
    "momentum": (0.5, same),
    "center": (False, same),
    "scale": (False, same),
    "mask_zero": (True, same),
    "unit_forget_bias": (False, same),
    "dropout": (0.25, same),
    "recurrent_dropout": (0.25, same),
    "return_sequences": (True, same),
    "return_state": (True, same),
    "go_backwards": (True, same),
    "reset_after": (True, same),
    "keepdims": (True, same),
    "seed": (7, same),
    "rate": (0.25, same),
    "value_dim": (4, same),
    "output_shape": (5, lambda v, cls: v in (5, (5,))),  # Keras's MultiHeadAttention holds (5,)
    "merge_mode": ("sum", same),
    "backward_layer": (lambda: nerve.layers.LSTM(2, go_backwards=True), None),
    "target_shape": ((4, 1), same),
    # optimizers
    "learning_rate": (0.5, same),
    "beta_1": (0.5, same),
    "beta_2": (0.5, same),
    "amsgrad": (True, same),
    "nesterov": (True, same),
    "rho": (0.5, same),
    "centered": (True, same),
    "initial_accumulator_value": (0.5, same),
    "weight_decay": (0.5, same),
    "clipnorm": (0.5, same),
    "clipvalue": (0.5, same),
    "global_clipnorm": (0.5, same),
    # losses and metrics
    "from_logits": (True, same),
    "label_smoothing": (0.25, same),
    "reduction": ("sum", same),
    "gamma": (1.5, same),
    "apply_class_balancing": (True, same),
    "delta": (0.5, same),
    "threshold": (0.25, same),
    "thresholds": (0.25, same),
    "k": (2, same),
    "from_sorted_ids": (True, same),
    "num_thresholds": (50, same),
    "curve": ("PR", same),
    "summation_method": ("minoring", same),
    # initializers and regularizers
    "value": (0.5, same),
    "minval": (-0.5, same),
    "maxval": (0.5, same),
    "mean": (0.5, same),
    "stddev": (0.5, same),
    "gain": (0.5, same),
    "distribution": ("uniform", same),
    "l1": (0.5, same),
    "l2": (0.5, same),
    # schedules
    "initial_learning_rate": (0.5, same),
    "decay_steps": (7, same),
    "decay_rate": (0.5, same),
    "staircase": (True, same),
    "boundaries": ([3.0], same),
    "values": ([0.5, 0.25], same),
    "alpha": (0.5, same),
    "warmup_target": (0.5, same),
    "warmup_steps": (3, same),
    # callbacks
    "monitor": ("loss", same),
    "min_delta": (0.5, same),
    "patience": (3, same),
    "verbose": (1, same),
    "mode": ("min", same),
    "baseline": (0.5, same),
    "restore_best_weights": (True, same),
    "start_from_epoch": (2, same),
    "factor": (0.5, same),
    "cooldown": (2, same),
    "min_lr": (0.5, same),
    "save_best_only": (True, same),
    "save_weights_only": (True, same),
    "save_freq": (5, same),
    "initial_value_threshold": (0.5, same),
    "separator": (";", lambda v, cls: v == ";"),
    "append": (True, same),
    "raise_error": (True, same),
    "schedule": (_fn, same),
    "filename": (os.devnull, same),
    "filepath": ("other.nerve", same),
    "log_dir": ("other-logs", same),
    "backup_dir": ("other-backup", same),
    "double_checkpoint": (True, same),
    "delete_checkpoint": (False, same),
    "histogram_freq": (2, same),
    "write_graph": (False, same),
    "write_images": (True, same),
    "write_steps_per_second": (True, same),
    "update_freq": (3, same),
    **{
        hook: (_fn, same)
        for hook in (
            "on_epoch_begin",
            "on_epoch_end",
            "on_train_begin",
            "on_train_end",
            "on_train_batch_begin",
            "on_train_batch_end",
        )
    },
}


def _max_error(y_true, y_pred):
    return y_pred


# Per class, a value that differs from the generic one above.
ALTERNATIVE_FOR = {
    ("CategoricalGeneralizedCrossEntropy", "q"): (0.25, same),
    ("Circle", "margin"): (0.25, same),
    ("Circle", "remove_diagonal"): (False, same),
    ("Tversky", "beta"): (0.75, same),
    ("OrthogonalRegularizer", "mode"): ("columns", same),
    ("orthogonal_regularizer", "mode"): ("columns", same),
    ("Masking", "mask_value"): (0.5, same),
    ("Ftrl", "learning_rate_power"): (-0.25, same),
    ("Ftrl", "l1_regularization_strength"): (0.5, same),
    ("Ftrl", "l2_regularization_strength"): (0.5, same),
    ("Ftrl", "l2_shrinkage_regularization_strength"): (0.5, same),
    ("Ftrl", "beta"): (0.5, same),
    ("PolynomialDecay", "end_learning_rate"): (0.01, None),
    ("PolynomialDecay", "power"): (3.0, None),
    ("PolynomialDecay", "cycle"): (True, None),
    ("CosineDecayRestarts", "t_mul"): (4.0, None),
    ("CosineDecayRestarts", "m_mul"): (0.5, None),
    ("MeanMetricWrapper", "fn"): (_max_error, lambda v, cls: v is _max_error),
    ("F1Score", "average"): ("macro", same),
    ("FBetaScore", "average"): ("weighted", same),
    ("FBetaScore", "beta"): (2.0, same),
    ("R2Score", "class_aggregation"): ("variance_weighted_average", same),
    ("R2Score", "num_regressors"): (2, same),
    ("BinaryIoU", "target_class_ids"): ([1], lambda v, cls: list(v) == [1]),
    **{
        (cls, "class_id"): (1, same)
        for cls in (
            "PrecisionAtRecall",
            "RecallAtPrecision",
            "SensitivityAtSpecificity",
            "SpecificityAtSensitivity",
        )
    },
    **{
        (cls, "ignore_class"): (1, same) for cls in ("IoU", "MeanIoU", "OneHotIoU", "OneHotMeanIoU")
    },
    **{(cls, "sparse_y_true"): (False, same) for cls in ("IoU", "MeanIoU")},
    **{(cls, "sparse_y_pred"): (False, same) for cls in ("IoU", "MeanIoU")},
    **{(cls, "sparse_y_pred"): (True, same) for cls in ("OneHotIoU", "OneHotMeanIoU")},
    ("Lambda", "arguments"): ({"scale": 2.0}, same),
    ("Attention", "use_scale"): (True, same),
    ("Attention", "score_mode"): ("concat", same),
    ("AdditiveAttention", "use_scale"): (False, same),
    ("ZeroPadding2D", "padding"): (2, lambda v, cls: v == ((2, 2), (2, 2))),
    ("Cropping2D", "cropping"): (2, lambda v, cls: v == ((2, 2), (2, 2))),
    ("UpSampling2D", "size"): (3, lambda v, cls: v in (3, (3, 3))),
    ("UpSampling1D", "size"): (3, same),
    ("ZeroPadding1D", "padding"): (2, lambda v, cls: v == (2, 2)),
    ("Cropping1D", "cropping"): (2, lambda v, cls: v == (2, 2)),
    ("Permute", "dims"): ((2, 1), same),
    ("Dot", "axes"): ((1, 2), same),
    ("Dot", "normalize"): (True, same),
    ("GroupNormalization", "groups"): (4, same),
    ("EinsumDense", "equation"): ("...b,bc->...c", same),
    ("EinsumDense", "bias_axes"): ("c", same),
    ("AlphaDropout", "noise_shape"): ((None, 1), lambda v, cls: tuple(v) == (None, 1)),
    ("CategoryEncoding", "num_tokens"): (6, same),
    ("CategoryEncoding", "output_mode"): ("count", same),
    ("Discretization", "bin_boundaries"): ([0.5, 1.0], same),
    ("Discretization", "num_bins"): (3, same),
    ("Discretization", "output_mode"): ("one_hot", same),
    ("CenterCrop", "height"): (3, same),
    ("CenterCrop", "width"): (3, same),
    ("UpSampling2D", "interpolation"): ("bilinear", same),
    ("Conv2DTranspose", "output_padding"): (0, lambda v, cls: v in (0, (0, 0))),
    ("Convolution2DTranspose", "output_padding"): (0, lambda v, cls: v in (0, (0, 0))),
    ("BatchNormalization", "synchronized"): (True, same),
    ("GaussianNoise", "stddev"): (0.3, same),
    ("GaussianNoise", "seed"): (7, same),
    ("GaussianDropout", "rate"): (0.3, same),
    ("GaussianDropout", "seed"): (7, same),
    ("ActivityRegularization", "l1"): (0.1, same),
    ("ActivityRegularization", "l2"): (0.1, same),
    ("RepeatVector", "n"): (4, same),
    ("Rescaling", "scale"): (0.25, same),
    ("Rescaling", "offset"): (-1.0, same),
    ("Normalization", "axis"): (1, lambda v, cls: tuple(v) == (1,)),
    ("Normalization", "invert"): (True, same),
    ("Normalization", "variance"): (2.0, same),
    ("TextVectorization", "max_tokens"): (10, same),
    ("TextVectorization", "standardize"): ("lower", same),
    ("TextVectorization", "split"): ("character", same),
    ("TextVectorization", "ngrams"): (2, same),
    ("TextVectorization", "output_mode"): ("count", same),
    ("TextVectorization", "output_sequence_length"): (5, same),
    ("TextVectorization", "pad_to_max_tokens"): (True, same),
    ("TextVectorization", "vocabulary"): (
        ["sun", "moon"],
        lambda v, cls: tuple(v) == ("", "[UNK]", "sun", "moon"),
    ),
    ("TextVectorization", "idf_weights"): (
        [0.5, 1.5],
        lambda v, cls: tuple(v) == (1.0, 0.5, 1.5),  # "[UNK]" gets the mean, as Keras
    ),
    ("RandomFlip", "mode"): ("vertical", same),
    ("RandomRotation", "factor"): (0.3, lambda v, cls: tuple(v) == (-0.3, 0.3)),
    ("RandomContrast", "factor"): (0.3, lambda v, cls: tuple(v) == (0.0, 0.3)),
    ("RandomContrast", "value_range"): ((0, 1), same),
    **{
        (layer, argument): value
        for layer in ("RandomRotation", "RandomTranslation", "RandomZoom")
        for argument, value in (
            ("fill_mode", ("constant", same)),
            ("interpolation", ("nearest", same)),
            ("fill_value", (0.5, same)),
        )
    },
    ("RandomTranslation", "height_factor"): ((-0.2, 0.3), same),
    ("RandomTranslation", "width_factor"): (0.4, same),
    ("RandomZoom", "height_factor"): ((-0.2, 0.3), same),
    ("RandomZoom", "width_factor"): (0.4, same),
    ("Input", "batch_shape"): ((None, 4), None),
    ("InputLayer", "batch_shape"): ((None, 4), None),
    ("InputLayer", "input_shape"): ((4,), None),
    ("VarianceScaling", "scale"): (0.5, same),
    ("VarianceScaling", "mode"): ("fan_out", same),
    ("variance_scaling", "scale"): (0.5, same),  # Keras's lower-case name of the class
    ("variance_scaling", "mode"): ("fan_out", same),
}
# Arguments that stand in for a required one (so the audit leaves that one out).
REPLACES = {
    ("Input", "batch_shape"): "shape",
    ("InputLayer", "batch_shape"): "shape",
    ("InputLayer", "input_shape"): "shape",
    ("Discretization", "num_bins"): "bin_boundaries",
}
# Arguments Keras takes only together: the partner given along with the probed one.
COMPANIONS = {
    ("Normalization", "mean"): {"variance": 2.0},
    ("Normalization", "variance"): {"mean": 0.5},
    ("TextVectorization", "pad_to_max_tokens"): {"max_tokens": 10, "output_mode": "count"},
    ("TextVectorization", "idf_weights"): {"output_mode": "tf_idf", "vocabulary": ["x", "y"]},
}
# Where the object keeps an argument under another name.
SHOWN_AS = {
    ("MeanMetricWrapper", "fn"): "_fn",
    ("CSVLogger", "separator"): "sep",
    ("ModelCheckpoint", "initial_value_threshold"): "best",
}


# Arguments whose effect is not an attribute of that name: what shows it instead, per
# (class, argument) or per argument.
def _rate_moves(name: str, step: int):
    """A schedule argument takes effect when the rate at `step` differs from the rate of the
    schedule built with Keras's defaults (its formula is checked against Keras's numbers in
    test_keras_numeric_optimizers.py)."""

    def check(obj) -> bool:
        default = getattr(nerve.optimizers.schedules, name)(**REQUIRED[name])
        return abs(float(obj(step)) - float(default(step))) > 1e-9

    return check


SHOWN_BY = {
    **{
        ("PolynomialDecay", arg): _rate_moves("PolynomialDecay", 15 if arg == "cycle" else 5)
        for arg in ("end_learning_rate", "power", "cycle")
    },
    **{
        ("CosineDecayRestarts", arg): _rate_moves("CosineDecayRestarts", 15)
        for arg in ("t_mul", "m_mul")
    },
    ("Embedding", "input_dim"): lambda obj: obj.input_dim == 4,
    ("Input", "batch_shape"): lambda obj: obj.shape == (4,),
    ("InputLayer", "batch_shape"): lambda obj: obj.shape == (4,),
    ("InputLayer", "input_shape"): lambda obj: obj.shape == (4,),
    "input_dim": lambda obj: obj._input_shape == (4,),
    "input_shape": lambda obj: obj._input_shape == (4,),
    "backward_layer": lambda obj: obj.backward_layer.go_backwards,
    "layer": lambda obj: True,  # the wrapped layer itself (checked by the wrapper tests)
}

# Model methods: the Keras arguments nerve implements (their behaviour is what the training,
# saving and summary tests check); every other Keras argument must raise when not default.
METHOD_IMPLEMENTED = {
    "compile": {"optimizer", "loss", "loss_weights", "metrics", "weighted_metrics"},
    "fit": {
        "x",
        "y",
        "batch_size",
        "epochs",
        "verbose",
        "callbacks",
        "validation_split",
        "validation_data",
        "shuffle",
        "class_weight",
        "sample_weight",
        "initial_epoch",
        "steps_per_epoch",
        "validation_steps",
        "validation_batch_size",
        "validation_freq",
    },
    "evaluate": {
        "x",
        "y",
        "batch_size",
        "verbose",
        "sample_weight",
        "steps",
        "callbacks",
        "return_dict",
    },
    "predict": {"x", "batch_size", "verbose", "steps"},
    "train_on_batch": {"x", "y", "sample_weight", "class_weight", "return_dict"},
    "test_on_batch": {"x", "y", "sample_weight", "return_dict"},
    "predict_on_batch": {"x"},
    "save": {"filepath", "overwrite"},
    "save_weights": {"filepath", "overwrite"},
    "load_weights": {"filepath"},
    "summary": {"print_fn"},
    "get_layer": {"name", "index"},
    "get_weights": set(),
    "set_weights": {"weights"},
    "count_params": set(),
    "get_config": set(),
    "Sequential": {"layers", "trainable", "name"},
    "add": {"layer"},
    "pop": set(),
}
MODEL_METHODS = (
    "compile",
    "fit",
    "evaluate",
    "predict",
    "train_on_batch",
    "test_on_batch",
    "predict_on_batch",
    "save",
    "save_weights",
    "load_weights",
    "summary",
    "get_layer",
    "get_weights",
    "set_weights",
    "count_params",
    "get_config",
)
SEQUENTIAL_METHODS = ("add", "pop")

# Known differences that are not about arguments, printed in the document: per entry, and per
# family (after its table).
NOTES: dict = {}
FAMILY_NOTES = {
    "initializers": "`Identity` (also `IdentityInitializer`, `identity`) is computed in Python: "
    "called on a shape, or in a Python layer's add_weight; nerve's built-in layers initialise "
    "their weights in C++, which has no identity, and raise NotImplementedError for it. Its "
    "get_config() holds `gain` (Keras's is empty, so a reload loses the gain).",
    "regularizers": "`OrthogonalRegularizer` gives Keras's penalty when called (on an array, or "
    "on a weight inside a Python layer's call(), for add_loss); given to a layer "
    "(`kernel_regularizer=`) it raises NotImplementedError: the C++ training step adds l1/l2 "
    "penalties only.",
    "layers": "Layers written in Python (a Layer subclass with build/call, add_weight, add_loss; "
    "Lambda) are traced once into C++: Python control flow on tensor values raises TypeError "
    "at trace time (use ops.where); `==` and `!=` on nerve tensors compare identity and give a "
    "Python bool (tensors stay hashable), where Keras compares element by element: in call(), "
    "a metric's update_state or a loss, write `ops.equal` / `ops.not_equal`; "
    "add_weight takes no constraint; add_metric raises "
    "NotImplementedError, as in Keras 3, which removed it (metric attributes updated in call() "
    "are reported); Lambda takes no mask and saves only named functions. "
    "`sparsemax` follows the corrected definition (keras-team/keras#23425: in Keras "
    "3.15.1 its outputs do not sum to 1 when several stay non-zero). Image layers take "
    "no None height or width. A functional model built for fixed sizes refuses other "
    "sizes (Keras's predict runs them): declare `Input(shape=(None, ...))` for "
    "variable lengths. "
    "TextVectorization runs on Python / numpy strings outside the model (call it on the texts, "
    "feed the ids to the model; a symbolic input raises NotImplementedError), without "
    "TensorFlow but with its rules (ASCII-only lowering and whitespace); its get_config() "
    "carries an adapted vocabulary, and a callable `split` gets a numpy array of str. "
    "`Attention` and `AdditiveAttention` (Python layers) cannot read a padding mask their "
    "inputs carry (an `Embedding(mask_zero=True)` upstream) nor hand the query mask on to the "
    "layers after them, so a symbolic call where either would count raises "
    "NotImplementedError (give `mask=[None, value_mask]`; on arrays both masks apply). "
    "`Discretization` outputs its bin indices as float32 (Keras: int32); it and "
    '`CategoryEncoding` take (batch, values) input for "multi_hot" / "count", and '
    "`Discretization.adapt()` must come before the layer's first call. `CenterCrop` takes "
    "batched images (rank 4) of known height and width. "
    "`AlphaDropout` draws nerve's random numbers, not Keras's. `EinsumDense` refuses the "
    "activations `sparsemax` and `threshold` (use an Activation layer after it).",
    "models": "A Model subclass that overrides train_step, test_step, predict_step, compute_loss "
    "or compute_metrics runs the override under fit / evaluate / predict once per batch from "
    "Python (saying so in a warning; the built-in steps run whole chunks in C++). "
    "`Model(inputs, outputs)` takes dicts of inputs and of outputs as Keras 3 does (x then a "
    "dict keyed by the inputs' keys, which must be strings: Keras takes others too); "
    "a dict x with a key the model lacks raises ValueError "
    "(Keras warns and maps the sorted entries by position), and so does x keyed by the Input "
    "layers' names where they differ from the keys (Keras's predict takes them). A model nested "
    "in another reloads with its layers listed one by one (the same weights and "
    "predictions). `Model(..., trainable=False)` also sets every inner layer's flag to "
    "False (Keras keeps the layers' own flags; the same weights train). A symbolic "
    "call's `training=` is kept, and a run whose result it would change raises "
    "NotImplementedError.",
    "callbacks": "A training step whose loss is NaN or Inf is not applied (nerve keeps the last "
    "finite weights; Keras applies it). TerminateOnNaN stops at the same batch as "
    "in Keras, and that epoch logs NaN where Keras logs the running mean (inf); "
    "without TerminateOnNaN, fit raises nerve.NonFiniteLossError where Keras goes "
    "on training with non-finite weights. TensorBoard needs no TensorFlow: it writes the "
    "event files itself, with Keras's folders and tags; scalars, histograms (30 equal "
    "buckets) and single images use TensorBoard's classic summary forms, which its "
    "dashboards show as they show Keras's; the graph is the layer graph (tag `keras`) that "
    "Keras writes outside TensorFlow. BackupAndRestore keeps its backup in one file "
    "(`latest.weights.nerve`: weights, optimizer state, epoch; Keras writes "
    "`latest.weights.h5` and `training_metadata.json`), written then renamed, which also holds "
    "where fit's shuffled passes over the arrays stand, so that a resumed fit takes the "
    "batches of an uninterrupted one (Keras's shuffles afresh); at the end it "
    "removes its files (Keras the whole `backup_dir`), and the restored epoch holds for that "
    "fit only (Keras keeps it for the model's later fits too); `save_freq=False` (Keras's "
    "TensorFlow preemption checkpointing) raises. A ProgbarLogger passed to fit draws the "
    "bar instead of fit's own (one bar, \"Epoch i/N\" only when N > 1, as Keras); fit's own "
    'bar also writes "Epoch 1/1".',
}
# Raised by every layer unless default; said once in the document instead of on every row.
EVERY_LAYER_RAISES = ("autocast",)

FAMILIES = (
    "layers",
    "models",
    "optimizers",
    "losses",
    "metrics",
    "schedules",
    "callbacks",
    "initializers",
    "regularizers",
)


@dataclass
class Entry:
    family: str
    name: str  # e.g. "Dense", "Model.fit"
    implemented: list = field(default_factory=list)
    raises: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    note: str = ""


def _keras():
    import keras

    return keras


def _modules():
    keras = _keras()
    return {
        "layers": (nerve.layers, keras.layers),
        "optimizers": (nerve.optimizers, keras.optimizers),
        "losses": (nerve.losses, keras.losses),
        "metrics": (nerve.metrics, keras.metrics),
        "schedules": (nerve.optimizers.schedules, keras.optimizers.schedules),
        "callbacks": (nerve.callbacks, keras.callbacks),
        "initializers": (nerve.initializers, keras.initializers),
        "regularizers": (nerve.regularizers, keras.regularizers),
    }


def _public(module) -> list[str]:
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    return sorted(
        n
        for n in names
        if callable(getattr(module, n, None)) and not inspect.ismodule(getattr(module, n))
    )


def _params(fn) -> dict:
    return dict(inspect.signature(fn).parameters)


def _named(params: dict) -> dict:
    return {
        k: p
        for k, p in params.items()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and k != "self"
    }


def _has_var_keyword(params: dict) -> bool:
    return any(p.kind == p.VAR_KEYWORD for p in params.values())


def keras_arguments(keras_obj) -> dict:
    """Keras's arguments: its signature, plus the base Layer's keywords for layers' **kwargs."""
    keras = _keras()
    params = _params(keras_obj)
    named = _named(params)
    is_layer = inspect.isclass(keras_obj) and issubclass(keras_obj, keras.layers.Layer)
    if is_layer and _has_var_keyword(params):
        base = _named(_params(keras.layers.Layer.__init__))
        for key in KERAS_LAYER_BASE_KEYS:
            named.setdefault(
                key,
                base.get(key)
                or inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, default=None),
            )
    return named


def nerve_arguments(obj) -> tuple[dict, bool]:
    """nerve's explicit arguments, following **kwargs up the classes' constructors; and whether
    the last **kwargs in the chain is open (takes unknown names)."""
    params = _params(obj)
    named = _named(params)
    if inspect.isclass(obj) and _has_var_keyword(params):
        for base in obj.__mro__[1:]:
            init = base.__dict__.get("__init__")
            if init is None or base is object:
                continue
            base_params = _params(init)
            for k, p in _named(base_params).items():
                named.setdefault(k, p)
            if not _has_var_keyword(base_params):
                break
    return named, _has_var_keyword(params)


def _same_default(a, b) -> bool:
    if a is b:
        return True
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    try:
        return (
            bool(a == b)
            and type(a) in (int, float, str, bool, tuple)
            and type(b) in (int, float, str, bool, tuple)
        )
    except Exception:
        return False


def _probe_value(default):
    """A value different from Keras's default, for arguments nerve should refuse."""
    if default is None or default is inspect.Parameter.empty:
        return "audit-probe"
    if isinstance(default, bool):
        return not default
    if isinstance(default, (int, float)):
        return default + 2
    return f"{default}-audit-probe"


def _required(name: str) -> dict:
    return {
        k: (v() if callable(v) and k in ("layer",) else v)
        for k, v in REQUIRED.get(name, {}).items()
    }


def _observed(obj, cls_name: str, arg: str):
    key = SHOWN_AS.get((cls_name, arg), arg)
    config = {}
    if hasattr(obj, "get_config"):
        try:
            config = obj.get_config()
        except Exception:
            config = {}
    if key in config:
        return config[key]
    return getattr(obj, key)


def _build(nerve_obj, label: str, **extra):
    kwargs = {**_required(label), **extra}
    for arg in extra:  # an argument that replaces a required one (batch_shape for shape)
        kwargs.pop(REPLACES.get((label, arg)), None)
        kwargs = {**COMPANIONS.get((label, arg), {}), **kwargs}
    result = nerve_obj(**kwargs)
    if label == "Input":  # nerve.Input returns the KerasTensor; audit its InputLayer
        result = result._node.layer
    return result


def audit_callable(family: str, name: str, nerve_obj, keras_obj) -> Entry:
    """One class or function against its Keras namesake."""
    entry = Entry(family, name)
    k_args = keras_arguments(keras_obj)
    n_args, open_kwargs = nerve_arguments(nerve_obj)
    is_class = inspect.isclass(nerve_obj) or name == "Input"
    for arg, kp in k_args.items():
        if arg not in n_args:
            if not (open_kwargs and not is_class):  # functions forward **kwargs to a class
                entry.problems.append(f"missing argument {arg}")
            continue
        np_ = n_args[arg]
        if arg == "name" and np_.default is None:
            pass  # None: the class's default name (compared on instances in the test)
        elif (kp.default is inspect.Parameter.empty) != (
            np_.default is inspect.Parameter.empty
        ) or not (kp.default is inspect.Parameter.empty or _same_default(kp.default, np_.default)):
            entry.problems.append(f"default of {arg}: Keras {kp.default!r}, nerve {np_.default!r}")
    _check_positional_order(entry, keras_obj, nerve_obj)
    if not is_class:
        data = FUNCTION_DATA.get((family, name))
        if data is None:  # layer functions (add, ...) forward **kwargs to their classes
            entry.implemented = sorted(a for a in k_args if a in n_args)
        else:
            _classify_function_arguments(entry, nerve_obj, k_args, data)
        return entry
    for arg in k_args:
        if arg not in n_args or arg in REQUIRED.get(name, {}) and arg not in ALTERNATIVE:
            if arg in REQUIRED.get(name, {}):
                entry.implemented.append(arg)
            continue
        if arg == "dtype":
            entry.implemented.append(arg)  # float32 only: test_keras_signatures checks it
            continue
        _classify(entry, name, nerve_obj, arg, k_args[arg].default)
    if open_kwargs:
        try:
            _build(nerve_obj, name, not_a_keras_argument=1)
            entry.problems.append("an unknown keyword argument is accepted silently")
        except (TypeError, ValueError):
            pass
    return entry


def _check_positional_order(entry: Entry, keras_obj, nerve_obj) -> None:
    """Arguments Keras users pass by position must land on the same parameters in nerve."""

    def positional(fn):
        return [
            k
            for k, p in _params(fn).items()
            if k != "self" and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]

    k_pos, n_pos = positional(keras_obj), positional(nerve_obj)
    for i, (k, n) in enumerate(zip(k_pos, n_pos)):
        if k != n:
            entry.problems.append(f"positional argument {i} is {k!r} in Keras but {n!r} in nerve")
            return


# Sample data for the loss and metric functions: three classes, where the top prediction is
# wrong for two rows but the second-best is right (so k and threshold change the result).
_Y_TRUE = np.eye(3, dtype=np.float32)[[1, 0, 2, 2]]
_Y_INT = np.array([1, 0, 2, 2], dtype=np.float32)
_Y_PRED = np.array(
    [[0.5, 0.3, 0.2], [0.7, 0.2, 0.1], [0.3, 0.3, 0.4], [0.45, 0.35, 0.2]], dtype=np.float32
)
# Two sequences of those rows, for functions whose `axis` may be the time axis. (The binary
# focal cross-entropy is not probed here: its alpha counts only with apply_class_balancing;
# test_keras_losses_more.py checks each argument against Keras.)
_SEQUENCES = (np.stack([_Y_TRUE, _Y_TRUE[::-1]]), np.stack([_Y_PRED, _Y_PRED[::-1]]))
# Class ids for three-step sequences of three classes: the class axis may be the last or the
# time axis (axis=1), both valid for these shapes.
_SEQUENCE_IDS = (np.array([[1, 0, 2], [2, 2, 0]], np.float32), _SEQUENCES[1][:, :3])
# The cross-entropies (losses and Keras's metric functions over them): `axis` may be the time
# axis; the others' rows.
_CROSSENTROPY_DATA = {
    **{
        (family, n): data
        for family in ("losses", "metrics")
        for n, data in (
            ("binary_crossentropy", _SEQUENCES),
            ("categorical_crossentropy", _SEQUENCES),
            ("sparse_categorical_crossentropy", _SEQUENCE_IDS),
            ("kl_divergence", (_Y_TRUE, _Y_PRED)),
            ("huber", (_Y_TRUE, _Y_PRED)),
        )
    },
}
FUNCTION_DATA = {
    **_CROSSENTROPY_DATA,
    **{
        ("losses", n): (_Y_TRUE, _Y_PRED)
        for n in (
            "mean_squared_error",
            "mean_absolute_error",
            "hinge",
            "squared_hinge",
            "categorical_hinge",
            "log_cosh",
            "mean_absolute_percentage_error",
            "mean_squared_logarithmic_error",
            "poisson",
        )
    },
    ("losses", "cosine_similarity"): _SEQUENCES,
    ("losses", "categorical_focal_crossentropy"): _SEQUENCES,
    **{
        ("metrics", n): (_Y_TRUE, _Y_PRED)
        for n in (
            "binary_accuracy",
            "categorical_accuracy",
            "top_k_categorical_accuracy",
            "mean_absolute_error",
            "mean_squared_error",
            "hinge",
            "squared_hinge",
            "categorical_hinge",
            "log_cosh",
            "mean_absolute_percentage_error",
            "mean_squared_logarithmic_error",
            "poisson",
        )
    },
    ("metrics", "categorical_focal_crossentropy"): _SEQUENCES,
    ("metrics", "pearson_correlation"): _SEQUENCES,
    ("metrics", "concordance_correlation"): _SEQUENCES,
    ("metrics", "sparse_categorical_accuracy"): (_Y_INT, _Y_PRED),
    ("metrics", "sparse_top_k_categorical_accuracy"): (_Y_INT, _Y_PRED),
}


def _classify_function_arguments(entry: Entry, fn, k_args: dict, data) -> None:
    """A loss or metric function: each optional Keras argument either changes the result
    (implemented) or raises when not default."""
    # The whole result is compared (not only its mean: binary_crossentropy's mean over another
    # axis has the same overall mean, but not the same values or shape).
    baseline = np.asarray(fn(*data), dtype=np.float64)
    for arg, kp in k_args.items():
        if arg in ("y_true", "y_pred"):
            entry.implemented.append(arg)
            continue
        alternative = ALTERNATIVE.get(arg)
        value = _probe_value(kp.default) if alternative is None else alternative[0]
        try:
            result = np.asarray(fn(*data, **{arg: value}), dtype=np.float64)
        except UnsupportedArgumentError as e:
            if arg in str(e):
                entry.raises.append(arg)
            else:
                entry.problems.append(f"{arg}: the error does not name the argument: {e}")
            continue
        except Exception as e:  # noqa: BLE001
            entry.problems.append(f"{arg}={value!r}: {type(e).__name__}: {e}")
            continue
        if alternative is None or (
            result.shape == baseline.shape and np.array_equal(result, baseline)
        ):
            entry.problems.append(f"{arg}={value!r} is accepted but does not change the result")
        else:
            entry.implemented.append(arg)


def _classify(entry: Entry, name: str, nerve_obj, arg: str, keras_default) -> None:
    alternative = ALTERNATIVE_FOR.get((name, arg), ALTERNATIVE.get(arg))
    value = _probe_value(keras_default) if alternative is None else alternative[0]
    if callable(value) and arg in ("backward_layer",):
        value = value()
    try:
        obj = _build(nerve_obj, name, **{arg: value})
    except UnsupportedArgumentError as e:
        if arg in str(e):
            entry.raises.append(arg)
            # the default must pass
            try:
                _build(nerve_obj, name, **{arg: keras_default})
            except Exception as e2:  # noqa: BLE001
                entry.problems.append(f"{arg}: Keras's default {keras_default!r} is refused: {e2}")
        else:
            entry.problems.append(f"{arg}: the error does not name the argument: {e}")
        return
    except Exception as e:  # noqa: BLE001
        entry.problems.append(f"{arg}={value!r}: {type(e).__name__}: {e}")
        return
    if alternative is None:
        entry.problems.append(
            f"{arg}={value!r} is accepted, but the audit has no way to check "
            f"that it takes effect (add it to ALTERNATIVE)"
        )
        return
    check = SHOWN_BY.get((name, arg), SHOWN_BY.get(arg))
    if check is not None:
        ok = check(obj)
    elif alternative[1] is None:
        ok = True
    else:
        try:
            shown = _observed(obj, name, arg)
        except AttributeError:
            entry.problems.append(f"{arg}={value!r} is accepted but not visible on the object")
            return
        expect = alternative[1]
        if expect is same:
            ok = _normalise(shown) == _normalise(value)
        else:
            ok = expect(_normalise(shown), name)
    if ok:
        entry.implemented.append(arg)
    else:
        entry.problems.append(f"{arg}={value!r} is accepted but does not take effect")


def _normalise(v):
    if isinstance(v, list):
        return tuple(_normalise(x) for x in v)
    if isinstance(v, tuple):
        return tuple(_normalise(x) for x in v)
    if isinstance(v, np.ndarray):
        return tuple(v.tolist())
    if hasattr(v, "name") and type(v).__module__.startswith("nerve.initializers"):
        return v.name
    if isinstance(v, dict) and v.get("class_name") in nerve.initializers._BY_NAME:
        return nerve.initializers.get(v).name  # get_config's {"class_name", "config"} form
    return v


def audit_method(owner: str, method: str, nerve_method, keras_method, call) -> Entry:
    """A Model / Sequential method: every Keras argument outside METHOD_IMPLEMENTED must raise
    when given a non-default value (the check runs first, so no data is needed)."""
    label = f"{owner}.{method}" if method != owner else owner
    entry = Entry("models", label)
    k_args = keras_arguments(keras_method)
    n_args, open_kwargs = nerve_arguments(nerve_method)
    implemented = METHOD_IMPLEMENTED[method]
    _check_positional_order(entry, keras_method, nerve_method)
    for arg, kp in k_args.items():
        if arg not in n_args:
            entry.problems.append(f"missing argument {arg}")
            continue
        np_ = n_args[arg]
        if (kp.default is inspect.Parameter.empty) != (
            np_.default is inspect.Parameter.empty
        ) or not (kp.default is inspect.Parameter.empty or _same_default(kp.default, np_.default)):
            entry.problems.append(f"default of {arg}: Keras {kp.default!r}, nerve {np_.default!r}")
        if arg in implemented:
            entry.implemented.append(arg)
            continue
        value = _probe_value(kp.default)
        try:
            call(**{arg: value})
            entry.problems.append(f"{arg}={value!r} is accepted but not implemented")
        except UnsupportedArgumentError as e:
            if arg in str(e):
                entry.raises.append(arg)
            else:
                entry.problems.append(f"{arg}: the error does not name the argument: {e}")
        except Exception as e:  # noqa: BLE001
            entry.problems.append(f"{arg}={value!r}: {type(e).__name__}: {e}")
    if open_kwargs:
        try:
            call(not_a_keras_argument=1)
            entry.problems.append("an unknown keyword argument is accepted silently")
        except (TypeError, ValueError):
            pass
    entry.note = NOTES.get(("models", label), "")
    return entry


def _method_calls():
    """(owner, method, nerve function, keras function, call(**kw)) for the model methods."""
    keras = _keras()
    model = nerve.Sequential([nerve.Input((3,)), nerve.layers.Dense(2)])
    required = {
        "fit": {},
        "evaluate": {},
        "predict": {"x": None},
        "train_on_batch": {"x": None},
        "test_on_batch": {"x": None},
        "predict_on_batch": {"x": None},
        "save": {"filepath": "unused.nerve"},
        "save_weights": {"filepath": "unused"},
        "load_weights": {"filepath": "unused"},
        "set_weights": {"weights": []},
        "add": {"layer": None},
    }
    out = []
    for owner, methods, k_cls, n_cls in (
        ("Model", MODEL_METHODS, keras.Model, nerve.Model),
        ("Sequential", SEQUENTIAL_METHODS, keras.Sequential, nerve.Sequential),
    ):
        for method in methods:
            bound = getattr(model, method)
            out.append(
                (
                    owner,
                    method,
                    getattr(n_cls, method),
                    getattr(k_cls, method),
                    # defaults bind this iteration's method and its required arguments
                    lambda b=bound, r=required.get(method, {}), **kw: b(**{**r, **kw}),  # noqa: B008
                )
            )
    out.append(
        (
            "Sequential",
            "Sequential",
            nerve.Sequential.__init__,
            keras.Sequential.__init__,
            lambda **kw: nerve.Sequential(**kw),
        )
    )
    return out


def run_audit():
    """(entries, missing): the audited entries, and per family the Keras names nerve lacks."""
    entries, missing = [], {}
    for family, (n_mod, k_mod) in _modules().items():
        n_names = _public(n_mod)
        for name in n_names:
            if name in NOT_AUDITED or name in NERVE_ONLY or not hasattr(k_mod, name):
                continue
            entry = audit_callable(family, name, getattr(n_mod, name), getattr(k_mod, name))
            entries.append(entry)
        missing[family] = sorted(
            n
            for n in _public(k_mod)
            if n not in n_names
            and not n.startswith("_")
            and _is_api_object(family, getattr(k_mod, n))
        )
    for owner, method, n_fn, k_fn, call in _method_calls():
        entries.append(audit_method(owner, method, n_fn, k_fn, call))
    return entries, missing


def _is_api_object(family: str, obj) -> bool:
    """Keras names worth listing as missing: classes, and the functions of losses / metrics
    (not the serialisation helpers)."""
    if getattr(obj, "__name__", "") in ("serialize", "deserialize", "get"):
        return False
    if family in ("losses", "metrics"):
        return inspect.isclass(obj) or inspect.isfunction(obj)
    return inspect.isclass(obj)


def nerve_only_names() -> list[str]:
    keras_layers = _keras().layers
    return sorted(n for n in _public(nerve.layers) if not hasattr(keras_layers, n))


TITLES = {
    "layers": "Layers (`nerve.layers`)",
    "models": "Model and Sequential methods",
    "optimizers": "Optimizers (`nerve.optimizers`)",
    "losses": "Losses (`nerve.losses`)",
    "metrics": "Metrics (`nerve.metrics`)",
    "schedules": "Learning-rate schedules (`nerve.optimizers.schedules`)",
    "callbacks": "Callbacks (`nerve.callbacks`)",
    "initializers": "Initializers (`nerve.initializers`)",
    "regularizers": "Regularizers (`nerve.regularizers`)",
}


def render(entries, missing) -> str:
    """docs/keras-compat.md."""
    keras = _keras()
    lines = [
        "# Keras 3 compatibility of nerve's API",
        "",
        f"Generated by `tests/test_keras_signatures.py` against Keras {keras.__version__} "
        "(do not edit by hand; regenerate with",
        "`NERVE_WRITE_COMPAT_DOC=1 python -m pytest tests/test_keras_signatures.py`).",
        "",
        "Every Keras argument of a listed class, function or method is accepted by nerve with "
        "Keras's default.",
        "**implemented**: nerve does what Keras does with any value. **raises**: any value "
        "other than Keras's default raises `nerve.utils.keras_args.UnsupportedArgumentError` "
        "(a `NotImplementedError` and `ValueError`) naming the object, the argument and the "
        "value. Some implemented arguments accept only part of Keras's range (e.g. "
        "`data_format='channels_last'`, `axis=-1`) and raise the same error for the rest.",
        "",
        "`dtype=`: layers take the policies `'float32'` (also `None`, `np.float32`) and "
        "`'mixed_bfloat16'` (a name, a `DTypePolicy` or Keras's serialised one; "
        "`nerve.mixed_precision` has Keras's policy API): under it Dense, Conv1D, Conv2D, "
        "Conv2DTranspose, SimpleRNN, LSTM and GRU multiply in "
        "bfloat16 with float32 sums and weights, layers without matrix products compute in "
        "float32, and layers whose products have no bfloat16 path yet raise `ValueError`. "
        "Losses and metrics take float32 only. Any other dtype (`'float16'`, `'mixed_float16'`, "
        "`'float64'`, ...) raises `ValueError`. `Input`/`InputLayer` also accept "
        "integer and bool dtypes (token ids, labels): the data is carried as float32, which holds "
        "every integer up to 2**24 exactly, and `layer.dtype` reports the declared dtype.",
        "",
        "Every layer also takes Keras's base-layer keywords (`name`, `trainable`, `dtype`, "
        "`activity_regularizer`, `input_shape`, `input_dim`); `autocast` raises unless True "
        "(layers hand float32 tensors on under either policy). An unknown keyword raises "
        "`ValueError`, as in Keras.",
        "Losses take `name` only as Keras's default: nerve identifies a loss by its name.",
        "",
    ]
    by_family = {f: [e for e in entries if e.family == f] for f in FAMILIES}
    for family in FAMILIES:
        lines += [
            f"## {TITLES[family]}",
            "",
            "| Keras | nerve | arguments that raise unless Keras's default | notes |",
            "|---|---|---|---|",
        ]
        for e in sorted(by_family[family], key=lambda e: e.name.lower()):
            raises = [a for a in e.raises if not (family == "layers" and a in EVERY_LAYER_RAISES)]
            status = "implemented" if not raises else "implemented; some arguments raise"
            if e.problems:
                status = "**differs** (see test_keras_signatures.py)"
            listed = ", ".join(f"`{a}`" for a in raises) or "-"
            lines.append(f"| `{e.name}` | {status} | {listed} | {e.note or '-'} |")
        lines.append("")
        if FAMILY_NOTES.get(family):
            lines += [FAMILY_NOTES[family], ""]
        if family in missing:
            names = missing[family]
            lines += [
                "Not in nerve yet: "
                + (", ".join(f"`{n}`" for n in names) if names else "none")
                + ".",
                "",
            ]
    lines += ["## nerve layers without a `keras.layers` namesake", ""]
    for n in nerve_only_names():
        lines.append(f"- `{n}`: {NERVE_ONLY.get(n, NOT_AUDITED.get(n, 'nerve extension'))}")
    lines.append("")
    return "\n".join(lines)
