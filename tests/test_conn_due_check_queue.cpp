#include "connection_table.hpp"
#include "due_check_queue.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <tuple>
#include <vector>

using tcpstate::TimeNs;
using tcpstate::conn::Connection;
using tcpstate::conn::ConnectionTable;
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
    const auto [due, conn_id, slot] = *reference.begin();
    REQUIRE(due <= now);
    CHECK(check.due == due);
    CHECK(check.conn_id == conn_id);
    CHECK(check.slot == slot);
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
        reference.emplace(check.due, check.conn_id, check.slot);
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

TEST_CASE("conn::ConnectionTable longest_idle is the record with the oldest last packet") {
  std::mt19937_64 random(11);
  ConnectionTable table;
  std::map<std::uint64_t, ConnectionTable::Slot> by_last_packet; // the reference
  std::map<ConnectionTable::Slot, std::uint64_t> last_packet_of;
  std::uint64_t packet = 0;
  std::uint64_t conn_id = 0;
  for (int step = 0; step < 20000; ++step) {
    const auto kind = random() % 10;
    if (kind < 3 || last_packet_of.empty()) {
      Connection connection;
      connection.conn_id = ++conn_id;
      connection.key.low_port = static_cast<std::uint16_t>(conn_id);
      connection.key.high_port = static_cast<std::uint16_t>(conn_id >> 16);
      connection.last_packet = ++packet;
      const std::uint64_t hash = tcpstate::conn::hash_key(connection.key);
      const auto slot = table.insert(std::move(connection), hash);
      by_last_packet[packet] = slot;
      last_packet_of[slot] = packet;
    } else {
      auto it = last_packet_of.begin();
      std::advance(it, static_cast<long>(random() % last_packet_of.size()));
      const ConnectionTable::Slot slot = it->first;
      by_last_packet.erase(it->second);
      if (kind < 5) {
        table.erase(slot);
        last_packet_of.erase(it);
      } else {
        table.at(slot).last_packet = ++packet; // seen again
        it->second = packet;
        by_last_packet[packet] = slot;
      }
    }
    if (step % 7 == 0) {
      REQUIRE(table.longest_idle() == by_last_packet.begin()->second);
    }
  }
}
