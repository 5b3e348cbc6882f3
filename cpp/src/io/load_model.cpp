// load_model (nerve/io/load_model.h): the .nerve file's metadata, config and weights, read with
// the strict readers in this folder, turned into a C++ Sequential or GraphModel.
#include "nerve/io/load_model.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/io/json.h"
#include "nerve/io/npy.h"
#include "nerve/io/zip_archive.h"
#include "nerve/layers/arguments.h"
#include "nerve/layers/augmentation.h"
#include "nerve/layers/wrappers.h"
#include "nerve/models/graph_model.h"
#include "nerve/models/sequential.h"

namespace nerve::io {

namespace {

std::string text_of(const std::vector<uint8_t>& bytes) { return std::string(bytes.begin(), bytes.end()); }

Json read_json(const ZipArchive& zip, const std::string& entry) {
  return Json::parse(text_of(zip.read(entry)), zip.label() + ": " + entry);
}

NpyArray read_array(const ZipArchive& zip, const std::string& entry) {
  return parse_npy(zip.read(entry), zip.label() + ": " + entry);
}

// A per-sample shape from JSON: ints, null for a length left open.
Shape shape_from(const Json& j, const std::string& what) {
  Shape s;
  for (const Json& d : j.as_array(what)) {
    if (d.is_null()) {
      s.push_back(kUnknownDim);
      continue;
    }
    int64_t v = d.as_int(what + " entries");
    if (v <= 0) throw ModelFileError(j.label() + ": " + what + " has a non-positive dimension " + std::to_string(v));
    s.push_back(v);
  }
  return s;
}

// The layer's argument value from its config, converted as the argument's kind asks.
ArgValue arg_from(const Json& j, const ArgSpec& spec, const std::string& who) {
  const std::string what = who + " argument '" + spec.name + "'";
  if (j.is_null()) return std::monostate{};
  switch (spec.kind) {
    case ArgKind::Bool:
      return j.as_bool(what);
    case ArgKind::Int:
      return j.as_int(what);
    case ArgKind::Float:
      return j.as_double(what);
    case ArgKind::String:
    case ArgKind::Activation:
      if (!j.is_string())
        throw std::invalid_argument(who + ": " + spec.name +
                                    " is not a built-in activation name (a custom Python activation?); "
                                    "C++ inference supports only the built-in ones");
      return j.as_string(what);
    case ArgKind::Ints:
      if (j.kind() == Json::Kind::Int) return j.as_int(what);
      [[fallthrough]];
    case ArgKind::IntPairs: {
      if (j.kind() == Json::Kind::Int) return j.as_int(what);
      std::vector<int64_t> flat;
      for (const Json& e : j.as_array(what)) {
        if (e.is_array()) {
          for (const Json& x : e.as_array(what)) flat.push_back(x.as_int(what + " entries"));
        } else {
          flat.push_back(e.as_int(what + " entries"));
        }
      }
      return flat;
    }
    case ArgKind::Initializer:
      break;  // not reached: initializers are skipped (the weights come from the file)
  }
  return std::monostate{};
}

bool j_bool(const Json& j, const std::string& what) { return j.as_bool(what); }

const std::vector<std::string>& model_classes() {
  static const std::vector<std::string> names{"Sequential", "Functional", "Model"};
  return names;
}

std::string supported_layers() {
  std::string s;
  for (const std::string& n : registered_layers()) s += n + ", ";
  return s + "Bidirectional, TimeDistributed";
}

struct Builder {
  const ZipArchive& zip;
  std::map<std::string, std::shared_ptr<Layer>> by_name;
  std::vector<std::shared_ptr<Layer>> order;  // the layers in config order (weights follow it)
  // Arguments a graph call fixes for the layer's C++ object (MultiHeadAttention's
  // use_causal_mask, saved as a call argument of the layer's nodes), by layer name.
  std::map<std::string, NamedArgs> overrides;

  // One layer from {"class_name": ..., "config": {...}}.
  std::shared_ptr<Layer> make(const Json& entry, const std::string& rename = "", bool flip_backwards = false) {
    const std::string& cls = entry.at("class_name", "a layer entry").as_string("a layer's class_name");
    const Json& config = entry.at("config", "layer '" + cls + "'");
    std::string name = config.at("name", cls + " config").as_string(cls + " name");
    if (!rename.empty()) name = rename;
    const std::string who = cls + " '" + name + "'";
    if (std::find(model_classes().begin(), model_classes().end(), cls) != model_classes().end())
      throw std::invalid_argument(who +
                                  ": a model nested as a layer is not supported by C++ inference; "
                                  "save the outer model with the inner model's layers inlined");
    if (cls == "Bidirectional") return bidirectional(config, name);
    if (cls == "TimeDistributed") {
      auto inner = make(config.at("layer", who + " config"));
      return std::make_shared<TimeDistributed>(name, inner);
    }
    const std::vector<std::string> known = registered_layers();
    if (std::find(known.begin(), known.end(), cls) == known.end())
      throw std::invalid_argument("layer " + who + " has class '" + cls +
                                  "', which C++ cannot build: it is not a layer nerve declares in C++ (a custom "
                                  "Python layer?). C++ inference supports " +
                                  supported_layers());
    const LayerSpec& spec = layer_spec(cls);
    NamedArgs args;
    for (const ArgSpec& a : spec.args) {
      if (a.kind == ArgKind::Initializer) continue;  // the weights are read from the file
      const Json* v = config.find(a.name);
      if (!v) {
        if (a.required) throw ModelFileError(zip.label() + ": config of " + who + " has no argument '" + a.name + "'");
        continue;
      }
      ArgValue value = arg_from(*v, a, who);
      if (a.name == "go_backwards" && flip_backwards) value = !j_bool(*v, who + " go_backwards");
      args.emplace_back(a.name, value);
    }
    // Keras's factor ranges (a number or a pair) as the augmentation layers' (lower, upper) numbers
    std::vector<std::pair<std::string, std::vector<double>>> keras_ranges;
    for (const char* key : {"factor", "height_factor", "width_factor", "value_range"}) {
      const Json* v = config.find(key);
      if (!v || v->is_null()) continue;
      std::vector<double> numbers;
      for (const Json& e : v->is_array() ? v->as_array(who + " " + key) : std::vector<Json>{*v})
        numbers.push_back(e.is_number() ? e.as_double(who + " " + key) : NAN);  // NaN: refused by the layer
      keras_ranges.emplace_back(key, numbers);  // (the layer's table checks what it takes)
    }
    for (auto& kv : augmentation_ranges_from_keras(cls, keras_ranges)) args.push_back(std::move(kv));
    auto fixed = overrides.find(name);
    if (fixed != overrides.end()) {
      for (const auto& [key, value] : fixed->second) {
        auto known = std::find_if(spec.args.begin(), spec.args.end(), [&](const ArgSpec& a) { return a.name == key; });
        if (known == spec.args.end())
          throw std::invalid_argument("layer " + who + " is called with " + key +
                                      "=..., a call argument C++ inference does not support");
        args.erase(std::remove_if(args.begin(), args.end(), [&](const auto& kv) { return kv.first == key; }),
                   args.end());
        args.emplace_back(key, value);
      }
    }
    std::shared_ptr<Layer> layer = spec.make(name, args);
    layer->set_precision(precision_from(config.find("dtype"), who));
    return layer;
  }

  // The layer's dtype policy: "float32" (or absent) or "mixed_bfloat16", as a name or Keras's
  // serialised {"class_name": "DTypePolicy", "config": {"name": ...}}.
  ComputePrecision precision_from(const Json* dtype, const std::string& who) const {
    if (!dtype || dtype->is_null()) return ComputePrecision::Float32;
    const Json* name = dtype;
    if (dtype->is_object()) {
      const Json* config = dtype->find("config");
      name = config && config->is_object() ? config->find("name") : nullptr;
    }
    const std::string value = name && name->is_string() ? name->as_string("") : "";
    if (value == "float32") return ComputePrecision::Float32;
    if (value == "mixed_bfloat16") return ComputePrecision::MixedBFloat16;
    throw ModelFileError(zip.label() + ": config of " + who + " has a dtype policy C++ does not compute in (" +
                         (value.empty() ? std::string("not a policy name") : "'" + value + "'") +
                         "); supported: 'float32', 'mixed_bfloat16'");
  }

  std::shared_ptr<Layer> bidirectional(const Json& config, const std::string& name) {
    const std::string who = "Bidirectional '" + name + "'";
    const Json& inner = config.at("layer", who + " config");
    std::string inner_name = inner.at("config", who + " layer").at("name", who + " layer").as_string("layer name");
    const Json* merge = config.find("merge_mode");
    std::string merge_mode = merge ? merge->as_string(who + " merge_mode") : "concat";
    auto recurrent = [&](std::shared_ptr<Layer> l) {
      auto r = std::dynamic_pointer_cast<Recurrent>(l);
      if (!r) throw std::invalid_argument(who + ": the wrapped layer must be a SimpleRNN, LSTM or GRU");
      return r;
    };
    auto fwd = recurrent(make(inner, "forward_" + inner_name));
    const Json* custom = config.find("backward_layer");
    auto bwd = custom ? recurrent(make(*custom)) : recurrent(make(inner, "backward_" + inner_name, true));
    return std::make_shared<Bidirectional>(name, fwd, bwd, merge_mode);
  }

  std::shared_ptr<Layer> add(const Json& entry) {
    auto layer = make(entry);
    if (!by_name.emplace(layer->name(), layer).second)
      throw ModelFileError(zip.label() + ": two layers are named '" + layer->name() + "'");
    order.push_back(layer);
    return layer;
  }
};

std::shared_ptr<Model> build_sequential(Builder& b, const Json& config, std::vector<Shape>& inputs) {
  const Json& shape = config.at("input_shape", "Sequential config");
  if (shape.is_null()) throw ModelFileError(b.zip.label() + ": the Sequential model was saved without an input shape");
  auto model = std::make_shared<Sequential>();
  for (const Json& entry : config.at("layers", "Sequential config").as_array("Sequential layers")) {
    const Json& cls = entry.at("class_name", "a layer entry");
    if (cls.as_string("class_name") == "InputLayer") continue;
    model->add(b.add(entry));
  }
  inputs = {shape_from(shape, "Sequential input_shape")};
  model->build(inputs[0]);
  return model;
}

// ["layer name", node index, tensor index]
struct Ref {
  std::string layer;
  int64_t node, tensor;
};
Ref ref_from(const Json& j, const std::string& what) {
  const auto& a = j.as_array(what);
  if (a.size() != 3) throw ModelFileError(j.label() + ": " + what + " must be [layer, node, tensor]");
  return {a[0].as_string(what), a[1].as_int(what), a[2].as_int(what)};
}

// A Functional config's input_layers / output_layers: a list of refs, or, for a model built with
// a dict (Keras 3), an object of refs taken in sorted-key order, as keras.tree flattens a dict
// (the order of the graph's inputs and outputs, and of this tool's input files).
std::vector<const Json*> layer_refs(const Json& j, const std::string& what) {
  std::vector<const Json*> refs;
  if (j.is_object()) {
    std::vector<const std::pair<std::string, Json>*> entries;
    for (const auto& entry : j.as_object(what)) entries.push_back(&entry);
    std::sort(entries.begin(), entries.end(), [](auto* x, auto* y) { return x->first < y->first; });
    for (const auto* entry : entries) refs.push_back(&entry->second);
  } else {
    for (const Json& r : j.as_array(what)) refs.push_back(&r);
  }
  return refs;
}

std::shared_ptr<Model> build_functional(Builder& b, const Json& config, std::vector<Shape>& inputs) {
  auto model = std::make_shared<GraphModel>();
  std::map<std::string, Shape> input_layers;
  std::map<std::pair<std::string, int64_t>, int64_t> node_of;  // (layer, call) -> graph node
  const auto& nodes = config.at("nodes", "Functional config").as_array("nodes");
  for (const Json& node : nodes) {
    const std::string& name = node.at("layer", "a node").as_string("a node's layer");
    if (const Json* kwargs = node.find("call_kwargs")) {
      for (const auto& [key, value] : kwargs->as_object("call_kwargs")) {
        if (key != "use_causal_mask")
          throw std::invalid_argument("layer '" + name + "' is called with " + key +
                                      "=..., a call argument C++ inference does not support");
        b.overrides[name].emplace_back(key, value.as_bool("use_causal_mask"));
      }
    }
  }
  for (const Json& entry : config.at("layers", "Functional config").as_array("Functional layers")) {
    if (entry.at("class_name", "a layer entry").as_string("class_name") == "InputLayer") {
      const Json& c = entry.at("config", "InputLayer");
      input_layers[c.at("name", "InputLayer config").as_string("InputLayer name")] =
          shape_from(c.at("shape", "InputLayer config"), "InputLayer shape");
    } else {
      b.add(entry);
    }
  }
  for (const Json* r : layer_refs(config.at("input_layers", "Functional config"), "input_layers")) {
    Ref ref = ref_from(*r, "an input_layers entry");
    auto it = input_layers.find(ref.layer);
    if (it == input_layers.end())
      throw ModelFileError(b.zip.label() + ": input '" + ref.layer + "' is not an InputLayer");
    node_of[{ref.layer, 0}] = model->add_input(it->second);
    inputs.push_back(it->second);
  }
  auto value = [&](const Ref& r) {
    auto it = node_of.find({r.layer, r.node});
    if (it == node_of.end())
      throw ModelFileError(b.zip.label() + ": a node reads call " + std::to_string(r.node) + " of '" + r.layer +
                           "', which comes later or does not exist");
    return ValueRef{it->second, r.tensor};
  };
  std::map<std::string, int64_t> calls;
  for (const Json& node : nodes) {
    const std::string& name = node.at("layer", "a node").as_string("a node's layer");
    auto layer = b.by_name.find(name);
    if (layer == b.by_name.end()) throw ModelFileError(b.zip.label() + ": a node calls unknown layer '" + name + "'");
    const Json* training = node.find("training");
    if (training && training->as_bool("a node's training") != false)
      throw std::invalid_argument(std::string(layer->second->type()) + " '" + name +
                                  "' is called with training=True, which C++ inference does not support");
    std::vector<ValueRef> args;
    for (const Json& r : node.at("inputs", "a node").as_array("a node's inputs"))
      args.push_back(value(ref_from(r, "a node input")));
    node_of[{name, calls[name]++}] = model->add_node(layer->second, args);
  }
  std::vector<ValueRef> outputs;
  for (const Json* r : layer_refs(config.at("output_layers", "Functional config"), "output_layers"))
    outputs.push_back(value(ref_from(*r, "an output_layers entry")));
  model->set_outputs(outputs);
  return model;
}

void load_weights(const ZipArchive& zip, const Builder& b) {
  const Json manifest = read_json(zip, "weights.json");
  const auto& entries = manifest.at("weights", "weights.json").as_array("weights.json weights");
  size_t total = 0;
  for (const auto& layer : b.order) total += layer->weights().size();
  if (entries.size() != total)
    throw ModelFileError(zip.label() + " holds " + std::to_string(entries.size()) + " weight arrays, the model " +
                         std::to_string(total) + ": weights.json does not match config.json");
  for (const Json& e : entries) {
    const std::string& name = e.at("layer", "a weights.json entry").as_string("a weight's layer");
    int64_t index = e.at("index", "a weights.json entry").as_int("a weight's index");
    auto it = b.by_name.find(name);
    if (it == b.by_name.end()) throw ModelFileError(zip.label() + ": weights.json names unknown layer '" + name + "'");
    const auto& weights = it->second->weights();
    if (index < 0 || index >= static_cast<int64_t>(weights.size()))
      throw ModelFileError(zip.label() + ": weights.json names weight " + std::to_string(index) + " of '" + name +
                           "', which has " + std::to_string(weights.size()));
    const std::string& entry = e.at("entry", "a weights.json entry").as_string("a weight's entry");
    NpyArray a = read_array(zip, entry);
    const Tensor& w = weights[index];
    if (a.shape != w.shape())
      throw ModelFileError(zip.label() + ": weight " + std::to_string(index) + " of " + it->second->type() + " '" +
                           name + "' has shape " + shape_str(w.shape()) + " in the model but " + shape_str(a.shape) +
                           " in the file (" + entry + ")");
    w.copy_from_host(a.data.data());
  }
}

void check_version(const ZipArchive& zip, std::string& nerve_version) {
  const Json meta = read_json(zip, "metadata.json");
  const Json* format = meta.find("format");
  if (!meta.is_object() || !format || !format->is_string() ||
      (format->as_string("") != "nerve.model" && format->as_string("") != "nerve.weights"))
    throw ModelFileError(zip.label() + " is not a nerve file (metadata.json has no nerve format)");
  const Json* saved_by = meta.find("nerve_version");
  nerve_version = saved_by && saved_by->is_string() ? saved_by->as_string("") : "?";
  const Json* version = meta.find("format_version");
  if (!version || version->kind() != Json::Kind::Int || version->as_int("") < 1)
    throw ModelFileError(zip.label() + " is corrupt: metadata.json's format_version must be a positive int, got " +
                         (version ? Json::kind_name(version->kind()) : "none"));
  if (version->as_int("") > kModelFormatVersion)
    throw ModelFileError(zip.label() + " has format version " + std::to_string(version->as_int("")) +
                         ", written by nerve " + nerve_version + "; this reader understands versions 1 to " +
                         std::to_string(kModelFormatVersion) + ": it needs a nerve that reads format version " +
                         std::to_string(version->as_int("")) + " (nerve " + nerve_version + " or newer)");
  if (format->as_string("") != "nerve.model")
    throw ModelFileError(zip.label() +
                         " holds only weights (made by save_weights); C++ load_model needs a file "
                         "made by model.save");
}

// The self-check: the stored input batch must give the stored outputs again.
void verify(const ZipArchive& zip, const LoadedModel& model) {
  if (!zip.contains("check.json")) return;
  const Json check = read_json(zip, "check.json");
  std::vector<Tensor> inputs;
  for (const Json& e : check.at("inputs", "check.json").as_array("check.json inputs")) {
    NpyArray a = read_array(zip, e.as_string("a check input entry"));
    inputs.push_back(Tensor::from_host(a.data.data(), a.shape));
  }
  const auto& outputs = check.at("outputs", "check.json").as_array("check.json outputs");
  double atol = check.at("atol", "check.json").as_double("atol"),
         rtol = check.at("rtol", "check.json").as_double("rtol");
  std::vector<Tensor> got = model.predict(inputs);
  if (got.size() != outputs.size())
    throw ModelFileError(zip.label() + ": the model gives " + std::to_string(got.size()) + " outputs, check.json has " +
                         std::to_string(outputs.size()));
  for (size_t k = 0; k < got.size(); ++k) {
    const std::string& entry = outputs[k].as_string("a check output entry");
    NpyArray want = read_array(zip, entry);
    if (want.shape != got[k].shape())
      throw ModelFileError(zip.label() + " fails its self-check: output " + std::to_string(k) + " has shape " +
                           shape_str(got[k].shape()) + ", the file stored " + shape_str(want.shape));
    HostView g(got[k]);
    for (size_t i = 0; i < want.data.size(); ++i) {
      double a = g.data()[i], w = want.data[i];
      if (!(std::fabs(a - w) <= atol + rtol * std::fabs(w)) && !(std::isnan(a) && std::isnan(w)))
        throw ModelFileError(zip.label() + " fails its self-check: on the input batch stored at save, output " +
                             std::to_string(k) + " element " + std::to_string(i) + " is " + std::to_string(a) +
                             " here but was " + std::to_string(w) + " when saved (tolerance " + std::to_string(atol) +
                             " + " + std::to_string(rtol) +
                             " * |saved|): the file is corrupt or this nerve computes the model differently "
                             "(load with verify=false to skip the check)");
    }
  }
}

Tensor rows(const Tensor& x, int64_t start, int64_t count) {
  if (start == 0 && count == x.shape()[0]) return x;
  Shape shape = x.shape();
  int64_t per = shape_numel(Shape(shape.begin() + 1, shape.end()));
  shape[0] = count;
  HostView h(x);
  return Tensor::from_host(h.data() + start * per, shape);
}

}  // namespace

std::vector<Tensor> LoadedModel::predict(const std::vector<Tensor>& inputs, int64_t batch_size) const {
  if (inputs.size() != input_shapes_.size())
    throw std::invalid_argument("predict: model '" + name_ + "' takes " + std::to_string(input_shapes_.size()) +
                                " input(s), got " + std::to_string(inputs.size()));
  if (batch_size <= 0)
    throw std::invalid_argument("predict: batch_size must be positive, got " + std::to_string(batch_size));
  int64_t n = -1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    Shape sample = x.dim() ? Shape(x.shape().begin() + 1, x.shape().end()) : Shape{};
    if (x.dim() == 0 || !shape_fits(input_shapes_[i], sample))
      throw std::invalid_argument("predict: input " + std::to_string(i) + " of model '" + name_ + "' must have shape " +
                                  batch_shape_str(input_shapes_[i]) + ", got " + x.shape_string());
    if (n >= 0 && x.shape()[0] != n)
      throw std::invalid_argument("predict: the inputs of model '" + name_ + "' have different batch sizes (" +
                                  std::to_string(n) + " and " + std::to_string(x.shape()[0]) + ")");
    n = x.shape()[0];
  }
  NoGradGuard no_grad;
  std::vector<std::vector<float>> parts(model_->num_outputs());
  std::vector<Shape> shapes(model_->num_outputs());
  for (int64_t start = 0; start < n; start += batch_size) {
    int64_t count = std::min(batch_size, n - start);
    std::vector<Tensor> batch;
    for (const Tensor& x : inputs) batch.push_back(rows(x, start, count));
    std::vector<Tensor> out = model_->forward_many(batch, false);
    for (size_t k = 0; k < out.size(); ++k) {
      HostView h(out[k]);
      parts[k].insert(parts[k].end(), h.data(), h.data() + out[k].numel());
      shapes[k] = out[k].shape();
    }
  }
  std::vector<Tensor> result;
  for (size_t k = 0; k < parts.size(); ++k) {
    if (n == 0) throw std::invalid_argument("predict: model '" + name_ + "' got an empty batch");
    shapes[k][0] = n;
    result.push_back(Tensor::from_host(parts[k].data(), shapes[k]));
  }
  return result;
}

Tensor LoadedModel::predict(const Tensor& input, int64_t batch_size) const {
  if (model_->num_outputs() != 1)
    throw std::invalid_argument("predict: model '" + name_ + "' has " + std::to_string(model_->num_outputs()) +
                                " outputs; pass a vector of inputs and get one tensor per output");
  return predict(std::vector<Tensor>{input}, batch_size)[0];
}

std::vector<float> LoadedModel::predict(const std::vector<float>& data, const Shape& shape, Shape* output_shape,
                                        int64_t batch_size) const {
  for (int64_t d : shape)
    if (d < 0) throw std::invalid_argument("predict: shape " + shape_str(shape) + " has a negative dimension");
  if (shape.empty() || static_cast<int64_t>(data.size()) != shape_numel(shape))
    throw std::invalid_argument("predict: " + std::to_string(data.size()) + " floats do not fill shape " +
                                shape_str(shape) + " (batch first)");
  Tensor out = predict(Tensor::from_host(data.data(), shape), batch_size);
  if (output_shape) *output_shape = out.shape();
  std::vector<float> values(static_cast<size_t>(out.numel()));
  out.copy_to_host(values.data());
  return values;
}

LoadedModel load_model(const std::string& path, const LoadOptions& options) {
  ZipArchive zip = ZipArchive::open(path);
  LoadedModel out;
  check_version(zip, out.nerve_version_);
  const Json config = read_json(zip, "config.json");
  out.class_name_ = config.at("class_name", "config.json").as_string("the model's class_name");
  const Json& body = config.at("config", "config.json");
  const Json* name = body.find("name");
  out.name_ = name && name->is_string() ? name->as_string("") : out.class_name_;
  Builder b{zip, {}, {}, {}};
  if (out.class_name_ == "Sequential") {
    out.model_ = build_sequential(b, body, out.input_shapes_);
  } else if (out.class_name_ == "Functional") {
    out.model_ = build_functional(b, body, out.input_shapes_);
  } else {
    throw std::invalid_argument(zip.label() + " holds a model of class '" + out.class_name_ +
                                "' (a subclassed Python model): C++ can rebuild only Sequential and functional "
                                "models, whose architecture is in the file");
  }
  load_weights(zip, b);
  if (options.verify) verify(zip, out);
  return out;
}

}  // namespace nerve::io
