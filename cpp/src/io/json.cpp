// The strict JSON parser (nerve/io/json.h): recursive descent with a depth limit.
#include "nerve/io/json.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <locale>
#include <set>
#include <sstream>

namespace nerve::io {

namespace {
constexpr int kMaxDepth = 200;

// The text with bytes outside printable ASCII shown as \xNN (error messages stay ASCII).
std::string printable(const std::string& text) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}
}  // namespace

class JsonParser {
 public:
  JsonParser(const std::string& text, std::shared_ptr<const std::string> label) : s_(text), label_(std::move(label)) {}

  Json document() {
    Json v = value(0);
    skip_space();
    if (pos_ != s_.size()) fail("expected the end of the document");
    return v;
  }

 private:
  const std::string& s_;
  std::shared_ptr<const std::string> label_;
  size_t pos_ = 0;

  [[noreturn]] void fail(const std::string& what) const {
    std::string near = pos_ < s_.size() ? "'" + printable(s_.substr(pos_, 12)) + "'" : "the end";
    throw ModelFileError(*label_ + " is not valid JSON: at byte " + std::to_string(pos_) + " (" + near + "), " + what);
  }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool take(const char* word) {
    size_t n = std::char_traits<char>::length(word);
    if (s_.compare(pos_, n, word) == 0) {
      pos_ += n;
      return true;
    }
    return false;
  }
  Json make(Json::Kind k) {
    Json v;
    v.kind_ = k;
    v.label_ = label_;
    return v;
  }

  Json value(int depth) {
    if (depth > kMaxDepth) fail("expected nesting no deeper than " + std::to_string(kMaxDepth) + " levels");
    skip_space();
    if (pos_ >= s_.size()) fail("expected a value");
    char c = s_[pos_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') {
      Json v = make(Json::Kind::String);
      v.s_ = string();
      return v;
    }
    if (take("true") || take("false")) {
      Json v = make(Json::Kind::Bool);
      v.b_ = s_[pos_ - 1] == 'e' && s_[pos_ - 2] == 'u';
      return v;
    }
    if (take("null")) return make(Json::Kind::Null);
    // Python's json.dumps writes these for non-finite floats.
    if (take("NaN")) return number_value(std::numeric_limits<double>::quiet_NaN());
    if (take("Infinity")) return number_value(std::numeric_limits<double>::infinity());
    if (take("-Infinity")) return number_value(-std::numeric_limits<double>::infinity());
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    fail("expected a value (object, array, string, number, true, false or null)");
  }
  Json number_value(double d) {
    Json v = make(Json::Kind::Double);
    v.d_ = d;
    return v;
  }

  Json number() {
    size_t start = pos_;
    bool integral = true;
    if (s_[pos_] == '-') ++pos_;
    auto digits = [&] {
      size_t d = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ - d;
    };
    if (pos_ < s_.size() && s_[pos_] == '0') {
      ++pos_;
    } else if (digits() == 0) {
      fail("expected a digit");
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      integral = false;
      ++pos_;
      if (digits() == 0) fail("expected a digit after the decimal point");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (digits() == 0) fail("expected a digit in the exponent");
    }
    std::string text = s_.substr(start, pos_ - start);
    if (integral) {
      errno = 0;
      char* end = nullptr;
      long long i = std::strtoll(text.c_str(), &end, 10);
      if (errno == 0 && end == text.c_str() + text.size()) {
        Json v = make(Json::Kind::Int);
        v.i_ = i;
        return v;
      }  // out of int64's range: kept as a double, as Python would compare it
    }
    // The classic locale: a program that set a locale with a decimal comma still reads "0.5".
    std::istringstream in(text);
    in.imbue(std::locale::classic());
    double d = 0;
    in >> d;
    if (in.fail()) fail("expected a number within double's range, got " + text);
    return number_value(d);
  }

  unsigned hex4() {
    if (pos_ + 4 > s_.size()) fail("expected 4 hex digits after \\u");
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= c - '0';
      else if (c >= 'a' && c <= 'f')
        v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        v |= c - 'A' + 10;
      else
        fail("expected a hex digit in a \\u escape");
    }
    return v;
  }
  static void put_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  // One UTF-8 sequence starting at pos_ (already known to be >= 0x80), copied to out.
  void utf8_sequence(std::string& out) {
    auto byte = [&](size_t i) { return static_cast<unsigned char>(s_[i]); };
    unsigned char lead = byte(pos_);
    int extra;
    unsigned cp, min;
    if ((lead & 0xE0) == 0xC0)
      extra = 1, cp = lead & 0x1F, min = 0x80;
    else if ((lead & 0xF0) == 0xE0)
      extra = 2, cp = lead & 0x0F, min = 0x800;
    else if ((lead & 0xF8) == 0xF0)
      extra = 3, cp = lead & 0x07, min = 0x10000;
    else
      fail("expected valid UTF-8");
    if (pos_ + extra >= s_.size()) fail("expected valid UTF-8 (truncated sequence)");
    for (int k = 1; k <= extra; ++k) {
      if ((byte(pos_ + k) & 0xC0) != 0x80) fail("expected valid UTF-8");
      cp = (cp << 6) | (byte(pos_ + k) & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) fail("expected valid UTF-8");
    out.append(s_, pos_, extra + 1);
    pos_ += extra + 1;
  }

  std::string string() {
    ++pos_;  // the opening quote
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) fail("expected a closing '\"'");
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) fail("expected no raw control character inside a string");
      if (c >= 0x80) {
        utf8_sequence(out);
        continue;
      }
      ++pos_;
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      if (pos_ >= s_.size()) fail("expected an escape after '\\'");
      char e = s_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xDC00 && cp <= 0xDFFF) fail("expected a high surrogate before a low one");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (!take("\\u")) fail("expected a low surrogate after a high one");
            unsigned lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) fail("expected a low surrogate after a high one");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          put_utf8(out, cp);
          break;
        }
        default:
          --pos_;
          fail("expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u");
      }
    }
  }

  Json array(int depth) {
    ++pos_;
    Json v = make(Json::Kind::Array);
    skip_space();
    if (take("]")) return v;
    while (true) {
      v.array_.push_back(value(depth + 1));
      skip_space();
      if (take("]")) return v;
      if (!take(",")) fail("expected ',' or ']' in an array");
    }
  }

  Json object(int depth) {
    ++pos_;
    Json v = make(Json::Kind::Object);
    std::set<std::string> keys;
    skip_space();
    if (take("}")) return v;
    while (true) {
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a string key");
      std::string key = string();
      if (!keys.insert(key).second) fail("expected unique keys, got '" + key + "' twice");
      skip_space();
      if (!take(":")) fail("expected ':' after a key");
      Json member = value(depth + 1);
      v.object_.emplace_back(std::move(key), std::move(member));
      skip_space();
      if (take("}")) return v;
      if (!take(",")) fail("expected ',' or '}' in an object");
    }
  }
};

Json Json::parse(const std::string& text, const std::string& label) {
  auto owner = std::make_shared<const std::string>(label);
  return JsonParser(text, owner).document();
}

const char* Json::kind_name(Kind k) {
  switch (k) {
    case Kind::Null:
      return "null";
    case Kind::Bool:
      return "a bool";
    case Kind::Int:
      return "an int";
    case Kind::Double:
      return "a float";
    case Kind::String:
      return "a string";
    case Kind::Array:
      return "a list";
    case Kind::Object:
      return "an object";
  }
  return "?";
}

void Json::mismatch(const std::string& what, const char* want) const {
  throw ModelFileError((label_ ? *label_ : std::string("JSON")) + ": " + what + " must be " + want + ", got " +
                       kind_name(kind_));
}

bool Json::as_bool(const std::string& what) const {
  if (kind_ != Kind::Bool) mismatch(what, "a bool");
  return b_;
}
int64_t Json::as_int(const std::string& what) const {
  if (kind_ != Kind::Int) mismatch(what, "an int");
  return i_;
}
double Json::as_double(const std::string& what) const {
  if (kind_ == Kind::Int) return static_cast<double>(i_);
  if (kind_ != Kind::Double) mismatch(what, "a number");
  return d_;
}
const std::string& Json::as_string(const std::string& what) const {
  if (kind_ != Kind::String) mismatch(what, "a string");
  return s_;
}
const std::vector<Json>& Json::as_array(const std::string& what) const {
  if (kind_ != Kind::Array) mismatch(what, "a list");
  return array_;
}
const std::vector<std::pair<std::string, Json>>& Json::as_object(const std::string& what) const {
  if (kind_ != Kind::Object) mismatch(what, "an object");
  return object_;
}
const Json* Json::find(const std::string& key) const {
  if (kind_ != Kind::Object) return nullptr;
  for (const auto& [k, v] : object_)
    if (k == key) return &v;
  return nullptr;
}
const Json& Json::at(const std::string& key, const std::string& what) const {
  as_object(what);
  if (const Json* v = find(key)) return *v;
  throw ModelFileError((label_ ? *label_ : std::string("JSON")) + ": " + what + " has no key '" + key + "'");
}

}  // namespace nerve::io
