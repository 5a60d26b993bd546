# Third-party dependencies, all from Debian packages (scripts/install-deps.sh).

find_package(OpenMP REQUIRED COMPONENTS CXX)

# Highway: SIMD with run-time dispatch across SSE4/AVX2/AVX-512; contrib for math.
find_package(hwy CONFIG QUIET)
add_library(tandem_highway INTERFACE)
if(TARGET hwy::hwy)
  target_link_libraries(tandem_highway INTERFACE hwy::hwy)
  if(TARGET hwy::hwy_contrib)
    target_link_libraries(tandem_highway INTERFACE hwy::hwy_contrib)
  endif()
else()
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(HWY REQUIRED IMPORTED_TARGET libhwy libhwy-contrib)
  target_link_libraries(tandem_highway INTERFACE PkgConfig::HWY)
endif()
set(TANDEM_HAS_HIGHWAY ON)

# zlib: deflate for .npz members (src/io/npz.cpp).
find_package(ZLIB REQUIRED)

# DLPack: the C ABI header only (Debian libdlpack-dev), included by src/io/dlpack.cpp and
# the tests; tandem's public headers only forward-declare DLManagedTensor.
find_path(TANDEM_DLPACK_INCLUDE_DIR dlpack/dlpack.h REQUIRED)
