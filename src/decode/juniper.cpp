#include "juniper.hpp"

#include "decode_status.hpp"

namespace tcpstate::decode {
namespace {

// The header: the magic "MGC", a flags byte, and when the extension flag is set a 2-byte
// length and that many bytes of TLVs (interface names and indexes).
constexpr std::uint8_t k_magic[] = {0x4d, 0x47, 0x43};
constexpr std::size_t k_fixed_header = 4;
constexpr std::uint8_t k_extensions = 0x80;
constexpr std::size_t k_extension_length = 2;
// No layer 2 header follows (a services card's capture): a 4-byte protocol family, then
// the IP packet.
constexpr std::uint8_t k_no_layer2 = 0x02;
constexpr std::size_t k_family = 4;

} // namespace

SkipReason decode_juniper_ethernet(ByteView frame, LinkLayer& out) {
  if (frame.size() < k_fixed_header) {
    return SkipReason::truncated_link;
  }
  if (frame[0] != k_magic[0] || frame[1] != k_magic[1] || frame[2] != k_magic[2]) {
    return SkipReason::non_ip; // not a Juniper header: nothing in it can be trusted
  }
  const std::uint8_t flags = frame[3];
  std::size_t header = k_fixed_header;
  if ((flags & k_extensions) != 0) {
    if (frame.size() < header + k_extension_length) {
      return SkipReason::truncated_link;
    }
    header += k_extension_length + read_be16(frame.data() + header);
  }
  if ((flags & k_no_layer2) != 0) {
    if (frame.size() < header + k_family) {
      return SkipReason::truncated_link;
    }
    out = LinkLayer{};
    out.header_length = header + k_family;
    out.network = NetworkLayer::ip_any;
    return k_decoded;
  }
  return resolve_ethernet(frame, header, out);
}

} // namespace tcpstate::decode
