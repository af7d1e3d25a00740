#include "manifest/out_file_name.h"

#include <set>
#include <vector>

#include "core/error.h"

namespace trainkit {
namespace {

constexpr size_t kNameMax = 255;   // NAME_MAX: one component
constexpr size_t kPathMax = 4096;  // PATH_MAX: the whole name

// One step of a name read as a pattern.
struct Token {
  enum Kind { kChar, kDigit, kDigits, kText } kind;  // a char; one digit; zero or more digits; any text without '/'
  char c = 0;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The last component's placeholders become pattern tokens; folder parts are plain (the rules keep braces
// out of them).
std::vector<Token> tokens_of(const std::string& name) {
  std::vector<Token> out;
  const size_t file_start = name.find_last_of('/') + 1;  // npos + 1 == 0
  for (size_t i = 0; i < name.size();) {
    if (i >= file_start && (name.compare(i, 2, "{{") == 0 || name.compare(i, 2, "}}") == 0)) {
      out.push_back({Token::kChar, name[i]});
      i += 2;
      continue;
    }
    if (i >= file_start && name[i] == '{') {
      const size_t close = name.find('}', i + 1);
      if (close != std::string::npos) {
        const std::string field = name.substr(i + 1, close - i - 1);
        if (field == "iteration" || field == "epoch") {
          out.push_back({Token::kDigit});
          out.push_back({Token::kDigits});
        } else {
          out.push_back({Token::kText});
        }
        i = close + 1;
        continue;
      }
    }
    out.push_back({Token::kChar, name[i++]});
  }
  return out;
}

bool accepts(const Token& t, char c) {
  switch (t.kind) {
    case Token::kChar: return t.c == c;
    case Token::kDigit:
    case Token::kDigits: return is_digit(c);
    case Token::kText: return c != '/';
  }
  return false;
}

bool is_star(const Token& t) { return t.kind == Token::kDigits || t.kind == Token::kText; }

// One character for each way a character can matter: every literal of both patterns, plus a digit and a
// non-digit other than '/' that neither pattern spells (when there is one).
std::vector<char> alphabet(const std::vector<Token>& a, const std::vector<Token>& b) {
  std::set<char> chars;
  for (const auto* tokens : {&a, &b})
    for (const Token& t : *tokens)
      if (t.kind == Token::kChar) chars.insert(t.c);
  std::vector<char> out(chars.begin(), chars.end());
  for (char c = '0'; c <= '9'; ++c)
    if (!chars.count(c)) {
      out.push_back(c);
      break;
    }
  for (int c = 1; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    if (!is_digit(ch) && ch != '/' && !chars.count(ch)) {
      out.push_back(ch);
      break;
    }
  }
  return out;
}

// Whether some string matches both patterns: a breadth-first walk of their product automaton, where a
// state is a position in each, stars may be skipped, and a character moves both.
bool intersect(const std::vector<Token>& a, const std::vector<Token>& b) {
  const size_t width = b.size() + 1;
  std::vector<char> seen((a.size() + 1) * width, 0);
  std::vector<std::pair<size_t, size_t>> todo;
  auto visit = [&](size_t i, size_t j) {
    if (seen[i * width + j]) return;
    seen[i * width + j] = 1;
    todo.emplace_back(i, j);
  };
  visit(0, 0);
  const std::vector<char> chars = alphabet(a, b);
  while (!todo.empty()) {
    const auto [i, j] = todo.back();
    todo.pop_back();
    if (i == a.size() && j == b.size()) return true;
    if (i < a.size() && is_star(a[i])) visit(i + 1, j);
    if (j < b.size() && is_star(b[j])) visit(i, j + 1);
    if (i == a.size() || j == b.size()) continue;
    for (char c : chars) {
      if (!accepts(a[i], c) || !accepts(b[j], c)) continue;
      visit(is_star(a[i]) ? i : i + 1, is_star(b[j]) ? j : j + 1);
    }
  }
  return false;
}

std::vector<std::string> components(const std::string& name) {
  std::vector<std::string> parts;
  for (size_t begin = 0;;) {
    const size_t slash = name.find('/', begin);
    parts.push_back(name.substr(begin, slash == std::string::npos ? std::string::npos : slash - begin));
    if (slash == std::string::npos) return parts;
    begin = slash + 1;
  }
}

}  // namespace

std::optional<std::string> out_file_name_problem(const std::string& name) {
  if (name.front() == '/') return std::string("is an absolute path; name a file relative to the output folder");
  if (name.size() > kPathMax) return str_cat("is ", name.size(), " bytes long; a path has at most ", kPathMax);
  const std::vector<std::string> parts = components(name);
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    if (part.empty()) return std::string("has an empty component (\"//\", or a \"/\" at the end)");
    if (part == "..") return std::string("has a \"..\" component: it must stay inside the output folder");
    if (part == ".") return std::string("has a \".\" component; write the path without it");
    if (part.size() > kNameMax) return str_cat("has a component of ", part.size(), " bytes; a file name has at most ", kNameMax);
    const bool last = i + 1 == parts.size();
    if (!last && part.find_first_of("{}") != std::string::npos)
      return str_cat("has a placeholder in its folder part \"", part,
                     "\"; only the file name may hold {iteration} or {epoch} (folders are created before training)");
    if (last && part.rfind(".tmp.", 0) == 0)
      return std::string("starts with \".tmp.\", which names the temporary files of atomic writes");
  }
  if (name == ".lock") return std::string("is the output folder's lock file");
  return std::nullopt;
}

std::string out_file_folder(const std::string& name) {
  const size_t slash = name.find_last_of('/');
  return slash == std::string::npos ? "" : name.substr(0, slash);
}

bool could_name_same_file(const std::string& a, const std::string& b) {
  // Folder parts are plain text: two different ones never meet, and the automata stay as small as the
  // file names (at most 255 bytes each).
  if (out_file_folder(a) != out_file_folder(b)) return false;
  const size_t skip = out_file_folder(a).empty() ? 0 : out_file_folder(a).size() + 1;
  return intersect(tokens_of(a.substr(skip)), tokens_of(b.substr(skip)));
}

bool could_name_folder(const std::string& a, const std::string& folder) {
  for (size_t end = folder.find('/');; end = folder.find('/', end + 1)) {  // "x", then "x/y", ...
    if (could_name_same_file(a, folder.substr(0, end))) return true;
    if (end == std::string::npos) return false;
  }
}

}  // namespace trainkit
