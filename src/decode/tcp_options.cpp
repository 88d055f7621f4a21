#include "tcp_options.hpp"

namespace tcpstate::decode {

namespace {

namespace kind {
constexpr std::uint8_t end_of_list = 0;
constexpr std::uint8_t no_operation = 1;
constexpr std::uint8_t mss = 2;
constexpr std::uint8_t window_scale = 3;
constexpr std::uint8_t sack_permitted = 4;
constexpr std::uint8_t sack = 5;
constexpr std::uint8_t timestamps = 8;
constexpr std::uint8_t fast_open = 34;
constexpr std::uint8_t experimental = 254;
} // namespace kind

// RFC 7413 section 4.1.1: before kind 34 was assigned, TFO used the shared experimental
// kind with this ExID (RFC 6994), and some stacks still send it.
constexpr std::uint16_t k_tfo_experiment_id = 0xf989;
constexpr std::size_t k_sack_block = 8;

// An option with the wrong length for its kind is ignored, as receivers do, rather than
// ending the parse: its length field still says where the next one starts.
void apply_option(const std::uint8_t* option, std::size_t length, TcpOptions& out) {
  switch (option[0]) {
  case kind::mss: // RFC 9293 section 3.2
    if (length == 4) {
      out.mss = read_be16(option + 2);
    }
    break;
  case kind::window_scale: // RFC 7323 section 2.2; values above 14 are kept for the rules
    if (length == 3) {
      out.window_scale = option[2];
    }
    break;
  case kind::sack_permitted: // RFC 2018 section 2
    if (length == 2) {
      out.sack_permitted = true;
    }
    break;
  case kind::sack: // RFC 2018 section 3: 2 + 8n bytes
    if (length > 2 && (length - 2) % k_sack_block == 0) {
      out.sack_blocks = static_cast<std::uint8_t>((length - 2) / k_sack_block);
    }
    break;
  case kind::timestamps: // RFC 7323 section 3.2
    if (length == 10) {
      out.has_timestamp = true;
      out.ts_value = read_be32(option + 2);
      out.ts_echo = read_be32(option + 6);
    }
    break;
  case kind::fast_open: // RFC 7413 section 4.1.1: a cookie request (length 2) or a cookie
    out.has_tfo = true;
    break;
  case kind::experimental:
    if (length >= 4 && read_be16(option + 2) == k_tfo_experiment_id) {
      out.has_tfo = true;
    }
    break;
  default:
    break;
  }
}

} // namespace

TcpOptions parse_tcp_options(ByteView captured, std::size_t options_length) {
  TcpOptions options;
  const std::uint8_t* p = captured.data();
  const std::size_t end = captured.size();
  std::size_t offset = 0;
  while (offset < end) {
    const std::uint8_t option_kind = p[offset];
    if (option_kind == kind::end_of_list) {
      break;
    }
    if (option_kind == kind::no_operation) {
      ++offset;
      continue;
    }
    // Every other kind has a length byte covering kind and length (RFC 9293 3.2).
    std::size_t needed = 2;
    if (end - offset >= 2) {
      needed = p[offset + 1];
      if (needed < 2) {
        options.malformed = true;
        break;
      }
    }
    if (end - offset < needed) {
      // Past the header is the sender's fault; past the capture only the snaplen's.
      options.malformed = offset + needed > options_length;
      break;
    }
    apply_option(p + offset, needed, options);
    offset += needed;
  }
  return options;
}

} // namespace tcpstate::decode
