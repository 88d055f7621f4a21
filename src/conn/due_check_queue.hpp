#pragma once
// When each followed connection next needs a look without a packet of its own (a protocol
// timer, the end of its linger, the idle limit), in capture time.
//
// A binary heap over every pending check was the costliest structure of a run: one entry
// per connection, most of them a minute or two in the future, so every push and pop missed
// the cache at each level. Here a wheel of coarse time buckets holds the future and only
// the bucket that has come due is ordered, in a small heap. Checks come out strictly by
// (due, conn_id), so runs are reproducible whatever the order they were queued in.
#include "tcpstate/util/time.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace tcpstate::conn {

struct DueCheck {
  TimeNs due = 0;
  std::uint64_t conn_id = 0;
  // The low 32 bits of the connection's key hash, not a slot: by the time the check is
  // due, the record may have moved between its forms (an embryo hatched, a finished
  // record frozen or thawed), and (key hash, conn_id) finds it in any of them.
  std::uint32_t key_hash = 0;
};

class DueCheckQueue {
public:
  void push(const DueCheck& check);
  // Removes the earliest check due at or before `now` into `out`; false when none is.
  bool pop_due(TimeNs now, DueCheck& out);
  // False when pop_due(now) would surely find nothing: asked before every segment, and
  // nearly always false, so it is kept inline and cheap. True before the first pop_due(),
  // which starts the wheel's clock.
  bool may_have_due(TimeNs now) const {
    return !m_started || (!m_near.empty() && m_near.front().due <= now) ||
           m_cursor < bucket_of(now);
  }
  void clear();
  // Empties the queue and gives back its memory.
  void release();
  // How many checks are ordered in the heap of the current bucket (for tests: the rest
  // wait unordered in the wheel).
  std::size_t ordered() const { return m_near.size(); }

private:
  // 2^27 ns (~134 ms) buckets, 4096 of them: a span of ~550 s, longer than any timer
  // tcpstate runs, so the overflow list is for unusual configurations only.
  static constexpr int k_bucket_shift = 27;
  static constexpr std::int64_t k_wheel_size = 4096;

  static std::int64_t bucket_of(TimeNs time) { return time >> k_bucket_shift; }

  // A check in the wheel: its bucket is where it sits, so 16 bytes hold it instead of 24
  // (a busy capture keeps a million checks pending).
  struct WheelEntry {
    std::uint32_t due_in_bucket;
    std::uint32_t key_hash;
    std::uint64_t conn_id;
  };
  static WheelEntry wheel_entry(const DueCheck& check) {
    return {static_cast<std::uint32_t>(check.due & ((TimeNs{1} << k_bucket_shift) - 1)),
            check.key_hash, check.conn_id};
  }
  static DueCheck from_wheel(std::int64_t bucket, const WheelEntry& entry) {
    return {(bucket << k_bucket_shift) + entry.due_in_bucket, entry.conn_id, entry.key_hash};
  }
  void push_wheel(std::int64_t bucket, const DueCheck& check);
  void push_near(const DueCheck& check);
  void advance_to(std::int64_t bucket);
  void drain(std::int64_t bucket);
  void take_overflow();

  // Checks whose bucket the cursor has reached, as a min-heap by (due, conn_id).
  std::vector<DueCheck> m_near;
  // Checks in the next k_wheel_size - 1 buckets after the cursor.
  std::array<std::vector<WheelEntry>, k_wheel_size> m_wheel;
  std::size_t m_in_wheel = 0;
  // Checks further out than the wheel reaches.
  std::vector<DueCheck> m_overflow;
  std::int64_t m_cursor = 0; // the last bucket moved into m_near
  bool m_started = false;
};

} // namespace tcpstate::conn
