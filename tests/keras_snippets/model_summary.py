"""model.summary(): the table of layers (name and type), output shapes and parameter counts,
and the totals. Compared row by row (the column widths may differ)."""

import numpy as np
import keras
from keras import layers

inputs = keras.Input(shape=(16,), name="features")
x = layers.Dense(32, activation="relu", name="hidden_1")(inputs)
x = layers.BatchNormalization(name="norm")(x)
x = layers.Dropout(0.2, name="drop")(x)
outputs = layers.Dense(5, activation="softmax", name="probs")(x)
model = keras.Model(inputs, outputs, name="summary_demo")
seq = keras.Sequential(
    [
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(8, 3, name="conv"),
        layers.MaxPooling2D(2, name="pool"),
        layers.Flatten(name="flat"),
        layers.Dense(10, name="logits"),
    ],
    name="convnet",
)

lines = []
model.summary(print_fn=lambda text, **kwargs: lines.append(text))
seq.summary(print_fn=lambda text, **kwargs: lines.append(text))
text = "\n".join(lines)


def table_rows(text):
    rows = []
    for line in text.splitlines():
        if line.startswith("│"):
            rows.append([cell.strip() for cell in line.strip("│").split("│")])
    return rows


def totals(text):
    return [" ".join(line.split()) for line in text.splitlines() if "params:" in line]


assert 'Model: "summary_demo"' in text and 'Model: "convnet"' in text
results = {"rows": table_rows(text), "totals": totals(text)}
