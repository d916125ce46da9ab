// Prints the probe pods' shell script, so tests can run it under a real sh with fake tools.
#include <iostream>

#include "preflight/probe/plan.hpp"

int main() { std::cout << preflight::probe::script(); }
