#include "non_ip_protocols.hpp"

#include <algorithm>
#include <array>

namespace tcpstate::decode {

namespace {

// IEEE registered EtherTypes of protocols that end at the link layer or are another
// network layer; sorted, for binary search. Encapsulations (802.1ah, VN-Tag, HSR, NSH,
// MACsec, ...) are deliberately absent: they may carry IP.
constexpr std::array<std::uint16_t, 44> k_non_ip_ethertypes = {
    0x0600, // XNS IDP
    0x0806, // ARP
    0x0842, // Wake-on-LAN
    0x2001, // NHRP (RFC 2332), as a GRE protocol type
    0x22f0, // AVTP (IEEE 1722)
    0x22f3, // TRILL (RBridge channel)
    0x6001, // DEC MOP dump/load
    0x6002, // DEC MOP remote console
    0x6003, // DECnet phase IV
    0x6004, // DEC LAT
    0x6006, // DEC customer
    0x6007, // DEC LAVC
    0x8035, // RARP
    0x809b, // AppleTalk
    0x80f3, // AppleTalk ARP
    0x8137, // IPX
    0x8138, // IPX
    0x8808, // Ethernet flow control (PAUSE)
    0x8809, // slow protocols (LACP, OAM)
    0x8819, // CobraNet
    0x8863, // PPPoE discovery
    0x886f, // Microsoft NLB heartbeat
    0x8870, // jumbo LLC
    0x887b, // HomePlug 1.0 MME
    0x888e, // EAPOL (802.1X)
    0x8892, // PROFINET
    0x889a, // HyperSCSI
    0x88a2, // ATA over Ethernet
    0x88a4, // EtherCAT
    0x88b8, // IEC 61850 GOOSE
    0x88b9, // IEC 61850 GSE management
    0x88ba, // IEC 61850 sampled values
    0x88cc, // LLDP
    0x88cd, // SERCOS III
    0x88e1, // HomePlug AV MME
    0x88e3, // media redundancy protocol
    0x88f5, // MVRP
    0x88f6, // MMRP
    0x88f7, // PTP (IEEE 1588)
    0x8902, // CFM (802.1ag) / Y.1731 OAM
    0x8906, // FCoE
    0x8914, // FCoE initialization
    0x893a, // IEEE 1905.1
    0x9000, // Ethernet configuration testing (loopback)
};

} // namespace

bool is_non_ip_ethertype(std::uint16_t type) {
  static_assert(std::is_sorted(k_non_ip_ethertypes.begin(), k_non_ip_ethertypes.end()));
  return std::binary_search(k_non_ip_ethertypes.begin(), k_non_ip_ethertypes.end(), type);
}

bool is_non_ip_ppp_protocol(std::uint16_t protocol) {
  // These wrap IP in a way tcpstate does not undo (compressed, split over links).
  constexpr std::uint16_t k_vj_compressed_tcp = 0x002d;   // RFC 1144
  constexpr std::uint16_t k_vj_uncompressed_tcp = 0x002f; // RFC 1144
  constexpr std::uint16_t k_multilink = 0x003d;           // RFC 1990
  constexpr std::uint16_t k_link_compressed = 0x00fb;     // RFC 1962
  constexpr std::uint16_t k_compressed = 0x00fd;          // RFC 1962
  constexpr std::uint16_t k_mpls_multicast = 0x0283;      // RFC 3032
  switch (protocol) {
  case k_vj_compressed_tcp:
  case k_vj_uncompressed_tcp:
  case k_multilink:
  case k_link_compressed:
  case k_compressed:
  case k_mpls_multicast:
    return false;
  default:
    // Control protocols, and other network layers (IPX, AppleTalk, OSI).
    return true;
  }
}

} // namespace tcpstate::decode
