// The pictures (issue 8): --follow targets and option combinations, the ladder rows that
// both renderers draw from, and the --report file's bounds.
#include "command_words.hpp"
#include "tcpstate/cli/options.hpp"
#include "tcpstate/cli/run_analysis.hpp"
#include "tcpstate/decode/tcp_segment.hpp"
#include "tcpstate/sink/html_report.hpp"
#include "tcpstate/sink/ladder.hpp"
#include "tcpstate/util/fatal.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace {

using tcpstate::test::parse_words;
using tcpstate::test::usage_error;

using tcpstate::ExitCode;
using tcpstate::Fatal;
using tcpstate::IpAddress;
using tcpstate::cli::ConnectionTarget;
using tcpstate::cli::Options;
using tcpstate::cli::parse_connection_target;
namespace conn = tcpstate::conn;
namespace sink = tcpstate::sink;
namespace flag = tcpstate::decode::tcp_flag;

IpAddress address(const std::string& text) {
  IpAddress parsed;
  REQUIRE(IpAddress::parse(text, parsed));
  return parsed;
}

std::string testdata(const std::string& name) {
  return std::string(TCPSTATE_TESTDATA_DIR) + "/" + name;
}

} // namespace

TEST_CASE("--follow takes a conn_id or a four-tuple in either notation") {
  ConnectionTarget target;
  REQUIRE(parse_connection_target("42", target));
  CHECK_FALSE(target.by_tuple);
  CHECK(target.conn_id == 42);

  REQUIRE(parse_connection_target("10.0.0.1:80-10.0.0.2:5000", target));
  CHECK(target.by_tuple);
  CHECK(target.address_a == address("10.0.0.1"));
  CHECK(target.port_a == 80);
  CHECK(target.address_b == address("10.0.0.2"));
  CHECK(target.port_b == 5000);

  REQUIRE(parse_connection_target("[::1]:80-[2001:db8::1]:8080", target));
  CHECK(target.address_a == address("::1"));
  CHECK(target.address_b == address("2001:db8::1"));
  CHECK(target.port_b == 8080);

  for (const char* bad : {"0", "", "abc", "10.0.0.1-80", "::1:80-::1:81", "10.0.0.1:80-",
                          "10.0.0.1:99999-10.0.0.2:1", "[::1]-[::1]:1", "10.0.0.1:80-x:1", "-1"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_connection_target(bad, target));
  }
}

TEST_CASE("picture options: values and combinations") {
  const Options follow = parse_words({"-r", "a.pcap", "--follow", "3", "--color=never"});
  CHECK(follow.pictures.follow.enabled);
  CHECK(follow.pictures.follow.conn_id == 3);
  CHECK(follow.pictures.color == tcpstate::cli::ColorMode::never);
  CHECK(parse_words({"-r", "a.pcap", "--color", "always"}).pictures.color ==
        tcpstate::cli::ColorMode::always);
  CHECK(parse_words({"-r", "a.pcap"}).pictures.color == tcpstate::cli::ColorMode::automatic);

  const Options report = parse_words({"-r", "a.pcap", "--report", "out.html", "--summary"});
  CHECK(report.pictures.report_path == "out.html");

  // --interval is also for files, in capture time.
  const Options interval = parse_words({"-r", "a.pcap", "--summary", "--interval", "0.5"});
  CHECK(interval.live.interval == tcpstate::k_ns_per_second / 2);

  CHECK(usage_error({"-r", "a.pcap", "--follow", "x"}).find("--follow") == 0);
  CHECK(usage_error({"-r", "a.pcap", "--follow", "1", "--summary"}).find("--follow") == 0);
  CHECK(usage_error({"-r", "a.pcap", "--follow", "1", "--format", "csv"}).find("--follow") == 0);
  CHECK(usage_error({"-r", "a.pcap", "--follow", "1", "--report", "r.html"}).find("--follow") == 0);
  CHECK(usage_error({"-r", "a.pcap", "--report", "-"}).find("--report") == 0);
  CHECK(usage_error({"-r", "a.pcap", "--color", "sometimes"}).find("--color") == 0);
}

TEST_CASE("ladder rows: relative sequence numbers, states after each packet, verdicts") {
  sink::Ladder ladder;
  ladder.conn_id = 1;
  ladder.client_address = address("10.0.0.1");
  ladder.client_port = 5000;
  ladder.server_address = address("10.0.0.2");
  ladder.server_port = 80;
  ladder.packets = {
      {1, 1000, true, flag::syn, 100, 0, 0, 0},
      {2, 2000, false, flag::syn | flag::ack, 900, 101, 0, 0},
      {3, 3000, true, flag::ack | flag::psh, 101, 901, 10, 0},
      {4, 4000, false, flag::rst, 901, 0, 0, 0},
  };
  ladder.packets_seen = 5;
  const auto change = [](std::uint64_t packet, conn::Side side, conn::TcpState from,
                         conn::TcpState to) {
    sink::LadderEvent event;
    event.packet_number = packet;
    event.side = side;
    event.from = from;
    event.to = to;
    return event;
  };
  ladder.events.push_back(
      change(1, conn::Side::client, conn::TcpState::closed, conn::TcpState::syn_sent));
  ladder.events.push_back(
      change(2, conn::Side::server, conn::TcpState::listen, conn::TcpState::syn_received));
  ladder.events.push_back(
      change(2, conn::Side::client, conn::TcpState::syn_sent, conn::TcpState::established));
  sink::LadderEvent verdict;
  verdict.kind = conn::EventKind::anomaly;
  verdict.packet_number = 4;
  verdict.anomaly = tcpstate::anomaly::Anomaly::half_open;
  verdict.reason = "because";
  ladder.events.push_back(verdict);
  sink::LadderEvent timer =
      change(0, conn::Side::server, conn::TcpState::syn_received, conn::TcpState::closed);
  timer.time = 9000;
  ladder.events.push_back(timer);
  ladder.final_states = {conn::TcpState::established, conn::TcpState::closed};

  const auto rows = sink::ladder_rows(ladder);
  REQUIRE(rows.size() == 5);
  CHECK(rows[0].label == "S seq=0 len=0");
  CHECK(rows[0].states[1] == conn::TcpState::listen); // before its first change
  CHECK(rows[1].label == "S. seq=0 ack=1 len=0");
  CHECK(rows[1].changed[0]);
  CHECK(rows[1].changed[1]);
  CHECK(rows[2].label == "P. seq=1 ack=1 len=10");
  CHECK(rows[2].states[0] == conn::TcpState::established);
  CHECK_FALSE(rows[2].changed[0]);
  CHECK(rows[3].label == "R seq=1 len=0");
  REQUIRE(rows[3].verdicts.size() == 1);
  CHECK(rows[4].packet == nullptr); // the timer
  CHECK(rows[4].time == 8000);
  CHECK(rows[4].states[1] == conn::TcpState::closed);

  std::string text;
  sink::append_ladder_text(text, ladder, false);
  CHECK(text.find("\x1b[") == std::string::npos);
  CHECK(text.find("5 packets, the first 4 shown") != std::string::npos);
  CHECK(text.find("!! anomaly half_open (client): because") != std::string::npos);
  CHECK(text.find("(timer)") != std::string::npos);
  std::string colored;
  sink::append_ladder_text(colored, ladder, true);
  CHECK(colored.find("\x1b[") != std::string::npos);

  std::string svg;
  sink::append_ladder_svg(svg, ladder);
  CHECK(svg.find("<svg class=\"ladder\" data-conn-id=\"1\" data-packets=\"4\"") == 0);
  CHECK(svg.find("1 more packets not drawn") != std::string::npos);
}

TEST_CASE("flag letters as tcpdump writes them") {
  CHECK(sink::flag_text(flag::syn) == "S");
  CHECK(sink::flag_text(flag::syn | flag::ack) == "S.");
  CHECK(sink::flag_text(flag::ack) == ".");
  CHECK(sink::flag_text(flag::fin | flag::psh | flag::ack) == "FP.");
  CHECK(sink::flag_text(flag::rst | flag::ack) == "R.");
  CHECK(sink::flag_text(0) == "none");
}

TEST_CASE("--report writes one self-contained file; --follow draws through run_analysis") {
  const std::string path = "test_cli_pictures_report.html";
  Options options =
      parse_words({"-r", testdata("kernel/refused.pcap"), "--summary", "--report", path});
  std::ostringstream out;
  std::ostringstream err;
  CHECK(tcpstate::cli::run_analysis(options, out, err) == ExitCode::success);
  CHECK(err.str().empty());
  std::ifstream file(path);
  const std::string html{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  std::remove(path.c_str());
  CHECK(html.find("<!DOCTYPE html>") == 0);
  CHECK(html.find("data-anomalies=\"refused\"") != std::string::npos);
  CHECK(html.find("<svg class=\"ladder\" data-conn-id=\"1\"") != std::string::npos);
  CHECK(html.find("src=\"http") == std::string::npos);

  Options unwritable =
      parse_words({"-r", testdata("kernel/refused.pcap"), "--report", "/nonexistent/dir/r.html"});
  try {
    tcpstate::cli::run_analysis(unwritable, out, err);
    FAIL("expected a failure");
  } catch (const Fatal& failure) {
    CHECK(failure.code() == ExitCode::input_error);
  }

  Options follow = parse_words({"-r", testdata("kernel/refused.pcap"), "--follow", "1"});
  std::ostringstream ladder;
  CHECK(tcpstate::cli::run_analysis(follow, ladder, err) == ExitCode::success);
  CHECK(ladder.str().find("connection 1: client") == 0);
}
