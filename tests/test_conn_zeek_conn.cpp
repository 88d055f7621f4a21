// Zeek's conn_state and history letters (src/conn/zeek_conn.cpp).
#include "zeek_conn.hpp"

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
