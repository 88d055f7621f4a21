#pragma once
// Splits a whole IP datagram, built by PacketBuilder on a raw link, into the fragments a
// sender would make of it (RFC 791 section 3.2, RFC 8200 section 4.5), for reassembly tests.
#include "packet_builder.hpp"

#include <cstddef>
#include <cstdint>

namespace tcpstate::test {

namespace fragment_detail {

constexpr std::size_t k_ipv6_header = 40;
constexpr std::uint8_t k_fragment_next_header = 44;

inline void write_be16(Bytes& bytes, std::size_t at, std::size_t value) {
  bytes[at] = static_cast<std::uint8_t>(value >> 8);
  bytes[at + 1] = static_cast<std::uint8_t>(value);
}

} // namespace fragment_detail

// Bytes [offset, offset + length) of the datagram's data (after its fixed header) as one
// IP fragment; `more` defaults to whether data follows.
struct Piece {
  std::uint32_t offset;
  std::uint32_t length;
  int more = -1;
  std::uint16_t id = 0x1234; // as PacketBuilder writes it
  std::uint8_t protocol = 6;
};

inline bool more_of(const Piece& piece, std::size_t data_length) {
  return piece.more < 0 ? piece.offset + piece.length < data_length : piece.more != 0;
}

// With `options`, the fragment repeats the datagram's IPv4 options; without, its header
// is 20 bytes (options not marked to be copied stay in the first fragment).
inline Bytes fragment_v4(const Bytes& datagram, const Piece& piece, bool options = true) {
  using fragment_detail::write_be16;
  const std::size_t datagram_header = std::size_t{datagram[0] & 0x0fU} * 4;
  const std::size_t header = options ? datagram_header : 20;
  Bytes out(datagram.begin(), datagram.begin() + static_cast<std::ptrdiff_t>(header));
  out[0] = static_cast<std::uint8_t>(0x40U | (header / 4));
  const std::size_t data_length = datagram.size() - datagram_header;
  write_be16(out, 2, header + piece.length);
  write_be16(out, 4, piece.id);
  out[6] &= 0xc0U;
  write_be16(out, 6,
             (std::uint32_t{out[6]} << 8) | (more_of(piece, data_length) ? 0x2000U : 0U) |
                 (piece.offset / 8));
  out[9] = piece.protocol;
  write_be16(out, 10, 0);
  write_be16(out, 10, internet_checksum(out));
  for (std::uint32_t i = 0; i < piece.length; ++i) {
    const std::size_t at = datagram_header + piece.offset + i;
    out.push_back(at < datagram.size() ? datagram[at] : 0);
  }
  return out;
}

// The IPv6 form: a Fragment header with identification 0x0a0b0c0d right after the fixed
// header, naming what the fixed header named.
inline Bytes fragment_v6(const Bytes& datagram, const Piece& piece) {
  using fragment_detail::k_ipv6_header;
  using fragment_detail::write_be16;
  Bytes out(datagram.begin(), datagram.begin() + k_ipv6_header);
  const std::size_t data_length = datagram.size() - k_ipv6_header;
  write_be16(out, 4, 8 + piece.length);
  out[6] = fragment_detail::k_fragment_next_header;
  out.push_back(datagram[6]);
  out.push_back(0);
  out.resize(out.size() + 2);
  write_be16(out, k_ipv6_header + 2, piece.offset | (more_of(piece, data_length) ? 1U : 0U));
  const Bytes identification = {0x0a, 0x0b, 0x0c, 0x0d};
  out.insert(out.end(), identification.begin(), identification.end());
  for (std::uint32_t i = 0; i < piece.length; ++i) {
    const std::size_t at = k_ipv6_header + piece.offset + i;
    out.push_back(at < datagram.size() ? datagram[at] : 0);
  }
  return out;
}

} // namespace tcpstate::test
