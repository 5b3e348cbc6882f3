"""Activations docs: activations by name ("selu", "softplus", "softsign", "hard_sigmoid",
"exponential") on Dense layers, against their formulas."""

import numpy as np
import keras
from keras import layers

x = np.linspace(-3, 3, 12, dtype="float32").reshape(3, 4)
outputs = {}
for name in ["selu", "softplus", "softsign", "elu", "gelu", "swish"]:
    dense = layers.Dense(4, activation=name, use_bias=False)
    dense.build((None, 4))
    dense.set_weights([np.eye(4, dtype="float32")])  # the activation of x itself
    outputs[name] = np.asarray(dense(x))
alpha, scale = 1.6732632423543772, 1.0507009873554805
np.testing.assert_allclose(
    outputs["selu"], scale * np.where(x > 0, x, alpha * (np.exp(x) - 1)), rtol=1e-5, atol=1e-6
)
np.testing.assert_allclose(outputs["softplus"], np.log1p(np.exp(x)), rtol=1e-5, atol=1e-6)
results = outputs
