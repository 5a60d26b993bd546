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

# Vector math for src/cpu/simd_math.cpp on x86-64 (AVX2 and AVX-512 entry points): glibc's
# libmvec, and SLEEF (Debian libsleef-dev) for the functions where it is the fastest within
# NumPy's accuracy bounds (docs/accuracy.md). Without SLEEF those functions fall back to
# libmvec or Highway; without libmvec (not glibc) everything runs on Highway or libm.
option(TANDEM_USE_SLEEF "Use SLEEF's vector math where it is the fastest (needs libsleef-dev)" ON)
add_library(tandem_vector_math INTERFACE)
set(TANDEM_HAS_LIBMVEC OFF)
set(TANDEM_HAS_SLEEF OFF)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  find_library(TANDEM_LIBMVEC_LIBRARY NAMES mvec)
  if(TANDEM_LIBMVEC_LIBRARY)
    set(TANDEM_HAS_LIBMVEC ON)
    target_link_libraries(tandem_vector_math INTERFACE ${TANDEM_LIBMVEC_LIBRARY})
    if(TANDEM_USE_SLEEF)
      find_library(TANDEM_SLEEF_LIBRARY NAMES sleef)
      if(TANDEM_SLEEF_LIBRARY)
        set(TANDEM_HAS_SLEEF ON)
        target_link_libraries(tandem_vector_math INTERFACE ${TANDEM_SLEEF_LIBRARY})
      else()
        message(WARNING "tandem: SLEEF not found (Debian: apt-get install libsleef-dev); exp (float64), log, "
                        "tan, arcsin, arccos, arctan and cbrt (float32) use libmvec or Highway instead, a little "
                        "slower (docs/accuracy.md). -DTANDEM_USE_SLEEF=OFF silences this.")
      endif()
    endif()
  else()
    message(STATUS "tandem: no libmvec (glibc's vector math); transcendental functions use Highway or libm")
  endif()
endif()
message(STATUS "tandem: vector math libmvec=${TANDEM_HAS_LIBMVEC} SLEEF=${TANDEM_HAS_SLEEF}")

# zlib: deflate for .npz members (src/io/npz.cpp).
find_package(ZLIB REQUIRED)

# DLPack: the C ABI header only (Debian libdlpack-dev), included by src/io/dlpack.cpp and
# the tests; tandem's public headers only forward-declare DLManagedTensor.
find_path(TANDEM_DLPACK_INCLUDE_DIR dlpack/dlpack.h REQUIRED)

# BLAS and LAPACK: OpenBLAS built against OpenMP, so that BLAS threads and tandem's own
# parallel regions share one libgomp pool (the pthread build would oversubscribe). Debian
# keeps the OpenMP build in its own folder; we link that file by path and put the folder in
# the run path, so the pthread or reference variant selected by update-alternatives is never
# picked up at run time. LAPACKE (the C interface) comes from netlib and calls the LAPACK
# symbols that libopenblas exports.
find_library(TANDEM_OPENBLAS_LIBRARY NAMES openblas
  PATHS /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp NO_DEFAULT_PATH)
find_path(TANDEM_OPENBLAS_INCLUDE_DIR NAMES cblas.h
  PATHS /usr/include/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp NO_DEFAULT_PATH)
if(NOT TANDEM_OPENBLAS_LIBRARY OR NOT TANDEM_OPENBLAS_INCLUDE_DIR)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(TANDEM_OPENBLAS_PC REQUIRED openblas)
  find_library(TANDEM_OPENBLAS_LIBRARY NAMES openblas HINTS ${TANDEM_OPENBLAS_PC_LIBRARY_DIRS} REQUIRED)
  find_path(TANDEM_OPENBLAS_INCLUDE_DIR NAMES cblas.h HINTS ${TANDEM_OPENBLAS_PC_INCLUDE_DIRS} REQUIRED)
endif()
find_library(TANDEM_LAPACKE_LIBRARY NAMES lapacke REQUIRED)
find_path(TANDEM_LAPACKE_INCLUDE_DIR NAMES lapacke.h REQUIRED)
get_filename_component(TANDEM_OPENBLAS_DIR ${TANDEM_OPENBLAS_LIBRARY} DIRECTORY)
message(STATUS "tandem: OpenBLAS ${TANDEM_OPENBLAS_LIBRARY}, LAPACKE ${TANDEM_LAPACKE_LIBRARY}")

add_library(tandem_blas INTERFACE)
# OpenBLAS first: LAPACKE's LAPACK calls then resolve to OpenBLAS's LAPACK.
target_link_libraries(tandem_blas INTERFACE ${TANDEM_OPENBLAS_LIBRARY} ${TANDEM_LAPACKE_LIBRARY})
target_include_directories(tandem_blas SYSTEM INTERFACE ${TANDEM_OPENBLAS_INCLUDE_DIR} ${TANDEM_LAPACKE_INCLUDE_DIR})

# MPI (optional, Debian libopenmpi-dev): tandem::dist is built when FindMPI finds it. Only
# the C API is used, so Open MPI's deprecated C++ bindings stay out.
if(TANDEM_DIST)
  set(MPI_CXX_SKIP_MPICXX ON)
  find_package(MPI COMPONENTS CXX)
  if(MPI_CXX_FOUND)
    set(TANDEM_HAS_MPI ON)
  endif()
endif()
