"""BatchNormalization docs: in training it normalises with the batch statistics and updates the
moving mean and variance (momentum 0.99 by default); in inference it uses the moving ones."""

import numpy as np
import keras
from keras import layers

bn = layers.BatchNormalization(momentum=0.9)
model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4), bn, layers.Dense(1)])
rng = np.random.default_rng(28)
weights = [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()]
weights[4] = np.zeros(4, "float32")  # moving mean
weights[5] = np.ones(4, "float32")  # moving variance
model.set_weights(weights)
assert [len(model.layers[1].weights), len(model.layers[1].trainable_weights)] == [4, 2]
x = rng.normal(size=(16, 3)).astype("float32") * 3 + 1
y = rng.normal(size=(16, 1)).astype("float32")

h = x @ weights[0] + weights[1]
train_out = np.asarray(bn(h, training=True))
expected = (h - h.mean(0)) / np.sqrt(h.var(0) + 1e-3) * weights[2] + weights[3]
np.testing.assert_allclose(train_out, expected, rtol=1e-4, atol=1e-5)

model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
gamma, beta, moving_mean, moving_var = bn.get_weights()
inference = model.predict(x, verbose=0)
results = {
    "loss": history.history["loss"],
    "moving_mean": moving_mean,
    "moving_var": moving_var,
    "gamma": gamma,
    "inference": inference,
    "train_out": train_out,
}
