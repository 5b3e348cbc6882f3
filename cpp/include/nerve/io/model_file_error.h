// The one exception the .nerve readers throw for a damaged, foreign or unreadable file (C++'s
// counterpart of Python's nerve.errors.ModelFileError). Its message says what was expected.
#pragma once
#include <stdexcept>
#include <string>

namespace nerve::io {

class ModelFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace nerve::io
