#!/usr/bin/python3
"""The built-in web UI in a real browser: Debian's headless Chromium driven
by Selenium (chromium-driver, python3-selenium), against `cogwatch run`
scraping cog-sim in its errors scenario with the demo rules, mounted under
a route prefix. Every page loads with no console error; the Cog page's
panels draw data, also for a job that scrapes the latency as a native
histogram; the Query page shows a parse error at its position, a graph for
a good expression, and a native histogram's buckets in its table; the Alerts page shows the firing alert; the
pages fit a phone's width; the theme switches. Screenshots of each page go
to the output directory.

    browser_test.py <cogwatch binary> <source dir> <output dir>
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

binary, source, out_dir = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out_dir, exist_ok=True)
work = tempfile.mkdtemp(prefix="cogwatch-ui-")
procs = []
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, flush=True)


def start(args, log):
    p = subprocess.Popen(args, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    procs.append(p)
    return p


def wait_for(what, pred, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.25)
    raise RuntimeError("timed out waiting for " + what)


def read(path):
    with open(path) as f:
        return f.read()


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.load(r)


driver = None
try:
    start([binary, "cog-sim", "--listen=127.0.0.1:0", "--scenario=errors"], work + "/sim.log")
    sim = wait_for("cog-sim", lambda: re.search(r"127\.0\.0\.1:\d+", read(work + "/sim.log")))
    with open(work + "/cogwatch.yml", "w") as f:
        f.write("global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                "scrape_configs:\n  - job_name: cog\n    static_configs: [{targets: ['%s']}]\n"
                "  - job_name: cog-native\n    scrape_native_histograms: true\n"
                "    static_configs: [{targets: ['%s']}]\n"
                "rule_files: ['%s/examples/rules/cog_demo.yml']\n" % (sim.group(0), sim.group(0), source))
    start([binary, "run", "--config.file=" + work + "/cogwatch.yml", "--web.listen-address=127.0.0.1:0",
           "--storage.tsdb.path=" + work + "/data", "--web.route-prefix=/cw"], work + "/cogwatch.log")
    port = wait_for("cogwatch", lambda: re.search(r"Server is ready to receive web requests\..*?port=(\d+)",
                                                  read(work + "/cogwatch.log"))).group(1)
    base = "http://127.0.0.1:%s/cw/" % port

    def firing():
        alerts = get_json(base + "api/v1/alerts")["data"]["alerts"]
        return any(a["state"] == "firing" and a["labels"]["alertname"] == "PredictionErrorRate" for a in alerts)
    wait_for("PredictionErrorRate to fire", firing, timeout=120)

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1600"):
        options.add_argument(a)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    wait = WebDriverWait(driver, 30)

    def console_errors(page, allowed=None):
        for entry in driver.get_log("browser"):
            if entry["level"] == "SEVERE" and not (allowed and re.search(allowed, entry["message"])):
                fail("%s: console error: %s" % (page, entry["message"]))

    def visit(page, ready, check=None):
        driver.get(base + page)
        try:
            wait.until(lambda d: ready(d))
        except Exception as e:  # noqa: BLE001 - report and go on to the next page
            fail("%s: not ready: %s\n%s" % (page, e, driver.find_element(By.ID, "page").text[:500]))
        if check:
            check()
        console_errors(page)
        driver.save_screenshot(os.path.join(out_dir, page.split("?")[0] + ".png"))

    def panels_drawn(d):
        panels = d.find_elements(By.CSS_SELECTOR, "#page .panel")
        return len(panels) == 9 and all(p.find_elements(By.CSS_SELECTOR, ".uplot, .error, p.muted") for p in panels)

    def check_cog():
        for p in driver.find_elements(By.CSS_SELECTOR, "#page .panel"):
            title = p.find_element(By.TAG_NAME, "h2").text
            if not p.find_elements(By.CSS_SELECTOR, ".uplot canvas"):
                fail("cog: panel %r drew no data: %s" % (title, p.text[:200]))

    visit("cog", panels_drawn, check_cog)
    # Filtered to one instance, whose name has dots (and a colon): the
    # panels still draw.
    instance = get_json(base + "api/v1/label/instance/values?match[]=cog_predict_requests_total")["data"][0]
    visit("cog?instance=" + urllib.parse.quote(instance), panels_drawn, check_cog)
    # The job whose latency is a native histogram: its latency panel draws
    # the quantiles from it.
    visit("cog?job=cog-native", panels_drawn, check_cog)
    visit("alerts", lambda d: d.find_elements(By.CSS_SELECTOR, "#page .state.firing"),
          lambda: "PredictionErrorRate" in driver.find_element(By.ID, "page").text or fail("alerts: no PredictionErrorRate"))
    visit("rules", lambda d: d.find_elements(By.CSS_SELECTOR, "#page table"))
    visit("targets", lambda d: d.find_elements(By.CSS_SELECTOR, "#page .state.up"))
    def check_unused():
        text = driver.find_element(By.ID, "unused").text
        # The demo rules read the entropy gauge; the Cog page's queries (run
        # above) the network counter; nothing the latency histogram's _count.
        if ("cog_predict_latency_seconds_count" not in text or "cog_input_data_entropy" in text
                or "container_network_transmit_bytes_total" in text):
            fail("status: metrics nothing reads: %r" % text[:600])
    visit("status", lambda d: d.find_elements(By.ID, "unused"), check_unused)

    # Query: a parse error shown at its position, then a graph.
    driver.get(base + "query")
    box = wait.until(lambda d: d.find_element(By.ID, "expr"))
    box.send_keys("sum(rate(cog_predict_requests_total[1m])", Keys.ENTER)
    err = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#result .error"))[0].text
    lines = err.split("\n")
    position = re.search(r"(\d+):(\d+): parse error", err)
    if len(lines) < 3 or "^" not in lines[1] or not position:
        fail("query: the parse error has no position: %r" % err)
    elif lines[1].index("^") != int(position.group(2)) - 1:
        fail("query: the caret is not under column %s: %r" % (position.group(2), err))
    # The API answers a bad expression 400, as Prometheus's does; the
    # browser logs that response, which is expected here.
    console_errors("query (parse error)", allowed=r"/cw/api/v1/query - Failed to load resource: .* 400")
    driver.save_screenshot(os.path.join(out_dir, "query-error.png"))
    driver.get(base + "query?tab=graph&expr=" + urllib.parse.quote("sum by (input_type) (rate(cog_predict_requests_total[1m]))"))
    try:
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#graph .uplot canvas"))
    except Exception:  # noqa: BLE001
        fail("query: no graph: " + driver.find_element(By.ID, "page").text[:300])
    console_errors("query")
    driver.save_screenshot(os.path.join(out_dir, "query-graph.png"))

    # A native histogram: its count, sum and buckets in the table; the graph
    # says it does not draw histograms (and draws nothing, without errors).
    native = 'cog_predict_latency_seconds{job="cog-native"}'
    driver.get(base + "query?expr=" + urllib.parse.quote(native))
    try:
        wait.until(lambda d: "vector, 1 result" in d.find_element(By.ID, "result").text)
        cell = driver.find_elements(By.CSS_SELECTOR, "#result td")[1].text
        if not re.match(r"count \d+, sum [0-9.e+]+\n\(0\.000\d+, 0\.00\d+\]: \d+\n", cell):
            fail("query: the histogram's table cell: %r" % cell[:300])
    except Exception as e:  # noqa: BLE001
        fail("query (histogram table): %s %s" % (e, driver.find_element(By.ID, "page").text[:300]))
    console_errors("query (histogram table)")
    driver.save_screenshot(os.path.join(out_dir, "query-histogram.png"))
    driver.get(base + "query?tab=graph&expr=" + urllib.parse.quote(native))
    try:
        note = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#graph [data-histograms]"))[0]
        if note.get_attribute("data-histograms") != "1" or driver.find_elements(By.CSS_SELECTOR, "#graph .uplot"):
            fail("query (histogram graph): %r" % note.text)
    except Exception as e:  # noqa: BLE001
        fail("query (histogram graph): %s %s" % (e, driver.find_element(By.ID, "page").text[:300]))
    console_errors("query (histogram graph)")

    # Explain: the guide's HighCpuUsage as it wrote it compares two sides
    # with different labels; the tree shows both sides with series and
    # the comparison with none.
    guide = ('avg(rate(container_cpu_usage_seconds_total{name=~"cog.*"}[1m])) by (container_name) '
             '> 0.8 * count(node_cpu_seconds_total{mode="idle"}) by (instance)')
    driver.get(base + "query?tab=explain&expr=" + urllib.parse.quote(guide))
    try:
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#explain li") and
                   all(li.get_attribute("data-done") for li in d.find_elements(By.CSS_SELECTOR, "#explain li")))
        root = driver.find_element(By.CSS_SELECTOR, "#explain > li")
        sides = driver.find_elements(By.CSS_SELECTOR, "#explain > li > ul > li")
        if root.get_attribute("data-series") != "0":
            fail("explain: the comparison returned %s series" % root.get_attribute("data-series"))
        if len(sides) != 2 or sides[0].get_attribute("data-series") in (None, "0"):
            fail("explain: the left side: %r" % [x.text for x in sides])
        if "labels: container_name" not in sides[0].text:
            fail("explain: the left side's labels: %r" % sides[0].text)
    except Exception as e:  # noqa: BLE001
        fail("explain: %s: %s" % (e, driver.find_element(By.ID, "page").text[:500]))
    console_errors("query (explain)")
    driver.save_screenshot(os.path.join(out_dir, "query-explain.png"))

    # An alert's generatorURL (Prometheus's /graph?g0.expr=...&g0.tab=1)
    # opens the Query page's table with its expression.
    driver.get(base + "graph?g0.expr=" + urllib.parse.quote("sum(up)") + "&g0.tab=1")
    try:
        wait.until(lambda d: "vector, 1 result" in d.find_element(By.ID, "result").text)
    except Exception:  # noqa: BLE001
        fail("generatorURL: " + driver.find_element(By.ID, "page").text[:300])
    # The page's controls: the Graph button and the range select redraw
    # with their value in the URL.
    try:
        next(b for b in driver.find_elements(By.CSS_SELECTOR, "#page button") if b.text == "Graph").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#graph .uplot canvas"))
        Select(driver.find_element(By.CSS_SELECTOR, "#page select")).select_by_visible_text("5m")
        wait.until(lambda d: "range=300" in d.current_url and "tab=graph" in d.current_url and
                   d.find_elements(By.CSS_SELECTOR, "#graph .uplot canvas"))
    except Exception as e:  # noqa: BLE001
        fail("query controls: %s %s" % (e, driver.current_url))

    # Navigation without reloading, by keyboard: the nav links are links.
    links = driver.find_elements(By.CSS_SELECTOR, "nav a")
    if [l.text for l in links] != ["Cog", "Alerts", "Rules", "Targets", "Query", "Status"]:
        fail("nav: %r" % [l.text for l in links])
    links[1].send_keys(Keys.ENTER)
    wait.until(lambda d: d.current_url.endswith("/cw/alerts"))

    # Dark theme, and a phone's width without sideways scrolling.
    before = driver.execute_script("return document.documentElement.dataset.theme")
    driver.find_element(By.ID, "theme").click()
    after = driver.execute_script("return document.documentElement.dataset.theme")
    if before == after or after not in ("light", "dark"):
        fail("theme: %r -> %r" % (before, after))
    driver.set_window_size(390, 844)
    driver.get(base + "cog")
    wait.until(panels_drawn)
    overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 1:
        fail("phone width: the page is %dpx wider than the screen" % overflow)
    driver.save_screenshot(os.path.join(out_dir, "cog-phone-dark.png"))
    console_errors("cog (phone, dark)")
except Exception as e:  # noqa: BLE001
    fail("%s: %s" % (type(e).__name__, e))
    for log in ("sim.log", "cogwatch.log"):
        if os.path.exists(os.path.join(work, log)):
            print("--- " + log + "\n" + read(os.path.join(work, log))[-3000:])
finally:
    if driver:
        driver.quit()
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
    shutil.rmtree(work, ignore_errors=True)

if failures:
    print("%d failure(s)" % len(failures))
    sys.exit(1)
print("OK: screenshots in " + out_dir)
