"""A classic Keras script (the keras.io "Simple MNIST convnet", with Dropout, a validation split,
EarlyStopping, ModelCheckpoint and save/load) run unchanged apart from its import lines and its
file names: the port saves nerve's own format, whose names end in .nerve (a .keras name would
write a Keras 3 archive: tests/test_keras_files.py); Keras' .h5 names are refused, which
test_keras_file_names_are_refused checks.

The script text below is the Keras script; only IMPORTS differ. It runs on a subset of MNIST
(the dataset loader is limited by the test, the script is not edited). The convnet needs Conv2D,
MaxPooling2D and Flatten; the Dense-only variant (the classic Keras mnist_mlp layout, inputs
flattened by numpy) needs only Dense and Dropout. Each skips, naming what is missing, when this
nerve lacks a feature the script uses.
"""

import os

import numpy as np
import pytest

import nerve

KERAS_IMPORTS = "import numpy as np\nimport keras\nfrom keras import layers\n"
NERVE_IMPORTS = "import numpy as np\nimport nerve as keras\nfrom nerve import layers\n"

BODY = """
num_classes = 10
input_shape = INPUT_SHAPE

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train.astype("float32") / 255
x_test = x_test.astype("float32") / 255
x_train = PREPARE(x_train)
x_test = PREPARE(x_test)
print("x_train shape:", x_train.shape)
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

model = keras.Sequential(MODEL)
model.summary()

batch_size = 128
epochs = 15
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
callbacks = [
    keras.callbacks.EarlyStopping(monitor="val_loss", patience=2),
    keras.callbacks.ModelCheckpoint(filepath="best.keras", monitor="val_loss", save_best_only=True),
]
model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=0.1,
          callbacks=callbacks)
score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])

model.save("final.keras")
restored = keras.models.load_model("final.keras")
np.testing.assert_allclose(restored.predict(x_test), model.predict(x_test), rtol=1e-6, atol=1e-6)
best = keras.models.load_model("best.keras")
print("Best checkpoint test accuracy:", best.evaluate(x_test, y_test, verbose=0)[1])
"""

CONVNET = (
    BODY.replace("INPUT_SHAPE", "(28, 28, 1)")
    .replace("PREPARE(x_train)", "np.expand_dims(x_train, -1)")
    .replace("PREPARE(x_test)", "np.expand_dims(x_test, -1)")
    .replace(
        "MODEL",
        """[
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ]""",
    )
)

DENSE_ONLY = (
    BODY.replace("INPUT_SHAPE", "(784,)")
    .replace("PREPARE(x_train)", "x_train.reshape(-1, 784)")
    .replace("PREPARE(x_test)", "x_test.reshape(-1, 784)")
    .replace(
        "MODEL",
        """[
        keras.Input(shape=input_shape),
        layers.Dense(256, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(256, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(num_classes, activation="softmax"),
    ]""",
    )
)

COMMON_NEEDS = ["callbacks.EarlyStopping", "callbacks.ModelCheckpoint", "layers.Dropout"]


def _missing(names):
    out = []
    for dotted in names:
        obj = nerve
        for part in dotted.split("."):
            obj = getattr(obj, part, None)
        if obj is None:
            out.append(f"nerve.{dotted}")
    return out


@pytest.fixture
def mnist_subset(monkeypatch, tmp_path):
    if not os.environ.get("NERVE_DATASETS"):
        pytest.skip("NERVE_DATASETS is not set (real MNIST needed)")
    full = nerve.datasets.mnist.load_data()
    (xtr, ytr), (xte, yte) = full
    monkeypatch.setattr(
        nerve.datasets.mnist,
        "load_data",
        lambda *a, **k: ((xtr[:3000], ytr[:3000]), (xte[:1000], yte[:1000])),
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _nerve_port(script):
    """The script for nerve: other import lines, and nerve's file names."""
    return NERVE_IMPORTS + script.replace('.keras"', '.nerve"')


def test_keras_file_names_are_refused():
    with pytest.raises(ValueError, match=r"\.h5 format.*'\.nerve'"):
        nerve.callbacks.ModelCheckpoint(filepath="best.h5", monitor="val_loss", save_best_only=True)
    nerve.callbacks.ModelCheckpoint(filepath="best.keras", monitor="val_loss", save_best_only=True)


def _run(script, needs, tmp_path, capsys):
    missing = _missing(needs)
    if missing:
        pytest.skip(f"this nerve lacks {', '.join(missing)} (features from other branches)")
    source = _nerve_port(script)
    assert (
        source.replace(NERVE_IMPORTS, KERAS_IMPORTS, 1).replace(".nerve", ".keras")
        == KERAS_IMPORTS + script
    )
    nerve.utils.set_random_seed(0)
    exec(compile(source, "keras_port.py", "exec"), {"__name__": "__main__"})
    out = capsys.readouterr().out
    accuracy = float(out.split("Test accuracy:")[1].split()[0])
    assert (tmp_path / "best.nerve").exists() and (tmp_path / "final.nerve").exists()
    return accuracy


@pytest.mark.slow
def test_keras_mnist_convnet_port(mnist_subset, capsys):
    accuracy = _run(
        CONVNET,
        COMMON_NEEDS + ["layers.Conv2D", "layers.MaxPooling2D", "layers.Flatten"],
        mnist_subset,
        capsys,
    )
    assert accuracy > 0.93  # 3000 training images


@pytest.mark.slow
def test_keras_mnist_dense_port(mnist_subset, capsys):
    accuracy = _run(DENSE_ONLY, COMMON_NEEDS, mnist_subset, capsys)
    assert accuracy > 0.88  # 3000 training images


def test_to_categorical():
    np.testing.assert_array_equal(
        nerve.utils.to_categorical([0, 2, 1], 3), np.eye(3, dtype=np.float32)[[0, 2, 1]]
    )
    with pytest.raises(ValueError, match="out of range"):
        nerve.utils.to_categorical([3], 3)
