# Golden end-to-end tests: one CTest `golden.<case>` per line of tests/integration/cases.txt,
# each running the real tcpstate binary (repo root as working directory) and comparing
# stdout, stderr and exit status with testdata/golden/. Include from tests/CMakeLists.txt:
#
#   include(${CMAKE_CURRENT_SOURCE_DIR}/integration.cmake)
#
# Run just these: ctest --test-dir build -L golden. Regenerate: scripts/update-golden.
find_package(Python3 REQUIRED COMPONENTS Interpreter)

set(tcpstate_golden_runner ${CMAKE_CURRENT_LIST_DIR}/integration/run_golden.py)
set(tcpstate_golden_cases ${CMAKE_CURRENT_LIST_DIR}/integration/cases.txt)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${tcpstate_golden_cases})

# Case lines start with the name; comments and blank lines do not start with [A-Za-z0-9].
file(STRINGS ${tcpstate_golden_cases} tcpstate_golden_lines REGEX "^[A-Za-z0-9]")
foreach(tcpstate_golden_line IN LISTS tcpstate_golden_lines)
  string(REGEX MATCH "^[^ \t]+" tcpstate_golden_case "${tcpstate_golden_line}")
  add_test(NAME golden.${tcpstate_golden_case}
           COMMAND ${Python3_EXECUTABLE} ${tcpstate_golden_runner} --binary $<TARGET_FILE:tcpstate>
                   --root ${PROJECT_SOURCE_DIR} ${tcpstate_golden_case})
  set_tests_properties(golden.${tcpstate_golden_case} PROPERTIES LABELS golden TIMEOUT 60)
endforeach()

# Every golden file belongs to a case and every case has its golden file.
add_test(NAME golden_files COMMAND ${Python3_EXECUTABLE} ${tcpstate_golden_runner}
                                   --root ${PROJECT_SOURCE_DIR} --check-files)
set_tests_properties(golden_files PROPERTIES LABELS golden)
