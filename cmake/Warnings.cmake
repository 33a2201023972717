# cogwatch_target_defaults(target): the include root and warnings every
# cogwatch target shares.
function(cogwatch_target_defaults target)
  target_include_directories(${target} PUBLIC ${COGWATCH_ROOT})
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                         -Wnon-virtual-dtor -Wno-unused-parameter
                         # Designated initializers leave the other fields at their defaults.
                         -Wno-missing-field-initializers)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 false positive on std::string operator+ (GCC bug 105651).
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
endfunction()
