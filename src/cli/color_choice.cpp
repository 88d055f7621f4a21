#include "color_choice.hpp"

#include <cstdlib>
#include <unistd.h>

namespace tcpstate::cli {

bool use_color(ColorMode mode) {
  switch (mode) {
  case ColorMode::always:
    return true;
  case ColorMode::never:
    return false;
  case ColorMode::automatic:
    break;
  }
  const char* const no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') {
    return false;
  }
  return isatty(STDOUT_FILENO) == 1;
}

} // namespace tcpstate::cli
