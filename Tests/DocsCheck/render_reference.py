"""Opens a generated reference.html in headless Chromium and checks it as a reader would.

It fails (exit 1) when the page logs a console error or throws, asks for anything that is not inside
the file (the page must be self-contained), has a sidebar link without its anchor, or when the search
box does not filter. It saves a PNG screenshot of the page.

Usage: python render_reference.py PAGE.html SCREENSHOT.png
Talks the Chrome DevTools protocol over a WebSocket (websocket-client from PyPI).
"""

import base64
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

import websocket

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="specgen-chromium-")
        self.process = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-port=0", f"--user-data-dir={self.profile}", "--window-size=1280,900", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        url = None
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.process.stderr.readline()
            match = re.search(r"DevTools listening on (ws://\S+)", line)
            if match:
                url = match.group(1)
                break
        if url is None:
            raise SystemExit("chromium did not start its DevTools endpoint")
        self.socket = websocket.create_connection(url, timeout=30)
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        while True:
            reply = json.loads(self.socket.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for event in self.events:
                if event.get("method") == method:
                    return event
            self.socket.settimeout(max(0.1, deadline - time.time()))
            try:
                self.events.append(json.loads(self.socket.recv()))
            except websocket.WebSocketTimeoutException:
                break
        raise RuntimeError(f"timed out waiting for {method}")

    def close(self):
        self.socket.close()
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    page, screenshot = pathlib.Path(sys.argv[1]).resolve(), pathlib.Path(sys.argv[2])
    problems = []
    browser = Browser()
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Page.navigate", {"url": page.as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired")

        def evaluate(expression):
            result = browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)
            if "exceptionDetails" in result:
                problems.append(f"check threw: {expression}: {result['exceptionDetails']}")
                return None
            return result["result"].get("value")

        facts = evaluate("""(() => {
            const links = [...document.querySelectorAll('#sidebar a[href^="#"]')].map(a => a.getAttribute('href'));
            return {
                title: document.title,
                sections: document.querySelectorAll('main section[id]').length,
                sidebarItems: document.querySelectorAll('#sidebar li[data-search]').length,
                brokenLinks: links.filter(href => href !== '#top' && !document.getElementById(href.slice(1))),
                stylesheetRules: [...document.styleSheets].reduce((n, s) => n + s.cssRules.length, 0),
                sidebarWidth: document.getElementById('sidebar').getBoundingClientRect().width,
            };
        })()""")
        print(f"{page.name}: title {facts['title']!r}, {facts['sections']} sections, "
              f"{facts['sidebarItems']} sidebar entries, {facts['stylesheetRules']} CSS rules")
        if not facts["title"]:
            problems.append("the page has no title")
        if facts["sections"] == 0 or facts["sections"] != facts["sidebarItems"]:
            problems.append(f"{facts['sections']} sections but {facts['sidebarItems']} sidebar entries")
        if facts["brokenLinks"]:
            problems.append(f"sidebar links without an anchor: {facts['brokenLinks'][:10]}")
        if facts["stylesheetRules"] == 0 or facts["sidebarWidth"] < 100:
            problems.append("the inline style sheet did not apply")

        # The search box: typing narrows the sidebar and the sections, nonsense shows "No matches."
        search = evaluate("""(() => {
            const input = document.getElementById('search');
            const visible = () => [...document.querySelectorAll('#sidebar li[data-search]')].filter(li => !li.hidden).length;
            const shownSections = () => [...document.querySelectorAll('main section[data-search]')].filter(s => !s.hidden).length;
            const type = (text) => { input.value = text; input.dispatchEvent(new Event('input')); };
            const all = visible();
            const first = document.querySelector('#sidebar li[data-search] a').textContent.trim().split(/\\s+/).pop().toLowerCase();
            type(first);
            const narrowed = visible(), narrowedSections = shownSections();
            type('zz-no-such-thing-zz');
            const none = visible(), noResultsShown = !document.getElementById('no-results').hidden;
            type('');
            return {all, first, narrowed, narrowedSections, none, noResultsShown, restored: visible()};
        })()""")
        print(f"search: {search['all']} entries; {search['first']!r} leaves {search['narrowed']} entries and "
              f"{search['narrowedSections']} sections; nonsense leaves {search['none']}; cleared shows {search['restored']}")
        if not (0 < search["narrowed"] <= search["all"] and search["narrowedSections"] == search["narrowed"]):
            problems.append("searching for an entry's name did not narrow the page to it")
        if search["none"] != 0 or not search["noResultsShown"]:
            problems.append("searching for nonsense did not say 'No matches.'")
        if search["restored"] != search["all"]:
            problems.append("clearing the search did not bring every entry back")

        shot = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False}, session=session)
        data = base64.b64decode(shot["data"])
        screenshot.write_bytes(data)
        print(f"screenshot: {screenshot} ({len(data)} bytes)")
        if not data.startswith(b"\x89PNG") or len(data) < 10_000:
            problems.append("the screenshot is not a rendered page")

        for event in browser.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                problems.append(f"uncaught exception: {params['exceptionDetails'].get('text')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
                problems.append(f"console {params['type']}: {[a.get('value') for a in params.get('args', [])]}")
            elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
                problems.append(f"browser log {params['entry']['level']}: {params['entry'].get('text')}")
            elif method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if not (url.startswith("file://") or url.startswith("data:") or url == "about:blank"):
                    problems.append(f"the page loads something from outside the file: {url}")
    finally:
        browser.close()

    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print("ok: loaded without console errors")


if __name__ == "__main__":
    main()
