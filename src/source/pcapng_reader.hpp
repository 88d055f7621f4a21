#pragma once
// pcapng: a sequence of blocks in one or more sections, each section with its own byte
// order and its own interfaces (link type, snaplen, clock). Private to the source stage.
#include "capture_reader.hpp"
#include "pcapng_timestamp.hpp"
#include "tcpstate/util/byte_view.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tcpstate::source {

// Section header block type; a palindrome, so it reads the same in either byte order.
inline constexpr std::uint32_t k_pcapng_section_header = 0x0a0d0d0a;

class PcapngReader final : public CaptureReader {
public:
  // Reads the first section header block; throws Fatal(input_error) if it is damaged.
  PcapngReader(ReadBuffer buffer, std::string name);

  bool next(RawPacket& packet) override;

private:
  struct Interface {
    LinkType link;
    std::uint32_t snaplen; // 0: unlimited
    PcapngTimestamp clock;
  };

  // Validates the block at the current position and buffers all of it; false (stopped,
  // or at the clean end) when there is none.
  bool read_block(std::uint32_t& type, std::uint32_t& length);
  bool read_section_header(const std::uint8_t* block, std::uint32_t length);
  bool read_interface(const std::uint8_t* block, std::uint32_t length);
  bool read_enhanced_packet(const std::uint8_t* block, std::uint32_t length, RawPacket& packet);
  bool read_simple_packet(const std::uint8_t* block, std::uint32_t length, RawPacket& packet);
  bool read_obsolete_packet(const std::uint8_t* block, std::uint32_t length, RawPacket& packet);
  const Interface* find_interface(std::uint32_t id);
  // Fills `packet` from an enhanced or obsolete packet block's fields.
  void deliver(const Interface& interface, const std::uint8_t* timestamp_field,
               const std::uint8_t* wire_length_field, ByteView data, RawPacket& packet);
  bool consume_packet_block(std::uint32_t length);
  bool stop_short_block(const char* what, std::uint32_t length);

  std::uint16_t field16(const std::uint8_t* p) const {
    return m_big_endian ? read_be16(p) : read_le16(p);
  }
  std::uint32_t field32(const std::uint8_t* p) const {
    return m_big_endian ? read_be32(p) : read_le32(p);
  }
  std::uint64_t field64(const std::uint8_t* p) const;
  // pcapng timestamps are two 32-bit halves, most significant first, in either byte order.
  std::uint64_t timestamp(const std::uint8_t* p) const {
    return (std::uint64_t{field32(p)} << 32) | field32(p + 4);
  }

  bool m_big_endian = false;
  std::vector<Interface> m_interfaces; // of the current section
  TimeNs m_last_time = 0;
};

} // namespace tcpstate::source
