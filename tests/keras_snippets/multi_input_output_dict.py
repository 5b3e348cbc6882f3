"""Functional API guide: a model with several inputs and outputs, trained from dicts keyed by
the input and output names, with a loss and loss weight per output."""

import numpy as np
import keras
from keras import layers

title_input = keras.Input(shape=(12,), name="title")
body_input = keras.Input(shape=(20,), name="body")
tags_input = keras.Input(shape=(4,), name="tags")
title_features = layers.Dense(8, activation="relu")(title_input)
body_features = layers.Dense(8, activation="relu")(body_input)
x = layers.concatenate([title_features, body_features, tags_input])
priority_pred = layers.Dense(1, name="priority")(x)
department_pred = layers.Dense(3, activation="softmax", name="department")(x)
model = keras.Model(
    inputs=[title_input, body_input, tags_input],
    outputs=[priority_pred, department_pred],
)
rng = np.random.default_rng(3)
model.set_weights([rng.uniform(-0.4, 0.4, w.shape).astype("float32") for w in model.get_weights()])

model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.05),
    loss={
        "priority": keras.losses.MeanSquaredError(),
        "department": keras.losses.CategoricalCrossentropy(),
    },
    loss_weights={"priority": 1.0, "department": 0.2},
)
title_data = rng.normal(size=(40, 12)).astype("float32")
body_data = rng.normal(size=(40, 20)).astype("float32")
tags_data = rng.integers(0, 2, size=(40, 4)).astype("float32")
priority_targets = rng.random(size=(40, 1)).astype("float32")
dept_targets = np.eye(3, dtype="float32")[rng.integers(0, 3, size=40)]

history = model.fit(
    {"title": title_data, "body": body_data, "tags": tags_data},
    {"priority": priority_targets, "department": dept_targets},
    epochs=2,
    batch_size=10,
    shuffle=False,
    verbose=0,
)
priority, department = model.predict(
    {"title": title_data, "body": body_data, "tags": tags_data}, verbose=0
)
results = {k: v for k, v in history.history.items()}
results["keys"] = sorted(history.history)
results["priority"] = priority
results["department"] = department
