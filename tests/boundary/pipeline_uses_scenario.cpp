// Must NOT compile: the static stage (pipeline) feeds the live half, never the reverse, so
// scenario's headers are not visible to it (tests/boundary/check.sh expects the missing header).
#include "preflight/pipeline/release.hpp"
#include "preflight/scenario/session.hpp"

int boundary_pipeline_wrong_way() { return 0; }
