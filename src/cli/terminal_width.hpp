#pragma once
// How wide the table may grow: the terminal standard output is, or what COLUMNS says.

#include <cstddef>

namespace tcpstate::cli {

// COLUMNS when it is set to a positive number (as ls(1) honours it, also to fake a
// terminal in tests and scripts); else the width of the terminal standard output is;
// else 0 (a pipe or a file: the table keeps its standard columns).
std::size_t terminal_columns();

} // namespace tcpstate::cli
