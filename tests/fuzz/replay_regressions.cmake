# ctest -R fuzz_regressions: replays testdata/fuzz-regressions/<target>/* through each
# target's replay executable; a crash, abort or sanitizer report fails the test.
foreach(pair IN ITEMS "DECODE_FRAME;decode_frame" "CAPTURE_FILE;capture_file")
  list(GET pair 0 variable)
  list(GET pair 1 directory)
  execute_process(COMMAND ${${variable}} ${REGRESSIONS}/${directory}
                  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE errors)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${directory}: replay failed (${result})\n${errors}")
  endif()
  message(STATUS "${directory}: ${output}")
endforeach()
