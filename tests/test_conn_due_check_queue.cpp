#include "conn/due_check_queue.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
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
