"""Exceptions raised by nerve beyond the built-in ValueError/TypeError."""


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or Inf; the step that produced it was not applied."""
