#include "distributed/fingerprint.h"

#include <xxhash.h>

#include <cstdio>

#include "core/error.h"

namespace trainkit::distributed {

std::string run_fingerprint(const std::string& manifest_text, const std::vector<std::string>& overrides,
                            int world_size) {
  // Every part is followed by a NUL, so moving text from one part to the next changes the hash.
  std::string text = str_cat("trainkit ", TRAINKIT_VERSION, '\0', "world_size ", world_size, '\0', manifest_text, '\0');
  for (const std::string& o : overrides) text += o + '\0';
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(XXH64(text.data(), text.size(), 0)));
  return hex;
}

}  // namespace trainkit::distributed
