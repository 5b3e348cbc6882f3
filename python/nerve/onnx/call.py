"""LayerCall: what a layer converter gets for one layer call of the model's graph."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LayerCall:
    layer: object  # the nerve layer
    inputs: list  # ONNX tensor names, one per input of the call
    input_shapes: list  # Keras shapes, (None, ...): the batch axis first
    output_shapes: list  # one per output of the call
    call_kwargs: dict = field(default_factory=dict)  # the call's arguments (use_causal_mask=)

    @property
    def who(self) -> str:
        """The layer as errors name it."""
        return f"{type(self.layer).__name__} '{self.layer.name}'"

    @property
    def base(self) -> str:
        """The prefix of the ONNX names this call makes."""
        return self.layer.name
