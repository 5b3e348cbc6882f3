"""Self-checking model files (nerve/saving/self_check.py): save stores an input batch and the
outputs it gave; load_model runs it again and refuses a file whose outputs changed, unless
verify=False."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

import nerve
from nerve import layers as L
from nerve.errors import ModelFileError


def _rewrite(path, change):
    with zipfile.ZipFile(path) as z:
        entries = [(n, z.read(n)) for n in z.namelist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        for name, data in entries:
            z.writestr(name, change(name, data))


def _npy(a):
    buf = io.BytesIO()
    np.save(buf, np.asarray(a, np.float32))
    return buf.getvalue()


def _entries(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_save_stores_a_batch_and_its_outputs(tmp_path):
    model = nerve.Sequential([L.Input((5,)), L.Dense(3, activation="tanh")])
    path = tmp_path / "m.nerve"
    model.save(path)
    e = _entries(path)
    spec = json.loads(e["check.json"])
    x = np.load(io.BytesIO(e[spec["inputs"][0]]))
    y = np.load(io.BytesIO(e[spec["outputs"][0]]))
    assert x.shape == (2, 5) and x.std() > 0.1  # sampled, not zeros
    np.testing.assert_array_equal(y, model.predict(x, verbose=0))
    nerve.models.load_model(path)  # verifies


def test_changed_outputs_are_refused_unless_verify_false(tmp_path):
    model = nerve.Sequential([L.Input((5,)), L.Dense(3)])
    path = tmp_path / "m.nerve"
    model.save(path)
    want = np.load(io.BytesIO(_entries(path)["check/output_0.npy"]))
    _rewrite(path, lambda n, d: _npy(want + 0.01) if n == "check/output_0.npy" else d)
    with pytest.raises(ModelFileError, match="fails its self-check.*verify=False"):
        nerve.models.load_model(path)
    loaded = nerve.models.load_model(path, verify=False)
    np.testing.assert_array_equal(
        loaded.predict(np.ones((1, 5), np.float32), verbose=0),
        model.predict(np.ones((1, 5), np.float32), verbose=0),
    )


def test_changed_weight_is_caught(tmp_path):
    model = nerve.Sequential([L.Input((5,)), L.Dense(3)])
    path = tmp_path / "m.nerve"
    model.save(path)
    kernel = np.asarray(model.layers[0].weights[0]).copy()
    kernel[0, 0] += 0.5
    _rewrite(path, lambda n, d: _npy(kernel) if n == "weights/00000.npy" else d)
    with pytest.raises(ModelFileError, match="self-check"):
        nerve.models.load_model(path)


def test_token_inputs_get_valid_ids(tmp_path):
    model = nerve.Sequential([L.Input((6,)), L.Embedding(7, 3), L.GlobalAveragePooling1D()])
    path = tmp_path / "m.nerve"
    model.save(path)
    e = _entries(path)
    x = np.load(io.BytesIO(e["check/input_0.npy"]))
    assert x.shape == (2, 6)
    assert np.all(x == np.round(x)) and x.min() >= 0 and x.max() < 7 and x.max() > 0
    nerve.models.load_model(path)


def test_functional_two_inputs_open_length(tmp_path):
    a, b = L.Input((None, 3)), L.Input((4,))
    h = L.GlobalAveragePooling1D()(L.Dense(4)(a))
    model = nerve.Model([a, b], [L.Add()([h, b]), L.Dense(2)(b)])
    path = tmp_path / "m.nerve"
    model.save(path)
    spec = json.loads(_entries(path)["check.json"])
    assert len(spec["inputs"]) == 2 and len(spec["outputs"]) == 2
    nerve.models.load_model(path)


def test_file_without_a_check_still_loads(tmp_path):
    """Files written before self-checks existed have no check.json."""
    model = nerve.Sequential([L.Input((5,)), L.Dense(3)])
    path = tmp_path / "m.nerve"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        keep = [(n, z.read(n)) for n in z.namelist() if not n.startswith("check")]
    with zipfile.ZipFile(path, "w") as z:
        for n, d in keep:
            z.writestr(n, d)
    nerve.models.load_model(path)


def test_saving_leaves_the_random_state_alone(tmp_path):
    """Training after a save continues as it would have without it (same next seeds)."""
    from nerve import _core

    seeds = []
    for save in (False, True):
        nerve.utils.set_random_seed(3)
        model = nerve.Sequential([L.Input((5,)), L.Dropout(0.5), L.Dense(3)])
        if save:
            model.save(tmp_path / "m.nerve")
        seeds.append(_core.next_seed())
    assert seeds[0] == seeds[1]


def test_check_batch_of_the_wrong_shape_is_a_model_file_error(tmp_path):
    model = nerve.Sequential([L.Input((5,)), L.Dense(3)])
    path = tmp_path / "m.nerve"
    model.save(path)
    _rewrite(path, lambda n, d: _npy(np.zeros((2, 4))) if n == "check/input_0.npy" else d)
    with pytest.raises(ModelFileError, match="does not run"):
        nerve.models.load_model(path)
