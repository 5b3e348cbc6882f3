"""nerve: a deep-learning library with a C++ engine and a Keras face.

import nerve
model = nerve.Sequential([nerve.Input((784,)), nerve.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=5)
"""

from . import (
    _core,  # noqa: F401 - public: nerve._core is how tests, benches and users reach the engine
    activations,
    backend,
    callbacks,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    ops,
    optimizers,
    random,
    regularizers,
    saving,
    utils,
)
from ._cmake import get_cmake_dir
from ._core import Tensor, __version__
from .errors import ModelFileError, NonFiniteLossError
from .gradient_tape import GradientTape
from .keras_config import config
from .layers import Input
from .models import Model, Sequential
from .runtime import (
    available_devices,
    conv_algorithm,
    current_device,
    device,
    flush_denormals,
    num_threads,
    set_conv_algorithm,
    set_flush_denormals,
    set_num_threads,
)

# Saved files name nerve's layers and models by class; serialization, which the layers and models
# holding other layers import, finds them through these modules.
saving.serialization.register_builtin_classes("layer", layers, layers.Layer)
saving.serialization.register_builtin_classes("model", models, models.Model)


def _plot_model(model, to_file="model.png", **kwargs):
    """keras.utils.plot_model (nerve.viz.model_diagram.keras_plot_model: its arguments and
    what it draws)."""
    from .viz import model_diagram  # nerve.viz loads when first used: import nerve stays quick

    return model_diagram.keras_plot_model(model, to_file, **kwargs)


# keras.utils.plot_model's place: nerve.utils sits below the models nerve.viz draws, so the
# drawing is attached here, at the top of the package.
utils.plot_model = _plot_model
# keras.utils.(de)serialize_keras_object: they live in nerve.saving, above nerve.utils.
utils.serialize_keras_object = saving.serialize_keras_object
utils.deserialize_keras_object = saving.deserialize_keras_object

__all__ = [
    "Tensor",
    "__version__",
    "get_cmake_dir",
    "activations",
    "backend",
    "callbacks",
    "datasets",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "mixed_precision",
    "models",
    "ops",
    "optimizers",
    "random",
    "regularizers",
    "saving",
    "utils",
    "GradientTape",
    "Input",
    "Model",
    "Sequential",
    "ModelFileError",
    "NonFiniteLossError",
    "available_devices",
    "config",
    "conv_algorithm",
    "current_device",
    "device",
    "flush_denormals",
    "num_threads",
    "set_conv_algorithm",
    "set_flush_denormals",
    "set_num_threads",
]
