// NVRTC: generated fused kernels -> CUBIN or PTX, and the process's kernel cache (nvrtc.hpp).

#include "cuda/nvrtc.hpp"

#include <nvrtc.h>

#include <algorithm>
#include <exception>
#include <vector>

#include "tandem/core/error.hpp"

namespace tandem::cuda {

namespace {

void check(nvrtcResult r, const char* call) {
  if (r != NVRTC_SUCCESS) TANDEM_THROW(DeviceError, "fused", call, ": ", nvrtcGetErrorString(r));
}

/// Owns one nvrtcProgram.
struct Program {
  nvrtcProgram p = nullptr;
  ~Program() {
    if (p) nvrtcDestroyProgram(&p);
  }
};

std::vector<int> supported_archs() {
  int n = 0;
  check(nvrtcGetNumSupportedArchs(&n), "nvrtcGetNumSupportedArchs");
  std::vector<int> archs(static_cast<std::size_t>(n));
  if (n > 0) check(nvrtcGetSupportedArchs(archs.data()), "nvrtcGetSupportedArchs");
  return archs;
}

class NvrtcCompiler final : public KernelCompiler {
 public:
  std::string version() const override { return nvrtc_version(); }
  std::string compile(const std::string& source, const std::string& arch) const override {
    return compile_fused(source, arch);
  }
};

}  // namespace

std::string nvrtc_version() {
  int major = 0, minor = 0;
  check(nvrtcVersion(&major, &minor), "nvrtcVersion");
  return "nvrtc-" + std::to_string(major) + "." + std::to_string(minor);
}

std::string fused_arch(int major, int minor) {
  const std::vector<int> archs = supported_archs();
  TANDEM_CHECK(!archs.empty(), DeviceError, "fused", "NVRTC supports no GPU architecture");
  const int cc = major * 10 + minor;
  if (std::find(archs.begin(), archs.end(), cc) != archs.end()) return "sm_" + std::to_string(cc);
  return "compute_" + std::to_string(*std::max_element(archs.begin(), archs.end()));
}

std::string compile_fused(const std::string& source, const std::string& arch) {
  const auto& headers = kernels::fused_kernel_headers();
  std::vector<const char*> names, texts;
  for (const kernels::EmbeddedHeader& h : headers) {
    names.push_back(h.name);
    texts.push_back(h.text);
  }
  Program prog;
  check(nvrtcCreateProgram(&prog.p, source.c_str(), "tandem_fused.cu", static_cast<int>(headers.size()), texts.data(),
                           names.data()),
        "nvrtcCreateProgram");
  const std::string target = "--gpu-architecture=" + arch;
  // -default-device: the shared headers' unannotated constexpr helpers (dtype_of, ...)
  // are device functions here. --fmad=false: a*b+c across two instructions stays two
  // roundings, as in the eager kernels, which round each op's result to memory.
  const char* options[] = {target.c_str(), "-std=c++17", "-default-device", "--fmad=false"};
  const nvrtcResult r = nvrtcCompileProgram(prog.p, 4, options);
  if (r != NVRTC_SUCCESS) {
    std::size_t size = 0;
    std::string log;
    if (nvrtcGetProgramLogSize(prog.p, &size) == NVRTC_SUCCESS && size > 1) {
      log.resize(size);
      if (nvrtcGetProgramLog(prog.p, log.data()) != NVRTC_SUCCESS) log.clear();
      while (!log.empty() && (log.back() == '\0' || log.back() == '\n')) log.pop_back();
    }
    const std::string first_line = source.substr(0, source.find('\n'));
    TANDEM_THROW(DeviceError, "fused", "NVRTC (", nvrtc_version(), ", ", arch, ") could not compile the kernel (",
                 first_line, "): ", nvrtcGetErrorString(r), "\n", log);
  }
  std::size_t size = 0;
  std::string image;
  if (arch.rfind("sm_", 0) == 0) {
    check(nvrtcGetCUBINSize(prog.p, &size), "nvrtcGetCUBINSize");
    image.resize(size);
    check(nvrtcGetCUBIN(prog.p, image.data()), "nvrtcGetCUBIN");
  } else {
    check(nvrtcGetPTXSize(prog.p, &size), "nvrtcGetPTXSize");  // includes the terminating NUL
    image.resize(size);
    check(nvrtcGetPTX(prog.p, image.data()), "nvrtcGetPTX");
  }
  return image;
}

std::shared_ptr<const KernelCompiler> nvrtc_compiler() { return std::make_shared<NvrtcCompiler>(); }

KernelCache& fused_kernel_cache() {
  static KernelCache cache(nvrtc_compiler(), KernelCache::default_root());
  return cache;
}

std::shared_ptr<const std::string> fused_kernel_blocking(const kernels::FusedProgram& program,
                                                         const kernels::FusedLayout& layout, const std::string& arch) {
  const KernelCache::Lookup r = fused_kernel_cache().wait(arch, kernels::fused_kernel_key(program, layout),
                                                          [&] { return kernels::fused_source(program, layout); });
  if (r.state != KernelCache::State::ready) std::rethrow_exception(r.failure);
  return r.image;
}

}  // namespace tandem::cuda
