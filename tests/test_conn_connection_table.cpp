#include "conn/connection_table.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <iterator>
#include <map>
#include <random>

using tcpstate::conn::ConnectionTable;

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
      tcpstate::conn::ConnectionKey key;
      key.low_port = static_cast<std::uint16_t>(++conn_id);
      key.high_port = static_cast<std::uint16_t>(conn_id >> 16);
      const auto slot = table.insert(key, conn_id, tcpstate::conn::hash_key(key));
      table.at(slot).last_packet = ++packet;
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
