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

# RE2: label matchers (model/), relabelling (net/).
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

# cogwatch_require_config(<find_package name> <what> <Debian package> [args])
macro(cogwatch_require_config name what package)
  find_package(${name} ${ARGN} QUIET CONFIG)
  if(NOT ${name}_FOUND)
    cogwatch_missing("${what}" "${package}")
  endif()
endmacro()

cogwatch_require_config(pegtl "taocpp PEGTL 3.x" "tao-pegtl-dev" 3.2)
cogwatch_require_config(yaml-cpp "yaml-cpp" "libyaml-cpp-dev")
cogwatch_require_config(CLI11 "CLI11" "libcli11-dev")
cogwatch_require_config(fmt "fmt" "libfmt-dev")
cogwatch_require_config(spdlog "spdlog" "libspdlog-dev")

# OpenSSL: MD5 for hashmod relabelling, base64 for Basic auth, TLS for the HTTP client.
find_package(OpenSSL QUIET)
if(NOT OpenSSL_FOUND)
  cogwatch_missing("OpenSSL" "libssl-dev")
endif()

# libxcrypt: bcrypt for --web.config.file's basic_auth_users.
find_path(CRYPT_INCLUDE_DIR crypt.h)
find_library(CRYPT_LIBRARY crypt)
if(NOT CRYPT_INCLUDE_DIR OR NOT CRYPT_LIBRARY)
  cogwatch_missing("libxcrypt (crypt.h, libcrypt)" "libcrypt-dev")
endif()
add_library(cogwatch::crypt INTERFACE IMPORTED)
target_include_directories(cogwatch::crypt INTERFACE ${CRYPT_INCLUDE_DIR})
target_link_libraries(cogwatch::crypt INTERFACE ${CRYPT_LIBRARY})

find_package(ZLIB QUIET)
if(NOT ZLIB_FOUND)
  cogwatch_missing("zlib" "zlib1g-dev")
endif()

if(COGWATCH_BUILD_TESTS)
  cogwatch_require_config(GTest "GoogleTest/GoogleMock" "libgtest-dev libgmock-dev")
endif()
if(COGWATCH_BUILD_BENCH)
  cogwatch_require_config(benchmark "Google Benchmark" "libbenchmark-dev")
endif()

# Protocol Buffers and Snappy: remote write's wire format (remote/).
find_package(Protobuf QUIET)
if(NOT Protobuf_FOUND OR NOT Protobuf_PROTOC_EXECUTABLE)
  cogwatch_missing("Protocol Buffers (library and protoc)" "libprotobuf-dev protobuf-compiler")
endif()
cogwatch_require_config(Snappy "Snappy" "libsnappy-dev")
