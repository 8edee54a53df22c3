#ifndef CPODIUM_FUZZER_H
#define CPODIUM_FUZZER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (compiler-rt, linked by -sanitize=fuzzer). The fuzz executables call it from their own main:
/// SwiftPM names an executable's entry point after its module, so libFuzzer's main cannot be used.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
