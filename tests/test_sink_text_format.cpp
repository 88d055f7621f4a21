#include "sink/text_format.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace tcpstate;
using namespace tcpstate::sink;

namespace {

std::string csv(std::string_view field) {
  std::string out;
  append_csv_field(out, field);
  return out;
}

std::string json(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

std::string duration(TimeNs ns) {
  std::string out;
  append_duration(out, ns);
  return out;
}

std::string endpoint(const std::string& text, std::uint16_t port) {
  IpAddress address;
  REQUIRE(IpAddress::parse(text, address));
  std::string out;
  append_endpoint(out, address, port);
  return out;
}

} // namespace

TEST_CASE("csv fields are quoted only when RFC 4180 requires it") {
  CHECK(csv("") == "");
  CHECK(csv("plain text; with: punctuation") == "plain text; with: punctuation");
  CHECK(csv("a,b") == "\"a,b\"");
  CHECK(csv("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv("line\nbreak") == "\"line\nbreak\"");
  CHECK(csv("carriage\rreturn") == "\"carriage\rreturn\"");
}

TEST_CASE("json strings escape quotes, backslashes and control characters") {
  CHECK(json("") == R"("")");
  CHECK(json("a \"b\" c\\d") == R"("a \"b\" c\\d")");
  CHECK(json("tab\there\nnl") == R"("tab\u0009here\u000anl")");
  CHECK(json(std::string_view("\x01\x1f\x7f", 3)) == "\"\\u0001\\u001f\x7f\"");
  CHECK(json(std::string_view("nul\0", 4)) == R"("nul\u0000")");
}

TEST_CASE("json strings keep valid UTF-8 and replace invalid bytes") {
  CHECK(json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") ==
        "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  CHECK(json("\x80") == R"("\ufffd")");                               // stray continuation byte
  CHECK(json("\xc0\xaf") == R"("\ufffd\ufffd")");                     // overlong '/'
  CHECK(json("\xe2\x82") == R"("\ufffd\ufffd")");                     // truncated sequence
  CHECK(json("\xed\xa0\x80") == R"("\ufffd\ufffd\ufffd")");           // UTF-16 surrogate
  CHECK(json("\xf5\x80\x80\x80") == R"("\ufffd\ufffd\ufffd\ufffd")"); // above U+10FFFF
  CHECK(json("a\xffz") == R"("a\ufffdz")");
}

TEST_CASE("durations have six decimals, truncated to the microsecond") {
  CHECK(duration(0) == "0.000000");
  CHECK(duration(999) == "0.000000");
  CHECK(duration(1'000) == "0.000001");
  CHECK(duration(1'500'000'000) == "1.500000");
  CHECK(duration(86'400 * k_ns_per_second + 123'456'789) == "86400.123456");
  CHECK(duration(-2'500'000) == "-0.002500");
}

TEST_CASE("endpoints bracket IPv6 addresses") {
  CHECK(endpoint("10.0.0.1", 80) == "10.0.0.1:80");
  CHECK(endpoint("255.255.255.255", 65535) == "255.255.255.255:65535");
  CHECK(endpoint("::1", 443) == "[::1]:443");
  CHECK(endpoint("2001:db8::2", 0) == "[2001:db8::2]:0");
}

TEST_CASE("padding pads only what was appended, and never cuts") {
  std::string out = "x|";
  std::size_t start = out.size();
  out += "ab";
  pad_right_from(out, start, 5);
  CHECK(out == "x|ab   ");
  start = out.size();
  out += "12";
  pad_left_from(out, start, 4);
  CHECK(out == "x|ab     12");
  start = out.size();
  out += "toolong";
  pad_left_from(out, start, 3);
  pad_right_from(out, start, 3);
  CHECK(out == "x|ab     12toolong");
}

TEST_CASE("TimeFormatter matches format_iso8601") {
  TimeFormatter formatter;
  const TimeNs day = 86'400 * k_ns_per_second;
  const TimeNs samples[] = {
      0,
      1,
      999,
      1'714'557'600 * k_ns_per_second + 123'456'789,
      1'714'557'600 * k_ns_per_second + day - 1, // last nanosecond of a day
      1'714'557'600 * k_ns_per_second + day,     // and the next midnight
      1'714'557'600 * k_ns_per_second + 5 * k_ns_per_second,
      951'782'400 * k_ns_per_second + 12'345, // 2000-02-29
      -1,
      -day,
      -day - 1,
      4'102'444'799 * k_ns_per_second + 999'999'999, // 2099-12-31T23:59:59
  };
  for (const TimeNs time : samples) {
    std::string out;
    formatter.append(out, time);
    CHECK(out == format_iso8601(time));
  }
  std::string out;
  formatter.append(out, -1);
  CHECK(out == "1969-12-31T23:59:59.999999Z");
  out.clear();
  formatter.append(out, 1'714'557'600 * k_ns_per_second + 123'456'789);
  CHECK(out == "2024-05-01T10:00:00.123456Z");
}

TEST_CASE("IPv4 addresses are written as inet_ntop writes them") {
  for (const char* text : {"0.0.0.0", "1.2.3.4", "10.0.0.255", "99.100.101.199", "255.255.255.255",
                           "127.0.0.1", "192.168.9.10"}) {
    IpAddress address;
    REQUIRE(IpAddress::parse(text, address));
    std::string out;
    append_address(out, address);
    CHECK(out == text);
    CHECK(out == address.to_string());
  }
}
