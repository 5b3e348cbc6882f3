"""Writing a training loop from scratch (the guide's TensorFlow version, with keras.GradientTape
in place of tf.GradientTape): forward pass under the tape, gradients of the loss with respect to
the trainable weights, optimizer.apply_gradients, and a metric updated per batch. Checked
against the same SGD steps computed with numpy."""

import numpy as np
import keras
from keras import layers

inputs = keras.Input(shape=(4,), name="digits")
outputs = layers.Dense(3, name="predictions")(inputs)
model = keras.Model(inputs=inputs, outputs=outputs)
rng = np.random.default_rng(23)
w0 = rng.uniform(-0.5, 0.5, (4, 3)).astype("float32")
b0 = rng.uniform(-0.5, 0.5, (3,)).astype("float32")
model.set_weights([w0, b0])

optimizer = keras.optimizers.SGD(learning_rate=0.5)
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
train_acc_metric = keras.metrics.SparseCategoricalAccuracy()
x_train = rng.normal(size=(12, 4)).astype("float32")
y_train = rng.integers(0, 3, size=12)

losses = []
for step in range(3):
    x_batch_train = keras.ops.convert_to_tensor(x_train[step * 4 : (step + 1) * 4])
    y_batch_train = y_train[step * 4 : (step + 1) * 4]
    with keras.GradientTape() as tape:
        logits = model(x_batch_train, training=True)
        loss_value = loss_fn(y_batch_train, logits)
    grads = tape.gradient(loss_value, model.trainable_weights)
    optimizer.apply_gradients(zip(grads, model.trainable_weights))
    train_acc_metric.update_state(y_batch_train, np.asarray(logits))
    losses.append(float(np.asarray(loss_value)))

# numpy: the same three SGD steps on mean softmax cross-entropy
w, b = w0.astype(np.float64), b0.astype(np.float64)
expected_losses, correct = [], 0
for step in range(3):
    xb, yb = x_train[step * 4 : (step + 1) * 4], y_train[step * 4 : (step + 1) * 4]
    z = xb @ w + b
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    expected_losses.append(-np.mean(np.log(p[np.arange(4), yb])))
    correct += int(np.sum(np.argmax(z, axis=1) == yb))
    dz = (p - np.eye(3)[yb]) / 4
    w, b = w - 0.5 * xb.T @ dz, b - 0.5 * dz.sum(axis=0)
np.testing.assert_allclose(losses, expected_losses, rtol=1e-5)
np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-5, atol=1e-6)
np.testing.assert_allclose(model.get_weights()[1], b, rtol=1e-5, atol=1e-6)
np.testing.assert_allclose(float(train_acc_metric.result()), correct / 12, rtol=1e-6)
assert int(optimizer.iterations) == 3
results = {"losses": losses}
