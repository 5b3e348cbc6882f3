"""Exceptions raised by nerve beyond the built-in ValueError/TypeError."""


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or Inf; the step that produced it was not applied."""


class ModelFileError(ValueError):
    """A saved model or weights file cannot be used: truncated, corrupt, written by an
    unsupported format version, or naming a class nerve does not know (pass custom_objects)."""
