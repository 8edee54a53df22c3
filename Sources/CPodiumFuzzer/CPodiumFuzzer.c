// Declarations only (include/CPodiumFuzzer.h); SwiftPM wants a source file in every C target.
#include "CPodiumFuzzer.h"
