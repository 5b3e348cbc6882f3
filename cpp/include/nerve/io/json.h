// A strict JSON parser (RFC 8259) for the .nerve file's config.json, weights.json and
// metadata.json. Beyond the RFC it accepts only what Python's json.dumps writes by default:
// NaN, Infinity and -Infinity. Duplicate keys, invalid UTF-8, lone surrogates, trailing data
// and nesting deeper than 200 levels are refused. Errors are ModelFileError with the byte offset
// and what was expected there. Accessors throw ModelFileError naming the key and the type wanted.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nerve/io/model_file_error.h"

namespace nerve::io {

class Json {
 public:
  enum class Kind { Null, Bool, Int, Double, String, Array, Object };

  // Parses `text` completely; `label` names the document in error messages.
  static Json parse(const std::string& text, const std::string& label);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::Null; }
  bool is_number() const { return kind_ == Kind::Int || kind_ == Kind::Double; }
  bool is_object() const { return kind_ == Kind::Object; }
  bool is_array() const { return kind_ == Kind::Array; }
  bool is_string() const { return kind_ == Kind::String; }

  // Typed access: ModelFileError "<label>: <what> must be <type>, got <kind>" on a mismatch.
  bool as_bool(const std::string& what) const;
  int64_t as_int(const std::string& what) const;
  double as_double(const std::string& what) const;  // an int converts
  const std::string& as_string(const std::string& what) const;
  const std::vector<Json>& as_array(const std::string& what) const;
  const std::vector<std::pair<std::string, Json>>& as_object(const std::string& what) const;

  // Object members: find returns null when absent; at throws naming the key.
  const Json* find(const std::string& key) const;
  const Json& at(const std::string& key, const std::string& what) const;

  static const char* kind_name(Kind k);
  const std::string& label() const { return *label_; }

 private:
  friend class JsonParser;
  Kind kind_ = Kind::Null;
  bool b_ = false;
  int64_t i_ = 0;
  double d_ = 0;
  std::string s_;
  std::vector<Json> array_;
  std::vector<std::pair<std::string, Json>> object_;
  std::shared_ptr<const std::string> label_;  // the document's name, shared by every value
  [[noreturn]] void mismatch(const std::string& what, const char* want) const;
};

}  // namespace nerve::io
