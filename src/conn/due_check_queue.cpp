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
  if (bucket <= m_cursor) {
    push_near(check);
  } else if (bucket - m_cursor < k_wheel_size) {
    push_wheel(bucket, check);
  } else {
    m_overflow.push_back(check);
  }
}

void DueCheckQueue::push_wheel(std::int64_t bucket, const DueCheck& check) {
  m_wheel[static_cast<std::size_t>(bucket & (k_wheel_size - 1))].push_back(wheel_entry(check));
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
    if (!m_near.empty() && m_near.front().due <= now) {
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
  auto& checks = m_wheel[static_cast<std::size_t>(bucket & (k_wheel_size - 1))];
  for (const WheelEntry& entry : checks) {
    push_near(from_wheel(bucket, entry));
  }
  m_in_wheel -= checks.size();
  // Freed, not just emptied: a bucket is refilled only a revolution (~550 s) later, and
  // 4096 buckets each keeping the capacity of their fullest moment came to a third of the
  // peak memory of a run.
  std::vector<WheelEntry>().swap(checks);
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
  for (auto& checks : m_wheel) {
    checks.clear();
  }
  m_in_wheel = 0;
  m_overflow.clear();
  m_started = false;
}

} // namespace tcpstate::conn
