#include "tcpstate/conn/shard.hpp"

#include "conversation.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

using tcpstate::IpAddress;
using tcpstate::anomaly::Anomaly;
using tcpstate::conn::AnalysisConfig;
using tcpstate::conn::shard_hash;
using tcpstate::conn::shard_of;
using tcpstate::conn::ShardSelection;

namespace {

IpAddress address(const std::string& text) {
  IpAddress parsed;
  REQUIRE(IpAddress::parse(text, parsed));
  return parsed;
}

// 30 clients' SYNs to one server, each answered by a SYN-ACK and never completed: more
// than the threshold of 10 together, fewer in any one of three shards.
struct FloodRun {
  std::map<std::uint16_t, std::uint64_t> conn_id_by_port;
  std::map<std::uint16_t, bool> flood_by_port;
  std::vector<std::uint64_t> event_conn_ids;
  tcpstate::conn::Reconstructor::StateCounts states_before_end{};
  std::size_t open_before_end = 0;
  std::size_t open_after_end = 0;
};

FloodRun run_flood(tcpstate::conn::ShardSelection shard, bool with_events) {
  AnalysisConfig config;
  config.syn_flood_threshold = 10;
  config.compact_syn_only_beyond = 0; // the SYNs kept as embryos: counted all the same
  config.shard = shard;
  tcpstate::test::Conversation c(config, with_events);
  auto& server = c.server();
  for (std::uint16_t i = 0; i < 30; ++i) {
    auto& client = c.client();
    client.port = static_cast<std::uint16_t>(50000 + i);
    c.send(c.segment(client, server, tcpstate::test::Conversation::syn));
    if (i % 2 == 0) {
      c.send(c.segment(server, client,
                       tcpstate::test::Conversation::syn | tcpstate::test::Conversation::ack));
    }
  }
  FloodRun run;
  run.states_before_end = c.reconstructor().count_states();
  run.open_before_end = c.reconstructor().open_connections();
  auto& rows = c.finish();
  run.open_after_end = c.reconstructor().open_connections();
  for (const auto& row : rows) {
    run.conn_id_by_port[row.report.client().port] = row.report.conn_id;
    run.flood_by_port[row.report.client().port] = row.report.anomalies.has(Anomaly::syn_flood);
  }
  for (const auto& event : c.events()) {
    run.event_conn_ids.push_back(event.conn_id);
  }
  return run;
}

} // namespace

// The values were computed by a separate implementation of the definition in shard.hpp (the
// man page's SHARDING). A change here re-shards every archive already split: it must be a
// deliberate, announced change of the definition, never a side effect.
TEST_CASE("shard_hash gives the defined values") {
  CHECK(shard_hash(address("10.0.0.1"), 40000, address("192.168.1.1"), 80) ==
        0x0ed69e0437f53bbcULL);
  CHECK(shard_hash(address("127.0.0.1"), 8080, address("127.0.0.2"), 30000) ==
        0xabf4e24bba10dc48ULL);
  CHECK(shard_hash(address("2001:db8::1"), 443, address("2001:db8::2"), 51234) ==
        0x695c0e18b9111208ULL);
  CHECK(shard_hash(address("0.0.0.0"), 0, address("0.0.0.0"), 0) == 0x12398e96d3959659ULL);
  CHECK(shard_of(0x0ed69e0437f53bbcULL, 7) == 3);
  CHECK(shard_of(0x695c0e18b9111208ULL, 7) == 4);
}

TEST_CASE("shard_hash is the same for both directions of a connection") {
  std::mt19937_64 random(16);
  for (int i = 0; i < 10000; ++i) {
    std::array<std::uint8_t, 16> a{};
    std::array<std::uint8_t, 16> b{};
    for (std::size_t k = 0; k < a.size(); ++k) {
      // Few byte values: equal prefixes, and equal addresses, are common.
      a[k] = static_cast<std::uint8_t>(random() % 3);
      b[k] = static_cast<std::uint8_t>(random() % 3);
    }
    const bool v6 = random() % 2 == 0;
    const IpAddress x = v6 ? IpAddress::v6(a.data()) : IpAddress::v4(a.data());
    const IpAddress y = v6 ? IpAddress::v6(b.data()) : IpAddress::v4(b.data());
    const auto x_port = static_cast<std::uint16_t>(random() % 4);
    const auto y_port = static_cast<std::uint16_t>(random() % 4);
    CHECK(shard_hash(x, x_port, y, y_port) == shard_hash(y, y_port, x, x_port));
    CHECK(shard_hash(tcpstate::conn::key_between(x, x_port, y, y_port)) ==
          shard_hash(x, x_port, y, y_port));
  }
}

TEST_CASE("shard_hash spreads the connections of one client and server over the shards") {
  // The common case a poor hash gets wrong: only the client's port changes.
  const IpAddress client = address("10.1.2.3");
  const IpAddress server = address("192.0.2.10");
  for (const std::uint32_t count : {2U, 3U, 7U}) {
    std::array<int, 7> per_shard{};
    for (std::uint16_t port = 32768; port < 32768 + 7000; ++port) {
      per_shard.at(shard_of(shard_hash(client, port, server, 443), count))++;
    }
    const int even = 7000 / static_cast<int>(count);
    for (std::uint32_t k = 0; k < count; ++k) {
      CHECK(per_shard.at(k) > even * 9 / 10);
      CHECK(per_shard.at(k) < even * 11 / 10);
    }
  }
}

TEST_CASE("ShardSelection: no shard contains everything, shard K of N its own") {
  const std::uint64_t hash = 0x0ed69e0437f53bbcULL; // shard 3 of 7
  CHECK(ShardSelection{}.contains(hash));
  CHECK_FALSE(ShardSelection{}.active());
  CHECK(ShardSelection{3, 7}.contains(hash));
  CHECK_FALSE(ShardSelection{2, 7}.contains(hash));
  CHECK(ShardSelection{0, 1}.contains(hash));
  CHECK(ShardSelection{0, 1}.active());
}

TEST_CASE("conn::Reconstructor under --shard: the unsharded rows, split, flood verdicts and all") {
  for (const bool with_events : {false, true}) {
    CAPTURE(with_events);
    const FloodRun whole = run_flood({}, with_events);
    REQUIRE(whole.conn_id_by_port.size() == 30);
    CHECK(std::count_if(whole.flood_by_port.begin(), whole.flood_by_port.end(),
                        [](const auto& entry) { return entry.second; }) == 30);
    constexpr std::uint32_t k_shards = 3;
    std::map<std::uint16_t, std::uint64_t> conn_ids;
    std::map<std::uint16_t, bool> floods;
    std::vector<std::uint64_t> events;
    tcpstate::conn::Reconstructor::StateCounts states{};
    std::size_t open = 0;
    for (std::uint32_t index = 0; index < k_shards; ++index) {
      const FloodRun shard = run_flood({index, k_shards}, with_events);
      // Each shard alone holds about 10 of the 30 handshakes: the flood is the capture's.
      CHECK(shard.conn_id_by_port.size() < 20);
      for (const auto& [port, conn_id] : shard.conn_id_by_port) {
        const std::uint64_t hash = shard_hash(address("10.0.0.1"), port, address("10.0.0.2"), 80);
        CHECK(shard_of(hash, k_shards) == index);
        CHECK(conn_ids.emplace(port, conn_id).second);
      }
      floods.insert(shard.flood_by_port.begin(), shard.flood_by_port.end());
      // Held connections: the shard's own, as its rows and its state counts are.
      open += shard.open_before_end;
      CHECK(shard.open_before_end == shard.conn_id_by_port.size());
      CHECK(shard.open_after_end == 0);
      events.insert(events.end(), shard.event_conn_ids.begin(), shard.event_conn_ids.end());
      for (std::size_t side = 0; side < states.size(); ++side) {
        for (std::size_t state = 0; state < states[side].size(); ++state) {
          states[side][state] += shard.states_before_end[side][state];
        }
      }
    }
    CHECK(conn_ids == whole.conn_id_by_port);
    CHECK(floods == whole.flood_by_port);
    CHECK(states == whole.states_before_end);
    CHECK(open == whole.open_before_end);
    CHECK(whole.open_after_end == 0);
    std::vector<std::uint64_t> whole_events = whole.event_conn_ids;
    std::sort(events.begin(), events.end());
    std::sort(whole_events.begin(), whole_events.end());
    CHECK(events == whole_events);
    CHECK(with_events == !whole_events.empty());
  }
}
