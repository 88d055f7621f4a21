# The Debian package from `cpack -G DEB`: its files, and tcpstate --version and
# man -w tcpstate once it is installed (with dpkg as root, then removed; else unpacked into a
# scratch prefix). Include from tests/CMakeLists.txt with
#   include(${CMAKE_CURRENT_SOURCE_DIR}/package.cmake)
find_program(TCPSTATE_DPKG_DEB dpkg-deb)
find_program(TCPSTATE_MAN man)
if(NOT TCPSTATE_DPKG_DEB OR NOT TCPSTATE_MAN)
  # CI must not pass by silently skipping a check; a developer elsewhere gets the rest.
  if(DEFINED ENV{CI})
    message(FATAL_ERROR "dpkg-deb or man not found: the package test is required in CI "
                        "(apt-get install man-db, or run scripts/bootstrap test)")
  endif()
  message(WARNING "dpkg-deb or man (man-db) not found: package_deb is not run")
  return()
endif()

add_test(NAME package_deb COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/check_deb_package.sh
                                  ${PROJECT_BINARY_DIR})
# Installing and removing a system package: never two at once.
set_tests_properties(package_deb PROPERTIES RESOURCE_LOCK dpkg TIMEOUT 300)
