// --threads: reading and decoding on a second thread must change nothing in what
// run_analysis writes, returns or reports on stderr, including when it stops early.
#include "tcpstate/cli/run_analysis.hpp"

#include "capture_builder.hpp"
#include "packet_builder.hpp"
#include "scratch_dir.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <sstream>
#include <streambuf>
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
using tcpstate::test::PcapngBuilder;
using tcpstate::test::ScratchDir;
namespace flag = tcpstate::decode::tcp_flag;
namespace sink = tcpstate::sink;

constexpr std::uint32_t k_start = 1'714'557'600; // 2024-05-01T10:00:00Z

std::string client_address(std::uint32_t connection) {
  return "10.0." + std::to_string(connection / 200) + "." + std::to_string(connection % 200 + 1);
}

// Several batches' worth of packets (a batch holds 1024): connections 20 ms apart, each
// a clean close or a refused SYN, with UDP frames to skip, and now and then a frame
// stamped a second early.
void add_busy_traffic(PcapBuilder& pcap, std::uint32_t first, std::uint32_t count) {
  std::uint32_t frames = 0;
  const auto add = [&](std::uint32_t connection, std::uint32_t step, const PacketBuilder& packet) {
    const std::uint64_t usec = std::uint64_t{connection} * 20'000 + std::uint64_t{step} * 100;
    std::uint32_t seconds = k_start + static_cast<std::uint32_t>(usec / 1'000'000);
    if (++frames % 97 == 0) {
      --seconds;
    }
    pcap.packet(seconds, static_cast<std::uint32_t>(usec % 1'000'000), packet.build().bytes);
  };
  for (std::uint32_t connection = first; connection < first + count; ++connection) {
    const std::string client = client_address(connection);
    const auto port = static_cast<std::uint16_t>(40000 + connection % 20000);
    const auto out = [&] { return PacketBuilder{}.src(client, port).dst("10.9.0.1", 80); };
    const auto back = [&] { return PacketBuilder{}.src("10.9.0.1", 80).dst(client, port); };
    add(connection, 0, out().seq(1000).flags(flag::syn).mss(1460));
    if (connection % 7 == 3) {
      add(connection, 1, back().seq(0).ack(1001).flags(flag::rst | flag::ack));
      continue;
    }
    add(connection, 1, back().seq(5000).ack(1001).flags(flag::syn | flag::ack));
    add(connection, 2, out().seq(1001).ack(5001).flags(flag::ack));
    add(connection, 3, out().seq(1001).ack(5001).flags(flag::ack | flag::psh).payload(20));
    if (connection % 10 == 0) {
      add(connection, 4, out().ip_protocol(17));
    }
    add(connection, 5, back().seq(5001).ack(1021).flags(flag::fin | flag::ack));
    add(connection, 6, out().seq(1021).ack(5002).flags(flag::fin | flag::ack));
    add(connection, 7, back().seq(5002).ack(1022).flags(flag::ack));
  }
}

Bytes busy_capture(std::uint32_t first, std::uint32_t count) {
  PcapBuilder pcap;
  add_busy_traffic(pcap, first, count);
  return pcap.bytes();
}

struct Run {
  ExitCode code;
  std::string out;
  std::string err;
  bool operator==(const Run&) const = default;
};

// A stream that takes `limit` bytes and then fails, as stdout does when its reader exits.
// With limit 0 the stream has failed before the run starts.
class LimitedBuffer final : public std::streambuf {
public:
  explicit LimitedBuffer(std::size_t limit) : m_limit(limit) {}
  const std::string& text() const { return m_text; }

protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof()) || m_text.size() >= m_limit) {
      return traits_type::eof();
    }
    m_text.push_back(traits_type::to_char_type(c));
    return c;
  }

private:
  std::size_t m_limit;
  std::string m_text;
};

Run run(Options options, Threads threads, std::size_t output_limit = std::string::npos) {
  options.threads = threads;
  LimitedBuffer buffer(output_limit);
  std::ostream out(&buffer);
  if (output_limit == 0) {
    out.setstate(std::ios::badbit);
  }
  std::ostringstream err;
  const ExitCode code = run_analysis(options, out, err);
  return {code, buffer.text(), err.str()};
}

Options options_for(std::vector<std::string> inputs) {
  Options options;
  options.inputs = std::move(inputs);
  options.output.format = sink::Format::csv;
  return options;
}

// The run as one thread makes it, checked to be the same with a reader thread, and with
// the connections split between two shards (--threads 4).
Run same_on_both(const Options& options, std::size_t output_limit = std::string::npos) {
  Run one = run(options, Threads::one, output_limit);
  for (const Threads threads : {Threads::two, Threads{4}}) {
    CAPTURE(threads.count);
    const Run other = run(options, threads, output_limit);
    CHECK(other.code == one.code);
    CHECK(other.err == one.err);
    CHECK(other.out == one.out);
  }
  return one;
}

} // namespace

TEST_CASE("cli threads: a reader thread gives the same reports as one thread") {
  const ScratchDir dir;
  const std::string busy = dir.write("busy.pcap", busy_capture(0, 1500));
  const std::string odd = dir.write("odd.pcap", busy_capture(1500, 700));
  const std::string kernel = std::string{TCPSTATE_TESTDATA_DIR} + "/kernel/";

  SUBCASE("rows") {
    const Run result = same_on_both(options_for({busy}));
    CHECK(result.code == ExitCode::success);
    CHECK(result.out.find(client_address(1499)) != std::string::npos);
  }
  SUBCASE("events, filtered, merged with other captures") {
    Options options = options_for({busy, odd, kernel + "syn_flood.pcap", kernel + "refused.pcap"});
    options.output.format = sink::Format::jsonl;
    options.output.view = sink::View::events;
    options.filter = "not host 10.0.3.7";
    CHECK(same_on_both(options).out.find("10.0.3.8") != std::string::npos);
  }
  SUBCASE("summary with its skip counts and --verify-checksums") {
    Options options = options_for({busy, kernel + "lossy_bulk.pcap"});
    options.output.view = sink::View::summary;
    options.verify_checksums = true;
    CHECK(same_on_both(options).out.find("non_tcp") != std::string::npos);
  }
  SUBCASE("--interval snapshots in capture time") {
    Options options = options_for({busy});
    options.output.view = sink::View::summary;
    options.live.interval = tcpstate::k_ns_per_second / 2;
    CHECK(same_on_both(options).out.size() > 1000);
  }
}

TEST_CASE("cli threads: an output that fails part-way stops both at the same packet") {
  const ScratchDir dir;
  const Options options = options_for({dir.write("busy.pcap", busy_capture(0, 1500))});
  const std::size_t whole = run(options, Threads::one).out.size();
  for (const std::size_t limit : {std::size_t{0}, std::size_t{3000}, whole / 2, whole - 1}) {
    CAPTURE(limit);
    const Run result = same_on_both(options, limit);
    CHECK(result.code == ExitCode::success);
    CHECK(result.out.size() == limit);
  }
}

TEST_CASE("cli threads: an early stop reports only the input errors met by then") {
  const ScratchDir dir;
  // Merged inputs: one runs out damaged after a few hundred packets, read by the reader
  // thread long before an output that failed at the first packet is noticed.
  PcapBuilder damaged;
  add_busy_traffic(damaged, 0, 60);
  Bytes bytes = damaged.bytes();
  bytes.resize(bytes.size() - 5);
  PcapBuilder later;
  add_busy_traffic(later, 2000, 1);
  const Options options =
      options_for({dir.write("damaged.pcap", bytes), dir.write("later.pcap", later.bytes())});

  const Run stopped = same_on_both(options, 0);
  CHECK(stopped.code == ExitCode::success);
  CHECK(stopped.err.empty());

  const Run whole = same_on_both(options);
  CHECK(whole.code == ExitCode::input_error);
  CHECK(whole.err.find("damaged.pcap") != std::string::npos);

  // Damage met while reading the very first packet is reported even so.
  PcapBuilder empty;
  Bytes cut = empty.bytes();
  cut.resize(cut.size() + 7);
  const Options first =
      options_for({dir.write("cut.pcap", cut), dir.write("later2.pcap", later.bytes())});
  const Run at_once = same_on_both(first, 0);
  CHECK(at_once.code == ExitCode::input_error);
  CHECK(at_once.err.find("cut.pcap") != std::string::npos);
}

TEST_CASE("cli threads: a filter that fails on a later link type fails after the same rows") {
  // The Ethernet program compiles up front; the raw-IP one only when the first raw frame
  // comes, thousands of packets in, on the reader thread.
  PcapBuilder ethernet;
  add_busy_traffic(ethernet, 0, 600);
  // Later than every TIME_WAIT: all rows are written before the raw frame comes.
  ethernet.packet(k_start + 99, 0, PacketBuilder{}.flags(flag::syn).build().bytes);
  PcapngBuilder pcapng;
  pcapng.interface(1).interface(101);
  const Bytes& records = ethernet.bytes();
  std::size_t offset = PcapBuilder::k_header_size;
  while (offset < records.size()) {
    const auto read_u32 = [&](std::size_t at) {
      return std::uint32_t{records[at]} | std::uint32_t{records[at + 1]} << 8 |
             std::uint32_t{records[at + 2]} << 16 | std::uint32_t{records[at + 3]} << 24;
    };
    const std::uint64_t usec = std::uint64_t{read_u32(offset)} * 1'000'000 + read_u32(offset + 4);
    const std::uint32_t length = read_u32(offset + 8);
    pcapng.enhanced_packet(0, usec, std::span{records}.subspan(offset + 16, length));
    offset += 16 + length;
  }
  const auto raw = PacketBuilder{}
                       .link(tcpstate::LinkType::raw)
                       .src("10.5.0.1", 1)
                       .dst("10.5.0.2", 2)
                       .flags(flag::syn)
                       .build();
  pcapng.enhanced_packet(1, (std::uint64_t{k_start} + 100) * 1'000'000, raw.bytes);

  const ScratchDir dir;
  Options options = options_for({dir.write("mixed.pcapng", pcapng.bytes())});
  options.filter = "not ether host 02:00:00:00:00:09";
  std::vector<std::string> outputs;
  for (const Threads threads : {Threads::one, Threads::two}) {
    CAPTURE(threads.count);
    options.threads = threads;
    std::ostringstream out;
    std::ostringstream err;
    try {
      run_analysis(options, out, err);
      FAIL("expected a usage error");
    } catch (const Fatal& failure) {
      CHECK(failure.code() == ExitCode::usage);
      CHECK(std::string{failure.what()}.find("link type 101") != std::string::npos);
    }
    outputs.push_back(out.str());
  }
  CHECK(outputs[0].find(client_address(590)) != std::string::npos);
  CHECK(outputs[1] == outputs[0]);
}
