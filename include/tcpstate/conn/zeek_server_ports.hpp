#pragma once
// The TCP ports Zeek takes for a server's when it decides which endpoint of a connection
// is the originator (its likely_server_ports): a connection whose first captured packet
// is not a bare SYN and comes from one of them is turned round. Zeek's protocol scripts
// fill the set, so it depends on how Zeek was run: the default scripts give the set
// below, a bare Zeek (zeek -b) an empty one, and a site may add its own services.
#include <bitset>
#include <cstdint>

namespace tcpstate::conn {

class ZeekServerPorts {
public:
  // What the scripts Zeek loads by default put in likely_server_ports.
  static ZeekServerPorts zeek_default();
  // None at all: Zeek run bare, with only the connection scripts loaded.
  static ZeekServerPorts none() { return ZeekServerPorts{}; }

  void add(std::uint16_t port) { m_ports.set(port); }
  void add_default();
  bool contains(std::uint16_t port) const { return m_ports.test(port); }

  bool operator==(const ZeekServerPorts&) const = default;

private:
  std::bitset<65536> m_ports;
};

} // namespace tcpstate::conn
