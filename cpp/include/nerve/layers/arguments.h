// A layer's constructor arguments, declared once. Each converted layer has an arguments struct
// (the C++ API, whose member initialisers are THE defaults) and a table naming its fields with
// their checks. The table gives the layer its validation, and, through the registry, gives the
// bindings (nerve._core.layer_spec / make_layer) and the Python class (signature, get_config)
// the same names, types and defaults: nothing is restated.
//
//   struct DropoutArgs {
//     double rate = 0.0;
//     std::optional<int64_t> seed;
//     static const ArgTable<DropoutArgs>& table();   // in dropout.cpp:
//   };                                                //   NERVE_ARG(rate).required().check(in_unit_interval)
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "nerve/initializers.h"

namespace nerve {

class Layer;

// A value Keras accepts that nerve does not implement (data_format='channels_first'): a distinct
// invalid_argument, raised in Python as nerve.utils.keras_args.UnsupportedArgumentError.
class UnsupportedArgument : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// One argument value crossing the language boundary. monostate is None (an optional argument
// left out); an Initializer default is shown by its name.
using ArgValue = std::variant<std::monostate, bool, int64_t, double, std::string, std::vector<int64_t>, Initializer>;

// The Python-facing kind of an argument: how the binding converts a Python value and how the
// Python class treats it (an "activation" goes through nerve.activations, an "initializer"
// through nerve.initializers; the others are plain values).
// IntPairs: (before, after) per axis, stored flat (ZeroPadding2D's padding: top, bottom, left,
// right); Python gives one int, n ints (symmetric) or n pairs, and reads n pairs back.
enum class ArgKind : uint8_t { Bool, Int, Float, String, Ints, Activation, Initializer, IntPairs };
const char* arg_kind_name(ArgKind kind);

// A field of the arguments struct of layer `Args`.
template <class Args>
struct ArgField {
  std::string name;
  ArgKind kind;
  bool required = false;  // no default: the caller must give it
  bool optional = false;  // None is a valid value
  std::string shown;      // the default as Keras's signature spells it, where that differs
  std::function<ArgValue(const Args&)> get;
  std::function<void(Args&, const ArgValue&)> set;
  // Returns "" when the value is fine, else what it must be ("positive", "in [0, 1)").
  std::function<std::string(const Args&)> check;
  // Returns "" when nerve implements the value, else why not (validate throws UnsupportedArgument).
  std::function<std::string(const Args&)> unsupported;
  // The default as Keras's signature shows it where that is not the member's value (Conv1D's
  // strides=1 for the member {1}); takes precedence over `shown`.
  std::optional<ArgValue> shown_value;
  // The number of axes of a tuple argument (tuple_of / pairs_of), 0 for any other: a tuple of
  // another length is refused, as Keras's standardize_tuple does.
  size_t axes = 0;

  ArgField& require() {
    required = true;
    return *this;
  }
  // Keras spells some initializer defaults by class name ("Zeros"): the signature shows that.
  ArgField& shown_as(std::string keras_spelling) {
    shown = std::move(keras_spelling);
    return *this;
  }
  // A rule on the field's value: `ok(value)` false gives "<name> must be <rule>, got <value>".
  template <class Pred>
  ArgField& must(std::string rule, Pred ok);
  // A value nerve does not implement: `ok(value)` false gives UnsupportedArgument
  // "<name>=<value> is not supported; <why>".
  template <class Pred>
  ArgField& supports(std::string why, Pred ok);
  ArgField& shown_as_value(ArgValue keras_default) {
    shown_value = std::move(keras_default);
    return *this;
  }
  // A tuple of n ints that Keras also takes as one int (kernel_size, strides): one int is repeated
  // n times when set; a tuple is kept as given, so any other length (a 1-tuple for a 2-D layer
  // included: Keras refuses it too) breaks the rule "an int or a tuple of n ints".
  ArgField& tuple_of(size_t n);
  // (before, after) pairs for n axes (kind IntPairs), stored flat; one int is repeated 2n times.
  ArgField& pairs_of(size_t n);
};

// The value conversions between a member type and ArgValue.
namespace arg_detail {
inline ArgValue to_value(bool v) { return v; }
inline ArgValue to_value(int64_t v) { return v; }
inline ArgValue to_value(double v) { return v; }
inline ArgValue to_value(const std::string& v) { return v; }
inline ArgValue to_value(const std::vector<int64_t>& v) { return v; }
inline ArgValue to_value(const Initializer& v) { return v; }
template <class T>
ArgValue to_value(const std::optional<T>& v) {
  return v ? to_value(*v) : ArgValue{};
}
// Throws std::invalid_argument("<what>") on a type mismatch (the binding checks kinds first).
void from_value(const ArgValue& v, bool& out);
void from_value(const ArgValue& v, int64_t& out);
void from_value(const ArgValue& v, double& out);
void from_value(const ArgValue& v, std::string& out);
void from_value(const ArgValue& v, std::vector<int64_t>& out);
void from_value(const ArgValue& v, Initializer& out);
template <class T>
void from_value(const ArgValue& v, std::optional<T>& out) {
  if (std::holds_alternative<std::monostate>(v)) {
    out.reset();
  } else {
    T t{};
    from_value(v, t);
    out = std::move(t);
  }
}
std::string show(const ArgValue& v);  // Python-like repr, for error messages

template <class T>
constexpr bool is_optional = false;
template <class T>
constexpr bool is_optional<std::optional<T>> = true;
template <class T>
struct value_of {
  using type = T;
};
template <class T>
struct value_of<std::optional<T>> {
  using type = T;
};
template <class T>
constexpr ArgKind kind_of() {
  using V = typename value_of<T>::type;
  if constexpr (std::is_same_v<V, bool>) return ArgKind::Bool;
  if constexpr (std::is_same_v<V, int64_t>) return ArgKind::Int;
  if constexpr (std::is_same_v<V, double>) return ArgKind::Float;
  if constexpr (std::is_same_v<V, std::string>) return ArgKind::String;
  if constexpr (std::is_same_v<V, std::vector<int64_t>>) return ArgKind::Ints;
  if constexpr (std::is_same_v<V, Initializer>) return ArgKind::Initializer;
}
}  // namespace arg_detail

template <class Args, class M>
ArgField<Args> arg_field(std::string name, M Args::* member, ArgKind kind = arg_detail::kind_of<M>()) {
  ArgField<Args> f;
  f.name = std::move(name);
  f.kind = kind;
  f.optional = arg_detail::is_optional<M>;
  f.get = [member](const Args& a) { return arg_detail::to_value(a.*member); };
  f.set = [member](Args& a, const ArgValue& v) { arg_detail::from_value(v, a.*member); };
  return f;
}
// NERVE_ARG(units) inside an ArgTable<Args> list: the field `units` of Args, named "units".
#define NERVE_ARG(member) ::nerve::arg_field(#member, &Self::member)
// An activation name (std::optional<std::string>: None is the identity, as Keras).
#define NERVE_ACTIVATION_ARG(member) ::nerve::arg_field(#member, &Self::member, ::nerve::ArgKind::Activation)

template <class Args>
template <class Pred>
ArgField<Args>& ArgField<Args>::must(std::string rule, Pred ok) {
  auto previous = check;
  auto getter = get;
  check = [previous, getter, rule, ok](const Args& a) -> std::string {
    if (previous) {
      std::string p = previous(a);
      if (!p.empty()) return p;
    }
    ArgValue v = getter(a);
    if (std::holds_alternative<std::monostate>(v)) return "";  // None is checked by `optional`
    return ok(v) ? "" : rule;
  };
  return *this;
}

template <class Args>
template <class Pred>
ArgField<Args>& ArgField<Args>::supports(std::string why, Pred ok) {
  auto previous = unsupported;
  auto getter = get;
  unsupported = [previous, getter, why, ok](const Args& a) -> std::string {
    if (previous) {
      std::string p = previous(a);
      if (!p.empty()) return p;
    }
    ArgValue v = getter(a);
    if (std::holds_alternative<std::monostate>(v)) return "";
    return ok(v) ? "" : why;
  };
  return *this;
}

// What a tuple argument of `axes` axes must be (kind Ints or IntPairs): "an int or a tuple of 2
// ints"; the rule of tuple_of / pairs_of, also used by the binding to refuse a Python tuple of
// the wrong length before it is flattened.
std::string tuple_rule(ArgKind kind, size_t axes);

namespace arg_detail {
// A setter that repeats one int n times. Only an int: a tuple, even of one entry, is set as
// given (a 1-tuple for a 2-D layer's kernel_size is an error in Keras, not a shorthand).
template <class Args>
std::function<void(Args&, const ArgValue&)> repeat_int(std::function<void(Args&, const ArgValue&)> plain, size_t n) {
  return [plain, n](Args& a, const ArgValue& v) {
    if (auto* i = std::get_if<int64_t>(&v)) return plain(a, std::vector<int64_t>(n, *i));
    plain(a, v);
  };
}
inline std::function<bool(const ArgValue&)> has_length(size_t n) {
  return [n](const ArgValue& v) {
    auto* t = std::get_if<std::vector<int64_t>>(&v);
    return t && t->size() == n;
  };
}
}  // namespace arg_detail

template <class Args>
ArgField<Args>& ArgField<Args>::tuple_of(size_t n) {
  axes = n;
  set = arg_detail::repeat_int<Args>(set, n);
  return must(tuple_rule(kind, n), arg_detail::has_length(n));
}

template <class Args>
ArgField<Args>& ArgField<Args>::pairs_of(size_t n) {
  kind = ArgKind::IntPairs;
  axes = n;
  set = arg_detail::repeat_int<Args>(set, 2 * n);
  return must(tuple_rule(kind, n), arg_detail::has_length(2 * n));
}

// Common rules.
bool arg_positive(const ArgValue& v);       // > 0 (every entry, for a tuple)
bool arg_non_negative(const ArgValue& v);   // >= 0
bool arg_unit_interval(const ArgValue& v);  // in [0, 1)
// A string choice: the value is one of `choices` (padding, data_format).
std::function<bool(const ArgValue&)> arg_one_of(std::vector<std::string> choices);

// The type-erased view of one field, for the registry and the bindings.
struct ArgSpec {
  std::string name;
  ArgKind kind;
  bool required;
  bool optional;
  ArgValue default_value;  // monostate for a required argument or a None default
  size_t axes;             // a tuple argument's number of axes (ArgField::axes), else 0
};

template <class Args>
struct ArgTable {
  using Self = Args;
  std::vector<ArgField<Args>> fields;

  // Throws std::invalid_argument "<who>: <name> must be <rule>, got <value>" for the first field
  // that breaks its rule.
  void validate(const Args& a, const std::string& who) const {
    for (const auto& f : fields) {
      if (!f.check) continue;
      std::string rule = f.check(a);
      if (!rule.empty())
        throw std::invalid_argument(who + ": " + f.name + " must be " + rule + ", got " + arg_detail::show(f.get(a)));
    }
    for (const auto& f : fields) {  // values that are valid but not implemented, once all are valid
      if (!f.unsupported) continue;
      std::string why = f.unsupported(a);
      if (!why.empty())
        throw UnsupportedArgument(who + ": " + f.name + "=" + arg_detail::show(f.get(a)) + " is not supported; " + why);
    }
  }
  std::vector<ArgSpec> specs() const {
    Args defaults{};
    std::vector<ArgSpec> out;
    for (const auto& f : fields)
      out.push_back({f.name, f.kind, f.required, f.optional,
                     f.required        ? ArgValue{}
                     : f.shown_value   ? *f.shown_value
                     : f.shown.empty() ? f.get(defaults)
                                       : ArgValue{f.shown},
                     f.axes});
    return out;
  }
  // Args from named values (missing names keep their defaults; unknown names throw).
  Args from(const std::vector<std::pair<std::string, ArgValue>>& values, const std::string& who) const {
    Args a{};
    for (const auto& [name, value] : values) {
      const ArgField<Args>* field = nullptr;
      for (const auto& f : fields)
        if (f.name == name) field = &f;
      if (!field) throw std::invalid_argument(who + ": unknown argument '" + name + "'");
      if (std::holds_alternative<std::monostate>(value) && !field->optional)
        throw std::invalid_argument(who + ": " + name + " cannot be None");
      field->set(a, value);
    }
    return a;
  }
  std::vector<std::pair<std::string, ArgValue>> values(const Args& a) const {
    std::vector<std::pair<std::string, ArgValue>> out;
    for (const auto& f : fields) out.emplace_back(f.name, f.get(a));
    return out;
  }
};

// The registry: every layer class whose arguments are declared this way, by its type name.
using NamedArgs = std::vector<std::pair<std::string, ArgValue>>;
struct LayerSpec {
  std::string type;  // the Keras class name ("Dense")
  std::vector<ArgSpec> args;
  // Builds the layer named `name` from named arguments (validated by the layer).
  std::function<std::shared_ptr<Layer>(const std::string& name, const NamedArgs& args)> make;
  // The arguments a built layer was made with (its get_config), by the same names.
  std::function<NamedArgs(const Layer& layer)> config;
};
bool register_layer(LayerSpec spec);
// Throws std::invalid_argument for an unknown type.
const LayerSpec& layer_spec(const std::string& type);
std::vector<std::string> registered_layers();

// Registers layer class `L`, whose arguments struct is `L::Args` (with a static table()), whose
// constructor is L(std::string name, L::Args) and whose args() returns them. Put it in the
// layer's .cpp file.
#define NERVE_REGISTER_LAYER(L, type_name)                                                                      \
  static const bool nerve_registered_##L = ::nerve::register_layer(::nerve::LayerSpec{                          \
      type_name, L::Args::table().specs(),                                                                      \
      [](const std::string& name, const ::nerve::NamedArgs& a) -> std::shared_ptr<::nerve::Layer> {             \
        return std::make_shared<L>(name, L::Args::table().from(a, std::string(type_name) + " '" + name + "'")); \
      },                                                                                                        \
      [](const ::nerve::Layer& l) { return L::Args::table().values(static_cast<const L&>(l).args()); }});
}  // namespace nerve
