# cmake -DNM=<nm> -DPLUGINS=<a.so;b.so> -P check_exports.cmake
# Fails unless each plugin's dynamic symbol table defines exactly trainkit_plugin_entry_v1.
foreach(plugin IN LISTS PLUGINS)
  execute_process(COMMAND "${NM}" -D --defined-only "${plugin}"
    OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "nm -D failed on ${plugin}")
  endif()
  string(REGEX MATCHALL "[^\n]+" lines "${out}")
  set(names "")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[0-9a-fA-F]* *[A-Za-z] " "" name "${line}")
    list(APPEND names "${name}")
  endforeach()
  if(NOT names STREQUAL "trainkit_plugin_entry_v1")
    message(FATAL_ERROR "${plugin} exports [${names}], expected only trainkit_plugin_entry_v1")
  endif()
  message(STATUS "${plugin}: exports only trainkit_plugin_entry_v1")
endforeach()
