#pragma once
// Thread-locals that every op reads (placement, thread limit, lazy switch, user-op name)
// use the initial-exec TLS model: an offset from the thread pointer instead of a call to
// __tls_get_addr, which perf showed at 7 % of a 16-element add. Only for a few small,
// constant-initialised values: a program that dlopen()s the library late takes them from
// glibc's surplus of static TLS, which has room for far more than these bytes.

#if defined(__GNUC__)
#define TANDEM_HOT_TLS thread_local __attribute__((tls_model("initial-exec")))
#else
#define TANDEM_HOT_TLS thread_local
#endif
