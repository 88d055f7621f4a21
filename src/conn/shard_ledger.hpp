#pragma once
// What one shard of a threaded analysis (--threads N, sharded_reconstructor.hpp) writes
// instead of rows. A shard follows only its own connections, but one thread's verdicts
// also read what all the others did before: the capture's shape, the SYN flood detector,
// the count that numbers connections. So a shard leaves each verdict to the merge and
// writes down, in its own order of work, every fact those verdicts read: a connection
// began, a handshake began or completed, the shape changed, a connection finished (its
// record, not yet judged). The merge replays them in one thread's order and judges each
// connection where one thread would have.
#include "connection.hpp"
#include "recorder.hpp"
#include "tcpstate/anomaly/syn_flood_detector.hpp"
#include "tcpstate/conn/event.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

namespace tcpstate::conn {

// Where in one thread's order of work something happened. Before each segment the due
// checks run, in (due, conn_id) order across all connections; then the segment's own
// connection; at the end (item k_end) the last checks, then every connection still held,
// round by round (a held SYN starts its successor), by conn_id.
struct ShardPosition {
  static constexpr std::uint64_t k_end = std::numeric_limits<std::uint64_t>::max();
  enum class Phase : std::uint8_t { due_check, segment, end_round };

  std::uint64_t item = 0; // the segment's index among all segments read
  Phase phase = Phase::segment;
  TimeNs due = 0;            // due_check: the check's due time; end_round: the round
  std::uint64_t conn_id = 0; // due_check, end_round: whose (the shard's own numbering)
};

struct ShapeDelta {
  std::int64_t two_way = 0;
  std::int64_t one_sided = 0;
  std::int64_t segments_missed = 0;
};

struct ShardRecord {
  enum class Kind : std::uint8_t {
    began,               // conn_id, previous_conn_id
    handshake_started,   // server, time
    handshake_completed, // server, time (when it started)
    shape_changed,       // shape
    finished,            // connection, time (the moment its states are reported for)
    event,               // connection: index into ShardOutput::events
  };
  Kind kind = Kind::began;
  anomaly::ServerEndpoint server;
  TimeNs time = 0;
  std::uint64_t conn_id = 0;
  // began: the connection whose four-tuple this one reopens (its tuple_reuse note names
  // it), 0 when none is named.
  std::uint64_t previous_conn_id = 0;
  ShapeDelta shape;
  std::uint32_t connection = 0; // finished: index into ShardOutput::connections
};

// An --events row as the shard emitted it: its conn_id is the shard's own, and its reason
// is kept here (the shard's record it pointed into moves on).
struct ShardEvent {
  Event event;
  std::string reason;
};

// The records of one position, in the order they happened there.
struct ShardUnit {
  ShardPosition position;
  std::uint32_t first_record = 0;
  std::uint32_t records = 0;
};

// A shard's records of a stretch of segments, handed to the merge at once.
struct ShardOutput {
  std::vector<ShardUnit> units;
  std::vector<ShardRecord> records;
  std::vector<Connection> connections;
  std::vector<ShardEvent> events;
  // Every unit of the segments before this index is in this output or an earlier one.
  std::uint64_t complete_before = 0;
  bool ended = false; // and every unit of the end too: nothing follows
};

// What the shards share while they run: how far each has got, and how its part of the
// capture's shape grew, so that a shard can learn the shape as one thread would have seen
// it at a given segment (ShardLedger::mostly_one_sided()).
class ShardBoard {
public:
  explicit ShardBoard(std::size_t shards);

  std::size_t shards() const { return m_shards.size(); }
  // Shard `shard` is done with every segment before `item`.
  void set_progress(std::size_t shard, std::uint64_t item) {
    m_shards[shard].progress.store(item, std::memory_order_release);
  }
  // Shard `shard`'s share of the shape is now `shape`, changed during segment `item`.
  void log_shape(std::size_t shard, std::uint64_t item, const CaptureShape& shape);
  // The shape summed over every shard but `asking`, after all segments before `item`:
  // waits for the shards that have not got that far yet.
  CaptureShape others_before(std::size_t asking, std::uint64_t item);
  // Lets a shard waiting in others_before() give up: another shard failed.
  void abandon() { m_abandoned.store(true, std::memory_order_release); }

private:
  struct ShapeEntry {
    std::uint64_t item;
    std::uint64_t two_way;
    std::uint64_t one_sided;
  };
  struct alignas(64) Shard {
    std::atomic<std::uint64_t> progress{0};
    std::mutex lock; // guards `log`
    std::vector<ShapeEntry> log;
  };

  std::uint64_t least_progress() const;

  std::vector<Shard> m_shards;
  std::atomic<bool> m_abandoned{false};
};

// One shard's side: the Reconstructor of a shard calls it where one thread would judge,
// write a row or count across connections (reconstructor.cpp), and, with --events, emit an
// event: the merge emits them in one thread's order. Not thread-safe: one per shard, used
// by that shard's thread only.
class ShardLedger final : public EventObserver {
public:
  ShardLedger(ShardBoard& board, std::size_t shard, bool events)
      : m_board(board), m_shard(shard), m_events(events) {}

  // The observer for the shard's Recorder: null without --events.
  EventObserver* events() { return m_events ? this : nullptr; }
  void on_event(const Event& event) override;

  // The shape this shard's Recorder keeps: its changes are written down as they happen.
  void watch(const CaptureShape& shape) { m_shape = &shape; }
  // Called with the output so far whenever it holds k_connections_per_output finished
  // connections, so that a shard writing out many at once (the end of the capture, a jump
  // of the clock) never holds them all.
  void hand_over_with(std::function<void(ShardOutput)> hand_over) {
    m_hand_over = std::move(hand_over);
  }
  static constexpr std::size_t k_connections_per_output = 1024;

  // The shard's thread, around each segment of the capture (its own or not).
  void begin_item(std::uint64_t item) {
    m_item = item;
    m_position = {item, ShardPosition::Phase::due_check, 0, 0};
    m_unit_open = false;
  }
  void end_item();
  // Every unit so far, to hand to the merge, once the current segment is done.
  ShardOutput take_output() { return take_output(m_item + 1); }

  // Positions within the item, from the Reconstructor.
  void at_due_check(TimeNs due, std::uint64_t conn_id) {
    move_to({m_item, ShardPosition::Phase::due_check, due, conn_id});
  }
  void at_segment() { move_to({m_item, ShardPosition::Phase::segment, 0, 0}); }
  void at_end_round(std::uint64_t round, std::uint64_t conn_id) {
    move_to({ShardPosition::k_end, ShardPosition::Phase::end_round, static_cast<TimeNs>(round),
             conn_id});
  }

  void began(std::uint64_t conn_id, std::uint64_t previous_conn_id);
  void handshake_started(const anomaly::ServerEndpoint& server, TimeNs time);
  void handshake_completed(const anomaly::ServerEndpoint& server, TimeNs started);
  void finished(Connection&& connection, TimeNs now);
  // CaptureShape::mostly_one_sided() as one thread would answer it here.
  bool mostly_one_sided();

private:
  ShardOutput take_output(std::uint64_t complete_before);
  void move_to(const ShardPosition& position);
  ShardRecord& add(ShardRecord::Kind kind);
  // Writes down a change of the watched shape since the last time.
  void note_shape();

  ShardBoard& m_board;
  std::size_t m_shard;
  bool m_events;
  const CaptureShape* m_shape = nullptr;
  CaptureShape m_noted; // the shape as last written down
  std::uint64_t m_item = 0;
  ShardPosition m_position;
  bool m_unit_open = false; // m_output's last unit is at m_position
  ShardOutput m_output;
  std::function<void(ShardOutput)> m_hand_over;
};

} // namespace tcpstate::conn
