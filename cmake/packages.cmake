# SPDX-License-Identifier: BSD-3-Clause
# Copyright 2026, libminiasync developers
#
# packages.cmake -- Debian packages made from the build: `cpack -G DEB` in
# the build directory.  One package per install component, split as
# Debian splits a library (pmdk's libpmem2 and libpmem2-dev):
#	libminiasync0		runtime: libminiasync.so.0 and its file
#	libminiasync-dev	dev: the headers, libminiasync.so,
#				libminiasync.pc, the CMake package configs
#				(miniasync and libminiasync), the man pages
#	libminiasync-pmem0	pmem_runtime: libminiasync-pmem.so.0 and its
#				file
#	libminiasync-pmem-dev	pmem_dev: libminiasync-pmem.h,
#				libminiasync-pmem.so, libminiasync-pmem.pc,
#				the export file of miniasync::miniasync-pmem
#	libminiasync-pmemobj0	pmemobj_runtime: libminiasync-pmemobj.so.0
#				and its file
#	libminiasync-pmemobj-dev	pmemobj_dev: libminiasync-pmemobj.h,
#				libminiasync-pmemobj.so, its .pc file, the
#				export file of miniasync::miniasync-pmemobj
# The pmem packages only when libminiasync-pmem is built, the pmemobj ones
# only when libminiasync-pmemobj is.  Nothing else is
# packaged: the tests, the examples and utils/ install nothing, and an
# install() without a component (CMake's "Unspecified") is left out.
#
# The packages install under /usr, with the libraries in Debian's
# multiarch directory (CMAKE_INSTALL_LIBDIR, see the root CMakeLists.txt).
# Their .pc files name that prefix (prefix=/usr), as Debian's do, so that
# pkg-config gives plain system paths, which it leaves out of the flags;
# see packages-pc.cmake.  The CMake package configs stay relative to where
# they lie and so find /usr by themselves.

set(MINIASYNC_DEB_VERSION ${PROJECT_VERSION})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME libminiasync)
set(CPACK_PACKAGE_VENDOR "libminiasync developers")
# each package has a summary of its own (below); a summary for all would be
# put before each of them
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_LIST_DIR}/packages-pc.cmake)

set(CPACK_COMPONENTS_ALL runtime dev)
if(MINIASYNC_HAVE_PMEM)
	list(APPEND CPACK_COMPONENTS_ALL pmem_runtime pmem_dev)
endif()
if(MINIASYNC_HAVE_PMEMOBJ)
	list(APPEND CPACK_COMPONENTS_ALL pmemobj_runtime pmemobj_dev)
endif()

set(CPACK_DEB_COMPONENT_INSTALL ON)
# <name>_<version>_<architecture>.deb, the architecture from dpkg
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_VERSION ${MINIASYNC_DEB_VERSION})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "libminiasync developers")
set(CPACK_DEBIAN_PACKAGE_SOURCE libminiasync)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# a shlibs file in each library package, for dpkg-shlibdeps of the
# programs built on it; it needs readelf and file (cpack adds the ldconfig
# calls, postinst and postrm, by itself)
find_program(MINIASYNC_READELF readelf)
find_program(MINIASYNC_FILE file)
if(MINIASYNC_READELF AND MINIASYNC_FILE)
	set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
	set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
endif()
# the libraries' own dependencies (libc6 ...), where dpkg-shlibdeps is; it
# finds libminiasync.so.0, which libminiasync-pmem needs, in the build
find_program(MINIASYNC_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(MINIASYNC_DPKG_SHLIBDEPS AND MINIASYNC_FILE)
	set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
	set(CPACK_DEBIAN_PMEM_RUNTIME_PACKAGE_SHLIBDEPS ON)
	set(CPACK_DEBIAN_PMEMOBJ_RUNTIME_PACKAGE_SHLIBDEPS ON)
	get_target_property(miniasync_dir miniasync LIBRARY_OUTPUT_DIRECTORY)
	if(NOT miniasync_dir)
		get_target_property(miniasync_dir miniasync BINARY_DIR)
	endif()
	set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${miniasync_dir})
endif()

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME libminiasync0)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION
"asynchronous memory movement with futures
libminiasync copies, moves, sets and flushes memory through a virtual data
mover that does the work on the thread that polls, on worker threads or on
an engine of the program's own, as futures: plain structs that a runtime
waits for, any number at a time, without spinning.
.
This package holds the shared library.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libminiasync-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
	"libminiasync0 (= ${MINIASYNC_DEB_VERSION})")
set(CPACK_DEBIAN_DEV_DESCRIPTION
"asynchronous memory movement with futures - development files
libminiasync copies, moves, sets and flushes memory through a virtual data
mover that does the work on the thread that polls, on worker threads or on
an engine of the program's own, as futures: plain structs that a runtime
waits for, any number at a time, without spinning.
.
This package holds the headers, the pkg-config file, the CMake package
configs (miniasync, and libminiasync as miniasync 0.2.1 named it) and
the man pages.")

set(CPACK_DEBIAN_PMEM_RUNTIME_PACKAGE_NAME libminiasync-pmem0)
set(CPACK_DEBIAN_PMEM_RUNTIME_PACKAGE_SECTION libs)
set(deps "libminiasync0 (= ${MINIASYNC_DEB_VERSION})"
	"libpmem2 (>= 1.12)" "libpmem1 (>= 1.12)")
list(JOIN deps ", " CPACK_DEBIAN_PMEM_RUNTIME_PACKAGE_DEPENDS)
set(CPACK_DEBIAN_PMEM_RUNTIME_DESCRIPTION
"libminiasync movers of persistent memory
libminiasync-pmem gives libminiasync movers for persistent memory mapped
with libpmem2 or libpmem: when a copy's future completes, its bytes are
durable (stored and drained, flushed, or written back with msync(), as
the mapping needs).
.
This package holds the shared library.")

set(CPACK_DEBIAN_PMEM_DEV_PACKAGE_NAME libminiasync-pmem-dev)
set(CPACK_DEBIAN_PMEM_DEV_PACKAGE_SECTION libdevel)
set(deps "libminiasync-pmem0 (= ${MINIASYNC_DEB_VERSION})"
	"libminiasync-dev (= ${MINIASYNC_DEB_VERSION})"
	libpmem2-dev libpmem-dev)
list(JOIN deps ", " CPACK_DEBIAN_PMEM_DEV_PACKAGE_DEPENDS)
set(CPACK_DEBIAN_PMEM_DEV_DESCRIPTION
"libminiasync movers of persistent memory - development files
libminiasync-pmem gives libminiasync movers for persistent memory mapped
with libpmem2 or libpmem: when a copy's future completes, its bytes are
durable (stored and drained, flushed, or written back with msync(), as
the mapping needs).
.
This package holds the header, the pkg-config file and the CMake export
file of miniasync::miniasync-pmem.")

set(CPACK_DEBIAN_PMEMOBJ_RUNTIME_PACKAGE_NAME libminiasync-pmemobj0)
set(CPACK_DEBIAN_PMEMOBJ_RUNTIME_PACKAGE_SECTION libs)
set(deps "libminiasync0 (= ${MINIASYNC_DEB_VERSION})"
	"libpmemobj1 (>= 1.12)" "libpmem1 (>= 1.12)")
list(JOIN deps ", " CPACK_DEBIAN_PMEMOBJ_RUNTIME_PACKAGE_DEPENDS)
set(CPACK_DEBIAN_PMEMOBJ_RUNTIME_DESCRIPTION
"libminiasync mover of libpmemobj pools
libminiasync-pmemobj gives libminiasync a mover into a libpmemobj pool:
when a copy's future completes, its bytes are durable (stored with the
pool's functions and drained, or written back with msync(), as the pool
needs), and operations in flight together share the drains and
write-backs.
.
This package holds the shared library.")

set(CPACK_DEBIAN_PMEMOBJ_DEV_PACKAGE_NAME libminiasync-pmemobj-dev)
set(CPACK_DEBIAN_PMEMOBJ_DEV_PACKAGE_SECTION libdevel)
set(deps "libminiasync-pmemobj0 (= ${MINIASYNC_DEB_VERSION})"
	"libminiasync-dev (= ${MINIASYNC_DEB_VERSION})"
	libpmemobj-dev)
list(JOIN deps ", " CPACK_DEBIAN_PMEMOBJ_DEV_PACKAGE_DEPENDS)
set(CPACK_DEBIAN_PMEMOBJ_DEV_DESCRIPTION
"libminiasync mover of libpmemobj pools - development files
libminiasync-pmemobj gives libminiasync a mover into a libpmemobj pool:
when a copy's future completes, its bytes are durable (stored with the
pool's functions and drained, or written back with msync(), as the pool
needs), and operations in flight together share the drains and
write-backs.
.
This package holds the header, the pkg-config file and the CMake export
file of miniasync::miniasync-pmemobj.")

include(CPack)
