// Every evidence sentence that names a state, built from every state and both sides, must
// read as English: it names the sender, never says a state "instead of" itself, has no
// doubled or trailing blanks, and the ones that name the state name the right one.
#include "conn/evidence_text.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

using namespace tcpstate::conn;

namespace {

std::vector<TcpState> every_state() {
  std::vector<TcpState> states;
  for (std::size_t i = 0; i < k_tcp_state_count; ++i) {
    states.push_back(static_cast<TcpState>(i));
  }
  return states;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// What every sentence must satisfy, whatever it says.
void check_reads_well(const std::string& sentence, Side sender) {
  CAPTURE(sentence);
  CHECK(sentence.starts_with(std::string(side_name(sender)) + " "));
  CHECK_FALSE(contains(sentence, "  "));
  CHECK_FALSE(sentence.ends_with(" "));
  CHECK_FALSE(sentence.ends_with("."));
  CHECK_FALSE(contains(sentence, "in CLOSED"));
  CHECK_FALSE(contains(sentence, "still CLOSED"));
  for (const TcpState state : every_state()) {
    const std::string name(state_name(state));
    CHECK_FALSE(contains(sentence, "in " + name + " instead of " + name));
    CHECK_FALSE(contains(sentence, name + " instead of " + name));
  }
}

using Builder = std::function<std::string(Side, TcpState)>;

} // namespace

TEST_CASE("evidence_text: every sentence reads as English for every state and side") {
  const std::vector<std::pair<const char*, Builder>> builders{
      {"rst_from_lost_connection", rst_from_lost_connection},
      {"bare_rst_from_lost_connection", bare_rst_from_lost_connection},
      {"active_closer_rst", active_closer_rst},
      {"abort_by_rst", abort_by_rst},
      {"one_side_open (peer CLOSED)",
       [](Side side, TcpState state) { return one_side_open(side, state, TcpState::closed); }},
      {"one_side_open (open ESTABLISHED)",
       [](Side side, TcpState state) { return one_side_open(side, TcpState::established, state); }},
  };
  for (const auto& [name, build] : builders) {
    // A copy: clang 14 cannot capture a structured binding in CAPTURE's lambda.
    const char* const label = name;
    for (const Side side : {Side::client, Side::server}) {
      for (const TcpState state : every_state()) {
        CAPTURE(label);
        CAPTURE(state_name(state));
        const std::string sentence = build(side, state);
        check_reads_well(sentence, side);
        if (state != TcpState::closed) {
          CHECK(contains(sentence, std::string(state_name(state))));
        }
      }
    }
  }
}

TEST_CASE("evidence_text: the RST of an active closer") {
  CHECK(active_closer_rst(Side::server, TcpState::time_wait) ==
        "server (the active closer) sent RST in TIME_WAIT, ending it before 2*MSL had passed");
  CHECK(active_closer_rst(Side::client, TcpState::fin_wait_2) ==
        "client (the active closer) sent RST in FIN_WAIT_2 instead of going on to TIME_WAIT");
  CHECK(active_closer_rst(Side::client, TcpState::closing) ==
        "client (the active closer) sent RST in CLOSING instead of going on to TIME_WAIT");
  CHECK(active_closer_rst(Side::client, TcpState::closed) ==
        "client (the active closer) sent RST after its side had closed, instead of holding "
        "TIME_WAIT");
}

TEST_CASE("evidence_text: aborts and lost connections") {
  CHECK(abort_by_rst(Side::client, TcpState::established) ==
        "client aborted the connection with RST in ESTABLISHED");
  CHECK(abort_by_rst(Side::server, TcpState::closed) ==
        "server sent RST after its side of the connection was already reset");
  CHECK(rst_from_lost_connection(Side::server, TcpState::fin_wait_2) ==
        "server answered with RST: it no longer had the connection, its peer was still "
        "FIN_WAIT_2");
  CHECK(bare_rst_from_lost_connection(Side::client, TcpState::established) ==
        "client answered with a bare RST, as a host with no such connection does: it had lost "
        "the connection while its peer was ESTABLISHED");
  CHECK(one_side_open(Side::client, TcpState::established, TcpState::syn_received) ==
        "client is ESTABLISHED while server is SYN_RECEIVED");
}
