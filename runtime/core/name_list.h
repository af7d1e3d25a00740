// trainkit core: a list of names as an error message offers it.
//
//   name_list({"sgd", "adam"});                  // "sgd, adam"
//   name_list({"sgd", "adam"}, Quoted::kYes);    // "\"sgd\", \"adam\""
#pragma once

#include <string>
#include <vector>

namespace trainkit {

enum class Quoted { kNo, kYes };

inline std::string name_list(const std::vector<std::string>& names, Quoted quoted = Quoted::kNo) {
  const std::string quote = quoted == Quoted::kYes ? "\"" : "";
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + quote + names[i] + quote;
  return out;
}

}  // namespace trainkit
