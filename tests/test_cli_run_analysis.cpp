// The pipeline driver end to end on tiny captures built here. The assertions stay on exit
// codes, stderr and what any output format must contain, so that they test the driver and
// not a sink's layout.
#include "tcpstate/cli/run_analysis.hpp"

#include "capture_builder.hpp"
#include "packet_builder.hpp"
#include "scratch_dir.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace {

using tcpstate::ExitCode;
using tcpstate::Fatal;
using tcpstate::cli::Options;
using tcpstate::cli::run_analysis;
using tcpstate::cli::Threads;
using tcpstate::test::Bytes;
using tcpstate::test::PacketBuilder;
using tcpstate::test::PcapBuilder;
using tcpstate::test::ScratchDir;
namespace flag = tcpstate::decode::tcp_flag;
namespace sink = tcpstate::sink;

constexpr std::uint32_t k_start = 1'714'557'600; // 2024-05-01T10:00:00Z

PacketBuilder client_to(std::uint16_t port) {
  return PacketBuilder{}.src("10.0.0.1", 40000).dst("10.0.0.2", port);
}
PacketBuilder server_from(std::uint16_t port) {
  return PacketBuilder{}.src("10.0.0.2", port).dst("10.0.0.1", 40000);
}

// Handshake, a request, and a FIN close by the client, to port 80.
void add_clean_connection(PcapBuilder& pcap) {
  const auto add = [&pcap](std::uint32_t usec, const PacketBuilder& packet) {
    pcap.packet(k_start, usec, packet.build().bytes);
  };
  add(0, client_to(80).seq(1000).flags(flag::syn));
  add(100, server_from(80).seq(5000).ack(1001).flags(flag::syn | flag::ack));
  add(200, client_to(80).seq(1001).ack(5001).flags(flag::ack));
  add(300, client_to(80).seq(1001).ack(5001).flags(flag::ack | flag::psh).payload(10));
  add(400, server_from(80).seq(5001).ack(1011).flags(flag::ack));
  add(500, client_to(80).seq(1011).ack(5001).flags(flag::fin | flag::ack));
  add(600, server_from(80).seq(5001).ack(1012).flags(flag::fin | flag::ack));
  add(700, client_to(80).seq(1012).ack(5002).flags(flag::ack));
}

// A SYN to port 81 answered by RST: the connection is refused, an anomaly.
void add_refused_connection(PcapBuilder& pcap) {
  pcap.packet(k_start + 1, 0, client_to(81).seq(7000).flags(flag::syn).build().bytes);
  pcap.packet(k_start + 1, 50,
              server_from(81).seq(0).ack(7001).flags(flag::rst | flag::ack).build().bytes);
}

Bytes clean_capture() {
  PcapBuilder pcap;
  add_clean_connection(pcap);
  return pcap.bytes();
}

Bytes mixed_capture() {
  PcapBuilder pcap;
  add_clean_connection(pcap);
  add_refused_connection(pcap);
  return pcap.bytes();
}

Options options_for(std::vector<std::string> inputs) {
  Options options;
  options.inputs = std::move(inputs);
  options.output.format = sink::Format::csv;
  return options;
}

struct Run {
  ExitCode code;
  std::string out;
  std::string err;
};

Run run(const Options& options) {
  std::ostringstream out;
  std::ostringstream err;
  const ExitCode code = run_analysis(options, out, err);
  return {code, out.str(), err.str()};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("cli run: a clean connection is reported and the exit code is 0") {
  const ScratchDir dir;
  for (const auto format : {sink::Format::table, sink::Format::csv, sink::Format::jsonl}) {
    Options options = options_for({dir.write("clean.pcap", clean_capture())});
    options.output.format = format;
    const Run result = run(options);
    CHECK(result.code == ExitCode::success);
    CHECK(result.err.empty());
    CHECK(contains(result.out, "10.0.0.1"));
    CHECK(contains(result.out, "40000"));
  }
}

TEST_CASE("cli run: --fail-on-anomaly turns an anomaly into exit code 1") {
  const ScratchDir dir;
  Options options = options_for({dir.write("mixed.pcap", mixed_capture())});
  CHECK(run(options).code == ExitCode::success);
  options.fail_on_anomaly = true;
  CHECK(run(options).code == ExitCode::anomaly_found);

  options.inputs = {dir.write("clean.pcap", clean_capture())};
  CHECK(run(options).code == ExitCode::success);
}

TEST_CASE("cli run: the filter decides which packets are analysed") {
  const ScratchDir dir;
  Options options = options_for({dir.write("mixed.pcap", mixed_capture())});
  options.fail_on_anomaly = true;
  options.filter = "tcp port 80";
  CHECK(run(options).code == ExitCode::success);
  options.filter = "tcp port 81";
  CHECK(run(options).code == ExitCode::anomaly_found);
}

TEST_CASE("cli run: a filter that does not compile is a usage error before any output") {
  const ScratchDir dir;
  Options options = options_for({dir.write("clean.pcap", clean_capture()), dir.file("missing")});
  options.filter = "port port (";
  std::ostringstream out;
  std::ostringstream err;
  try {
    run_analysis(options, out, err);
    FAIL("expected a usage error");
  } catch (const Fatal& failure) {
    CHECK(failure.code() == ExitCode::usage);
  }
  CHECK(out.str().empty());
  CHECK(err.str().empty()); // not even the missing input
}

TEST_CASE("cli run: an input that cannot be opened is reported, the others still are") {
  const ScratchDir dir;
  const std::string missing = dir.file("missing.pcap");
  const Run result = run(options_for({missing, dir.write("clean.pcap", clean_capture())}));
  CHECK(result.code == ExitCode::input_error);
  CHECK(result.err.rfind("tcpstate: ", 0) == 0);
  CHECK(contains(result.err, missing));
  CHECK(contains(result.out, "10.0.0.1"));
}

TEST_CASE("cli run: with no input readable the table says only the errors, as tcpdump") {
  const ScratchDir dir;
  for (const auto view : {sink::View::summary, sink::View::connections, sink::View::events}) {
    Options options = options_for({dir.file("a.pcap"), dir.write("b.pcap", std::string("junk"))});
    options.output.view = view;
    options.output.format = sink::Format::table;
    const Run result = run(options);
    CHECK(result.code == ExitCode::input_error);
    CHECK(result.out.empty());
    CHECK(contains(result.err, dir.file("a.pcap")));
    CHECK(contains(result.err, dir.file("b.pcap")));
  }
}

TEST_CASE("cli run: with no input readable the machine formats keep their header") {
  const ScratchDir dir;
  Options options = options_for({dir.file("a.pcap")});
  options.output.format = sink::Format::csv;
  const Run result = run(options);
  CHECK(result.code == ExitCode::input_error);
  CHECK(result.out.starts_with("conn_id,first_seen,"));
  CHECK(std::count(result.out.begin(), result.out.end(), '\n') == 1);
}

TEST_CASE("cli run: -c with a file analyses only the first N packets that pass the filter") {
  const ScratchDir dir;
  const std::string path = dir.write("clean.pcap", clean_capture());
  Options options = options_for({path});
  options.output.view = sink::View::summary;
  options.output.format = sink::Format::csv;
  for (const auto threads : {Threads::one, Threads::two}) {
    options.threads = threads;
    options.live.count = 2;
    Run result = run(options);
    CHECK(result.code == ExitCode::success);
    CHECK(contains(result.out, "capture,,packets_read,2\n"));
    options.live.count = 1000;
    result = run(options);
    CHECK_FALSE(contains(result.out, "capture,,packets_read,2\n"));
  }
}

TEST_CASE("cli run: a truncated capture reports what it read, and exit code 3") {
  const ScratchDir dir;
  Bytes bytes = clean_capture();
  bytes.resize(bytes.size() - 10);
  const std::string path = dir.write("cut.pcap", bytes);
  const Run result = run(options_for({path}));
  CHECK(result.code == ExitCode::input_error);
  CHECK(result.err.rfind("tcpstate: ", 0) == 0);
  CHECK(contains(result.err, "cut.pcap"));
  CHECK(contains(result.out, "10.0.0.1"));
}

TEST_CASE("cli run: an input error outranks --fail-on-anomaly") {
  const ScratchDir dir;
  Options options =
      options_for({dir.write("mixed.pcap", mixed_capture()), dir.file("missing.pcap")});
  options.fail_on_anomaly = true;
  CHECK(run(options).code == ExitCode::input_error);
}

TEST_CASE("cli run: two files are merged into one capture") {
  const ScratchDir dir;
  PcapBuilder refused;
  add_refused_connection(refused);
  Options options = options_for(
      {dir.write("refused.pcap", refused.bytes()), dir.write("clean.pcap", clean_capture())});
  options.fail_on_anomaly = true;
  const Run result = run(options);
  CHECK(result.code == ExitCode::anomaly_found);
  CHECK(result.err.empty());
  CHECK(contains(result.out, "81"));
  CHECK(contains(result.out, "80"));
}

TEST_CASE("cli run: the events view writes events") {
  const ScratchDir dir;
  Options options = options_for({dir.write("clean.pcap", clean_capture())});
  Options plain = options;
  options.output.view = sink::View::events;
  options.output.format = sink::Format::jsonl;
  plain.output.format = sink::Format::jsonl;
  const Run events = run(options);
  CHECK(events.code == ExitCode::success);
  CHECK(events.out != run(plain).out);
}

TEST_CASE("cli run: timestamps that go backwards are analysed, not rejected") {
  const ScratchDir dir;
  PcapBuilder pcap;
  add_refused_connection(pcap); // one second later than what follows
  add_clean_connection(pcap);
  Options options = options_for({dir.write("backwards.pcap", pcap.bytes())});
  const Run result = run(options);
  CHECK(result.code == ExitCode::success);
  CHECK(result.err.empty());
  CHECK(contains(result.out, "10.0.0.1"));
}

TEST_CASE("cli run: an output that is gone stops the run quietly") {
  const ScratchDir dir;
  std::ostringstream out;
  std::ostringstream err;
  out.setstate(std::ios::badbit);
  const Options options = options_for({dir.write("clean.pcap", clean_capture())});
  CHECK(run_analysis(options, out, err) == ExitCode::success);
  CHECK(err.str().empty());
}
