"""Functional API guide: one layer instance applied to two inputs shares its weights (a siamese
network), and gradients from both branches update the shared weights."""

import numpy as np
import keras
from keras import layers

shared_dense = layers.Dense(4, activation="tanh", name="shared")
input_a = keras.Input(shape=(3,), name="a")
input_b = keras.Input(shape=(3,), name="b")
encoded_a = shared_dense(input_a)
encoded_b = shared_dense(input_b)
merged = layers.subtract([encoded_a, encoded_b])
score = layers.Dense(1, activation="sigmoid", name="score")(merged)
model = keras.Model(inputs=[input_a, input_b], outputs=score)
rng = np.random.default_rng(21)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
assert len(model.trainable_weights) == 4  # the shared kernel and bias once, plus the head

xa = rng.normal(size=(12, 3)).astype("float32")
xb = rng.normal(size=(12, 3)).astype("float32")
same = model.predict([xa, xa], verbose=0)
w, b = shared_dense.get_weights()
ws, bs = model.get_layer("score").get_weights()
np.testing.assert_allclose(same, np.full((12, 1), 1 / (1 + np.exp(-bs[0]))), rtol=1e-6)
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="binary_crossentropy")
history = model.fit(
    [xa, xb],
    (xa[:, :1] > xb[:, :1]).astype("float32"),
    batch_size=4,
    epochs=2,
    shuffle=False,
    verbose=0,
)
results = {
    "n_weights": len(model.weights),
    "loss": history.history["loss"],
    "shared_kernel": shared_dense.get_weights()[0],
}
