"""Bad input to the image layers: a clear Python exception naming the layer and the shapes."""

import numpy as np
import pytest

import nerve
from nerve.layers import (
    BatchNormalization,
    Conv2D,
    Dense,
    Flatten,
    GlobalAveragePooling2D,
    MaxPooling2D,
    ZeroPadding2D,
)


def test_3d_array_to_conv2d_layer():
    layer = Conv2D(4, 3, name="conv_a")
    with pytest.raises(ValueError, match=r"Conv2D 'conv_a'.*rank 4.*\(None, 28, 28\)"):
        layer(np.zeros((2, 28, 28), np.float32))


def test_3d_array_to_unbuilt_model_fit():
    model = nerve.Sequential([Conv2D(4, 3, name="conv_b"), Flatten(), Dense(2)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"Conv2D 'conv_b'.*rank 4.*\(None, 28, 28\)"):
        model.fit(np.zeros((8, 28, 28), np.float32), np.zeros(8), verbose=0)


def test_3d_array_to_built_model():
    model = nerve.Sequential(
        [nerve.Input((28, 28, 1)), Conv2D(4, 3, name="conv_c"), Flatten(), Dense(2)]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"Conv2D 'conv_c'.*\(None, 28, 28, 1\).*\(8, 28, 28\)"):
        model.fit(np.zeros((8, 28, 28), np.float32), np.zeros(8), verbose=0)
    with pytest.raises(ValueError, match=r"Conv2D 'conv_c'.*\(None, 28, 28, 1\)"):
        model.predict(np.zeros((8, 28, 28), np.float32))


def test_kernel_larger_than_valid_input():
    with pytest.raises(
        ValueError,
        match=r"Conv2D 'conv_d'.*kernel 5x5.*\(None, 3, 3, 2\).*"
        r"larger than the input height of 3",
    ):
        nerve.Sequential([nerve.Input((3, 3, 2)), Conv2D(4, 5, name="conv_d")])
    with pytest.raises(ValueError, match=r"Conv2D 'conv_e'.*window of 5 cells.*dilation 2"):
        Conv2D(1, 3, dilation_rate=2, name="conv_e")(np.zeros((1, 4, 9, 1), np.float32))
    with pytest.raises(ValueError, match=r"MaxPooling2D 'pool_a'.*\(None, 1, 5, 3\)"):
        MaxPooling2D(2, name="pool_a")(np.zeros((1, 1, 5, 3), np.float32))
    # 'same' padding always fits
    assert Conv2D(1, 5, padding="same")(np.zeros((1, 3, 3, 2), np.float32)).shape == (1, 3, 3, 1)


def test_channel_count_differs_from_built_model():
    model = nerve.Sequential(
        [nerve.Input((8, 8, 1)), Conv2D(4, 3, name="conv_f"), Flatten(), Dense(2)]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"Conv2D 'conv_f'.*\(None, 8, 8, 1\).*\(4, 8, 8, 3\)"):
        model.fit(np.zeros((4, 8, 8, 3), np.float32), np.zeros(4), verbose=0)
    layer = model.layers[0]
    with pytest.raises(ValueError, match=r"Conv2D 'conv_f'.*\(None, 8, 8, 1\).*\(2, 8, 8, 3\)"):
        layer(np.zeros((2, 8, 8, 3), np.float32))


def test_bad_layer_arguments():
    with pytest.raises(ValueError, match=r"Conv2D .*filters"):
        Conv2D(0, 3)
    with pytest.raises(ValueError, match=r"kernel_size"):
        Conv2D(2, (3, 0))
    with pytest.raises(ValueError, match=r"strides"):
        Conv2D(2, 3, strides=(1, 2, 3))
    with pytest.raises(ValueError, match=r"padding"):
        Conv2D(2, 3, padding="full")
    with pytest.raises(ValueError, match=r"channels_first"):
        Conv2D(2, 3, data_format="channels_first")
    with pytest.raises(ValueError, match=r"axis=-1"):
        BatchNormalization(axis=1)
    with pytest.raises(ValueError, match=r"padding"):
        ZeroPadding2D(-1)
    with pytest.raises(ValueError, match=r"GlobalAveragePooling2D '.*'.*rank 4"):
        GlobalAveragePooling2D()(np.zeros((2, 5), np.float32))


def test_op_level_errors():
    from nerve import _core

    x = nerve.Tensor(np.zeros((2, 5, 5, 3), np.float32))
    with pytest.raises(
        ValueError, match=r"conv2d: input of shape \(2, 5, 5, 3\) has 3 channels.*expects 2"
    ):
        _core.ops.conv2d(x, nerve.Tensor(np.zeros((3, 3, 2, 4), np.float32)))
    with pytest.raises(ValueError, match=r"conv2d: input must be 4-D.*\(5, 5, 3\)"):
        _core.ops.conv2d(
            nerve.Tensor(np.zeros((5, 5, 3), np.float32)),
            nerve.Tensor(np.zeros((3, 3, 3, 4), np.float32)),
        )
    with pytest.raises(
        ValueError, match=r"batch_norm: gamma of shape \(4,\) does not match the 3 channels"
    ):
        _core.ops.batch_norm(
            x,
            nerve.Tensor(np.ones(4, np.float32)),
            None,
            nerve.Tensor(np.zeros(3, np.float32)),
            nerve.Tensor(np.ones(3, np.float32)),
            True,
        )


def test_cnn_save_and_load_round_trip(tmp_path):
    """Every image layer's get_config rebuilds it: a saved CNN loads with the same predictions."""
    from nerve.layers import AveragePooling2D, Dropout, GlobalMaxPooling2D, Reshape

    nerve.utils.set_random_seed(3)
    model = nerve.Sequential(
        [
            nerve.Input((8, 8, 2)),
            ZeroPadding2D(((1, 0), (0, 1))),
            Conv2D(4, (3, 2), strides=(1, 2), padding="same", dilation_rate=1, activation="relu"),
            BatchNormalization(momentum=0.9),
            MaxPooling2D(2, padding="same"),
            AveragePooling2D((1, 2), strides=1),
            Dropout(0.3, seed=5),
            Reshape((-1, 4)),
            Reshape((5, 2, 4)),
            GlobalMaxPooling2D(),
            Flatten(),
            Dense(3),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).standard_normal((16, 8, 8, 2)).astype(np.float32)
    model.fit(x, np.zeros((16, 3), np.float32), epochs=1, batch_size=8, verbose=0)
    path = tmp_path / "cnn.nerve"
    model.save(path)
    loaded = nerve.models.load_model(path)
    assert [type(a) for a in loaded.layers] == [type(b) for b in model.layers]
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6, atol=1e-6)
