# CUDA is enabled only when nvcc is found (AUTO) or demanded (ON). Public headers never
# include CUDA headers, so consumers of an installed tandem do not need nvcc.

set(TANDEM_HAS_CUDA OFF)
if(NOT TANDEM_CUDA STREQUAL "OFF")
  if(NOT DEFINED CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    # H100 and H200 are sm_90; override with -DCMAKE_CUDA_ARCHITECTURES=...
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 90)
    endif()
    enable_language(CUDA)
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    find_package(CUDAToolkit REQUIRED)
    set(TANDEM_HAS_CUDA ON)
  elseif(TANDEM_CUDA STREQUAL "ON")
    message(FATAL_ERROR "TANDEM_CUDA=ON but no CUDA compiler was found (set CUDACXX or CMAKE_CUDA_COMPILER)")
  endif()
endif()
message(STATUS "tandem: CUDA backend ${TANDEM_HAS_CUDA}")

function(tandem_setup_cuda_target target)
  # The static runtime loads libcuda at run time, so the library starts (and reports no
  # GPU) on machines without a driver.
  target_link_libraries(${target} PRIVATE CUDA::cudart_static)
  set_target_properties(${target} PROPERTIES CUDA_SEPARABLE_COMPILATION OFF CUDA_RUNTIME_LIBRARY Static)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr -Xcompiler=-fPIC>)
  target_link_libraries(${target} PRIVATE CUDA::cublas CUDA::cusolver)
  # NVRTC compiles the fused element-wise kernels at run time (src/cuda/nvrtc.cpp); it
  # needs no driver, so a machine without a GPU still loads the library.
  target_link_libraries(${target} PRIVATE CUDA::nvrtc)
  # The random kernels must round as the host build does (no FMA contraction), so that a
  # seed gives bitwise the same arrays on the CPU and the GPU (src/kernels/random_math.hpp).
  set_source_files_properties(${PROJECT_SOURCE_DIR}/src/cuda/random.cu TARGET_DIRECTORY ${target}
    PROPERTIES COMPILE_OPTIONS --fmad=false)
endfunction()
