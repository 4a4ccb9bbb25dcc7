# Helpers shared by dsc's CMake files.

# dsc_add_library(name SOURCES... [DEPENDS tgt...] [LINK libs...])
# A library linked against the shared libMLIR/libLLVM that Debian ships:
# linking the dylibs keeps link times low on small machines.
function(dsc_add_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;LINK" ${ARGN})
  add_library(${name} STATIC ${ARG_UNPARSED_ARGUMENTS})
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  target_link_libraries(${name} PUBLIC ${ARG_LINK})
endfunction()
