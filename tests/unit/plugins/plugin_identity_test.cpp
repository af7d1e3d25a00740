// Every standard plugin presents itself as one table says: id org.trainkit.<name>, version 1.0.0, no
// LibTorch, one class named like the plugin with its default trigger, priority, flags and state versions,
// and its options in order with their defaults; an instance made from the defaults (plus the required
// options) is valid. Adding a standard plugin means adding its row here.
#include <catch2/catch.hpp>

#include <trainkit/sdk/option_decls.hpp>

#include <string>
#include <vector>

#include "fake_snapshot_service.h"
#include "plugin_host.h"

using namespace tk_test;

namespace {

// One declared option: its default as text, or no default (nullptr), and whether the manifest must give it.
struct OptionRow {
  const char* name;
  const char* default_value;
  bool required = false;
};
OptionRow with_default(const char* name, const char* value) { return {name, value, false}; }
OptionRow no_default(const char* name) { return {name, nullptr, false}; }
OptionRow required(const char* name) { return {name, nullptr, true}; }

struct PluginRow {
  const char* name;  // plugin file, class name and the last part of the id
  const char* default_trigger;
  int32_t default_priority;
  uint32_t flags;
  uint32_t state_version;  // 0: stateless; a stateful class loads every version from 1 on
  std::vector<OptionRow> options;
  Options required_values;  // for the instance made from the defaults
};

// The two options every shift plugin starts with (sdk/shift.hpp).
std::vector<OptionRow> shift_options(std::vector<OptionRow> own) {
  own.insert(own.begin(), {with_default("attr", "lr"), with_default("param_group", "-1")});
  return own;
}

const std::vector<PluginRow>& standard_plugins() {
  static const std::vector<PluginRow> rows = {
      {"checkpoint", "1 epoch", TK_PRIORITY_READER, 0, 1,
       {with_default("objects", "[\"model\"]"), with_default("n_saved", "1"), with_default("score_key", ""),
        with_default("score_sign", "1.0"), with_default("score_name", ""), with_default("global_step", ""),
        with_default("filename_prefix", ""), with_default("filename_pattern", ""), with_default("ext", ""),
        with_default("include_self", "false"), with_default("greater_or_equal", "false"),
        with_default("format", "trainkit")},
       {}},
      {"cosine_shift", "1 iteration", TK_PRIORITY_READER, 0, 1,
       shift_options({required("period"), with_default("end", "0.0"), no_default("init"),
                      with_default("cycle", "false")}),
       {{"period", int64_t{10}}}},
      {"evaluator", "1 epoch", TK_PRIORITY_WRITER, 0, 0,
       {with_default("split", "validation"), with_default("prefix", "validation")},
       {}},
      {"exponential_shift", "1 iteration", TK_PRIORITY_READER, 0, 1,
       shift_options({required("rate"), no_default("init"), no_default("target")}),
       {{"rate", 0.5}}},
      {"fail_on_non_number", "1 iteration", TK_PRIORITY_READER, 0, 0, {with_default("check_grad", "true")}, {}},
      {"inverse_shift", "1 iteration", TK_PRIORITY_READER, 0, 1,
       shift_options({required("gamma"), required("power"), no_default("init"), no_default("target")}),
       {{"gamma", 0.1}, {"power", 0.5}}},
      {"linear_shift", "1 iteration", TK_PRIORITY_READER, 0, 1,
       shift_options({required("value_range"), required("time_range")}),
       {{"value_range", std::vector<double>{0.1, 0.01}}, {"time_range", std::vector<int64_t>{0, 10}}}},
      {"log_report", "1 epoch", TK_PRIORITY_READER, TK_EXTENSION_WANTS_SUMMARY, 1,
       {with_default("keys", "[]"), with_default("filename", "log"), with_default("format", "auto")},
       {}},
      {"multistep_shift", "1 iteration", TK_PRIORITY_READER, 0, 1,
       shift_options({required("gamma"), required("step_value"), no_default("init")}),
       {{"gamma", 0.1}, {"step_value", std::vector<int64_t>{10, 20}}}},
      {"observe_lr", "1 epoch", TK_PRIORITY_WRITER, 0, 0,
       {with_default("observation_key", "lr"), with_default("param_group", "0")},
       {}},
      {"plot_report", "1 epoch", TK_PRIORITY_READER, TK_EXTENSION_WANTS_SUMMARY, 1,
       {required("y_keys"), with_default("x_key", "iteration"), with_default("filename", "plot.png"),
        with_default("marker", "x"), with_default("grid", "true"), with_default("width", "800"),
        with_default("height", "500"), with_default("title", "")},
       {{"y_keys", Strings{"main/loss"}}}},
      {"polynomial_shift", "1 iteration", TK_PRIORITY_READER, 0, 1,
       shift_options({required("rate"), required("max_count"), no_default("init"), no_default("target")}),
       {{"rate", 0.5}, {"max_count", int64_t{100}}}},
      {"print_report", "1 epoch", TK_PRIORITY_READER, TK_EXTENSION_WANTS_SUMMARY, 0, {with_default("entries", "[]")},
       {}},
      {"progress_bar", "1 iteration", TK_PRIORITY_READER, 0, 0,
       {with_default("update_interval", "100"), with_default("bar_length", "50")},
       {}},
      {"snapshot", "1 epoch", TK_PRIORITY_SNAPSHOT, TK_EXTENSION_CALL_ON_STOP, 1,
       {with_default("filename", "snapshot_iter_{iteration}"), with_default("target", "trainer"),
        with_default("condition", ""), with_default("writer", "simple"), with_default("queue_size", "2"),
        with_default("n_retains", "-1"), with_default("autoload", "false"), with_default("snapshot_on_error", "false"),
        with_default("format", "trainkit"), with_default("saver_rank", "0"), with_default("snapshot_mode", "default"),
        with_default("mode", "default")},
       {}},
      {"step_shift", "1 iteration", TK_PRIORITY_READER, 0, 1,
       shift_options({required("gamma"), required("step"), no_default("init"), no_default("target")}),
       {{"gamma", 0.5}, {"step", int64_t{10}}}},
      {"warmup_shift", "1 iteration", TK_PRIORITY_READER, 0, 1,
       shift_options({required("warmup_start"), required("warmup_iter"), no_default("init")}),
       {{"warmup_start", 0.0}, {"warmup_iter", int64_t{10}}}},
  };
  return rows;
}

std::string text_or_none(const char* s) { return s == nullptr ? "(no default)" : "\"" + std::string(s) + "\""; }

}  // namespace

TEST_CASE("every standard plugin presents itself as the table says") {
  for (const PluginRow& row : standard_plugins()) {
    DYNAMIC_SECTION(row.name) {
      SnapshotHost host;  // every service a standard plugin may ask for at create
      Plugin plugin(row.name, host);
      const tk_plugin_entry& e = plugin.entry();
      CHECK(std::string(e.descriptor->id) == std::string("org.trainkit.") + row.name);
      CHECK(std::string(e.descriptor->version) == "1.0.0");
      CHECK(e.descriptor->libtorch_version == nullptr);
      REQUIRE(e.class_count() == 1);
      const tk_extension_class& cls = *e.get_class(0);
      CHECK(std::string(cls.name) == row.name);
      CHECK(std::string(cls.default_trigger) == row.default_trigger);
      CHECK(cls.default_priority == row.default_priority);
      CHECK(cls.flags == row.flags);
      CHECK(cls.state_version == row.state_version);
      CHECK(cls.oldest_state_version == (row.state_version == 0 ? 0 : 1));
      CHECK((cls.visit_state != nullptr) == (row.state_version != 0));

      const tk::OptionDecls options(cls);  // the host's own walk of the array
      REQUIRE_FALSE(options.problem());
      REQUIRE(options.size() == row.options.size());
      for (size_t i = 0; i < options.size(); ++i) {
        const tk_option_decl& declared = options[i];
        const OptionRow& expected = row.options[i];
        INFO("option " << i << ": " << declared.name);
        CHECK(std::string(declared.name) == expected.name);
        CHECK(declared.doc != nullptr);
        CHECK(((declared.flags & TK_OPTION_REQUIRED) != 0) == expected.required);
        if (!expected.required) CHECK(text_or_none(declared.default_value) == text_or_none(expected.default_value));
      }
      Instance defaults(plugin, host, row.name, row.required_values);  // every default is valid
    }
  }
}
