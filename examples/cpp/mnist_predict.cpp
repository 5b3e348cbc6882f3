// mnist_predict: classifies the MNIST test set with a CNN trained and saved in Python, without
// Python (nerve/io/load_model.h).
//
//   mnist_predict MODEL.nerve MNIST_DIR [OUT.npy]
//
// MNIST_DIR holds t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (the canonical IDX
// files, gzip-compressed). Pixels are scaled to [0, 1] as float32(pixel) / 255, the same
// preprocessing as the Python script that trained the model, and fed as (n, 28, 28, 1). Prints
// the accuracy; OUT.npy receives the model's outputs (n, 10) for comparison with Python's predict.
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "nerve/io/load_model.h"
#include "nerve/io/npy.h"

namespace {
std::vector<uint8_t> gunzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + path);
  std::vector<uint8_t> out;
  uint8_t buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.insert(out.end(), buf, buf + n);
  bool failed = n < 0;
  gzclose(f);
  if (failed) throw std::runtime_error(path + " is not a valid gzip file");
  return out;
}

uint32_t big_endian(const std::vector<uint8_t>& b, size_t at) {
  if (at + 4 > b.size()) throw std::runtime_error("IDX header truncated");
  return (uint32_t(b[at]) << 24) | (uint32_t(b[at + 1]) << 16) | (uint32_t(b[at + 2]) << 8) | b[at + 3];
}

// An IDX file's payload after checking its magic and that it holds `count` items of `item` bytes.
std::vector<uint8_t> idx(const std::string& path, uint32_t magic, size_t header, size_t item, uint32_t& count) {
  std::vector<uint8_t> b = gunzip(path);
  if (big_endian(b, 0) != magic) throw std::runtime_error(path + ": expected IDX magic " + std::to_string(magic));
  count = big_endian(b, 4);
  if (b.size() != header + size_t(count) * item)
    throw std::runtime_error(path + ": size does not match its " + std::to_string(count) + " items");
  return std::vector<uint8_t>(b.begin() + header, b.end());
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL.nerve MNIST_DIR [OUT.npy]\n", argv[0]);
    return 2;
  }
  try {
    const std::string dir = argv[2];
    uint32_t n = 0, n_labels = 0;
    std::vector<uint8_t> pixels = idx(dir + "/t10k-images-idx3-ubyte.gz", 2051, 16, 28 * 28, n);
    std::vector<uint8_t> labels = idx(dir + "/t10k-labels-idx1-ubyte.gz", 2049, 8, 1, n_labels);
    if (n != n_labels) throw std::runtime_error("images and labels differ in count");

    std::vector<float> x(pixels.size());
    for (size_t i = 0; i < pixels.size(); ++i) x[i] = static_cast<float>(pixels[i]) / 255.0f;
    nerve::io::LoadedModel model = nerve::io::load_model(argv[1]);
    nerve::Shape shape;  // (n, 10)
    std::vector<float> out = model.predict(x, {int64_t(n), 28, 28, 1}, &shape);
    const int64_t classes = shape[1];
    size_t correct = 0;
    for (uint32_t i = 0; i < n; ++i) {
      const float* row = out.data() + i * classes;
      correct += std::max_element(row, row + classes) - row == labels[i];
    }
    std::printf("%s: %zu of %u test images correct (accuracy %.4f)\n", argv[1], correct, n, double(correct) / n);
    if (argc > 3) {
      std::vector<uint8_t> bytes = nerve::io::npy_bytes(shape, out.data());
      std::ofstream f(argv[3], std::ios::binary);
      f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      if (!f) throw std::runtime_error(std::string("cannot write ") + argv[3]);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
