#include "tcpstate/anomaly/syn_flood_detector.hpp"

#include "tcpstate/util/lock_if_shared.hpp"

#include <algorithm>

namespace tcpstate::anomaly {

namespace {
constexpr std::size_t k_max_intervals = 64;
} // namespace

SynFloodDetector::SynFloodDetector(std::uint32_t threshold, TimeNs window)
    : m_threshold(threshold), m_window(window),
      m_bucket_width(std::max<TimeNs>(window / static_cast<TimeNs>(k_buckets), 1)) {}

// Slides the window forward so `bucket` is its newest entry, dropping what falls out.
void SynFloodDetector::advance(ServerWindow& window, std::int64_t bucket) const {
  if (bucket <= window.newest_bucket) {
    return;
  }
  const std::int64_t steps = bucket - window.newest_bucket;
  if (steps >= static_cast<std::int64_t>(k_buckets)) {
    std::fill(std::begin(window.counts), std::end(window.counts), 0U);
    window.in_window = 0;
  } else {
    for (std::int64_t b = window.newest_bucket + 1; b <= bucket; ++b) {
      std::uint32_t& slot = window.counts[static_cast<std::size_t>(b) % k_buckets];
      window.in_window -= slot;
      slot = 0;
    }
  }
  window.newest_bucket = bucket;
}

void SynFloodDetector::handshake_started(const ServerEndpoint& server, TimeNs time) {
  const auto lock = lock_if_shared(m_lock);
  ServerWindow& window = m_servers[server];
  const std::int64_t bucket = bucket_of(time);
  advance(window, bucket);
  window.counts[static_cast<std::size_t>(bucket) % k_buckets]++;
  window.in_window++;
  window.latest = std::max(window.latest, time);
  if (window.in_window <= m_threshold) {
    return;
  }
  // The whole window that holds the excess belongs to the flood, up to the latest start
  // counted (another worker's, counted before this one).
  const Interval now{time - m_window, window.latest};
  if (!window.floods.empty() && window.floods.back().end >= now.begin) {
    window.floods.back().end = now.end;
  } else {
    if (window.floods.size() == k_max_intervals) {
      window.floods[k_max_intervals - 2].end = window.floods.back().end;
      window.floods.pop_back();
    }
    window.floods.push_back(now);
  }
}

void SynFloodDetector::handshake_completed(const ServerEndpoint& server, TimeNs started) {
  const auto lock = lock_if_shared(m_lock);
  ServerWindow* found = m_servers.find(server);
  if (found == nullptr) {
    return;
  }
  ServerWindow& window = *found;
  const std::int64_t bucket = bucket_of(started);
  const bool still_in_window = bucket <= window.newest_bucket &&
                               window.newest_bucket - bucket < static_cast<std::int64_t>(k_buckets);
  std::uint32_t& slot = window.counts[static_cast<std::size_t>(bucket) % k_buckets];
  if (still_in_window && slot > 0) {
    slot--;
    window.in_window--;
  }
}

bool SynFloodDetector::flooded_at(const ServerEndpoint& server, TimeNs time) const {
  const auto lock = lock_if_shared(m_lock);
  const ServerWindow* found = m_servers.find(server);
  if (found == nullptr) {
    return false;
  }
  for (const Interval& flood : found->floods) {
    if (flood.begin <= time && time <= flood.end) {
      return true;
    }
  }
  return false;
}

} // namespace tcpstate::anomaly
