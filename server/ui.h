// The built-in web UI (ui/ in the source tree: index.html, app.js,
// app.css and the vendored uPlot), compiled into the binary and served by
// `cogwatch run` and the demo. Everything the pages show comes from the
// public HTTP API, as Grafana would see it; this route only hands out the
// files.
//
//   Route ui = ui_route();
//   // GET /            -> 302 to "cog" (relative, so any prefix works)
//   // GET /cog, /alerts, /rules, /targets, /query, /graph, /status -> index.html
//   // GET /static/app.js, /static/vendor/uPlot.iife.min.js, ...  -> the file
//
// The page paths all get index.html, whose script shows the page the path
// names; every URL it uses is relative (pages are one level below the
// root), so links and API calls work wherever cogwatch is mounted
// (--web.route-prefix, a reverse proxy's path). Files are served with
// their content type, `X-Content-Type-Options: nosniff` and
// `Cache-Control: no-cache` with an ETag (If-None-Match answers 304), so
// an upgrade is never hidden by a browser cache; HEAD as GET (the server
// sends the length without the body).
//
// Thread-safety: the route reads constant data; call it from any thread.
#pragma once

#include <string_view>
#include <vector>

#include "server/web.h"

namespace cogwatch::server {

struct UiAsset {
  std::string_view path;  // relative to ui/: "index.html", "vendor/uPlot.min.css"
  std::string_view body;
};

// Every file of the UI (generated at build time by cmake/embed_files.cmake).
const std::vector<UiAsset>& ui_assets();

// The pages index.html answers for.
inline constexpr std::string_view kUiPages[] = {"cog", "alerts", "rules", "targets", "query", "graph", "status"};

Route ui_route();

}  // namespace cogwatch::server
