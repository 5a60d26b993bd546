#include "calibrate/json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace {

using tandem::calibrate::Json;
using tandem::calibrate::JsonError;

TEST(CalibrateJson, RoundTripKeepsValuesAndMemberOrder) {
  Json j = Json::object();
  j["zeta"] = 1;
  j["alpha"] = "quote \" backslash \\ newline \n tab \t control \x01";
  j["pi"] = 3.141592653589793;
  j["tiny"] = 4.9e-324;
  j["big"] = 18446744073709551615.0;
  j["neg"] = -0.125;
  j["flags"].push_back(true);
  j["flags"].push_back(false);
  j["flags"].push_back(nullptr);
  j["nested"]["empty_array"] = Json::array();
  j["nested"]["empty_object"] = Json::object();
  for (const int indent : {0, 2}) {
    const Json back = Json::parse(j.dump(indent));
    EXPECT_EQ(back.dump(0), j.dump(0));
    EXPECT_EQ(back.members().front().first, "zeta");
    EXPECT_EQ(back.at("alpha").string(), j.at("alpha").string());
    EXPECT_EQ(back.at("pi").number(), 3.141592653589793);
    EXPECT_EQ(back.at("tiny").number(), 4.9e-324);
    EXPECT_EQ(back.at("neg").number(), -0.125);
    EXPECT_TRUE(back.at("flags").items()[2].is_null());
    EXPECT_TRUE(back.at("nested").at("empty_object").members().empty());
  }
}

TEST(CalibrateJson, NonFiniteNumbersAreWrittenAsNull) {
  Json j = Json::array();
  j.push_back(std::numeric_limits<double>::quiet_NaN());
  j.push_back(std::numeric_limits<double>::infinity());
  EXPECT_EQ(j.dump(0), "[null,null]");
}

TEST(CalibrateJson, ParsesEscapesAndWhitespace) {
  const Json j = Json::parse(" {\"a\" :\t[1 , -2.5e3, \"\\u00e9\\/\\n\"] }\n");
  ASSERT_EQ(j.at("a").items().size(), 3u);
  EXPECT_EQ(j.at("a").items()[1].number(), -2500);
  EXPECT_EQ(j.at("a").items()[2].string(), "\xc3\xa9/\n");
}

TEST(CalibrateJson, MalformedTextThrowsWithTheOffset) {
  for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "tru", "\"open", "1 2", "{\"a\":01x}", "[\"\x01\"]", "nul"}) {
    EXPECT_THROW(Json::parse(bad), JsonError) << bad;
  }
  try {
    Json::parse("[1, ?]");
    FAIL() << "no exception";
  } catch (const JsonError& e) {
    EXPECT_NE(std::string(e.what()).find("at byte 4"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Json::parse(std::string(300, '[') + std::string(300, ']')), JsonError);
}

TEST(CalibrateJson, WrongTypeOrMissingMemberThrows) {
  const Json j = Json::parse("{\"n\": 1}");
  EXPECT_THROW(static_cast<void>(j.at("n").string()), JsonError);
  EXPECT_THROW(static_cast<void>(j.at("missing")), JsonError);
  EXPECT_EQ(j.find("missing"), nullptr);
  EXPECT_THROW(static_cast<void>(j.items()), JsonError);
}

TEST(CalibrateJson, TimingRoundTrip) {
  tandem::calibrate::Timing t;
  t.repetitions = 7;
  t.min = 1e-6;
  t.median = 2e-6;
  t.mean = 2.5e-6;
  t.max = 5e-6;
  const Json j = tandem::calibrate::to_json(t);
  EXPECT_DOUBLE_EQ(j.at("spread").number(), 2.0);
  const auto back = tandem::calibrate::timing_from_json(Json::parse(j.dump()));
  EXPECT_EQ(back.repetitions, 7);
  EXPECT_EQ(back.median, 2e-6);
  EXPECT_EQ(back.max, 5e-6);
}

}  // namespace
