# tandem::dist: distributed arrays over MPI (include/tandem/dist.hpp, src/dist/). Built
# only when MPI is found; the core library never links MPI.

file(GLOB TANDEM_DIST_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/dist/*.cpp)
add_library(tandem_dist SHARED ${TANDEM_DIST_SOURCES})
add_library(tandem::dist ALIAS tandem_dist)
set_target_properties(tandem_dist PROPERTIES VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}
                                             EXPORT_NAME dist)
target_link_libraries(tandem_dist PUBLIC tandem MPI::MPI_CXX)
target_include_directories(tandem_dist PRIVATE ${PROJECT_SOURCE_DIR}/src)
tandem_set_warnings(tandem_dist)

install(TARGETS tandem_dist EXPORT tandemDistTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT tandemDistTargets NAMESPACE tandem:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tandem)

# Flags for the tests' and examples' mpiexec runs: Open MPI refuses more ranks than cores
# without --oversubscribe (CI machines have two).
set(TANDEM_MPIRUN_FLAGS)
execute_process(COMMAND ${MPIEXEC_EXECUTABLE} --version OUTPUT_VARIABLE TANDEM_MPIEXEC_VERSION ERROR_QUIET)
if(TANDEM_MPIEXEC_VERSION MATCHES "Open MPI|OpenRTE")
  set(TANDEM_MPIRUN_FLAGS --oversubscribe)
endif()
