// nerve_predict: runs a .nerve model saved from Python on .npy inputs and writes .npy outputs,
// with no Python. The tests drive it (tests/test_cpp_inference.py); it also shows the C++ API.
//
//   nerve_predict model.nerve OUT_DIR input0.npy [input1.npy ...] [--no-verify]
//
// Writes OUT_DIR/output_<k>.npy for each model output. Exit status 1 and the exception's message
// on stderr for any error (a damaged file, a wrong input shape, an unsupported layer).
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "nerve/io/load_model.h"
#include "nerve/io/npy.h"

namespace {
std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + path);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s model.nerve OUT_DIR input0.npy [input1.npy ...] [--no-verify]\n", argv[0]);
    return 2;
  }
  try {
    nerve::io::LoadOptions options;
    std::vector<nerve::Tensor> inputs;
    for (int i = 3; i < argc; ++i) {
      std::string arg = argv[i];
      if (arg == "--no-verify") {
        options.verify = false;
        continue;
      }
      nerve::io::NpyArray a = nerve::io::parse_npy(read_file(arg), arg);
      inputs.push_back(nerve::Tensor::from_host(a.data.data(), a.shape));
    }
    nerve::io::LoadedModel model = nerve::io::load_model(argv[1], options);
    std::vector<nerve::Tensor> outputs = model.predict(inputs);
    for (size_t k = 0; k < outputs.size(); ++k) {
      std::vector<float> values(outputs[k].numel());
      outputs[k].copy_to_host(values.data());
      std::vector<uint8_t> bytes = nerve::io::npy_bytes(outputs[k].shape(), values.data());
      std::ofstream f(std::string(argv[2]) + "/output_" + std::to_string(k) + ".npy", std::ios::binary);
      f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      if (!f) throw std::runtime_error(std::string("cannot write into ") + argv[2]);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
