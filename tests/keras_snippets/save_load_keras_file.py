"""Saving guide with a Keras 3 .keras file: model.save / keras.models.load_model keep the
architecture, the weights and the optimizer state, so training resumes exactly where it stopped
(nerve writes and reads the same archive format as Keras here)."""

import numpy as np
import keras
from keras import layers

inputs = keras.Input(shape=(5,), name="x")
h = layers.Dense(6, activation="relu", name="hidden")(inputs)
outputs = layers.Dense(2, activation="softmax", name="probs")(h)
model = keras.Model(inputs, outputs, name="saved_model")
rng = np.random.default_rng(18)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=0.01),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
x = rng.normal(size=(20, 5)).astype("float32")
y = rng.integers(0, 2, size=20)
model.fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=0)

model.save("my_model.keras")
reconstructed_model = keras.models.load_model("my_model.keras")
np.testing.assert_allclose(
    model.predict(x, verbose=0), reconstructed_model.predict(x, verbose=0), rtol=1e-6
)
assert reconstructed_model.name == "saved_model"
assert [l.name for l in reconstructed_model.layers] == [l.name for l in model.layers]

# Both continue training identically (the Adam moments were saved too).
h1 = model.fit(x, y, batch_size=5, epochs=1, shuffle=False, verbose=0)
h2 = reconstructed_model.fit(x, y, batch_size=5, epochs=1, shuffle=False, verbose=0)
np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-6)
for a, b in zip(model.get_weights(), reconstructed_model.get_weights()):
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
results = {
    "loss": h1.history["loss"],
    "accuracy": h1.history["accuracy"],
    "predictions": reconstructed_model.predict(x, verbose=0),
}
