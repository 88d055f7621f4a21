# Live capture (tcpstate -i) against real kernel TCP inside a throwaway network namespace:
# rows streamed while capturing, SIGINT, -c, --duration, -w read back with -r, -Z, a closed
# stdout, --interval snapshots, and the error exits. Needs root; otherwise the script says
# "skipped: needs root for network namespaces" and exits 77, which CTest reports as skipped.
# Include from tests/CMakeLists.txt (after the Python3 find_package there) with
#   include(${CMAKE_CURRENT_SOURCE_DIR}/live_capture.cmake)
find_package(Python3 REQUIRED COMPONENTS Interpreter)
add_test(NAME live_capture
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/check_live_capture.py
                 $<TARGET_FILE:tcpstate>)
# RUN_SERIAL: the timing checks (rows within seconds, --duration) should not compete with a
# parallel build of the other tests for two CPUs.
set_tests_properties(live_capture PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120 RUN_SERIAL TRUE
                                             LABELS live)
