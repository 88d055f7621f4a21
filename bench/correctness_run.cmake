# Script mode helper of correctness.cmake: generate, analyse, compare, for each capture.
# SET=capture_loss runs the lossy captures (checked with check_outcomes.py --capture-loss);
# otherwise the lossless ones.
file(MAKE_DIRECTORY ${DIR})
# small: every kind of connection and a 2k-SYN flood. flood: 90k spoofed SYNs, so that more
# than 65,536 connections are held and the later SYNs are kept as embryos (the compact form
# of a SYN-only connection) until the end, where their verdicts are still due.
set(small_args --packets 50000 --concurrency 400 --lifetime 4 --seed 20240601 --p-reuse 0.05
               --p-retx 0.2 --syn-flood 2000 --flood-rate 1000 --flood-start 3)
set(flood_args --packets 100000 --concurrency 100 --lifetime 2 --seed 20241204
               --syn-flood 90000 --flood-rate 30000 --flood-start 1)
# Lossy: the small capture's traffic at 200k packets, 1% of them missed by the capture;
# 100k packets of it written one direction only, each way; and the 1M-packet benchmark
# capture with 1% missed.
set(lossy_traffic --concurrency 400 --lifetime 4 --seed 20240601 --p-reuse 0.05 --p-retx 0.2
                  --syn-flood 2000 --flood-rate 1000 --flood-start 3)
set(loss_args --packets 200000 ${lossy_traffic} --capture-loss 0.01 --loss-seed 1)
set(client_only_args --packets 100000 ${lossy_traffic} --one-direction client)
set(server_only_args --packets 100000 ${lossy_traffic} --one-direction server)
set(loss_1m_args --packets 1000000 --seed 1 --capture-loss 0.01 --loss-seed 1)
if(SET STREQUAL "capture_loss")
  set(names loss client_only server_only loss_1m)
  set(check_mode --capture-loss)
else()
  set(names small flood)
  set(check_mode)
endif()
foreach(name ${names})
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
                          ${DIR}/${name}.tcpstate.csv ${check_mode} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    list(APPEND failed ${name}) # the other captures' figures are still worth printing
  endif()
  file(REMOVE ${DIR}/${name}.pcap) # half a gigabyte for the 1M-packet one
endforeach()
if(failed)
  message(FATAL_ERROR "tcpstate's outcomes differ from the generator's on: ${failed}")
endif()
