#include "pcap_reader.hpp"

#include "tcpstate/util/fatal.hpp"

#include <algorithm>
#include <utility>

namespace tcpstate::source {
namespace {

constexpr std::size_t k_file_header_size = 24;
constexpr std::size_t k_record_header_size = 16;

// libpcap accepts records longer than the header's snaplen as long as they stay within
// its own per-link maximum (262144 for nearly all link types), and some writers put 0 or
// 0xffffffff in snaplen; so the bound is the larger of the two, within reason.
constexpr std::uint32_t k_usual_max_snaplen = 262144;

} // namespace

PcapReader::PcapReader(ReadBuffer buffer, std::string name)
    : CaptureReader(std::move(buffer), std::move(name)) {
  if (!m_buffer.ensure(k_file_header_size)) {
    if (m_buffer.read_error() != 0) {
      throw Fatal(ExitCode::input_error, m_name + ": " + read_error_text());
    }
    throw Fatal(ExitCode::input_error, m_name + ": pcap file header truncated (" +
                                           std::to_string(m_buffer.available()) + " of " +
                                           std::to_string(k_file_header_size) + " bytes)");
  }
  const std::uint8_t* header = m_buffer.data();
  const std::uint32_t magic = read_le32(header);
  m_big_endian = magic == k_pcap_magic_us_swapped || magic == k_pcap_magic_ns_swapped;
  m_ns_per_fraction = (magic == k_pcap_magic_ns || magic == k_pcap_magic_ns_swapped) ? 1 : 1000;
  const std::uint32_t snaplen = field(header + 16);
  m_max_caplen = std::clamp(snaplen, k_usual_max_snaplen, k_max_record_length);
  m_snaplen = snaplen == 0 ? m_max_caplen : std::min(snaplen, m_max_caplen);
  // The upper bits of the link-type field carry FCS information, not the link type.
  m_link = normalize_link_type(field(header + 20) & 0xffff);
  m_buffer.consume(k_file_header_size);
}

bool PcapReader::next(RawPacket& packet) {
  // Nearly always the whole record is buffered already: one look at the buffer, no refill.
  if (!m_stopped && m_buffer.available() >= k_record_header_size) [[likely]] {
    const std::uint8_t* record = m_buffer.data();
    const std::uint32_t caplen = field(record + 8);
    if (caplen <= m_max_caplen && m_buffer.available() - k_record_header_size >= caplen)
        [[likely]] {
      deliver(record, caplen, packet);
      return true;
    }
  }
  return refill_and_next(packet);
}

bool PcapReader::refill_and_next(RawPacket& packet) {
  if (m_stopped) {
    return false;
  }
  if (!m_buffer.ensure(k_record_header_size)) {
    if (at_clean_end()) {
      m_stopped = true;
      return false;
    }
    return stop_truncated("packet record header", k_record_header_size);
  }
  const std::uint32_t caplen = field(m_buffer.data() + 8);
  if (caplen > m_max_caplen) {
    return stop(m_buffer.offset(), "captured length " + std::to_string(caplen) +
                                       " exceeds the maximum of " + std::to_string(m_max_caplen));
  }
  const std::size_t record_size = k_record_header_size + caplen;
  if (!m_buffer.ensure(record_size)) {
    return stop_truncated("packet record", record_size);
  }
  deliver(m_buffer.data(), caplen, packet);
  return true;
}

void PcapReader::deliver(const std::uint8_t* record, std::uint32_t caplen, RawPacket& packet) {
  packet.time = static_cast<TimeNs>(field(record)) * k_ns_per_second +
                static_cast<TimeNs>(field(record + 4)) * m_ns_per_fraction;
  packet.wire_length = field(record + 12);
  packet.link = m_link;
  // Bytes past the snaplen are in the file but were not meant to be captured; libpcap
  // drops them too, so tcpstate and tcpdump see the same packet.
  packet.data = ByteView{record + k_record_header_size, std::min(caplen, m_snaplen)};
  // The bytes stay in the buffer until the next ensure(), i.e. the next call.
  m_buffer.consume(k_record_header_size + caplen);
}

} // namespace tcpstate::source
