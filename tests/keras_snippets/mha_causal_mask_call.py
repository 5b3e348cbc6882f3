"""MultiHeadAttention docs: self-attention in a functional model with use_causal_mask=True
given at call time (each position attends to itself and earlier ones only)."""

import numpy as np
import keras
from keras import layers

inputs = keras.Input(shape=(5, 8))
attention = layers.MultiHeadAttention(num_heads=2, key_dim=4)
outputs = attention(inputs, inputs, use_causal_mask=True)
model = keras.Model(inputs, outputs)
rng = np.random.default_rng(32)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
x = rng.normal(size=(2, 5, 8)).astype("float32")
out = model.predict(x, verbose=0)
x_changed = x.copy()
x_changed[:, -1] += 1.0  # changing the last step must not change the earlier outputs
out_changed = model.predict(x_changed, verbose=0)
np.testing.assert_allclose(out[:, :-1], out_changed[:, :-1], rtol=1e-5, atol=1e-6)
results = {"out": out}
