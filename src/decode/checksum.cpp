#include "checksum.hpp"

#include "ip_layer.hpp"

#include <cstddef>
#include <cstdint>

namespace tcpstate::decode {

namespace {

// RFC 1071 section 2: the ones' complement sum of 16-bit words can be accumulated in
// wider words with the carries folded back at the end, so 32-bit big-endian words into a
// 64-bit accumulator give the same result with half the additions.
std::uint64_t add_bytes(std::uint64_t sum, const std::uint8_t* p, std::size_t length) {
  while (length >= 4) {
    sum += read_be32(p);
    p += 4;
    length -= 4;
  }
  if (length >= 2) {
    sum += read_be16(p);
    p += 2;
    length -= 2;
  }
  if (length == 1) {
    sum += std::uint32_t{p[0]} << 8; // an odd last byte is padded with zero on the right
  }
  return sum;
}

std::uint16_t fold(std::uint64_t sum) {
  while ((sum >> 16) != 0) {
    sum = (sum & 0xffffU) + (sum >> 16);
  }
  return static_cast<std::uint16_t>(sum);
}

} // namespace

// Pseudo-headers: RFC 9293 section 3.1 (IPv4) and RFC 8200 section 8.1 (IPv6). The
// length is added as a plain number; its position within the words does not change the
// ones' complement sum.
bool tcp_checksum_valid(IpFamily family, const std::uint8_t* src, const std::uint8_t* dst,
                        ByteView segment) {
  const std::size_t address_size = family == IpFamily::v4 ? 4 : 16;
  std::uint64_t sum = k_ip_protocol_tcp;
  sum += segment.size();
  sum = add_bytes(sum, src, address_size);
  sum = add_bytes(sum, dst, address_size);
  sum = add_bytes(sum, segment.data(), segment.size());
  // Including the transmitted checksum, a correct segment sums to all ones.
  return fold(sum) == 0xffff;
}

bool ipv4_header_checksum_valid(ByteView header) {
  return fold(add_bytes(0, header.data(), header.size())) == 0xffff;
}

std::uint16_t ipv4_header_checksum(ByteView header) {
  return static_cast<std::uint16_t>(~fold(add_bytes(0, header.data(), header.size())));
}

} // namespace tcpstate::decode
