// trainkit SDK umbrella: include this to write an extension plugin.
#pragma once
#include "sdk/plugin.hpp"
