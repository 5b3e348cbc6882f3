// The op registry (nerve/op_registry.h). Families register their ops through the functions listed
// below, called once when the registry is first used: explicit calls rather than static
// initialisers, which a static library would drop from the link.
#include "nerve/op_registry.h"

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "ops/registered_ops.h"

namespace nerve {

namespace {

std::unordered_map<std::string, OpDef>& ops_map() {
  static std::unordered_map<std::string, OpDef> m;
  return m;
}

// The map, filled on first use (thread-safe: a function-local static).
const std::unordered_map<std::string, OpDef>& ops() {
  static const bool filled = (register_all_ops(), true);
  (void)filled;
  return ops_map();
}

}  // namespace

// -- OpAttrs ---------------------------------------------------------------------------------

const OpAttr& OpAttrs::at(const std::string& key) const {
  auto it = items_.find(key);
  if (it == items_.end()) throw std::invalid_argument(op_name + ": missing argument '" + key + "'");
  return it->second;
}

void OpAttrs::wrong_kind(const std::string& key, const char* wanted) const {
  throw std::invalid_argument(op_name + ": argument '" + key + "' must be " + wanted);
}

int64_t OpAttrs::get_int(const std::string& key) const {
  const OpAttr& v = at(key);
  if (auto p = std::get_if<int64_t>(&v)) return *p;
  wrong_kind(key, "an int");
}
int64_t OpAttrs::get_int(const std::string& key, int64_t fallback) const { return has(key) ? get_int(key) : fallback; }
double OpAttrs::get_float(const std::string& key) const {
  const OpAttr& v = at(key);
  if (auto p = std::get_if<double>(&v)) return *p;
  if (auto p = std::get_if<int64_t>(&v)) return static_cast<double>(*p);
  wrong_kind(key, "a number");
}
double OpAttrs::get_float(const std::string& key, double fallback) const {
  return has(key) ? get_float(key) : fallback;
}
bool OpAttrs::get_bool(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  const OpAttr& v = at(key);
  if (auto p = std::get_if<bool>(&v)) return *p;
  wrong_kind(key, "True or False");
}
std::string OpAttrs::get_string(const std::string& key) const {
  const OpAttr& v = at(key);
  if (auto p = std::get_if<std::string>(&v)) return *p;
  wrong_kind(key, "a string");
}
std::string OpAttrs::get_string(const std::string& key, const std::string& fallback) const {
  return has(key) ? get_string(key) : fallback;
}
std::vector<int64_t> OpAttrs::get_ints(const std::string& key) const {
  const OpAttr& v = at(key);
  if (auto p = std::get_if<std::vector<int64_t>>(&v)) return *p;
  if (auto p = std::get_if<int64_t>(&v)) return {*p};
  wrong_kind(key, "an int or a list of ints");
}
std::vector<int64_t> OpAttrs::get_ints(const std::string& key, const std::vector<int64_t>& fallback) const {
  return has(key) ? get_ints(key) : fallback;
}
std::vector<double> OpAttrs::get_floats(const std::string& key) const {
  const OpAttr& v = at(key);
  if (auto p = std::get_if<std::vector<double>>(&v)) return *p;
  if (auto p = std::get_if<std::vector<int64_t>>(&v)) return std::vector<double>(p->begin(), p->end());
  if (auto p = std::get_if<double>(&v)) return {*p};
  if (auto p = std::get_if<int64_t>(&v)) return {static_cast<double>(*p)};
  wrong_kind(key, "a number or a list of numbers");
}

// -- the registry ----------------------------------------------------------------------------

void register_op(OpDef def) {
  auto& m = ops_map();
  if (m.count(def.name)) throw std::logic_error("op '" + def.name + "' registered twice");
  std::string name = def.name;
  m.emplace(std::move(name), std::move(def));
}

bool has_op(const std::string& name) { return ops().count(name) != 0; }

const OpDef& find_op(const std::string& name) {
  auto it = ops().find(name);
  if (it != ops().end()) return it->second;
  std::string known;
  for (const std::string& n : op_names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown op '" + name + "'; nerve has: " + known);
}

std::vector<std::string> op_names() {
  std::vector<std::string> names;
  for (const auto& [name, def] : ops()) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<Tensor> call_op(const std::string& name, const std::vector<Tensor>& inputs, const OpAttrs& attrs) {
  const OpDef& def = find_op(name);
  if (def.arity >= 0 && static_cast<int>(inputs.size()) != def.arity)
    throw std::invalid_argument(name + ": takes " + std::to_string(def.arity) + " tensor argument" +
                                (def.arity == 1 ? "" : "s") + ", got " + std::to_string(inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!inputs[i].defined()) throw std::invalid_argument(name + ": tensor argument " + std::to_string(i) + " is None");
  if (attrs.op_name == name) return def.fn(inputs, attrs);
  OpAttrs named = attrs;
  named.op_name = name;
  return def.fn(inputs, named);
}

}  // namespace nerve
