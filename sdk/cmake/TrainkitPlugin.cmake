# trainkit_add_plugin(<name> SOURCES <files>... [LINK_TORCH] [OUTPUT_DIRECTORY <dir>])
#
# Builds one extension plugin as a MODULE library: hidden visibility, only trainkit_plugin_entry_v1
# exported (version script), -Wl,--no-undefined (a plugin reaches the host only through vtables).
# Plugins do not link LibTorch unless LINK_TORCH is given; then they must define TK_PLUGIN_LIBTORCH_VERSION.
include_guard(GLOBAL)

function(trainkit_add_plugin name)
  cmake_parse_arguments(ARG "LINK_TORCH" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "trainkit_add_plugin(${name}): SOURCES is required")
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES
    PREFIX "" OUTPUT_NAME "${name}"
    CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON
    CXX_VISIBILITY_PRESET hidden C_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  endif()
  if(TARGET TrainkitSDK::sdk)
    target_link_libraries(${name} PRIVATE TrainkitSDK::sdk)
  else()
    target_link_libraries(${name} PRIVATE trainkit_sdk)
  endif()
  target_link_options(${name} PRIVATE
    "LINKER:--no-undefined"
    "LINKER:--version-script=${CMAKE_CURRENT_FUNCTION_LIST_DIR}/trainkit_plugin.version")
  if(ARG_LINK_TORCH)
    find_package(Torch REQUIRED)
    target_link_libraries(${name} PRIVATE ${TORCH_LIBRARIES})
  endif()
endfunction()
