#include "sink_test_reports.hpp"

#include "tcpstate/sink/summary.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

using namespace tcpstate;
using namespace tcpstate::sink;
using namespace tcpstate::sink::test;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// A capture with two connections, as the summary tests below expect it.
Summary small_summary() {
  Summary summary;
  summary.add(clean_report());
  summary.add(anomalous_report().report);
  summary.capture.packets_read = 100;
  summary.capture.packets_filtered = 7;
  summary.capture.tcp_segments = 90;
  summary.capture.skipped[static_cast<std::size_t>(decode::SkipReason::truncated_ip)] = 3;
  summary.capture.first_packet = k_base_time;
  summary.capture.last_packet = k_base_time + 61 * k_ns_per_second;
  summary.capture.input_errors.emplace_back("b.pcap: truncated record");
  return summary;
}

constexpr std::string_view k_summary_text = R"(Capture
  packets read                       100
  filtered out                         7
  TCP segments                        90
  skipped                              3
    truncated_ip                       3
  out-of-order timestamps              0
  input errors                         1
    b.pcap: truncated record
  first packet              2024-05-01T10:00:00.000000Z
  last packet               2024-05-01T10:01:01.000000Z
  span                      61.000000 s

Connections                            2
  fin                                  1
  rst                                  0
  refused                              0
  unanswered                           0
  open                                 1
  evicted                              0

Endpoint states at capture end
  STATE           CLIENT  SERVER
  CLOSED               0       1
  FIN_WAIT_2           1       0
  CLOSE_WAIT           0       1
  TIME_WAIT            1       0

Anomalies (connections with any: 1)
  half_open                            1
  close_wait_leak                      1

Notes
  midstream                            1

Servers with anomalous connections (top 1)
  server                 connections  anomalous  close_wait_leaks  rst_closes  refused  syn_received  syn_unanswered  syn_flood
  [2001:db8::2]:443                1          1                 1           0        0             0               0          0
)";

} // namespace

TEST_CASE("table rows align under the header; a long anomaly list widens its column") {
  const auto anomalous = anomalous_report();
  const std::string out = run_sink({Format::table, View::connections, true},
                                   {clean_report(), anomalous.report}, {}, small_summary());
  const auto lines = lines_of(out);
  REQUIRE(lines.size() > 4);
  CHECK(lines[0] == "    ID  CLIENT                 SERVER                 CLIENT STATE  "
                    "SERVER STATE  CLOSE       BY        PACKETS C/S  RETRANS C/S    BYTES C/S  "
                    "DURATION  ANOMALIES                  NOTES");
  CHECK(lines[1] == "     1  10.0.0.1:43210         10.0.0.2:80            TIME_WAIT     "
                    "CLOSED        fin         client          12/10          0/1     300/4.9K  "
                    "  2.376s  -                          -");
  CHECK(lines[2] == "     7  [2001:db8::1]:51000    [2001:db8::2]:443      FIN_WAIT_2    "
                    "CLOSE_WAIT    open        client            4/3          0/2         0/10  "
                    "   1m01s  half_open,close_wait_leak  midstream");
  // Every IPv4 cell starts where its header does.
  for (const std::string_view title : {"SERVER ", "CLIENT STATE", "CLOSE ", "ANOMALIES", "NOTES"}) {
    const std::size_t column = lines[0].find(title);
    CHECK(lines[1][column - 1] == ' ');
    CHECK(lines[1][column] != ' ');
  }
  CHECK(lines[3].empty());
  CHECK(out.substr(out.find("Capture\n")) == k_summary_text);
}

TEST_CASE("table IPv4 endpoints of maximum width still align") {
  conn::ConnectionReport report = clean_report();
  report.conn_id = 123456;
  report.endpoints[0].address = address("255.255.255.255");
  report.endpoints[0].port = 65535;
  const auto lines = lines_of(run_sink({Format::table, View::connections, true}, {report}));
  CHECK(lines[1].starts_with("123456  255.255.255.255:65535  10.0.0.2:80            TIME_WAIT"));
  CHECK(lines[1].size() ==
        lines_of(run_sink({Format::table, View::connections, true}, {clean_report()}))[1].size());
}

TEST_CASE("table --summary prints only the summary block") {
  const std::string out =
      run_sink({Format::table, View::summary, true}, {clean_report(), anomalous_report().report},
               {state_event()}, small_summary());
  CHECK(out == k_summary_text);
}

TEST_CASE("table anomalies_only with nothing to show says so") {
  const std::string out = run_sink({Format::table, View::anomalies_only, true}, {clean_report()});
  CHECK(out.starts_with("no anomalous connections\n\nCapture\n"));
}

TEST_CASE("table summary of an empty run") {
  const std::string out = run_sink({Format::table, View::summary, true}, {}, {}, Summary{});
  CHECK(out == R"(Capture
  packets read                         0
  filtered out                         0
  TCP segments                         0
  skipped                              0
  out-of-order timestamps              0
  input errors                         0

Connections                            0
  fin                                  0
  rst                                  0
  refused                              0
  unanswered                           0
  open                                 0
  evicted                              0

Endpoint states at capture end
  STATE           CLIENT  SERVER
  none

Anomalies (connections with any: 0)
  none

Notes
  none

Servers with anomalous connections: none
)");
}

TEST_CASE("table events view: one aligned line per event, then the summary") {
  const std::string out = run_sink({Format::table, View::events, true}, {clean_report()},
                                   {state_event(), anomaly_event()}, small_summary());
  const auto lines = lines_of(out);
  REQUIRE(lines.size() > 4);
  CHECK(lines[0] == "  PACKET  TIME                           CONN  CLIENT                 "
                    "SERVER                 SIDE    KIND          EVENT                        "
                    "REASON");
  CHECK(lines[1] == "       3  2024-05-01T10:00:00.000005Z       1  10.0.0.1:43210         "
                    "10.0.0.2:80            server  state_change  SYN_RECEIVED -> ESTABLISHED  "
                    "received ACK of SYN");
  CHECK(lines[2] == "       9  2024-05-01T10:00:00.000005Z       1  10.0.0.1:43210         "
                    "10.0.0.2:80            client  anomaly       rst_instead_of_fin           "
                    "RST, then nothing");
  CHECK(lines[3].empty());
  CHECK(lines[4] == "Capture");
}

TEST_CASE("table lists at most ten servers, worst first") {
  Summary summary;
  for (std::uint16_t port = 1; port <= 14; ++port) {
    // Port p gets p connections, p % 4 of them with an anomaly.
    for (std::uint16_t i = 0; i < port; ++i) {
      conn::ConnectionReport report = clean_report();
      report.endpoints[1].port = port;
      if (i < port % 4) {
        report.anomalies.set(anomaly::Anomaly::rst_instead_of_fin);
        report.close = conn::CloseKind::rst;
      }
      summary.add(report);
    }
  }
  const std::string out = run_sink({Format::table, View::summary, true}, {}, {}, summary);
  const std::string servers = out.substr(out.find("Servers with"));
  // Anomalous 3: ports 11, 7, 3; 2: 14, 10, 6, 2; 1: 13, 9, 5, and 1, which is cut;
  // 0: 12, 8, 4, never listed. Ties go to the busier server.
  const auto lines = lines_of(servers);
  REQUIRE(lines.size() == 12);
  CHECK(lines[0] == "Servers with anomalous connections (top 10)");
  CHECK(lines[2] == "  10.0.0.2:11                     11          3                 0           "
                    "3        0             0               0          0");
  CHECK(lines[3].starts_with("  10.0.0.2:7 "));
  CHECK(lines[4].starts_with("  10.0.0.2:3 "));
  CHECK(lines[5].starts_with("  10.0.0.2:14 "));
  CHECK(lines[6].starts_with("  10.0.0.2:10 "));
  CHECK(lines[11].starts_with("  10.0.0.2:5 "));
}

namespace {

conn::ConnectionReport wide_ipv6_report() {
  conn::ConnectionReport report = clean_report();
  report.conn_id = 2;
  report.endpoints[0].address = address("2001:470:1f11:81f:c999:d94:aa7c:2e3e");
  report.endpoints[0].port = 49185;
  report.endpoints[1].address = address("2001:db8:85a3:8d3:1319:8a2e:370:7348");
  report.endpoints[1].port = 443;
  return report;
}

// Each title starts where every row's cell of that column starts.
void check_aligned(const std::vector<std::string>& lines, std::size_t titles, std::size_t rows) {
  for (const std::string_view title :
       {"SERVER ", "CLIENT STATE", "SERVER STATE", "CLOSE ", "BY ", "ANOMALIES", "NOTES"}) {
    CAPTURE(title);
    const std::size_t column = lines[titles].find(title);
    REQUIRE(column != std::string::npos);
    for (std::size_t i = titles + 1; i <= titles + rows; ++i) {
      CAPTURE(lines[i]);
      CHECK(lines[i][column - 1] == ' ');
      CHECK(lines[i][column] != ' ');
    }
  }
}

} // namespace

TEST_CASE("table columns fit the widest IPv6 endpoint of a whole file") {
  const std::string out = run_sink({Format::table, View::connections, true},
                                   {clean_report(), wide_ipv6_report(), clean_report()});
  const auto lines = lines_of(out);
  REQUIRE(lines.size() > 4);
  CHECK(lines[0].starts_with("    ID  CLIENT                                        SERVER  "));
  CHECK(lines[2].starts_with("     2  [2001:470:1f11:81f:c999:d94:aa7c:2e3e]:49185  "
                             "[2001:db8:85a3:8d3:1319:8a2e:370:7348]:443  TIME_WAIT     CLOSED  "));
  check_aligned(lines, 0, 3);
  CHECK(lines[4].empty());
  CHECK(lines[5] == "Capture");
}

TEST_CASE("table streamed rows: a row that does not fit gets wider titles of its own") {
  SinkOptions options{Format::table, View::connections, true};
  options.delivery = Delivery::as_they_finish;
  std::ostringstream out;
  auto sink = make_sink(options, out);
  sink->on_connection(clean_report());
  // Printed at once, at the minimum widths: nothing is held back.
  CHECK(out.str().find("10.0.0.1:43210         10.0.0.2:80            TIME_WAIT") !=
        std::string::npos);
  sink->on_connection(wide_ipv6_report());
  sink->on_connection(clean_report());
  sink->on_finish(Summary{});
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() > 5);
  CHECK(lines[0].starts_with("    ID  CLIENT                 SERVER                 CLIENT STATE"));
  check_aligned(lines, 0, 1);
  CHECK(lines[2].starts_with("    ID  CLIENT                                        SERVER  "));
  check_aligned(lines, 2, 2);
  CHECK(lines[5].empty());
}

TEST_CASE("table streamed events widen the same way") {
  SinkOptions options{Format::table, View::events, true};
  options.delivery = Delivery::as_they_finish;
  conn::Event wide = state_event();
  wide.client_address = address("2001:470:1f11:81f:c999:d94:aa7c:2e3e");
  wide.client_port = 49185;
  const auto lines =
      lines_of(run_sink(options, {}, {state_event(), wide, state_event()}, Summary{}));
  REQUIRE(lines.size() > 5);
  CHECK(lines[0].starts_with("  PACKET  TIME"));
  CHECK(lines[2].starts_with("  PACKET  TIME"));
  const std::size_t side = lines[2].find("SIDE");
  CHECK(lines[3].substr(side, 6) == "server");
  CHECK(lines[4].substr(side, 6) == "server");
}

TEST_CASE("table counts wider than their column widen it too") {
  conn::ConnectionReport report = clean_report();
  report.conn_id = 12'345'678;
  report.endpoints[0].packets = 123'456'789;
  report.endpoints[1].packets = 987'654'321;
  const auto lines =
      lines_of(run_sink({Format::table, View::connections, true}, {clean_report(), report}));
  CHECK(lines[0].starts_with("      ID  CLIENT"));
  CHECK(lines[2].starts_with("12345678  10.0.0.1:43210"));
  const std::size_t end = lines[0].find("PACKETS C/S") + std::string_view("PACKETS C/S").size();
  CHECK(lines[1].find("12/10") + 5 == end);
  CHECK(lines[2].find("123456789/987654321") + 19 == end);
}

TEST_CASE("table --no-header, -q and -v") {
  SUBCASE("--no-header leaves out the titles, and only them") {
    SinkOptions options{Format::table, View::connections, false};
    const auto lines = lines_of(run_sink(options, {clean_report()}));
    CHECK(lines[0].starts_with("     1  10.0.0.1:43210"));
    CHECK(lines[2] == "Capture");
  }
  SUBCASE("-q: rows only, no summary, and nothing at all without rows") {
    SinkOptions options{Format::table, View::connections, true};
    options.detail = Detail::quiet;
    const auto lines = lines_of(run_sink(options, {clean_report()}, {}, small_summary()));
    REQUIRE(lines.size() == 2);
    CHECK(lines[1].starts_with("     1  10.0.0.1:43210"));
    CHECK(run_sink(options, {}, {}, small_summary()).empty());
  }
  SUBCASE("-v: each evidence line under its row") {
    SinkOptions options{Format::table, View::connections, true};
    options.detail = Detail::verbose;
    const auto lines = lines_of(run_sink(options, {clean_report(), anomalous_report().report}));
    REQUIRE(lines.size() > 5);
    CHECK(lines[1].starts_with("     1  10.0.0.1:43210"));
    CHECK(lines[2].starts_with("     7  [2001:db8::1]:51000"));
    CHECK(lines[3] == "        anomaly half_open at packet 12: server \"lost\" state\tafter RST");
    CHECK(lines[4] == "        note midstream at packet 1: no handshake seen");
    CHECK(lines[5].empty());
  }
}

TEST_CASE("table colour marks anomalous rows by their worst severity") {
  SinkOptions options{Format::table, View::connections, true};
  SUBCASE("off: no escape code anywhere") {
    const std::string out = run_sink(options, {clean_report(), anomalous_report().report});
    CHECK(out.find('\x1b') == std::string::npos);
  }
  SUBCASE("on: the anomalous row is red, wrapped outside its padding; the others are plain") {
    options.color = true;
    const auto plain = lines_of(run_sink({Format::table, View::connections, true},
                                         {clean_report(), anomalous_report().report}));
    const auto lines = lines_of(run_sink(options, {clean_report(), anomalous_report().report}));
    REQUIRE(lines.size() > 3);
    CHECK(lines[0] == plain[0]);
    CHECK(lines[1] == plain[1]);
    CHECK(lines[2] == "\x1b[31m" + plain[2] + "\x1b[0m");
  }
  SUBCASE("a warning is yellow, an info anomaly cyan") {
    options.color = true;
    conn::ConnectionReport warning = clean_report();
    warning.anomalies.set(anomaly::Anomaly::rst_instead_of_fin);
    conn::ConnectionReport info = clean_report();
    info.anomalies.set(anomaly::Anomaly::refused);
    const auto lines = lines_of(run_sink(options, {warning, info}));
    CHECK(lines[1].starts_with("\x1b[33m"));
    CHECK(lines[2].starts_with("\x1b[36m"));
  }
}
