#include "sink/human_units.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

using namespace tcpstate;
using namespace tcpstate::sink;

namespace {

std::string bytes(std::uint64_t value) {
  std::string out;
  append_human_bytes(out, value);
  return out;
}

std::string duration(TimeNs ns) {
  std::string out;
  append_human_duration(out, ns);
  return out;
}

} // namespace

TEST_CASE("append_human_bytes") {
  SUBCASE("exact below 1024") {
    CHECK(bytes(0) == "0");
    CHECK(bytes(517) == "517");
    CHECK(bytes(1023) == "1023");
  }
  SUBCASE("one decimal below ten of a unit, rounded to nearest") {
    CHECK(bytes(1024) == "1.0K");
    CHECK(bytes(1229) == "1.2K"); // 1.2002
    CHECK(bytes(1280) == "1.3K"); // 1.25 rounds away from zero
    CHECK(bytes(3'565'158) == "3.4M");
    CHECK(bytes(10'188) == "9.9K");
  }
  SUBCASE("whole numbers from ten, and never 1024 of a unit") {
    CHECK(bytes(10'189) == "10K"); // 9.95 rounds to 10.0: no "10.0K"
    CHECK(bytes(std::uint64_t{12} * 1024) == "12K");
    CHECK(bytes(std::uint64_t{1023} * 1024) == "1023K");
    CHECK(bytes(std::uint64_t{1024} * 1024 - 1) == "1.0M");
    CHECK(bytes(std::uint64_t{5} << 30) == "5.0G");
    CHECK(bytes(std::uint64_t{700} << 40) == "700T");
  }
  SUBCASE("the largest count still has a unit") {
    CHECK(bytes(std::numeric_limits<std::uint64_t>::max()) == "16E");
  }
}

TEST_CASE("append_human_duration") {
  SUBCASE("seconds with milliseconds below a minute, truncated") {
    CHECK(duration(0) == "0.000s");
    CHECK(duration(4'999'999) == "0.004s");
    CHECK(duration(12 * k_ns_per_second + 345'678'901) == "12.345s");
    CHECK(duration(60 * k_ns_per_second - 1) == "59.999s");
  }
  SUBCASE("minutes, hours, days") {
    CHECK(duration(60 * k_ns_per_second) == "1m00s");
    CHECK(duration((12 * 60 + 3) * k_ns_per_second) == "12m03s");
    CHECK(duration((5 * 3600 + 7 * 60 + 59) * k_ns_per_second) == "5h07m");
    CHECK(duration((2 * 86400 + 3 * 3600) * k_ns_per_second) == "2d03h");
  }
  SUBCASE("a negative duration is zero") {
    CHECK(duration(-5) == "0.000s");
  }
}
