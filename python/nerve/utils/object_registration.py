"""Which classes a saved file may name. The loader only ever looks names up here (nerve's own
classes, registered classes, and the custom_objects passed in); it never imports or runs code
named by a file."""

from __future__ import annotations

import contextlib
import contextvars
from types import MappingProxyType

_REGISTRY: dict[str, type] = {}
# A read-only empty default: custom_object_scope always sets a new dict, never mutates this one.
_SCOPE: contextvars.ContextVar[dict] = contextvars.ContextVar(
    "nerve_custom_objects", default=MappingProxyType({})
)


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Class decorator: lets load_model find this class without custom_objects. Saved under
    "package>name" (name defaults to the class name)."""

    def decorator(cls):
        key = f"{package}>{name or cls.__name__}"
        if key in _REGISTRY and _REGISTRY[key] is not cls:
            raise ValueError(
                f"register_keras_serializable: {key!r} is already registered to "
                f"{_REGISTRY[key].__qualname__}"
            )
        _REGISTRY[key] = cls
        cls._registered_name = key
        return cls

    return decorator


def get_registered_name(cls) -> str:
    return cls.__dict__.get("_registered_name", cls.__name__)


def get_registered_object(name: str, custom_objects: dict | None = None, module_classes=()):
    """The class saved as `name`: custom_objects first, then the custom_object_scope, then the
    registry, then nerve's own classes. None when unknown."""
    short = name.split(">")[-1]
    for table in (custom_objects or {}, _SCOPE.get()):
        for key in (name, short):
            if key in table:
                return table[key]
    if name in _REGISTRY:
        return _REGISTRY[name]
    for cls in module_classes:
        if cls.__name__ == name:
            return cls
    return None


def get_custom_objects() -> dict:
    """The global dict of custom objects (keras.utils.get_custom_objects): the classes registered
    with register_keras_serializable under "package>name", and whatever is put in it, e.g.
    get_custom_objects()["MyLayer"] = MyLayer, which load_model then finds by that name."""
    return _REGISTRY


class CustomObjectScope:
    """keras.utils.CustomObjectScope: within `with CustomObjectScope({"name": obj}, ...):`,
    deserialization also finds these objects by name (the later dicts win)."""

    def __init__(self, *custom_objects):
        for d in custom_objects:
            if d is not None and not isinstance(d, dict):
                raise TypeError(
                    f"CustomObjectScope: arguments must be dicts, got {type(d).__name__}"
                )
        self.custom_objects = {k: v for d in custom_objects if d for k, v in d.items()}
        self._tokens = []

    def __enter__(self):
        self._tokens.append(_SCOPE.set({**_SCOPE.get(), **self.custom_objects}))
        return self

    def __exit__(self, *exc):
        _SCOPE.reset(self._tokens.pop())
        return False


@contextlib.contextmanager
def custom_object_scope(custom_objects: dict):
    """Within this block, load_model and from_config also find the classes in custom_objects."""
    token = _SCOPE.set({**_SCOPE.get(), **(custom_objects or {})})
    try:
        yield
    finally:
        _SCOPE.reset(token)


def function_named(name: str, custom_objects, module_functions: dict, what: str):
    """The loss or metric function a config names: custom_objects, the scope and the registry
    first (get_registered_object), then `module_functions` (a module's globals: nerve's own
    functions). ValueError saying how to provide it when unknown."""
    fn = get_registered_object(name, custom_objects) or module_functions.get(name)
    if not callable(fn):
        raise ValueError(
            f"unknown {what} function {name!r}; pass it in custom_objects or register it "
            f"with @nerve.saving.register_keras_serializable()"
        )
    return fn
