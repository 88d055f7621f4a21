#include "terminal_width.hpp"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <sys/ioctl.h>
#include <system_error>
#include <unistd.h>

namespace tcpstate::cli {

std::size_t terminal_columns() {
  if (const char* const columns = std::getenv("COLUMNS"); columns != nullptr) {
    std::size_t value = 0;
    const char* const end = columns + std::strlen(columns);
    const auto [ptr, ec] = std::from_chars(columns, end, value);
    if (ec == std::errc{} && ptr == end && value > 0) {
      return value;
    }
  }
  if (isatty(STDOUT_FILENO) != 1) {
    return 0;
  }
  winsize size{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return size.ws_col;
  }
  return 0;
}

} // namespace tcpstate::cli
