#include "tcpstate/cli/at_time.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace tcpstate;
using namespace tcpstate::cli;

namespace {

// 2026-11-22T04:56:25.692382Z, the first packet of a kernel capture.
constexpr TimeNs k_first = 1'795'323'385'692'382'000;

AtTime parsed(const std::string& text) {
  AtTime at;
  std::string reason = parse_at_time(text, at);
  INFO(text << ": " << reason);
  REQUIRE(reason.empty());
  return at;
}

std::string reason_for(const std::string& text) {
  AtTime at;
  std::string reason = parse_at_time(text, at);
  CHECK_FALSE(at.enabled());
  return reason;
}

} // namespace

TEST_CASE("parse_at_time") {
  SUBCASE("ISO times: UTC without a zone, Z, offsets, a space instead of T") {
    CHECK(parsed("2026-11-22T04:56:25.692382Z").resolve(0) == k_first);
    CHECK(parsed("2026-11-22T04:56:25.692382").resolve(0) == k_first);
    CHECK(parsed("2026-11-22 04:56:25.692382").resolve(0) == k_first);
    CHECK(parsed("2026-11-22T05:56:25.692382+01:00").resolve(0) == k_first);
    CHECK(parsed("2026-11-21T23:26:25.692382-0530").resolve(0) == k_first);
    CHECK(parsed("1970-01-01T00:00:00Z").resolve(5) == 0);
    CHECK(parsed("2026-11-22T04:56:25.5").resolve(0) == k_first - 192'382'000);
  }
  SUBCASE("seconds from the first packet") {
    const AtTime at = parsed("12.5");
    CHECK(at.kind == AtTime::Kind::from_start);
    CHECK(at.resolve(k_first) == k_first + 12'500'000'000);
    CHECK(parsed("0").resolve(k_first) == k_first);
    CHECK(parsed("3s").resolve(k_first) == k_first + 3'000'000'000);
    CHECK(parsed("0.000000001").resolve(k_first) == k_first + 1);
  }
  SUBCASE("a time of day: the first packet's day, or the next when earlier than it") {
    CHECK(parsed("04:56:26").resolve(k_first) == k_first + 307'618'000);
    CHECK(parsed("04:56:25.692382Z").resolve(k_first) == k_first);
    const TimeNs next_day = parsed("00:10:00").resolve(k_first);
    CHECK(next_day == parsed("2026-11-23T00:10:00Z").resolve(0));
  }
  SUBCASE("each bad input says why") {
    CHECK(reason_for("").starts_with("empty"));
    CHECK(reason_for("noon").starts_with("not an ISO time"));
    CHECK(reason_for("-3").starts_with("not an ISO time"));
    CHECK(reason_for("25:00:00") == "no such time of day");
    CHECK(reason_for("12:60:00") == "no such time of day");
    CHECK(reason_for("2026-02-30T00:00:00") == "no such date");
    CHECK(reason_for("2026-11-22") == "expected T or a space between the date and the time");
    CHECK(reason_for("2026-11-22T4:56:25") == "expected HH:MM:SS");
    CHECK(reason_for("1.") == "a fraction of a second has 1 to 9 digits");
    CHECK(reason_for("1.1234567890") == "a fraction of a second has 1 to 9 digits");
    CHECK(reason_for("12x") == "seconds from the capture start are a plain number such as 12.5");
    CHECK(reason_for("99999999999") == "too many digits");
    CHECK(reason_for("2026-11-22T04:56:25+1") == "a zone offset is Z, +HH:MM or -HH:MM");
    CHECK(reason_for("2026-11-22T04:56:25 junk") == "unexpected text after the time");
    CHECK(reason_for("04:56:25+01:00") == "a time of day is UTC; give a zone with a full date");
    CHECK(reason_for("3000-01-01T00:00:00Z") == "outside the years 1680 to 2260");
  }
}
