# Writes a C++ source holding every scenarios/*.yaml as a string, so `--scenario NAME` works
# wherever the binary is installed. Re-run when a scenario is added, removed or edited
# (CMAKE_CONFIGURE_DEPENDS on the glob and on each file).
function(embed_scenarios out_file)
  file(GLOB files CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/scenarios/*.yaml)
  list(SORT files)
  set(body "// Generated from scenarios/*.yaml by cmake/embed_scenarios.cmake. Do not edit.\n#include \"preflight/scenario/scenario.hpp\"\n\nnamespace preflight::scenario {\n\nconst std::vector<Shipped>& shipped_scenarios() {\n    static const std::vector<Shipped> s = {\n")
  foreach(f ${files})
    get_filename_component(name ${f} NAME_WE)
    file(READ ${f} text)
    # Its contents, not only the list of files: an edited scenario re-runs this at build time.
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${f})
    string(APPEND body "        {\"${name}\", R\"SCENARIO(${text})SCENARIO\"},\n")
  endforeach()
  string(APPEND body "    };\n    return s;\n}\n\n}  // namespace preflight::scenario\n")
  file(WRITE ${out_file}.tmp "${body}")
  configure_file(${out_file}.tmp ${out_file} COPYONLY)
endfunction()
