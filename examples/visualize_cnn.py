"""Seeing what a small MNIST CNN learned, with nerve.viz (needs the extra: pip install "nerve[viz]").

Trains Conv2D(16, 3) -> MaxPooling2D -> Conv2D(32, 3) -> MaxPooling2D -> Flatten -> Dense(10)
on real MNIST (2 epochs on 12,000 digits), then writes into an output folder:
  model.svg, model.png      the model diagram (no Graphviz)
  history.png               loss and accuracy per epoch, training and validation
  filters.png               the 16 first-layer 3x3 filters (black negative, white positive)
  feature_maps.png          the first Conv2D's 16 feature maps for one test digit
  saliency.png              |d score / d pixel| for that digit's predicted class
  grad_cam.png              Grad-CAM at the last Conv2D for that class
  confusion_matrix.png      test-set confusion matrix
  weights.png               weight histograms per layer
  embeddings.png            PCA of the Dense layer's inputs (the flattened features), by label
  report.html               all of it on one self-contained page (nerve.viz.Report callback):
                            curves, diagram, weight histograms per epoch, filters, and 500 test
                            digits' predictions with the mistakes outlined in red

Run: python examples/visualize_cnn.py [--out viz_out] [--epochs N]
(data: $NERVE_DATASETS, ~/.nerve/datasets, or downloaded; NERVE_QUICK=1: a few hundred
samples and one epoch)
"""

import argparse
import os
from pathlib import Path

import numpy as np

import nerve
from nerve import viz
from nerve.layers import Conv2D, Dense, Flatten, MaxPooling2D

parser = argparse.ArgumentParser()
parser.add_argument("--out", default="viz_out")
parser.add_argument("--epochs", type=int, default=2)
args = parser.parse_args()
out = Path(args.out)
out.mkdir(parents=True, exist_ok=True)

nerve.utils.set_random_seed(0)
(x_train, y_train), (x_test, y_test) = nerve.datasets.mnist.load_data()
x_train = x_train[:12000].reshape(-1, 28, 28, 1).astype("float32") / 255.0
y_train = y_train[:12000]
x_test = x_test[:2000].reshape(-1, 28, 28, 1).astype("float32") / 255.0
y_test = y_test[:2000]
QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: a few hundred samples, one epoch
if QUICK:
    x_train, y_train, x_test, y_test = x_train[:512], y_train[:512], x_test[:256], y_test[:256]
    args.epochs = 1

model = nerve.Sequential(
    [
        nerve.Input(shape=(28, 28, 1)),
        Conv2D(16, 3, padding="same", activation="relu", name="conv1"),
        MaxPooling2D(2, name="pool1"),
        Conv2D(32, 3, padding="same", activation="relu", name="conv2"),
        MaxPooling2D(2, name="pool2"),
        Flatten(name="flatten"),
        Dense(10, activation="softmax", name="classifier"),
    ]
)
model.compile(
    optimizer=nerve.optimizers.Adam(2e-3),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
# the report callback records the weight histograms after each epoch and writes the page at the end
report = viz.Report(out / "report.html", x=x_test[:500], y=y_test[:500])
history = model.fit(
    x_train,
    y_train,
    batch_size=64,
    epochs=args.epochs,
    validation_data=(x_test, y_test),
    callbacks=[report],
)
probabilities = model.predict(x_test, verbose=0)
print(f"test accuracy {np.mean(probabilities.argmax(axis=1) == y_test):.4f}")

digit = x_test[0]
viz.plot_model(model, out / "model.svg")
viz.plot_model(model, out / "model.png")
viz.plot_history(history, path=out / "history.png")
viz.plot_filters(model, "conv1", path=out / "filters.png")
viz.plot_feature_maps(model, digit, "conv1", path=out / "feature_maps.png")
viz.plot_saliency(model, digit, path=out / "saliency.png")
viz.plot_grad_cam(model, digit, "conv2", path=out / "grad_cam.png")
viz.plot_confusion_matrix(y_test, probabilities, path=out / "confusion_matrix.png")
viz.plot_weight_histograms(model, path=out / "weights.png")
viz.plot_projection(
    x_test[:1000], y_test[:1000], model=model, layer="flatten", path=out / "embeddings.png"
)
print(f"pictures written to {out}/: " + ", ".join(sorted(p.name for p in out.iterdir())))
