# Robustness tests: a capture is untrusted input. Included from tests/CMakeLists.txt with
#   include(${CMAKE_CURRENT_SOURCE_DIR}/robustness.cmake)
# (after the Python3 find_package there). Paths are relative to this file, so it works from
# any directory.
set(tcpstate_robustness_dir ${CMAKE_CURRENT_LIST_DIR})
find_package(Python3 REQUIRED COMPONENTS Interpreter)

# The fuzz targets as plain executables that replay files (no libFuzzer needed), and a test
# that replays every saved crash, timeout and seed in testdata/fuzz-regressions/<target>/.
foreach(target IN ITEMS fuzz_decode_frame fuzz_capture_file)
  add_executable(${target}_replay ${tcpstate_robustness_dir}/fuzz/${target}.cpp
                                  ${tcpstate_robustness_dir}/fuzz/replay_main.cpp)
  target_include_directories(${target}_replay PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${target}_replay PRIVATE tcpstate_cli tcpstate_settings)
endforeach()
add_test(NAME fuzz_regressions
         COMMAND ${CMAKE_COMMAND}
                 -D "DECODE_FRAME=$<TARGET_FILE:fuzz_decode_frame_replay>"
                 -D "CAPTURE_FILE=$<TARGET_FILE:fuzz_capture_file_replay>"
                 -D "REGRESSIONS=${PROJECT_SOURCE_DIR}/testdata/fuzz-regressions"
                 -P ${tcpstate_robustness_dir}/fuzz/replay_regressions.cmake)

# Every byte offset of a capture as a cut: exit 3 naming the offset, and exactly the rows
# of the records before the cut. A sanitizer process costs ~0.1 s to start on a 2-core VM,
# so the sanitizer build cuts at every 4th offset plus both sides of every record boundary
# (still ~650 runs); the release build cuts at every offset.
set(tcpstate_truncation_stride 1)
if(TCPSTATE_SANITIZE)
  set(tcpstate_truncation_stride 4)
endif()
add_test(NAME truncation
         COMMAND ${Python3_EXECUTABLE} ${tcpstate_robustness_dir}/check_truncation.py
                 $<TARGET_FILE:tcpstate> ${PROJECT_SOURCE_DIR}/testdata/kernel/lost_final_close_ack.pcap
                 --stride ${tcpstate_truncation_stride})
# Hostile captures built in the test: clocks running backwards, duplicates, odd snaplens,
# empty records, mixed link types, garbage that looks like TCP.
add_test(NAME hostile_inputs
         COMMAND ${Python3_EXECUTABLE} ${tcpstate_robustness_dir}/check_hostile_inputs.py
                 $<TARGET_FILE:tcpstate> ${PROJECT_SOURCE_DIR}/testdata/kernel)
set_tests_properties(truncation hostile_inputs fuzz_regressions PROPERTIES TIMEOUT 400)

# Captures of tcpdump's test suite that yield TCP connections must keep yielding at least as
# many (docs/corpus-tcp-coverage.md); declared only where the corpus is present.
set(tcpstate_tcpdump_corpus ${PROJECT_SOURCE_DIR}/../shared/corpus/tcpdump)
if(IS_DIRECTORY ${tcpstate_tcpdump_corpus})
  add_test(NAME corpus_connections
           COMMAND ${Python3_EXECUTABLE} ${tcpstate_robustness_dir}/check_corpus_connections.py
                   $<TARGET_FILE:tcpstate> ${tcpstate_tcpdump_corpus}
                   ${PROJECT_SOURCE_DIR}/testdata/corpus/tcpdump-tcp-connections.tsv)
  set_tests_properties(corpus_connections PROPERTIES TIMEOUT 120)
endif()
