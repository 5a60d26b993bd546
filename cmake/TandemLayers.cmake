# The library's layers, bottom to top. Each layer is an object library whose sources see
# only their own folder and the folders of the layers below it: its include root (in the
# build tree) holds links to exactly those folders, so an include that runs upwards fails
# to compile. docs/architecture.md draws the graph.
#
# One header is shared by every layer: src/dispatch/tuning.hpp, the measured constants
# (DESIGN: "the few constants left in src/dispatch/tuning.hpp"), which the CPU and CUDA
# kernels read as well as the dispatcher.

include(TandemEmbed)

set(TANDEM_LAYER_ROOT ${CMAKE_CURRENT_BINARY_DIR}/layers)

# tandem_add_layer(<layer> SOURCES <files...> SEES <layers below...>)
function(tandem_add_layer layer)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "SOURCES;SEES")
  set(root ${TANDEM_LAYER_ROOT}/${layer})
  file(MAKE_DIRECTORY ${root})
  foreach(folder ${layer} ${ARG_SEES})
    if(NOT EXISTS ${root}/${folder})
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${folder} ${root}/${folder} SYMBOLIC)
    endif()
  endforeach()
  if(NOT dispatch IN_LIST ARG_SEES AND NOT layer STREQUAL "dispatch")
    file(MAKE_DIRECTORY ${root}/dispatch)
    if(NOT EXISTS ${root}/dispatch/tuning.hpp)
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/dispatch/tuning.hpp ${root}/dispatch/tuning.hpp SYMBOLIC)
    endif()
  endif()
  add_library(tandem_${layer} OBJECT ${ARG_SOURCES})
  set_target_properties(tandem_${layer} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_compile_features(tandem_${layer} PRIVATE cxx_std_17)
  target_include_directories(tandem_${layer} PRIVATE
    ${PROJECT_SOURCE_DIR}/include ${PROJECT_BINARY_DIR}/include ${root} ${TANDEM_DLPACK_INCLUDE_DIR})
  # The same flags for every layer (OpenMP, SIMD, BLAS and zlib headers), as one target had.
  target_link_libraries(tandem_${layer} PRIVATE OpenMP::OpenMP_CXX tandem_highway tandem_vector_math ZLIB::ZLIB tandem_blas)
  tandem_set_warnings(tandem_${layer})
  # Nobody replaces the library's own functions at load time: with this, GCC binds and
  # inlines calls within a source file instead of going through the PLT (every op's path
  # makes a dozen such calls; docs/performance.md). No contraction of a * b + c into one
  # FMA: GCC contracts by default in C++ (-std=c++17 too) wherever the target has FMA, i.e.
  # in the AVX2 and AVX-512 clones and Highway targets only, so a fused or cloned kernel
  # would round differently from the eager one (src/cpu/clones.hpp). Kernels that want an
  # FMA ask for it (MulAdd). C++ only: nvcc takes host flags otherwise.
  target_compile_options(tandem_${layer} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-fno-semantic-interposition -ffp-contract=off>)
  target_sources(tandem PRIVATE $<TARGET_OBJECTS:tandem_${layer}>)
endfunction()

function(tandem_add_layers)
  file(GLOB kernels CONFIGURE_DEPENDS src/kernels/*.cpp)
  file(GLOB backend CONFIGURE_DEPENDS src/backend/*.cpp)
  file(GLOB cpu CONFIGURE_DEPENDS src/cpu/*.cpp)
  file(GLOB emulated CONFIGURE_DEPENDS src/emulated/*.cpp)
  file(GLOB registry CONFIGURE_DEPENDS src/registry/*.cpp)
  file(GLOB memory CONFIGURE_DEPENDS src/memory/*.cpp)
  file(GLOB core CONFIGURE_DEPENDS src/core/*.cpp)
  file(GLOB dispatch CONFIGURE_DEPENDS src/dispatch/*.cpp)
  file(GLOB lazy CONFIGURE_DEPENDS src/lazy/*.cpp)
  file(GLOB ops CONFIGURE_DEPENDS src/ops/*.cpp)
  file(GLOB io CONFIGURE_DEPENDS src/io/*.cpp)

  set(backends cpu emulated)
  tandem_add_layer(kernels SOURCES ${kernels})
  tandem_embed_fused_headers(tandem_kernels)
  tandem_add_layer(backend SOURCES ${backend} SEES kernels)
  tandem_add_layer(cpu SOURCES ${cpu} SEES kernels backend)
  tandem_add_layer(emulated SOURCES ${emulated} SEES kernels backend cpu)
  if(TANDEM_HAS_CUDA)
    file(GLOB cuda CONFIGURE_DEPENDS src/cuda/*.cu src/cuda/*.cpp)
    tandem_add_layer(cuda SOURCES ${cuda} SEES kernels backend)
    tandem_setup_cuda_target(tandem_cuda)
    list(APPEND backends cuda)
  else()
    # The CUDA backend's host-only headers (capabilities.hpp) stay visible to the layers
    # above, as in a CUDA build; registry.cpp includes cuda/probe.hpp only with CUDA.
    list(APPEND backends cuda)
  endif()
  tandem_add_layer(registry SOURCES ${registry} SEES kernels backend ${backends})
  tandem_add_layer(memory SOURCES ${memory} SEES kernels backend ${backends} registry)
  tandem_add_layer(core SOURCES ${core} SEES kernels backend ${backends} registry memory)
  tandem_add_layer(dispatch SOURCES ${dispatch} SEES kernels backend ${backends} registry memory core)
  tandem_add_layer(lazy SOURCES ${lazy} SEES kernels backend ${backends} registry memory core dispatch)
  tandem_add_layer(ops SOURCES ${ops} SEES kernels backend ${backends} registry memory core dispatch lazy)
  tandem_add_layer(io SOURCES ${io} SEES kernels backend ${backends} registry memory core dispatch lazy ops)
endfunction()
