// libFuzzer's entry, compiled once per fuzzer with TK_FUZZ_TARGET naming its target (fuzz/CMakeLists.txt).
#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  trainkit::fuzz::TK_FUZZ_TARGET(data, size);
  return 0;
}
