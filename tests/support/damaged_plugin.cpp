#include "damaged_plugin.h"

#include <fstream>

namespace tk_test {

void damage_first_program_header(const std::string& path) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  char byte = 0;
  file.seekg(0x60);
  file.read(&byte, 1);
  byte = static_cast<char>(byte ^ 0xff);
  file.seekp(0x60);
  file.write(&byte, 1);
}

std::string damaged_loader_refusal(const std::string& words) {
#if defined(__SANITIZE_ADDRESS__)
  (void)words;
  return "crashed the plugin scanner (SIGSEGV";
#else
  return words;
#endif
}

}  // namespace tk_test
