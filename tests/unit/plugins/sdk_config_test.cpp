// The C++ wrapper's side of ABI 1.1 (sdk/config.hpp, sdk/plugin.hpp): choice declarations and the choice
// getter, and the out folder a plugin knows from construction on -- through create, as the host calls it.
#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <string>

#include <trainkit/sdk.hpp>

namespace {

// A tk_config over a name -> string map, with the out folder; struct_size as a host of some minor sets it.
using Values = std::map<std::string, std::string>;

struct StringConfig {
  Values values;
  std::string out = "/runs/a/result";
  tk_config raw{};

  StringConfig(const StringConfig&) = delete;  // raw.ctx points at this object
  explicit StringConfig(Values v) : values(std::move(v)) {
    raw.struct_size = sizeof(tk_config);
    raw.ctx = this;
    raw.get_str = [](const tk_config* c, const char* name, const char** out) -> tk_status {
      auto& values = static_cast<const StringConfig*>(c->ctx)->values;
      auto it = values.find(name);
      if (it == values.end()) return TK_NOT_FOUND;
      *out = it->second.c_str();
      return TK_OK;
    };
    raw.instance_name = "probe";
    raw.out_dir = out.c_str();
  }
};

// Records what the wrapper lets it see: the out folder in the constructor (cfg) and in visit (out_dir()).
class Probe final : public tk::Extension {
 public:
  static tk::ClassSpec spec() {
    return {"probe", "records what it sees", "1 iteration", TK_PRIORITY_READER, 0,
            {tk::option::choice("side", "left", {"left", "right"}, "a choice")}, /*state_version=*/1};
  }
  Probe(const tk::Config& cfg, const tk::Host& host) : Extension(host), side_(cfg.get_choice("side")) {
    seen_in_constructor = cfg.out_dir();
  }
  void call(tk::Context&) override {}
  void visit(tk::StateVisitor&) override { seen_in_visit = out_dir() + " " + side_; }

  static inline std::string seen_in_constructor, seen_in_visit;

 private:
  std::string side_;
};

const tk_extension_class& probe_class() { return *tk::detail::ClassTrampolines<Probe>::get(); }

}  // namespace

TEST_CASE("option::choice declares its set for the host, kept as long as the declaration") {
  const tk_option_decl d = tk::option::choice("format", "json", {"json", "jsonl", ""}, "file format");
  CHECK(d.struct_size == sizeof(tk_option_decl));
  CHECK(d.type == TK_OPTION_CHOICE);
  CHECK(tk::choices_of(d) == std::vector<std::string>{"json", "jsonl", ""});
  CHECK(tk::choices_of(tk::option::string("name", "x", "")).empty());
  const tk::OptionDecls decls(probe_class());
  REQUIRE_FALSE(decls.problem());
  CHECK(tk::choices_of(*decls.find("side")) == std::vector<std::string>{"left", "right"});
}

TEST_CASE("Config::get_choice returns a declared value and refuses any other, listing the set") {
  StringConfig right(Values{{"side", "right"}});
  CHECK(tk::Config(&right.raw, &probe_class()).get_choice("side") == "right");
  StringConfig wrong(Values{{"side", "up"}});
  CHECK_THROWS_WITH(tk::Config(&wrong.raw, &probe_class()).get_choice("side"),
                    "side must be one of \"left\", \"right\"; got \"up\"");
}

TEST_CASE("Config::out_dir is read only when the host's view has it") {
  StringConfig config(Values{});
  CHECK(tk::Config(&config.raw).out_dir() == "/runs/a/result");
  config.raw.struct_size = offsetof(tk_config, out_dir);  // a view as an ABI 1.0 host builds it
  CHECK(tk::Config(&config.raw).out_dir() == "");
}

TEST_CASE("an extension knows the out folder from its constructor on, visit included") {
  StringConfig config(Values{{"side", "right"}});
  const tk_host host{sizeof(tk_host), {TK_ABI_MAJOR, TK_ABI_MINOR}, "test", "0", nullptr,
                     [](const tk_host*, const char*) -> const void* { return nullptr; }};
  const tk_extension_class& cls = probe_class();
  void* instance = nullptr;
  tk_error err{sizeof(tk_error), TK_OK, {0}};
  REQUIRE(cls.create(&cls, &config.raw, &host, &instance, &err) == TK_OK);
  CHECK(Probe::seen_in_constructor == "/runs/a/result");
  config.out = "changed";  // the wrapper keeps its own copy: the view's string may go
  tk_state_visitor visitor{};
  visitor.struct_size = sizeof visitor;
  visitor.mode = TK_VISIT_LOAD;
  CHECK(cls.visit_state(instance, &visitor, &err) == TK_OK);
  CHECK(Probe::seen_in_visit == "/runs/a/result right");
  cls.destroy(instance);
}
