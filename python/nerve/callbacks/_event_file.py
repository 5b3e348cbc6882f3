"""TensorBoard event files without TensorFlow: the TFRecord framing, CRC32C, and the few
protobuf messages (Event, Summary, HistogramProto, TensorProto) the TensorBoard callback writes.

The wire format is stable and small, so encoding it by hand keeps nerve's core numpy-only.
Field numbers follow tensorflow/core/util/event.proto and tensorflow/core/framework/summary.proto
(the copies shipped in tensorboard.compat.proto).
"""

from __future__ import annotations

import os
import socket
import struct
import time

import numpy as np


# ---- CRC32C (Castagnoli), as TFRecord frames use ------------------------------------------------
def _crc32c_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C of `data` (crc32c(b"123456789") == 0xE3069283)."""
    crc = 0xFFFFFFFF
    table = _CRC32C_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked CRC: a CRC stored next to the data it covers is masked so that the CRC
    of a string that itself contains CRCs stays well distributed."""
    crc = crc32c(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def tfrecord(data: bytes) -> bytes:
    """One record: uint64 length, masked CRC of the length, data, masked CRC of the data."""
    length = struct.pack("<Q", len(data))
    return (
        length
        + struct.pack("<I", masked_crc32c(length))
        + data
        + struct.pack("<I", masked_crc32c(data))
    )


# ---- protobuf wire format ---------------------------------------------------------------------
_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5


def _varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64  # protobuf encodes negative int64 as ten-byte two's complement
    out = bytearray()
    while True:
        bits = value & 0x7F
        value >>= 7
        if value:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


def _key(field: int, wire_type: int) -> bytes:
    return _varint((field << 3) | wire_type)


def _int_field(field: int, value: int) -> bytes:
    return _key(field, _VARINT) + _varint(int(value))


def _double_field(field: int, value: float) -> bytes:
    return _key(field, _FIXED64) + struct.pack("<d", float(value))


def _float_field(field: int, value: float) -> bytes:
    return _key(field, _FIXED32) + struct.pack("<f", float(value))


def _bytes_field(field: int, value: bytes) -> bytes:
    return _key(field, _BYTES) + _varint(len(value)) + value


def _str_field(field: int, value: str) -> bytes:
    return _bytes_field(field, value.encode("utf-8"))


def _packed_doubles(field: int, values) -> bytes:
    return _bytes_field(field, np.asarray(values, dtype="<f8").tobytes())


# ---- messages -----------------------------------------------------------------------------------
_DT_STRING = 7  # tensorflow.DataType
DATA_CLASS_BLOB_SEQUENCE = 3  # tensorboard.DataClass: what tf.summary.image declares


def summary_metadata(plugin_name: str, content: bytes = b"", data_class: int = 0) -> bytes:
    """SummaryMetadata{plugin_data{plugin_name, content}, data_class}."""
    plugin = _str_field(1, plugin_name) + (_bytes_field(2, content) if content else b"")
    return _bytes_field(1, plugin) + (_int_field(4, data_class) if data_class else b"")


def string_tensor(values: list[bytes], shape: list[int]) -> bytes:
    """TensorProto of dtype DT_STRING: dtype = 1, tensor_shape = 2 (dim = 2 {size = 1}),
    string_val = 8."""
    dims = b"".join(_bytes_field(2, _int_field(1, n)) for n in shape)
    return (
        _int_field(1, _DT_STRING)
        + _bytes_field(2, dims)
        + b"".join(_bytes_field(8, v) for v in values)
    )


def histogram_proto(values: np.ndarray, buckets: int = 30) -> bytes:
    """HistogramProto (min = 1, max = 2, num = 3, sum = 4, sum_squares = 5, bucket_limit = 6,
    bucket = 7) with `buckets` equal-width buckets over [min, max], the bucket count of
    tf.summary.histogram; bucket_limit holds each bucket's right edge."""
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0:
        lo = hi = 0.0
        limits, counts = [], []
    else:
        lo, hi = float(v.min()), float(v.max())
        if lo == hi:  # one value: one bucket holding everything
            limits, counts = [hi], [float(v.size)]
        else:
            counts, edges = np.histogram(v, bins=buckets, range=(lo, hi))
            limits = edges[1:].copy()
            limits[-1] = hi  # exactly the max, whatever linspace rounded to
    return (
        _double_field(1, lo)
        + _double_field(2, hi)
        + _double_field(3, float(v.size))
        + _double_field(4, float(v.sum()))
        + _double_field(5, float(np.dot(v, v)))
        + _packed_doubles(6, limits)
        + _packed_doubles(7, counts)
    )


def image_proto(height: int, width: int, channels: int, png: bytes) -> bytes:
    """Summary.Image: height = 1, width = 2, colorspace = 3, encoded_image_string = 4."""
    return (
        _int_field(1, height)
        + _int_field(2, width)
        + _int_field(3, channels)
        + _bytes_field(4, png)
    )


def value_simple(tag: str, value: float) -> bytes:
    """Summary.Value with simple_value (field 2, a float)."""
    return _str_field(1, tag) + _float_field(2, value)


def value_histogram(tag: str, histo: bytes) -> bytes:
    return _str_field(1, tag) + _bytes_field(5, histo)


def value_image(tag: str, image: bytes) -> bytes:
    return _str_field(1, tag) + _bytes_field(4, image)


def value_tensor(tag: str, tensor: bytes, metadata: bytes) -> bytes:
    """Summary.Value with a tensor (field 8) and its metadata (field 9)."""
    return _str_field(1, tag) + _bytes_field(9, metadata) + _bytes_field(8, tensor)


def event(step: int, wall_time: float, *, values=(), file_version: str | None = None) -> bytes:
    """Event: wall_time = 1, step = 2, file_version = 3, summary = 5 (Summary: value = 1)."""
    out = _double_field(1, wall_time) + _int_field(2, step)
    if file_version is not None:
        out += _str_field(3, file_version)
    if values:
        out += _bytes_field(5, b"".join(_bytes_field(1, v) for v in values))
    return out


class EventFileWriter:
    """Appends events to one new `events.out.tfevents.<time>.<host>.<pid>.<n>.v2` file in
    `logdir` (created if missing), the name TensorBoard looks for; the first record says
    "brain.Event:2", as TensorFlow's writer does. TensorBoard reads a folder's files in name
    order, so the counter <n> is zero-padded: two files of the same second sort as written."""

    _count = 0

    def __init__(self, logdir: str):
        try:
            os.makedirs(logdir, exist_ok=True)
            EventFileWriter._count += 1
            name = (
                f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}."
                f"{os.getpid()}.{EventFileWriter._count:06d}.v2"
            )
            self.path = os.path.join(logdir, name)
            self._file = open(self.path, "wb")
        except OSError as e:
            raise OSError(
                f"TensorBoard: cannot write event files in log directory {logdir!r}: "
                f"{e.strerror or e}"
            ) from e
        self.write(event(0, time.time(), file_version="brain.Event:2"))
        self.flush()

    def write(self, serialized_event: bytes) -> None:
        self._file.write(tfrecord(serialized_event))

    def add(self, step: int, values) -> None:
        """One event at `step` holding these serialized Summary.Values."""
        self.write(event(step, time.time(), values=list(values)))

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    @property
    def closed(self) -> bool:
        return self._file.closed
