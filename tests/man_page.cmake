# The man page is committed roff, so nothing else checks it: lint it with mandoc, which
# reports macro misuse, bad section order and missing sections. Include from
# tests/CMakeLists.txt with
#   include(${CMAKE_CURRENT_SOURCE_DIR}/man_page.cmake)
find_program(TCPSTATE_MANDOC mandoc)
if(NOT TCPSTATE_MANDOC)
  # CI must not pass by silently skipping a check; a developer without mandoc gets the rest.
  if(DEFINED ENV{CI})
    message(FATAL_ERROR "mandoc not found: the man page lint is required in CI "
                        "(apt-get install mandoc, or run scripts/bootstrap test)")
  endif()
  message(WARNING "mandoc not found: man_page_lint is not run (apt-get install mandoc)")
  return()
endif()

# -W warning: any warning fails the test (mandoc exits non-zero), not just errors.
add_test(NAME man_page_lint
         COMMAND ${TCPSTATE_MANDOC} -T lint -W warning ${PROJECT_SOURCE_DIR}/man/tcpstate.1)
