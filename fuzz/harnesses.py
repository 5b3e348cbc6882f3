"""The fuzz targets: each takes arbitrary bytes and must either succeed or raise one of the
exceptions nerve documents for bad input (ValueError and its subclasses, ModelFileError and
IDXFormatError among them). Anything else (another exception, a crash, a hang) is a finding.

run.py drives them with atheris; tests/test_fuzz.py runs each for a few thousand inputs."""

from __future__ import annotations

import json
import os
import tempfile
import warnings

import nerve
from nerve.datasets import _idx
from nerve.saving import serialization

# What a corrupt input may raise. ModelFileError and IDXFormatError are ValueErrors.
EXPECTED = (ValueError,)
_SCRATCH = os.path.join(tempfile.gettempdir(), f"nerve-fuzz-{os.getpid()}.nerve")


def load_model(data: bytes) -> None:
    """nerve.models.load_model on a file holding `data` (zip, JSON and .npy reading)."""
    with open(_SCRATCH, "wb") as f:
        f.write(data)
    try:
        nerve.models.load_model(_SCRATCH)
    except EXPECTED:
        pass


def idx(data: bytes) -> None:
    """The IDX parser, for images and for labels."""
    for magic in (_idx.IMAGES_MAGIC, _idx.LABELS_MAGIC):
        try:
            _idx.parse_idx(data, magic, "fuzz")
        except EXPECTED:
            pass


def config(data: bytes) -> None:
    """The config deserializer on whatever JSON the bytes hold (a model's config.json)."""
    try:
        entry = json.loads(data.decode("utf-8", "replace"))
    except ValueError:
        return
    if not isinstance(entry, dict):
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            serialization.deserialize_model(entry)
    except EXPECTED:
        pass


TARGETS = {"load_model": load_model, "idx": idx, "config": config}
