#include "ieee80211.hpp"

#include "decode_status.hpp"

#include <cstddef>
#include <cstdint>

namespace tcpstate::decode {

namespace {

// IEEE 802.11-2020 section 9.2.4.1: frame control, first byte.
constexpr std::uint8_t k_version_mask = 0x03;
constexpr std::uint8_t k_type_mask = 0x0c;
constexpr std::uint8_t k_type_data = 0x08;
constexpr std::uint8_t k_subtype_qos = 0x80;     // QoS data subtypes (8 to 15)
constexpr std::uint8_t k_subtype_no_data = 0x40; // null and CF-only subtypes carry no body
// Frame control, second byte.
constexpr std::uint8_t k_to_ds = 0x01;
constexpr std::uint8_t k_from_ds = 0x02;
constexpr std::uint8_t k_protected = 0x40;
constexpr std::uint8_t k_order = 0x80; // in QoS data frames: an HT Control field follows

// Section 9.3.2.1: frame control, duration, three addresses, sequence control.
constexpr std::size_t k_data_header = 24;
constexpr std::size_t k_address = 6;
constexpr std::size_t k_qos_control = 2;
constexpr std::size_t k_ht_control = 4;
// Section 9.2.4.5.1: A-MSDU present, bit 7 of the QoS control field.
constexpr std::uint8_t k_amsdu_present = 0x80;

// What unsupported_encapsulation names for 802.11 (UnsupportedKind::ieee80211).
constexpr std::uint32_t k_later_fragment = 2;

SkipReason unsupported(std::uint32_t what, LinkLayer& out) {
  out.unsupported = {UnsupportedKind::ieee80211, what};
  return SkipReason::unsupported_encapsulation;
}

// Section 9.3.2.2: an A-MSDU body is a run of subframes, each a destination and source
// address, a big-endian length, that many bytes of LLC/SNAP-headed MSDU, and padding to a
// multiple of four bytes before the next subframe.
constexpr std::size_t k_subframe_header = 14;
constexpr std::size_t k_subframe_length_at = 12;

// Where the subframe after the one at `offset` starts, or 0 when the frame ends before
// another subframe header would.
std::size_t following_subframe(ByteView frame, std::size_t offset) {
  const std::size_t msdu_length = read_be16(frame.data() + offset + k_subframe_length_at);
  const std::size_t padded = (k_subframe_header + msdu_length + 3) & ~std::size_t{3};
  if (frame.size() - offset < padded + k_subframe_header) {
    return 0;
  }
  return offset + padded;
}

// Each MSDU is a packet of its own, decoded one at a time: from the subframe the caller
// names (out.subframe), the first that is not of another protocol (non_ip) is decoded, and
// the next such subframe after it is named in out.next_subframe, for the caller to decode
// in turn. Subframes of other protocols (ARP, EAPOL) are passed over, so an aggregate is
// non_ip only when all of them are.
SkipReason resolve_amsdu(ByteView frame, std::size_t body, LinkLayer& out) {
  out.aggregate = true;
  if (frame.size() - body < std::size_t{out.subframe} + k_subframe_header) {
    return SkipReason::truncated_link;
  }
  // Each subframe moves the offset forward by at least its header, so the walks end.
  std::size_t offset = body + out.subframe;
  SkipReason reason = resolve_llc(frame, offset + k_subframe_header, out);
  while (reason == SkipReason::non_ip) {
    offset = following_subframe(frame, offset);
    if (offset == 0) {
      return SkipReason::non_ip;
    }
    reason = resolve_llc(frame, offset + k_subframe_header, out);
  }
  // Looked for now, so that the caller knows whether another packet follows in this frame.
  LinkLayer scratch;
  for (std::size_t next = following_subframe(frame, offset); next != 0;
       next = following_subframe(frame, next)) {
    if (resolve_llc(frame, next + k_subframe_header, scratch) != SkipReason::non_ip) {
      out.next_subframe = static_cast<std::uint32_t>(next - body);
      break;
    }
  }
  return reason;
}

// The 802.11 frame starts at `offset`; `data_pad` is radiotap's flag for drivers that pad
// the MAC header to a multiple of four bytes.
SkipReason decode_mac_frame(ByteView frame, std::size_t offset, bool data_pad, LinkLayer& out) {
  if (frame.size() - offset < k_data_header) {
    return frame.size() - offset >= 2 && (frame[offset] & k_type_mask) != k_type_data
               ? SkipReason::non_ip // control frames are shorter than a data header
               : SkipReason::truncated_link;
  }
  const std::uint8_t* mac = frame.data() + offset;
  const std::uint8_t control = mac[0];
  const std::uint8_t flags = mac[1];
  if ((control & k_version_mask) != 0 || (control & k_type_mask) != k_type_data ||
      (control & k_subtype_no_data) != 0) {
    return SkipReason::non_ip; // management, control, extension frames; null data
  }
  std::size_t header = k_data_header;
  if ((flags & k_to_ds) != 0 && (flags & k_from_ds) != 0) {
    header += k_address; // a wireless distribution system or mesh: four addresses
  }
  const bool qos = (control & k_subtype_qos) != 0;
  bool amsdu = false;
  if (qos) {
    if (frame.size() - offset < header + k_qos_control) {
      return SkipReason::truncated_link;
    }
    amsdu = (mac[header] & k_amsdu_present) != 0;
    header += k_qos_control;
    if ((flags & k_order) != 0) {
      header += k_ht_control;
    }
  }
  if (data_pad) {
    header = (header + 3) & ~std::size_t{3};
  }
  if (frame.size() - offset < header) {
    return SkipReason::truncated_link;
  }
  // Section 9.2.4.4: the fragment number is the low nibble of sequence control; only the
  // first fragment holds the headers.
  if ((mac[22] & 0x0fU) != 0) {
    return unsupported(k_later_fragment, out);
  }
  if ((flags & k_protected) != 0) {
    return SkipReason::encrypted; // WEP, TKIP, CCMP, GCMP: the body cannot be read
  }
  // A first fragment (more-fragments set) decodes like a frame the capture cut short.
  if (amsdu) {
    return resolve_amsdu(frame, offset + header, out);
  }
  return resolve_llc(frame, offset + header, out);
}

// The radiotap Flags field (bit 1 of the first presence word), or 0.
std::uint8_t radiotap_flags(ByteView frame, std::size_t header_length) {
  constexpr std::uint32_t k_present_tsft = 1U << 0;
  constexpr std::uint32_t k_present_flags = 1U << 1;
  constexpr std::uint32_t k_present_extended = 1U << 31;
  constexpr std::size_t k_first_present = 4;
  const std::uint32_t present = read_le32(frame.data() + k_first_present);
  // Extended presence words follow while bit 31 is set; the fields come after them.
  std::size_t offset = k_first_present;
  for (std::uint32_t word = present; (word & k_present_extended) != 0;) {
    offset += 4;
    if (offset + 4 > header_length) {
      return 0;
    }
    word = read_le32(frame.data() + offset);
  }
  offset += 4;
  if ((present & k_present_tsft) != 0) {
    offset = ((offset + 7) & ~std::size_t{7}) + 8; // a 64-bit timestamp, 8-byte aligned
  }
  if ((present & k_present_flags) == 0 || offset >= header_length) {
    return 0;
  }
  return frame[offset];
}

} // namespace

SkipReason decode_ieee80211(ByteView frame, LinkLayer& out) {
  return decode_mac_frame(frame, 0, false, out);
}

// radiotap.org: version 0, a pad byte, the header's length (little-endian), presence words.
SkipReason decode_radiotap(ByteView frame, LinkLayer& out) {
  constexpr std::size_t k_fixed = 8;
  constexpr std::uint8_t k_flag_data_pad = 0x20;
  if (frame.size() < k_fixed) {
    return SkipReason::truncated_link;
  }
  const std::size_t length = read_le16(frame.data() + 2);
  if (frame[0] != 0 || length < k_fixed) {
    return SkipReason::non_ip; // not a radiotap header this decoder can read
  }
  if (frame.size() < length) {
    return SkipReason::truncated_link;
  }
  const bool data_pad = (radiotap_flags(frame, length) & k_flag_data_pad) != 0;
  return decode_mac_frame(frame, length, data_pad, out);
}

// The Per-Packet Information header (PPI specification 1.0): version 0, flags, length and
// the link type of what follows, all little-endian.
SkipReason decode_ppi(ByteView frame, LinkLayer& out) {
  constexpr std::size_t k_fixed = 8;
  if (frame.size() < k_fixed) {
    return SkipReason::truncated_link;
  }
  const std::size_t length = read_le16(frame.data() + 2);
  const std::uint32_t link = read_le32(frame.data() + 4);
  if (frame[0] != 0 || length < k_fixed) {
    return SkipReason::non_ip;
  }
  if (frame.size() < length) {
    return SkipReason::truncated_link;
  }
  // A PPI header inside a PPI header is not something a capture writes.
  if (link == static_cast<std::uint32_t>(LinkType::ppi)) {
    out.unsupported = {UnsupportedKind::link_type, link};
    return SkipReason::unsupported_link;
  }
  const SkipReason reason =
      decode_link_layer(normalize_link_type(link), frame.subspan(length), out);
  out.header_length += length;
  return reason;
}

// The Prism monitor header of old Linux drivers: a message code, then its own length.
SkipReason decode_prism(ByteView frame, LinkLayer& out) {
  constexpr std::size_t k_fixed = 8;
  if (frame.size() < k_fixed) {
    return SkipReason::truncated_link;
  }
  // Written in the capturing host's byte order; the header is 144 bytes in practice.
  std::size_t length = read_le32(frame.data() + 4);
  if (length > 0xffff) {
    length = read_be32(frame.data() + 4);
  }
  if (length < k_fixed) {
    return SkipReason::non_ip;
  }
  if (frame.size() < length) {
    return SkipReason::truncated_link;
  }
  return decode_mac_frame(frame, length, false, out);
}

// The AVS WLAN monitor header: a version word (0x8021100x), then its length, big-endian.
SkipReason decode_avs(ByteView frame, LinkLayer& out) {
  constexpr std::size_t k_fixed = 8;
  constexpr std::uint32_t k_magic = 0x80211000;
  if (frame.size() < k_fixed) {
    return SkipReason::truncated_link;
  }
  const std::size_t length = read_be32(frame.data() + 4);
  if ((read_be32(frame.data()) & 0xfffff000U) != k_magic || length < k_fixed) {
    return SkipReason::non_ip;
  }
  if (frame.size() < length) {
    return SkipReason::truncated_link;
  }
  return decode_mac_frame(frame, length, false, out);
}

} // namespace tcpstate::decode
