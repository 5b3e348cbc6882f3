// The .npy reader and writer (nerve/io/npy.h). Format: numpy's NEP 1
// (numpy/lib/format.py): magic "\x93NUMPY", version, header length, an ASCII Python dict literal
// padded with spaces and a newline, then the raw data.
#include "nerve/io/npy.h"

#include <cstring>
#include <limits>

namespace nerve::io {

namespace {
constexpr char kMagic[] = "\x93NUMPY";

[[noreturn]] void invalid(const std::string& label, const std::string& what) {
  throw ModelFileError(label + " is not a valid .npy array: " + what);
}

bool host_is_little_endian() {
  const uint16_t one = 1;
  uint8_t first;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

// The header dict: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& label) : s_(text), label_(label) {}

  void parse(std::string& descr, bool& fortran, std::vector<int64_t>& shape) {
    bool have_descr = false, have_order = false, have_shape = false;
    space();
    expect('{');
    while (true) {
      space();
      if (take('}')) break;
      std::string key = quoted();
      space();
      expect(':');
      space();
      if (key == "descr" && !have_descr) {
        descr = quoted();
        have_descr = true;
      } else if (key == "fortran_order" && !have_order) {
        fortran = boolean();
        have_order = true;
      } else if (key == "shape" && !have_shape) {
        shape = tuple();
        have_shape = true;
      } else {
        fail("expected only the keys 'descr', 'fortran_order' and 'shape', each once, got '" + key + "'");
      }
      space();
      if (take(',')) continue;
      space();
      expect('}');
      break;
    }
    space();
    if (pos_ != s_.size()) fail("expected only spaces after the header dict");
    if (!have_descr || !have_order || !have_shape) fail("expected the keys 'descr', 'fortran_order' and 'shape'");
  }

 private:
  const std::string& s_;
  const std::string& label_;
  size_t pos_ = 0;

  [[noreturn]] void fail(const std::string& what) const {
    throw ModelFileError(label_ + " is not a valid .npy array: header at offset " + std::to_string(pos_) + ": " + what);
  }
  void space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n')) ++pos_;
  }
  bool take(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!take(c)) fail(std::string("expected '") + c + "'");
  }
  std::string quoted() {
    expect('\'');
    size_t end = s_.find('\'', pos_);
    if (end == std::string::npos) fail("expected a closing quote");
    std::string out = s_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return out;
  }
  bool boolean() {
    if (s_.compare(pos_, 4, "True") == 0) return pos_ += 4, true;
    if (s_.compare(pos_, 5, "False") == 0) return pos_ += 5, false;
    fail("expected True or False");
  }
  std::vector<int64_t> tuple() {
    expect('(');
    std::vector<int64_t> dims;
    while (true) {
      space();
      if (take(')')) break;
      if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9') fail("expected a dimension (a non-negative int)");
      int64_t d = 0;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
        if (d > (std::numeric_limits<int64_t>::max() - 9) / 10) fail("expected a dimension that fits in 64 bits");
        d = d * 10 + (s_[pos_++] - '0');
      }
      dims.push_back(d);
      space();
      if (take(',')) continue;
      space();
      expect(')');
      break;
    }
    if (dims.size() > 32) fail("expected at most 32 dimensions");
    return dims;
  }
};
}  // namespace

NpyArray parse_npy(const std::vector<uint8_t>& bytes, const std::string& label) {
  auto fail = [&](const std::string& what) { invalid(label, what); };
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0) fail("expected the magic \\x93NUMPY");
  uint8_t major = bytes[6];
  size_t header_len = 0, start = 0;
  if (major == 1) {
    header_len = bytes[8] | (size_t(bytes[9]) << 8);
    start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail("truncated header");
    header_len = bytes[8] | (size_t(bytes[9]) << 8) | (size_t(bytes[10]) << 16) | (size_t(bytes[11]) << 24);
    start = 12;
  } else {
    fail("expected format version 1, 2 or 3, got " + std::to_string(major));
  }
  if (header_len > bytes.size() - start) fail("header runs past the end of the data");
  std::string header(reinterpret_cast<const char*>(bytes.data() + start), header_len);
  for (char c : header)
    if (static_cast<unsigned char>(c) >= 0x80) fail("expected an ASCII header");
  NpyArray out;
  std::string descr;
  bool fortran = false;
  HeaderParser(header, label).parse(descr, fortran, out.shape);
  if (descr != "<f4") fail("expected float32 little-endian data (descr '<f4'), got descr '" + descr + "'");
  if (fortran) fail("expected C order (fortran_order False)");
  uint64_t count = 1;
  for (int64_t d : out.shape) {
    if (d != 0 && count > std::numeric_limits<uint64_t>::max() / 4 / uint64_t(d)) fail("shape too large");
    count *= uint64_t(d);
  }
  size_t data_at = start + header_len;
  if (bytes.size() - data_at != count * 4)
    fail("expected " + std::to_string(count * 4) + " bytes of data for its shape, got " +
         std::to_string(bytes.size() - data_at));
  out.data.resize(count);
  if (count) std::memcpy(out.data.data(), bytes.data() + data_at, count * 4);
  if (!host_is_little_endian()) {
    for (float& f : out.data) {
      uint8_t b[4];
      std::memcpy(b, &f, 4);
      std::swap(b[0], b[3]);
      std::swap(b[1], b[2]);
      std::memcpy(&f, b, 4);
    }
  }
  return out;
}

std::vector<uint8_t> npy_bytes(const std::vector<int64_t>& shape, const float* data) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
  uint64_t count = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    header += (i ? ", " : "") + std::to_string(shape[i]);
    count *= uint64_t(shape[i]);
  }
  if (shape.size() == 1) header += ",";  // Python's 1-tuple
  header += "), }";
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::vector<uint8_t> out(kMagic, kMagic + 6);
  out.push_back(1);
  out.push_back(0);
  out.push_back(static_cast<uint8_t>(header.size() & 0xFF));
  out.push_back(static_cast<uint8_t>(header.size() >> 8));
  out.insert(out.end(), header.begin(), header.end());
  const uint8_t* p = reinterpret_cast<const uint8_t*>(data);
  out.insert(out.end(), p, p + count * 4);  // little-endian hosts (x86, arm64); see parse_npy
  return out;
}

}  // namespace nerve::io
