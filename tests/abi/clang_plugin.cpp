// A plugin built by clang++ (tests/abi/CMakeLists.txt invokes it directly, with the SDK's include folder and
// version script), loaded by the gcc-built host: the ABI is C, so the compiler must not matter.
//
// Class compiled_by: reports "<key>/clang_major" = __clang_major__ at each call, so a test reading the log
// knows clang, not gcc, compiled it; and keeps a count as state, through the SDK wrapper like any plugin.
#include <cstdint>
#include <string>

#include <trainkit/sdk.hpp>

#ifndef __clang__
#error "this fixture exists to be compiled by clang"
#endif

namespace {

class CompiledBy final : public tk::Extension {
 public:
  static tk::ClassSpec spec() {
    return {"compiled_by",
            "reports the clang major version that compiled it (built by clang " __clang_version__ ")",
            "1 iteration",
            TK_PRIORITY_WRITER,
            0,
            {tk::option::string("key", "abi/compiler", "observation key prefix")},
            /*state_version=*/1};
  }
  CompiledBy(const tk::Config& cfg, const tk::Host& host) : Extension(host), key_(cfg.get_string("key") + "/clang_major") {}

  void call(tk::Context&) override {
    ++calls_;
    host().report(key_, static_cast<double>(__clang_major__));
  }
  void visit(tk::StateVisitor& v) override { v("calls", calls_); }

 private:
  std::string key_;
  int64_t calls_ = 0;
};

}  // namespace

TK_PLUGIN("org.trainkit.test.clang_plugin", "1.0.0", "a fixture plugin compiled by clang++", CompiledBy)
