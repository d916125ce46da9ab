// Must compile: analysis reads the model, to its left (the control for analysis_uses_proc.cpp).
#include "preflight/analysis/engine.hpp"
#include "preflight/model/value.hpp"

int boundary_right_way() { return static_cast<int>(preflight::model::null_value().is_null()); }
