# trainkit_add_plugin(<name> SOURCES <files>... [LINK_TORCH] [OUTPUT_DIRECTORY <dir>])
#
# Builds one extension plugin, <name>.so, as a MODULE library, for in-tree plugins (sdk/CMakeLists.txt
# includes this file) and third parties (find_package(TrainkitSDK) includes the installed copy):
#   - links TrainkitSDK::sdk: the headers only; a plugin reaches the host through vtables, never symbols;
#   - hidden visibility for C and C++, and a version script (trainkit_plugin.version, next to this file)
#     that exports exactly trainkit_plugin_entry_v1 and makes everything else local, so two plugins that
#     were built with different copies of the SDK's inline code never bind to each other's;
#   - -Wl,--no-undefined: a missing symbol fails the link here, not the dlopen on a user's machine;
#   - no LibTorch unless LINK_TORCH is given; then the plugin must define TK_PLUGIN_LIBTORCH_VERSION
#     (the host refuses a plugin built against another LibTorch).
# OUTPUT_DIRECTORY sets where the .so is written (default: the current binary dir).
include_guard(GLOBAL)

function(trainkit_add_plugin name)
  cmake_parse_arguments(ARG "LINK_TORCH" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "trainkit_add_plugin(${name}): SOURCES is required")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "trainkit_add_plugin(${name}): unexpected arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET TrainkitSDK::sdk)
    message(FATAL_ERROR "trainkit_add_plugin(${name}): no TrainkitSDK::sdk target; "
                        "use find_package(TrainkitSDK) rather than including TrainkitPlugin.cmake alone")
  endif()
  set(version_script "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/trainkit_plugin.version")

  add_library(${name} MODULE ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES
    PREFIX "" OUTPUT_NAME "${name}"
    CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON
    CXX_VISIBILITY_PRESET hidden C_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  endif()
  target_link_libraries(${name} PRIVATE TrainkitSDK::sdk)
  target_link_options(${name} PRIVATE "LINKER:--no-undefined" "LINKER:--version-script=${version_script}")
  # Relink when the export list changes.
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS "${version_script}")
  if(ARG_LINK_TORCH)
    find_package(Torch REQUIRED)
    target_link_libraries(${name} PRIVATE ${TORCH_LIBRARIES})
  endif()
endfunction()
