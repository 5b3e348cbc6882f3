"""model.weights.h5 of a .keras archive: nerve layers' weights in and out (see layout.py)."""

from __future__ import annotations

import numpy as np

from ...errors import ModelFileError
from . import layout


def _h5py():
    try:
        import h5py
    except ImportError as e:
        raise ImportError(
            "reading and writing Keras .keras files needs h5py: pip install 'nerve[keras-files]' "
            "(or pip install h5py)"
        ) from e
    return h5py


def _plan(layers: list, prefix: str = "", seen: set | None = None) -> list:
    """[(nerve layer or None, its name, [(group, weights in it)])] in the file's layer order, for
    `layers` (layout.Entry) and, depth first, the layers of the models among them (None for a
    functional model's InputLayer and for a nested model's own group: they have no weights)."""
    seen = set() if seen is None else seen
    paths = layout.layer_paths([e.class_name for e in layers], prefix)
    plan = []
    for path, (layer, class_name, config, children) in zip(paths, layers):
        if layer is not None:
            if id(layer) in seen:  # Keras saves an object once, where it first meets it
                continue
            seen.add(id(layer))
        name = config.get("name", "") if layer is None else layer.name
        if children is not None:  # a model used as a layer
            plan.append((None, name, [(path, 0)]))
            plan += _plan(children, f"{path}/", seen)
            continue
        n = 0 if layer is None else len(layer.weights)
        plan.append((layer, name, layout.groups(path, class_name, config, n)))
    return plan


def read(h5_file, layers: list, where: str) -> None:
    """Copies the file's arrays into the layers' weights; nothing changes unless every array is
    there with the shape nerve's layer has."""
    pending = []
    for layer, _, groups in _plan(layers):
        if layer is None:
            continue
        arrays = []
        for group, count in groups:
            node = _group(h5_file, f"{group}/vars", where)
            stored = 0 if node is None else len(node)
            if stored != count:
                raise ModelFileError(
                    f"{where}: layer {layer.name!r} ({type(layer).__name__}) has {count} "
                    f"weights in {group!r} in nerve, the file holds {stored} there"
                )
            for i in range(count):
                arrays.append(_array(node, str(i), f"{group}/vars/{i}", where))
        for w, a in zip(layer.weights, arrays):
            if tuple(a.shape) != tuple(w.shape):
                raise ModelFileError(
                    f"{where}: a weight of layer {layer.name!r} ({type(layer).__name__}) has "
                    f"shape {tuple(w.shape)} in nerve but {a.shape} in the file"
                )
            pending.append((w, a))
    for w, a in pending:
        np.asarray(w)[...] = a


def _group(h5_file, path: str, where: str):
    """The group at `path` (None if absent), reached through hard links only."""
    import h5py

    node = h5_file
    for part in path.split("/"):
        link = node.get(part, getlink=True)
        if link is None:
            return None
        if not isinstance(link, h5py.HardLink):
            raise ModelFileError(f"{where}: {path} goes through a link ({type(link).__name__})")
        node = node[part]
        if not isinstance(node, h5py.Group):
            raise ModelFileError(f"{where}: {path} is not an HDF5 group")
    return node


def _array(group, name: str, path: str, where: str) -> np.ndarray:
    """One stored array. Only a dataset held in the file itself: a link to another file, a
    virtual dataset or external raw storage could make loading read other files on disk."""
    import h5py

    link = group.get(name, getlink=True)
    data = group.get(name) if isinstance(link, h5py.HardLink) else None
    if not isinstance(data, h5py.Dataset):
        raise ModelFileError(f"{where}: {path} is missing, a link, or not an array")
    if data.is_virtual or data.external:
        raise ModelFileError(f"{where}: {path} keeps its data outside the file; refused")
    if data.dtype.kind not in "fiu":
        raise ModelFileError(f"{where}: {path} holds {data.dtype}, not numbers")
    return np.asarray(data[()], dtype=np.float32)


def write(h5_file, model, layers: list) -> None:
    """The layout Keras 3 writes: every group it makes, with the name of its object."""
    h5_file.create_group("vars").attrs["name"] = model.name
    for layer, name, groups in _plan(layers):
        weights = [] if layer is None else list(layer.weights)
        k = 0
        for group, count in groups:
            node = h5_file.require_group(f"{group}/vars")
            node.attrs["name"] = name
            for i in range(count):
                node.create_dataset(str(i), data=np.asarray(weights[k], dtype=np.float32))
                k += 1
        if k != len(weights):
            raise ValueError(f"save: layer {name!r}: {len(weights) - k} weights not written")
