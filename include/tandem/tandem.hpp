#pragma once
/// @file tandem.hpp
/// Everything: `#include <tandem/tandem.hpp>` and `namespace td = tandem;`.

#include "tandem/config.hpp"
#include "tandem/core/array.hpp"
#include "tandem/core/dims.hpp"
#include "tandem/core/dtype.hpp"
#include "tandem/core/error.hpp"
#include "tandem/core/index.hpp"
#include "tandem/core/scalar.hpp"
#include "tandem/core/threads.hpp"
#include "tandem/core/untyped_array.hpp"
#include "tandem/io.hpp"
#include "tandem/memory/device.hpp"
#include "tandem/memory/placement.hpp"
#include "tandem/memory/stats.hpp"
#include "tandem/ops/creation.hpp"
#include "tandem/ops/elementwise.hpp"
#include "tandem/ops/linalg.hpp"
#include "tandem/ops/manip.hpp"
#include "tandem/ops/op_codes.hpp"
#include "tandem/random.hpp"
