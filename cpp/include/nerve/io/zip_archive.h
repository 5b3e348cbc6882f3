// A strict reader of the zip container nerve writes (python/nerve/saving/file_format.py): stored
// (uncompressed) entries, no encryption, no zip64, one disk. Every offset and size is bounds
// checked and every entry's CRC-32 is verified when it is read; anything else is a
// ModelFileError saying what was expected. The archive is read into memory once.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nerve/io/model_file_error.h"

namespace nerve::io {

uint32_t crc32(const uint8_t* data, size_t size);

class ZipArchive {
 public:
  // Reads the file at `path` (ModelFileError if it cannot be opened or is not such a zip).
  static ZipArchive open(const std::string& path);
  // Parses an archive held in memory; `label` names it in error messages.
  static ZipArchive from_bytes(std::vector<uint8_t> bytes, std::string label);

  bool contains(const std::string& name) const;
  // The entry's bytes, CRC checked (ModelFileError if absent or damaged).
  std::vector<uint8_t> read(const std::string& name) const;
  std::vector<std::string> names() const;
  const std::string& label() const { return label_; }

 private:
  struct Entry {
    std::string name;
    uint32_t crc = 0;
    uint64_t data_offset = 0;
    uint64_t size = 0;
  };
  void parse();
  [[noreturn]] void fail(const std::string& what) const;
  std::vector<uint8_t> bytes_;
  std::string label_;
  std::vector<Entry> entries_;
};

}  // namespace nerve::io
