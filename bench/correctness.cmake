# Generated-traffic correctness test: a small capture (50k packets, ~2.7k connections plus
# a 2k-SYN flood) with every kind of connection gen_capture makes (closes by either side,
# RST, refused and unanswered SYNs, retransmissions, four-tuple reuse, IPv4 and IPv6), and
# a 90k-SYN flood that holds enough connections for SYN-only ones to be kept compact;
# generated at test time; tcpstate's CSV must match the generator's expected outcomes.
# Included from the top-level CMakeLists.txt inside if(TCPSTATE_BUILD_TESTS); needs the
# bench targets (add_subdirectory(bench)) and Python3.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(_tcpstate_gen_dir ${CMAKE_CURRENT_BINARY_DIR}/bench-correctness)
add_test(NAME generated_outcomes
         COMMAND ${CMAKE_COMMAND}
                 -DGEN=$<TARGET_FILE:gen_capture>
                 -DTCPSTATE=$<TARGET_FILE:tcpstate>
                 -DPYTHON=${Python3_EXECUTABLE}
                 -DCHECKER=${CMAKE_CURRENT_LIST_DIR}/check_outcomes.py
                 -DDIR=${_tcpstate_gen_dir}
                 -P ${CMAKE_CURRENT_LIST_DIR}/correctness_run.cmake)
# The same traffic written with capture-side loss (200k packets, 1% missed) and once per
# direction only, and the 1M-packet benchmark capture with 1% missed; compared in loss
# mode (states, close, closer and anomalies on the rows the remaining packets prove; no
# false anomaly on any row).
add_test(NAME generated_outcomes_capture_loss
         COMMAND ${CMAKE_COMMAND}
                 -DGEN=$<TARGET_FILE:gen_capture>
                 -DTCPSTATE=$<TARGET_FILE:tcpstate>
                 -DPYTHON=${Python3_EXECUTABLE}
                 -DCHECKER=${CMAKE_CURRENT_LIST_DIR}/check_outcomes.py
                 -DDIR=${_tcpstate_gen_dir}
                 -DSET=capture_loss
                 -P ${CMAKE_CURRENT_LIST_DIR}/correctness_run.cmake)
