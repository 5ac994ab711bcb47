// The header declares libFuzzer's driver; this file only gives the C target a source.
#include "fuzzer_driver.h"
