#pragma once
// Builds pcap and pcapng files byte by byte for tests, in either byte order, and remembers
// where each record or block starts (for truncation tests).
//
//   auto file = PcapngBuilder{}.interface(1).enhanced_packet(0, 1'000'000, payload).bytes();
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace tcpstate::test {

using Bytes = std::vector<std::uint8_t>;

enum class ByteOrder { little, big };

// Appends integers in a chosen byte order.
class ByteWriter {
public:
  explicit ByteWriter(ByteOrder order = ByteOrder::little) : m_order(order) {}

  void order(ByteOrder order) { m_order = order; }
  void u8(std::uint32_t value) { m_bytes.push_back(static_cast<std::uint8_t>(value)); }
  void u16(std::uint32_t value) { put(value, 2); }
  void u32(std::uint32_t value) { put(value, 4); }
  void u64(std::uint64_t value) { put(value, 8); }
  void raw(std::span<const std::uint8_t> bytes) {
    // Byte by byte: g++ 12 -O3 warns falsely about both insert() and resize() + copy here.
    m_bytes.reserve(m_bytes.size() + bytes.size());
    for (const std::uint8_t byte : bytes) {
      m_bytes.push_back(byte);
    }
  }
  void pad4() {
    while (m_bytes.size() % 4 != 0) {
      m_bytes.push_back(0);
    }
  }
  // Overwrites 4 bytes at `offset` (a length known only once the body is written).
  void patch_u32(std::size_t offset, std::uint32_t value) {
    for (std::size_t i = 0; i < 4; ++i) {
      const std::size_t shift = m_order == ByteOrder::big ? 8 * (3 - i) : 8 * i;
      m_bytes[offset + i] = static_cast<std::uint8_t>(value >> shift);
    }
  }

  std::size_t size() const { return m_bytes.size(); }
  const Bytes& bytes() const { return m_bytes; }

private:
  void put(std::uint64_t value, std::size_t width) {
    for (std::size_t i = 0; i < width; ++i) {
      const std::size_t shift = m_order == ByteOrder::big ? 8 * (width - 1 - i) : 8 * i;
      m_bytes.push_back(static_cast<std::uint8_t>(value >> shift));
    }
  }

  ByteOrder m_order;
  Bytes m_bytes;
};

// Where one record (pcap) or block (pcapng) sits in the file.
struct RecordSpan {
  std::size_t offset;
  std::size_t size;
  bool is_packet;
};

enum class PcapPrecision { microseconds, nanoseconds };

class PcapBuilder {
public:
  explicit PcapBuilder(ByteOrder order = ByteOrder::little,
                       PcapPrecision precision = PcapPrecision::microseconds,
                       std::uint32_t link_type = 1, std::uint32_t snaplen = 65535)
      : m_out(order) {
    m_out.u32(precision == PcapPrecision::nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4);
    m_out.u16(2);
    m_out.u16(4);
    m_out.u32(0); // thiszone
    m_out.u32(0); // sigfigs
    m_out.u32(snaplen);
    m_out.u32(link_type);
  }

  // `fraction` is in micro- or nanoseconds as the file's precision says; `caplen`
  // overrides the captured length written in the header (to make damaged files).
  PcapBuilder& packet(std::uint32_t seconds, std::uint32_t fraction,
                      std::span<const std::uint8_t> data,
                      std::optional<std::uint32_t> wire_length = {},
                      std::optional<std::uint32_t> caplen = {}) {
    const std::size_t start = m_out.size();
    m_out.u32(seconds);
    m_out.u32(fraction);
    m_out.u32(caplen.value_or(static_cast<std::uint32_t>(data.size())));
    m_out.u32(wire_length.value_or(static_cast<std::uint32_t>(data.size())));
    m_out.raw(data);
    m_records.push_back({start, m_out.size() - start, true});
    return *this;
  }

  const Bytes& bytes() const { return m_out.bytes(); }
  const std::vector<RecordSpan>& records() const { return m_records; }
  static constexpr std::size_t k_header_size = 24;

private:
  ByteWriter m_out;
  std::vector<RecordSpan> m_records;
};

// pcapng option codes the builder knows.
inline constexpr std::uint16_t k_if_tsresol = 9;
inline constexpr std::uint16_t k_if_tsoffset = 14;

class PcapngBuilder {
public:
  // Starts with a section header in `order`.
  explicit PcapngBuilder(ByteOrder order = ByteOrder::little) { section(order); }

  PcapngBuilder& section(ByteOrder order, std::uint16_t major_version = 1) {
    m_out.order(order);
    ByteWriter body(order);
    body.u32(0x1a2b3c4d);
    body.u16(major_version);
    body.u16(0);
    body.u64(~std::uint64_t{0}); // section length unknown
    return block(0x0a0d0d0a, body.bytes(), false);
  }

  PcapngBuilder& interface(std::uint16_t link_type, std::uint32_t snaplen = 0,
                           std::optional<std::uint8_t> tsresol = {},
                           std::optional<std::int64_t> tsoffset_seconds = {}) {
    ByteWriter body(m_order_of_section);
    body.u16(link_type);
    body.u16(0);
    body.u32(snaplen);
    if (tsresol) {
      body.u16(k_if_tsresol);
      body.u16(1);
      body.u8(*tsresol);
      body.pad4();
    }
    if (tsoffset_seconds) {
      body.u16(k_if_tsoffset);
      body.u16(8);
      body.u64(static_cast<std::uint64_t>(*tsoffset_seconds));
    }
    if (tsresol || tsoffset_seconds) {
      body.u32(0); // opt_endofopt
    }
    return block(1, body.bytes(), false);
  }

  PcapngBuilder& enhanced_packet(std::uint32_t interface_id, std::uint64_t timestamp,
                                 std::span<const std::uint8_t> data,
                                 std::optional<std::uint32_t> wire_length = {}) {
    ByteWriter body(m_order_of_section);
    body.u32(interface_id);
    body.u32(static_cast<std::uint32_t>(timestamp >> 32));
    body.u32(static_cast<std::uint32_t>(timestamp));
    body.u32(static_cast<std::uint32_t>(data.size()));
    body.u32(wire_length.value_or(static_cast<std::uint32_t>(data.size())));
    body.raw(data);
    body.pad4();
    return block(6, body.bytes(), true);
  }

  PcapngBuilder& simple_packet(std::span<const std::uint8_t> data,
                               std::optional<std::uint32_t> wire_length = {}) {
    ByteWriter body(m_order_of_section);
    body.u32(wire_length.value_or(static_cast<std::uint32_t>(data.size())));
    body.raw(data);
    body.pad4();
    return block(3, body.bytes(), true);
  }

  PcapngBuilder& obsolete_packet(std::uint16_t interface_id, std::uint64_t timestamp,
                                 std::span<const std::uint8_t> data) {
    ByteWriter body(m_order_of_section);
    body.u16(interface_id);
    body.u16(0); // drops
    body.u32(static_cast<std::uint32_t>(timestamp >> 32));
    body.u32(static_cast<std::uint32_t>(timestamp));
    body.u32(static_cast<std::uint32_t>(data.size()));
    body.u32(static_cast<std::uint32_t>(data.size()));
    body.raw(data);
    body.pad4();
    return block(2, body.bytes(), true);
  }

  // Any block: `body` is written as is (pad it to 4 bytes for a valid block).
  PcapngBuilder& block(std::uint32_t type, std::span<const std::uint8_t> body,
                       bool is_packet = false) {
    const std::size_t start = m_out.size();
    const auto length = static_cast<std::uint32_t>(12 + body.size());
    m_out.u32(type);
    m_out.u32(length);
    m_out.raw(body);
    m_out.u32(length);
    m_blocks.push_back({start, m_out.size() - start, is_packet});
    if (type == 0x0a0d0d0a) {
      m_order_of_section = order_of(body);
    }
    return *this;
  }

  const Bytes& bytes() const { return m_out.bytes(); }
  const std::vector<RecordSpan>& blocks() const { return m_blocks; }

private:
  static ByteOrder order_of(std::span<const std::uint8_t> section_body) {
    return !section_body.empty() && section_body[0] == 0x1a ? ByteOrder::big : ByteOrder::little;
  }

  ByteWriter m_out;
  ByteOrder m_order_of_section = ByteOrder::little;
  std::vector<RecordSpan> m_blocks;
};

} // namespace tcpstate::test
