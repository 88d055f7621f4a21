#include "sink/zeek_sink.hpp"
#include "sink_test_reports.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

using namespace tcpstate;
using namespace tcpstate::sink;
using namespace tcpstate::sink::test;

namespace {

std::vector<std::vector<std::string>> rows_of(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string>& fields = rows.emplace_back();
    std::istringstream cells(line);
    for (std::string cell; std::getline(cells, cell, '\t');) {
      fields.push_back(cell);
    }
  }
  return rows;
}

// Field positions in a row, after the leading _conn_id.
constexpr std::size_t k_conn_id = 0;
constexpr std::size_t k_ts = 1;
constexpr std::size_t k_uid = 2;
constexpr std::size_t k_orig_h = 3;
constexpr std::size_t k_conn_state = 12;
constexpr std::size_t k_history = 16;
constexpr std::size_t k_orig_pkts = 17;
constexpr std::size_t k_orig_ip_bytes = 18;
constexpr std::size_t k_resp_pkts = 19;
constexpr std::size_t k_resp_ip_bytes = 20;

} // namespace

TEST_CASE("zeek: each row leads with its tcpstate conn_id, and the uid derives from it") {
  conn::ConnectionReport report = clean_report();
  report.zeek_first_seen = report.first_seen;
  const auto rows = rows_of(run_sink({Format::zeek, View::connections, false}, {report}));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0][k_conn_id] == "1");
  CHECK(rows[0][k_uid] == "CplbPwCHg2thQVI6bf");
  CHECK(rows[0][k_orig_pkts] == "12");
  CHECK(rows[0][k_resp_ip_bytes] == "5520");
}

TEST_CASE("zeek: one tcpstate connection Zeek split is written as its rows, in order") {
  conn::ConnectionReport report = clean_report();
  std::vector<conn::ZeekRow> earlier(1);
  conn::ZeekRow& first = earlier[0];
  first.first_seen = report.first_seen;
  first.last_seen = k_base_time + 500'000'000;
  first.orig = conn::Side::server;
  first.conn_state = {'S', '0'};
  first.history = {'S'};
  first.sent = {{{0, 0}, {2, 120}}};
  report.zeek_earlier_rows = earlier;
  report.zeek_first_seen = k_base_time + k_ns_per_second;
  report.zeek_conn_state = {'S', 'F'};
  report.zeek_history = {'S', 'h', 'A', 'F', 'f'};

  const auto rows = rows_of(run_sink({Format::zeek, View::connections, false}, {report}));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0][k_conn_id] == "1");
  CHECK(rows[1][k_conn_id] == "1");
  CHECK(rows[0][k_uid] == zeek_uid(1, 0));
  CHECK(rows[1][k_uid] == zeek_uid(1, 1));
  CHECK(rows[0][k_uid] != rows[1][k_uid]);
  // Each row has its own orientation, start and counts.
  CHECK(rows[0][k_orig_h] == "10.0.0.2");
  CHECK(rows[0][k_ts] == "1714557600.123456");
  CHECK(rows[0][k_conn_state] == "S0");
  CHECK(rows[0][k_history] == "S");
  CHECK(rows[0][k_orig_pkts] == "2");
  CHECK(rows[0][k_orig_ip_bytes] == "120");
  CHECK(rows[0][k_resp_pkts] == "0");
  CHECK(rows[1][k_orig_h] == "10.0.0.1");
  CHECK(rows[1][k_ts] == "1714557601.000000");
  CHECK(rows[1][k_conn_state] == "SF");
  CHECK(rows[1][k_history] == "ShAFf");
  // The last row: what is left of the connection's counts.
  CHECK(rows[1][k_orig_pkts] == "12");
  CHECK(rows[1][k_orig_ip_bytes] == "900");
  CHECK(rows[1][k_resp_pkts] == "8");
  CHECK(rows[1][k_resp_ip_bytes] == "5400");
}
