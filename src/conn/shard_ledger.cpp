#include "shard_ledger.hpp"

#include <algorithm>
#include <iterator>
#include <thread>
#include <utility>

namespace tcpstate::conn {
namespace {

// A log longer than this is cut back to what a question can still ask.
constexpr std::size_t k_log_trim_at = 4096;

std::int64_t difference(std::uint64_t now, std::uint64_t before) {
  return static_cast<std::int64_t>(now - before);
}

} // namespace

ShardBoard::ShardBoard(std::size_t shards) : m_shards(shards) {}

std::uint64_t ShardBoard::least_progress() const {
  std::uint64_t least = ShardPosition::k_end;
  for (const Shard& shard : m_shards) {
    least = std::min(least, shard.progress.load(std::memory_order_acquire));
  }
  return least;
}

void ShardBoard::log_shape(std::size_t shard, std::uint64_t item, const CaptureShape& shape) {
  Shard& own = m_shards[shard];
  const std::scoped_lock hold(own.lock);
  if (own.log.size() >= k_log_trim_at) {
    // No shard asks about a segment before the least progress (each asks about its
    // own), so one entry before it answers every question still to come.
    const std::uint64_t least = least_progress();
    const auto first_needed =
        std::partition_point(own.log.begin(), own.log.end(),
                             [least](const ShapeEntry& entry) { return entry.item < least; });
    if (first_needed - own.log.begin() > 1) {
      own.log.erase(own.log.begin(), first_needed - 1);
    }
  }
  own.log.push_back({item, shape.connections_two_way, shape.connections_one_sided});
}

CaptureShape ShardBoard::others_before(std::size_t asking, std::uint64_t item) {
  CaptureShape sum;
  for (std::size_t index = 0; index < m_shards.size(); ++index) {
    if (index == asking) {
      continue;
    }
    Shard& other = m_shards[index];
    // Rare (a new SYN on a four-tuple that still looks open), so waiting by yielding is
    // enough. The shard waited for has the segments it needs (every shard is handed
    // every batch), and never waits for this one: it would have to be behind it.
    while (other.progress.load(std::memory_order_acquire) < item &&
           !m_abandoned.load(std::memory_order_acquire)) {
      std::this_thread::yield();
    }
    const std::scoped_lock hold(other.lock);
    const auto after =
        std::partition_point(other.log.begin(), other.log.end(),
                             [item](const ShapeEntry& entry) { return entry.item < item; });
    if (after != other.log.begin()) {
      sum.connections_two_way += std::prev(after)->two_way;
      sum.connections_one_sided += std::prev(after)->one_sided;
    }
  }
  return sum;
}

void ShardLedger::end_item() {
  note_shape();
  m_board.set_progress(m_shard, m_item + 1);
}

ShardOutput ShardLedger::take_output(std::uint64_t complete_before) {
  note_shape();
  ShardOutput output = std::move(m_output);
  output.complete_before = complete_before;
  m_output = ShardOutput{};
  m_unit_open = false;
  return output;
}

void ShardLedger::move_to(const ShardPosition& position) {
  note_shape();
  m_position = position;
  m_unit_open = false;
}

ShardRecord& ShardLedger::add(ShardRecord::Kind kind) {
  if (!m_unit_open) {
    m_output.units.push_back({m_position, static_cast<std::uint32_t>(m_output.records.size()), 0});
    m_unit_open = true;
  }
  m_output.units.back().records++;
  ShardRecord& record = m_output.records.emplace_back();
  record.kind = kind;
  return record;
}

void ShardLedger::note_shape() {
  if (m_shape == nullptr || (m_shape->connections_two_way == m_noted.connections_two_way &&
                             m_shape->connections_one_sided == m_noted.connections_one_sided &&
                             m_shape->segments_missed == m_noted.segments_missed)) {
    return;
  }
  ShardRecord& record = add(ShardRecord::Kind::shape_changed);
  record.shape = {difference(m_shape->connections_two_way, m_noted.connections_two_way),
                  difference(m_shape->connections_one_sided, m_noted.connections_one_sided),
                  difference(m_shape->segments_missed, m_noted.segments_missed)};
  if (m_shape->connections_two_way != m_noted.connections_two_way ||
      m_shape->connections_one_sided != m_noted.connections_one_sided) {
    m_board.log_shape(m_shard, m_item, *m_shape);
  }
  m_noted = *m_shape;
}

void ShardLedger::began(std::uint64_t conn_id, std::uint64_t previous_conn_id) {
  ShardRecord& record = add(ShardRecord::Kind::began);
  record.conn_id = conn_id;
  record.previous_conn_id = previous_conn_id;
}

void ShardLedger::handshake_started(const anomaly::ServerEndpoint& server, TimeNs time) {
  ShardRecord& record = add(ShardRecord::Kind::handshake_started);
  record.server = server;
  record.time = time;
}

void ShardLedger::handshake_completed(const anomaly::ServerEndpoint& server, TimeNs started) {
  ShardRecord& record = add(ShardRecord::Kind::handshake_completed);
  record.server = server;
  record.time = started;
}

void ShardLedger::finished(Connection&& connection, TimeNs now) {
  // What the shape became before this connection finished is read by its verdicts.
  note_shape();
  ShardRecord& record = add(ShardRecord::Kind::finished);
  record.time = now;
  record.connection = static_cast<std::uint32_t>(m_output.connections.size());
  m_output.connections.push_back(std::move(connection));
  if (m_output.connections.size() >= k_connections_per_output && m_hand_over) {
    // The segment under way is not done: only those before it are complete.
    m_hand_over(take_output(m_item));
  }
}

void ShardLedger::on_event(const Event& event) {
  ShardRecord& record = add(ShardRecord::Kind::event);
  record.connection = static_cast<std::uint32_t>(m_output.events.size());
  ShardEvent& kept = m_output.events.emplace_back(ShardEvent{event, std::string(event.reason)});
  kept.event.reason = {};
}

bool ShardLedger::mostly_one_sided() {
  // The shard's own share is read as it stands; the others' from the board.
  const CaptureShape others = m_board.others_before(m_shard, m_item);
  return m_shape->connections_one_sided + others.connections_one_sided >
         m_shape->connections_two_way + others.connections_two_way;
}

} // namespace tcpstate::conn
