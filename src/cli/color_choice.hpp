#pragma once
// --color, for the --follow ladder and the table's anomalous rows alike.
#include "tcpstate/cli/picture_options.hpp"

namespace tcpstate::cli {

// always and never are what they say; auto means colour only when standard output is a
// terminal and NO_COLOR is unset or empty (the NO_COLOR convention), so a pipe or a file
// never receives escape codes unasked.
bool use_color(ColorMode mode);

} // namespace tcpstate::cli
