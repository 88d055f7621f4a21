#pragma once
// Reads a packet source to its end, copying each packet (a source's bytes only live until
// its next call).
#include "tcpstate/source/packet_source.hpp"

#include <cstdint>
#include <vector>

namespace tcpstate::test {

struct CopiedPacket {
  TimeNs time = 0;
  std::uint32_t wire_length = 0;
  LinkType link = LinkType::ethernet;
  std::vector<std::uint8_t> data;
};

inline std::vector<CopiedPacket> drain(source::PacketSource& source) {
  std::vector<CopiedPacket> packets;
  source::RawPacket packet;
  while (source.next(packet)) {
    packets.push_back({packet.time, packet.wire_length, packet.link,
                       std::vector<std::uint8_t>(packet.data.begin(), packet.data.end())});
  }
  return packets;
}

} // namespace tcpstate::test
