#include "conn/state_machine.hpp"

#include <doctest/doctest.h>

#include <vector>

using tcpstate::conn::next_state;
using tcpstate::conn::Stimulus;
using tcpstate::conn::TcpState;

namespace {

struct Edge {
  TcpState from;
  Stimulus stimulus;
  TcpState to;
};

using S = TcpState;
using In = Stimulus;

// Every edge of RFC 9293 figure 5, plus the observer's additions documented in
// state_machine.cpp (CLOSED answering a SYN, Linux's RST in TIME_WAIT).
const std::vector<Edge> k_edges = {
    {S::closed, In::send_syn, S::syn_sent},
    {S::closed, In::send_syn_ack, S::syn_received},
    {S::listen, In::receive_syn, S::syn_received},
    {S::listen, In::send_syn, S::syn_sent},
    {S::listen, In::send_syn_ack, S::syn_received},
    {S::syn_sent, In::send_syn_ack, S::syn_received},
    {S::syn_sent, In::receive_syn_ack, S::established},
    {S::syn_sent, In::receive_syn, S::syn_received},
    {S::syn_sent, In::receive_rst, S::closed},
    {S::syn_received, In::receive_ack_of_syn, S::established},
    {S::syn_received, In::receive_syn_ack, S::established},
    {S::syn_received, In::send_fin, S::fin_wait_1},
    {S::syn_received, In::receive_fin, S::close_wait},
    {S::syn_received, In::receive_rst, S::closed},
    {S::established, In::send_fin, S::fin_wait_1},
    {S::established, In::receive_fin, S::close_wait},
    {S::established, In::receive_rst, S::closed},
    {S::established, In::send_rst, S::closed},
    {S::fin_wait_1, In::receive_ack_of_fin, S::fin_wait_2},
    {S::fin_wait_1, In::receive_fin, S::closing},
    {S::fin_wait_2, In::receive_fin, S::time_wait},
    {S::close_wait, In::send_fin, S::last_ack},
    {S::closing, In::receive_ack_of_fin, S::time_wait},
    {S::last_ack, In::receive_ack_of_fin, S::closed},
    {S::time_wait, In::time_wait_expired, S::closed},
    {S::time_wait, In::receive_rst, S::closed},
};

} // namespace

TEST_CASE("conn::next_state follows every edge of the RFC 9293 diagram") {
  for (const Edge& edge : k_edges) {
    CAPTURE(static_cast<int>(edge.from));
    CAPTURE(static_cast<int>(edge.stimulus));
    CHECK(next_state(edge.from, edge.stimulus) == edge.to);
  }
}

TEST_CASE("conn::next_state leaves the state alone where the diagram has no edge") {
  for (int state = 0; state < static_cast<int>(tcpstate::conn::k_tcp_state_count); ++state) {
    for (int stimulus = 0; stimulus < static_cast<int>(tcpstate::conn::k_stimulus_count);
         ++stimulus) {
      const auto from = static_cast<TcpState>(state);
      const auto in = static_cast<Stimulus>(stimulus);
      bool listed = false;
      for (const Edge& edge : k_edges) {
        listed = listed || (edge.from == from && edge.stimulus == in);
      }
      // Sending RST closes from any state but SYN_SENT (an answer to an unacceptable ACK).
      const bool rst_close = in == In::send_rst && from != S::syn_sent;
      const bool rst_receive = in == In::receive_rst && from != S::listen;
      if (!listed && !rst_close && !rst_receive) {
        CAPTURE(state);
        CAPTURE(stimulus);
        CHECK(next_state(from, in) == from);
      }
    }
  }
}

TEST_CASE("conn::next_state RST sent from SYN_SENT does not end the open") {
  CHECK(next_state(S::syn_sent, In::send_rst) == S::syn_sent);
}
