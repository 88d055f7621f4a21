#include "conversation.hpp"

#include "tcpstate/util/sequence.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

using tcpstate::conn::ClosedBy;
using tcpstate::conn::CloseKind;
using tcpstate::conn::TcpState;
using tcpstate::test::Conversation;
namespace anomaly = tcpstate::anomaly;
using anomaly::Anomaly;
using anomaly::Note;

namespace {
constexpr auto syn = Conversation::syn;
constexpr auto ack = Conversation::ack;
constexpr auto fin = Conversation::fin;
constexpr auto rst = Conversation::rst;
constexpr auto psh = Conversation::psh;

const tcpstate::conn::ConnectionReport&
only_row(std::vector<tcpstate::test::RecordingReceiver::Row>& rows) {
  REQUIRE(rows.size() == 1);
  return rows.front().report;
}
} // namespace

TEST_CASE("conn::Reconstructor normal close by the client leaves it in TIME_WAIT") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  c.handshake();
  c.send(c.segment(client, server, ack | psh, 100));
  c.send(c.segment(server, client, ack | psh, 500));
  c.send(c.segment(client, server, ack));
  c.send(c.segment(client, server, fin | ack));
  c.send(c.segment(server, client, fin | ack));
  c.send(c.segment(client, server, ack));
  const auto& row = only_row(c.finish());
  CHECK(row.client().state == TcpState::time_wait);
  CHECK(row.server().state == TcpState::closed);
  CHECK(row.close == CloseKind::fin);
  CHECK(row.closed_by == ClosedBy::client);
  CHECK_FALSE(row.anomalies.any());
  CHECK(row.client().payload_bytes == 100);
  CHECK(row.server().payload_bytes == 500);
  CHECK(row.client().packets == 6);
}

TEST_CASE("conn::Reconstructor TIME_WAIT ends 2*MSL after it began") {
  tcpstate::conn::AnalysisConfig config;
  config.msl = 2 * tcpstate::k_ns_per_second;
  Conversation c(config);
  auto& client = c.client();
  auto& server = c.server();
  c.handshake();
  c.send(c.segment(server, client, fin | ack));
  c.send(c.segment(client, server, fin | ack));
  c.send(c.segment(server, client, ack));
  c.advance(4.5);
  // A packet of another connection moves the capture's clock on.
  auto& other = c.client();
  other.port = 40001;
  c.send(c.segment(other, server, syn));
  auto& rows = c.finish();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].report.server().state == TcpState::closed);
  CHECK(rows[0].report.client().state == TcpState::closed);
  CHECK(rows[0].report.closed_by == ClosedBy::server);
}

TEST_CASE("conn::Reconstructor server keeps TIME_WAIT until the capture ends within 2*MSL") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  c.handshake();
  c.send(c.segment(server, client, fin | ack));
  c.send(c.segment(client, server, fin | ack));
  c.send(c.segment(server, client, ack));
  const auto& row = only_row(c.finish());
  CHECK(row.server().state == TcpState::time_wait);
  CHECK(row.client().state == TcpState::closed);
}

TEST_CASE("conn::Reconstructor refused connection") {
  Conversation c;
  c.send(c.segment(c.client(), c.server(), syn));
  c.send(c.segment(c.server(), c.client(), rst | ack));
  const auto& row = only_row(c.finish());
  CHECK(row.close == CloseKind::refused);
  CHECK(row.closed_by == ClosedBy::server);
  CHECK(row.anomalies.has(Anomaly::refused));
  CHECK_FALSE(row.anomalies.has(Anomaly::rst_instead_of_fin));
  CHECK(row.client().state == TcpState::closed);
  CHECK(row.server().state == TcpState::closed);
}

TEST_CASE("conn::Reconstructor a RST that does not acknowledge the SYN is ignored in SYN_SENT") {
  Conversation c;
  c.send(c.segment(c.client(), c.server(), syn));
  auto bogus = c.segment(c.server(), c.client(), rst | ack);
  bogus.ack += 7;
  c.send(bogus);
  const auto& row = only_row(c.finish());
  CHECK(row.client().state == TcpState::syn_sent);
  CHECK_FALSE(row.anomalies.has(Anomaly::refused));
}

TEST_CASE("conn::Reconstructor unanswered SYNs") {
  Conversation c;
  auto first = c.segment(c.client(), c.server(), syn);
  c.send(first);
  c.advance(1);
  c.send(first);
  c.advance(2);
  c.send(first);
  const auto& row = only_row(c.finish());
  CHECK(row.close == CloseKind::unanswered);
  CHECK(row.client().state == TcpState::syn_sent);
  CHECK(row.server().state == TcpState::closed);
  CHECK(row.client().retransmits == 2);
  CHECK(row.anomalies.has(Anomaly::syn_unanswered));
}

TEST_CASE("conn::Reconstructor a lone SYN at the very end is not yet unanswered") {
  Conversation c;
  c.send(c.segment(c.client(), c.server(), syn));
  const auto& row = only_row(c.finish());
  CHECK_FALSE(row.anomalies.has(Anomaly::syn_unanswered));
}

TEST_CASE("conn::Reconstructor SYN_SENT gives up after the handshake timeout") {
  Conversation c;
  auto first = c.segment(c.client(), c.server(), syn);
  c.send(first);
  c.advance(200);
  auto& other = c.client();
  other.port = 40001;
  c.send(c.segment(other, c.server(), syn));
  auto& rows = c.finish();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].report.client().state == TcpState::closed);
}

TEST_CASE("conn::Reconstructor writes rows in the same order whether or not it freezes") {
  // A closes 100 s after its handshake, so its SYN's 127 s timer check is stale but due
  // before its linger (160 s); B's unanswered SYN is written out at 137 s. One jump of the
  // clock to 300 s runs them all: a frozen A must come out where a full A does.
  const auto ports_in_order = [](std::uint64_t compact_finished_beyond) {
    tcpstate::conn::AnalysisConfig config;
    config.compact_finished_beyond = compact_finished_beyond;
    Conversation c(config);
    auto& client = c.client();
    auto& server = c.server();
    c.handshake(); // A
    c.advance(10);
    client.port = 40001;
    c.send(c.segment(client, server, syn)); // B
    c.advance(90);
    client.port = 40000;
    c.send(c.segment(client, server, fin | ack));
    c.send(c.segment(server, client, fin | ack));
    c.send(c.segment(client, server, ack));
    c.advance(200);
    client.port = 40002;
    c.send(c.segment(client, server, syn));
    std::vector<std::uint16_t> ports;
    for (const auto& row : c.finish()) {
      ports.push_back(row.report.client().port);
    }
    return ports;
  };
  const std::vector<std::uint16_t> full = ports_in_order(UINT64_MAX);
  REQUIRE(full.size() == 3);
  CHECK(ports_in_order(0) == full);
}

TEST_CASE("conn::Reconstructor lost handshake ACK: SYN-ACK retransmitted, half open") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  c.send(c.segment(client, server, syn));
  auto syn_ack = c.segment(server, client, syn | ack);
  c.send(syn_ack);
  auto final_ack = c.segment(client, server, ack);
  c.send(final_ack);
  c.advance(1);
  c.send(syn_ack); // the server never got the ACK
  c.send(final_ack);
  c.advance(0.5); // the capture ends before the next retransmission would be due
  c.send(c.segment(client, server, ack)); // a duplicate ACK, still held
  const auto& row = only_row(c.finish());
  CHECK(row.client().state == TcpState::established);
  CHECK(row.server().state == TcpState::syn_received);
  CHECK(row.anomalies.has(Anomaly::half_open));
  CHECK(row.server().retransmits == 1);
}

TEST_CASE("conn::Reconstructor held handshake ACK lands once the server stays quiet") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  c.send(c.segment(client, server, syn));
  auto syn_ack = c.segment(server, client, syn | ack);
  c.send(syn_ack);
  auto final_ack = c.segment(client, server, ack);
  c.send(final_ack);
  c.advance(1);
  c.send(syn_ack);
  c.send(final_ack);
  c.advance(10); // well past the next retransmission: the ACK arrived
  c.send(c.segment(client, server, ack | psh, 10));
  c.send(c.segment(server, client, ack));
  const auto& row = only_row(c.finish());
  CHECK(row.server().state == TcpState::established);
  CHECK_FALSE(row.anomalies.has(Anomaly::half_open));
}

TEST_CASE("conn::Reconstructor lost final ACK: LAST_ACK and last_ack_stuck") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  c.handshake();
  c.send(c.segment(client, server, fin | ack));
  c.send(c.segment(server, client, ack));
  auto server_fin = c.segment(server, client, fin | ack);
  c.send(server_fin);
  auto last = c.segment(client, server, ack);
  c.send(last);
  c.advance(0.2);
  c.send(server_fin);
  c.send(last);
  c.advance(0.4);
  c.send(server_fin);
  c.send(last);
  const auto& row = only_row(c.finish());
  CHECK(row.client().state == TcpState::time_wait);
  CHECK(row.server().state == TcpState::last_ack);
  CHECK(row.anomalies.has(Anomaly::last_ack_stuck));
  CHECK(row.server().retransmits == 2);
  CHECK(row.close == CloseKind::fin);
}

TEST_CASE("conn::Reconstructor CLOSE_WAIT leak") {
  tcpstate::conn::AnalysisConfig config;
  config.close_wait_timeout = 2 * tcpstate::k_ns_per_second;
  Conversation c(config);
  auto& client = c.client();
  auto& server = c.server();
  c.handshake();
  c.send(c.segment(client, server, fin | ack));
  c.send(c.segment(server, client, ack));
  c.advance(5);
  c.send(c.segment(client, server, ack)); // keeps the capture going
  const auto& row = only_row(c.finish());
  CHECK(row.client().state == TcpState::fin_wait_2);
  CHECK(row.server().state == TcpState::close_wait);
  CHECK(row.anomalies.has(Anomaly::close_wait_leak));
  CHECK(row.close == CloseKind::open);
}

TEST_CASE("conn::Reconstructor a short CLOSE_WAIT is no leak") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  c.handshake();
  c.send(c.segment(client, server, fin | ack));
  c.send(c.segment(server, client, ack));
  c.advance(1);
  c.send(c.segment(server, client, fin | ack));
  c.send(c.segment(client, server, ack));
  const auto& row = only_row(c.finish());
  CHECK_FALSE(row.anomalies.has(Anomaly::close_wait_leak));
}

TEST_CASE("conn::Reconstructor abortive close with RST") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  c.handshake();
  c.send(c.segment(client, server, ack | psh, 10));
  c.send(c.segment(server, client, rst | ack));
  const auto& row = only_row(c.finish());
  CHECK(row.close == CloseKind::rst);
  CHECK(row.closed_by == ClosedBy::server);
  CHECK(row.anomalies.has(Anomaly::rst_instead_of_fin));
  CHECK(row.client().state == TcpState::closed);
  CHECK(row.server().state == TcpState::closed);
}

TEST_CASE("conn::Reconstructor data after a RST proves the RST never arrived") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  c.handshake();
  c.send(c.segment(server, client, rst | ack));
  auto data = c.segment(client, server, ack | psh, 10);
  c.send(data);
  c.advance(0.2);
  c.send(data);
  c.advance(0.4);
  c.send(data);
  c.advance(0.8);
  c.send(data);
  const auto& row = only_row(c.finish());
  CHECK(row.client().state == TcpState::established);
  CHECK(row.server().state == TcpState::closed);
  CHECK(row.anomalies.has(Anomaly::half_open));
  CHECK(row.anomalies.has(Anomaly::rst_instead_of_fin));
  CHECK(row.client().retransmits == 3);
}

TEST_CASE("conn::Reconstructor active closer sending RST misses TIME_WAIT") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  c.handshake();
  c.send(c.segment(client, server, fin | ack));
  c.send(c.segment(server, client, ack));
  c.send(c.segment(server, client, ack | psh, 20)); // data to an orphaned FIN_WAIT_2
  c.send(c.segment(client, server, rst));
  const auto& row = only_row(c.finish());
  CHECK(row.anomalies.has(Anomaly::missing_time_wait));
  CHECK_FALSE(row.anomalies.has(Anomaly::rst_instead_of_fin));
  CHECK(row.close == CloseKind::rst);
  CHECK(row.closed_by == ClosedBy::client);
}

TEST_CASE("conn::Reconstructor simultaneous close ends in TIME_WAIT on both sides") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  c.handshake();
  const std::uint32_t client_ack_before = client.ack;
  const std::uint32_t server_ack_before = server.ack;
  auto client_fin = c.segment(client, server, fin | ack);
  auto server_fin = c.segment(server, client, fin | ack);
  client_fin.ack = client_ack_before;
  server_fin.ack = server_ack_before; // neither FIN acknowledges the other
  c.send(client_fin);
  c.send(server_fin);
  c.send(c.segment(client, server, ack));
  c.send(c.segment(server, client, ack));
  const auto& row = only_row(c.finish());
  CHECK(row.client().state == TcpState::time_wait);
  CHECK(row.server().state == TcpState::time_wait);
  CHECK(row.notes.has(Note::simultaneous_close));
  CHECK(row.closed_by == ClosedBy::both);
}

TEST_CASE("conn::Reconstructor simultaneous open") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  c.send(c.segment(client, server, syn));
  auto server_syn = c.segment(server, client, syn);
  c.send(server_syn);
  c.send(c.segment(client, server, syn | ack));
  c.send(c.segment(server, client, syn | ack));
  const auto& row = only_row(c.finish());
  CHECK(row.notes.has(Note::simultaneous_open));
  CHECK(row.client().state == TcpState::established);
  CHECK(row.server().state == TcpState::established);
}

TEST_CASE("conn::Reconstructor four-tuple reuse from TIME_WAIT") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  c.handshake();
  c.send(c.segment(client, server, fin | ack));
  c.send(c.segment(server, client, fin | ack));
  c.send(c.segment(client, server, ack));
  c.advance(5);
  client.next_seq += 100000;
  c.handshake();
  auto& rows = c.finish();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].report.conn_id == 1);
  CHECK(rows[0].report.client().state == TcpState::closed);
  CHECK(rows[0].report.server().state == TcpState::closed);
  CHECK(rows[1].report.conn_id == 2);
  CHECK(rows[1].report.notes.has(Note::tuple_reuse));
  CHECK(rows[1].report.anomalies.has(Anomaly::missing_time_wait));
  CHECK(rows[1].report.client().state == TcpState::established);
}

TEST_CASE("conn::Reconstructor a new SYN on an established four-tuple is half open") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  c.handshake();
  c.send(c.segment(client, server, ack | psh, 10));
  client.next_seq += 999999;
  c.send(c.segment(client, server, syn));
  auto& rows = c.finish();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].report.anomalies.has(Anomaly::half_open));
  CHECK(rows[1].report.notes.has(Note::tuple_reuse));
  // The held SYN outlived the old incarnation and began the next: its note names the old.
  std::string reuse_detail;
  for (const auto& evidence : rows[1].evidence) {
    if (evidence.note == Note::tuple_reuse) {
      reuse_detail = evidence.detail;
    }
  }
  CHECK(reuse_detail ==
        "reopens the four-tuple of connection " + std::to_string(rows[0].report.conn_id));
}

TEST_CASE("conn::Reconstructor mid-stream capture guesses the client by port") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  c.send(c.segment(server, client, ack | psh, 100)); // first packet from the service
  c.send(c.segment(client, server, ack));
  const auto& row = only_row(c.finish());
  CHECK(row.notes.has(Note::midstream));
  CHECK(row.client().port == 40000);
  CHECK(row.server().port == 80);
  CHECK(row.client().state == TcpState::established);
  CHECK(row.server().state == TcpState::established);
  CHECK(row.close == CloseKind::open);
}

TEST_CASE("conn::Reconstructor retransmitted data is counted per side") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  c.handshake();
  auto data = c.segment(client, server, ack | psh, 1000);
  c.send(data);
  c.send(data);
  c.send(c.segment(server, client, ack));
  const auto& row = only_row(c.finish());
  CHECK(row.client().retransmits == 1);
  CHECK(row.server().retransmits == 0);
  CHECK_FALSE(row.anomalies.has(Anomaly::half_open));
}

TEST_CASE("conn::Reconstructor sequence numbers wrap around") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  client.next_seq = 0xFFFFFFF0U;
  c.handshake();
  c.send(c.segment(client, server, ack | psh, 100)); // crosses 2^32
  c.send(c.segment(server, client, ack));
  c.send(c.segment(client, server, fin | ack));
  c.send(c.segment(server, client, fin | ack));
  c.send(c.segment(client, server, ack));
  const auto& row = only_row(c.finish());
  CHECK(row.client().state == TcpState::time_wait);
  CHECK(row.server().state == TcpState::closed);
  CHECK(row.client().retransmits == 0);
}

TEST_CASE("conn::Reconstructor keepalive and zero window notes") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  c.handshake();
  c.advance(2);
  auto probe = c.segment(client, server, ack);
  probe.seq -= 1;
  c.send(probe);
  c.send(c.segment(server, client, ack, 0, 0));
  const auto& row = only_row(c.finish());
  CHECK(row.notes.has(Note::keepalive));
  CHECK(row.notes.has(Note::zero_window));
  CHECK(row.client().retransmits == 0);
}

TEST_CASE("conn::Reconstructor SYN flood flags the incomplete handshakes") {
  tcpstate::conn::AnalysisConfig config;
  config.syn_flood_threshold = 10;
  Conversation c(config);
  auto& server = c.server();
  for (std::uint16_t i = 0; i < 30; ++i) {
    auto& client = c.client();
    client.port = static_cast<std::uint16_t>(50000 + i);
    c.send(c.segment(client, server, syn));
    c.send(c.segment(server, client, syn | ack));
  }
  auto& rows = c.finish();
  REQUIRE(rows.size() == 30);
  const auto flagged = std::count_if(rows.begin(), rows.end(), [](const auto& row) {
    return row.report.anomalies.has(Anomaly::syn_flood);
  });
  CHECK(flagged == 30);
  CHECK(rows[0].report.server().state == TcpState::syn_received);
}

TEST_CASE("conn::Reconstructor completed handshakes are no flood") {
  tcpstate::conn::AnalysisConfig config;
  config.syn_flood_threshold = 10;
  Conversation c(config);
  for (std::uint16_t i = 0; i < 30; ++i) {
    c.client().port = static_cast<std::uint16_t>(50000 + i);
    c.handshake();
  }
  auto& rows = c.finish();
  for (const auto& row : rows) {
    CHECK_FALSE(row.report.anomalies.has(Anomaly::syn_flood));
  }
}

TEST_CASE("conn::Reconstructor finished connections are written out before the end") {
  Conversation c;
  c.send(c.segment(c.client(), c.server(), syn));
  c.send(c.segment(c.server(), c.client(), rst | ack));
  c.advance(61);
  c.client().port = 40001;
  c.send(c.segment(c.client(), c.server(), syn));
  CHECK(c.reconstructor().open_connections() == 1);
  CHECK(c.finish().size() == 2);
}

TEST_CASE("conn::Reconstructor events trace each transition with its packet") {
  Conversation c({}, true);
  c.handshake();
  c.finish();
  const auto& events = c.events();
  REQUIRE(events.size() >= 4);
  CHECK(events[0].to == TcpState::syn_sent);
  CHECK(events[0].packet_number == 1);
  const bool server_established = std::any_of(events.begin(), events.end(), [](const auto& e) {
    return e.side == tcpstate::conn::Side::server && e.to == TcpState::established &&
           e.packet_number == 3;
  });
  CHECK(server_established);
}

TEST_CASE("conn::Reconstructor a client that never answers the SYN-ACK stays in SYN_SENT") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  c.send(c.segment(client, server, syn));
  auto syn_ack = c.segment(server, client, syn | ack);
  c.send(syn_ack);
  c.advance(1);
  c.send(syn_ack);
  c.advance(2);
  c.send(syn_ack);
  const auto& row = only_row(c.finish());
  CHECK(row.client().state == TcpState::syn_sent);
  CHECK(row.server().state == TcpState::syn_received);
  CHECK_FALSE(row.anomalies.has(Anomaly::half_open));
}

TEST_CASE("conn::Reconstructor a deaf client that finally answers is established") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  c.send(c.segment(client, server, syn));
  auto syn_ack = c.segment(server, client, syn | ack);
  c.send(syn_ack);
  c.advance(1);
  c.send(syn_ack);
  c.send(c.segment(client, server, ack));
  const auto& row = only_row(c.finish());
  CHECK(row.client().state == TcpState::established);
  CHECK(row.server().state == TcpState::established);
}

TEST_CASE("conn::Reconstructor a bare RST answering data comes from a host without the "
          "connection") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  c.handshake();
  c.send(c.segment(client, server, ack | psh, 23));
  auto reply = c.segment(server, client, rst);
  reply.seq = client.ack; // RFC 9293 3.10.7.1: <SEQ=SEG.ACK><CTL=RST>
  c.send(reply);
  const auto& row = only_row(c.finish());
  CHECK(row.anomalies.has(Anomaly::half_open));
  CHECK_FALSE(row.anomalies.has(Anomaly::rst_instead_of_fin));
  CHECK(row.close == CloseKind::rst);
}

TEST_CASE("conn::Reconstructor a segment that crossed the RST proves nothing") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  c.handshake(); // 1 ms steps: a 2 ms round trip
  c.send(c.segment(client, server, rst | ack));
  auto crossing = c.segment(server, client, ack | psh, 31);
  c.send(crossing); // sent before the RST could have arrived
  const auto& row = only_row(c.finish());
  CHECK(row.server().state == TcpState::closed);
  CHECK_FALSE(row.anomalies.has(Anomaly::half_open));
}

TEST_CASE("conn::Reconstructor an ACK from SYN_SENT implies a SYN-ACK the capture missed") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  c.send(c.segment(client, server, syn));
  server.next_seq += 1; // the server's SYN-ACK is not in the capture
  client.ack = server.next_seq;
  c.send(c.segment(client, server, ack));
  c.send(c.segment(client, server, ack | psh, 100));
  const auto& row = only_row(c.finish());
  CHECK(row.client().state == TcpState::established);
  CHECK(row.server().state == TcpState::established);
  CHECK(row.close == CloseKind::open);
  CHECK_FALSE(row.anomalies.has(Anomaly::syn_unanswered));
}

TEST_CASE("conn::Reconstructor a full table evicts the longest-idle connection") {
  tcpstate::conn::AnalysisConfig config;
  config.max_connections = 2;
  Conversation c(config);
  auto& server = c.server();
  auto& client = c.client();
  client.port = 41000;
  c.handshake();
  client.port = 41001;
  c.handshake();
  client.port = 41000; // the first one becomes the most recently seen
  c.send(c.segment(client, server, ack | psh, 5));
  client.port = 41002;
  c.handshake();
  CHECK(c.reconstructor().open_connections() == 2);
  auto& rows = c.finish();
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].report.close == CloseKind::evicted);
  CHECK(rows[0].report.client().port == 41001);
  CHECK(rows[0].report.client().state == TcpState::established);
  CHECK(rows[1].report.close == CloseKind::open);
}

TEST_CASE("conn::ConnectionTable survives heavy churn") {
  tcpstate::conn::AnalysisConfig config;
  config.max_connections = 100;
  Conversation c(config);
  for (int i = 0; i < 5000; ++i) {
    c.client().port = static_cast<std::uint16_t>(1024 + (i * 7919) % 60000);
    c.client().next_seq += 100000;
    c.send(c.segment(c.client(), c.server(), syn));
  }
  CHECK(c.reconstructor().open_connections() <= 100);
  const auto& rows = c.finish();
  CHECK(rows.size() == 5000);
}

TEST_CASE("conn::Reconstructor a SYN on an open four-tuple: challenge ACK, RST, retry") {
  Conversation c;
  auto& client = c.client();
  auto& server = c.server();
  c.handshake();
  c.send(c.segment(client, server, ack | psh, 10));
  c.send(c.segment(server, client, ack));
  const std::uint32_t old_client_next = client.next_seq;
  client.next_seq += 777777; // the client rebooted and forgot the connection
  auto new_syn = c.segment(client, server, syn);
  c.send(new_syn);
  server.ack = old_client_next;
  c.send(c.segment(server, client, ack)); // RFC 5961 4.2 challenge ACK, old sequence space
  auto reset = c.segment(client, server, rst);
  reset.seq = old_client_next; // 3.10.7.1: <SEQ=SEG.ACK><CTL=RST>
  c.send(reset);
  c.advance(1);
  c.send(new_syn);
  server.ack = new_syn.seq + 1;
  server.next_seq += 5555;
  c.send(c.segment(server, client, syn | ack));
  client.ack = server.next_seq;
  c.send(c.segment(client, server, ack));
  auto& rows = c.finish();
  REQUIRE(rows.size() == 2);
  const auto& old = rows[0].report;
  CHECK(old.anomalies.has(Anomaly::half_open));
  CHECK(old.close == CloseKind::rst);
  CHECK(old.closed_by == ClosedBy::client);
  CHECK(old.client().state == TcpState::closed);
  CHECK(old.server().state == TcpState::closed);
  const auto& fresh = rows[1].report;
  CHECK(fresh.notes.has(Note::tuple_reuse));
  CHECK(fresh.close == CloseKind::open);
  CHECK(fresh.client().state == TcpState::established);
  CHECK(fresh.server().state == TcpState::established);
  CHECK(fresh.client().retransmits == 1);
}

TEST_CASE("conn::Reconstructor streaming: a finished connection is written out at once") {
  tcpstate::conn::AnalysisConfig config;
  config.write_out_when_finished = true;
  Conversation c(config);
  auto& client = c.client();
  auto& server = c.server();
  c.handshake();
  c.send(c.segment(client, server, fin | ack));
  c.send(c.segment(server, client, fin | ack));
  CHECK(c.reconstructor().open_connections() == 1);
  c.send(c.segment(client, server, ack));
  CHECK(c.reconstructor().open_connections() == 0);
  // The client reuses its own TIME_WAIT four-tuple: reported on the new incarnation.
  c.advance(2);
  client.next_seq += 100000;
  c.send(c.segment(client, server, syn));
  auto& rows = c.finish();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].report.client().state == TcpState::time_wait);
  CHECK(rows[0].report.server().state == TcpState::closed);
  CHECK(rows[1].report.notes.has(Note::tuple_reuse));
  CHECK(rows[1].report.anomalies.has(Anomaly::missing_time_wait));
}

TEST_CASE("conn::Reconstructor streaming: a late RST ending TIME_WAIT becomes an event") {
  tcpstate::conn::AnalysisConfig config;
  config.write_out_when_finished = true;
  Conversation c(config, true);
  auto& client = c.client();
  auto& server = c.server();
  c.handshake();
  c.send(c.segment(client, server, fin | ack));
  c.send(c.segment(server, client, fin | ack));
  c.send(c.segment(client, server, ack));
  c.send(c.segment(server, client, rst));
  CHECK(c.reconstructor().open_connections() == 0);
  c.finish();
  const auto& last = c.events().back();
  CHECK(last.from == TcpState::time_wait);
  CHECK(last.to == TcpState::closed);
  CHECK(last.side == tcpstate::conn::Side::client);
}

TEST_CASE("conn::Reconstructor count_states and advance_to") {
  Conversation c;
  c.handshake();
  c.client().port = 40001;
  c.send(c.segment(c.client(), c.server(), syn));
  auto counts = c.reconstructor().count_states();
  using tcpstate::conn::Side;
  CHECK(counts[static_cast<int>(Side::client)][static_cast<int>(TcpState::established)] == 1);
  CHECK(counts[static_cast<int>(Side::client)][static_cast<int>(TcpState::syn_sent)] == 1);
  CHECK(counts[static_cast<int>(Side::server)][static_cast<int>(TcpState::closed)] == 1);
  c.reconstructor().advance_to(c.now() + 200 * tcpstate::k_ns_per_second);
  counts = c.reconstructor().count_states();
  CHECK(counts[static_cast<int>(Side::client)][static_cast<int>(TcpState::syn_sent)] == 0);
}

TEST_CASE("conn::Reconstructor a bad-checksum segment only adds Zeek's 'C' to its connection") {
  Conversation c;
  c.handshake();
  // Never sent as a good segment: the client's sequence numbers do not move.
  const auto bad = c.segment(c.server(), c.client(), ack, 10);
  c.reconstructor().on_bad_checksum(bad);
  // A bad segment of a connection that is not open opens none.
  auto stray = bad;
  stray.dst_port = static_cast<std::uint16_t>(stray.dst_port + 1);
  c.reconstructor().on_bad_checksum(stray);
  auto& rows = c.finish();
  const auto& report = only_row(rows);
  CHECK(report.zeek_history_text() == "ShAc");
  CHECK(report.server().packets == 1);
}
