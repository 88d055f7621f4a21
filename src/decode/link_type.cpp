#include "tcpstate/decode/link_type.hpp"

namespace tcpstate::decode {

namespace {
// DLT_RAW is 12 on most systems and 14 on OpenBSD; old writers stored these DLT_ values
// in files instead of LINKTYPE_RAW.
constexpr std::uint32_t k_dlt_raw = 12;
constexpr std::uint32_t k_dlt_raw_openbsd = 14;
} // namespace

LinkType normalize_link_type(std::uint32_t value) {
  if (value == k_dlt_raw || value == k_dlt_raw_openbsd) {
    return LinkType::raw;
  }
  return static_cast<LinkType>(value);
}

bool is_supported(LinkType link) {
  switch (link) {
  case LinkType::null:
  case LinkType::ethernet:
  case LinkType::ppp:
  case LinkType::ppp_hdlc:
  case LinkType::ppp_ether:
  case LinkType::raw:
  case LinkType::c_hdlc:
  case LinkType::loop:
  case LinkType::linux_sll:
  case LinkType::ipv4:
  case LinkType::ipv6:
  case LinkType::linux_sll2:
  case LinkType::ieee802_11:
  case LinkType::ieee802_11_prism:
  case LinkType::ieee802_11_radiotap:
  case LinkType::ieee802_11_avs:
  case LinkType::ppi:
  case LinkType::linux_nflog:
  case LinkType::mpls:
  case LinkType::ipoib:
    return true;
  }
  return false;
}

} // namespace tcpstate::decode
