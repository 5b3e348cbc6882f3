// The zip reader (nerve/io/zip_archive.h). Layout: PKWARE APPNOTE 6.3, sections 4.3.7 (local
// header), 4.3.12 (central directory header) and 4.3.16 (end of central directory record).
#include "nerve/io/zip_archive.h"

#include <array>
#include <fstream>
#include <iterator>
#include <set>

namespace nerve::io {

namespace {
constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr uint64_t kLocalSize = 30, kCentralSize = 46, kEndSize = 22;

std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}

// Little-endian reads at a position already checked to lie inside the buffer.
uint16_t u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}
}  // namespace

uint32_t crc32(const uint8_t* data, size_t size) {
  static const std::array<uint32_t, 256> table = make_crc_table();
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i) c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

ZipArchive ZipArchive::open(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ModelFileError("cannot open " + path + " (no such file, or not readable)");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) throw ModelFileError("cannot read " + path);
  return from_bytes(std::move(bytes), path);
}

ZipArchive ZipArchive::from_bytes(std::vector<uint8_t> bytes, std::string label) {
  ZipArchive z;
  z.bytes_ = std::move(bytes);
  z.label_ = std::move(label);
  z.parse();
  return z;
}

void ZipArchive::fail(const std::string& what) const {
  throw ModelFileError(label_ + " is not a nerve file, or it is truncated or corrupt: " + what);
}

void ZipArchive::parse() {
  const uint64_t n = bytes_.size();
  const uint8_t* b = bytes_.data();
  if (n < kEndSize) fail("expected a zip archive of at least 22 bytes, got " + std::to_string(n));
  // The end record is the last 22 bytes plus a comment of up to 65535 bytes: search backwards
  // for a signature whose comment length reaches exactly the end of the file.
  uint64_t end = UINT64_MAX;
  uint64_t lowest = n >= kEndSize + 0xFFFF ? n - kEndSize - 0xFFFF : 0;
  for (uint64_t pos = n - kEndSize + 1; pos-- > lowest;) {
    if (u32(b + pos) == kEndSig && pos + kEndSize + u16(b + pos + 20) == n) {
      end = pos;
      break;
    }
  }
  if (end == UINT64_MAX) fail("expected a zip end-of-central-directory record, found none");
  const uint8_t* e = b + end;
  uint16_t disk = u16(e + 4), cd_disk = u16(e + 6), count_here = u16(e + 8), count = u16(e + 10);
  uint32_t cd_size = u32(e + 12), cd_offset = u32(e + 16);
  if (disk != 0 || cd_disk != 0 || count_here != count) fail("expected a single-disk archive");
  if (count == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_offset == 0xFFFFFFFFu)
    fail("expected a plain zip, got a zip64 archive (nerve files are not zip64)");
  if (uint64_t(cd_offset) + cd_size > end)
    fail("central directory (offset " + std::to_string(cd_offset) + ", " + std::to_string(cd_size) +
         " bytes) runs past its end record at " + std::to_string(end));
  std::set<std::string> seen;
  uint64_t pos = cd_offset;
  const uint64_t cd_end = uint64_t(cd_offset) + cd_size;
  for (uint32_t i = 0; i < count; ++i) {
    if (pos + kCentralSize > cd_end) fail("central directory entry " + std::to_string(i) + " is truncated");
    const uint8_t* c = b + pos;
    if (u32(c) != kCentralSig) fail("expected a central directory entry at offset " + std::to_string(pos));
    uint16_t flags = u16(c + 8), method = u16(c + 10);
    uint32_t crc = u32(c + 16), csize = u32(c + 20), usize = u32(c + 24);
    uint16_t name_len = u16(c + 28), extra_len = u16(c + 30), comment_len = u16(c + 32), start_disk = u16(c + 34);
    uint32_t local = u32(c + 42);
    uint64_t next = pos + kCentralSize + name_len + extra_len + comment_len;
    if (next > cd_end) fail("central directory entry " + std::to_string(i) + " runs past the directory");
    std::string name(reinterpret_cast<const char*>(c + kCentralSize), name_len);
    if (name.empty() || name.find('\0') != std::string::npos)
      fail("entry " + std::to_string(i) + " has an empty or NUL-containing name");
    if (method != 0)
      fail("entry '" + name + "' is compressed (method " + std::to_string(method) +
           "); nerve files store entries uncompressed");
    if (flags & 0x1) fail("entry '" + name + "' is marked encrypted; nerve files are not");
    if (csize != usize) fail("stored entry '" + name + "' has different stored and original sizes");
    if (csize == 0xFFFFFFFFu || local == 0xFFFFFFFFu)
      fail("entry '" + name + "' needs zip64, which nerve never writes");
    if (start_disk != 0) fail("entry '" + name + "' starts on another disk");
    if (!seen.insert(name).second) fail("entry '" + name + "' appears twice");
    // The local header repeats the name; the data follows it and its own extra field.
    if (uint64_t(local) + kLocalSize > cd_offset) fail("entry '" + name + "' has its local header out of bounds");
    const uint8_t* l = b + local;
    if (u32(l) != kLocalSig)
      fail("expected a local header for entry '" + name + "' at offset " + std::to_string(local));
    if (u16(l + 8) != 0 || (u16(l + 6) & 0x1))
      fail("entry '" + name + "' is compressed or encrypted in its local header; nerve files store entries plainly");
    uint16_t l_name = u16(l + 26), l_extra = u16(l + 28);
    uint64_t data = uint64_t(local) + kLocalSize + l_name + l_extra;
    if (data + csize > cd_offset) fail("entry '" + name + "' runs past the start of the central directory");
    if (std::string(reinterpret_cast<const char*>(l + kLocalSize), l_name) != name)
      fail("entry '" + name + "' has a different name in its local header");
    entries_.push_back({name, crc, data, csize});
    pos = next;
  }
  if (pos != cd_end) fail("central directory size does not match its entries");
}

bool ZipArchive::contains(const std::string& name) const {
  for (const Entry& e : entries_)
    if (e.name == name) return true;
  return false;
}

std::vector<uint8_t> ZipArchive::read(const std::string& name) const {
  for (const Entry& e : entries_) {
    if (e.name != name) continue;
    const uint8_t* p = bytes_.data() + e.data_offset;
    uint32_t got = crc32(p, e.size);
    if (got != e.crc)
      throw ModelFileError(label_ + " is corrupt: entry '" + name + "' fails its CRC-32 check (expected " +
                           std::to_string(e.crc) + ", computed " + std::to_string(got) + ")");
    return std::vector<uint8_t>(p, p + e.size);
  }
  throw ModelFileError(label_ + " is incomplete: it has no entry '" + name + "'");
}

std::vector<std::string> ZipArchive::names() const {
  std::vector<std::string> out;
  for (const Entry& e : entries_) out.push_back(e.name);
  return out;
}

}  // namespace nerve::io
