// Zeek's conn_state and history letters (src/conn/zeek_conn.cpp).
#include "conn/zeek_conn.hpp"

#include <doctest/doctest.h>

#include <string>

namespace {

using tcpstate::conn::Side;
using tcpstate::conn::ZeekConn;
using tcpstate::conn::ZeekServerPorts;
using tcpstate::decode::TcpSegment;
namespace flag = tcpstate::decode::tcp_flag;

constexpr Side C = Side::client;
constexpr Side S = Side::server;

TcpSegment seg(Side from, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack,
               std::uint32_t payload = 0, std::uint16_t window = 1000) {
  TcpSegment s;
  s.src_port = from == C ? 40000 : 80;
  s.dst_port = from == C ? 80 : 40000;
  s.flags = flags;
  s.seq = seq;
  s.ack = ack;
  s.payload_length = payload;
  s.window = window;
  return s;
}

const ZeekServerPorts k_default_ports = ZeekServerPorts::zeek_default();

// Segments a moment apart: no Zeek timer runs out between them.
void observe(ZeekConn& z, Side from, const TcpSegment& segment,
             const ZeekServerPorts& ports = k_default_ports) {
  z.observe(from, segment, 0, 0, ports);
}

constexpr std::uint8_t SYN = flag::syn;
constexpr std::uint8_t ACK = flag::ack;
constexpr std::uint8_t FIN = flag::fin | flag::ack;
constexpr std::uint8_t RST = flag::rst;

void handshake(ZeekConn& z) {
  observe(z, C, seg(C, SYN, 100, 0));
  observe(z, S, seg(S, SYN | ACK, 500, 101));
  observe(z, C, seg(C, ACK, 101, 501));
}

} // namespace

TEST_CASE("zeek: a normal connection is SF ShADadFf") {
  ZeekConn z;
  handshake(z);
  observe(z, C, seg(C, ACK, 101, 501, 10));
  observe(z, S, seg(S, ACK, 501, 111));
  observe(z, S, seg(S, ACK, 501, 111, 20));
  observe(z, C, seg(C, ACK, 111, 521));
  observe(z, C, seg(C, FIN, 111, 521));
  observe(z, S, seg(S, FIN, 521, 112));
  observe(z, C, seg(C, ACK, 112, 522));
  CHECK(z.conn_state() == "SF");
  CHECK(z.history() == "ShADadFf");
  CHECK(z.originator() == C);
  CHECK(z.bytes(C) == 10);
  CHECK(z.bytes(S) == 20);
}

TEST_CASE("zeek: S0, S1, REJ, RSTO, RSTR, SH") {
  {
    ZeekConn z;
    observe(z, C, seg(C, SYN, 100, 0));
    observe(z, C, seg(C, SYN, 100, 0)); // retransmitted: same sequence number, no new S
    CHECK(z.conn_state() == "S0");
    CHECK(z.history() == "S");
  }
  {
    ZeekConn z;
    handshake(z);
    CHECK(z.conn_state() == "S1");
    CHECK(z.history() == "ShA");
  }
  {
    ZeekConn z;
    observe(z, C, seg(C, SYN, 100, 0));
    observe(z, S, seg(S, RST | ACK, 0, 101));
    CHECK(z.conn_state() == "REJ");
    CHECK(z.history() == "Sr");
  }
  {
    ZeekConn z;
    handshake(z);
    observe(z, C, seg(C, RST, 101, 0));
    CHECK(z.conn_state() == "RSTO");
  }
  {
    ZeekConn z;
    handshake(z);
    observe(z, S, seg(S, RST, 501, 0));
    CHECK(z.conn_state() == "RSTR");
  }
  {
    ZeekConn z;
    observe(z, C, seg(C, SYN, 100, 0));
    observe(z, C, seg(C, FIN, 101, 0));
    CHECK(z.conn_state() == "SH");
    CHECK(z.history() == "SF");
  }
  {
    ZeekConn z;
    observe(z, C, seg(C, SYN, 100, 0));
    observe(z, C, seg(C, RST, 101, 0));
    CHECK(z.conn_state() == "RSTOS0");
  }
}

TEST_CASE("zeek: F, H, R and S repeat only with a new sequence number") {
  ZeekConn z;
  handshake(z);
  observe(z, C, seg(C, FIN, 101, 501));
  observe(z, C, seg(C, FIN, 101, 501)); // retransmission: same end
  CHECK(z.history() == "ShAF");
  observe(z, S, seg(S, RST, 501, 0));
  observe(z, S, seg(S, RST, 600, 0)); // another sequence number: another r
  CHECK(z.history() == "ShAFrr");
}

TEST_CASE("zeek: T and W are logarithmic: at the 1st, 10th and 100th") {
  ZeekConn z;
  handshake(z);
  observe(z, C, seg(C, ACK, 101, 501, 10));
  for (int i = 0; i < 100; ++i) {
    observe(z, C, seg(C, ACK, 101, 501, 10)); // the same data again
  }
  CHECK(z.history() == "ShADTTT");
  for (int i = 0; i < 10; ++i) {
    observe(z, S, seg(S, ACK, 501, 111, 0, 0));
  }
  CHECK(z.history() == "ShADTTTaww");
}

TEST_CASE("zeek: a first SYN-ACK from a server port flips the roles") {
  ZeekConn z;
  observe(z, S, seg(S, SYN | ACK, 500, 101));
  observe(z, C, seg(C, ACK, 101, 501));
  CHECK(z.history() == "^hA");
  CHECK(z.originator() == C);
  CHECK(z.flipped());
  CHECK(z.conn_state() == "S1");
}

TEST_CASE("zeek: the server ports are those of the Zeek compared with") {
  // seg() sends from port 40000 to port 80.
  SUBCASE("a bare Zeek (zeek -b) has none, and keeps the first packet's sender") {
    ZeekConn z;
    const ZeekServerPorts none = ZeekServerPorts::none();
    observe(z, S, seg(S, SYN | ACK, 500, 101), none);
    CHECK(z.history() == "H");
    CHECK(z.originator() == S);
    CHECK_FALSE(z.flipped());
  }
  SUBCASE("a site's own service port flips like a default one") {
    ZeekServerPorts ports = ZeekServerPorts::none();
    ports.add(40000);
    ZeekConn z;
    observe(z, C, seg(C, ACK, 101, 501, 5), ports);
    CHECK(z.history() == "^d");
    CHECK(z.originator() == S);
  }
  SUBCASE("between two server ports, a non-SYN packet from the lower one flips") {
    ZeekServerPorts ports = ZeekServerPorts::zeek_default();
    ports.add(40000);
    ZeekConn from_high;
    observe(from_high, C, seg(C, ACK, 101, 501, 5), ports);
    CHECK(from_high.history() == "D");
    ZeekConn from_low;
    observe(from_low, S, seg(S, ACK, 501, 101, 5), ports);
    CHECK(from_low.history() == "^d");
  }
  CHECK(ZeekServerPorts::zeek_default().contains(443));
  CHECK_FALSE(ZeekServerPorts::zeek_default().contains(40000));
}

TEST_CASE("zeek: midstream traffic is OTH; a SYN-ACK from a non-server port flips late") {
  {
    ZeekConn z;
    observe(z, C, seg(C, ACK, 101, 501, 5));
    observe(z, S, seg(S, ACK, 501, 106, 5));
    CHECK(z.conn_state() == "OTH");
    CHECK(z.history() == "Dd");
  }
  {
    ZeekConn z;
    TcpSegment synack = seg(C, SYN | ACK, 100, 501);
    synack.src_port = 5555;
    synack.dst_port = 6666;
    observe(z, C, synack);
    CHECK(z.history() == "H");
    TcpSegment answer = seg(S, ACK, 501, 101);
    answer.src_port = 6666;
    answer.dst_port = 5555;
    observe(z, S, answer); // an ACK after a SYN-ACK: not a scan, flip
    CHECK(z.history() == "^hA");
    CHECK(z.originator() == S);
  }
}

TEST_CASE("zeek: an acknowledged segment never captured is a content gap") {
  ZeekConn z;
  handshake(z);
  observe(z, C, seg(C, ACK, 101, 501, 10));
  // [111, 121) was sent but not captured.
  observe(z, C, seg(C, ACK, 121, 501, 10));
  CHECK(z.missed_bytes() == 0); // a hole, but nothing acknowledged it yet
  observe(z, S, seg(S, ACK, 501, 131));
  CHECK(z.missed_bytes() == 10);
  CHECK(z.history() == "ShADaG");
  // The hole passed over, its retransmission changes nothing.
  observe(z, C, seg(C, ACK, 111, 501, 10));
  observe(z, S, seg(S, ACK, 501, 131));
  CHECK(z.missed_bytes() == 10);
}

TEST_CASE("zeek: a hole filled before its acknowledgment is no gap") {
  ZeekConn z;
  handshake(z);
  observe(z, C, seg(C, ACK, 111, 501, 10)); // arrives before [101, 111)
  observe(z, C, seg(C, ACK, 101, 501, 10));
  observe(z, S, seg(S, ACK, 501, 121));
  CHECK(z.missed_bytes() == 0);
  CHECK(z.history() == "ShADTa"); // the late segment counts as a retransmission, as in Zeek
}

TEST_CASE("zeek: each hole below an acknowledgment is one gap; 'G' is logarithmic") {
  ZeekConn z;
  handshake(z);
  // Ten segments of 10 bytes captured, each after a lost one of 5 bytes.
  std::uint32_t seq = 101;
  for (int i = 0; i < 10; ++i) {
    seq += 5;
    observe(z, C, seg(C, ACK, seq, 501, 10));
    seq += 10;
  }
  observe(z, S, seg(S, ACK, 501, seq));
  CHECK(z.missed_bytes() == 50);
  CHECK(z.history() == "ShADaGG"); // the 1st and the 10th
}

TEST_CASE("zeek: a gap is counted for the data's sender, up to its FIN") {
  ZeekConn z;
  handshake(z);
  // The server's 20 bytes were never captured; the client acknowledges them.
  observe(z, C, seg(C, ACK, 101, 521));
  CHECK(z.missed_bytes() == 20);
  CHECK(z.history() == "ShAg");
  // A FIN that was captured caps the gap at the data before it.
  ZeekConn y;
  handshake(y);
  observe(y, S, seg(S, FIN, 511, 101)); // [501, 511) lost
  observe(y, C, seg(C, ACK, 101, 512));
  CHECK(y.missed_bytes() == 10);
  CHECK(y.history() == "ShAfg");
}

TEST_CASE("zeek: no gap counts with or after a RST, or on a half-seen connection") {
  {
    ZeekConn z;
    handshake(z);
    observe(z, S, seg(S, RST | ACK, 501, 131)); // acknowledges 30 unseen bytes
    CHECK(z.missed_bytes() == 0);
    CHECK(z.history() == "ShAr");
  }
  {
    ZeekConn z;
    handshake(z);
    observe(z, C, seg(C, RST, 101, 0));
    observe(z, S, seg(S, ACK, 501, 131));
    CHECK(z.missed_bytes() == 0);
  }
  {
    // No handshake: both endpoints PARTIAL.
    ZeekConn z;
    observe(z, C, seg(C, ACK, 1000, 5000, 10));
    observe(z, S, seg(S, ACK, 5000, 1030));
    CHECK(z.missed_bytes() == 0);
    CHECK(z.history() == "Da");
  }
}

TEST_CASE("zeek: data piled above a hole with nothing acknowledged is given up") {
  ZeekConn z;
  handshake(z);
  // A hole at [101, 111), then 20000 bytes, and no acknowledgment of any of it.
  for (std::uint32_t seq = 111; seq < 20111; seq += 1000) {
    observe(z, C, seg(C, ACK, seq, 501, 1000));
  }
  observe(z, S, seg(S, ACK, 501, 20111));
  CHECK(z.missed_bytes() == 0);
}

TEST_CASE("zeek: a bad checksum adds 'C' and changes nothing else") {
  ZeekConn z;
  handshake(z);
  z.observe_bad_checksum(S);
  CHECK(z.history() == "ShAc");
  CHECK(z.conn_state() == "S1");
  for (int i = 0; i < 9; ++i) {
    z.observe_bad_checksum(C);
  }
  CHECK(z.history() == "ShAcC"); // the 10th from the client would be the next
  z.observe_bad_checksum(C);
  CHECK(z.history() == "ShAcCC");
}

namespace {

using tcpstate::TimeNs;
using tcpstate::conn::ZeekRow;

// Feeds segments as the reconstructor does: each at its time, with the time of the one
// before it.
class Timeline {
public:
  explicit Timeline(ZeekConn& z) : m_z(z) {}
  void at(double seconds, Side from, TcpSegment segment) {
    const TimeNs now = tcpstate::seconds_to_ns(seconds);
    segment.ip_length = 40 + segment.payload_length;
    m_z.observe(from, segment, now, m_previous, k_default_ports);
    m_previous = now;
  }

private:
  ZeekConn& m_z;
  TimeNs m_previous = 0;
};

std::span<const ZeekRow> earlier_rows(ZeekConn& z) {
  return z.complete_earlier_rows(0, {});
}

} // namespace

TEST_CASE("zeek rows: an attempt still unanswered 5 s after its SYN is a row of its own") {
  ZeekConn z;
  Timeline t(z);
  t.at(0, C, seg(C, SYN, 100, 0));
  t.at(3, C, seg(C, ACK, 101, 501, 10));
  t.at(4.9, C, seg(C, ACK, 111, 501, 10));
  CHECK(earlier_rows(z).empty());
  t.at(5, C, seg(C, FIN, 121, 501));
  const auto rows = earlier_rows(z);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].state_text() == "S0");
  CHECK(rows[0].history_text() == "SD");
  CHECK(rows[0].last_seen == tcpstate::seconds_to_ns(4.9));
  CHECK(z.history() == "F");
  CHECK(z.conn_state() == "SH");
  CHECK(z.row_start(0) == tcpstate::seconds_to_ns(5));
}

TEST_CASE("zeek rows: an attempt answered in time stays one row") {
  ZeekConn z;
  Timeline t(z);
  t.at(0, C, seg(C, SYN, 100, 0));
  t.at(4, S, seg(S, SYN | ACK, 500, 101));
  t.at(9, C, seg(C, ACK, 101, 501));
  CHECK(earlier_rows(z).empty());
  CHECK(z.history() == "ShA");
  CHECK(z.row_start(7) == 7);
}

TEST_CASE("zeek rows: 5 s after a RST the four-tuple starts over") {
  ZeekConn z;
  Timeline t(z);
  t.at(0, C, seg(C, SYN, 100, 0));
  t.at(0.1, S, seg(S, SYN | ACK, 500, 101));
  t.at(0.2, C, seg(C, RST, 101, 0));
  t.at(5.1, C, seg(C, ACK, 101, 501, 10)); // still within the close delay
  CHECK(earlier_rows(z).empty());
  t.at(10.2, C, seg(C, ACK, 111, 501, 10));
  t.at(10.3, S, seg(S, RST, 501, 0));
  const auto rows = earlier_rows(z);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].state_text() == "RSTO");
  CHECK(rows[0].history_text() == "ShRD");
  CHECK(z.conn_state() == "RSTRH");
  CHECK(z.history() == "Dr");
}

TEST_CASE("zeek rows: the close delay runs from the packet that completed the close") {
  ZeekConn z;
  Timeline t(z);
  handshake(z);
  t.at(1, C, seg(C, FIN, 101, 501)); // half a close: no timer
  t.at(3, S, seg(S, FIN, 501, 102)); // the close is complete: 5 s from here
  t.at(7.9, C, seg(C, ACK, 102, 502));
  CHECK(earlier_rows(z).empty());
  t.at(8, C, seg(C, ACK, 102, 502));
  REQUIRE(earlier_rows(z).size() == 1);
  CHECK(earlier_rows(z)[0].state_text() == "SF");
  CHECK(z.history() == "A");
}

TEST_CASE("zeek rows: five minutes of silence end the row") {
  ZeekConn z;
  Timeline t(z);
  t.at(0, C, seg(C, SYN, 100, 0));
  t.at(0.1, S, seg(S, SYN | ACK, 500, 101));
  t.at(0.2, C, seg(C, ACK, 101, 501));
  t.at(299, C, seg(C, ACK, 101, 501, 10));
  CHECK(earlier_rows(z).empty());
  t.at(599, S, seg(S, ACK, 501, 111));
  const auto rows = earlier_rows(z);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].state_text() == "S1");
  CHECK(rows[0].history_text() == "ShAD");
  CHECK(z.history() == "^a"); // a new connection, oriented by its first packet
}

TEST_CASE("zeek rows: a SYN reuses a closed four-tuple, or one it opens anew") {
  SUBCASE("after a RST, whatever its sequence number") {
    ZeekConn z;
    Timeline t(z);
    t.at(0, C, seg(C, SYN, 100, 0));
    t.at(0.1, S, seg(S, RST | ACK, 0, 101));
    t.at(3, C, seg(C, SYN, 100, 0));
    REQUIRE(earlier_rows(z).size() == 1);
    CHECK(earlier_rows(z)[0].state_text() == "REJ");
    CHECK(z.history() == "S");
  }
  SUBCASE("a repeated SYN and the SYN-ACK belong to the connection") {
    ZeekConn z;
    Timeline t(z);
    t.at(0, C, seg(C, SYN, 100, 0));
    t.at(1, C, seg(C, SYN, 100, 0));
    t.at(1.1, S, seg(S, SYN | ACK, 500, 101));
    CHECK(earlier_rows(z).empty());
    CHECK(z.history() == "Sh");
  }
  SUBCASE("a SYN with another sequence number before any close") {
    ZeekConn z;
    Timeline t(z);
    t.at(0, C, seg(C, SYN, 100, 0));
    t.at(1, C, seg(C, SYN, 9000, 0));
    REQUIRE(earlier_rows(z).size() == 1);
    CHECK(earlier_rows(z)[0].history_text() == "S");
    CHECK(z.history() == "S");
  }
  SUBCASE("not the SYN of a handshake whose SYN-ACK came first") {
    ZeekConn z;
    Timeline t(z);
    t.at(0, C, seg(C, SYN | ACK, 100, 501));
    t.at(0.1, S, seg(S, SYN, 500, 0));
    CHECK(earlier_rows(z).empty());
  }
}

TEST_CASE("zeek rows: the first row's start and counts come from the whole connection's") {
  ZeekConn z;
  Timeline t(z);
  t.at(0, C, seg(C, SYN, 100, 0));
  t.at(0.1, S, seg(S, RST | ACK, 0, 101));
  t.at(3, C, seg(C, SYN, 100, 0));
  t.at(3.1, S, seg(S, RST | ACK, 0, 101));
  t.at(9, C, seg(C, SYN, 100, 0));
  // The whole connection: 3 client packets of 40 bytes, 2 server packets of 40.
  const auto rows = z.complete_earlier_rows(tcpstate::seconds_to_ns(0.5), {{{3, 120}, {2, 80}}});
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].first_seen == tcpstate::seconds_to_ns(0.5));
  CHECK(rows[0].sent[0].packets == 1);
  CHECK(rows[0].sent[0].ip_bytes == 40);
  CHECK(rows[0].sent[1].packets == 1);
  CHECK(rows[1].first_seen == tcpstate::seconds_to_ns(3));
  CHECK(rows[1].last_seen == tcpstate::seconds_to_ns(3.1));
  CHECK(rows[1].sent[0].packets == 1);
  CHECK(rows[1].sent[1].packets == 1);
  CHECK(z.row_start(0) == tcpstate::seconds_to_ns(9));
}
