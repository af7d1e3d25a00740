// [[extension]]: the class to use, the instance name (Chainer's naming), trigger, priority, and every
// other key kept in file order for the class's own option binding (extension_options.h).
#include <algorithm>
#include <cctype>
#include <set>

#include "core/error.h"
#include "manifest/limits.h"
#include "manifest/sections.h"
#include "manifest/trigger_option.h"
#include "manifest/value_checks.h"

namespace trainkit {
namespace {

using Kind = OptionValue::Kind;

// Instance names appear in --set paths, state scopes and file names.
void check_explicit_name(const OptionValue& name, const std::string& path) {
  expect_kind(name, path, Kind::kString);
  if (name.s.empty()) fail_at(name, path, "must not be empty");
  if (name.s.size() > kMaxInstanceNameLength)
    fail_at(name, path, str_cat("is ", name.s.size(), " characters long; an instance name has at most ",
                                kMaxInstanceNameLength));
  const bool plain = std::all_of(name.s.begin(), name.s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  if (!plain) fail_at(name, path, str_cat("\"", name.s, "\" may hold only letters, digits, '_' and '-'"));
}

const OptionValue& read_use(const OptionValue& table, const std::string& path) {
  expect_kind(table, path, Kind::kTable);
  const OptionValue* use = find_field(table, "use");
  if (!use) fail_at(table, path, "missing \"use\": the extension class to instantiate");
  expect_kind(*use, path + ".use", Kind::kString);
  if (use->s.empty()) fail_at(*use, path + ".use", "must name an extension class");
  return *use;
}

ExtensionConfig read_extension(const OptionValue& table, const std::string& name) {
  ExtensionConfig e;
  e.pos = table.pos;
  e.name = name;
  const std::string path = "extension." + name;
  for (const auto& [key, value] : table.fields) {
    if (key == "use") {
      e.use = value.s;
    } else if (key == "name") {
      e.name_given = true;
    } else if (key == "trigger") {
      e.trigger = trigger_from_option(value, dotted(path, key));
    } else if (key == "priority") {
      expect_kind(value, dotted(path, key), Kind::kInt);
      e.priority = value.i;
    } else {
      e.options.emplace_back(key, value);  // the class's own option: bind_options checks it
    }
  }
  return e;
}

}  // namespace

// Chainer's naming: explicit names are taken as given (and must be unique); the others default to the class
// name, and where that is taken the later ones get _1, _2, ... so the first keeps the bare name.
std::vector<std::string> resolve_instance_names(const OptionValue& extensions) {
  std::vector<std::string> uses;
  std::vector<const OptionValue*> explicit_names;
  std::set<std::string> taken;
  for (size_t i = 0; i < extensions.items.size(); ++i) {
    const std::string path = str_cat("extension[", i, "]");
    uses.push_back(read_use(extensions.items[i], path).s);
    const OptionValue* name = find_field(extensions.items[i], "name");
    if (name) {
      check_explicit_name(*name, path + ".name");
      for (const OptionValue* earlier : explicit_names)
        if (earlier && earlier->s == name->s)
          fail_at(*name, path + ".name", str_cat("\"", name->s, "\" is already the name of the extension at ", earlier->pos.str()));
      taken.insert(name->s);
    }
    explicit_names.push_back(name);
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < extensions.items.size(); ++i) {
    std::string name = explicit_names[i] ? explicit_names[i]->s : uses[i];
    if (!explicit_names[i]) {
      for (int ordinal = 1; taken.count(name); ++ordinal) name = str_cat(uses[i], "_", ordinal);
      taken.insert(name);
    }
    // Chainer reserves "training" for the trainer's own scope.
    if (name == "training")
      fail_at(explicit_names[i] ? *explicit_names[i] : extensions.items[i], str_cat("extension[", i, "]"),
              "the instance name \"training\" is reserved; give the extension another `name`");
    names.push_back(name);
  }
  return names;
}

void read_extensions(const OptionValue& array, std::vector<ExtensionConfig>& out) {
  if (array.kind == Kind::kTable)
    fail_at(array, "extension", "write each extension as [[extension]] (an array of tables), not [extension]");
  expect_kind(array, "extension", Kind::kArray);
  const std::vector<std::string> names = resolve_instance_names(array);
  for (size_t i = 0; i < names.size(); ++i) out.push_back(read_extension(array.items[i], names[i]));
}

}  // namespace trainkit
