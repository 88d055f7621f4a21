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
constexpr std::size_t k_uid = 2;
constexpr std::size_t k_orig_pkts = 17;
constexpr std::size_t k_resp_ip_bytes = 20;

} // namespace

TEST_CASE("zeek: each row leads with its tcpstate conn_id, and the uid derives from it") {
  conn::ConnectionReport report = clean_report();
  const auto rows = rows_of(run_sink({Format::zeek, View::connections, false}, {report}));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0][k_conn_id] == "1");
  CHECK(rows[0][k_uid] == "CplbPwCHg2thQVI6bf");
  CHECK(rows[0][k_orig_pkts] == "12");
  CHECK(rows[0][k_resp_ip_bytes] == "5520");
}
