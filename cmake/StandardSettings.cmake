# Warnings and sanitizers as INTERFACE targets that every tcpstate target links, rather
# than global flags, so third-party code and test frameworks are not affected.

add_library(tcpstate_settings INTERFACE)
target_compile_features(tcpstate_settings INTERFACE cxx_std_20)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

add_library(tcpstate_warnings INTERFACE)
target_compile_options(tcpstate_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Woverloaded-virtual -Wimplicit-fallthrough)
# Off by default so a newer compiler's new warnings never stop someone building a release;
# `bootstrap test` (and so CI) turns it on, so no warning gets in unnoticed.
if(TCPSTATE_WERROR)
  target_compile_options(tcpstate_warnings INTERFACE -Werror)
endif()

if(TCPSTATE_SANITIZE)
  target_compile_options(tcpstate_settings INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(tcpstate_settings INTERFACE -fsanitize=address,undefined)
endif()
