# Script mode helper of correctness.cmake: generate, analyse, compare, for each capture.
file(MAKE_DIRECTORY ${DIR})
# small: every kind of connection and a 2k-SYN flood. flood: 90k spoofed SYNs, so that more
# than 65,536 connections are held and the later SYNs are kept as embryos (the compact form
# of a SYN-only connection) until the end, where their verdicts are still due.
set(small_args --packets 50000 --concurrency 400 --lifetime 4 --seed 20240601 --p-reuse 0.05
               --p-retx 0.2 --syn-flood 2000 --flood-rate 1000 --flood-start 3)
set(flood_args --packets 100000 --concurrency 100 --lifetime 2 --seed 20241204
               --syn-flood 90000 --flood-rate 30000 --flood-start 1)
foreach(name small flood)
  execute_process(COMMAND ${GEN} ${${name}_args} --out ${DIR}/${name}.pcap RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "gen_capture failed on ${name}: ${rc}")
  endif()
  execute_process(COMMAND ${TCPSTATE} -r ${DIR}/${name}.pcap --format csv
                  OUTPUT_FILE ${DIR}/${name}.tcpstate.csv RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "tcpstate failed on ${name}: ${rc}")
  endif()
  execute_process(COMMAND ${PYTHON} ${CHECKER} ${DIR}/${name}.expected.csv
                          ${DIR}/${name}.tcpstate.csv RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "tcpstate's outcomes differ from the generator's on ${name}")
  endif()
endforeach()
