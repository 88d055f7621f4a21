#include "tcpstate/decode/decoder.hpp"

namespace tcpstate::decode {

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
  case LinkType::arcnet_bsd:
  case LinkType::arcnet_linux:
  case LinkType::juniper_ether:
  case LinkType::frame_relay:
    return true;
  }
  return false;
}

} // namespace tcpstate::decode
