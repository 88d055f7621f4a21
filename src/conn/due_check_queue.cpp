#include "due_check_queue.hpp"

#include <algorithm>

namespace tcpstate::conn {
namespace {

// std::push_heap keeps the largest in front, so "later" is "less".
bool later(const DueCheck& a, const DueCheck& b) {
  return a.due != b.due ? a.due > b.due : a.conn_id > b.conn_id;
}

} // namespace

void DueCheckQueue::push(const DueCheck& check) {
  const std::int64_t bucket = bucket_of(check.due);
  if (!m_started) {
    // Queued before any clock was seen: the wheel starts at this check.
    m_started = true;
    m_cursor = bucket - 1;
  }
  if (bucket <= m_cursor || !fits_wheel_entry(check)) {
    // A conn_id too wide for the wheel waits in the ordered heap however far off it is due:
    // never seen in a run, so its cost to the heap does not matter.
    push_near(check);
  } else if (bucket - m_cursor < k_wheel_size) {
    push_wheel(bucket, check);
  } else {
    m_overflow.push_back(check);
  }
}

void DueCheckQueue::push_wheel(std::int64_t bucket, const DueCheck& check) {
  Bucket& target = m_wheel[static_cast<std::size_t>(bucket & (k_wheel_size - 1))];
  const std::size_t in_last_block = target.size % k_entries_per_block;
  if (in_last_block == 0) {
    if (m_spare_blocks.empty()) {
      target.blocks.push_back(std::make_unique_for_overwrite<Block>());
      ++m_blocks_held;
    } else {
      target.blocks.push_back(std::move(m_spare_blocks.back()));
      m_spare_blocks.pop_back();
    }
  }
  (*target.blocks.back())[in_last_block] = wheel_entry(check);
  ++target.size;
  ++m_in_wheel;
}

void DueCheckQueue::push_near(const DueCheck& check) {
  m_near.push_back(check);
  std::push_heap(m_near.begin(), m_near.end(), later);
}

bool DueCheckQueue::pop_due(TimeNs now, DueCheck& out) {
  if (!m_started) {
    // The wheel starts at the clock, not at the first check queued: a first check a minute
    // out would otherwise leave every check due before it in the heap.
    m_started = true;
    m_cursor = bucket_of(now);
    return false;
  }
  for (;;) {
    // The bucket test is for a check too wide for the wheel (push()), which may be in the
    // heap before the wheel has given up the checks due ahead of it.
    if (!m_near.empty() && m_near.front().due <= now && bucket_of(m_near.front().due) <= m_cursor) {
      std::pop_heap(m_near.begin(), m_near.end(), later);
      out = m_near.back();
      m_near.pop_back();
      return true;
    }
    const std::int64_t now_bucket = bucket_of(now);
    if (m_cursor >= now_bucket) {
      return false;
    }
    advance_to(now_bucket);
  }
}

// Moves the cursor towards `bucket`, one bucket at a time while the wheel holds anything,
// in one jump over empty time.
void DueCheckQueue::advance_to(std::int64_t bucket) {
  if (m_in_wheel == 0 && m_overflow.empty()) {
    m_cursor = bucket;
    return;
  }
  if (bucket - m_cursor >= k_wheel_size) {
    // Everything in the wheel is due by then; the overflow is sorted out afresh.
    for (std::int64_t i = 1; i < k_wheel_size; ++i) {
      drain(m_cursor + i);
    }
    m_cursor = bucket;
    take_overflow();
    return;
  }
  ++m_cursor;
  // A revolution ends: overflow checks that now fit move in before their bucket drains.
  if ((m_cursor & (k_wheel_size - 1)) == 0 && !m_overflow.empty()) {
    take_overflow();
  }
  drain(m_cursor);
}

void DueCheckQueue::drain(std::int64_t bucket) {
  Bucket& source = m_wheel[static_cast<std::size_t>(bucket & (k_wheel_size - 1))];
  std::size_t left = source.size;
  for (std::unique_ptr<Block>& block : source.blocks) {
    const std::size_t in_block = std::min(left, k_entries_per_block);
    for (std::size_t i = 0; i < in_block; ++i) {
      push_near(from_wheel(bucket, (*block)[i]));
    }
    left -= in_block;
    put_spare(std::move(block));
  }
  m_in_wheel -= source.size;
  // The blocks go to the buckets filling next rather than wait a revolution (~550 s) for
  // this one to refill: 4096 buckets each keeping the capacity of their fullest moment came
  // to a third of the peak memory of a run. Only the list of the blocks keeps its capacity,
  // 8 bytes a block.
  source.blocks.clear();
  source.size = 0;
}

void DueCheckQueue::put_spare(std::unique_ptr<Block> block) {
  if (m_spare_blocks.size() < k_spare_blocks_kept) {
    m_spare_blocks.push_back(std::move(block));
  } else {
    --m_blocks_held; // and `block` is freed on return
  }
}

void DueCheckQueue::take_overflow() {
  std::vector<DueCheck> further;
  for (const DueCheck& check : m_overflow) {
    const std::int64_t bucket = bucket_of(check.due);
    if (bucket <= m_cursor) {
      push_near(check);
    } else if (bucket - m_cursor < k_wheel_size) {
      push_wheel(bucket, check);
    } else {
      further.push_back(check);
    }
  }
  m_overflow = std::move(further);
}

void DueCheckQueue::release() {
  *this = DueCheckQueue{};
}

void DueCheckQueue::clear() {
  m_near.clear();
  for (Bucket& bucket : m_wheel) {
    for (std::unique_ptr<Block>& block : bucket.blocks) {
      put_spare(std::move(block));
    }
    bucket.blocks.clear();
    bucket.size = 0;
  }
  m_in_wheel = 0;
  m_overflow.clear();
  m_started = false;
}

} // namespace tcpstate::conn
