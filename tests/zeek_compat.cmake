# Zeek compatibility: tcpstate's zeek_conn_state, zeek_history and zeek_missed_bytes against
# the conn.log Zeek itself wrote for captures from Zeek's test suite (../shared/zeek-compat,
# see its README.md). Include from tests/CMakeLists.txt:
#
#   include(${CMAKE_CURRENT_SOURCE_DIR}/zeek_compat.cmake)
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(tcpstate_zeek_compat_dir ${PROJECT_SOURCE_DIR}/../shared/zeek-compat)
if(EXISTS ${tcpstate_zeek_compat_dir}/index.json)
  add_test(NAME zeek_compat
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/check_zeek_compat.py
                   $<TARGET_FILE:tcpstate> ${tcpstate_zeek_compat_dir})
  set_tests_properties(zeek_compat PROPERTIES TIMEOUT 120)
endif()
