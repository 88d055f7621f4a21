#include "conn/due_check_queue.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <tuple>
#include <vector>

using tcpstate::TimeNs;
using tcpstate::conn::DueCheck;
using tcpstate::conn::DueCheckQueue;

namespace {

constexpr TimeNs k_second = 1'000'000'000;

using Reference = std::set<std::tuple<TimeNs, std::uint64_t, std::uint32_t>>;

// Pops from both and requires the same checks in the same order.
void drain_both(DueCheckQueue& queue, Reference& reference, TimeNs now) {
  DueCheck check;
  while (queue.pop_due(now, check)) {
    REQUIRE_FALSE(reference.empty());
    const auto [due, conn_id, key_hash] = *reference.begin();
    REQUIRE(due <= now);
    CHECK(check.due == due);
    CHECK(check.conn_id == conn_id);
    CHECK(check.key_hash == key_hash);
    reference.erase(reference.begin());
  }
  CHECK((reference.empty() || std::get<0>(*reference.begin()) > now));
}

} // namespace

TEST_CASE("conn::DueCheckQueue hands out checks by (due, conn_id) like a sorted set") {
  std::mt19937_64 random(7);
  for (int round = 0; round < 20; ++round) {
    DueCheckQueue queue;
    Reference reference;
    TimeNs now = static_cast<TimeNs>(random() % (1000 * k_second));
    std::uint64_t conn_id = 0;
    for (int step = 0; step < 3000; ++step) {
      const auto kind = random() % 100;
      if (kind < 55) {
        // Mostly timers a minute or two ahead, some already due, some far beyond the wheel,
        // and ties on the same instant.
        TimeNs delta = static_cast<TimeNs>(random() % (130 * k_second));
        if (kind < 5) {
          delta = -static_cast<TimeNs>(random() % (3 * k_second));
        } else if (kind < 10) {
          delta = static_cast<TimeNs>(random() % (5000 * k_second));
        } else if (kind < 15) {
          delta = 60 * k_second;
        }
        const DueCheck check{now + delta, ++conn_id, static_cast<std::uint32_t>(random() % 64)};
        queue.push(check);
        reference.emplace(check.due, check.conn_id, check.key_hash);
      } else if (kind < 97) {
        now += static_cast<TimeNs>(random() % (2 * k_second));
      } else {
        // A gap in the capture, longer than the wheel's span.
        now += static_cast<TimeNs>(random() % (20000 * k_second));
      }
      drain_both(queue, reference, now);
    }
    drain_both(queue, reference, now + 100000 * k_second);
    CHECK(reference.empty());
  }
}

TEST_CASE("conn::DueCheckQueue after clear starts afresh at any time") {
  DueCheckQueue queue;
  queue.push({500 * k_second, 1, 0});
  queue.clear();
  DueCheck check;
  CHECK_FALSE(queue.pop_due(1000 * k_second, check));
  queue.push({-5 * k_second, 2, 3});
  CHECK_FALSE(queue.pop_due(-6 * k_second, check));
  REQUIRE(queue.pop_due(-5 * k_second, check));
  CHECK(check.conn_id == 2);
}

TEST_CASE("conn::DueCheckQueue starts its wheel at the clock, not at the first check") {
  // A first check a minute out must not leave every sooner check in the ordered heap.
  DueCheckQueue queue;
  DueCheck check;
  CHECK_FALSE(queue.pop_due(0, check));
  queue.push({60 * k_second, 1, 0});
  Reference reference{{60 * k_second, 1, 0}};
  for (std::uint64_t conn_id = 2; conn_id < 1000; ++conn_id) {
    const TimeNs due = static_cast<TimeNs>(conn_id) * k_second / 20;
    queue.push({due, conn_id, 7});
    reference.emplace(due, conn_id, 7);
  }
  CHECK(queue.ordered() < 10);
  for (TimeNs now = 0; now <= 61 * k_second; now += k_second / 10) {
    drain_both(queue, reference, now);
    CHECK(queue.ordered() < 10);
  }
  CHECK(reference.empty());
}

TEST_CASE("conn::DueCheckQueue keeps its order with full buckets, clear(), release() and wide "
          "conn_ids") {
  // Checks bunched into half a second fill each bucket over several blocks; conn_ids on
  // either side of 2^37, and some far above it, try both sides of what a wheel entry holds.
  constexpr std::uint64_t k_widest_packed = (std::uint64_t{1} << 37) - 1;
  std::mt19937_64 random(11);
  DueCheckQueue queue;
  TimeNs now = static_cast<TimeNs>(random() % (1000 * k_second));
  for (int round = 0; round < 12; ++round) {
    Reference reference;
    std::uint64_t counter = 0;
    // How many checks went into each bucket (of 2^27 ns) of the wheel.
    std::map<std::int64_t, std::size_t> into_wheel;
    for (int step = 0; step < 40000; ++step) {
      const auto kind = random() % 10000;
      if (kind < 9000) {
        TimeNs delta = static_cast<TimeNs>(random() % (k_second / 2)) + 60 * k_second;
        if (kind < 200) {
          delta = -static_cast<TimeNs>(random() % k_second);
        } else if (kind < 400) {
          delta = static_cast<TimeNs>(random() % (1000 * k_second));
        }
        // Three disjoint runs of conn_ids: down from the widest a wheel entry holds, up from
        // just beyond it, and up from 2^63.
        std::uint64_t conn_id = k_widest_packed - counter;
        if (kind % 10 == 0) {
          conn_id = k_widest_packed + 1 + counter;
        } else if (kind % 10 == 1) {
          conn_id = (std::uint64_t{1} << 63) + counter;
        }
        ++counter;
        const DueCheck check{now + delta, conn_id, static_cast<std::uint32_t>(random())};
        if (delta >= 60 * k_second && delta < 61 * k_second && conn_id <= k_widest_packed) {
          ++into_wheel[check.due >> 27];
        }
        queue.push(check);
        reference.emplace(check.due, check.conn_id, check.key_hash);
      } else if (kind < 9999) {
        now += static_cast<TimeNs>(random() % (k_second / 200));
      } else {
        now += static_cast<TimeNs>(random() % (700 * k_second));
      }
      drain_both(queue, reference, now);
    }
    // The test is worth something only if buckets did fill several blocks.
    std::size_t fullest = 0;
    for (const auto& [bucket, count] : into_wheel) {
      fullest = std::max(fullest, count);
    }
    CHECK(fullest > 3 * DueCheckQueue::k_entries_per_block);
    // And only if most pending checks wait in the wheel (the wide ones are ordered at once).
    CHECK(queue.ordered() < reference.size() / 2);
    now += 100000 * k_second;
    if (round % 3 == 0) {
      queue.clear();
      reference.clear();
      DueCheck check;
      CHECK_FALSE(queue.pop_due(now, check)); // starts the clock
      CHECK_FALSE(queue.pop_due(now, check));
    } else if (round % 3 == 1) {
      queue.release();
      reference.clear();
      CHECK(queue.blocks_held() == 0);
    } else {
      drain_both(queue, reference, now);
      CHECK(reference.empty());
    }
  }
}

TEST_CASE("conn::DueCheckQueue reuses its drained blocks and gives back what it does not need") {
  constexpr std::size_t k_per_block = DueCheckQueue::k_entries_per_block;
  DueCheckQueue queue;
  DueCheck check;
  CHECK_FALSE(queue.pop_due(0, check));
  std::uint64_t conn_id = 0;
  // Three and a bit blocks' worth in one bucket, each time a little further on: over a few
  // revolutions of the wheel (~550 s), the same four blocks serve every bucket.
  for (TimeNs due = k_second; due < 3000 * k_second; due += 97 * k_second) {
    for (std::size_t i = 0; i < 3 * k_per_block + 1; ++i) {
      queue.push({due, ++conn_id, 0});
    }
    CHECK(queue.blocks_held() == 4);
    std::size_t popped = 0;
    while (queue.pop_due(due, check)) {
      CHECK(check.due == due);
      ++popped;
    }
    CHECK(popped == 3 * k_per_block + 1);
    CHECK(queue.blocks_held() == 4);
  }

  // A burst beyond what is kept spare gives the rest back once drained.
  const TimeNs burst = 3100 * k_second; // within the wheel's reach of the last bucket
  const std::size_t burst_blocks = DueCheckQueue::k_spare_blocks_kept + 20;
  for (std::size_t i = 0; i < burst_blocks * k_per_block; ++i) {
    queue.push({burst + static_cast<TimeNs>(i % 7), ++conn_id, 0});
  }
  CHECK(queue.blocks_held() == burst_blocks);
  while (queue.pop_due(burst + k_second, check)) {
  }
  CHECK(queue.blocks_held() == DueCheckQueue::k_spare_blocks_kept);

  // clear() keeps the blocks for what comes next; release() lets them all go.
  for (std::size_t i = 0; i < 5 * k_per_block; ++i) {
    queue.push({burst + 10 * k_second, ++conn_id, 0});
  }
  CHECK(queue.blocks_held() == DueCheckQueue::k_spare_blocks_kept);
  queue.clear();
  CHECK(queue.blocks_held() == DueCheckQueue::k_spare_blocks_kept);
  // The bucket emptied by clear() takes checks afresh.
  for (int i = 0; i < 3; ++i) {
    queue.push({burst + 10 * k_second, ++conn_id, 0});
  }
  std::size_t popped = 0;
  while (queue.pop_due(burst + 11 * k_second, check)) {
    CHECK(check.conn_id == conn_id - 2 + popped);
    ++popped;
  }
  CHECK(popped == 3);
  CHECK(queue.blocks_held() == DueCheckQueue::k_spare_blocks_kept);
  queue.release();
  CHECK(queue.blocks_held() == 0);
  queue.push({burst + 30 * k_second, ++conn_id, 5});
  CHECK(queue.blocks_held() == 1);
  CHECK_FALSE(queue.pop_due(burst + 29 * k_second, check));
  REQUIRE(queue.pop_due(burst + 30 * k_second, check));
  CHECK(check.conn_id == conn_id);
  CHECK(check.key_hash == 5);
}
