"""Writing your own layer (Keras style) and training it with fit, in C++.

A Linear layer makes its weights with add_weight in build() and computes its output in call()
from nerve.ops (the keras.ops names); a non-trainable weight counts the training steps
(assign_add), an activity penalty goes through add_loss, a sampling layer draws noise with
nerve.random, and a block nests layers. nerve runs call() once, when the model is built, and
records it into a C++ program that then runs on every training step (`x @ w + b` followed by relu
becomes one fused dense op there). Last, a layer whose call() takes a second tensor and a Python
value, and a subclassed model whose call() adds a loss term and updates a metric (Keras 3 style).

Run: python examples/custom_layer.py   (a few seconds)
"""

import os
import tempfile

import numpy as np

import nerve
from nerve import layers as L
from nerve import ops


class Linear(L.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")
        self.steps = self.add_weight(shape=(), initializer="zeros", trainable=False)

    def call(self, inputs, training=None):
        if training:  # branching on `training` is fine: one program per mode
            self.steps.assign_add(1.0)
        return ops.matmul(inputs, self.w) + self.b


class ActivityPenalty(L.Layer):
    """add_loss: rate * mean of the squared inputs, added to the training loss."""

    def __init__(self, rate=1e-3, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * ops.mean(ops.square(inputs)))
        return inputs


class Noise(L.Layer):
    """Gaussian noise while training (a fresh draw on every step), the identity otherwise."""

    def __init__(self, stddev=0.05, **kwargs):
        super().__init__(**kwargs)
        self.stddev = stddev
        self.seeds = nerve.random.SeedGenerator(7)

    def call(self, inputs, training=None):
        if not training:
            return inputs
        return inputs + nerve.random.normal(ops.shape(inputs), stddev=self.stddev, seed=self.seeds)


class Block(L.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = Linear(16)
        self.act = L.Activation("relu")
        self.second = Linear(1)

    def call(self, inputs):
        return self.second(self.act(self.first(inputs)))


rng = np.random.default_rng(0)
x = rng.normal(size=(512, 8)).astype(np.float32)
y = (x @ rng.normal(size=(8, 1)) + 0.5).astype(np.float32)

inputs = nerve.Input((8,))
outputs = Block()(Noise()(ActivityPenalty(1e-4)(inputs)))
model = nerve.Model(inputs, outputs)
model.compile(optimizer=nerve.optimizers.Adam(0.01), loss="mse")
model.summary()
history = model.fit(x, y, batch_size=64, epochs=20, verbose=0)
print(f"loss: first epoch {history.history['loss'][0]:.4f}, last {history.history['loss'][-1]:.4f}")
block = model.layers[-1]
print(f"training steps counted by the first Linear layer: {float(np.array(block.first.steps)):.0f}")
path = os.path.join(tempfile.mkdtemp(), "custom_layer.nerve")
model.save(path)
loaded = nerve.saving.load_model(
    path,
    custom_objects={
        "Linear": Linear,
        "Block": Block,
        "ActivityPenalty": ActivityPenalty,
        "Noise": Noise,
    },
)
same = np.array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
print(f"saved and loaded: predictions identical = {same}")


class Gate(L.Layer):
    """call() takes a second tensor (`context`) and a Python value (`sharpness`, fixed when call()
    is traced: each distinct value is its own trace); build() gets the context's shape."""

    def build(self, input_shape, context_shape=None):
        self.w = self.add_weight(shape=(input_shape[-1], context_shape[-1]))

    def call(self, inputs, context, sharpness=1.0):
        return ops.matmul(inputs, self.w) * ops.sigmoid(sharpness * context)


class Regressor(nerve.Model):
    """add_loss and a metric from the model's own call(): both run in C++ on every step."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.gate, self.head = Gate(), L.Dense(1)
        self.gate_mean = nerve.metrics.Mean(name="gate_mean")

    def call(self, inputs):
        gated = self.gate(inputs, inputs[:, :4], sharpness=2.0)
        self.add_loss(1e-3 * ops.mean(ops.square(gated)))  # reduces over the batch: fine here
        self.gate_mean.update_state(ops.mean(gated))  # in the progress bar and in History
        return self.head(gated)


regressor = Regressor()
regressor.compile(optimizer=nerve.optimizers.Adam(0.01), loss="mse")
history = regressor.fit(x, y, batch_size=64, epochs=5, verbose=0)
print(f"subclassed model with add_loss and a metric in call(): {sorted(history.history)}")
