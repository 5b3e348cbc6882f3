"""Customizing what happens in fit() (the guide's TensorFlow version, with keras.GradientTape in
place of tf.GradientTape): a Model subclass overrides train_step; fit must call it once per
batch and train with it."""

import numpy as np
import keras
from keras import layers


class CustomModel(keras.Model):
    calls = 0

    def train_step(self, data):
        x, y = data
        CustomModel.calls += 1
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_variables))
        return {"loss": loss}


inputs = keras.Input(shape=(3,))
outputs = layers.Dense(1)(inputs)
model = CustomModel(inputs, outputs)
model.compile(optimizer="adam", loss="mse")
x = np.random.random((12, 3)).astype("float32")
y = np.random.random((12, 1)).astype("float32")
model.fit(x, y, batch_size=4, epochs=2, verbose=0)
assert CustomModel.calls == 6, CustomModel.calls
results = {"calls": CustomModel.calls}
