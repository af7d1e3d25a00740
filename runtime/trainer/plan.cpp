#include "trainer/plan.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "core/error.h"
#include "core/spelling.h"

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
    plan.push_back(std::move(p));
  }
  return plan;
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
        case TK_OPTION_TRIGGER: out << '"' << value.s << '"'; break;
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
