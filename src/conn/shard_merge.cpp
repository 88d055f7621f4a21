#include "shard_merge.hpp"

#include "evidence_text.hpp"
#include "verdicts.hpp"

#include "tcpstate/conn/sharded_reconstructor.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace tcpstate::conn {

ShardMerge::ShardMerge(const AnalysisConfig& config, ReportReceiver& reports, std::size_t shards,
                       EventObserver* events)
    : m_config(config), m_reports(reports), m_events(events), m_recorder(events),
      m_floods(config.syn_flood_threshold, config.syn_flood_window), m_feeds(shards) {}

void ShardMerge::add(std::size_t shard, ShardOutput output) {
  Feed& feed = m_feeds[shard];
  feed.complete_before = output.complete_before;
  feed.ended = output.ended;
  if (!output.units.empty()) {
    feed.outputs.push_back(std::move(output));
    feed.head_known = false;
  }
}

bool ShardMerge::drained() const {
  return std::all_of(m_feeds.begin(), m_feeds.end(), [](const Feed& feed) {
    return feed.outputs.empty() ||
           (feed.outputs.size() == 1 && feed.next_unit == feed.outputs.front().units.size());
  });
}

bool ShardMerge::done() const {
  for (const Feed& feed : m_feeds) {
    if (!feed.ended || !feed.outputs.empty()) {
      return false;
    }
  }
  return true;
}

const ShardUnit* ShardMerge::head(Feed& feed) {
  while (!feed.outputs.empty() && feed.next_unit == feed.outputs.front().units.size()) {
    feed.outputs.pop_front();
    feed.next_unit = 0;
  }
  return feed.outputs.empty() ? nullptr : &feed.outputs.front().units[feed.next_unit];
}

const ShardUnit* ShardMerge::known_head(Feed& feed) {
  if (!feed.head_known) {
    feed.head_unit = head(feed);
    if (feed.head_unit != nullptr) {
      feed.head_key = key_of(feed, feed.head_unit->position);
    }
    feed.head_known = true;
  }
  return feed.head_unit;
}

std::uint64_t ShardMerge::conn_id_of(const Feed& feed, std::uint64_t local) const {
  if (local < feed.first_local || local - feed.first_local >= feed.conn_ids.size()) {
    throw std::logic_error("shard merge: a connection that has not begun");
  }
  return feed.conn_ids[local - feed.first_local];
}

// A due check or a round of the end is ordered by the connection's conn_id: the merge's,
// which follows the order the connections began in across all shards.
ShardMerge::Key ShardMerge::key_of(const Feed& feed, const ShardPosition& position) const {
  const bool by_connection = position.phase != ShardPosition::Phase::segment;
  return {position.item, position.phase, position.due,
          by_connection ? conn_id_of(feed, position.conn_id) : 0};
}

bool ShardMerge::cannot_precede(const Feed& feed, const Key& key) {
  if (feed.ended) {
    return true;
  }
  return key.item != ShardPosition::k_end && feed.complete_before > key.item;
}

void ShardMerge::replay() {
  for (;;) {
    Feed* first = nullptr;
    for (Feed& feed : m_feeds) {
      if (known_head(feed) != nullptr && (first == nullptr || feed.head_key < first->head_key)) {
        first = &feed;
      }
    }
    if (first == nullptr) {
      return;
    }
    for (Feed& feed : m_feeds) {
      if (feed.head_unit == nullptr && !cannot_precede(feed, first->head_key)) {
        return; // that shard may still add something before it
      }
    }
    replay_unit(*first, *first->head_unit);
    first->next_unit++;
    first->head_known = false;
  }
}

void ShardMerge::replay_unit(Feed& feed, const ShardUnit& unit) {
  ShardOutput& output = feed.outputs.front();
  for (std::uint32_t index = 0; index < unit.records; ++index) {
    const ShardRecord& record = output.records[unit.first_record + index];
    switch (record.kind) {
    case ShardRecord::Kind::began: {
      // Where one thread would have evicted the connection held longest idle, of any
      // shard: no shard can choose it.
      if (m_open >= m_config.max_connections) {
        throw ShardsCannotEvict(m_reports_made);
      }
      if (record.conn_id != feed.first_local + feed.conn_ids.size()) {
        throw std::logic_error("shard merge: connections out of order");
      }
      const std::uint64_t conn_id = ++m_last_conn_id;
      feed.conn_ids.push_back(conn_id);
      ++m_open;
      if (record.previous_conn_id != 0) {
        // The connection it reopens was written out just before, in this shard.
        if (record.previous_conn_id != feed.last_finished_local) {
          throw std::logic_error("shard merge: a reopened four-tuple out of order");
        }
        m_reopened.emplace(conn_id, feed.last_finished);
      }
      break;
    }
    case ShardRecord::Kind::handshake_started:
      m_floods.handshake_started(record.server, record.time);
      break;
    case ShardRecord::Kind::handshake_completed:
      m_floods.handshake_completed(record.server, record.time);
      break;
    case ShardRecord::Kind::shape_changed: {
      CaptureShape& shape = m_recorder.shape();
      shape.connections_two_way += static_cast<std::uint64_t>(record.shape.two_way);
      shape.connections_one_sided += static_cast<std::uint64_t>(record.shape.one_sided);
      shape.segments_missed += static_cast<std::uint64_t>(record.shape.segments_missed);
      break;
    }
    case ShardRecord::Kind::finished:
      replay_finished(feed, output.connections[record.connection], record.time);
      break;
    case ShardRecord::Kind::event:
      replay_event(feed, output.events[record.connection]);
      break;
    }
  }
}

void ShardMerge::replay_event(const Feed& feed, const ShardEvent& kept) {
  Event event = kept.event;
  event.conn_id = conn_id_of(feed, event.conn_id);
  event.reason = kept.reason;
  std::string reopened_text;
  if (event.kind == EventKind::note && event.note == anomaly::Note::tuple_reuse) {
    // Its text names the connection before by the shard's own conn_id, as the evidence's
    // does until replay_finished().
    const auto reopened = m_reopened.find(event.conn_id);
    if (reopened != m_reopened.end()) {
      reopened_text = reopened_tuple_text(reopened->second);
      event.reason = reopened_text;
    }
  }
  m_events->on_event(event);
}

void ShardMerge::replay_finished(Feed& feed, Connection& connection, TimeNs now) {
  const std::uint64_t local = connection.conn_id;
  const std::uint64_t conn_id = conn_id_of(feed, local);
  connection.conn_id = conn_id;
  if (!m_reopened.empty()) {
    const auto reopened = m_reopened.find(conn_id);
    if (reopened != m_reopened.end() && connection.evidence) {
      for (Evidence& evidence : *connection.evidence) {
        if (evidence.note == anomaly::Note::tuple_reuse) {
          evidence.detail = reopened_tuple_text(reopened->second);
        }
      }
      m_reopened.erase(reopened);
    }
  }
  judge_at_end(connection, now, m_config, m_floods, m_recorder);
  m_reports.on_report(take_report(connection));
  ++m_reports_made;
  feed.conn_ids[local - feed.first_local] = 0;
  while (!feed.conn_ids.empty() && feed.conn_ids.front() == 0) {
    feed.conn_ids.pop_front();
    feed.first_local++;
  }
  feed.last_finished_local = local;
  feed.last_finished = conn_id;
  feed.connections_replayed++;
  --m_open;
}

} // namespace tcpstate::conn
