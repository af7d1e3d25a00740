#include "requirements.h"

#include <cstdlib>
#include <filesystem>
#include <string>

namespace tk_test {

bool have_fashion_mnist() {
  return std::filesystem::exists(std::string(kFashionMnist) + "/train-images-idx3-ubyte.gz");
}

bool python_torch_available() {
  static const bool available =
      std::system((std::string(kPython) + " -c 'import torch' >/dev/null 2>&1").c_str()) == 0;
  return available;
}

}  // namespace tk_test
