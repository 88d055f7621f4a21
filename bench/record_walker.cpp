// record_walker: the floor for reading a classic pcap file. Maps the file (or, with
// --read, reads it with 1 MiB read() calls), walks the record headers and sums the
// captured and original lengths: no decoding at all.
//
// usage: record_walker [--read] FILE.pcap
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

std::uint32_t load32(const unsigned char* p, bool swap) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return swap ? __builtin_bswap32(v) : v;
}

struct Totals {
  std::uint64_t packets = 0, caplen = 0, wirelen = 0;
};

// Walks whole records in [p, end); returns how many bytes were consumed.
std::size_t walk(const unsigned char* p, std::size_t size, bool swap, Totals& t) {
  std::size_t off = 0;
  while (size - off >= 16) {
    const std::uint32_t caplen = load32(p + off + 8, swap);
    if (size - off - 16 < caplen)
      break;
    t.caplen += caplen;
    t.wirelen += load32(p + off + 12, swap);
    ++t.packets;
    off += 16 + static_cast<std::size_t>(caplen);
  }
  return off;
}

bool header_swap(const unsigned char* h, bool& swap) {
  std::uint32_t magic;
  std::memcpy(&magic, h, 4);
  if (magic == 0xa1b2c3d4U || magic == 0xa1b23c4dU) {
    swap = false;
    return true;
  }
  if (magic == 0xd4c3b2a1U || magic == 0x4d3cb2a1U) {
    swap = true;
    return true;
  }
  return false;
}

} // namespace

int main(int argc, char** argv) {
  bool use_read = false;
  const char* path = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--read")
      use_read = true;
    else
      path = argv[i];
  }
  if (path == nullptr) {
    std::fprintf(stderr, "usage: record_walker [--read] FILE.pcap\n");
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  const int fd = ::open(path, O_RDONLY);
  if (fd < 0) {
    std::perror(path);
    return 1;
  }
  struct stat st {};
  ::fstat(fd, &st);
  Totals t;
  bool swap = false;
  if (!use_read) {
    const std::size_t size = static_cast<std::size_t>(st.st_size);
    auto* base =
        static_cast<const unsigned char*>(::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0));
    if (base == MAP_FAILED) {
      std::perror("mmap");
      return 1;
    }
    ::madvise(const_cast<unsigned char*>(base), size, MADV_SEQUENTIAL);
    if (size < 24 || !header_swap(base, swap)) {
      std::fprintf(stderr, "not a classic pcap file\n");
      return 1;
    }
    walk(base + 24, size - 24, swap, t);
  } else {
    std::vector<unsigned char> buf(1 << 20);
    std::size_t have = 0;
    bool header = false;
    for (;;) {
      if (have == buf.size())
        buf.resize(buf.size() * 2); // a record larger than the buffer
      const ssize_t n = ::read(fd, buf.data() + have, buf.size() - have);
      if (n <= 0)
        break;
      have += static_cast<std::size_t>(n);
      std::size_t off = 0;
      if (!header) {
        if (have < 24)
          continue;
        if (!header_swap(buf.data(), swap)) {
          std::fprintf(stderr, "not a classic pcap file\n");
          return 1;
        }
        header = true;
        off = 24;
      }
      off += walk(buf.data() + off, have - off, swap, t);
      std::memmove(buf.data(), buf.data() + off, have - off);
      have -= off;
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("packets=%llu caplen_bytes=%llu wire_bytes=%llu seconds=%.3f packets_per_s=%.0f\n",
              static_cast<unsigned long long>(t.packets), static_cast<unsigned long long>(t.caplen),
              static_cast<unsigned long long>(t.wirelen), secs, double(t.packets) / secs);
  return 0;
}
