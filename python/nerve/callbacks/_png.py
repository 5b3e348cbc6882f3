"""A minimal PNG encoder (numpy and zlib only), so TensorBoard images need no Pillow."""

from __future__ import annotations

import struct
import zlib

import numpy as np

# PNG colour types by channel count: grey, grey + alpha, RGB, RGBA
_COLOR_TYPE = {1: 0, 2: 4, 3: 2, 4: 6}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(image) -> bytes:
    """PNG bytes of a uint8 image of shape (height, width) or (height, width, channels) with
    1 to 4 channels; 8 bits per sample, no interlacing, every row with filter type 0."""
    a = np.asarray(image)
    if a.dtype != np.uint8:
        raise TypeError(f"encode_png: the image must be uint8, got {a.dtype}")
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in _COLOR_TYPE or a.shape[0] < 1 or a.shape[1] < 1:
        raise ValueError(
            f"encode_png: expected (height, width[, 1-4 channels]) with height and width >= 1, "
            f"got shape {np.asarray(image).shape}"
        )
    height, width, channels = a.shape
    rows = a.reshape(height, width * channels)
    raw = np.concatenate([np.zeros((height, 1), np.uint8), rows], axis=1).tobytes()
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOR_TYPE[channels], 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 6))
        + _chunk(b"IEND", b"")
    )
