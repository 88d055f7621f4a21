#pragma once
// A fresh temporary directory for one test, removed with its contents when the test ends.
//
//   ScratchDir dir;
//   const std::string path = dir.write("a.pcap", bytes);
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace tcpstate::test {

class ScratchDir {
public:
  ScratchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "tcpstate-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("cannot create a scratch directory in " + pattern);
    }
    m_path = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return m_path; }

  // The path of `name` inside the directory, whether or not it exists.
  std::string file(std::string_view name) const { return (m_path / name).string(); }

  // Creates (or replaces) file `name` holding `bytes`; returns its path.
  std::string write(std::string_view name, std::span<const std::uint8_t> bytes) const {
    std::string path = file(name);
    std::FILE* out = std::fopen(path.c_str(), "wb");
    if (out == nullptr) {
      throw std::runtime_error("cannot create " + path);
    }
    const bool ok =
        bytes.empty() || std::fwrite(bytes.data(), 1, bytes.size(), out) == bytes.size();
    if (std::fclose(out) != 0 || !ok) {
      throw std::runtime_error("cannot write " + path);
    }
    return path;
  }

  std::string write(std::string_view name, std::string_view text) const {
    return write(name, std::span{reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  }

private:
  std::filesystem::path m_path;
};

} // namespace tcpstate::test
