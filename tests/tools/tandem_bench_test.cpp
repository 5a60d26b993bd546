// tandem-bench: its command line, a tiny report validated against the published schema
// (docs/tandem-bench.schema.json), and compare. Run again on the emulated device by the
// emulated. rerun, which exercises the device section (transfers, latency, crossover).

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <tandem/tandem.hpp>
#include <vector>

#include "options.hpp"
#include "report.hpp"

namespace {

namespace bt = tandem::bench_tool;
using tandem::calibrate::Json;

bt::Options parse(std::vector<const char*> args) {
  args.insert(args.begin(), "tandem-bench");
  return bt::parse_options(static_cast<int>(args.size()), args.data());
}

std::string usage_error(std::vector<const char*> args) {
  try {
    parse(std::move(args));
  } catch (const bt::UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TandemBenchOptions, Defaults) {
  const bt::Options o = parse({});
  EXPECT_EQ(o.command, "report");
  EXPECT_EQ(o.mode, bt::Mode::standard);
  EXPECT_EQ(o.measurements, bt::all_measurements());
  EXPECT_TRUE(o.devices.empty());
  EXPECT_EQ(o.command_line, "tandem-bench");
}

TEST(TandemBenchOptions, EveryOption) {
  const bt::Options o = parse({"report", "--quick", "--threads", "3", "--device", "cpu,emulated", "--ops",
                               "sum,add,bandwidth", "--json", "out.json", "--budget", "0.5", "--max-size", "4096"});
  EXPECT_EQ(o.command, "report");
  EXPECT_EQ(o.mode, bt::Mode::quick);
  EXPECT_EQ(o.threads, 3);
  EXPECT_EQ(o.devices, (std::vector<std::string>{"cpu", "emulated"}));
  // Measurements run in the report's order, whatever the order asked.
  EXPECT_EQ(o.measurements, (std::vector<std::string>{"bandwidth", "add", "sum"}));
  EXPECT_EQ(o.json_path, "out.json");
  EXPECT_EQ(o.budget_s, 0.5);
  EXPECT_EQ(o.max_size, 4096u);
  EXPECT_EQ(parse({"--full"}).mode, bt::Mode::full);
  EXPECT_EQ(parse({"--help"}).command, "help");
  const bt::Options c = parse({"compare", "a.json", "b.json"});
  EXPECT_EQ(c.command, "compare");
  EXPECT_EQ(c.compare_files, (std::vector<std::string>{"a.json", "b.json"}));
}

TEST(TandemBenchOptions, BadArgumentsAreNamed) {
  EXPECT_EQ(usage_error({"--frobnicate"}), "unknown option '--frobnicate'");
  EXPECT_NE(usage_error({"--ops", "add,fft"}).find("unknown measurement 'fft'"), std::string::npos);
  EXPECT_NE(usage_error({"--ops", ""}).find("unknown measurement ''"), std::string::npos);
  EXPECT_NE(usage_error({"--device", "tpu"}).find("unknown backend 'tpu'"), std::string::npos);
  for (const char* n : {"0", "-2", "1.5", "two", ""}) {
    EXPECT_NE(usage_error({"--threads", n}).find("--threads"), std::string::npos) << n;
  }
  EXPECT_NE(usage_error({"--budget", "nan"}).find("--budget"), std::string::npos);
  EXPECT_NE(usage_error({"--max-size", "8"}).find("--max-size"), std::string::npos);
  EXPECT_EQ(usage_error({"--json"}), "--json needs a value");
  EXPECT_EQ(usage_error({"--quick", "--full"}), "--quick and --full exclude each other");
  EXPECT_NE(usage_error({"compare", "a.json"}).find("two report files"), std::string::npos);
  EXPECT_NE(usage_error({"benchmark"}).find("'benchmark'"), std::string::npos);
}

// A subset of JSON Schema (type, const, enum, required, properties, items, minimum): what
// docs/tandem-bench.schema.json uses. Appends one line per violation.
void validate(const Json& v, const Json& schema, const std::string& path, std::vector<std::string>& errors) {
  const auto fail = [&](const std::string& what) { errors.push_back(path + ": " + what); };
  if (const Json* type = schema.find("type")) {
    std::vector<std::string> types;
    if (type->is_string())
      types.push_back(type->string());
    else
      for (const Json& t : type->items()) types.push_back(t.string());
    bool ok = false;
    for (const std::string& t : types) {
      ok = ok || (t == "object" && v.is_object()) || (t == "array" && v.is_array()) ||
           (t == "string" && v.is_string()) || (t == "number" && v.is_number()) || (t == "null" && v.is_null()) ||
           (t == "integer" && v.is_number() && v.number() == static_cast<double>(static_cast<long long>(v.number())));
    }
    if (!ok) return fail("wrong type (" + v.dump(0).substr(0, 40) + ")");
  }
  if (const Json* c = schema.find("const")) {
    if (c->dump(0) != v.dump(0)) fail("not " + c->dump(0));
  }
  if (const Json* e = schema.find("enum")) {
    bool found = false;
    for (const Json& option : e->items()) found = found || option.dump(0) == v.dump(0);
    if (!found) fail(v.dump(0) + " not in the enum");
  }
  if (const Json* m = schema.find("minimum"); m != nullptr && v.is_number() && v.number() < m->number()) {
    fail("below the minimum");
  }
  if (const Json* required = schema.find("required")) {
    for (const Json& key : required->items()) {
      if (v.find(key.string()) == nullptr) fail("missing \"" + key.string() + "\"");
    }
  }
  if (const Json* props = schema.find("properties"); props != nullptr && v.is_object()) {
    for (const auto& [key, sub] : props->members()) {
      if (const Json* member = v.find(key)) validate(*member, sub, path + "." + key, errors);
    }
  }
  if (const Json* items = schema.find("items"); items != nullptr && v.is_array()) {
    for (std::size_t i = 0; i < v.items().size(); ++i) {
      validate(v.items()[i], *items, path + "[" + std::to_string(i) + "]", errors);
    }
  }
}

Json schema() {
  std::ifstream in(std::string(TANDEM_TEST_DATA_DIR) + "/../../docs/tandem-bench.schema.json");
  std::stringstream text;
  text << in.rdbuf();
  return Json::parse(text.str());
}

std::string temp_path(const std::string& name) {
  return testing::TempDir() + "tandem_bench_" + std::to_string(::getpid()) + "_" + name;
}

// A report in well under a second: every measurement on tiny arrays, one repetition each.
Json tiny_report(const char* ops) {
  return bt::run_report(parse({"--quick", "--ops", ops, "--budget", "0.0001", "--max-size", "4096"}));
}

TEST(TandemBenchReport, TinyReportValidatesAgainstTheSchema) {
  const Json report = Json::parse(tiny_report("bandwidth,peak,gemm,add,fma,exp,sum,sort,random,matmul,transfer,latency")
                                      .dump());  // what a file would hold
  std::vector<std::string> errors;
  validate(report, schema(), "report", errors);
  for (const std::string& e : errors) ADD_FAILURE() << e;

  // Every op on every backend, with a roofline fraction (bandwidth and peak were measured).
  const auto& devices = report.at("machine").at("devices").items();
  for (const Json& d : devices) {
    for (const char* op : {"add", "fma", "exp", "sum", "sort", "random", "matmul"}) {
      int found = 0;
      for (const Json& m : report.at("measurements").items()) {
        if (m.at("section").string() == "op" && m.at("name").string() == op &&
            m.at("backend").string() == d.at("name").string()) {
          ++found;
          if (d.at("kind").string() != "cuda") {
            EXPECT_NE(m.find("roofline"), nullptr) << op;
          }
        }
      }
      EXPECT_GT(found, 0) << op << " on " << d.at("name").string();
    }
  }
  // GEMM and bandwidth carry their references; a device has transfers, a latency and a
  // crossover entry per op.
  int references = 0, transfers = 0;
  for (const Json& m : report.at("measurements").items()) {
    if (const Json* ref = m.find("reference")) {
      ++references;
      EXPECT_GT(ref->at("ratio").number(), 0);
    }
    transfers += m.at("section").string() == "transfer";
  }
  EXPECT_EQ(references, 4 + 2);  // tandem's copy, scale, add, triad; matmul float32, float64
  const std::size_t device_count = devices.size() - 1;
  EXPECT_EQ(report.at("crossover").items().size(), 7 * device_count);
  if (device_count > 0) {
    EXPECT_GT(transfers, 0);
  }
}

TEST(TandemBenchReport, TheValidatorCatchesSchemaViolations) {
  const Json good = Json::parse(tiny_report("add").dump());
  std::vector<std::string> errors;
  validate(good, schema(), "report", errors);
  EXPECT_TRUE(errors.empty());
  for (const auto& [from, to] :
       std::vector<std::pair<std::string, std::string>>{{"\"schema_version\": 1", "\"schema_version\": 2"},
                                                        {"\"mode\": \"quick\"", "\"mode\": \"fast\""},
                                                        {"\"section\": \"op\"", "\"section\": \"ops\""},
                                                        {"\"unit\": \"GB/s\"", "\"unit\": 1"},
                                                        {"\"repetitions\": ", "\"reps\": "},
                                                        {"\"threads\": ", "\"threads\": -"}}) {
    std::string text = good.dump();
    const std::size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    errors.clear();
    validate(Json::parse(text), schema(), "report", errors);
    EXPECT_FALSE(errors.empty()) << to;
  }
}

TEST(TandemBenchReport, OpsFilterMeasuresOnlyWhatWasAsked) {
  const Json report = tiny_report("add");
  for (const Json& m : report.at("measurements").items()) {
    EXPECT_EQ(m.at("name").string(), "add");
    EXPECT_EQ(m.at("section").string(), "op");
    EXPECT_EQ(m.find("roofline"), nullptr);  // no bandwidth measured, so no limit to compare with
  }
  EXPECT_FALSE(report.at("measurements").items().empty());
}

TEST(TandemBenchReport, AnAbsentBackendIsNamed) {
  if (tandem::has_gpu()) GTEST_SKIP() << "a CUDA device is present";
  try {
    bt::run_report(parse({"--device", "cuda", "--ops", "add"}));
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("--device cuda: no such backend"), std::string::npos) << e.what();
  }
}

TEST(TandemBenchReport, PrintsAndComparesFromFiles) {
  const Json a = tiny_report("bandwidth,add,latency");
  const Json b = tiny_report("bandwidth,add,sum");
  const std::string pa = temp_path("a.json"), pb = temp_path("b.json");
  std::ofstream(pa) << a.dump();
  std::ofstream(pb) << b.dump();

  char* text = nullptr;
  std::size_t length = 0;
  std::FILE* out = open_memstream(&text, &length);
  bt::print_report(bt::load_report(pa), out);
  bt::print_comparison(bt::load_report(pa), bt::load_report(pb), out);
  std::fclose(out);
  const std::string printed(text, length);
  std::free(text);
  EXPECT_NE(printed.find("Memory bandwidth"), std::string::npos);
  EXPECT_NE(printed.find("triad stream"), std::string::npos);
  EXPECT_NE(printed.find("B / A"), std::string::npos);
  EXPECT_NE(printed.find("op add tandem cpu float32"), std::string::npos);
  // latency only in A, sum only in B.
  std::size_t only_b = 0;
  for (const Json& m : b.at("measurements").items()) only_b += m.at("name").string() == "sum";
  EXPECT_NE(printed.find("only in B"), std::string::npos);
  EXPECT_NE(printed.find(std::to_string(only_b) + " only in B"), std::string::npos) << printed;
  std::remove(pa.c_str());
  std::remove(pb.c_str());
}

TEST(TandemBenchReport, LoadRejectsWhatIsNotAReport) {
  const std::string p = temp_path("bad.json");
  for (const char* bad : {"{\"schema\": \"other\", \"schema_version\": 1}",
                          "{\"schema\": \"tandem-bench\", "
                          "\"schema_version\": 99}",
                          "[1, 2", "[]"}) {
    std::ofstream(p) << bad;
    EXPECT_THROW(bt::load_report(p), tandem::calibrate::JsonError) << bad;
  }
  std::remove(p.c_str());
  EXPECT_THROW(bt::load_report(temp_path("missing.json")), std::runtime_error);
}

}  // namespace
