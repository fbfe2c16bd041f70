/*
 * Shared by the libFuzzer targets: the input as a file that the code under
 * test opens by name (the LDIF reader, the rule pack loader and the CSV
 * import all take a path), without touching the disk.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Replaces the contents of the fuzzer's memory file with data and returns
 * its path ("/proc/self/fd/N"), valid until the next call.  Aborts if the
 * memory file cannot be made: a fuzzer without input is no fuzzer.
 */
const char *
fuzz_input_path(const uint8_t *data, size_t size);

/* libFuzzer's entry points (declared here for -Wmissing-prototypes). */
int
LLVMFuzzerInitialize(int *argc, char ***argv);
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
