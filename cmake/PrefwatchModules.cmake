# PrefwatchModules.cmake - module boundaries enforced by the build.
#
# A module is a folder with one static library (or, for cli/, the
# executable), a public header other modules may include, optional private
# headers only its own files may include, and the modules it depends on.
# The code spells includes from the project root ("crawler/crawler.h"), so
# instead of putting the root on the include path (which lets any file
# include any header) each module's headers are staged, as symlinks, into
# include directories of the build tree:
#
#   <build>/include/<module>/public/<module>/<header>   exported (PUBLIC)
#   <build>/include/<module>/private/<module>/<header>  the module only
#
# A module's files then see their own headers and the public headers of the
# modules they link (DEPENDS), nothing else: including another module's
# private header, or the header of a module one does not depend on, is a
# "No such file" error. The allowed graph is the DEPENDS lists, kept in
# global properties that tests/arch reads to check the sources and the
# include paths against it.

set(PW_STAGE_DIR ${PROJECT_BINARY_DIR}/include)

# pw_stage_headers(<stage> <prefix> <header>...)
#   Makes <stage>/<prefix>/<header> a symlink to <header> of the current
#   source folder (a copy where the file system has no symlinks; the copy
#   then re-runs configure when the header changes), and removes any other
#   file left in <stage> by an earlier configure, so that a header dropped
#   from a list stops being includable.
function(pw_stage_headers stage prefix)
  set(wanted)
  foreach(h ${ARGN})
    set(src ${CMAKE_CURRENT_SOURCE_DIR}/${h})
    if(NOT EXISTS ${src})
      message(FATAL_ERROR "pw_stage_headers: '${src}' does not exist")
    endif()
    set(dst ${stage}/${prefix}/${h})
    list(APPEND wanted ${dst})
    if(IS_SYMLINK ${dst})
      file(READ_SYMLINK ${dst} old)
      if(old STREQUAL src)
        continue()
      endif()
      file(REMOVE ${dst})
    elseif(EXISTS ${dst})
      # a copy made by an earlier configure: rewritten only if it differs,
      # so that a reconfigure does not rebuild everything
      configure_file(${src} ${dst} COPYONLY)
      continue()
    endif()
    get_filename_component(dir ${dst} DIRECTORY)
    file(MAKE_DIRECTORY ${dir})
    file(CREATE_LINK ${src} ${dst} RESULT rc SYMBOLIC)
    if(NOT rc EQUAL 0)
      configure_file(${src} ${dst} COPYONLY)
    endif()
  endforeach()
  file(GLOB_RECURSE present LIST_DIRECTORIES false ${stage}/*)
  foreach(f ${present})
    if(NOT f IN_LIST wanted)
      file(REMOVE ${f})
    endif()
  endforeach()
endfunction()

# pw_add_module(<name>
#   [EXECUTABLE <target>]      the module is this executable (cli/); default:
#                              a static library pw_<name>
#   SOURCES <file>...
#   [PUBLIC_HEADERS <file>...] included by others as "<name>/<file>"
#   [PRIVATE_HEADERS <file>...] included by the module's own files only
#   [DEPENDS <module>...]      modules whose public headers it includes
#   [LIBS <target>...])        external libraries (PkgConfig::...)
#
# Every header of the folder must be listed in one of the two lists
# (tests/arch checks it), so the header self-compile test sees them all.
function(pw_add_module name)
  cmake_parse_arguments(M "" "EXECUTABLE" "SOURCES;PUBLIC_HEADERS;PRIVATE_HEADERS;DEPENDS;LIBS" ${ARGN})
  if(M_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "pw_add_module(${name}): unexpected '${M_UNPARSED_ARGUMENTS}'")
  endif()
  get_property(known GLOBAL PROPERTY PW_MODULES)
  if(name IN_LIST known)
    message(FATAL_ERROR "pw_add_module(${name}): defined twice")
  endif()

  set(deps)
  foreach(d ${M_DEPENDS})
    get_property(dep_target GLOBAL PROPERTY PW_MODULE_${d}_TARGET)
    get_property(dep_exe GLOBAL PROPERTY PW_MODULE_${d}_EXECUTABLE)
    if(NOT dep_target)
      message(FATAL_ERROR "pw_add_module(${name}): depends on '${d}', which is not a module "
                          "defined before it (add_subdirectory order)")
    endif()
    if(dep_exe)
      message(FATAL_ERROR "pw_add_module(${name}): depends on '${d}', an executable")
    endif()
    list(APPEND deps ${dep_target})
  endforeach()

  set(stage ${PW_STAGE_DIR}/${name})
  pw_stage_headers(${stage}/public ${name} ${M_PUBLIC_HEADERS})
  pw_stage_headers(${stage}/private ${name} ${M_PRIVATE_HEADERS})

  if(M_EXECUTABLE)
    if(M_PUBLIC_HEADERS)
      message(FATAL_ERROR "pw_add_module(${name}): an executable exports no header")
    endif()
    set(target ${M_EXECUTABLE})
    add_executable(${target} ${M_SOURCES})
    set(vis PRIVATE)
  else()
    set(target pw_${name})
    add_library(${target} STATIC ${M_SOURCES})
    set(vis PUBLIC)
    target_include_directories(${target} PUBLIC ${stage}/public)
  endif()
  target_include_directories(${target} PRIVATE ${stage}/private)
  # Public headers include their dependencies' headers (common/common.h),
  # so the dependencies are PUBLIC: a user of crawler sees common too.
  target_link_libraries(${target} ${vis} ${deps} ${M_LIBS})

  set_property(GLOBAL APPEND PROPERTY PW_MODULES ${name})
  set_property(GLOBAL PROPERTY PW_MODULE_${name}_TARGET ${target})
  set_property(GLOBAL PROPERTY PW_MODULE_${name}_EXECUTABLE ${M_EXECUTABLE})
  set_property(GLOBAL PROPERTY PW_MODULE_${name}_DIR ${CMAKE_CURRENT_SOURCE_DIR})
  set_property(GLOBAL PROPERTY PW_MODULE_${name}_STAGE ${stage})
  set_property(GLOBAL PROPERTY PW_MODULE_${name}_DEPENDS ${M_DEPENDS})
  set_property(GLOBAL PROPERTY PW_MODULE_${name}_LIBS ${M_LIBS})
  set_property(GLOBAL PROPERTY PW_MODULE_${name}_PUBLIC_HEADERS ${M_PUBLIC_HEADERS})
  set_property(GLOBAL PROPERTY PW_MODULE_${name}_PRIVATE_HEADERS ${M_PRIVATE_HEADERS})
endfunction()

# pw_export_headers(<target> <prefix> <header>...)
#   For test helpers (tests/common, tests/server, tests/fuzz): stages
#   <header> of the current folder as "<prefix>/<header>" and exports it,
#   alone, from <target> (PUBLIC, or INTERFACE for an interface library).
function(pw_export_headers target prefix)
  set(stage ${PW_STAGE_DIR}/${target})
  pw_stage_headers(${stage} ${prefix} ${ARGN})
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    target_include_directories(${target} INTERFACE ${stage})
  else()
    target_include_directories(${target} PUBLIC ${stage})
  endif()
  # for the header self-compile test (tests/arch)
  foreach(h ${ARGN})
    set_property(GLOBAL APPEND PROPERTY PW_HELPER_HEADERS "${target}:${prefix}/${h}")
  endforeach()
endfunction()
