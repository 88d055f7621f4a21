#pragma once
// What the command line says about the pictures: --follow (a ladder diagram of one
// connection), --report (a self-contained HTML report) and --color.
#include "tcpstate/cli/connection_target.hpp"

#include <cstdint>
#include <string>

namespace tcpstate::cli {

enum class ColorMode : std::uint8_t { automatic, always, never };

struct PictureOptions {
  ConnectionTarget follow; // --follow
  std::string report_path; // --report; empty: none
  ColorMode color = ColorMode::automatic;
};

} // namespace tcpstate::cli
