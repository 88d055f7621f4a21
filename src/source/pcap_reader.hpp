#pragma once
// Classic pcap: a 24-byte file header, then 16-byte record headers each followed by the
// captured bytes. Private to the source stage.
#include "capture_reader.hpp"
#include "tcpstate/util/byte_view.hpp"

#include <cstdint>
#include <string>

namespace tcpstate::source {

// The file header magic numbers as read little-endian from the first four bytes.
inline constexpr std::uint32_t k_pcap_magic_us = 0xa1b2c3d4;
inline constexpr std::uint32_t k_pcap_magic_us_swapped = 0xd4c3b2a1;
inline constexpr std::uint32_t k_pcap_magic_ns = 0xa1b23c4d;
inline constexpr std::uint32_t k_pcap_magic_ns_swapped = 0x4d3cb2a1;

class PcapReader final : public CaptureReader {
public:
  // Reads the file header; throws Fatal(input_error) if it is incomplete.
  PcapReader(ReadBuffer buffer, std::string name);

  bool next(RawPacket& packet) override;

private:
  // next() when the record at the current position is not wholly buffered yet, or is
  // damaged: reads more, or stops with the reason.
  bool refill_and_next(RawPacket& packet);
  // Hands out the whole, valid record at `record` and moves past it.
  void deliver(const std::uint8_t* record, std::uint32_t caplen, RawPacket& packet);

  std::uint32_t field(const std::uint8_t* p) const {
    return m_big_endian ? read_be32(p) : read_le32(p);
  }

  bool m_big_endian = false;
  TimeNs m_ns_per_fraction = 1000; // 1000 for microsecond files, 1 for nanosecond files
  std::uint32_t m_max_caplen = 0;  // larger records are damage
  std::uint32_t m_snaplen = 0;     // larger records are cut to this
  LinkType m_link = LinkType::ethernet;
};

} // namespace tcpstate::source
