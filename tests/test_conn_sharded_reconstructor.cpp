// The analysis split between shard threads (sharded_reconstructor.hpp) must write one
// Reconstructor's rows in one Reconstructor's order. Both are fed the same random traffic
// on a small pool of four-tuples, split by their hash between two or three shards: SYNs
// on tuples still open (a shard then asks the others for the capture's shape), reuse,
// floods against a low threshold, one-sided stretches, clock jumps and steps back.
#include "conversation.hpp"
#include "random_traffic.hpp"

#include "tcpstate/conn/sharded_reconstructor.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

using tcpstate::TimeNs;
using tcpstate::conn::AnalysisConfig;
using tcpstate::conn::Event;
using tcpstate::conn::EventObserver;
using tcpstate::conn::Reconstructor;
using tcpstate::conn::ShardedReconstructor;
using tcpstate::conn::ShardsCannotEvict;
using tcpstate::decode::TcpSegment;
using tcpstate::test::describe;
using tcpstate::test::RecordingReceiver;
using tcpstate::test::Traffic;

// Every field of each --events row, as text.
class RecordingEvents final : public EventObserver {
public:
  void on_event(const Event& event) override {
    std::ostringstream text;
    text << static_cast<int>(event.kind) << ' ' << event.packet_number << ' ' << event.time << ' '
         << event.conn_id << ' ' << event.client_address.to_string() << ':' << event.client_port
         << ' ' << event.server_address.to_string() << ':' << event.server_port << ' '
         << static_cast<int>(event.side) << ' ' << static_cast<int>(event.from) << ' '
         << static_cast<int>(event.to) << ' ' << static_cast<int>(event.anomaly) << ' '
         << static_cast<int>(event.note) << ' ' << event.reason;
    rows.push_back(text.str());
  }
  std::vector<std::string> rows;
};

struct Outcome {
  std::size_t rows = 0;
  std::size_t events = 0;
  bool stopped = false; // the shards stopped where one thread evicts
};

// With `events`, both emit --events rows too, which must be the same, in the same order.
Outcome compare(const AnalysisConfig& config, std::size_t shards, std::uint32_t seed,
                bool events = false) {
  RecordingReceiver one_receiver;
  RecordingEvents one_events;
  Reconstructor one(config, one_receiver, events ? &one_events : nullptr);
  RecordingReceiver sharded_receiver;
  RecordingEvents sharded_events;
  std::optional<ShardedReconstructor> sharded;
  sharded.emplace(config, sharded_receiver, shards, events ? &sharded_events : nullptr);
  Traffic traffic(seed);
  TimeNs time = 1'700'000'000 * tcpstate::k_ns_per_second;
  Outcome outcome;
  try {
    // More segments than a batch the shards are handed at once (1,024).
    for (std::uint64_t packet = 1; packet <= 3000; ++packet) {
      time += traffic.step();
      const TcpSegment segment = traffic.next();
      const std::uint32_t what = traffic.pick(40);
      if (what == 0) {
        one.on_bad_checksum(segment);
        sharded->on_bad_checksum(segment);
      } else if (what == 1) {
        one.advance_to(time);
        sharded->advance_to(time);
      } else {
        one.on_segment(segment, time, packet);
        sharded->on_segment(segment, time, packet);
      }
    }
    one.finish(time);
    sharded->finish(time);
  } catch (const ShardsCannotEvict& stop) {
    // Its reports so far must be one thread's first ones.
    outcome.stopped = true;
    REQUIRE(stop.reports() == sharded_receiver.rows.size());
    REQUIRE(stop.reports() <= one_receiver.rows.size());
    one_receiver.rows.resize(stop.reports());
    // And its events one thread's first ones.
    REQUIRE(sharded_events.rows.size() <= one_events.rows.size());
    one_events.rows.resize(sharded_events.rows.size());
  }
  sharded.reset();
  REQUIRE(sharded_receiver.rows.size() == one_receiver.rows.size());
  for (std::size_t i = 0; i < one_receiver.rows.size(); ++i) {
    INFO("seed " << seed << ", " << shards << " shards, row " << i);
    REQUIRE(describe(sharded_receiver.rows[i].report) == describe(one_receiver.rows[i].report));
  }
  REQUIRE(sharded_events.rows.size() == one_events.rows.size());
  for (std::size_t i = 0; i < one_events.rows.size(); ++i) {
    INFO("seed " << seed << ", " << shards << " shards, event " << i);
    REQUIRE(sharded_events.rows[i] == one_events.rows[i]);
  }
  outcome.rows = one_receiver.rows.size();
  outcome.events = one_events.rows.size();
  return outcome;
}

} // namespace

TEST_CASE("conn::ShardedReconstructor writes one Reconstructor's rows in its order") {
  AnalysisConfig defaults;
  AnalysisConfig compact = defaults;
  compact.compact_syn_only_beyond = 0;
  compact.compact_finished_beyond = 0;
  AnalysisConfig short_timers = compact;
  short_timers.handshake_timeout = 2 * tcpstate::k_ns_per_second;
  short_timers.synack_timeout = 1 * tcpstate::k_ns_per_second;
  short_timers.msl = 1 * tcpstate::k_ns_per_second;
  AnalysisConfig idle = defaults;
  idle.idle_timeout = 5 * tcpstate::k_ns_per_second;
  AnalysisConfig flood = defaults;
  flood.syn_flood_threshold = 3;
  flood.syn_flood_window = 2 * tcpstate::k_ns_per_second;
  for (const AnalysisConfig* config : {&defaults, &compact, &short_timers, &idle, &flood}) {
    for (const std::size_t shards : {1U, 2U, 3U}) {
      std::size_t rows = 0;
      for (std::uint32_t seed = 1; seed <= 12; ++seed) {
        const Outcome outcome = compare(*config, shards, seed);
        CHECK_FALSE(outcome.stopped);
        rows += outcome.rows;
      }
      // The traffic must open and end connections in numbers, or this proves little.
      CHECK(rows > 12 * 100);
    }
  }
}

TEST_CASE("conn::ShardedReconstructor emits one Reconstructor's events in its order") {
  AnalysisConfig defaults;
  AnalysisConfig short_timers = defaults;
  short_timers.handshake_timeout = 2 * tcpstate::k_ns_per_second;
  short_timers.synack_timeout = 1 * tcpstate::k_ns_per_second;
  short_timers.msl = 1 * tcpstate::k_ns_per_second;
  AnalysisConfig flood = defaults;
  flood.syn_flood_threshold = 3;
  flood.syn_flood_window = 2 * tcpstate::k_ns_per_second;
  for (const AnalysisConfig* config : {&defaults, &short_timers, &flood}) {
    for (const std::size_t shards : {2U, 3U}) {
      std::size_t events = 0;
      for (std::uint32_t seed = 1; seed <= 6; ++seed) {
        const Outcome outcome = compare(*config, shards, seed, true);
        CHECK_FALSE(outcome.stopped);
        events += outcome.events;
      }
      CHECK(events > 6 * 1000);
    }
  }
  // Where the shards stop, the events so far are one thread's first.
  AnalysisConfig small_table;
  small_table.max_connections = 6;
  for (std::uint32_t seed = 1; seed <= 6; ++seed) {
    CHECK(compare(small_table, 2, seed, true).stopped);
  }
}

TEST_CASE("conn::ShardedReconstructor stops where one thread evicts, after its first rows") {
  AnalysisConfig small_table;
  small_table.max_connections = 6;
  std::size_t stopped = 0;
  for (std::uint32_t seed = 1; seed <= 12; ++seed) {
    stopped += compare(small_table, 2, seed).stopped ? 1U : 0U;
  }
  CHECK(stopped == 12);
}
