# Script mode helper of correctness.cmake: generate, analyse, compare.
file(MAKE_DIRECTORY ${DIR})
execute_process(COMMAND ${GEN} --packets 50000 --concurrency 400 --lifetime 4 --seed 20240601
                        --p-reuse 0.05 --p-retx 0.2 --syn-flood 2000 --flood-rate 1000
                        --flood-start 3 --out ${DIR}/small.pcap
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gen_capture failed: ${rc}")
endif()
execute_process(COMMAND ${TCPSTATE} -r ${DIR}/small.pcap --format csv
                OUTPUT_FILE ${DIR}/small.tcpstate.csv RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "tcpstate failed: ${rc}")
endif()
execute_process(COMMAND ${PYTHON} ${CHECKER} ${DIR}/small.expected.csv ${DIR}/small.tcpstate.csv
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "tcpstate's outcomes differ from the generator's")
endif()
