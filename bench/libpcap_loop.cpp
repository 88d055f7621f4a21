// libpcap_loop: the floor for libpcap's own reading loop. pcap_open_offline and
// pcap_next_ex over every packet, summing the captured lengths. With --setvbuf the FILE
// libpcap reads through gets a 1 MiB buffer (setvbuf on pcap_file()) before the first
// packet.
//
// usage: libpcap_loop [--setvbuf] FILE.pcap
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <pcap/pcap.h>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  bool big_buffer = false;
  const char* path = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--setvbuf")
      big_buffer = true;
    else
      path = argv[i];
  }
  if (path == nullptr) {
    std::fprintf(stderr, "usage: libpcap_loop [--setvbuf] FILE.pcap\n");
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path, errbuf);
  if (p == nullptr) {
    std::fprintf(stderr, "%s\n", errbuf);
    return 1;
  }
  std::vector<char> buffer;
  if (big_buffer) {
    buffer.resize(1 << 20);
    std::setvbuf(pcap_file(p), buffer.data(), _IOFBF, buffer.size());
  }
  std::uint64_t packets = 0, bytes = 0;
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int rc;
  while ((rc = pcap_next_ex(p, &header, &data)) == 1) {
    ++packets;
    bytes += header->caplen;
  }
  if (rc == PCAP_ERROR)
    std::fprintf(stderr, "%s\n", pcap_geterr(p));
  pcap_close(p);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("packets=%llu caplen_bytes=%llu seconds=%.3f packets_per_s=%.0f\n",
              static_cast<unsigned long long>(packets), static_cast<unsigned long long>(bytes),
              secs, double(packets) / secs);
  return 0;
}
