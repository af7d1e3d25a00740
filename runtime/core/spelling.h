// trainkit core: "did you mean" suggestions for misspelled keys and names.
//
//   auto hint = did_you_mean("n_retain", {"n_retains", "autoload"});  // " (did you mean \"n_retains\"?)"
#pragma once

#include <string>
#include <vector>

namespace trainkit {

// Levenshtein distance between two ASCII strings.
size_t edit_distance(const std::string& a, const std::string& b);

// The closest candidate within a small distance, or "" when none is close enough.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

// " (did you mean \"x\"?)" or "" — ready to append to an error message.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace trainkit
