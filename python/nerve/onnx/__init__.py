"""nerve.onnx: export a built nerve model to ONNX (`nerve.onnx.export(model, "model.onnx")`).

Needs the optional extra: pip install "nerve[onnx]" (the onnx package). `import nerve.onnx`
works without it; export then raises an ImportError that names the extra. Run the file with any
ONNX runtime, e.g. onnxruntime.InferenceSession("model.onnx").run(None, {"input": x}).
"""

from .exporter import MIN_OPSET, export

__all__ = ["MIN_OPSET", "export"]
