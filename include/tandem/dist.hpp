#pragma once
/// @file dist.hpp
/// tandem::dist, distributed N-d arrays over MPI (the separate library tandem::dist, built
/// when CMake finds MPI; see docs/distributed.md). Includes <mpi.h>; tandem.hpp does not
/// include this header.

#include "tandem/config.hpp"
#include "tandem/dist/array.hpp"
#include "tandem/dist/elementwise.hpp"
#include "tandem/dist/io.hpp"
#include "tandem/dist/layout.hpp"
#include "tandem/dist/linalg.hpp"
#include "tandem/dist/random.hpp"
#include "tandem/dist/reduce.hpp"
#include "tandem/dist/transfer.hpp"
