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
#include <cstddef>
#include <cstdint>
#include <memory>
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
  // A bucket of the wheel holds its checks in blocks of this many entries, taken from the
  // queue's spare blocks: a bucket wastes at most the rest of its last block, where a
  // vector doubling its way up wasted up to half of itself, and a drained bucket's blocks
  // go to the buckets filling next instead of back to the allocator. 84 entries are 1008
  // bytes: with glibc's 8-byte header, one 1 KiB heap chunk. Larger blocks would waste more
  // in the buckets holding few checks.
  static constexpr std::size_t k_entries_per_block = 84;
  // Spare blocks beyond these go back to the allocator. A drained bucket's blocks are
  // taken up again by the buckets filling next: in the captures measured, with up to 3.4
  // million checks pending, no more than 86 were ever spare at once. More than that are
  // left from a burst that has passed, and serve the rest of the run better in the
  // allocator, where the tables that grow can have them.
  static constexpr std::size_t k_spare_blocks_kept = 256;

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
  // How many blocks the queue holds, in its buckets and spare (for tests).
  std::size_t blocks_held() const { return m_blocks_held; }

private:
  // 2^27 ns (~134 ms) buckets, 4096 of them: a span of ~550 s, longer than any timer
  // tcpstate runs, so the overflow list is for unusual configurations only.
  static constexpr int k_bucket_shift = 27;
  static constexpr std::int64_t k_wheel_size = 4096;

  static std::int64_t bucket_of(TimeNs time) { return time >> k_bucket_shift; }

  // A check in the wheel: its bucket is where it sits, so 12 bytes hold it instead of 24
  // (a busy capture keeps a million checks pending). The time within the bucket takes 27
  // bits and the conn_id 37, which a run would need 2^37 connections to outgrow; a check
  // with a wider conn_id skips the wheel (push()).
  static constexpr int k_conn_id_bits = 37;
  static_assert(k_bucket_shift + (k_conn_id_bits - 32) == 32);
  struct WheelEntry {
    std::uint32_t key_hash;
    std::uint32_t conn_id_low;
    // The time within the bucket in the low k_bucket_shift bits, the conn_id's bits above
    // its low 32 over them.
    std::uint32_t due_in_bucket_and_conn_id_high;
  };
  static_assert(sizeof(WheelEntry) == 12);
  static bool fits_wheel_entry(const DueCheck& check) {
    return check.conn_id >> k_conn_id_bits == 0;
  }
  static WheelEntry wheel_entry(const DueCheck& check) {
    const auto due_in_bucket =
        static_cast<std::uint32_t>(check.due & ((TimeNs{1} << k_bucket_shift) - 1));
    const auto conn_id_high = static_cast<std::uint32_t>(check.conn_id >> 32);
    return {check.key_hash, static_cast<std::uint32_t>(check.conn_id),
            due_in_bucket | (conn_id_high << k_bucket_shift)};
  }
  static DueCheck from_wheel(std::int64_t bucket, const WheelEntry& entry) {
    const std::uint32_t packed = entry.due_in_bucket_and_conn_id_high;
    const std::uint32_t due_in_bucket = packed & ((std::uint32_t{1} << k_bucket_shift) - 1);
    const std::uint64_t conn_id_high = packed >> k_bucket_shift;
    return {(bucket << k_bucket_shift) + due_in_bucket, (conn_id_high << 32) | entry.conn_id_low,
            entry.key_hash};
  }

  using Block = std::array<WheelEntry, k_entries_per_block>;
  struct Bucket {
    std::vector<std::unique_ptr<Block>> blocks; // full but the last
    std::size_t size = 0;
  };

  void push_wheel(std::int64_t bucket, const DueCheck& check);
  void push_near(const DueCheck& check);
  void advance_to(std::int64_t bucket);
  void drain(std::int64_t bucket);
  void take_overflow();
  void put_spare(std::unique_ptr<Block> block);

  // Checks whose bucket the cursor has reached, and any whose conn_id is too wide for the
  // wheel, as a min-heap by (due, conn_id).
  std::vector<DueCheck> m_near;
  // Checks in the next k_wheel_size - 1 buckets after the cursor.
  std::array<Bucket, k_wheel_size> m_wheel;
  std::size_t m_in_wheel = 0;
  std::vector<std::unique_ptr<Block>> m_spare_blocks;
  std::size_t m_blocks_held = 0;
  // Checks further out than the wheel reaches.
  std::vector<DueCheck> m_overflow;
  std::int64_t m_cursor = 0; // the last bucket moved into m_near
  bool m_started = false;
};

} // namespace tcpstate::conn
