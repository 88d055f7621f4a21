#include "cli/connection_selector.hpp"
#include "cli/filter_hint.hpp"
#include "command_words.hpp"
#include "tcpstate/cli/options.hpp"
#include "tcpstate/util/fatal.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

namespace {

using tcpstate::test::parse_words;
using tcpstate::test::usage_error;

using tcpstate::IpAddress;
using tcpstate::cli::ConnectionTarget;
using tcpstate::cli::filter_hint;
using tcpstate::cli::Options;
using tcpstate::decode::Encapsulation;

IpAddress address(const char* text) {
  IpAddress parsed;
  REQUIRE(IpAddress::parse(text, parsed));
  return parsed;
}

tcpstate::conn::ConnectionReport report(std::uint64_t id, const char* client, std::uint16_t cport,
                                        const char* server, std::uint16_t sport) {
  tcpstate::conn::ConnectionReport made;
  made.conn_id = id;
  made.endpoints[0].address = address(client);
  made.endpoints[0].port = cport;
  made.endpoints[1].address = address(server);
  made.endpoints[1].port = sport;
  return made;
}

} // namespace

TEST_CASE("cli options: --conn takes a conn_id or a four-tuple, as --follow does") {
  CHECK_FALSE(parse_words({"-r", "a.pcap"}).selected.enabled);
  const Options by_id = parse_words({"-r", "a.pcap", "--conn", "7", "tcp"});
  CHECK(by_id.selected.enabled);
  CHECK_FALSE(by_id.selected.by_tuple);
  CHECK(by_id.selected.conn_id == 7);
  CHECK(by_id.filter == "tcp");
  const Options by_tuple =
      parse_words({"-r", "a.pcap", "--conn", "[2001:db8::1]:443-[2001:db8::2]:5000"});
  CHECK(by_tuple.selected.by_tuple);
  CHECK(by_tuple.selected.port_a == 443);
  CHECK(usage_error({"-r", "a.pcap", "--conn", "10.0.0.1-80"}) ==
        "--conn: '10.0.0.1-80' is not a conn_id or ADDR:PORT-ADDR:PORT (IPv6 as "
        "[::1]:80-[::1]:8080)");
  CHECK(usage_error({"-r", "a.pcap", "--conn", "0"}).starts_with("--conn: '0' is not"));
}

TEST_CASE("cli::is_selected: by conn_id, or by four-tuple in either order") {
  ConnectionTarget target;
  const auto row = report(3, "10.0.0.1", 5000, "10.0.0.2", 80);
  CHECK(tcpstate::cli::is_selected(target, row)); // disabled: everything
  REQUIRE(tcpstate::cli::parse_connection_target("3", target));
  CHECK(tcpstate::cli::is_selected(target, row));
  CHECK_FALSE(tcpstate::cli::is_selected(target, report(4, "10.0.0.1", 5000, "10.0.0.2", 80)));
  REQUIRE(tcpstate::cli::parse_connection_target("10.0.0.2:80-10.0.0.1:5000", target));
  CHECK(tcpstate::cli::is_selected(target, row));
  CHECK(tcpstate::cli::is_selected(target, report(9, "10.0.0.2", 80, "10.0.0.1", 5000)));
  CHECK_FALSE(tcpstate::cli::is_selected(target, report(3, "10.0.0.1", 5001, "10.0.0.2", 80)));
  CHECK_FALSE(tcpstate::cli::is_selected(target, report(3, "10.0.0.1", 80, "10.0.0.2", 5000)));
}

TEST_CASE("cli::filter_hint") {
  Encapsulation none;
  Encapsulation vlan;
  vlan.vlan_tags = 1;
  SUBCASE("nothing to say") {
    CHECK(filter_hint("tcp port 80", 10, none).empty());
    CHECK(filter_hint("", 10, vlan).empty());
    CHECK(filter_hint("tcp port 80", 0, vlan).empty());
  }
  SUBCASE("one VLAN tag") {
    CHECK(filter_hint("tcp port 80", 1, vlan) ==
          "the filter matched none of the 1 packet, which are VLAN-tagged: a BPF filter looks "
          "past those headers only when told (try 'vlan and (tcp port 80)')");
  }
  SUBCASE("QinQ with one vlan already written: one more") {
    Encapsulation qinq;
    qinq.vlan_tags = 2;
    CHECK(filter_hint("vlan and port 80", 5, qinq) ==
          "the filter matched none of the 5 packets, which are VLAN-tagged (2 tags): a BPF "
          "filter looks past those headers only when told (try 'vlan and (vlan and port 80)')");
    // "vlanx" is not the keyword
    CHECK(filter_hint("vlanx", 5, qinq).find("try 'vlan and vlan and (vlanx)'") !=
          std::string::npos);
  }
  SUBCASE("every qualifier already there: no suggestion") {
    CHECK(filter_hint("vlan and port 80", 5, vlan) ==
          "the filter matched none of the 5 packets, which are VLAN-tagged: a BPF filter looks "
          "past those headers only when told");
  }
  SUBCASE("MPLS in PPPoE, outermost first") {
    Encapsulation both;
    both.pppoe = true;
    both.mpls = true;
    CHECK(filter_hint("port 80", 2, both) ==
          "the filter matched none of the 2 packets, which are in PPPoE sessions and "
          "MPLS-labelled: a BPF filter looks past those headers only when told (try 'pppoes and "
          "mpls and (port 80)')");
  }
  SUBCASE("tunnels, alone and under a VLAN tag") {
    Encapsulation tunnel;
    tunnel.tunnel = true;
    CHECK(filter_hint("port 80", 3, tunnel) ==
          "the filter matched none of the 3 packets, which are tunnelled: a BPF filter sees "
          "only a tunnel's outer headers: pick an inner connection with --conn "
          "ADDR:PORT-ADDR:PORT instead");
    tunnel.vlan_tags = 1;
    CHECK(filter_hint("port 80", 3, tunnel) ==
          "the filter matched none of the 3 packets, which are VLAN-tagged and tunnelled: a BPF "
          "filter looks past those headers only when told (try 'vlan and (port 80)'); and it "
          "sees only a tunnel's outer headers: pick an inner connection with --conn "
          "ADDR:PORT-ADDR:PORT instead");
  }
}
