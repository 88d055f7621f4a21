#pragma once
// Builds captured frames for unit tests: a link header (with VLAN tags), IPv4 with options
// or IPv6 with extension headers, and a TCP header with options and payload. Checksums
// are correct unless asked otherwise. Defaults give an Ethernet IPv4 ACK segment
// 10.0.0.1:40000 -> 10.0.0.2:80 with no payload.
//
//   auto frame = PacketBuilder{}.src("fe80::1", 1234).flags(tcp_flag::syn).mss(1440).build();
//   decode::TcpSegment segment = frame.segment(); // throws if the frame does not decode
#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/decode/tcp_segment.hpp"
#include "tcpstate/util/byte_view.hpp"
#include "tcpstate/util/ip_address.hpp"
#include "tcpstate/util/link_type.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tcpstate::test {

using Bytes = std::vector<std::uint8_t>;

namespace packet_detail {
inline void put_be16(Bytes& out, std::uint32_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}
inline void put_be32(Bytes& out, std::uint32_t value) {
  put_be16(out, value >> 16);
  put_be16(out, value & 0xffffU);
}
inline void put_le32(Bytes& out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) {
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}
} // namespace packet_detail

// Overwrites a 16-bit big-endian field, e.g. to corrupt a length in a built frame.
inline void set_be16(Bytes& out, std::size_t offset, std::uint32_t value) {
  out.at(offset) = static_cast<std::uint8_t>(value >> 8);
  out.at(offset + 1) = static_cast<std::uint8_t>(value);
}

inline IpAddress parse_address(const std::string& text) {
  IpAddress parsed;
  if (!IpAddress::parse(text, parsed)) {
    throw std::invalid_argument("packet_builder: bad address " + text);
  }
  return parsed;
}

// RFC 1071 ones' complement sum, one 16-bit word at a time: deliberately the plain
// textbook form, independent of the decoder's implementation it checks.
inline std::uint16_t internet_checksum(const Bytes& data) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < data.size(); i += 2) {
    sum += static_cast<std::uint32_t>((data[i] << 8) | data[i + 1]);
  }
  if (data.size() % 2 == 1) {
    sum += static_cast<std::uint32_t>(data.back() << 8);
  }
  while ((sum >> 16) != 0) {
    sum = (sum & 0xffffU) + (sum >> 16);
  }
  return static_cast<std::uint16_t>(~sum & 0xffffU);
}

// The value for the checksum field of `segment` (header and payload) sent from `src` to
// the final destination `dst`. The checksum field's current contents are ignored.
inline std::uint16_t tcp_checksum(const IpAddress& src, const IpAddress& dst,
                                  const Bytes& segment) {
  const std::size_t address_size = src.family == IpFamily::v4 ? 4 : 16;
  Bytes data(src.bytes.begin(), src.bytes.begin() + static_cast<std::ptrdiff_t>(address_size));
  data.insert(data.end(), dst.bytes.begin(),
              dst.bytes.begin() + static_cast<std::ptrdiff_t>(address_size));
  const auto length = static_cast<std::uint32_t>(segment.size());
  if (src.family == IpFamily::v4) {
    data.push_back(0);
    data.push_back(6);
    packet_detail::put_be16(data, length);
  } else {
    packet_detail::put_be32(data, length);
    data.insert(data.end(), {0, 0, 0, 6});
  }
  const std::size_t checksum_at = data.size() + 16;
  data.insert(data.end(), segment.begin(), segment.end());
  if (data.size() >= checksum_at + 2) {
    data[checksum_at] = 0;
    data[checksum_at + 1] = 0;
  }
  return internet_checksum(data);
}

struct Frame {
  Bytes bytes;
  LinkType link = LinkType::ethernet;
  std::size_t ip_offset = 0;      // first byte of the IP header
  std::size_t tcp_offset = 0;     // first byte of the TCP header
  std::size_t payload_offset = 0; // first byte of the TCP payload
  std::uint32_t payload_length = 0;

  ByteView view() const { return bytes; }
  // The first `length` bytes, as a capture with that snaplen would hold.
  ByteView prefix(std::size_t length) const { return view().first(length); }

  decode::DecodeResult
  decode(decode::ChecksumPolicy checksums = decode::ChecksumPolicy::verify) const {
    return decode::decode_frame(link, view(), checksums);
  }
  decode::TcpSegment segment() const {
    const decode::DecodeResult result = decode();
    if (!result.ok) {
      throw std::logic_error("packet_builder: built frame does not decode");
    }
    return result.segment;
  }
};

class PacketBuilder {
public:
  // Addresses in text; both ends must be of the same family.
  PacketBuilder& src(const std::string& text, std::uint16_t port) {
    m_src = parse_address(text);
    m_src_port = port;
    return *this;
  }
  PacketBuilder& dst(const std::string& text, std::uint16_t port) {
    m_dst = parse_address(text);
    m_dst_port = port;
    return *this;
  }
  PacketBuilder& seq(std::uint32_t value) {
    m_seq = value;
    return *this;
  }
  PacketBuilder& ack(std::uint32_t value) {
    m_ack = value;
    return *this;
  }
  PacketBuilder& flags(std::uint8_t value) {
    m_flags = value;
    return *this;
  }
  PacketBuilder& window(std::uint16_t value) {
    m_window = value;
    return *this;
  }
  // `length` bytes of a fixed pattern.
  PacketBuilder& payload(std::uint32_t length) {
    m_payload.resize(length);
    for (std::size_t i = 0; i < m_payload.size(); ++i) {
      m_payload[i] = static_cast<std::uint8_t>(i * 7 + 1);
    }
    return *this;
  }
  PacketBuilder& payload_bytes(Bytes bytes) {
    m_payload = std::move(bytes);
    return *this;
  }

  // TCP options, in call order; build() pads them with EOL to a 4-byte boundary.
  PacketBuilder& mss(std::uint16_t value) {
    m_options.insert(m_options.end(), {2, 4});
    packet_detail::put_be16(m_options, value);
    return *this;
  }
  PacketBuilder& window_scale(std::uint8_t shift) {
    m_options.insert(m_options.end(), {3, 3, shift});
    return *this;
  }
  PacketBuilder& sack_permitted() {
    m_options.insert(m_options.end(), {4, 2});
    return *this;
  }
  PacketBuilder& sack(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& blocks) {
    m_options.push_back(5);
    m_options.push_back(static_cast<std::uint8_t>(2 + 8 * blocks.size()));
    for (const auto& [left, right] : blocks) {
      packet_detail::put_be32(m_options, left);
      packet_detail::put_be32(m_options, right);
    }
    return *this;
  }
  PacketBuilder& timestamps(std::uint32_t value, std::uint32_t echo) {
    m_options.insert(m_options.end(), {8, 10});
    packet_detail::put_be32(m_options, value);
    packet_detail::put_be32(m_options, echo);
    return *this;
  }
  PacketBuilder& nop() {
    m_options.push_back(1);
    return *this;
  }
  // RFC 7413 kind 34; an empty cookie is a cookie request.
  PacketBuilder& fast_open(const Bytes& cookie = {}) {
    m_options.push_back(34);
    m_options.push_back(static_cast<std::uint8_t>(2 + cookie.size()));
    m_options.insert(m_options.end(), cookie.begin(), cookie.end());
    return *this;
  }
  // The pre-assignment form: experimental kind 254 with ExID 0xF989.
  PacketBuilder& fast_open_experimental(const Bytes& cookie = {}) {
    m_options.push_back(254);
    m_options.push_back(static_cast<std::uint8_t>(4 + cookie.size()));
    packet_detail::put_be16(m_options, 0xf989);
    m_options.insert(m_options.end(), cookie.begin(), cookie.end());
    return *this;
  }
  // Appended verbatim, for malformed options.
  PacketBuilder& raw_options(const Bytes& bytes) {
    m_options.insert(m_options.end(), bytes.begin(), bytes.end());
    return *this;
  }
  // Overrides the data offset field (in 32-bit words) without changing the bytes.
  PacketBuilder& data_offset(std::uint8_t words) {
    m_data_offset = words;
    return *this;
  }
  PacketBuilder& bad_checksum() {
    m_bad_checksum = true;
    return *this;
  }

  // Link layer. The default is Ethernet.
  PacketBuilder& link(LinkType type) {
    m_link = type;
    return *this;
  }
  // Appends a VLAN tag (outermost first) to Ethernet, SLL or SLL2 frames.
  PacketBuilder& vlan(std::uint16_t id, std::uint16_t tpid = 0x8100) {
    m_vlans.emplace_back(tpid, id);
    return *this;
  }
  // EtherType or cooked protocol after any tags; defaults to the IP version's.
  PacketBuilder& ethertype(std::uint16_t type) {
    m_ethertype = type;
    return *this;
  }
  // NULL/LOOP address family; defaults to 2 or 30 (macOS AF_INET6), little-endian for
  // NULL and big-endian for LOOP.
  PacketBuilder& address_family(std::uint32_t family, bool big_endian) {
    m_family = family;
    m_family_big_endian = big_endian;
    return *this;
  }

  // IP layer.
  // IPv4 protocol, or the IPv6 next header after the last extension header.
  PacketBuilder& ip_protocol(std::uint8_t protocol) {
    m_protocol = protocol;
    return *this;
  }
  // IPv4 options, padded with EOL to a 4-byte boundary.
  PacketBuilder& ipv4_options(const Bytes& bytes) {
    m_ipv4_options = bytes;
    return *this;
  }
  // Offset in 8-byte units.
  PacketBuilder& ipv4_fragment(std::uint16_t offset, bool more_fragments) {
    m_ipv4_fragment = static_cast<std::uint16_t>((more_fragments ? 0x2000 : 0) | offset);
    return *this;
  }
  // Overrides the IPv4 total length or the IPv6 payload length field.
  PacketBuilder& ip_length_field(std::uint16_t value) {
    m_ip_length_field = value;
    return *this;
  }
  // A whole extension header; build() writes its first byte (next header).
  PacketBuilder& ipv6_extension(std::uint8_t type, Bytes header) {
    m_extensions.emplace_back(type, std::move(header));
    return *this;
  }
  // Hop-by-hop (0) or destination options (60) of `length` bytes (a multiple of 8),
  // filled with a PadN option.
  PacketBuilder& ipv6_options_header(std::uint8_t type, std::size_t length = 8) {
    Bytes header(length, 0);
    header[1] = static_cast<std::uint8_t>(length / 8 - 1);
    header[2] = 1; // PadN
    header[3] = static_cast<std::uint8_t>(length - 4);
    return ipv6_extension(type, std::move(header));
  }
  // Offset in 8-byte units.
  PacketBuilder& ipv6_fragment(std::uint16_t offset, bool more_fragments,
                               std::uint32_t id = 0x1234) {
    Bytes header(2, 0);
    packet_detail::put_be16(header,
                            static_cast<std::uint32_t>(offset << 3) | (more_fragments ? 1U : 0U));
    packet_detail::put_be32(header, id);
    return ipv6_extension(44, std::move(header));
  }
  // RFC 4302 AH with an ICV of `icv_length` bytes.
  PacketBuilder& ipv6_authentication(std::size_t icv_length = 12) {
    Bytes header(12 + icv_length, 0);
    header[1] = static_cast<std::uint8_t>(header.size() / 4 - 2);
    return ipv6_extension(51, std::move(header));
  }
  // Routing header of `type` listing `addresses`; with segments left, the checksum uses
  // the final destination: the last address, or the first for segment routing (type 4).
  PacketBuilder& ipv6_routing(std::uint8_t type, std::uint8_t segments_left,
                              const std::vector<std::string>& addresses) {
    Bytes header(8, 0);
    header[1] = static_cast<std::uint8_t>(2 * addresses.size());
    header[2] = type;
    header[3] = segments_left;
    for (const std::string& text : addresses) {
      const IpAddress parsed = parse_address(text);
      header.insert(header.end(), parsed.bytes.begin(), parsed.bytes.end());
    }
    if (segments_left != 0 && !addresses.empty()) {
      m_final_destination = parse_address(type == 4 ? addresses.front() : addresses.back());
    }
    return ipv6_extension(43, std::move(header));
  }

  Frame build() const {
    Frame frame;
    frame.link = m_link;
    Bytes tcp = build_tcp();
    Bytes ip = m_src.family == IpFamily::v4 ? build_ipv4(tcp.size()) : build_ipv6(tcp.size());
    frame.bytes = build_link();
    frame.ip_offset = frame.bytes.size();
    frame.tcp_offset = frame.ip_offset + ip.size();
    frame.payload_offset = frame.tcp_offset + tcp.size() - m_payload.size();
    frame.payload_length = static_cast<std::uint32_t>(m_payload.size());
    frame.bytes.insert(frame.bytes.end(), ip.begin(), ip.end());
    frame.bytes.insert(frame.bytes.end(), tcp.begin(), tcp.end());
    return frame;
  }

private:
  std::uint16_t network_ethertype() const {
    if (m_ethertype) {
      return *m_ethertype;
    }
    return m_src.family == IpFamily::v4 ? 0x0800 : 0x86dd;
  }

  void put_vlans(Bytes& out) const {
    for (std::size_t i = 0; i < m_vlans.size(); ++i) {
      packet_detail::put_be16(out, m_vlans[i].second);
      packet_detail::put_be16(out,
                              i + 1 < m_vlans.size() ? m_vlans[i + 1].first : network_ethertype());
    }
  }
  std::uint16_t first_type() const {
    return m_vlans.empty() ? network_ethertype() : m_vlans.front().first;
  }

  Bytes build_link() const {
    Bytes out;
    switch (m_link) {
    case LinkType::ethernet:
      out = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
      packet_detail::put_be16(out, first_type());
      put_vlans(out);
      break;
    case LinkType::linux_sll:
      packet_detail::put_be16(out, 0); // sent to us
      packet_detail::put_be16(out, 1); // ARPHRD_ETHER
      packet_detail::put_be16(out, 6);
      out.insert(out.end(), {0x02, 0, 0, 0, 0, 0x01, 0, 0});
      packet_detail::put_be16(out, first_type());
      put_vlans(out);
      break;
    case LinkType::linux_sll2:
      packet_detail::put_be16(out, first_type());
      packet_detail::put_be16(out, 0); // reserved
      packet_detail::put_be32(out, 3); // interface index
      packet_detail::put_be16(out, 1); // ARPHRD_ETHER
      out.push_back(0);                // sent to us
      out.push_back(6);
      out.insert(out.end(), {0x02, 0, 0, 0, 0, 0x01, 0, 0});
      put_vlans(out);
      break;
    case LinkType::null:
    case LinkType::loop: {
      const std::uint32_t family = m_family.value_or(m_src.family == IpFamily::v4 ? 2 : 30);
      const bool big_endian = m_family ? m_family_big_endian : m_link == LinkType::loop;
      if (big_endian) {
        packet_detail::put_be32(out, family);
      } else {
        packet_detail::put_le32(out, family);
      }
      break;
    }
    case LinkType::ppp:
    case LinkType::ppp_hdlc:
      out = {0xff, 0x03};
      packet_detail::put_be16(out, m_src.family == IpFamily::v4 ? 0x0021 : 0x0057);
      break;
    case LinkType::ppp_ether:
      out = {0x11, 0x00, 0x0f, 0x07, 0x00, 0x00}; // session 0x0f07; length not checked
      packet_detail::put_be16(out, m_src.family == IpFamily::v4 ? 0x0021 : 0x0057);
      break;
    case LinkType::c_hdlc:
      out = {0x0f, 0x00};
      packet_detail::put_be16(out, network_ethertype());
      break;
    case LinkType::frame_relay:
      // DLCI 100, UI control, the RFC 2427 NLPID of the IP version
      out = {0x18, 0x41, 0x03,
             static_cast<std::uint8_t>(m_src.family == IpFamily::v4 ? 0xcc : 0x8e)};
      break;
    case LinkType::raw:
    case LinkType::ipv4:
    case LinkType::ipv6:
      break;
    case LinkType::ieee802_11:
      out = ieee80211_data();
      break;
    case LinkType::arcnet_bsd:
    case LinkType::arcnet_linux:
      out = {0x50, 0xbe}; // source and destination IDs
      if (m_link == LinkType::arcnet_linux) {
        out.insert(out.end(), {0xe8, 0x07}); // buffer offset, not read
      }
      // RFC 1201 IPv4 or RFC 2497 IPv6, unsplit, sequence 0x0165.
      out.insert(out.end(), {m_src.family == IpFamily::v4 ? std::uint8_t{0xd4} : std::uint8_t{0xc4},
                             0x00, 0x01, 0x65});
      break;
    case LinkType::juniper_ether:
      // "MGC", extensions present: 4 bytes of TLV (interface index 0x0106), then Ethernet.
      out = {0x4d, 0x47, 0x43, 0x80, 0x00, 0x04, 0x01, 0x02, 0x01, 0x06};
      out.insert(out.end(), {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01});
      packet_detail::put_be16(out, first_type());
      put_vlans(out);
      break;
    case LinkType::ipoib:
      out.assign(40, 0);
      packet_detail::put_be16(out, first_type());
      packet_detail::put_be16(out, 0);
      break;
    case LinkType::mpls:
      out = {0x00, 0x01, 0x01, 0x40}; // label 16, bottom of stack, TTL 64
      break;
    case LinkType::linux_nflog:
      // Family, version 0, resource id; a prefix attribute ("t" and NUL, padded), then the
      // payload attribute's header, little-endian as an x86 host logs it.
      out = {static_cast<std::uint8_t>(m_src.family == IpFamily::v4 ? 2 : 10),
             0,
             0,
             1,
             0x06,
             0x00,
             0x0a,
             0x00,
             't',
             0,
             0,
             0,
             0x00,
             0x00,
             0x09,
             0x00};
      break;
    case LinkType::ieee802_11_radiotap:
      out = {0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00}; // no fields present
      append(out, ieee80211_data());
      break;
    case LinkType::ppi:
      out = {0x00, 0x00, 0x08, 0x00, 105, 0x00, 0x00, 0x00}; // then LINKTYPE_IEEE802_11
      append(out, ieee80211_data());
      break;
    case LinkType::ieee802_11_prism:
      out.assign(144, 0);
      out[0] = 0x41; // message code, little-endian
      out[4] = 144;  // message length
      append(out, ieee80211_data());
      break;
    case LinkType::ieee802_11_avs:
      out.assign(64, 0);
      out[0] = 0x80;
      out[1] = 0x21;
      out[2] = 0x10;
      out[3] = 0x01;
      out[7] = 64; // header length, big-endian
      append(out, ieee80211_data());
      break;
    }
    return out;
  }

  static void append(Bytes& out, const Bytes& more) {
    out.insert(out.end(), more.begin(), more.end());
  }

  // A QoS data frame from the distribution system (to a station), then RFC 1042 LLC/SNAP.
  Bytes ieee80211_data() const {
    Bytes out = {
        0x88, 0x02, 0x30, 0x00,             // QoS data, from DS; duration
        0x02, 0,    0,    0,    0,    0x01, // receiver
        0x02, 0,    0,    0,    0,    0xaa, // transmitter (BSSID)
        0x02, 0,    0,    0,    0,    0x02, // source
        0x10, 0x00, 0x00, 0x00,             // sequence control, QoS control
        0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, // LLC, SNAP OUI
    };
    packet_detail::put_be16(out, first_type());
    put_vlans(out);
    return out;
  }

  Bytes build_tcp() const {
    Bytes options = m_options;
    while (options.size() % 4 != 0) {
      options.push_back(0);
    }
    const std::size_t header_length = 20 + options.size();
    const std::uint8_t offset_words =
        m_data_offset.value_or(static_cast<std::uint8_t>(header_length / 4));
    Bytes out;
    packet_detail::put_be16(out, m_src_port);
    packet_detail::put_be16(out, m_dst_port);
    packet_detail::put_be32(out, m_seq);
    packet_detail::put_be32(out, m_ack);
    out.push_back(static_cast<std::uint8_t>(offset_words << 4));
    out.push_back(m_flags);
    packet_detail::put_be16(out, m_window);
    packet_detail::put_be16(out, 0); // checksum, below
    packet_detail::put_be16(out, 0); // urgent pointer
    out.insert(out.end(), options.begin(), options.end());
    out.insert(out.end(), m_payload.begin(), m_payload.end());
    std::uint16_t checksum = tcp_checksum(m_src, m_final_destination.value_or(m_dst), out);
    if (m_bad_checksum) {
      checksum = static_cast<std::uint16_t>(checksum ^ 0x5a5a);
    }
    set_be16(out, 16, checksum);
    return out;
  }

  Bytes build_ipv4(std::size_t tcp_length) const {
    Bytes options = m_ipv4_options;
    while (options.size() % 4 != 0) {
      options.push_back(0);
    }
    const std::size_t header_length = 20 + options.size();
    Bytes out;
    out.push_back(static_cast<std::uint8_t>(0x40 | (header_length / 4)));
    out.push_back(0);
    packet_detail::put_be16(
        out, m_ip_length_field.value_or(static_cast<std::uint16_t>(header_length + tcp_length)));
    packet_detail::put_be16(out, 0x1234); // identification
    packet_detail::put_be16(out,
                            m_ipv4_fragment.value_or(0x4000)); // DF unless a fragment was asked for
    out.push_back(64);
    out.push_back(m_protocol);
    packet_detail::put_be16(out, 0);
    out.insert(out.end(), m_src.bytes.begin(), m_src.bytes.begin() + 4);
    out.insert(out.end(), m_dst.bytes.begin(), m_dst.bytes.begin() + 4);
    out.insert(out.end(), options.begin(), options.end());
    set_be16(out, 10, internet_checksum(out));
    return out;
  }

  Bytes build_ipv6(std::size_t tcp_length) const {
    Bytes extensions;
    for (std::size_t i = 0; i < m_extensions.size(); ++i) {
      Bytes header = m_extensions[i].second;
      header.at(0) = i + 1 < m_extensions.size() ? m_extensions[i + 1].first : m_protocol;
      extensions.insert(extensions.end(), header.begin(), header.end());
    }
    Bytes out;
    packet_detail::put_be32(out, 0x60000000);
    packet_detail::put_be16(out, m_ip_length_field.value_or(
                                     static_cast<std::uint16_t>(extensions.size() + tcp_length)));
    out.push_back(m_extensions.empty() ? m_protocol : m_extensions.front().first);
    out.push_back(64);
    out.insert(out.end(), m_src.bytes.begin(), m_src.bytes.end());
    out.insert(out.end(), m_dst.bytes.begin(), m_dst.bytes.end());
    out.insert(out.end(), extensions.begin(), extensions.end());
    return out;
  }

  IpAddress m_src = parse_address("10.0.0.1");
  IpAddress m_dst = parse_address("10.0.0.2");
  std::optional<IpAddress> m_final_destination;
  std::uint16_t m_src_port = 40000;
  std::uint16_t m_dst_port = 80;
  std::uint32_t m_seq = 1000;
  std::uint32_t m_ack = 2000;
  std::uint8_t m_flags = decode::tcp_flag::ack;
  std::uint16_t m_window = 65535;
  Bytes m_payload;
  Bytes m_options;
  std::optional<std::uint8_t> m_data_offset;
  bool m_bad_checksum = false;

  LinkType m_link = LinkType::ethernet;
  std::vector<std::pair<std::uint16_t, std::uint16_t>> m_vlans; // (TPID, VLAN id)
  std::optional<std::uint16_t> m_ethertype;
  std::optional<std::uint32_t> m_family;
  bool m_family_big_endian = false;

  std::uint8_t m_protocol = 6;
  Bytes m_ipv4_options;
  std::optional<std::uint16_t> m_ipv4_fragment;
  std::optional<std::uint16_t> m_ip_length_field;
  std::vector<std::pair<std::uint8_t, Bytes>> m_extensions;
};

// A whole IPv4/TCP datagram as the default builder makes it, for wrapping in the link
// layers and encapsulations under test.
inline Bytes ip_packet() {
  return PacketBuilder{}.link(LinkType::raw).build().bytes;
}

// Byte by byte: GCC 12 misreads vector::insert of a small vector here (-Warray-bounds).
inline void append(Bytes& out, const Bytes& more) {
  for (const std::uint8_t byte : more) {
    out.push_back(byte);
  }
}

} // namespace tcpstate::test
