// Argument values, the common rules and the layer registry (nerve/layers/arguments.h).
#include "nerve/layers/arguments.h"

#include <map>
#include <sstream>
#include <stdexcept>

namespace nerve {

const char* arg_kind_name(ArgKind kind) {
  switch (kind) {
    case ArgKind::Bool:
      return "bool";
    case ArgKind::Int:
      return "int";
    case ArgKind::Float:
      return "float";
    case ArgKind::String:
      return "str";
    case ArgKind::Ints:
      return "ints";
    case ArgKind::Activation:
      return "activation";
    case ArgKind::Initializer:
      return "initializer";
    case ArgKind::IntPairs:
      return "int_pairs";
  }
  return "?";
}

std::string tuple_rule(ArgKind kind, size_t axes) {
  const std::string n = std::to_string(axes);
  const std::string ints = axes == 1 ? " int" : " ints";
  if (kind == ArgKind::IntPairs)
    return "an int, a tuple of " + n + ints + " or a tuple of " + n + " (before, after) pair" + (axes == 1 ? "" : "s");
  return "an int or a tuple of " + n + ints;
}

namespace arg_detail {
namespace {
[[noreturn]] void mismatch(const ArgValue& v, const char* want) {
  throw std::invalid_argument(std::string("expected ") + want + ", got " + show(v));
}
}  // namespace

void from_value(const ArgValue& v, bool& out) {
  if (auto* b = std::get_if<bool>(&v)) return void(out = *b);
  mismatch(v, "a bool");
}
void from_value(const ArgValue& v, int64_t& out) {
  if (auto* i = std::get_if<int64_t>(&v)) return void(out = *i);
  mismatch(v, "an int");
}
void from_value(const ArgValue& v, double& out) {
  if (auto* d = std::get_if<double>(&v)) return void(out = *d);
  if (auto* i = std::get_if<int64_t>(&v)) return void(out = static_cast<double>(*i));
  mismatch(v, "a float");
}
void from_value(const ArgValue& v, std::string& out) {
  if (auto* s = std::get_if<std::string>(&v)) return void(out = *s);
  mismatch(v, "a string");
}
void from_value(const ArgValue& v, std::vector<int64_t>& out) {
  if (auto* t = std::get_if<std::vector<int64_t>>(&v)) return void(out = *t);
  if (auto* i = std::get_if<int64_t>(&v)) return void(out = {*i});
  mismatch(v, "a tuple of ints");
}
void from_value(const ArgValue& v, Initializer& out) {
  if (auto* i = std::get_if<Initializer>(&v)) return void(out = *i);
  if (auto* s = std::get_if<std::string>(&v)) return void(out = Initializer{*s});
  mismatch(v, "an initializer");
}

std::string show(const ArgValue& v) {
  std::ostringstream o;
  std::visit(
      [&o](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          o << "None";
        } else if constexpr (std::is_same_v<T, bool>) {
          o << (x ? "True" : "False");
        } else if constexpr (std::is_same_v<T, std::string>) {
          o << "'" << x << "'";
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
          o << "(";
          for (size_t i = 0; i < x.size(); ++i) o << (i ? ", " : "") << x[i];
          o << (x.size() == 1 ? ",)" : ")");
        } else if constexpr (std::is_same_v<T, Initializer>) {
          o << "'" << x.name << "'";
        } else {
          o << x;
        }
      },
      v);
  return o.str();
}
}  // namespace arg_detail

namespace {
template <class F>
bool every_number(const ArgValue& v, F ok) {
  if (auto* i = std::get_if<int64_t>(&v)) return ok(static_cast<double>(*i));
  if (auto* d = std::get_if<double>(&v)) return ok(*d);
  if (auto* t = std::get_if<std::vector<int64_t>>(&v)) {
    for (int64_t x : *t)
      if (!ok(static_cast<double>(x))) return false;
    return true;
  }
  return true;
}
}  // namespace

bool arg_positive(const ArgValue& v) {
  return every_number(v, [](double x) { return x > 0; });
}
bool arg_non_negative(const ArgValue& v) {
  return every_number(v, [](double x) { return x >= 0; });
}
bool arg_unit_interval(const ArgValue& v) {
  return every_number(v, [](double x) { return x >= 0 && x < 1; });
}

std::function<bool(const ArgValue&)> arg_one_of(std::vector<std::string> choices) {
  return [choices = std::move(choices)](const ArgValue& v) {
    auto* s = std::get_if<std::string>(&v);
    if (!s) return false;
    for (const auto& c : choices)
      if (*s == c) return true;
    return false;
  };
}

namespace {
std::map<std::string, LayerSpec>& registry() {
  static std::map<std::string, LayerSpec> r;  // built during static initialisation: no lock needed
  return r;
}
}  // namespace

bool register_layer(LayerSpec spec) {
  std::string type = spec.type;
  registry()[type] = std::move(spec);
  return true;
}

const LayerSpec& layer_spec(const std::string& type) {
  auto it = registry().find(type);
  if (it == registry().end()) throw std::invalid_argument("no layer class '" + type + "' is registered");
  return it->second;
}

std::vector<std::string> registered_layers() {
  std::vector<std::string> names;
  for (const auto& [name, spec] : registry()) names.push_back(name);
  return names;
}

}  // namespace nerve
