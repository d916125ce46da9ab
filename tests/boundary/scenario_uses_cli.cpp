// Must NOT compile: the live half (scenario) is below the CLI; errors become exit codes only in
// cli, so cli's headers are not visible to scenario (tests/boundary/check.sh expects the
// missing header).
#include "preflight/scenario/actions.hpp"
#include "preflight/cli/output.hpp"

int boundary_scenario_wrong_way() { return preflight::cli::exit_code_for(preflight::ErrorKind::usage); }
