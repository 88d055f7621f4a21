#include "sink_test_reports.hpp"

#include "tcpstate/sink/summary.hpp"

#include <doctest/doctest.h>

using namespace tcpstate;
using namespace tcpstate::sink;
using namespace tcpstate::sink::test;
using anomaly::Anomaly;
using conn::TcpState;

namespace {

std::uint64_t state_count(const Summary& summary, conn::Side side, TcpState state) {
  return summary.states[static_cast<std::size_t>(side)][static_cast<std::size_t>(state)];
}

} // namespace

TEST_CASE("Summary::add counts connections, close kinds, states, verdicts") {
  Summary summary;
  summary.add(clean_report());
  summary.add(anomalous_report().report);

  conn::ConnectionReport refused = clean_report();
  refused.close = conn::CloseKind::refused;
  refused.endpoints[0].state = TcpState::closed;
  refused.endpoints[1].state = TcpState::listen;
  refused.anomalies.set(Anomaly::refused);
  summary.add(refused);

  conn::ConnectionReport flood = clean_report();
  flood.close = conn::CloseKind::open;
  flood.endpoints[0].state = TcpState::syn_sent;
  flood.endpoints[1].state = TcpState::syn_received;
  flood.anomalies.set(Anomaly::syn_flood);
  flood.anomalies.set(Anomaly::half_open);
  summary.add(flood);

  conn::ConnectionReport reset = clean_report();
  reset.close = conn::CloseKind::rst;
  reset.endpoints[0].state = TcpState::closed;
  reset.anomalies.set(Anomaly::rst_instead_of_fin);
  reset.notes.set(anomaly::Note::zero_window);
  summary.add(reset);

  conn::ConnectionReport silent = clean_report();
  silent.close = conn::CloseKind::unanswered;
  silent.endpoints[0].state = TcpState::syn_sent;
  silent.anomalies.set(Anomaly::syn_unanswered);
  summary.add(silent);

  CHECK(summary.connections == 6);
  CHECK(summary.connections_with_anomalies == 5);
  CHECK(summary.by_close == std::array<std::uint64_t, 6>{1, 1, 1, 1, 2, 0});

  CHECK(state_count(summary, conn::Side::client, TcpState::time_wait) == 1);
  CHECK(state_count(summary, conn::Side::client, TcpState::fin_wait_2) == 1);
  CHECK(state_count(summary, conn::Side::client, TcpState::closed) == 2);
  CHECK(state_count(summary, conn::Side::client, TcpState::syn_sent) == 2);
  CHECK(state_count(summary, conn::Side::server, TcpState::closed) == 3);
  CHECK(state_count(summary, conn::Side::server, TcpState::close_wait) == 1);
  CHECK(state_count(summary, conn::Side::server, TcpState::listen) == 1);
  CHECK(state_count(summary, conn::Side::server, TcpState::syn_received) == 1);

  CHECK(summary.anomalies ==
        std::array<std::uint64_t, anomaly::k_anomaly_count>{2, 1, 0, 1, 0, 1, 1, 1});
  CHECK(summary.notes == std::array<std::uint64_t, anomaly::k_note_count>{1, 0, 0, 0, 0, 1});

  REQUIRE(summary.servers.size() == 2);
  const ServerRollup& web = summary.servers.at(ServerKey{address("10.0.0.2"), 80});
  CHECK(web.connections == 5);
  CHECK(web.anomalous == 4);
  CHECK(web.close_wait_leaks == 0);
  CHECK(web.rst_closes == 1);
  CHECK(web.refused == 1);
  CHECK(web.syn_received == 1);
  CHECK(web.syn_unanswered == 1);
  CHECK(web.syn_flood == 1);
  const ServerRollup& v6 = summary.servers.at(ServerKey{address("2001:db8::2"), 443});
  CHECK(v6.connections == 1);
  CHECK(v6.anomalous == 1);
  CHECK(v6.close_wait_leaks == 1);
  CHECK(v6.rst_closes == 0);
}

TEST_CASE("Summary keeps servers on the same port but different addresses apart") {
  Summary summary;
  conn::ConnectionReport a = clean_report();
  conn::ConnectionReport b = clean_report();
  b.endpoints[1].address = address("10.0.0.3");
  conn::ConnectionReport c = clean_report();
  c.endpoints[1].port = 8080;
  summary.add(a);
  summary.add(b);
  summary.add(c);
  summary.add(a);
  CHECK(summary.servers.size() == 3);
  CHECK(summary.servers.at(ServerKey{address("10.0.0.2"), 80}).connections == 2);
}

TEST_CASE("Summary without the server rollup still counts everything else") {
  Summary with_servers;
  Summary without_servers;
  without_servers.keep_servers = false;
  conn::ConnectionReport reset = clean_report();
  reset.close = conn::CloseKind::rst;
  reset.anomalies.set(Anomaly::rst_instead_of_fin);
  for (Summary* summary : {&with_servers, &without_servers}) {
    summary->add(clean_report());
    summary->add(reset);
  }
  CHECK(with_servers.servers.size() == 1);
  CHECK(without_servers.servers.empty());
  CHECK(without_servers.connections == with_servers.connections);
  CHECK(without_servers.by_close == with_servers.by_close);
  CHECK(without_servers.states == with_servers.states);
  CHECK(without_servers.anomalies == with_servers.anomalies);
  CHECK(without_servers.connections_with_anomalies == with_servers.connections_with_anomalies);
}
