"""Keras's image file helpers (load_img, img_to_array, array_to_img, save_img, smart_resize) and
the resize that image_dataset_from_directory applies.

Reading and writing image files needs Pillow, an optional extra (`pip install Pillow`, or
`pip install "nerve[image]"`), imported only when a file is read or written: the rest of nerve
stays numpy-only. The resize is numpy: Keras's (TensorFlow's and JAX's) "bilinear" and "nearest"
with half-pixel centres and no antialiasing, so image_dataset_from_directory gives the pixel values
Keras gives.
"""

from __future__ import annotations

import io
import pathlib
import warnings

import numpy as np

PIL_INTERPOLATION_METHODS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")
RESIZE_INTERPOLATIONS = ("bilinear", "nearest")
# Keras accepts these in image_dataset_from_directory; nerve refuses them by name.
KERAS_ONLY_INTERPOLATIONS = ("bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")


def pil_image():
    """PIL.Image, or an ImportError saying how to install it."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "reading and writing image files needs Pillow, an optional dependency of nerve: "
            'pip install Pillow  (or pip install "nerve[image]")'
        ) from None
    return Image


def checked_data_format(data_format, where: str) -> str:
    if data_format is None:
        return "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{where}: data_format must be 'channels_last' or 'channels_first', got {data_format!r}"
        )
    return data_format


def convert_mode(img, color_mode: str, where: str):
    """Keras's colour conversion: grayscale keeps 8/16/32-bit grey images as they are."""
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif color_mode == "rgb":
        if img.mode != "RGB":
            img = img.convert("RGB")
    else:
        raise ValueError(
            f'{where}: color_mode must be "grayscale", "rgb" or "rgba", got {color_mode!r}'
        )
    return img


def open_image(path, where: str = "load_img"):
    """A PIL image read from a path or a BytesIO (the file's bytes are read at once, so no file
    stays open)."""
    Image = pil_image()
    if isinstance(path, io.BytesIO):
        source = path
    elif isinstance(path, (pathlib.Path, bytes, str)):
        if isinstance(path, pathlib.Path):
            path = str(path.resolve())
        with open(path, "rb") as f:
            source = io.BytesIO(f.read())
    else:
        raise TypeError(
            f"{where}: path should be path-like or io.BytesIO, not {type(path).__name__}"
        )
    try:
        return Image.open(source)
    except (OSError, ValueError) as e:  # PIL's UnidentifiedImageError is an OSError
        raise ValueError(f"{where}: cannot read the image file {path!r}: {e}") from e


def load_img(
    path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False
):
    """Loads an image into a PIL image, as keras.utils.load_img: converted to `color_mode`
    ("grayscale", "rgb", "rgba") and, when `target_size` (height, width) differs from its size,
    resized by Pillow with `interpolation` ("nearest", "bilinear", "bicubic", "hamming", "box",
    "lanczos"); `keep_aspect_ratio` first crops the largest centred box of the target's aspect
    ratio. Needs Pillow."""
    Image = pil_image()
    img = convert_mode(open_image(path), color_mode, "load_img")
    if target_size is not None:
        width_height = (int(target_size[1]), int(target_size[0]))
        if img.size != width_height:
            if interpolation not in PIL_INTERPOLATION_METHODS:
                raise ValueError(
                    f"load_img: invalid interpolation method {interpolation!r}; supported "
                    f"methods are {', '.join(PIL_INTERPOLATION_METHODS)}"
                )
            resample = getattr(Image.Resampling, interpolation.upper())
            if keep_aspect_ratio:
                width, height = img.size
                target_width, target_height = width_height
                crop_height = min(height, (width * target_height) // target_width)
                crop_width = min(width, (height * target_width) // target_height)
                top = (height - crop_height) // 2
                left = (width - crop_width) // 2
                box = [left, top, left + crop_width, top + crop_height]
                img = img.resize(width_height, resample, box=box)
            else:
                img = img.resize(width_height, resample)
    return img


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image (or anything numpy reads) as a float32 array (height, width, channels); a
    grey image gets a channel axis of 1. channels_first puts the channels first."""
    data_format = checked_data_format(data_format, "img_to_array")
    x = np.asarray(img, dtype=dtype or "float32")
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        x = x.reshape((1,) + x.shape if data_format == "channels_first" else x.shape + (1,))
    else:
        raise ValueError(
            f"img_to_array: unsupported image shape {x.shape}; expected (height, width) or "
            f"(height, width, channels)"
        )
    return x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A rank-3 array as a PIL image (1, 3 or 4 channels: L or I, RGB, RGBA). With `scale` the
    values are first stretched to 0..255 (min to 0, max to 255), as Keras does. Needs Pillow."""
    Image = pil_image()
    data_format = checked_data_format(data_format, "array_to_img")
    x = np.array(x, dtype=dtype or "float32")
    if x.ndim != 3:
        raise ValueError(
            f"array_to_img: expected an image array of rank 3 (one image), got shape {x.shape}"
        )
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:  # 32-bit grey, as Keras keeps it
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"array_to_img: unsupported number of channels {channels} (1, 3 or 4)")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Saves an image array to a file (format from `file_format` or the path's suffix; RGBA
    saved as JPEG is converted to RGB with a warning, as Keras does). Needs Pillow."""
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn(
            "The JPEG format does not support RGBA images, converting to RGB.", stacklevel=2
        )
        img = img.convert("RGB")
    img.save(path, format=file_format or None, **kwargs)


# ---- resizing --------------------------------------------------------------------------------


def _axis_weights(in_size: int, out_size: int):
    """(lower index, upper index, weight of upper) per output position: half-pixel centres,
    clamped at the borders (TensorFlow's resize_bilinear; JAX's linear without antialias)."""
    scale = in_size / out_size
    coord = (np.arange(out_size, dtype=np.float64) + 0.5) * scale - 0.5
    floor = np.floor(coord)
    lower = np.clip(floor, 0, in_size - 1).astype(np.int64)
    upper = np.clip(np.ceil(coord), 0, in_size - 1).astype(np.int64)
    return lower, upper, (coord - floor).astype(np.float32)


def _nearest_index(in_size: int, out_size: int) -> np.ndarray:
    scale = in_size / out_size
    idx = np.floor((np.arange(out_size, dtype=np.float64) + 0.5) * scale).astype(np.int64)
    return np.minimum(idx, in_size - 1)


def resize_image(image: np.ndarray, size, interpolation: str = "bilinear") -> np.ndarray:
    """Resizes a (height, width, channels) array to `size` (height, width) as Keras's image
    resize does (keras.ops.image.resize, antialias off): float32 out."""
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(
            f"resize: interpolation {interpolation!r} is not supported by nerve; use one of "
            f"{RESIZE_INTERPOLATIONS}"
        )
    image = np.asarray(image, dtype=np.float32)
    height, width = image.shape[0], image.shape[1]
    out_h, out_w = int(size[0]), int(size[1])
    if (height, width) == (out_h, out_w):
        return image
    if interpolation == "nearest":
        return image[_nearest_index(height, out_h)][:, _nearest_index(width, out_w)]
    lo, hi, t = _axis_weights(height, out_h)
    rows = image[lo] + (image[hi] - image[lo]) * t[:, None, None]
    lo, hi, t = _axis_weights(width, out_w)
    return rows[:, lo] + (rows[:, hi] - rows[:, lo]) * t[None, :, None]


def crop_box(height: int, width: int, size):
    """(top, left, crop height, crop width) of the largest centred box with the aspect ratio of
    `size`, computed as Keras's smart_resize computes it."""
    target_height, target_width = size
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    return (
        int(float(height - crop_height) / 2),
        int(float(width - crop_width) / 2),
        crop_height,
        crop_width,
    )


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last"):
    """Resizes an image (or a batch) to `size` without distorting it: the largest centred crop
    with the target's aspect ratio, then the resize (keras.preprocessing.image.smart_resize)."""
    data_format = checked_data_format(data_format, "smart_resize")
    if len(size) != 2:
        raise ValueError(f"smart_resize: expected size (height, width), got {size}")
    x = np.asarray(x)
    if x.ndim not in (3, 4):
        raise ValueError(
            f"smart_resize: expected an image of shape (height, width, channels) or a batch "
            f"(batch, height, width, channels), got shape {x.shape}"
        )
    if data_format == "channels_first":
        x = np.moveaxis(x, -3, -1)
    top, left, h, w = crop_box(x.shape[-3], x.shape[-2], size)
    x = x[..., top : top + h, left : left + w, :]
    if x.ndim == 4:
        out = np.stack([resize_image(img, size, interpolation) for img in x])
    else:
        out = resize_image(x, size, interpolation)
    return np.moveaxis(out, -1, -3) if data_format == "channels_first" else out
