#include "pcapng_reader.hpp"

#include "tcpstate/util/fatal.hpp"

#include <algorithm>
#include <utility>

namespace tcpstate::source {
namespace {

constexpr std::uint32_t k_byte_order_magic = 0x1a2b3c4d;

constexpr std::uint32_t k_interface_description = 1;
constexpr std::uint32_t k_obsolete_packet = 2;
constexpr std::uint32_t k_simple_packet = 3;
constexpr std::uint32_t k_enhanced_packet = 6;

// type + length + trailing length
constexpr std::uint32_t k_block_overhead = 12;
// Smallest valid block of each kind: the overhead plus the fixed part of the body.
constexpr std::uint32_t k_min_section_header = k_block_overhead + 16;
constexpr std::uint32_t k_min_interface = k_block_overhead + 8;
constexpr std::uint32_t k_min_enhanced_packet = k_block_overhead + 20;
constexpr std::uint32_t k_min_simple_packet = k_block_overhead + 4;
constexpr std::uint32_t k_min_obsolete_packet = k_block_overhead + 20;

constexpr std::uint16_t k_opt_end = 0;
constexpr std::uint16_t k_opt_if_tsresol = 9;
constexpr std::uint16_t k_opt_if_tsoffset = 14;

const char* block_name(std::uint32_t type) {
  switch (type) {
  case k_pcapng_section_header:
    return "section header block";
  case k_interface_description:
    return "interface description block";
  case k_obsolete_packet:
    return "packet block";
  case k_simple_packet:
    return "simple packet block";
  case k_enhanced_packet:
    return "enhanced packet block";
  default:
    return "block";
  }
}

} // namespace

PcapngReader::PcapngReader(ReadBuffer buffer, std::string name)
    : CaptureReader(std::move(buffer), std::move(name)) {
  std::uint32_t type = 0;
  std::uint32_t length = 0;
  if (!read_block(type, length) || !read_section_header(m_buffer.data(), length)) {
    // Nothing at all is readable: that is a bad file, not a damaged one.
    throw Fatal(ExitCode::input_error,
                m_errors.empty() ? m_name + ": empty pcapng file" : m_errors.back());
  }
  m_buffer.consume(length);
}

bool PcapngReader::next(RawPacket& packet) {
  while (!m_stopped) {
    std::uint32_t type = 0;
    std::uint32_t length = 0;
    if (!read_block(type, length)) {
      return false;
    }
    const std::uint8_t* block = m_buffer.data();
    switch (type) {
    // A packet's bytes stay in the buffer until the next ensure(), i.e. the next call.
    case k_enhanced_packet:
      return read_enhanced_packet(block, length, packet) && consume_packet_block(length);
    case k_simple_packet:
      return read_simple_packet(block, length, packet) && consume_packet_block(length);
    case k_obsolete_packet:
      return read_obsolete_packet(block, length, packet) && consume_packet_block(length);
    case k_interface_description:
      if (!read_interface(block, length)) {
        return false;
      }
      break;
    case k_pcapng_section_header:
      if (!read_section_header(block, length)) {
        return false;
      }
      break;
    default:
      // Statistics, name resolution, decryption secrets, custom blocks: nothing for us.
      break;
    }
    m_buffer.consume(length);
  }
  return false;
}

bool PcapngReader::read_block(std::uint32_t& type, std::uint32_t& length) {
  if (!m_buffer.ensure(8)) {
    if (at_clean_end()) {
      m_stopped = true;
      return false;
    }
    return stop_truncated("block header", 8);
  }
  const std::uint8_t* block = m_buffer.data();
  type = field32(block);
  if (type == k_pcapng_section_header) {
    // A new section may switch byte order, and its length is written in the new order.
    if (!m_buffer.ensure(12)) {
      return stop_truncated("section header block", 12);
    }
    block = m_buffer.data();
    if (read_le32(block + 8) == k_byte_order_magic) {
      m_big_endian = false;
    } else if (read_be32(block + 8) == k_byte_order_magic) {
      m_big_endian = true;
    } else {
      return stop(m_buffer.offset(), "section header block has no valid byte-order magic");
    }
  }
  length = field32(block + 4);
  if (length < k_block_overhead || length % 4 != 0) {
    return stop(m_buffer.offset(), std::string{"bad "} + block_name(type) + " length " +
                                       std::to_string(length) +
                                       " (must be a multiple of 4, at least 12)");
  }
  if (length > k_max_record_length) {
    return stop(m_buffer.offset(), std::string{block_name(type)} + " length " +
                                       std::to_string(length) + " exceeds the maximum of " +
                                       std::to_string(k_max_record_length));
  }
  if (!m_buffer.ensure(length)) {
    return stop_truncated(block_name(type), length);
  }
  block = m_buffer.data();
  const std::uint32_t trailing = field32(block + length - 4);
  if (trailing != length) {
    return stop(m_buffer.offset(), std::string{block_name(type)} + " trailing length " +
                                       std::to_string(trailing) + " does not match length " +
                                       std::to_string(length));
  }
  return true;
}

bool PcapngReader::read_section_header(const std::uint8_t* block, std::uint32_t length) {
  if (length < k_min_section_header) {
    return stop_short_block("section header block", length);
  }
  const std::uint16_t major = field16(block + 12);
  if (major != 1) {
    return stop(m_buffer.offset(), "unsupported pcapng version " + std::to_string(major) + "." +
                                       std::to_string(field16(block + 14)));
  }
  // Interface ids are numbered per section.
  m_interfaces.clear();
  return true;
}

bool PcapngReader::read_interface(const std::uint8_t* block, std::uint32_t length) {
  if (length < k_min_interface) {
    return stop_short_block("interface description block", length);
  }
  Interface interface {
    normalize_link_type(field16(block + 8)), field32(block + 12), {}
  };
  // Options are code, length, value padded to 4 bytes. A malformed option list only
  // loses the options after the damage: the interface itself is still usable.
  const std::uint32_t end = length - 4;
  std::uint32_t pos = 16;
  std::int64_t offset_seconds = 0;
  while (end - pos >= 4) {
    const std::uint16_t code = field16(block + pos);
    const std::uint32_t value_length = field16(block + pos + 2);
    pos += 4;
    if (code == k_opt_end || value_length > end - pos) {
      break;
    }
    if (code == k_opt_if_tsresol && value_length == 1) {
      interface.clock = PcapngTimestamp::from_tsresol(block[pos]);
    } else if (code == k_opt_if_tsoffset && value_length == 8) {
      offset_seconds = static_cast<std::int64_t>(field64(block + pos));
    }
    pos += std::min((value_length + 3) & ~3U, end - pos);
  }
  interface.clock.set_offset_seconds(offset_seconds);
  m_interfaces.push_back(interface);
  return true;
}

bool PcapngReader::read_enhanced_packet(const std::uint8_t* block, std::uint32_t length,
                                        RawPacket& packet) {
  if (length < k_min_enhanced_packet) {
    return stop_short_block("enhanced packet block", length);
  }
  const Interface* interface = find_interface(field32(block + 8));
  if (interface == nullptr) {
    return false;
  }
  const std::uint32_t caplen = field32(block + 20);
  const std::uint32_t room = length - k_min_enhanced_packet;
  if (caplen > room) {
    return stop(m_buffer.offset(), "captured length " + std::to_string(caplen) +
                                       " exceeds the enhanced packet block (" +
                                       std::to_string(room) + " bytes of packet data)");
  }
  deliver(*interface, block + 12, block + 24, ByteView{block + 28, caplen}, packet);
  return true;
}

bool PcapngReader::read_simple_packet(const std::uint8_t* block, std::uint32_t length,
                                      RawPacket& packet) {
  if (length < k_min_simple_packet) {
    return stop_short_block("simple packet block", length);
  }
  // A simple packet block belongs to interface 0 and has no timestamp (it gets the one of
  // the packet before, so that merging by time keeps it in place); its captured length is
  // implied: the original length cut to the snaplen and to the block.
  const Interface* interface = find_interface(0);
  if (interface == nullptr) {
    return false;
  }
  const std::uint32_t wire_length = field32(block + 8);
  std::uint32_t caplen = std::min(wire_length, length - k_min_simple_packet);
  if (interface->snaplen != 0) {
    caplen = std::min(caplen, interface->snaplen);
  }
  packet.time = m_last_time;
  packet.wire_length = wire_length;
  packet.link = interface->link;
  packet.data = ByteView{block + 12, caplen};
  return true;
}

bool PcapngReader::read_obsolete_packet(const std::uint8_t* block, std::uint32_t length,
                                        RawPacket& packet) {
  if (length < k_min_obsolete_packet) {
    return stop_short_block("packet block", length);
  }
  const Interface* interface = find_interface(field16(block + 8));
  if (interface == nullptr) {
    return false;
  }
  const std::uint32_t caplen = field32(block + 20);
  const std::uint32_t room = length - k_min_obsolete_packet;
  if (caplen > room) {
    return stop(m_buffer.offset(), "captured length " + std::to_string(caplen) +
                                       " exceeds the packet block (" + std::to_string(room) +
                                       " bytes of packet data)");
  }
  deliver(*interface, block + 12, block + 24, ByteView{block + 28, caplen}, packet);
  return true;
}

const PcapngReader::Interface* PcapngReader::find_interface(std::uint32_t id) {
  if (id >= m_interfaces.size()) {
    stop(m_buffer.offset(), "interface id " + std::to_string(id) + " out of range (section has " +
                                std::to_string(m_interfaces.size()) + " interfaces)");
    return nullptr;
  }
  return &m_interfaces[id];
}

void PcapngReader::deliver(const Interface& interface, const std::uint8_t* timestamp_field,
                           const std::uint8_t* wire_length_field, ByteView data,
                           RawPacket& packet) {
  packet.time = interface.clock.to_ns(timestamp(timestamp_field));
  m_last_time = packet.time;
  packet.wire_length = field32(wire_length_field);
  packet.link = interface.link;
  // As libpcap does, so that tcpstate and tcpdump see the same bytes.
  packet.data = interface.snaplen != 0 && data.size() > interface.snaplen
                    ? data.first(interface.snaplen)
                    : data;
}

bool PcapngReader::consume_packet_block(std::uint32_t length) {
  m_buffer.consume(length);
  return true;
}

bool PcapngReader::stop_short_block(const char* what, std::uint32_t length) {
  return stop(m_buffer.offset(),
              std::string{what} + " too short (" + std::to_string(length) + " bytes)");
}

std::uint64_t PcapngReader::field64(const std::uint8_t* p) const {
  if (m_big_endian) {
    return (std::uint64_t{read_be32(p)} << 32) | read_be32(p + 4);
  }
  return read_le32(p) | (std::uint64_t{read_le32(p + 4)} << 32);
}

} // namespace tcpstate::source
