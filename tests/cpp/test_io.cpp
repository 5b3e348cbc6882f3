// The .nerve file readers (nerve/io): valid inputs parse, and every malformed input, including
// every truncation and every single-byte change of a valid archive, gives ModelFileError and
// nothing else (build with -fsanitize=address,undefined to check there is no undefined
// behaviour on the way: see cpp/src/io/README.md).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <vector>

#include "check.h"
#include "nerve/io/json.h"
#include "nerve/io/npy.h"
#include "nerve/io/zip_archive.h"

using nerve::io::Json;
using nerve::io::ModelFileError;
using nerve::io::ZipArchive;

namespace {
void put16(std::vector<uint8_t>& b, uint32_t v) {
  b.push_back(v & 0xFF);
  b.push_back((v >> 8) & 0xFF);
}
void put32(std::vector<uint8_t>& b, uint32_t v) {
  put16(b, v & 0xFFFF);
  put16(b, v >> 16);
}

// A stored zip as Python's zipfile writes it (no data descriptors, no comment).
std::vector<uint8_t> make_zip(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::vector<uint8_t> out, central;
  for (const auto& [name, data] : entries) {
    uint32_t offset = static_cast<uint32_t>(out.size());
    uint32_t crc = nerve::io::crc32(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    put32(out, 0x04034b50);
    put16(out, 20), put16(out, 0), put16(out, 0), put16(out, 0), put16(out, 0x21);
    put32(out, crc), put32(out, data.size()), put32(out, data.size());
    put16(out, name.size()), put16(out, 0);
    out.insert(out.end(), name.begin(), name.end());
    out.insert(out.end(), data.begin(), data.end());
    put32(central, 0x02014b50);
    put16(central, 20), put16(central, 20), put16(central, 0), put16(central, 0), put16(central, 0);
    put16(central, 0x21);
    put32(central, crc), put32(central, data.size()), put32(central, data.size());
    put16(central, name.size()), put16(central, 0), put16(central, 0), put16(central, 0), put16(central, 0);
    put32(central, 0), put32(central, offset);
    central.insert(central.end(), name.begin(), name.end());
  }
  uint32_t cd_offset = static_cast<uint32_t>(out.size());
  out.insert(out.end(), central.begin(), central.end());
  put32(out, 0x06054b50);
  put16(out, 0), put16(out, 0), put16(out, entries.size()), put16(out, entries.size());
  put32(out, central.size()), put32(out, cd_offset), put16(out, 0);
  return out;
}

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

bool json_fails(const std::string& text) {
  try {
    Json::parse(text, "t");
  } catch (const ModelFileError&) {
    return true;
  }
  return false;
}

bool npy_fails(const std::vector<uint8_t>& b) {
  try {
    nerve::io::parse_npy(b, "a");
  } catch (const ModelFileError&) {
    return true;
  }
  return false;
}

std::vector<uint8_t> npy_with_header(const std::string& dict, size_t data_bytes) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::vector<uint8_t> b = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  put16(b, header.size());
  b.insert(b.end(), header.begin(), header.end());
  b.resize(b.size() + data_bytes, 0);
  return b;
}

// Parses the archive and reads every entry; only ModelFileError may come out.
void parse_all(const std::vector<uint8_t>& b, int& ok, int& refused) {
  try {
    ZipArchive z = ZipArchive::from_bytes(b, "mutant");
    for (const std::string& n : z.names()) {
      std::vector<uint8_t> data = z.read(n);
      if (n.size() > 5 && n.compare(n.size() - 5, 5, ".json") == 0)
        Json::parse(std::string(data.begin(), data.end()), n);
      if (n.size() > 4 && n.compare(n.size() - 4, 4, ".npy") == 0) nerve::io::parse_npy(data, n);
    }
    ++ok;
  } catch (const ModelFileError&) {
    ++refused;
  }
}
}  // namespace

// With a file argument (a .nerve file saved from Python), every single-byte change of that file
// is parsed too, entries included (the CRC refuses most; `refused` counts them).
int main(int argc, char** argv) {
  // JSON: values, escapes, numbers
  Json j = Json::parse(R"({"a": [1, -2.5e1, true, null, "x\u00e9\ud83d\ude00\n"], "b": {}, "n": NaN})", "t");
  CHECK(j.at("a", "").as_array("")[0].as_int("") == 1);
  CHECK(j.at("a", "").as_array("")[1].as_double("") == -25.0);
  CHECK(j.at("a", "").as_array("")[2].as_bool(""));
  CHECK(j.at("a", "").as_array("")[3].is_null());
  CHECK(j.at("a", "").as_array("")[4].as_string("") == "x\xc3\xa9\xf0\x9f\x98\x80\n");
  CHECK(std::isnan(j.at("n", "").as_double("")));
  CHECK(Json::parse("9223372036854775808", "t").kind() == Json::Kind::Double);
  for (const char* bad : {"",      "{",       "[1,]",     "{\"a\":1,}",  "01",           "1.",
                          "-",     "tru",     "\"\\x\"",  "\"\\ud800\"", "\"\\udc00\"",  "{\"a\":1,\"a\":2}",
                          "[1] 2", "{'a':1}", "\"a\nb\"", "\"\xff\"",    "\"\xc0\x80\"", "\"\xed\xa0\x80\"",
                          "1e",    "[-]"})
    CHECK(json_fails(bad));
  CHECK(json_fails(std::string(1000, '[')));
  // every single-byte change and truncation of a document: parsed or ModelFileError, nothing else
  const std::string doc = R"({"class_name": "Dense", "config": {"units": [3, -1.5e-3], "s": "\u00e9\n", "b": false}})";
  int parsed = 0, json_refused = 0;
  for (size_t i = 0; i <= doc.size(); ++i)
    for (int v : std::initializer_list<int>{0, '"', '\\', '[', '{', '}', 0x80, 0xff, '1', 'e'}) {
      std::string m = i < doc.size() ? doc : doc.substr(0, i);
      if (i < doc.size()) m[i] = static_cast<char>(v);
      try {
        Json::parse(m, "m");
        ++parsed;
      } catch (const ModelFileError&) {
        ++json_refused;
      }
    }
  CHECK(parsed > 0 && json_refused > 0);
  CHECK_THROWS(ModelFileError, j.at("missing", "root"));
  CHECK_THROWS(ModelFileError, j.at("a", "").as_string("a"));

  // .npy: a good one, then each way to be wrong
  auto good = npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 24);
  nerve::io::NpyArray a = nerve::io::parse_npy(good, "a");
  CHECK(a.shape == (std::vector<int64_t>{2, 3}) && a.data.size() == 6);
  float values[3] = {1.5f, -2.f, 3.25f};
  nerve::io::NpyArray back = nerve::io::parse_npy(nerve::io::npy_bytes({3}, values), "a");
  CHECK(back.shape == std::vector<int64_t>{3} && back.data[1] == -2.f);
  CHECK(nerve::io::parse_npy(nerve::io::npy_bytes({}, values), "a").data.size() == 1);
  CHECK(npy_fails(npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 48)));
  CHECK(npy_fails(npy_with_header("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", 24)));
  CHECK(npy_fails(npy_with_header("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24)));
  CHECK(npy_fails(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 20)));
  CHECK(npy_fails(npy_with_header("{'descr': '<f4', 'shape': (2, 3), }", 24)));
  CHECK(npy_fails(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }", 24)));
  CHECK(npy_fails(npy_with_header(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999, 99999999999), }", 0)));
  CHECK(npy_fails(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", 24)));
  for (size_t cut = 0; cut < good.size(); ++cut)
    CHECK(npy_fails(std::vector<uint8_t>(good.begin(), good.begin() + cut)));

  // zip: a good archive reads back; damage is refused
  auto zip = make_zip({{"metadata.json", "{\"format\": \"nerve.model\"}"}, {"weights/00000.npy", "abc"}});
  ZipArchive z = ZipArchive::from_bytes(zip, "z");
  CHECK(z.names().size() == 2 && z.contains("weights/00000.npy"));
  CHECK(z.read("weights/00000.npy") == bytes_of("abc"));
  CHECK_THROWS(ModelFileError, z.read("nope"));
  auto flipped = zip;
  flipped[30 + std::strlen("metadata.json") + 2] ^= 1;  // a data byte: the CRC catches it
  CHECK_THROWS(ModelFileError, ZipArchive::from_bytes(flipped, "z").read("metadata.json"));
  auto compressed = zip;
  compressed[8] = 8;  // local header method: deflate (the central directory still says stored)
  CHECK_THROWS(ModelFileError, ZipArchive::from_bytes(compressed, "z"));
  CHECK_THROWS(ModelFileError, ZipArchive::from_bytes(make_zip({{"a", "x"}, {"a", "y"}}), "z"));
  int ok = 0, refused = 0;
  for (size_t cut = 0; cut < zip.size(); ++cut)
    parse_all(std::vector<uint8_t>(zip.begin(), zip.begin() + cut), ok, refused);
  CHECK(ok == 0);
  for (size_t i = 0; i < zip.size(); ++i)
    for (uint8_t bit : {0x01, 0x80, 0xFF}) {
      auto m = zip;
      m[i] ^= bit;
      parse_all(m, ok, refused);
    }
  CHECK(refused > 0);
  if (argc > 1) {
    std::ifstream f(argv[1], std::ios::binary);
    std::vector<uint8_t> file((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    int file_ok = 0, file_refused = 0;
    parse_all(file, file_ok, file_refused);
    CHECK(file_ok == 1);
    for (size_t i = 0; i < file.size(); ++i) {
      auto m = file;
      m[i] ^= 0x20;
      parse_all(m, file_ok, file_refused);
    }
    std::printf("%s: %d mutants parsed, %d refused\n", argv[1], file_ok - 1, file_refused);
  }
  return nerve_test::test_exit_code("test_io");
}
