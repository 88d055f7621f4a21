#include "tcpstate/source/capture_file.hpp"

#include "open_capture_fd.hpp"
#include "pcap_reader.hpp"
#include "pcapng_reader.hpp"
#include "tcpstate/util/fatal.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace tcpstate::source {
namespace {

constexpr std::string_view k_standard_input_name = "standard input";

struct CompressionFormat {
  std::string_view magic;
  const char* name;
  const char* decompressor;
};

// People keep rotated captures compressed; say how to read them instead of "bad magic".
constexpr std::array k_compression_formats{
    CompressionFormat{"\x1f\x8b", "gzip", "zcat"},
    CompressionFormat{"BZh", "bzip2", "bzcat"},
    CompressionFormat{"\xfd\x37\x7a\x58\x5a\x00", "xz", "xzcat"},
    CompressionFormat{"\x28\xb5\x2f\xfd", "zstd", "zstdcat"},
};

bool starts_with(const ReadBuffer& buffer, std::string_view magic) {
  return buffer.available() >= magic.size() &&
         std::equal(magic.begin(), magic.end(), buffer.data(),
                    [](char expected, std::uint8_t actual) {
                      return static_cast<std::uint8_t>(expected) == actual;
                    });
}

std::string shell_quoted(const std::string& path) {
  const bool plain = std::all_of(path.begin(), path.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view{"._-/+,:@%"}.find(c) != std::string_view::npos;
  });
  if (plain) {
    return path;
  }
  std::string quoted = "'";
  for (const char c : path) {
    quoted += c == '\'' ? std::string{"'\\''"} : std::string(1, c);
  }
  return quoted + "'";
}

bool looks_like_text(const ReadBuffer& buffer) {
  const std::uint8_t* begin = buffer.data();
  return std::all_of(begin, begin + buffer.available(), [](std::uint8_t c) {
    return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n' || c == '\r';
  });
}

[[noreturn]] void fail(const std::string& name, const std::string& reason) {
  throw Fatal(ExitCode::input_error, name + ": " + reason);
}

[[noreturn]] void fail_not_a_capture(ReadBuffer& buffer, const std::string& name) {
  for (const CompressionFormat& format : k_compression_formats) {
    if (starts_with(buffer, format.magic)) {
      const std::string hint =
          name == k_standard_input_name
              ? std::string{"pipe it through "} + format.decompressor + " first"
              : std::string{"decompress it first ("} + format.decompressor + " " +
                    shell_quoted(name) + " | tcpstate -r -)";
      fail(name, std::string{format.name} + "-compressed capture; " + hint);
    }
  }
  // A longer look, so that a log or CSV file handed over by mistake is named as text.
  constexpr std::size_t k_text_sniff_size = 64;
  buffer.ensure(k_text_sniff_size);
  if (looks_like_text(buffer)) {
    fail(name, "not a capture file (it looks like text)");
  }
  const std::uint8_t* magic = buffer.data();
  char hex[16];
  std::snprintf(hex, sizeof hex, "%02x %02x %02x %02x", magic[0], magic[1], magic[2], magic[3]);
  fail(name, std::string{"not a pcap or pcapng capture (starts with bytes "} + hex + ")");
}

} // namespace

std::unique_ptr<PacketSource> open_capture_fd(int fd, std::string name,
                                              std::size_t buffer_capacity) {
  ReadBuffer buffer(fd, buffer_capacity);
  struct stat status {};
  if (::fstat(fd, &status) == 0) {
    if (S_ISDIR(status.st_mode)) {
      fail(name, "is a directory, not a capture file");
    }
    if (S_ISREG(status.st_mode)) {
      ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
  }
  if (!buffer.ensure(4)) {
    if (buffer.read_error() != 0) {
      fail(name, std::string{"read error: "} + std::strerror(buffer.read_error()));
    }
    if (buffer.available() == 0) {
      fail(name, "empty file, not a capture");
    }
    fail(name, "too short to be a capture (" + std::to_string(buffer.available()) + " bytes)");
  }
  switch (read_le32(buffer.data())) {
  case k_pcap_magic_us:
  case k_pcap_magic_us_swapped:
  case k_pcap_magic_ns:
  case k_pcap_magic_ns_swapped:
    return std::make_unique<PcapReader>(std::move(buffer), std::move(name));
  case k_pcapng_section_header:
    return std::make_unique<PcapngReader>(std::move(buffer), std::move(name));
  default:
    fail_not_a_capture(buffer, name);
  }
}

std::unique_ptr<PacketSource> open_capture_file(const std::string& path) {
  if (path == "-") {
    // A duplicate, so that closing the reader leaves the process's standard input alone.
    const int fd = ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
      fail(std::string{k_standard_input_name}, std::string{"cannot read: "} + std::strerror(errno));
    }
    return open_capture_fd(fd, std::string{k_standard_input_name});
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fail(path, std::string{"cannot open: "} + std::strerror(errno));
  }
  return open_capture_fd(fd, path);
}

} // namespace tcpstate::source
