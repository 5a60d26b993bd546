#pragma once
// TANDEM_ISA_CLONES: compile a function for AVX-512 (x86-64-v4), AVX2 (x86-64-v3) and the
// baseline; the loader picks one at start-up (GCC target_clones, an IFUNC). Each clone
// computes the same IEEE operations in the same order (no fast-math, and no contraction to
// FMA: the library's C++ is built with -ffp-contract=off, cmake/TandemLayers.cmake), so all
// give the same bits. ThreadSanitizer builds get the baseline only: the IFUNC resolver runs while the
// loader relocates the library, before the TSan runtime is up, and its instrumented entry
// crashes there. Clang (the tsan and fuzz builds) gets the baseline too: it does not
// multiversion function templates.

#if defined(__SANITIZE_THREAD__)
#define TANDEM_NO_CLONES 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TANDEM_NO_CLONES 1
#endif
#endif

#if defined(TANDEM_NO_CLONES) || defined(__clang__) || !defined(__x86_64__)
#define TANDEM_ISA_CLONES
#else
#define TANDEM_ISA_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
