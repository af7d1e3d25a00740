#include "trainer/plan.h"

#include <sys/stat.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "core/error.h"
#include "core/spelling.h"
#include "manifest/out_file_name.h"
#include "manifest/value_checks.h"
#include "trainer/out_dir.h"

namespace trainkit {
namespace {

// Names the refused plugins too: a class that "does not exist" often lives in a plugin that was refused.
std::string unknown_class_message(const ExtensionConfig& cfg, const PluginRegistry& registry) {
  std::ostringstream out;
  out << cfg.pos.str() << ": extension \"" << cfg.name << "\": no loaded plugin provides class \"" << cfg.use
      << "\"" << did_you_mean(cfg.use, registry.class_names());
  if (!registry.refused().empty()) {
    out << "; refused plugins:";
    for (const auto& r : registry.refused()) out << "\n  " << r.path << ": " << r.reason;
  }
  if (registry.loaded().empty()) out << "; no plugin was loaded at all (check trainer.plugin_dirs)";
  return out.str();
}

TriggerSpec class_default_trigger(const tk_extension_class& cls, const LoadedPlugin& plugin) {
  try {
    return parse_trigger_text(cls.default_trigger ? cls.default_trigger : "1 iteration");
  } catch (const std::invalid_argument& e) {
    throw ConfigError(str_cat("plugin ", plugin.path, ": class \"", cls.name, "\" declares a bad default trigger: ",
                              e.what()));
  }
}

// One out-file option of one planned instance with a file name ("" is no file).
struct OutFile {
  const PlannedExtension* ext;
  std::string option;
  const BoundOptions::Value* value;

  std::string where() const { return locate(value->pos, str_cat("extension \"", ext->name, "\": option \"", option, "\"")); }
  std::string what() const {
    return str_cat("option \"", option, "\" of extension \"", ext->name, "\" (", quoted_value(value->s),
                   value->from_manifest ? "" : ", its default", ")");
  }
};

std::vector<OutFile> out_files(const std::vector<PlannedExtension>& plan) {
  std::vector<OutFile> files;
  for (const PlannedExtension& p : plan)
    for (const auto& [key, value] : p.options->values())
      if (value.type == TK_OPTION_OUT_FILE && !value.s.empty()) files.push_back({&p, key, &value});
  return files;
}

// Note [When two out-file names collide], and a file where another name needs a folder.
void check_out_file_collisions(const std::vector<OutFile>& files) {
  for (size_t j = 0; j < files.size(); ++j) {
    const std::string& b = files[j].value->s;
    for (size_t i = 0; i < j; ++i) {
      const std::string& a = files[i].value->s;
      if (could_name_same_file(a, b))
        throw ConfigError(str_cat(files[j].where(), ": ", quoted_value(b), " can name the same file in the output folder as ",
                                  files[i].what(), ", so one would overwrite the other",
                                  a == b ? "" : " ({iteration} and {epoch} stand for any number)",
                                  "; give one of them another name"));
      for (const auto& [file, folder] : {std::pair(a, out_file_folder(b)), std::pair(b, out_file_folder(a))}) {
        if (folder.empty() || !could_name_folder(file, folder)) continue;
        const OutFile& needs = file == a ? files[j] : files[i];
        const OutFile& other = file == a ? files[i] : files[j];
        throw ConfigError(str_cat(needs.where(), ": ", quoted_value(needs.value->s), " needs the folder ",
                                  quoted_value(folder), ", which ", other.what(), " can name as a file"));
      }
    }
  }
}

// What already exists on the way to a name's folder must be a folder (validate and run agree).
void check_out_folders_on_disk(const std::vector<OutFile>& files, const std::string& out_dir) {
  for (const OutFile& f : files) {
    const std::string folder = out_file_folder(f.value->s);
    for (size_t end = folder.find('/'); !folder.empty(); end = folder.find('/', end + 1)) {
      const std::string path = out_dir + "/" + folder.substr(0, end);
      struct stat st {};
      if (::stat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode))
        throw ConfigError(str_cat(f.where(), ": ", quoted_value(f.value->s), " needs the folder ", path,
                                  ", but that exists and is not a folder"));
      if (end == std::string::npos) break;
    }
  }
}

}  // namespace

std::vector<PlannedExtension> plan_extensions(const Manifest& manifest, const PluginRegistry& registry) {
  std::vector<PlannedExtension> plan;
  for (size_t i = 0; i < manifest.extensions.size(); ++i) {
    const ExtensionConfig& cfg = manifest.extensions[i];
    const LoadedPlugin* plugin = nullptr;
    const tk_extension_class* cls = registry.find_class(cfg.use, &plugin);
    TK_CHECK(cls != nullptr, ConfigError, unknown_class_message(cfg, registry));
    PlannedExtension p;
    p.name = cfg.name;
    p.cls = cls;
    p.plugin = plugin;
    p.priority = cfg.priority ? *cfg.priority : cls->default_priority;
    p.trigger = cfg.trigger ? *cfg.trigger : class_default_trigger(*cls, *plugin);
    p.options = bind_options(cfg, *cls, manifest.trainer.out);
    p.options->set_instance_name(cfg.name);
    p.manifest_index = i;
    p.pos = cfg.pos;
    plan.push_back(std::move(p));
  }
  const std::vector<OutFile> files = out_files(plan);
  check_out_file_collisions(files);
  check_out_folders_on_disk(files, manifest.trainer.out);
  return plan;
}

void make_out_folders(const std::vector<PlannedExtension>& plan, const std::string& out_dir) {
  for (const OutFile& f : out_files(plan)) {
    const std::string folder = out_file_folder(f.value->s);
    if (folder.empty()) continue;
    try {
      make_directories(out_dir + "/" + folder);
    } catch (const ConfigError& e) {
      throw ConfigError(str_cat(f.where(), ": ", e.what()));
    }
  }
}

std::string describe_plan(const Manifest& m, const std::vector<PlannedExtension>& plan) {
  std::ostringstream out;
  out << "manifest   " << m.path << "\n";
  out << "out        " << m.trainer.out << "\n";
  out << "stop       " << describe(m.trainer.stop);
  if (m.trainer.early_stop.enabled)
    out << " (early stopping on " << m.trainer.early_stop.monitor << ", "
        << (m.trainer.early_stop.maximize ? "max" : "min") << ", patience " << m.trainer.early_stop.patience << ")";
  out << "\nseed       " << m.trainer.seed << "\nthreads    "
      << (m.trainer.threads == 0 ? std::string("LibTorch default") : std::to_string(m.trainer.threads)) << "\n";
  if (!m.model.torchscript.empty())
    out << "model      torchscript " << m.model.torchscript << "\n";
  else
    out << "model      " << m.model.builtin << "\n";
  out << "data       " << m.data.format << " " << m.data.root << " train=" << m.data.train
      << " validation=" << (m.data.validation.empty() ? "-" : m.data.validation) << " batch_size=" << m.data.batch_size
      << (m.data.shuffle ? " shuffled" : "") << "\n";
  out << "optimizer  " << m.optimizer.name << " lr=" << m.optimizer.lr << "\n";
  out << "loss       " << m.loss.name << "\n";
  out << "extensions (in the order they run within an iteration)\n";
  std::vector<const PlannedExtension*> ordered;
  for (const auto& p : plan) ordered.push_back(&p);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const PlannedExtension* a, const PlannedExtension* b) { return a->priority > b->priority; });
  for (const PlannedExtension* p : ordered) {
    out << "  " << p->name << "  (" << p->cls->name << " from " << p->plugin->id << " " << p->plugin->version
        << ")  trigger " << describe(p->trigger) << "  priority " << p->priority << "\n";
    for (const auto& [key, value] : p->options->values()) {
      out << "      " << key << " = ";
      switch (value.type) {
        case TK_OPTION_BOOL: out << (value.b ? "true" : "false"); break;
        case TK_OPTION_INT: out << value.i; break;
        case TK_OPTION_FLOAT: out << value.f; break;
        case TK_OPTION_STRING:
        case TK_OPTION_CHOICE:
        case TK_OPTION_OUT_FILE:
        case TK_OPTION_TRIGGER: out << quoted_value(value.s); break;
        case TK_OPTION_STRING_LIST: {
          out << "[";
          for (size_t k = 0; k < value.strings.size(); ++k) out << (k ? ", " : "") << '"' << value.strings[k] << '"';
          out << "]";
          break;
        }
        case TK_OPTION_FLOAT_LIST: {
          out << "[";
          for (size_t k = 0; k < value.floats.size(); ++k) out << (k ? ", " : "") << value.floats[k];
          out << "]";
          break;
        }
        case TK_OPTION_INT_LIST: {
          out << "[";
          for (size_t k = 0; k < value.ints.size(); ++k) out << (k ? ", " : "") << value.ints[k];
          out << "]";
          break;
        }
      }
      out << (value.from_manifest ? "" : "  (default)") << "\n";
    }
  }
  return out.str();
}

}  // namespace trainkit
