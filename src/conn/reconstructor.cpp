#include "tcpstate/conn/reconstructor.hpp"

#include "connection_table.hpp"
#include "due_check_queue.hpp"
#include "embryo_table.hpp"
#include "evidence_text.hpp"
#include "finished_tuples.hpp"
#include "frozen_table.hpp"
#include "pending_syns.hpp"
#include "recorder.hpp"
#include "round_trips.hpp"
#include "segment_tracker.hpp"
#include "shard_ledger.hpp"
#include "tcpstate/conn/shard.hpp"
#include "tcpstate/util/sequence.hpp"
#include "timers.hpp"
#include "verdicts.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

namespace tcpstate::conn {
namespace {

namespace flag = decode::tcp_flag;
using anomaly::Anomaly;
using anomaly::Note;

Direction flipped(Direction direction) {
  return direction == Direction::from_low ? Direction::from_high : Direction::from_low;
}

// Linux's default ephemeral range is 32768-60999, IANA's 49152-65535; 32768 and up covers
// both.
bool looks_ephemeral(std::uint16_t port) {
  return port >= 32768;
}

// With no SYN seen, the client is guessed: a well-known port is a service, an ephemeral
// port is a client, and otherwise the lower port is taken for the service.
Direction guess_client_direction(const ConnectionKey& key) {
  const std::uint16_t low = key.low_port;
  const std::uint16_t high = key.high_port;
  if ((low < 1024) != (high < 1024)) {
    return low < 1024 ? Direction::from_high : Direction::from_low;
  }
  if (looks_ephemeral(low) != looks_ephemeral(high)) {
    return looks_ephemeral(low) ? Direction::from_low : Direction::from_high;
  }
  return low <= high ? Direction::from_high : Direction::from_low;
}

bool all_closed(const Connection& connection) {
  return connection.client().state == TcpState::closed &&
         connection.server().state == TcpState::closed;
}

bool holds_connection_open(TcpState state) {
  return is_synchronized(state) && state != TcpState::time_wait;
}

// One captured segment meets its connection: Zeek's account of the packets (zeek_conn.cpp),
// the round-trip timing at the capture point (round_trips.cpp, from the endpoints as they
// stood before this segment) and the RFC 9293 endpoints (segment_tracker.cpp), side by side.
// Another shard's connection is only tracked (for the capture-wide facts, shard.hpp):
// Zeek's account and the round trips are its report's alone.
void observe_segment(Connection& connection, Side sender, const decode::TcpSegment& segment,
                     Cause cause, const ZeekServerPorts& zeek_server_ports, Recorder& recorder) {
  if (connection.reported) [[likely]] {
    connection.zeek.observe(sender, segment, cause.time, connection.last_seen, zeek_server_ports);
    observe_round_trip(connection.round_trips, sender, connection.endpoint(sender),
                       connection.endpoint(other(sender)), segment, cause.time);
  }
  track_segment(connection, sender, segment, cause, recorder);
}

} // namespace

class Reconstructor::Impl {
public:
  using StateCounts = Reconstructor::StateCounts;

  Impl(const AnalysisConfig& config, ReportReceiver& reports, EventObserver* events,
       anomaly::SynFloodDetector* shared_floods, ShardLedger* ledger)
      : m_config(config), m_reports(reports), m_recorder(events),
        m_own_floods(config.syn_flood_threshold, config.syn_flood_window),
        m_floods(shared_floods != nullptr ? *shared_floods : m_own_floods), m_finished(config.msl),
        m_ledger(ledger) {
    if (m_ledger != nullptr) {
      m_ledger->watch(m_recorder.shape());
    }
  }

  void on_segment(const decode::TcpSegment& segment, TimeNs time, std::uint64_t packet_number) {
    run_due_checks(time);
    if (m_ledger != nullptr) [[unlikely]] {
      m_ledger->at_segment();
    }
    const KeyedSegment keyed = key_of(segment);
    const std::uint64_t hash = hash_key(keyed.key);
    const Cause cause{time, packet_number};
    const ConnectionTable::Slot slot = m_table.find(keyed.key, hash);
    // Nearly every segment belongs to a connection already followed and starts nothing new.
    if (slot != ConnectionTable::k_no_slot && !segment.has(flag::syn) && m_pending.empty())
        [[likely]] {
      Connection& connection = m_table.at(slot);
      observe_segment(connection, connection.side_of(keyed.direction), segment, cause,
                      m_config.zeek_server_ports, m_recorder);
      after_segment(connection, slot);
      return;
    }
    on_opening_segment(keyed, hash, slot, segment, cause);
  }

  void on_bad_checksum(const decode::TcpSegment& segment) {
    if (m_ledger != nullptr) [[unlikely]] {
      m_ledger->at_segment();
    }
    const KeyedSegment keyed = key_of(segment);
    const std::uint64_t hash = hash_key(keyed.key);
    ConnectionTable::Slot slot = m_table.find(keyed.key, hash);
    if (slot == ConnectionTable::k_no_slot) {
      slot = hatch_if_embryonic(keyed.key, hash);
    }
    if (slot == ConnectionTable::k_no_slot) {
      slot = thaw_if_frozen(keyed.key, hash);
    }
    if (slot != ConnectionTable::k_no_slot && m_table.at(slot).reported) {
      Connection& connection = m_table.at(slot);
      connection.zeek.observe_bad_checksum(connection.side_of(keyed.direction));
    }
  }

  void finish(TimeNs capture_end) {
    run_due_checks(capture_end);
    // Every connection is written out below and no check runs again: the queue's memory
    // goes now, and records hatched or thawed on the way out queue none.
    m_checks.release();
    m_writing_out_all = true;
    // Writing out a connection with a held SYN starts its successor, hence the rounds.
    for (std::uint64_t round = 0; open_connections() > 0; ++round) {
      enum class Form : std::uint8_t { record, embryo, frozen };
      struct Open {
        std::uint64_t conn_id;
        ConnectionTable::Slot slot;
        Form form;
      };
      std::vector<Open> open;
      open.reserve(open_connections());
      m_table.for_each_slot([&](ConnectionTable::Slot slot) {
        open.push_back({m_table.conn_id_at(slot), slot, Form::record});
      });
      m_embryos.for_each_slot([&](EmbryoTable::Slot slot) {
        open.push_back({m_embryos.conn_id_at(slot), slot, Form::embryo});
      });
      m_frozen.for_each_slot([&](FrozenTable::Slot slot) {
        open.push_back({m_frozen.conn_id_at(slot), slot, Form::frozen});
      });
      // Written out in the order the connections began, so a run is reproducible.
      std::sort(open.begin(), open.end(),
                [](const Open& a, const Open& b) { return a.conn_id < b.conn_id; });
      for (const Open& entry : open) {
        ConnectionTable::Slot slot = entry.slot;
        if (m_ledger != nullptr) {
          m_ledger->at_end_round(round, entry.conn_id);
        }
        if (entry.form == Form::embryo) {
          // Hatched one at a time, each written out before the next: a flood's embryos
          // never all become full records at once. They are all dropped together after the
          // round, which spares a random-access erase per embryo.
          forget_shard_held(m_embryos.at(slot).key);
          slot = hatch_record(m_embryos.at(slot), entry.conn_id);
        } else if (entry.form == Form::frozen) {
          // Thawed one at a time too, for the same reason.
          slot = thaw_frozen(slot, hash_key(m_frozen.at(slot).key));
        } else if (m_table.conn_id_at(slot) != entry.conn_id) {
          continue; // the slot was reused by a successor within this round
        }
        run_timers(m_table.at(slot), capture_end, m_config, m_recorder);
        write_out(slot, capture_end);
      }
      m_embryos.clear();
    }
    m_writing_out_all = false;
  }

  std::size_t open_connections() const {
    return m_table.size() + m_embryos.size() + m_frozen.size();
  }

  std::size_t shard_open_connections() const {
    return m_config.shard.active() ? m_shard_held : open_connections();
  }

  void advance_to(TimeNs now) { run_due_checks(now); }

  StateCounts count_states() const {
    StateCounts counts{};
    m_table.for_each_slot([&](ConnectionTable::Slot slot) {
      const Connection& connection = m_table.at(slot);
      if (!connection.reported) {
        return;
      }
      for (const Side side : {Side::client, Side::server}) {
        counts[static_cast<std::size_t>(side)]
              [static_cast<std::size_t>(connection.endpoint(side).state)]++;
      }
    });
    // An embryo's states are those of its record once hatched, which follow from the SYN's
    // flags and whether it carried data; the record is built once per such kind (a live
    // --interval asks this of a whole flood every few seconds). Embryos exist only when no
    // one listens to events, so a recorder without a listener builds the same record.
    struct Kind {
      bool known = false;
      TcpState client = TcpState::closed;
      TcpState server = TcpState::closed;
    };
    std::array<std::array<Kind, 2>, 256> kinds{};
    m_embryos.for_each_slot([&](EmbryoTable::Slot slot) {
      const Embryo& embryo = m_embryos.at(slot);
      if (!reports(embryo.key)) {
        return;
      }
      Kind& kind = kinds[embryo.flags][embryo.payload_length > 0 ? 1 : 0];
      if (!kind.known) {
        Recorder silent(nullptr);
        Connection connection;
        grow_from_syn(connection, embryo, m_embryos.conn_id_at(slot), silent);
        kind = {true, connection.client().state, connection.server().state};
      }
      counts[static_cast<std::size_t>(Side::client)][static_cast<std::size_t>(kind.client)]++;
      counts[static_cast<std::size_t>(Side::server)][static_cast<std::size_t>(kind.server)]++;
    });
    m_frozen.for_each_slot([&](FrozenTable::Slot slot) {
      const FrozenConnection& frozen = m_frozen.at(slot);
      if (frozen.reported) {
        counts[static_cast<std::size_t>(Side::client)]
              [static_cast<std::size_t>(frozen.client_state)]++;
        counts[static_cast<std::size_t>(Side::server)]
              [static_cast<std::size_t>(frozen.server_state)]++;
      }
    });
    return counts;
  }

private:
  // In this process's shard. Decided once per record, from the key, so that an unsharded
  // run pays nothing per segment.
  bool reports(const ConnectionKey& key) const {
    return !m_config.shard.active() || m_config.shard.contains(shard_hash(key));
  }

  void forget_shard_held(const ConnectionKey& key) { m_shard_held -= std::size_t{reports(key)}; }

  // A segment that may begin a connection: the first of its four-tuple, a SYN on a known
  // one, or an answer to a held SYN. Kept out of line: its rare paths need large locals
  // that the common path would otherwise clear on every segment.
  [[gnu::noinline]] void on_opening_segment(const KeyedSegment& keyed, std::uint64_t hash,
                                            ConnectionTable::Slot slot,
                                            const decode::TcpSegment& segment, Cause cause) {
    const TimeNs time = cause.time;
    if (slot == ConnectionTable::k_no_slot) {
      slot = thaw_if_frozen(keyed.key, hash);
    }
    if (slot == ConnectionTable::k_no_slot && !m_embryos.empty()) {
      const EmbryoTable::Slot embryo = m_embryos.find(keyed.key, hash);
      if (embryo != EmbryoTable::k_no_slot) {
        // A retransmitted SYN is still only a SYN: the embryo keeps it.
        if (m_embryos.at(embryo).is_copy(keyed, segment) &&
            m_embryos.add_copy(embryo, time, cause.packet_number)) {
          return;
        }
        slot = hatch(embryo);
      }
    }
    Reuse reuse;
    const bool bare_syn = segment.has(flag::syn) && !segment.has(flag::ack);
    std::optional<PendingSyn> replay;
    if (slot != ConnectionTable::k_no_slot && bare_syn) {
      Connection& existing = m_table.at(slot);
      run_timers(existing, time, m_config, m_recorder);
      if (starts_new_incarnation(existing, keyed.direction, segment)) {
        if (still_open(existing)) {
          hold_new_syn(existing, keyed.direction, segment, cause);
          return;
        }
        m_pending.settle_before_end(existing, m_recorder);
        replay = m_pending.take(existing.conn_id, segment);
        reuse = supersede(slot, keyed.direction, cause);
        slot = ConnectionTable::k_no_slot;
      }
    } else if (slot != ConnectionTable::k_no_slot &&
               m_pending.accepted_by(m_table.at(slot), keyed.direction, segment)) {
      // The peer took the new SYN after all: the old incarnation is over.
      replay = m_pending.take(m_table.at(slot).conn_id, std::nullopt);
      reuse = supersede(slot, replay->direction, replay->cause);
      slot = ConnectionTable::k_no_slot;
    } else if (slot != ConnectionTable::k_no_slot &&
               answers_uncaptured_new_syn(m_table.at(slot), keyed.direction, segment)) {
      Connection& existing = m_table.at(slot);
      run_timers(existing, time, m_config, m_recorder);
      m_pending.settle_before_end(existing, m_recorder);
      m_pending.drop(existing.conn_id);
      reuse = supersede(slot, flipped(keyed.direction), cause);
      slot = ConnectionTable::k_no_slot;
    }
    if (slot != ConnectionTable::k_no_slot && !m_pending.empty()) {
      m_pending.settle_on_answer(m_table.at(slot), keyed.direction, m_recorder);
    }
    if (slot == ConnectionTable::k_no_slot && !m_finished.empty() &&
        m_finished.absorb_late_segment(keyed, segment, cause, reuse, m_recorder)) {
      return;
    }
    if (slot == ConnectionTable::k_no_slot) {
      make_room(time);
      if (replay) {
        // The incarnation began with the SYN that was held while the old one was open.
        slot = create(key_of(replay->segment), replay->segment, replay->cause, reuse, hash);
        Connection& connection = m_table.at(slot);
        observe_segment(connection, Side::client, replay->segment, replay->cause,
                        m_config.zeek_server_ports, m_recorder);
      } else if (may_stay_embryonic(segment, reuse)) {
        lay_embryo(keyed, hash, segment, cause);
        return;
      } else {
        slot = create(keyed, segment, cause, reuse, hash);
      }
    }
    Connection& connection = m_table.at(slot);
    observe_segment(connection, connection.side_of(keyed.direction), segment, cause,
                    m_config.zeek_server_ports, m_recorder);
    after_segment(connection, slot);
  }

  // A first SYN that carries nothing but the SYN (no ACK, FIN or RST), with lengths an embryo
  // holds, on a four-tuple with no history, while many connections are held: its record is
  // kept as the SYN alone until it is needed (see embryo_table.hpp). Events are emitted as
  // segments are tracked, so a listener gets full records from the start.
  bool may_stay_embryonic(const decode::TcpSegment& segment, const Reuse& reuse) const {
    constexpr std::uint8_t k_beyond_syn = flag::ack | flag::fin | flag::rst;
    return segment.has(flag::syn) && (segment.flags & k_beyond_syn) == 0 && !reuse.reused &&
           Embryo::fits(segment) && !m_recorder.wants_events() &&
           open_connections() >= m_config.compact_syn_only_beyond;
  }

  void lay_embryo(const KeyedSegment& keyed, std::uint64_t hash, const decode::TcpSegment& segment,
                  Cause cause) {
    const Embryo embryo = Embryo::of(keyed, segment, cause.time, cause.packet_number);
    const std::uint64_t conn_id = ++m_last_conn_id;
    m_embryos.insert(embryo, conn_id, hash);
    m_shard_held += std::size_t{reports(keyed.key)};
    if (m_ledger != nullptr) {
      m_ledger->began(conn_id, 0);
    }
    handshake_started({segment.dst, segment.dst_port}, cause.time);
    // Once hatched, the record takes this check as its own.
    m_checks.push({embryo_due(embryo), conn_id, static_cast<std::uint32_t>(hash)});
  }

  // When the full record would first need a look without a packet: the client's SYN_SENT
  // timer, or the idle limit if that comes first. This is next_check() of the hatched
  // record; a later time would write an unanswered SYN out late (the randomized test in
  // test_conn_embryos.cpp notices), an earlier one would only hatch it early.
  TimeNs embryo_due(const Embryo& embryo) const {
    TimeNs due = embryo.time + m_config.handshake_timeout;
    if (m_config.idle_timeout > 0) {
      due = std::min(due, embryo.time + m_config.idle_timeout);
    }
    return due;
  }

  // The record as it stood after the SYN: what create() and observe_segment() made of it.
  void grow_from_syn(Connection& connection, const Embryo& embryo, std::uint64_t conn_id,
                     Recorder& recorder) const {
    connection.key = embryo.key;
    connection.conn_id = conn_id;
    connection.first_seen = embryo.time;
    connection.client_direction = embryo.direction;
    connection.handshake_counted = true;
    const decode::TcpSegment syn = embryo.segment();
    observe_segment(connection, Side::client, syn, {embryo.time, embryo.packet_number},
                    m_config.zeek_server_ports, recorder);
    for (std::size_t copy = 0; copy < embryo.copies; ++copy) {
      observe_segment(connection, Side::client, syn,
                      {embryo.copy_time(copy), embryo.copy_packet_number(copy)},
                      m_config.zeek_server_ports, recorder);
    }
  }

  ConnectionTable::Slot hatch(EmbryoTable::Slot embryo_slot) {
    const Embryo embryo = m_embryos.at(embryo_slot);
    const std::uint64_t conn_id = m_embryos.conn_id_at(embryo_slot);
    m_embryos.erase(embryo_slot);
    forget_shard_held(embryo.key);
    make_room_in_pages();
    return hatch_record(embryo, conn_id);
  }

  ConnectionTable::Slot hatch_record(const Embryo& embryo, std::uint64_t conn_id) {
    const ConnectionTable::Slot slot = m_table.insert(embryo.key, conn_id, hash_key(embryo.key));
    Connection& connection = m_table.at(slot);
    connection.reported = reports(embryo.key);
    m_shard_held += std::size_t{connection.reported};
    grow_from_syn(connection, embryo, conn_id, m_recorder);
    // The embryo's check, still queued, is the record's: no second one is needed.
    connection.scheduled_check = embryo_due(embryo);
    // A SYN alone never finishes a connection, so the record stays in this slot.
    after_segment(connection, slot);
    return slot;
  }

  ConnectionTable::Slot hatch_if_embryonic(const ConnectionKey& key, std::uint64_t hash) {
    if (m_embryos.empty()) {
      return ConnectionTable::k_no_slot;
    }
    const EmbryoTable::Slot embryo = m_embryos.find(key, hash);
    return embryo == EmbryoTable::k_no_slot ? ConnectionTable::k_no_slot : hatch(embryo);
  }

  // A finished connection waits out its linger in compact form (frozen_connection.hpp).
  // Its queued check finds it there, and thaws it into the table again. One due for a look
  // within a second stays whole: it would be thawed again at once (an active closer's
  // TIME_WAIT runs out just before its linger does).
  void freeze_if_finished(Connection& connection, ConnectionTable::Slot slot, TimeNs now) {
    if (is_finished(connection) && open_connections() >= m_config.compact_finished_beyond &&
        may_freeze(connection, now)) {
      freeze(connection, slot);
    }
  }

  // A frozen record is thawed by its next packet, or by its scheduled check, which must
  // therefore still be queued: due later than `now`, past the horizon. A check already
  // popped would never come back for it.
  bool may_freeze(const Connection& connection, TimeNs now) const {
    constexpr TimeNs k_horizon = k_ns_per_second;
    return (connection.scheduled_check == 0 || connection.scheduled_check - now >= k_horizon) &&
           (m_pending.empty() || !m_pending.holds_for(connection.conn_id));
  }

  void freeze(Connection& connection, ConnectionTable::Slot slot) {
    const std::uint64_t hash = hash_key(connection.key);
    m_frozen.insert(m_freezer.freeze(connection), connection.conn_id, hash);
    m_table.erase(slot);
  }

  // Open connections that have gone quiet are frozen as finished ones are (see
  // AnalysisConfig::compact_quiet_after), when the table's pages are full: record pages
  // are never given back, so freezing them while there is room would only add their
  // encodings to the pages held. Nothing is due for such a record before its scheduled
  // check, so a frozen one waits for its next packet or that check exactly as the full
  // record would. At most one sweep per half quiet period, in slot order: a sweep reads a
  // cache line or two per full record.
  void make_room_in_pages() {
    const TimeNs now = m_clock;
    if (!m_table.full() || now < m_next_quiet_sweep || m_writing_out_all ||
        open_connections() < m_config.compact_finished_beyond) {
      return;
    }
    m_next_quiet_sweep = now + m_config.compact_quiet_after / 2;
    m_table.for_each_slot_in_place([&](ConnectionTable::Slot slot) {
      Connection& connection = m_table.at(slot);
      if (now - connection.last_seen >= m_config.compact_quiet_after &&
          may_freeze(connection, now)) {
        freeze(connection, slot);
      }
    });
  }

  // Once the held connections reach the threshold, the records that finished below it are
  // frozen too: left full until their linger ran out, they set the run's peak of full
  // records (and the record pages are never given back). Done again only after the count
  // fell to half the threshold, so a count that hovers around it costs one sweep.
  void freeze_all_finished(TimeNs now) {
    m_frozen_all_finished = true;
    std::vector<ConnectionTable::Slot> slots;
    m_table.for_each_slot([&](ConnectionTable::Slot slot) { slots.push_back(slot); });
    for (const ConnectionTable::Slot slot : slots) {
      freeze_if_finished(m_table.at(slot), slot, now);
    }
  }

  ConnectionTable::Slot thaw_frozen(FrozenTable::Slot frozen_slot, std::uint64_t hash) {
    const FrozenConnection& frozen = m_frozen.at(frozen_slot);
    const ConnectionTable::Slot slot =
        m_table.insert(frozen.key, m_frozen.conn_id_at(frozen_slot), hash);
    thaw(frozen, m_table.at(slot));
    m_frozen.erase(frozen_slot, hash);
    return slot;
  }

  ConnectionTable::Slot thaw_if_frozen(const ConnectionKey& key, std::uint64_t hash) {
    if (m_frozen.empty()) {
      return ConnectionTable::k_no_slot;
    }
    const FrozenTable::Slot frozen = m_frozen.find(key, hash);
    return frozen == FrozenTable::k_no_slot ? ConnectionTable::k_no_slot
                                            : thaw_frozen(frozen, hash);
  }

  // The record a check is for, hatched or thawed into the connection table; k_no_slot when
  // it was written out already, or a stale check finds it frozen with nothing due.
  ConnectionTable::Slot record_for_check(const DueCheck& check, TimeNs now) {
    if (!m_embryos.empty()) {
      const EmbryoTable::Slot embryo = m_embryos.find_by_conn_id(check.key_hash, check.conn_id);
      if (embryo != EmbryoTable::k_no_slot) {
        return hatch(embryo);
      }
    }
    if (!m_frozen.empty()) {
      const FrozenTable::Slot slot = m_frozen.find_by_conn_id(check.key_hash, check.conn_id);
      if (slot != FrozenTable::k_no_slot) {
        // A record is frozen with its scheduled check at least a second away, or with none
        // (may_freeze), so that check is still queued, and until it is due nothing is:
        // another check would find nothing to do. Once it is due (a jump of the clock),
        // the record is thawed as for any check, so rows come out in the same order.
        const FrozenConnection& frozen = m_frozen.at(slot);
        if (check.due != frozen.scheduled_check &&
            (frozen.scheduled_check == 0 || now < frozen.scheduled_check)) {
          return ConnectionTable::k_no_slot;
        }
        return thaw_frozen(slot, hash_key(frozen.key));
      }
    }
    return m_table.find_by_conn_id(check.key_hash, check.conn_id);
  }

  void handshake_started(const anomaly::ServerEndpoint& server, TimeNs time) {
    if (m_ledger != nullptr) {
      m_ledger->handshake_started(server, time);
    } else {
      m_floods.handshake_started(server, time);
    }
  }

  // The capture's shape as one thread sees it here: a shard asks the others.
  bool mostly_one_sided() {
    return m_ledger != nullptr ? m_ledger->mostly_one_sided()
                               : m_recorder.shape().mostly_one_sided();
  }

  // A SYN for a new incarnation while the old one still looked open (see pending_syns.hpp).
  static bool still_open(const Connection& connection) {
    return holds_connection_open(connection.client().state) ||
           holds_connection_open(connection.server().state);
  }

  void hold_new_syn(Connection& old, Direction direction, const decode::TcpSegment& segment,
                    Cause cause) {
    const Side sender = old.side_of(direction);
    // Still open as far as the capture shows: when the peer's side is inferred only (a
    // one-sided capture), the packet that closed it may simply be the unseen one.
    const bool peer_seen = old.endpoint(other(sender)).packets > 0;
    const bool peer_looked_open = peer_seen && !mostly_one_sided();
    m_pending.hold(old.conn_id, PendingSyn{segment, cause, direction, peer_looked_open});
    // A stack that sends a SYN on this four-tuple no longer has the old connection.
    m_recorder.set_state(old, sender, TcpState::closed,
                         "sent a new SYN: it no longer has this connection", cause);
    old.last_seen = cause.time;
    old.last_packet = cause.packet_number;
  }

  // A SYN-ACK that acknowledges nothing the connection's other side sent, from an ISN
  // outside what its sender sent: it answers the SYN of a new incarnation that the capture
  // missed (a reopened four-tuple starts above the old sequence space, RFC 9293 3.4.1).
  static bool answers_uncaptured_new_syn(const Connection& connection, Direction direction,
                                         const decode::TcpSegment& segment) {
    if (!segment.has(flag::syn) || !segment.has(flag::ack) || segment.has(flag::rst)) {
      return false;
    }
    const Side sender = connection.side_of(direction);
    const Endpoint& answering = connection.endpoint(sender);
    const Endpoint& opener = connection.endpoint(other(sender));
    const auto within = [](std::uint32_t value, std::uint32_t first, std::uint32_t last) {
      return !seq_before(value, first) && !seq_after(value, last);
    };
    return opener.sent_syn && answering.sent_syn &&
           !within(segment.ack, opener.isn + 1, opener.next_seq) &&
           !within(segment.seq, answering.isn, answering.next_seq);
  }

  // A SYN without ACK on a known four-tuple is a retransmission, the other half of a
  // simultaneous open, or a new incarnation.
  static bool starts_new_incarnation(const Connection& connection, Direction direction,
                                     const decode::TcpSegment& segment) {
    const Side sender = connection.side_of(direction);
    const Endpoint& endpoint = connection.endpoint(sender);
    if (endpoint.sent_syn && segment.seq == endpoint.isn && endpoint.state != TcpState::closed) {
      return false;
    }
    const bool crossing_syn = sender == Side::server && !endpoint.sent_anything &&
                              connection.client().state == TcpState::syn_sent;
    return !crossing_syn;
  }

  // The four-tuple is reopened: the old incarnation ends with both endpoints CLOSED and is
  // written out now.
  Reuse supersede(ConnectionTable::Slot slot, Direction new_client_direction, Cause cause) {
    Connection& old = m_table.at(slot);
    const Side syn_sender = old.side_of(new_client_direction);
    Reuse reuse;
    reuse.reused = true;
    reuse.previous_conn_id = old.conn_id;
    // Linux lets a SYN reopen a four-tuple in TIME_WAIT (RFC 6191); when the SYN comes
    // from the side holding TIME_WAIT, that side cut its own TIME_WAIT short.
    reuse.cut_own_time_wait = old.endpoint(syn_sender).state == TcpState::time_wait;
    for (const Side side : {Side::client, Side::server}) {
      old.endpoint(side).closed_by_received_rst = false;
      m_recorder.set_state(old, side, TcpState::closed, "superseded by a new SYN", cause);
    }
    write_out(slot, cause.time);
    return reuse;
  }

  // A new record in the table, built in place: records are large enough that building one
  // aside and moving it in showed in profiles of connection-heavy captures.
  ConnectionTable::Slot create(const KeyedSegment& keyed, const decode::TcpSegment& segment,
                               Cause cause, const Reuse& reuse, std::uint64_t hash) {
    if (!m_frozen_all_finished && open_connections() >= m_config.compact_finished_beyond) {
      freeze_all_finished(cause.time);
    }
    make_room_in_pages();
    const ConnectionTable::Slot slot = m_table.insert(keyed.key, ++m_last_conn_id, hash);
    if (m_ledger != nullptr) {
      m_ledger->began(m_last_conn_id, reuse.reused ? reuse.previous_conn_id : 0);
    }
    Connection& connection = m_table.at(slot);
    connection.reported = reports(keyed.key);
    m_shard_held += std::size_t{connection.reported};
    connection.first_seen = cause.time;
    const bool syn = segment.has(flag::syn);
    const bool ack = segment.has(flag::ack);
    // RFC 9293 3.10.7.1: the RST answering a segment without ACK (a SYN) has sequence
    // number zero and acknowledges that segment; with the SYN missing from the capture,
    // it is still a refusal.
    const bool answers_uncaptured_syn =
        segment.has(flag::rst) && ack && segment.seq == 0 && segment.payload_length == 0;
    if (syn && !ack) {
      connection.client_direction = keyed.direction;
    } else if (syn || answers_uncaptured_syn) {
      // The capture began between the SYN and its answer, or missed the SYN: the SYN's
      // sender is the client, and the answer's ACK tells what its SYN was.
      connection.client_direction = flipped(keyed.direction);
      Endpoint& client = connection.client();
      client.state = TcpState::syn_sent;
      client.sent_syn = true;
      client.sent_anything = true;
      client.isn = segment.ack - 1;
      client.next_seq = segment.ack;
      EndpointMoments& client_moments = connection.moments(Side::client);
      client_moments.first_syn_time = cause.time;
      client_moments.last_control_time = cause.time;
      client.syn_transmissions = 1;
      if (syn) {
        m_recorder.note(connection, Note::midstream, Side::client, cause,
                        "capture began after the client's SYN");
      } else {
        client.missed_segments = 1;
        m_recorder.note(connection, Note::capture_gap, Side::client, cause,
                        "capture missed the client's SYN: this RST acknowledges it");
      }
    } else {
      // RFC 9293 gives no way to learn the states before the first packet; a connection
      // already carrying traffic is synchronized on both sides.
      connection.client_direction = guess_client_direction(keyed.key);
      connection.midstream = true;
      for (Endpoint& endpoint : connection.endpoints) {
        endpoint.state = TcpState::established;
        endpoint.reached_established = true;
      }
      m_recorder.note(connection, Note::midstream, Side::client, cause,
                      "capture began after the handshake; client guessed from the ports");
    }
    if (reuse.reused) {
      m_recorder.note(connection, Note::tuple_reuse, Side::client, cause,
                      reopened_tuple_text(reuse.previous_conn_id));
      if (reuse.cut_own_time_wait) {
        m_recorder.raise(connection, Anomaly::missing_time_wait, Side::client, cause,
                         "client reused the four-tuple while it was still in TIME_WAIT");
      }
    }
    if (syn && !ack) {
      handshake_started(server_of(connection), cause.time);
      connection.handshake_counted = true;
    }
    return slot;
  }

  // The table is full: the connection that has been quiet longest is written out as it
  // stands, marked evicted, rather than dropped without a trace.
  void make_room(TimeNs now) {
    if (m_ledger != nullptr) {
      return; // the limit counts every shard's connections: the merge enforces it
    }
    constexpr std::uint64_t k_none = UINT64_MAX;
    while (open_connections() >= m_config.max_connections) {
      ConnectionTable::Slot victim = m_table.longest_idle();
      const EmbryoTable::Slot embryo = m_embryos.oldest();
      const FrozenTable::Slot frozen = m_frozen.longest_idle();
      const std::uint64_t record_packet =
          victim == ConnectionTable::k_no_slot ? k_none : m_table.at(victim).last_packet;
      const std::uint64_t embryo_packet =
          embryo == EmbryoTable::k_no_slot ? k_none : m_embryos.at(embryo).last_packet_number();
      const std::uint64_t frozen_packet =
          frozen == FrozenTable::k_no_slot ? k_none : m_frozen.at(frozen).last_packet;
      if (embryo_packet < record_packet && embryo_packet < frozen_packet) {
        victim = hatch(embryo);
      } else if (frozen_packet < record_packet) {
        victim = thaw_frozen(frozen, hash_key(m_frozen.at(frozen).key));
      }
      if (victim == ConnectionTable::k_no_slot) {
        return;
      }
      m_table.at(victim).evicted = true;
      run_timers(m_table.at(victim), now, m_config, m_recorder);
      write_out(victim, now);
    }
  }

  void after_segment(Connection& connection, ConnectionTable::Slot slot) {
    if (connection.handshake_counted && connection.client().reached_established &&
        connection.server().reached_established) {
      connection.handshake_counted = false;
      const TimeNs started = connection.moments(Side::client).first_syn_time;
      if (m_ledger != nullptr) {
        m_ledger->handshake_completed(server_of(connection), started);
      } else {
        m_floods.handshake_completed(server_of(connection), started);
      }
    }
    if (m_config.write_out_when_finished && is_finished(connection) &&
        !m_pending.holds_for(connection.conn_id)) {
      m_finished.remember(connection);
      write_out(slot, connection.last_seen);
      return;
    }
    // Only a state change (or a closed connection's moving linger) can bring a check
    // forward; established traffic skips the timer arithmetic.
    if (connection.scheduled_check == 0 || all_closed(connection) ||
        connection.client().state != TcpState::established ||
        connection.server().state != TcpState::established) {
      schedule(connection);
      freeze_if_finished(connection, slot, connection.last_seen);
    }
  }

  // Nothing more can happen to it but TIME_WAIT running out.
  static bool is_finished(const Connection& connection) {
    const TcpState client = connection.client().state;
    const TcpState server = connection.server().state;
    const auto done = [](TcpState state) {
      return state == TcpState::closed || state == TcpState::time_wait;
    };
    return done(client) && done(server);
  }

  // When this connection next needs a look without a packet: a timer, the end of its
  // linger once closed, or the idle limit.
  TimeNs next_check(const Connection& connection) const {
    TimeNs due = next_timer_due(connection, m_config);
    const auto consider = [&due](TimeNs candidate) {
      if (due == 0 || candidate < due) {
        due = candidate;
      }
    };
    if (all_closed(connection)) {
      // Kept for 2*MSL after its last packet: stray retransmissions or a RST that never
      // arrived can still show up, as they could on the hosts.
      consider(connection.last_seen + 2 * m_config.msl);
    }
    if (m_config.idle_timeout > 0) {
      consider(connection.last_seen + m_config.idle_timeout);
    }
    return due;
  }

  void schedule(Connection& connection) {
    if (m_writing_out_all) {
      return;
    }
    const TimeNs due = next_check(connection);
    if (due != 0 && (connection.scheduled_check == 0 || due < connection.scheduled_check)) {
      connection.scheduled_check = due;
      m_checks.push(
          {due, connection.conn_id, static_cast<std::uint32_t>(hash_key(connection.key))});
    }
  }

  void run_due_checks(TimeNs now) {
    m_clock = now;
    m_finished.forget_expired(now);
    if (!m_checks.may_have_due(now)) [[likely]] {
      return;
    }
    DueCheck entry;
    while (m_checks.pop_due(now, entry)) {
      if (m_ledger != nullptr) {
        m_ledger->at_due_check(entry.due, entry.conn_id);
      }
      const ConnectionTable::Slot slot = record_for_check(entry, now);
      if (slot == ConnectionTable::k_no_slot) {
        continue; // written out already, or a stale check of a frozen record
      }
      Connection& connection = m_table.at(slot);
      if (connection.scheduled_check == entry.due) {
        connection.scheduled_check = 0;
      }
      run_timers(connection, now, m_config, m_recorder);
      const bool lingered =
          all_closed(connection) && now >= connection.last_seen + 2 * m_config.msl;
      const bool idle =
          m_config.idle_timeout > 0 && now >= connection.last_seen + m_config.idle_timeout;
      const bool finished = m_config.write_out_when_finished && is_finished(connection);
      if (lingered || idle || finished) {
        write_out(slot, now);
      } else {
        schedule(connection);
        freeze_if_finished(connection, slot, now);
      }
    }
  }

  void write_out(ConnectionTable::Slot slot, TimeNs now) {
    Connection& connection = m_table.at(slot);
    m_pending.settle_before_end(connection, m_recorder);
    const std::uint64_t conn_id = connection.conn_id;
    const ConnectionKey key = connection.key;
    const bool evicted = connection.evicted;
    m_shard_held -= std::size_t{connection.reported};
    if (m_ledger != nullptr) {
      m_ledger->finished(std::move(connection), now); // judged by the merge
    } else if (connection.reported) {
      judge_at_end(connection, now, m_config, m_floods, m_recorder);
      m_reports.on_report(take_report(connection));
    }
    std::optional<PendingSyn> pending;
    if (!m_pending.empty()) {
      pending = m_pending.take(conn_id, std::nullopt);
    }
    m_table.erase(slot);
    if (m_frozen_all_finished && open_connections() < m_config.compact_finished_beyond / 2) {
      m_frozen_all_finished = false;
    }
    if (pending && !evicted) {
      // The held SYN outlived the old incarnation: it starts the next one.
      Reuse reuse;
      reuse.reused = true;
      reuse.previous_conn_id = conn_id;
      const ConnectionTable::Slot fresh =
          create(key_of(pending->segment), pending->segment, pending->cause, reuse, hash_key(key));
      Connection& next = m_table.at(fresh);
      observe_segment(next, Side::client, pending->segment, pending->cause,
                      m_config.zeek_server_ports, m_recorder);
      after_segment(next, fresh);
    }
  }

  AnalysisConfig m_config;
  ReportReceiver& m_reports;
  Recorder m_recorder;
  anomaly::SynFloodDetector m_own_floods;
  anomaly::SynFloodDetector& m_floods; // m_own_floods, or one shared with other workers
  ConnectionTable m_table;
  EmbryoTable m_embryos;
  FrozenTable m_frozen;
  Freezer m_freezer;
  DueCheckQueue m_checks;
  bool m_writing_out_all = false;                                 // in finish()
  bool m_frozen_all_finished = false;                             // see freeze_all_finished()
  TimeNs m_next_quiet_sweep = std::numeric_limits<TimeNs>::min(); // see make_room_in_pages()
  TimeNs m_clock = std::numeric_limits<TimeNs>::min(); // the latest time run_due_checks saw
  std::uint64_t m_last_conn_id = 0;
  // The records and embryos held of this process's shard (all of them without --shard).
  std::size_t m_shard_held = 0;
  PendingSyns m_pending;
  FinishedTuples m_finished;
  // A shard of a threaded analysis writes facts here instead of judging and reporting.
  ShardLedger* m_ledger;
};

namespace {

// A shard's reports are the merge's to make.
class NoReports final : public ReportReceiver {
public:
  void on_report(const ConnectionReport& /*report*/) override {}
};

NoReports g_no_reports;

} // namespace

Reconstructor::Reconstructor(const AnalysisConfig& config, ReportReceiver& reports,
                             EventObserver* events, anomaly::SynFloodDetector* shared_floods)
    : m_impl(std::make_unique<Impl>(config, reports, events, shared_floods, nullptr)) {}

Reconstructor::Reconstructor(const AnalysisConfig& config, ShardLedger& ledger)
    : m_impl(std::make_unique<Impl>(config, g_no_reports, ledger.events(), nullptr, &ledger)) {}

Reconstructor::~Reconstructor() = default;

void Reconstructor::on_segment(const decode::TcpSegment& segment, TimeNs time,
                               std::uint64_t packet_number) {
  m_impl->on_segment(segment, time, packet_number);
}

void Reconstructor::on_bad_checksum(const decode::TcpSegment& segment) {
  m_impl->on_bad_checksum(segment);
}

void Reconstructor::advance_to(TimeNs now) {
  m_impl->advance_to(now);
}

void Reconstructor::finish(TimeNs capture_end) {
  m_impl->finish(capture_end);
}

Reconstructor::StateCounts Reconstructor::count_states() const {
  return m_impl->count_states();
}

std::size_t Reconstructor::open_connections() const {
  return m_impl->shard_open_connections();
}

} // namespace tcpstate::conn
