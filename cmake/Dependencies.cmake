# Finds every library cogwatch uses. Each comes from one Debian package; when
# one is missing, configuration stops and names the package to install
# (scripts/setup-deps.sh installs them all).

function(cogwatch_missing what package)
  message(FATAL_ERROR
    "cogwatch: ${what} not found. Install the Debian package '${package}' "
    "(run scripts/setup-deps.sh to install every dependency).")
endfunction()

find_package(PkgConfig QUIET)
if(NOT PkgConfig_FOUND)
  cogwatch_missing("pkg-config" "pkg-config")
endif()
find_package(Threads REQUIRED)

# RE2: label matchers (model/), relabelling (scrape/).
pkg_check_modules(RE2 QUIET IMPORTED_TARGET re2)
if(NOT RE2_FOUND)
  cogwatch_missing("RE2" "libre2-dev")
endif()
add_library(cogwatch::re2 ALIAS PkgConfig::RE2)

# xxHash: label-set hashes, as Prometheus uses.
pkg_check_modules(XXHASH QUIET IMPORTED_TARGET libxxhash)
if(NOT XXHASH_FOUND)
  cogwatch_missing("xxHash" "libxxhash-dev")
endif()
add_library(cogwatch::xxhash ALIAS PkgConfig::XXHASH)

# Boost 1.81: Asio/Beast (header-only), unordered_flat_map, JSON, URL.
find_package(Boost 1.81 QUIET CONFIG COMPONENTS json url)
if(NOT Boost_FOUND)
  cogwatch_missing("Boost 1.81 with Boost.JSON and Boost.URL"
                   "libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev")
endif()

find_package(pegtl 3.2 QUIET CONFIG)
if(NOT pegtl_FOUND)
  cogwatch_missing("taocpp PEGTL 3.x" "tao-pegtl-dev")
endif()

find_package(yaml-cpp QUIET CONFIG)
if(NOT yaml-cpp_FOUND)
  cogwatch_missing("yaml-cpp" "libyaml-cpp-dev")
endif()

find_package(ZLIB QUIET)
if(NOT ZLIB_FOUND)
  cogwatch_missing("zlib" "zlib1g-dev")
endif()

find_package(CLI11 QUIET CONFIG)
if(NOT CLI11_FOUND)
  cogwatch_missing("CLI11" "libcli11-dev")
endif()

find_package(fmt QUIET CONFIG)
if(NOT fmt_FOUND)
  cogwatch_missing("fmt" "libfmt-dev")
endif()

find_package(spdlog QUIET CONFIG)
if(NOT spdlog_FOUND)
  cogwatch_missing("spdlog" "libspdlog-dev")
endif()

if(COGWATCH_BUILD_TESTS)
  find_package(GTest QUIET CONFIG)
  if(NOT GTest_FOUND)
    cogwatch_missing("GoogleTest/GoogleMock" "libgtest-dev libgmock-dev")
  endif()
endif()

if(COGWATCH_BUILD_BENCH)
  find_package(benchmark QUIET CONFIG)
  if(NOT benchmark_FOUND)
    cogwatch_missing("Google Benchmark" "libbenchmark-dev")
  endif()
endif()
