#include "tcpstate/conn/zeek_server_ports.hpp"

#include <array>

namespace tcpstate::conn {
namespace {

// The TCP ports of the likely_server_ports that the protocol scripts of a default Zeek
// register (FTP, SSH, SMTP, DNS, HTTP, Kerberos, POP3, DCE-RPC, IMAP, LDAP, TLS, SMB,
// Modbus, MQTT, SOCKS, RDP, XMPP, MySQL, PostgreSQL, Redis, IRC, DNP3, MongoDB, ...).
constexpr std::array<std::uint16_t, 49> k_default_ports{
    21,   22,   25,   53,   80,   81,   88,   110,   135,   139,  143,  389,  443,
    445,  502,  563,  585,  587,  614,  631,  636,   989,   990,  992,  993,  995,
    1080, 1434, 1883, 2811, 3128, 3268, 3306, 3389,  5222,  5223, 5269, 5432, 6379,
    6666, 6667, 6668, 6669, 8000, 8080, 8888, 20000, 27017, 27018};

} // namespace

ZeekServerPorts ZeekServerPorts::zeek_default() {
  ZeekServerPorts ports;
  ports.add_default();
  return ports;
}

void ZeekServerPorts::add_default() {
  for (const std::uint16_t port : k_default_ports) {
    add(port);
  }
}

} // namespace tcpstate::conn
