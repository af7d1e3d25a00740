#include "torch/device.h"

#include <torch/cuda.h>

#include "core/error.h"
#include "torch/place.h"

namespace trainkit {

c10::Device resolve_device(const TrainerConfig& trainer) {
  const std::string& name = trainer.device;
  if (name == "cpu") return c10::Device(c10::kCPU);
  if (name == "auto") return torch::cuda::is_available() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  const std::string at = str_cat(place(trainer.pos), "trainer.device = \"", name, "\": ");
  c10::Device device(c10::kCPU);
  try {
    device = c10::Device(name);
  } catch (const c10::Error&) {
    throw ConfigError(str_cat(at, "not a device (expected \"cpu\", \"cuda\", \"cuda:N\" or \"auto\")"));
  }
  TK_CHECK(device.is_cuda(), ConfigError, at, "not a device (expected \"cpu\", \"cuda\", \"cuda:N\" or \"auto\")");
  TK_CHECK(torch::cuda::is_available(), ConfigError, at,
           "this trainkit is built against a LibTorch without CUDA (Debian's libtorch is CPU-only). To train on a "
           "GPU, build trainkit against a CUDA LibTorch: cmake -S . -B build -DCMAKE_PREFIX_PATH=/path/to/libtorch "
           "(see README.md, \"Training on a GPU\"); or set trainer.device = \"cpu\" or \"auto\"");
  const auto count = static_cast<int64_t>(torch::cuda::device_count());
  TK_CHECK(!device.has_index() || device.index() < count, ConfigError, at, "this machine has ", count,
           " CUDA device", count == 1 ? "" : "s", " (cuda:0 to cuda:", count - 1, ")");
  return device;
}

}  // namespace trainkit
