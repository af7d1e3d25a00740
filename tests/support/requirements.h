// Test support: what some tests need from the machine (the Fashion-MNIST data set, Python's torch), and the
// skip they take without it, which ctest reports as skipped, not passed.
//
//   TEST_CASE("a run on Fashion-MNIST writes its log") {
//     TK_REQUIRE_DATA();              // first: leaves the test case as skipped when the data set is absent
//     ...
//   }
//
// Catch2 v2 has no skip: TK_SKIP prints TK_TEST_SKIP_MARKER in a warning and leaves the test case, and every
// test's SKIP_REGULAR_EXPRESSION matches the marker (tests/CMakeLists.txt defines both). Skip before the first
// check: ctest reports the test as skipped even if a check before the skip failed.
#pragma once

#include <catch2/catch.hpp>

namespace tk_test {

inline constexpr const char* kFashionMnist = "/usr/share/datasets/fashion-mnist";
// /usr/bin/python3 explicitly: the python3 first on PATH may be another interpreter without torch.
inline constexpr const char* kPython = "/usr/bin/python3";

bool have_fashion_mnist();
bool python_torch_available();  // asks Python once per process

}  // namespace tk_test

#define TK_SKIP(reason)                             \
  do {                                              \
    WARN(TK_TEST_SKIP_MARKER << ": " << reason);    \
    return;                                         \
  } while (0)

#define TK_REQUIRE_DATA()                                                                                  \
  do {                                                                                                     \
    if (!::tk_test::have_fashion_mnist())                                                                  \
      TK_SKIP("Fashion-MNIST is not installed in " << ::tk_test::kFashionMnist                             \
                                                   << " (apt-get install dataset-fashion-mnist)");         \
  } while (0)

#define TK_REQUIRE_PYTHON_TORCH()                                                                          \
  do {                                                                                                     \
    if (!::tk_test::python_torch_available())                                                              \
      TK_SKIP(::tk_test::kPython << " cannot import torch (apt-get install python3-torch)");               \
  } while (0)
