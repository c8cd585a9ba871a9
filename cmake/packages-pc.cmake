# SPDX-License-Identifier: BSD-3-Clause
# Copyright 2026, libminiasync developers
#
# packages-pc.cmake -- run by cpack (CPACK_PRE_BUILD_SCRIPTS) on the staged
# files, before the packages are made: the .pc files name their prefix,
# CPACK_PACKAGING_INSTALL_PREFIX, instead of finding it from where they
# lie.  A package is installed at one place only, and pkg-config leaves
# system paths (-I/usr/include, -L/usr/lib/<multiarch>) out of the flags
# only when they are written plainly; ${pcfiledir}/../../.. is not.

file(GLOB_RECURSE pc_files
	"${CPACK_TEMPORARY_DIRECTORY}/*.pc")
if(NOT pc_files)
	message(FATAL_ERROR "packages-pc.cmake: no .pc file under "
		"${CPACK_TEMPORARY_DIRECTORY}")
endif()
foreach(pc ${pc_files})
	file(READ ${pc} text)
	string(REGEX REPLACE "^prefix=\\\${pcfiledir}/[^\n]*"
		"prefix=${CPACK_PACKAGING_INSTALL_PREFIX}" new_text "${text}")
	if(new_text STREQUAL text)
		message(FATAL_ERROR "packages-pc.cmake: ${pc} has no "
			"prefix=\${pcfiledir}/... line")
	endif()
	file(WRITE ${pc} "${new_text}")
endforeach()
