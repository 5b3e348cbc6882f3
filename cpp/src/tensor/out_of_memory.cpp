#include "nerve/out_of_memory.h"

#include <cstdio>

namespace nerve {

std::string readable_bytes(double nbytes) {
  static const char* const kUnits[] = {"bytes", "kB", "MB", "GB", "TB", "PB", "EB"};
  int unit = 0;
  while (nbytes >= 1000.0 && unit < 6) {
    nbytes /= 1000.0;
    ++unit;
  }
  char text[48];
  if (unit == 0)
    std::snprintf(text, sizeof text, "%.0f bytes", nbytes);
  else
    std::snprintf(text, sizeof text, "%.1f %s", nbytes, kUnits[unit]);
  return text;
}

}  // namespace nerve
