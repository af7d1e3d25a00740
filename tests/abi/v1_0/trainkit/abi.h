/* trainkit plugin ABI, version 1: the umbrella header. Stable headers only; drafts live in abi/draft/. */
#ifndef TRAINKIT_ABI_H
#define TRAINKIT_ABI_H

#ifdef __cplusplus
extern "C" {
#endif

#include "abi/version.h"
#include "abi/error.h"
#include "abi/config.h"
#include "abi/host.h"
#include "abi/state.h"
#include "abi/extension.h"
#include "abi/entry.h"

#ifdef __cplusplus
}
#endif

#endif
