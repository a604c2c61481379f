# cmake -DSHIPPED=a.wasm -DCANDIDATE=b.wasm -P same-wasm.cmake
# Fails the build unless the two .wasm files are byte-identical: the package ships one .wasm per
# flavour for both of its glues (fast and CSP-safe), which is only right if linking with the other
# glue settings changed nothing in the module. Then removes the candidate (it is not shipped).
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${SHIPPED} ${CANDIDATE} RESULT_VARIABLE differ)
if(NOT differ EQUAL 0)
  message(FATAL_ERROR "${CANDIDATE} differs from ${SHIPPED}: the CSP-safe glue would need its own .wasm")
endif()
file(REMOVE ${CANDIDATE})
