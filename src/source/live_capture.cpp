#include "tcpstate/source/live_capture.hpp"

#include "tcpstate/util/fatal.hpp"
#include "tcpstate/util/lock_if_shared.hpp"

#include <pcap/pcap.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <linux/if_packet.h>
#include <memory>
#include <mutex>
#include <poll.h>
#include <string_view>
#include <sys/socket.h>
#include <system_error>

namespace tcpstate::source {
namespace {

constexpr int k_kib = 1024;

bool all_digits(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

struct DeviceList {
  DeviceList() {
    std::array<char, PCAP_ERRBUF_SIZE> error{};
    if (pcap_findalldevs(&devices, error.data()) != 0) {
      throw Fatal(ExitCode::input_error,
                  std::string("cannot list the interfaces: ") + error.data());
    }
  }
  ~DeviceList() {
    if (devices != nullptr) {
      pcap_freealldevs(devices);
    }
  }
  DeviceList(const DeviceList&) = delete;
  DeviceList& operator=(const DeviceList&) = delete;

  pcap_if_t* devices = nullptr;
};

// tcpdump -i 2 means the second interface of tcpdump -D, unless an interface is really
// called "2".
std::string resolve_interface(const std::string& name) {
  if (!all_digits(name)) {
    return name;
  }
  int wanted = 0;
  const auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), wanted);
  if (ec != std::errc{} || wanted < 1) {
    return name;
  }
  const DeviceList list;
  int index = 0;
  for (const pcap_if_t* device = list.devices; device != nullptr; device = device->next) {
    if (name == device->name) {
      return name;
    }
  }
  for (const pcap_if_t* device = list.devices; device != nullptr; device = device->next) {
    if (++index == wanted) {
      return device->name;
    }
  }
  throw Fatal(ExitCode::input_error, "no such interface '" + name + "' (tcpstate -D lists them)");
}

TimeNs packet_time(const pcap_pkthdr& header, bool nanoseconds) {
  const TimeNs fraction = static_cast<TimeNs>(header.ts.tv_usec);
  return static_cast<TimeNs>(header.ts.tv_sec) * k_ns_per_second +
         (nanoseconds ? fraction : fraction * 1000);
}

// PACKET_FANOUT_HASH spreads by the kernel's symmetric flow hash (both directions of a
// connection alike); the defragment flag makes every fragment of a datagram follow it.
void join_fanout_group(pcap_t* pcap, int group) {
  const unsigned mode = PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG;
  const int argument = static_cast<int>((static_cast<unsigned>(group) & 0xffffU) | (mode << 16U));
  if (setsockopt(pcap_fileno(pcap), SOL_PACKET, PACKET_FANOUT, &argument, sizeof argument) != 0) {
    throw Fatal(ExitCode::input_error,
                "cannot join fanout group " + std::to_string(group) + ": " + std::strerror(errno));
  }
}

} // namespace

struct LiveCapture::Handle {
  Handle() = default;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (pcap != nullptr) {
      pcap_close(pcap);
    }
  }

  pcap_t* pcap = nullptr;
  std::shared_ptr<CaptureSaver> saver; // -w; shared by the captures of a --fanout
  std::mutex* saver_lock = nullptr;    // set when it is shared
  int fd = -1;                         // pcap_get_selectable_fd: poll(2) it for packets
  int timeout_ms = 0;

  // One pcap_next_ex; in non-blocking mode it returns 0 at once when nothing is buffered.
  int next(pcap_pkthdr*& header, const u_char*& bytes) {
    return pcap_next_ex(pcap, &header, &bytes);
  }
};

LiveCapture::LiveCapture(const LiveCaptureOptions& options)
    : m_handle(std::make_unique<Handle>()), m_interface(resolve_interface(options.interface)),
      m_snaplen(options.snaplen == 0 ? k_max_snaplen : options.snaplen) {
  std::array<char, PCAP_ERRBUF_SIZE> error{};
  pcap_t* const pcap = pcap_create(m_interface.c_str(), error.data());
  if (pcap == nullptr) {
    throw Fatal(ExitCode::input_error,
                "cannot capture on " + m_interface + ": " + std::string(error.data()));
  }
  m_handle->pcap = pcap;
  pcap_set_snaplen(pcap, m_snaplen);
  pcap_set_promisc(pcap, options.promiscuous ? 1 : 0);
  // Immediate mode hands each packet over as it arrives instead of when a kernel block
  // fills.
  pcap_set_immediate_mode(pcap, 1);
  pcap_set_timeout(pcap, options.read_timeout_ms);
  m_handle->timeout_ms = options.read_timeout_ms;
  if (options.buffer_size_kib > 0) {
    pcap_set_buffer_size(pcap, options.buffer_size_kib * k_kib);
  }
  // Nanoseconds where the kernel offers them, as capture files can carry; fine if not.
  pcap_set_tstamp_precision(pcap, PCAP_TSTAMP_PRECISION_NANO);

  const int status = pcap_activate(pcap);
  if (status < 0) {
    const std::string detail = pcap_geterr(pcap);
    switch (status) {
    case PCAP_ERROR_NO_SUCH_DEVICE:
      throw Fatal(ExitCode::input_error,
                  "no such interface '" + m_interface + "' (tcpstate -D lists them)");
    case PCAP_ERROR_PERM_DENIED:
    case PCAP_ERROR_PROMISC_PERM_DENIED:
      throw Fatal(ExitCode::input_error, "permission denied capturing on " + m_interface +
                                             ": run as root or grant CAP_NET_RAW");
    case PCAP_ERROR_IFACE_NOT_UP:
      throw Fatal(ExitCode::input_error, "cannot capture on " + m_interface + ": it is down");
    default:
      throw Fatal(ExitCode::input_error,
                  "cannot capture on " + m_interface + ": " +
                      (detail.empty() ? std::string(pcap_statustostr(status)) : detail));
    }
  }
  m_nanosecond_stamps = pcap_get_tstamp_precision(pcap) == PCAP_TSTAMP_PRECISION_NANO;
  // The read timeout is ours: libpcap 1.10 on Linux polls again after its own timeout
  // instead of returning, so a blocking pcap_next_ex would wait for the next packet
  // however long that takes. Non-blocking reads and our own poll(2) wake up for sure.
  m_handle->fd = pcap_get_selectable_fd(pcap);
  if (m_handle->fd < 0 || pcap_setnonblock(pcap, 1, error.data()) != 0) {
    throw Fatal(ExitCode::input_error,
                "cannot capture on " + m_interface + ": no descriptor to wait on");
  }

  const int dlt = pcap_datalink(pcap);
  m_link = normalize_link_type(static_cast<std::uint32_t>(dlt));
  if (options.fanout_group >= 0) {
    join_fanout_group(pcap, options.fanout_group);
  }

  if (!options.filter.empty()) {
    bpf_u_int32 network = 0;
    bpf_u_int32 netmask = PCAP_NETMASK_UNKNOWN;
    if (pcap_lookupnet(m_interface.c_str(), &network, &netmask, error.data()) != 0) {
      netmask = PCAP_NETMASK_UNKNOWN; // only "ip broadcast" needs it
    }
    bpf_program program{};
    if (pcap_compile(pcap, &program, options.filter.c_str(), 1, netmask) != 0) {
      throw Fatal(ExitCode::usage,
                  "bad filter expression '" + options.filter + "': " + pcap_geterr(pcap));
    }
    const int set = pcap_setfilter(pcap, &program);
    pcap_freecode(&program);
    if (set != 0) {
      throw Fatal(ExitCode::input_error,
                  "cannot install the filter on " + m_interface + ": " + pcap_geterr(pcap));
    }
  }
}

LiveCapture::~LiveCapture() = default;

LiveCapture::Read LiveCapture::read(RawPacket& packet) {
  pcap_pkthdr* header = nullptr;
  const u_char* bytes = nullptr;
  const bool stopping = m_stop.load(std::memory_order_relaxed);
  if (stopping && m_drained >= k_drain_limit) {
    return Read::stopped;
  }
  int result = m_handle->next(header, bytes);
  if (stopping) {
    // What the kernel captured before the stop is still handed out, without waiting
    // for more; the limit ends it should packets keep coming faster than we read.
    if (result != 1) {
      return Read::stopped;
    }
    ++m_drained;
  } else if (result == 0) {
    // Nothing buffered: wait for the descriptor, the timeout, or a signal (EINTR; a
    // signal between the check above and poll costs at most one timeout).
    pollfd entry{m_handle->fd, POLLIN, 0};
    if (poll(&entry, 1, m_handle->timeout_ms) != 0 && !m_stop.load(std::memory_order_relaxed)) {
      result = m_handle->next(header, bytes);
    }
  }
  if (result == 1) {
    if (m_handle->saver) {
      const auto lock = lock_if_shared(m_handle->saver_lock);
      m_handle->saver->save({static_cast<std::uint32_t>(header->ts.tv_sec),
                             static_cast<std::uint32_t>(header->ts.tv_usec)},
                            ByteView(reinterpret_cast<const std::uint8_t*>(bytes), header->caplen),
                            header->len);
    }
    packet.time = packet_time(*header, m_nanosecond_stamps);
    packet.wire_length = header->len;
    packet.link = m_link;
    packet.data = ByteView(reinterpret_cast<const std::uint8_t*>(bytes), header->caplen);
    return Read::packet;
  }
  if (result == PCAP_ERROR_BREAK) {
    return Read::stopped;
  }
  if (result == 0) {
    return Read::timeout;
  }
  m_errors.push_back("capture on " + m_interface + " failed: " + pcap_geterr(m_handle->pcap));
  return Read::failed;
}

bool LiveCapture::next(RawPacket& packet) {
  for (;;) {
    switch (read(packet)) {
    case Read::packet:
      return true;
    case Read::timeout:
      continue;
    case Read::stopped:
    case Read::failed:
      return false;
    }
  }
}

void LiveCapture::stop() noexcept {
  // A signal interrupts the poll(2) in read() (EINTR); one that arrives just before it
  // is noticed at the read timeout.
  m_stop.store(true, std::memory_order_relaxed);
}

void LiveCapture::save_to(const std::string& path) {
  m_handle->saver = std::make_shared<CaptureSaver>(
      path, pcap_datalink(m_handle->pcap), pcap_snapshot(m_handle->pcap), m_nanosecond_stamps);
}

void LiveCapture::save_with(LiveCapture& first, std::mutex& lock) {
  first.m_handle->saver_lock = &lock;
  m_handle->saver = first.m_handle->saver;
  m_handle->saver_lock = &lock;
}

void LiveCapture::flush_saved() {
  if (m_handle->saver) {
    const auto lock = lock_if_shared(m_handle->saver_lock);
    m_handle->saver->flush();
  }
}

std::string LiveCapture::take_save_failure() {
  if (!m_handle->saver) {
    return {};
  }
  const auto lock = lock_if_shared(m_handle->saver_lock);
  return m_handle->saver->take_failure();
}

CaptureSaver* LiveCapture::saver() {
  return m_handle->saver.get();
}

std::optional<LiveDropStats> LiveCapture::drop_stats() {
  pcap_stat counters{};
  if (pcap_stats(m_handle->pcap, &counters) != 0) {
    return std::nullopt;
  }
  return LiveDropStats{counters.ps_recv, counters.ps_drop, counters.ps_ifdrop};
}

std::string LiveCapture::link_description() const {
  const int dlt = pcap_datalink(m_handle->pcap);
  const char* const name = pcap_datalink_val_to_name(dlt);
  const char* const description = pcap_datalink_val_to_description(dlt);
  if (name == nullptr) {
    return std::to_string(dlt);
  }
  std::string text = name;
  if (description != nullptr) {
    text += " (";
    text += description;
    text += ')';
  }
  return text;
}

std::string libpcap_version() {
  return pcap_lib_version();
}

std::vector<std::string> list_interfaces() {
  const DeviceList list;
  std::vector<std::string> lines;
  int index = 0;
  for (const pcap_if_t* device = list.devices; device != nullptr; device = device->next) {
    std::string line = std::to_string(++index) + "." + device->name;
    if (device->description != nullptr) {
      line += " (";
      line += device->description;
      line += ')';
    }
    const bpf_u_int32 flags = device->flags;
    if (flags != 0) {
      std::string status;
      const auto add = [&status](std::string_view word) {
        if (!status.empty()) {
          status += ", ";
        }
        status += word;
      };
      if ((flags & PCAP_IF_UP) != 0) {
        add("Up");
      }
      if ((flags & PCAP_IF_RUNNING) != 0) {
        add("Running");
      }
      if ((flags & PCAP_IF_WIRELESS) != 0) {
        add("Wireless");
      }
      if ((flags & PCAP_IF_LOOPBACK) != 0) {
        add("Loopback");
      }
      if (status.empty()) {
        status = "none";
      }
      // As tcpdump -D: the connection status follows the flags, worded for the medium.
      const bpf_u_int32 connection = flags & PCAP_IF_CONNECTION_STATUS;
      const bool wireless = (flags & PCAP_IF_WIRELESS) != 0;
      if (connection == PCAP_IF_CONNECTION_STATUS_UNKNOWN) {
        status += wireless ? ", Association status unknown" : ", Connection status unknown";
      } else if (connection == PCAP_IF_CONNECTION_STATUS_CONNECTED) {
        status += wireless ? ", Associated" : ", Connected";
      } else if (connection == PCAP_IF_CONNECTION_STATUS_DISCONNECTED) {
        status += wireless ? ", Not associated" : ", Disconnected";
      }
      line += " [" + status + "]";
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

} // namespace tcpstate::source
