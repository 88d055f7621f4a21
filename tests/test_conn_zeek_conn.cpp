// Zeek's conn_state and history letters (src/conn/zeek_conn.cpp).
#include "conn/zeek_conn.hpp"

#include <doctest/doctest.h>

#include <string>

namespace {

using tcpstate::conn::Side;
using tcpstate::conn::ZeekConn;
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

constexpr std::uint8_t SYN = flag::syn;
constexpr std::uint8_t ACK = flag::ack;
constexpr std::uint8_t FIN = flag::fin | flag::ack;
constexpr std::uint8_t RST = flag::rst;

void handshake(ZeekConn& z) {
  z.observe(C, seg(C, SYN, 100, 0));
  z.observe(S, seg(S, SYN | ACK, 500, 101));
  z.observe(C, seg(C, ACK, 101, 501));
}

} // namespace

TEST_CASE("zeek: a normal connection is SF ShADadFf") {
  ZeekConn z;
  handshake(z);
  z.observe(C, seg(C, ACK, 101, 501, 10));
  z.observe(S, seg(S, ACK, 501, 111));
  z.observe(S, seg(S, ACK, 501, 111, 20));
  z.observe(C, seg(C, ACK, 111, 521));
  z.observe(C, seg(C, FIN, 111, 521));
  z.observe(S, seg(S, FIN, 521, 112));
  z.observe(C, seg(C, ACK, 112, 522));
  CHECK(z.conn_state() == "SF");
  CHECK(z.history() == "ShADadFf");
  CHECK(z.originator() == C);
  CHECK(z.bytes(C) == 10);
  CHECK(z.bytes(S) == 20);
}

TEST_CASE("zeek: S0, S1, REJ, RSTO, RSTR, SH") {
  {
    ZeekConn z;
    z.observe(C, seg(C, SYN, 100, 0));
    z.observe(C, seg(C, SYN, 100, 0)); // retransmitted: same sequence number, no new S
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
    z.observe(C, seg(C, SYN, 100, 0));
    z.observe(S, seg(S, RST | ACK, 0, 101));
    CHECK(z.conn_state() == "REJ");
    CHECK(z.history() == "Sr");
  }
  {
    ZeekConn z;
    handshake(z);
    z.observe(C, seg(C, RST, 101, 0));
    CHECK(z.conn_state() == "RSTO");
  }
  {
    ZeekConn z;
    handshake(z);
    z.observe(S, seg(S, RST, 501, 0));
    CHECK(z.conn_state() == "RSTR");
  }
  {
    ZeekConn z;
    z.observe(C, seg(C, SYN, 100, 0));
    z.observe(C, seg(C, FIN, 101, 0));
    CHECK(z.conn_state() == "SH");
    CHECK(z.history() == "SF");
  }
  {
    ZeekConn z;
    z.observe(C, seg(C, SYN, 100, 0));
    z.observe(C, seg(C, RST, 101, 0));
    CHECK(z.conn_state() == "RSTOS0");
  }
}

TEST_CASE("zeek: F, H, R and S repeat only with a new sequence number") {
  ZeekConn z;
  handshake(z);
  z.observe(C, seg(C, FIN, 101, 501));
  z.observe(C, seg(C, FIN, 101, 501)); // retransmission: same end
  CHECK(z.history() == "ShAF");
  z.observe(S, seg(S, RST, 501, 0));
  z.observe(S, seg(S, RST, 600, 0)); // another sequence number: another r
  CHECK(z.history() == "ShAFrr");
}

TEST_CASE("zeek: T and W are logarithmic: at the 1st, 10th and 100th") {
  ZeekConn z;
  handshake(z);
  z.observe(C, seg(C, ACK, 101, 501, 10));
  for (int i = 0; i < 100; ++i) {
    z.observe(C, seg(C, ACK, 101, 501, 10)); // the same data again
  }
  CHECK(z.history() == "ShADTTT");
  for (int i = 0; i < 10; ++i) {
    z.observe(S, seg(S, ACK, 501, 111, 0, 0));
  }
  CHECK(z.history() == "ShADTTTaww");
}

TEST_CASE("zeek: a first SYN-ACK from a server port flips the roles") {
  ZeekConn z;
  z.observe(S, seg(S, SYN | ACK, 500, 101));
  z.observe(C, seg(C, ACK, 101, 501));
  CHECK(z.history() == "^hA");
  CHECK(z.originator() == C);
  CHECK(z.flipped());
  CHECK(z.conn_state() == "S1");
}

TEST_CASE("zeek: midstream traffic is OTH; a SYN-ACK from a non-server port flips late") {
  {
    ZeekConn z;
    z.observe(C, seg(C, ACK, 101, 501, 5));
    z.observe(S, seg(S, ACK, 501, 106, 5));
    CHECK(z.conn_state() == "OTH");
    CHECK(z.history() == "Dd");
  }
  {
    ZeekConn z;
    TcpSegment synack = seg(C, SYN | ACK, 100, 501);
    synack.src_port = 5555;
    synack.dst_port = 6666;
    z.observe(C, synack);
    CHECK(z.history() == "H");
    TcpSegment answer = seg(S, ACK, 501, 101);
    answer.src_port = 6666;
    answer.dst_port = 5555;
    z.observe(S, answer); // an ACK after a SYN-ACK: not a scan, flip
    CHECK(z.history() == "^hA");
    CHECK(z.originator() == S);
  }
}

TEST_CASE("zeek: an acknowledged segment never captured is a content gap") {
  ZeekConn z;
  handshake(z);
  z.observe(C, seg(C, ACK, 101, 501, 10));
  // [111, 121) was sent but not captured.
  z.observe(C, seg(C, ACK, 121, 501, 10));
  CHECK(z.missed_bytes() == 0); // a hole, but nothing acknowledged it yet
  z.observe(S, seg(S, ACK, 501, 131));
  CHECK(z.missed_bytes() == 10);
  CHECK(z.history() == "ShADaG");
  // The hole passed over, its retransmission changes nothing.
  z.observe(C, seg(C, ACK, 111, 501, 10));
  z.observe(S, seg(S, ACK, 501, 131));
  CHECK(z.missed_bytes() == 10);
}

TEST_CASE("zeek: a hole filled before its acknowledgment is no gap") {
  ZeekConn z;
  handshake(z);
  z.observe(C, seg(C, ACK, 111, 501, 10)); // arrives before [101, 111)
  z.observe(C, seg(C, ACK, 101, 501, 10));
  z.observe(S, seg(S, ACK, 501, 121));
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
    z.observe(C, seg(C, ACK, seq, 501, 10));
    seq += 10;
  }
  z.observe(S, seg(S, ACK, 501, seq));
  CHECK(z.missed_bytes() == 50);
  CHECK(z.history() == "ShADaGG"); // the 1st and the 10th
}

TEST_CASE("zeek: a gap is counted for the data's sender, up to its FIN") {
  ZeekConn z;
  handshake(z);
  // The server's 20 bytes were never captured; the client acknowledges them.
  z.observe(C, seg(C, ACK, 101, 521));
  CHECK(z.missed_bytes() == 20);
  CHECK(z.history() == "ShAg");
  // A FIN that was captured caps the gap at the data before it.
  ZeekConn y;
  handshake(y);
  y.observe(S, seg(S, FIN, 511, 101)); // [501, 511) lost
  y.observe(C, seg(C, ACK, 101, 512));
  CHECK(y.missed_bytes() == 10);
  CHECK(y.history() == "ShAfg");
}

TEST_CASE("zeek: no gap counts with or after a RST, or on a half-seen connection") {
  {
    ZeekConn z;
    handshake(z);
    z.observe(S, seg(S, RST | ACK, 501, 131)); // acknowledges 30 unseen bytes
    CHECK(z.missed_bytes() == 0);
    CHECK(z.history() == "ShAr");
  }
  {
    ZeekConn z;
    handshake(z);
    z.observe(C, seg(C, RST, 101, 0));
    z.observe(S, seg(S, ACK, 501, 131));
    CHECK(z.missed_bytes() == 0);
  }
  {
    // No handshake: both endpoints PARTIAL.
    ZeekConn z;
    z.observe(C, seg(C, ACK, 1000, 5000, 10));
    z.observe(S, seg(S, ACK, 5000, 1030));
    CHECK(z.missed_bytes() == 0);
    CHECK(z.history() == "Da");
  }
}

TEST_CASE("zeek: data piled above a hole with nothing acknowledged is given up") {
  ZeekConn z;
  handshake(z);
  // A hole at [101, 111), then 20000 bytes, and no acknowledgment of any of it.
  for (std::uint32_t seq = 111; seq < 20111; seq += 1000) {
    z.observe(C, seg(C, ACK, seq, 501, 1000));
  }
  z.observe(S, seg(S, ACK, 501, 20111));
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
