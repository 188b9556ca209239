# Included by the cross toolchain files: Corrosion is a CMake package of the
# build machine, which a cross build's package search (another system, another
# library architecture) does not look for. Point Corrosion_DIR at the host's
# copy (Debian's corrosion package); without one, CMakeLists.txt fetches it.
if(NOT DEFINED Corrosion_DIR OR NOT Corrosion_DIR)
  file(GLOB _ffi_tasks_host_corrosion
       /usr/local/lib/cmake/Corrosion/CorrosionConfig.cmake
       /usr/local/lib/*/cmake/Corrosion/CorrosionConfig.cmake
       /usr/lib/cmake/Corrosion/CorrosionConfig.cmake
       /usr/lib/*/cmake/Corrosion/CorrosionConfig.cmake
       /usr/share/cmake/Corrosion/CorrosionConfig.cmake)
  if(_ffi_tasks_host_corrosion)
    list(GET _ffi_tasks_host_corrosion 0 _ffi_tasks_host_corrosion)
    get_filename_component(_ffi_tasks_host_corrosion "${_ffi_tasks_host_corrosion}" DIRECTORY)
    set(Corrosion_DIR "${_ffi_tasks_host_corrosion}" CACHE PATH "Corrosion's CMake package (build machine)")
  endif()
endif()
