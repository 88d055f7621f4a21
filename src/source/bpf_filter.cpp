#include "tcpstate/source/bpf_filter.hpp"

#include "tcpstate/util/fatal.hpp"

#include <pcap/pcap.h>
#include <utility>
#include <vector>

namespace tcpstate::source {
namespace {

constexpr int k_filter_snaplen = 262144;

// pcap_open_dead() wants the DLT_ value, which differs from the LINKTYPE_ value stored in
// files for raw IP.
int to_dlt(LinkType link) {
  return link == LinkType::raw ? DLT_RAW : static_cast<int>(link);
}

} // namespace

struct BpfFilter::Compiled {
  struct Program {
    LinkType link;
    bpf_program code;
  };

  Compiled() = default;
  Compiled(const Compiled&) = delete;
  Compiled& operator=(const Compiled&) = delete;
  ~Compiled() {
    for (Program& program : programs) {
      pcap_freecode(&program.code);
    }
  }

  // Compiles `expression` for `link`; on failure returns false with libpcap's message.
  bool add(const std::string& expression, LinkType link, std::string& error) {
    pcap_t* dead = pcap_open_dead(to_dlt(link), k_filter_snaplen);
    if (dead == nullptr) {
      error = "libpcap could not create a handle";
      return false;
    }
    bpf_program code{};
    const bool ok = pcap_compile(dead, &code, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) == 0;
    if (ok) {
      programs.push_back(Program{link, code});
    } else {
      error = pcap_geterr(dead);
    }
    pcap_close(dead);
    return ok;
  }

  // A handful of link types at most, and nearly always the same one as the packet before.
  std::vector<Program> programs;
  std::size_t last_used = 0;
};

BpfFilter::BpfFilter(std::string expression)
    : m_expression(std::move(expression)), m_compiled(std::make_unique<Compiled>()) {
  // Compile for Ethernet now, so that a typo fails before any input is read.
  std::string error;
  if (!m_compiled->add(m_expression, LinkType::ethernet, error)) {
    throw Fatal(ExitCode::usage, "bad filter expression '" + m_expression + "': " + error);
  }
}

BpfFilter::~BpfFilter() = default;

bool BpfFilter::matches(const RawPacket& packet) {
  std::vector<Compiled::Program>& programs = m_compiled->programs;
  std::size_t index = m_compiled->last_used;
  if (programs[index].link != packet.link) {
    index = 0;
    while (index < programs.size() && programs[index].link != packet.link) {
      ++index;
    }
    if (index == programs.size()) {
      std::string error;
      if (!m_compiled->add(m_expression, packet.link, error)) {
        throw Fatal(ExitCode::usage,
                    "filter expression '" + m_expression + "' cannot be used on link type " +
                        std::to_string(static_cast<std::uint32_t>(packet.link)) + ": " + error);
      }
    }
    m_compiled->last_used = index;
  }
  pcap_pkthdr header{};
  header.caplen = static_cast<bpf_u_int32>(packet.data.size());
  header.len = packet.wire_length;
  // libpcap reads nothing of an empty packet but still wants a valid pointer.
  static constexpr std::uint8_t k_no_bytes = 0;
  const std::uint8_t* bytes = packet.data.empty() ? &k_no_bytes : packet.data.data();
  return pcap_offline_filter(&programs[index].code, &header, bytes) != 0;
}

} // namespace tcpstate::source
