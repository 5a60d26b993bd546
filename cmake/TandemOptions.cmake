# Build options and warning flags.

include(GNUInstallDirs)

set(TANDEM_CUDA "AUTO" CACHE STRING "Build the CUDA backend: AUTO (when nvcc is found), ON or OFF")
set_property(CACHE TANDEM_CUDA PROPERTY STRINGS AUTO ON OFF)
option(TANDEM_DIST "Build tandem::dist (distributed arrays) when MPI is found" ON)
option(TANDEM_BUILD_TESTS "Build the GoogleTest suite" ON)
option(TANDEM_BUILD_BENCH "Build the Google Benchmark programs" ON)
option(TANDEM_BUILD_EXAMPLES "Build the examples" ON)
option(TANDEM_BUILD_TOOLS "Build and install tandem-bench, the hardware report (tools/)" ON)
option(TANDEM_BENCH_PEERS "Build the peer programs of scripts/bench_peers.py (Eigen, xtensor where found)" OFF)
option(TANDEM_BUILD_FUZZ "Build the libFuzzer targets (clang; see scripts/fuzz.sh)" OFF)
option(TANDEM_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(TANDEM_TSAN "Build with ThreadSanitizer (use clang with LLVM's OpenMP: the tsan preset)" OFF)

# ccache with its base directory at the source tree: paths under it are hashed relative to
# the build directory, so build trees beside each other (build/cpu, build/cuda, build/bench)
# share every object whose preprocessed source and flags agree. The cuda preset then reuses
# the cpu preset's objects of everything outside src/cuda (only a few files read
# TANDEM_HAS_CUDA), which halves scripts/test.sh's Release compile work.
find_program(TANDEM_CCACHE ccache)
if(TANDEM_CCACHE)
  set(TANDEM_LAUNCHER ${CMAKE_COMMAND} -E env CCACHE_BASEDIR=${PROJECT_SOURCE_DIR} ${TANDEM_CCACHE})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${TANDEM_LAUNCHER})
  set(CMAKE_CUDA_COMPILER_LAUNCHER ${TANDEM_LAUNCHER})
endif()

if(TANDEM_SANITIZE)
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fsanitize=address,undefined>
                      $<$<COMPILE_LANGUAGE:CXX>:-fno-omit-frame-pointer>
                      $<$<COMPILE_LANGUAGE:CXX>:-fno-sanitize-recover=undefined>)
  add_link_options(-fsanitize=address,undefined)
endif()

if(TANDEM_TSAN)
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fsanitize=thread> $<$<COMPILE_LANGUAGE:CXX>:-fno-omit-frame-pointer>)
  add_link_options(-fsanitize=thread)
endif()

# Warnings for tandem's own targets only (not for dependencies' headers).
function(tandem_set_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor>)
endfunction()
