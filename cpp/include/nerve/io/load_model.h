// C++ inference of a .nerve file saved from Python (model.save): no Python anywhere.
//
//   nerve::io::LoadedModel model = nerve::io::load_model("mnist_cnn.nerve");
//   nerve::Tensor probs = model.predict(nerve::Tensor::from_host(pixels, {n, 28, 28, 1}));
//
// Sequential and functional (nerve.Model(inputs, outputs)) models are rebuilt from config.json
// through the C++ layer declarations (nerve/layers/arguments.h: layer_spec / make_layer), then
// their weights are loaded. Subclassed Python models and custom Python layers cannot be rebuilt
// without Python: loading them throws std::invalid_argument naming the class.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nerve/io/model_file_error.h"
#include "nerve/models/model.h"
#include "nerve/tensor.h"

namespace nerve::io {

// The newest file format this reader understands; python/nerve/saving/file_format.py's
// FORMAT_VERSION (a test keeps them equal). A newer file is refused, naming both versions.
constexpr int64_t kModelFormatVersion = 1;

struct LoadOptions {
  // Re-run the input batch stored in the file (its "check.json") and compare with the outputs
  // stored beside it; a mismatch throws ModelFileError. Files saved without one load unchecked.
  bool verify = true;
};

// A loaded model. predict() runs the layers, which keep per-call state: one LoadedModel serves
// one thread at a time (load one per thread to predict in parallel).
class LoadedModel {
 public:
  // "Sequential" or "Functional".
  const std::string& class_name() const { return class_name_; }
  const std::string& name() const { return name_; }
  const std::string& nerve_version() const { return nerve_version_; }  // that saved the file
  // Per-sample shapes (no batch axis; kUnknownDim for a length left open).
  const std::vector<Shape>& input_shapes() const { return input_shapes_; }
  size_t num_outputs() const { return model_->num_outputs(); }

  // Inference (training=false, no gradient recording), in batches of `batch_size` as Python's
  // predict does. Each input is (batch, *input_shape); a wrong number of inputs or a wrong shape
  // throws std::invalid_argument saying what was expected.
  std::vector<Tensor> predict(const std::vector<Tensor>& inputs, int64_t batch_size = 32) const;
  // One input, one output.
  Tensor predict(const Tensor& input, int64_t batch_size = 32) const;
  // One input, one output, as plain floats: `data` holds the batch of `shape` (batch first) in
  // row-major order; returns the output's values, its shape in `output_shape`.
  std::vector<float> predict(const std::vector<float>& data, const Shape& shape, Shape* output_shape = nullptr,
                             int64_t batch_size = 32) const;

  std::shared_ptr<Model> model() const { return model_; }

 private:
  friend LoadedModel load_model(const std::string& path, const LoadOptions& options);
  std::shared_ptr<Model> model_;
  std::string class_name_, name_, nerve_version_;
  std::vector<Shape> input_shapes_;
};

// Throws ModelFileError for a damaged, foreign or newer-version file (or a failed self-check),
// std::invalid_argument for a model C++ cannot rebuild (custom Python layers, subclassed models).
LoadedModel load_model(const std::string& path, const LoadOptions& options = {});

}  // namespace nerve::io
