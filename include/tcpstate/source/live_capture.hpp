#pragma once
// Packets from a network interface as they arrive (tcpstate -i), through libpcap:
// pcap_create, a small snapshot length (the analysis needs headers, not payload; lengths
// come from the IP headers), immediate mode, and a read timeout so that the caller wakes
// up regularly to run timers, flush its output and check for a stop request.
#include "tcpstate/source/capture_saver.hpp"
#include "tcpstate/source/packet_source.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tcpstate::source {

// Headers only: Ethernet + VLAN tags + IPv6 with extension headers + a TCP header with
// every option fit in 200 bytes.
inline constexpr int k_default_live_snaplen = 200;
inline constexpr int k_max_snaplen = 262144; // libpcap's MAXIMUM_SNAPLEN; -s 0 means this

struct LiveCaptureOptions {
  std::string interface; // a name as -D lists it, "any", or its number in the -D list
  int snaplen = k_default_live_snaplen;
  int buffer_size_kib = 0; // kernel capture buffer; 0: libpcap's default (2 MiB)
  bool promiscuous = true; // as tcpdump; -p turns it off
  std::string filter;      // BPF expression, run in the kernel; empty: every packet
  int read_timeout_ms = 100;
  // Join this PACKET_FANOUT group (Linux): the kernel spreads the interface's packets over
  // the group's captures by a flow hash that both directions of a TCP connection share,
  // after reassembling IP fragments. -1: no group, every packet.
  int fanout_group = -1;
};

// pcap_stats at the time of the call: counts since the capture started.
struct LiveDropStats {
  std::uint64_t received = 0;          // ps_recv: packets that passed the filter
  std::uint64_t kernel_dropped = 0;    // ps_drop: no room in the kernel buffer
  std::uint64_t interface_dropped = 0; // ps_ifdrop: dropped by the interface or its driver
};

class LiveCapture final : public PacketSource {
public:
  // Opens and activates the capture and installs the filter. Throws Fatal(usage) for a
  // filter that does not compile (libpcap's message), Fatal(input_error) for everything
  // else: "no such interface 'X'", "permission denied capturing on X: run as root or
  // grant CAP_NET_RAW", ... Whether the decoder knows link() is the caller's question
  // (decode::is_supported).
  explicit LiveCapture(const LiveCaptureOptions& options);
  ~LiveCapture() override;
  LiveCapture(const LiveCapture&) = delete;
  LiveCapture& operator=(const LiveCapture&) = delete;

  enum class Read {
    packet,  // `packet` is filled; valid until the next call
    timeout, // nothing arrived within the read timeout
    stopped, // stop() was called
    failed,  // the capture broke (the interface went away); see errors()
  };
  Read read(RawPacket& packet);

  // PacketSource: read() without the timeouts; false once stopped or failed.
  bool next(RawPacket& packet) override;
  const std::vector<std::string>& errors() const override { return m_errors; }

  // Ends the capture: the read in progress stops waiting, and reads from then on hand
  // out only the packets the kernel has already captured (at most k_drain_limit), then
  // return Read::stopped. Async-signal-safe: meant for a SIGINT/SIGTERM handler.
  void stop() noexcept;
  static constexpr std::uint64_t k_drain_limit = 100000;

  // Also writes every packet read from now on to `path` as a pcap file, as tcpdump -w
  // does. Throws Fatal(input_error) when the file cannot be created.
  void save_to(const std::string& path);
  // Pushes what was saved so far to the file.
  void flush_saved();
  // --fanout: saves into `first`'s -w file as well, every write under `lock` (which must
  // outlive both captures).
  void save_with(LiveCapture& first, std::mutex& lock);
  // The -w writer's failure, once, in a line for stderr; empty when there is none.
  std::string take_save_failure();
  // The -w file's writer, to ask whether writing failed; null without save_to.
  CaptureSaver* saver();

  // nullopt when the platform keeps no counters.
  std::optional<LiveDropStats> drop_stats();

  const std::string& interface() const { return m_interface; }
  LinkType link() const { return m_link; }
  int snaplen() const { return m_snaplen; }
  // "EN10MB (Ethernet)", as tcpdump names link types in its "listening on" line.
  std::string link_description() const;

private:
  struct Handle;
  std::unique_ptr<Handle> m_handle;
  std::string m_interface;
  LinkType m_link = LinkType::ethernet;
  int m_snaplen = 0;
  bool m_nanosecond_stamps = false;
  std::atomic<bool> m_stop{false};
  std::uint64_t m_drained = 0;
  std::vector<std::string> m_errors;
};

// The interfaces libpcap can capture on, one line each as `tcpdump -D` prints them, e.g.
// "1.eth0 [Up, Running, Connected]". Throws Fatal(input_error) when libpcap cannot list them.
std::vector<std::string> list_interfaces();

// libpcap's own description of itself, e.g. "libpcap version 1.10.3 (with TPACKET_V3)",
// for --version: what captures and compiles filters matters as much as tcpstate's own.
std::string libpcap_version();

} // namespace tcpstate::source
