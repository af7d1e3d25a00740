/* trainkit plugin ABI, version 1: the umbrella header. Stable headers only; drafts live in abi/draft/.
 *
 *   #include <trainkit/abi.h>   // C11 or C++; each header carries its own extern "C" guard */
#ifndef TRAINKIT_ABI_H
#define TRAINKIT_ABI_H

#include "abi/version.h"
#include "abi/error.h"
#include "abi/config.h"
#include "abi/host.h"
#include "abi/state.h"
#include "abi/extension.h"
#include "abi/dataset.h"
#include "abi/entry.h"

#endif
