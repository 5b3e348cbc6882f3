"""Building one of nerve's own classes from a saved {"class_name", "config"} dict (initializers,
regularizers): only classes nerve knows can be named, so nothing from a file is executed."""

from __future__ import annotations


def from_class_dict(kind: str, entry: dict, by_name: dict, known: str):
    """The object `entry` describes; ValueError naming the class (or the bad config) otherwise.
    `kind` names the family in messages, `by_name` maps class names to classes, `known` says
    which classes can be named and why no other can."""
    class_name = entry.get("class_name")
    cls = by_name.get(class_name) if isinstance(class_name, str) else None
    if cls is None:
        raise ValueError(
            f"Unknown {kind} class {class_name!r} in {entry!r}. Known classes: {known}"
        )
    config = entry.get("config")
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise ValueError(f"{kind} {class_name}: its config must be a dict, got {config!r}")
    try:
        return cls.from_config(config)
    except TypeError as e:
        raise ValueError(f"{kind} {class_name}: cannot be built from config {config!r}: {e}") from e
