#include "tcpstate/decode/fragment_reassembler.hpp"

#include "checksum.hpp"
#include "ip_layer.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>

namespace tcpstate::decode {

namespace {

constexpr std::size_t k_ipv6_header = 40;
// The largest datagram either length field can describe: the IPv4 total length, the IPv6
// payload length (which leaves out the 40-byte header).
constexpr std::size_t k_max_length_field = 65535;

// RFC 791 section 3.2 and RFC 8200 section 4.5: every fragment but the last carries a
// multiple of 8 octets, so that the next one's offset can be expressed; one that does not
// (or carries nothing) is dropped alone, as a receiver would.
bool well_formed(const IpFragment& fragment, std::size_t length) {
  return !fragment.more_fragments || (length != 0 && length % 8 == 0);
}

// How long the fragmentable part may be behind an unfragmentable part this long.
std::size_t max_data_length(IpFamily family, std::size_t unfragmentable_length) {
  const std::size_t counted =
      family == IpFamily::v4 ? unfragmentable_length : unfragmentable_length - k_ipv6_header;
  return k_max_length_field - counted;
}

// Protocols whose every fragment may be held, in whatever order they come: TCP, and the
// tunnels the decoder follows by the IP protocol number alone (tunnel.cpp): IP in IP (RFC
// 2003), IPv6 in IP (RFC 4213) and GRE. Anything else (UDP, whose tunnels are told by port
// and payload, or an IPv6 extension header in front of the payload) is held only once its
// first fragment has shown that it leads toward TCP; a later fragment cannot show it.
bool followed_by_protocol(std::uint8_t protocol) {
  constexpr std::uint8_t k_ip_in_ip = 4;
  constexpr std::uint8_t k_ipv6_in_ip = 41;
  constexpr std::uint8_t k_gre = 47;
  return protocol == k_ip_protocol_tcp || protocol == k_ip_in_ip || protocol == k_ipv6_in_ip ||
         protocol == k_gre;
}

void write_be16(std::uint8_t* p, std::size_t value) {
  p[0] = static_cast<std::uint8_t>(value >> 8);
  p[1] = static_cast<std::uint8_t>(value);
}

} // namespace

FragmentReassembler::Key FragmentReassembler::key_of(const IpFragment& fragment) {
  Key key{};
  const std::uint8_t* p = fragment.packet.data();
  key[0] = static_cast<std::uint8_t>(fragment.family);
  key[1] = fragment.protocol;
  key[2] = static_cast<std::uint8_t>(fragment.identification >> 24);
  key[3] = static_cast<std::uint8_t>(fragment.identification >> 16);
  key[4] = static_cast<std::uint8_t>(fragment.identification >> 8);
  key[5] = static_cast<std::uint8_t>(fragment.identification);
  // Source and destination as the header has them (not a routing header's final
  // destination): every fragment carries the same.
  if (fragment.family == IpFamily::v4) {
    std::memcpy(key.data() + 6, p + 12, 8);
  } else {
    std::memcpy(key.data() + 6, p + 8, 32);
  }
  // The endpoints' length tells an IPv4 tunnel from an IPv6 one.
  const std::size_t endpoints = std::min<std::size_t>(fragment.tunnel_endpoints.size(), 32);
  key[38] = fragment.tunnel_depth;
  key[39] = static_cast<std::uint8_t>(endpoints);
  if (endpoints != 0) {
    std::memcpy(key.data() + 40, fragment.tunnel_endpoints.data(), endpoints);
  }
  return key;
}

ByteView FragmentReassembler::add(const IpFragment& fragment, TimeNs time) {
  give_up_expired(time);
  const std::size_t length = fragment.packet.size() - fragment.data_start;
  if (!well_formed(fragment, length)) {
    return {};
  }
  const Key key = key_of(fragment);
  auto found = m_index.find(key);
  if (found == m_index.end()) {
    if (!fragment.leads_toward_tcp && !followed_by_protocol(fragment.protocol)) {
      return {};
    }
    m_datagrams.push_back(Datagram{});
    m_datagrams.back().key = key;
    m_datagrams.back().first_arrival = time;
    m_datagrams.back().protocol = fragment.protocol;
    found = m_index.emplace(key, std::prev(m_datagrams.end())).first;
  }
  const Datagrams::iterator datagram = found->second;
  if (datagram->discarded) {
    return {};
  }
  const std::size_t held_before = datagram->header.size() + datagram->data.size();
  if (!take_in(*datagram, fragment)) {
    // Kept empty until it times out, so that its remaining fragments cannot start a
    // datagram of their own.
    datagram->discarded = true;
    datagram->header = {};
    datagram->data = {};
    datagram->received = {};
  }
  m_bytes = m_bytes - held_before + datagram->header.size() + datagram->data.size();
  if (!datagram->discarded && datagram->end_known && !datagram->header.empty() &&
      datagram->covered == datagram->end) {
    // Each fragment was bounded by its own header; the first one's, which the datagram
    // keeps, may be longer (IPv4 options that are not copied into later fragments).
    const bool fits = datagram->end <= max_data_length(fragment.family, datagram->header.size());
    const ByteView whole = fits ? put_together(*datagram, fragment.family) : ByteView{};
    forget(datagram);
    return whole;
  }
  give_up_oldest_beyond_limits();
  return {};
}

bool FragmentReassembler::take_in(Datagram& datagram, const IpFragment& fragment) {
  const auto begin = fragment.offset;
  const std::size_t length = fragment.packet.size() - fragment.data_start;
  if (begin + length > max_data_length(fragment.family, fragment.unfragmentable_length)) {
    return false;
  }
  const auto end = static_cast<std::uint32_t>(begin + length);
  const std::uint32_t received_end = datagram.received.empty() ? 0 : datagram.received.back().end;
  if (!fragment.more_fragments) {
    // Two different last fragments, or data beyond the last one, cannot both be right.
    if ((datagram.end_known && datagram.end != end) || received_end > end) {
      return false;
    }
    datagram.end = end;
    datagram.end_known = true;
  } else if (datagram.end_known && end > datagram.end) {
    return false;
  }
  if (begin == 0 && datagram.header.empty()) {
    datagram.header.assign(fragment.packet.begin(),
                           fragment.packet.begin() +
                               static_cast<std::ptrdiff_t>(fragment.unfragmentable_length));
    datagram.next_header_at = fragment.next_header_at;
  }
  if (datagram.data.size() < end) {
    datagram.data.resize(end);
  }

  // Overlaps: RFC 5722 has IPv6 give up the whole datagram, except for an exact duplicate
  // (RFC 8200 section 4.5), which is dropped alone. RFC 791 leaves IPv4 open; the bytes
  // that came first are kept, as Zeek does, so the result does not depend on how often a
  // fragment was retransmitted.
  const std::uint8_t* data = fragment.packet.data() + fragment.data_start;
  std::vector<Range> pieces;
  std::uint32_t cursor = begin;
  for (const Range& held : datagram.received) {
    if (held.end <= cursor || held.begin >= end) {
      continue;
    }
    if (fragment.family == IpFamily::v6) {
      return held.begin == begin && held.end == end;
    }
    if (held.begin > cursor) {
      pieces.push_back({cursor, held.begin});
    }
    cursor = std::max(cursor, held.end);
  }
  if (cursor < end) {
    pieces.push_back({cursor, end});
  }
  for (const Range& piece : pieces) {
    std::memcpy(datagram.data.data() + piece.begin, data + (piece.begin - begin),
                piece.end - piece.begin);
    datagram.covered += piece.end - piece.begin;
    datagram.received.insert(
        std::upper_bound(datagram.received.begin(), datagram.received.end(), piece,
                         [](const Range& a, const Range& b) { return a.begin < b.begin; }),
        piece);
  }
  return true;
}

ByteView FragmentReassembler::put_together(const Datagram& datagram, IpFamily family) {
  m_whole.assign(datagram.header.begin(), datagram.header.end());
  m_whole.insert(m_whole.end(), datagram.data.begin(),
                 datagram.data.begin() + static_cast<std::ptrdiff_t>(datagram.end));
  std::uint8_t* p = m_whole.data();
  if (family == IpFamily::v4) {
    write_be16(p + 2, m_whole.size());
    p[6] &= 0xc0U; // keeps the reserved and DF bits; MF and the offset go
    p[7] = 0;
    write_be16(p + 10, 0);
    write_be16(p + 10, ipv4_header_checksum(ByteView(p, datagram.header.size())));
  } else {
    // The Fragment header is not in the unfragmentable part; what it named follows.
    p[datagram.next_header_at] = datagram.protocol;
    write_be16(p + 4, m_whole.size() - k_ipv6_header);
  }
  return m_whole;
}

void FragmentReassembler::give_up_expired(TimeNs time) {
  // Oldest first, so the expired ones lead (a clock that steps back only delays them).
  // Unsigned, as capture times may lie anywhere in TimeNs's range.
  while (!m_datagrams.empty() && time > m_datagrams.front().first_arrival &&
         static_cast<std::uint64_t>(time) -
                 static_cast<std::uint64_t>(m_datagrams.front().first_arrival) >=
             static_cast<std::uint64_t>(m_limits.timeout)) {
    forget(m_datagrams.begin());
  }
}

void FragmentReassembler::give_up_oldest_beyond_limits() {
  while (!m_datagrams.empty() &&
         (m_datagrams.size() > m_limits.max_datagrams || m_bytes > m_limits.max_bytes)) {
    forget(m_datagrams.begin());
  }
}

void FragmentReassembler::forget(Datagrams::iterator datagram) {
  m_bytes -= datagram->header.size() + datagram->data.size();
  m_index.erase(datagram->key);
  m_datagrams.erase(datagram);
}

} // namespace tcpstate::decode
