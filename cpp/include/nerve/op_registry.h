// The op registry: every differentiable op a user can name (nerve.ops.exp, nerve.ops.reshape, ...),
// callable by name with tensors and attributes. Python's nerve.ops calls ops through it eagerly,
// and a traced Python layer (nerve/layers/traced.h) stores op names and attributes in its
// program and replays them through it on every step, in C++, without Python.
//
// An op here is a thin adapter: it reads its attributes and calls the typed op of nerve/ops/*.h,
// which checks shapes, dispatches to the kernel table and records the backward node.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "nerve/tensor.h"

namespace nerve {

// An attribute value: Python's bool, int, float, str, a list of ints or a list of floats. A
// Python None is never stored: an absent key means "the default" (axis=None: all axes).
using OpAttr = std::variant<bool, int64_t, double, std::string, std::vector<int64_t>, std::vector<double>>;

class OpAttrs {
 public:
  OpAttrs() = default;
  OpAttrs(std::initializer_list<std::pair<const std::string, OpAttr>> items) : items_(items) {}
  void set(const std::string& key, OpAttr value) { items_[key] = std::move(value); }
  bool has(const std::string& key) const { return items_.count(key) != 0; }
  const std::map<std::string, OpAttr>& items() const { return items_; }

  // Typed reads. Without a fallback a missing key throws; a value of the wrong kind always
  // throws. Both errors name the op (set by the registry before the op runs) and the key.
  // An int attribute reads as a float too, and a single int as a list of one.
  int64_t get_int(const std::string& key) const;
  int64_t get_int(const std::string& key, int64_t fallback) const;
  double get_float(const std::string& key) const;
  double get_float(const std::string& key, double fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::string get_string(const std::string& key) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  std::vector<int64_t> get_ints(const std::string& key) const;
  std::vector<int64_t> get_ints(const std::string& key, const std::vector<int64_t>& fallback) const;
  std::vector<double> get_floats(const std::string& key) const;

  std::string op_name;  // for error messages

 private:
  const OpAttr& at(const std::string& key) const;
  [[noreturn]] void wrong_kind(const std::string& key, const char* wanted) const;
  std::map<std::string, OpAttr> items_;
};

using OpFn = std::function<std::vector<Tensor>(const std::vector<Tensor>& inputs, const OpAttrs& attrs)>;

struct OpDef {
  std::string name;  // Keras's name where Keras has the op ("exp", "reshape", "logsumexp")
  // Tensor inputs the op takes: exactly this many, or any number when -1 (concatenate, stack).
  int arity = 1;
  OpFn fn;
};

// Adds an op; a second op of the same name throws (two families claiming one name is a bug).
void register_op(OpDef def);
// The op of this name; std::invalid_argument listing the registered names if there is none.
const OpDef& find_op(const std::string& name);
bool has_op(const std::string& name);
std::vector<std::string> op_names();  // sorted
// Checks the arity, then runs the op; errors raised inside name the op.
std::vector<Tensor> call_op(const std::string& name, const std::vector<Tensor>& inputs, const OpAttrs& attrs);

}  // namespace nerve
