# --report in a real browser: tests/check_html_report.py renders a report in headless
# Chromium and compares it with the CSV output; skipped (exit 77) without
# /usr/bin/chromium. The screenshot is kept in build/test-artifacts/. Include from
# tests/CMakeLists.txt:
#
#   include(${CMAKE_CURRENT_SOURCE_DIR}/html_report.cmake)
#
# Run just this: ctest --test-dir build -L browser.
add_test(NAME html_report
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/check_html_report.py
                 $<TARGET_FILE:tcpstate> --root ${PROJECT_SOURCE_DIR}
                 --artifacts ${PROJECT_BINARY_DIR}/test-artifacts)
set_tests_properties(html_report PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS browser)
