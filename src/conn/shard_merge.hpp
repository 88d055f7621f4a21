#pragma once
// The merge of a threaded analysis (sharded_reconstructor.hpp): takes the shards' records
// (shard_ledger.hpp) and replays them in one thread's order. It numbers the connections as
// they began, keeps the capture's shape and the SYN flood detector as one thread would
// have them at each moment, and judges and reports each connection where one thread would
// have written its row.
#include "recorder.hpp"
#include "shard_ledger.hpp"
#include "tcpstate/anomaly/syn_flood_detector.hpp"
#include "tcpstate/conn/analysis_config.hpp"
#include "tcpstate/conn/reconstructor.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

namespace tcpstate::conn {

class ShardMerge {
public:
  // `events`: where the --events rows go, or null.
  ShardMerge(const AnalysisConfig& config, ReportReceiver& reports, std::size_t shards,
             EventObserver* events);

  void add(std::size_t shard, ShardOutput output);
  // Replays every record that no shard can still precede. Throws ShardsCannotEvict where
  // one thread would have evicted a connection (--max-connections).
  void replay();
  // Every shard has ended and every record is replayed.
  bool done() const;
  // Every record handed over so far is replayed.
  bool drained() const;
  std::size_t open_connections() const { return m_open; }
  // The finished connections of `shard` judged and reported so far.
  std::uint64_t connections_replayed(std::size_t shard) const {
    return m_feeds[shard].connections_replayed;
  }

private:
  struct Key {
    std::uint64_t item;
    ShardPosition::Phase phase;
    TimeNs due;
    std::uint64_t conn_id;
    friend auto operator<=>(const Key&, const Key&) = default;
  };
  struct Feed {
    std::deque<ShardOutput> outputs;
    std::size_t next_unit = 0; // in outputs.front()
    std::uint64_t complete_before = 0;
    bool ended = false;
    // The merge's conn_id of each of the shard's own, from `first_local` on; 0 once the
    // connection finished (the front is dropped as they do).
    std::deque<std::uint64_t> conn_ids;
    std::uint64_t first_local = 1;
    std::uint64_t last_finished_local = 0;
    std::uint64_t last_finished = 0;
    std::uint64_t connections_replayed = 0;
    // The first unit not replayed yet and its key, worked out once per unit.
    bool head_known = false;
    const ShardUnit* head_unit = nullptr;
    Key head_key{};
  };

  const ShardUnit* head(Feed& feed);
  // head(), with its key in feed.head_key: null when the feed has nothing to replay.
  const ShardUnit* known_head(Feed& feed);
  Key key_of(const Feed& feed, const ShardPosition& position) const;
  // Nothing `feed` may still add comes before `key`.
  static bool cannot_precede(const Feed& feed, const Key& key);
  void replay_unit(Feed& feed, const ShardUnit& unit);
  void replay_finished(Feed& feed, Connection& connection, TimeNs now);
  void replay_event(const Feed& feed, const ShardEvent& kept);
  std::uint64_t conn_id_of(const Feed& feed, std::uint64_t local) const;

  AnalysisConfig m_config;
  ReportReceiver& m_reports;
  EventObserver* m_events;
  Recorder m_recorder; // its shape is the capture's, replayed; emits the judges' events
  anomaly::SynFloodDetector m_floods;
  std::vector<Feed> m_feeds;
  std::uint64_t m_last_conn_id = 0;
  std::size_t m_open = 0;
  std::uint64_t m_reports_made = 0;
  // Connections that reopen a four-tuple, by conn_id: the conn_id of the one before.
  std::unordered_map<std::uint64_t, std::uint64_t> m_reopened;
};

} // namespace tcpstate::conn
