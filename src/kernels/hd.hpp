#pragma once
// TANDEM_HD marks functions compiled for both host and device.

#if defined(__CUDACC__)
#define TANDEM_HD __host__ __device__
#else
#define TANDEM_HD
#endif
