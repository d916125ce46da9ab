// Must NOT compile: analysis does no I/O and starts no process, so proc's headers are not
// visible to it (tests/boundary/check.sh builds this and expects the missing header).
#include "preflight/analysis/engine.hpp"
#include "preflight/proc/runner.hpp"

int boundary_wrong_way() { return preflight::proc::interrupt_level(); }
