// A tiny test harness for nerve's C++ tests (no external framework): CHECK records a failure with
// its file and line and keeps going, so one run reports every broken case; a test's main()
// returns test_exit_code(), non-zero when any check failed, which is what ctest looks at.
#pragma once
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace nerve_test {
inline int& failures() {
  static int n = 0;
  return n;
}
inline int& checks() {
  static int n = 0;
  return n;
}
inline bool report(bool ok, const char* file, int line, const char* what) {
  ++checks();
  if (!ok) {
    ++failures();
    std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, what);
  }
  return ok;
}
inline int test_exit_code(const char* name) {
  std::printf("%s: %d checks, %d failed\n", name, checks(), failures());
  return failures() == 0 ? 0 : 1;
}
}  // namespace nerve_test

#define CHECK(cond) ::nerve_test::report(static_cast<bool>(cond), __FILE__, __LINE__, #cond)

// |a - b| <= tol; prints both values when it fails.
#define CHECK_NEAR(a, b, tol)                                                                                  \
  do {                                                                                                         \
    const double check_a_ = (a), check_b_ = (b);                                                               \
    if (!::nerve_test::report(std::fabs(check_a_ - check_b_) <= (tol), __FILE__, __LINE__, #a " ~= " #b))      \
      std::fprintf(stderr, "    %.9g vs %.9g (tolerance %g)\n", check_a_, check_b_, static_cast<double>(tol)); \
  } while (0)

// The statement throws an exception of type E.
#define CHECK_THROWS(E, stmt)                                                     \
  do {                                                                            \
    bool check_thrown_ = false;                                                   \
    try {                                                                         \
      stmt;                                                                       \
    } catch (const E&) {                                                          \
      check_thrown_ = true;                                                       \
    }                                                                             \
    ::nerve_test::report(check_thrown_, __FILE__, __LINE__, #stmt " throws " #E); \
  } while (0)
