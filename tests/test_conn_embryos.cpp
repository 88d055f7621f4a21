// Connections seen as one SYN are kept as that SYN until they are needed (embryo_table.hpp),
// and hatched into full records then; finished connections are frozen into a compact
// encoding and thawed when needed (frozen_connection.hpp). Nothing of it may show in the
// output. A reconstructor with an event listener keeps every connection as a full record
// from its first packet, and one told never to freeze keeps finished ones whole, so the
// two are fed the same random traffic and must write the same rows in the same order.
#include "conversation.hpp"
#include "random_traffic.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

namespace {

using tcpstate::IpAddress;
using tcpstate::TimeNs;
using tcpstate::conn::AnalysisConfig;
using tcpstate::conn::Reconstructor;
using tcpstate::decode::TcpSegment;
using tcpstate::test::describe;
using tcpstate::test::RecordingReceiver;
using tcpstate::test::Traffic;
namespace flag = tcpstate::decode::tcp_flag;

struct Run {
  explicit Run(const AnalysisConfig& config, bool with_events)
      : reconstructor(config, receiver, with_events ? &receiver : nullptr) {}
  RecordingReceiver receiver;
  Reconstructor reconstructor;
};

// Ends both runs at `time` and requires the same rows of them; returns how many.
std::size_t finish_and_compare(Run& compact, Run& whole, TimeNs time, std::uint32_t seed) {
  compact.reconstructor.finish(time);
  whole.reconstructor.finish(time);
  REQUIRE(compact.receiver.rows.size() == whole.receiver.rows.size());
  for (std::size_t i = 0; i < whole.receiver.rows.size(); ++i) {
    INFO("seed " << seed << " row " << i);
    REQUIRE(describe(compact.receiver.rows[i].report) == describe(whole.receiver.rows[i].report));
  }
  return whole.receiver.rows.size();
}

// Returns the number of rows compared.
std::size_t compare_runs(const AnalysisConfig& config, std::uint32_t seed) {
  Run embryonic(config, false);
  AnalysisConfig whole = config;
  whole.compact_finished_beyond = UINT64_MAX;
  Run full(whole, true);
  Traffic traffic(seed);
  TimeNs time = 1'700'000'000 * tcpstate::k_ns_per_second;
  for (std::uint64_t packet = 1; packet <= 400; ++packet) {
    time += traffic.step();
    const TcpSegment segment = traffic.next();
    const std::uint32_t what = traffic.pick(40);
    for (Run* run : {&embryonic, &full}) {
      if (what == 0) {
        run->reconstructor.on_bad_checksum(segment);
      } else if (what == 1) {
        run->reconstructor.advance_to(time);
      } else {
        run->reconstructor.on_segment(segment, time, packet);
      }
    }
    REQUIRE(embryonic.reconstructor.open_connections() == full.reconstructor.open_connections());
    if (packet % 50 == 0) {
      REQUIRE(embryonic.reconstructor.count_states() == full.reconstructor.count_states());
    }
  }
  return finish_and_compare(embryonic, full, time, seed);
}

} // namespace

TEST_CASE("conn::Reconstructor writes the same rows whether or not SYN-only and finished "
          "connections are kept compact") {
  AnalysisConfig defaults;
  defaults.compact_syn_only_beyond = 0; // every SYN-only connection starts as an embryo
  defaults.compact_finished_beyond = 0; // every finished connection is frozen
  AnalysisConfig mixed = defaults;
  mixed.compact_syn_only_beyond = 4;
  mixed.compact_finished_beyond = 6;
  AnalysisConfig short_timers = defaults;
  short_timers.handshake_timeout = 2 * tcpstate::k_ns_per_second;
  short_timers.synack_timeout = 1 * tcpstate::k_ns_per_second;
  short_timers.msl = 1 * tcpstate::k_ns_per_second;
  AnalysisConfig idle = defaults;
  idle.idle_timeout = 5 * tcpstate::k_ns_per_second;
  AnalysisConfig small_table = defaults;
  small_table.max_connections = 3;
  AnalysisConfig live = defaults;
  live.write_out_when_finished = true;
  live.idle_timeout = 300 * tcpstate::k_ns_per_second;
  AnalysisConfig flood = defaults;
  flood.syn_flood_threshold = 3;
  flood.syn_flood_window = 2 * tcpstate::k_ns_per_second;
  for (const AnalysisConfig* config :
       {&defaults, &mixed, &short_timers, &idle, &small_table, &live, &flood}) {
    std::size_t rows = 0;
    for (std::uint32_t seed = 1; seed <= 60; ++seed) {
      rows += compare_runs(*config, seed);
    }
    // The traffic must open and end connections in numbers, or the comparison proves little.
    CHECK(rows > 60 * 20);
  }
}

namespace {

// Quiet open connections are frozen only once the full records fill their pages (2 MiB,
// about 3,300 records), so this needs thousands of them: handshakes from distinct clients,
// some closed, most left open and quiet, and later packets on random earlier ones (data,
// an ACK, a FIN, a RST, a new SYN) that find them frozen or whole.
std::size_t compare_quiet_runs(const AnalysisConfig& config, std::uint32_t seed) {
  Run compact(config, false);
  AnalysisConfig whole_config = config;
  whole_config.compact_finished_beyond = UINT64_MAX;
  Run whole(whole_config, true);
  std::mt19937 random(seed);
  const auto pick = [&random](std::uint32_t n) {
    return std::uniform_int_distribution<std::uint32_t>(0, n - 1)(random);
  };
  IpAddress server;
  IpAddress::parse("10.0.0.1", server);
  constexpr std::uint32_t k_connections = 8000;
  const auto client_of = [](std::uint32_t i) {
    IpAddress client;
    const std::string text = "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
    IpAddress::parse(text, client);
    return client;
  };
  TimeNs time = 1'700'000'000 * tcpstate::k_ns_per_second;
  std::uint64_t packet = 0;
  const auto send = [&](std::uint32_t i, bool from_client, std::uint8_t flags, std::uint32_t seq,
                        std::uint32_t ack, std::uint32_t payload) {
    TcpSegment segment;
    segment.src = from_client ? client_of(i) : server;
    segment.dst = from_client ? server : client_of(i);
    segment.src_port = from_client ? 40000 : 80;
    segment.dst_port = from_client ? 80 : 40000;
    segment.flags = flags;
    segment.seq = seq;
    segment.ack = ack;
    segment.window = 1000;
    segment.payload_length = payload;
    segment.ip_length = 40 + payload;
    if ((flags & flag::syn) != 0) {
      segment.options.mss = 1460;
    }
    // Now and then the clock jumps past timers, as in a capture with a gap.
    time += pick(3000) == 0 ? static_cast<TimeNs>(pick(130)) * tcpstate::k_ns_per_second
                            : static_cast<TimeNs>(pick(4'000'000));
    ++packet;
    for (Run* run : {&compact, &whole}) {
      run->reconstructor.on_segment(segment, time, packet);
    }
  };
  // Connection i's client ISN is 1000 * i and its server's 5000 * i; each side sends 100
  // bytes before any close.
  const auto client_isn = [](std::uint32_t i) { return 1000 * i; };
  const auto server_isn = [](std::uint32_t i) { return 5000 * i; };
  for (std::uint32_t i = 0; i < k_connections; ++i) {
    const std::uint32_t c = client_isn(i);
    const std::uint32_t s = server_isn(i);
    send(i, true, flag::syn, c, 0, 0);
    send(i, false, flag::syn | flag::ack, s, c + 1, 0);
    send(i, true, flag::ack, c + 1, s + 1, 0);
    send(i, true, flag::ack | flag::psh, c + 1, s + 1, 100);
    send(i, false, flag::ack | flag::psh, s + 1, c + 101, 100);
    if (i % 4 == 0) {
      send(i, true, flag::fin | flag::ack, c + 101, s + 101, 0);
      send(i, false, flag::fin | flag::ack, s + 101, c + 102, 0);
      send(i, true, flag::ack, c + 102, s + 102, 0);
    } else if (i % 4 == 1) {
      send(i, true, flag::fin | flag::ack, c + 101, s + 101, 0);
      send(i, false, flag::ack, s + 101, c + 102, 0);
    }
    if (i > 100 && pick(3) == 0) {
      // An earlier connection, perhaps frozen by now, hears from a side again.
      const std::uint32_t j = pick(i);
      const std::uint32_t cj = client_isn(j);
      const std::uint32_t sj = server_isn(j);
      switch (pick(5)) {
      case 0:
        send(j, false, flag::ack | flag::psh, sj + 101, cj + 101, 50);
        break;
      case 1:
        send(j, true, flag::ack, cj + 101, sj + 151, 0);
        break;
      case 2:
        send(j, false, flag::fin | flag::ack, sj + 101, cj + 102, 0);
        break;
      case 3:
        send(j, true, flag::rst, cj + 101, 0, 0);
        break;
      default:
        send(j, true, flag::syn, cj + 7'777'777, 0, 0);
        break;
      }
    }
    if (i % 1000 == 999) {
      REQUIRE(compact.reconstructor.open_connections() == whole.reconstructor.open_connections());
      REQUIRE(compact.reconstructor.count_states() == whole.reconstructor.count_states());
    }
  }
  return finish_and_compare(compact, whole, time, seed);
}

} // namespace

TEST_CASE("conn::Reconstructor writes the same rows when quiet open connections are frozen "
          "to spare a page") {
  AnalysisConfig quiet;
  quiet.compact_syn_only_beyond = UINT64_MAX;
  quiet.compact_finished_beyond = 0;
  quiet.compact_quiet_after = 0;  // every record not touched by the segment at hand
  AnalysisConfig hatched = quiet; // room is made as embryos hatch, too
  hatched.compact_syn_only_beyond = 0;
  AnalysisConfig slower = quiet;
  slower.compact_quiet_after = 5 * tcpstate::k_ns_per_second;
  AnalysisConfig short_timers = quiet;
  short_timers.msl = 1 * tcpstate::k_ns_per_second;
  short_timers.synack_timeout = 1 * tcpstate::k_ns_per_second;
  short_timers.idle_timeout = 20 * tcpstate::k_ns_per_second;
  for (const AnalysisConfig* config : {&quiet, &hatched, &slower, &short_timers}) {
    for (std::uint32_t seed = 1; seed <= 2; ++seed) {
      CHECK(compare_quiet_runs(*config, seed) >= 8000);
    }
  }
}
