#!/usr/bin/env python3
"""Measures the release binary the way the README's "Speed and footprint"
table reports it, and prints every figure of that table but the criterion
ones (scripts/figures.sh runs `cargo bench` for those).

    python3 scripts/figures.py [--bin target/release/prelist] [--runs 11]
                               [--idle-secs 30] [--poll-secs 30]

Each run gets a home, config and data dir of its own in a temporary
directory, and no PRELIST_* or COINGECKO_* variable from the caller, so a
developer's own config or key never changes a figure. The app runs in a
120x40 pseudo-terminal that is its controlling terminal, as in a real one.
Memory figures are the whole process's, from /proc/PID/status.
"""

import argparse
import fcntl
import gzip
import http.server
import json
import os
import select
import statistics
import struct
import subprocess
import tempfile
import termios
import threading
import time
import urllib.parse

COLS, ROWS = 120, 40
# Drawn in the table's first row once the first frame is out.
FIRST_FRAME = b"Gravity"
# Shown in the status column once a poll has priced a coin.
POLLED = b"trading"
TIMEOUT = 10.0


def clean_env(home):
    """The caller's environment without PRELIST_* and COINGECKO_*, with a
    home, config and data dir under `home`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PRELIST_", "COINGECKO_", "XDG_"))
        and k != "NO_COLOR"
    }
    env.update(
        # Only the CoinGecko stub is asked: no exchange list is looked at, so
        # the figures need no network and measure the same work each run.
        PRELIST_EXCHANGES="",
        PRELIST_PREMARKET="",
        PRELIST_DEX="",
        HOME=home,
        XDG_CONFIG_HOME=os.path.join(home, "config"),
        XDG_DATA_HOME=os.path.join(home, "data"),
        TERM="xterm-256color",
    )
    return env


class App:
    """The binary running in a 120x40 pseudo-terminal."""

    def __init__(self, binary, args=(), env=None, config=None, files=None):
        self.home = tempfile.TemporaryDirectory(prefix="prelist-figures-")
        # Files the run starts with, by their path under the home.
        for rel, data in (files or {}).items():
            path = os.path.join(self.home.name, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        if config is not None:
            os.makedirs(os.path.join(self.home.name, "config", "prelist"))
            with open(os.path.join(self.home.name, "config", "prelist", "config.toml"), "w") as f:
                f.write(config)
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.master = master
        self.output = bytearray()
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [binary, *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**clean_env(self.home.name), **(env or {})},
            cwd=self.home.name,
            start_new_session=True,
            # The pty becomes the controlling terminal, so /dev/tty is it.
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
        os.close(slave)
        self.pid = self.proc.pid

    def pump(self, timeout):
        """Reads what the app wrote within `timeout` seconds."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if ready:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                chunk = b""
            self.output += chunk
            return bool(chunk)
        return True

    def wait_for(self, text):
        """Seconds from spawn until `text` was written."""
        deadline = time.perf_counter() + TIMEOUT
        while text not in self.output:
            if time.perf_counter() > deadline:
                raise SystemExit(f"timed out waiting for {text!r}; output: {bytes(self.output[-400:])!r}")
            if not self.pump(0.05):
                raise SystemExit(f"the app exited before writing {text!r}")
        return time.perf_counter() - self.started

    def wait_requests(self, stub, count, seconds, what):
        """Reads what the app writes until `stub` has had `count` requests,
        for at most `seconds`."""
        deadline = time.monotonic() + seconds
        while stub.requests < count:
            if time.monotonic() > deadline:
                raise SystemExit(f"{what}: the stub saw {stub.requests} requests")
            self.pump(0.5)

    def settle(self, seconds):
        """Keeps reading for `seconds`, so the app never blocks on output."""
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            self.pump(min(left, 0.2))

    def quit(self):
        """Quits the screen with q."""
        os.write(self.master, b"q")
        self.wait_exit("the app did not quit on q")

    def stop(self):
        """Ends a headless run (`prelist watch`) as systemd would: SIGTERM."""
        self.proc.terminate()
        self.wait_exit("prelist watch did not stop on SIGTERM")

    def wait_exit(self, failure):
        """Waits for the process to exit with 0, reading what it writes."""
        deadline = time.perf_counter() + TIMEOUT
        while self.proc.poll() is None:
            if time.perf_counter() > deadline:
                self.proc.kill()
                raise SystemExit(failure)
            self.pump(0.05)
        os.close(self.master)
        self.home.cleanup()
        if self.proc.returncode != 0:
            raise SystemExit(f"{self.proc.args[1:2]} exited with {self.proc.returncode}")

    def status(self):
        """/proc/PID/status as a dict of kB values (memory lines only)."""
        out = {}
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if value.strip().endswith("kB"):
                    out[key] = int(value.split()[0])
        return out

    def cpu(self):
        """(utime + stime ticks of every thread, exited ones included;
        context switches by live thread id)."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # Fields 14 and 15 of stat(5); the split starts at field 3.
        ticks = int(fields[11]) + int(fields[12])
        switches = {}
        for task in os.listdir(f"/proc/{self.pid}/task"):
            try:
                with open(f"/proc/{self.pid}/task/{task}/status") as f:
                    for line in f:
                        if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                            switches[task] = switches.get(task, 0) + int(line.split()[1])
            except FileNotFoundError:
                pass
        return ticks, switches

    def threads(self):
        names = []
        for task in sorted(os.listdir(f"/proc/{self.pid}/task"), key=int):
            with open(f"/proc/{self.pid}/task/{task}/comm") as f:
                names.append(f.read().strip())
        return names


def mib(kb):
    return f"{kb / 1024:.1f} MiB"


def print_memory(label, app):
    s = app.status()
    print(
        f"{label}: VmRSS {s['VmRSS']} kB ({mib(s['VmRSS'])}), VmHWM {s['VmHWM']} kB ({mib(s['VmHWM'])}); "
        f"RssAnon {s['RssAnon']} kB, RssFile {s['RssFile']} kB, RssShmem {s['RssShmem']} kB"
    )
    names = app.threads()
    print(f"{label}: {len(names)} threads: {', '.join(names)}")


def print_idle_cpu(label, app, seconds):
    ticks0, switches0 = app.cpu()
    app.settle(seconds)
    ticks1, switches1 = app.cpu()
    # A thread that ended meanwhile (tokio's idle file-write thread, after
    # 10 s) takes its count with it: only the threads alive at the end are
    # counted, each from 0 if it started meanwhile.
    switches = sum(n - switches0.get(t, 0) for t, n in switches1.items())
    ended = len(set(switches0) - set(switches1))
    print(
        f"{label}: {ticks1 - ticks0} CPU ticks (utime+stime) and "
        f"{switches} context switches over {seconds:g} s"
        + (f" ({ended} thread(s) ended meanwhile, not counted)" if ended else "")
    )


class PriceStub(http.server.BaseHTTPRequestHandler):
    """Answers `/simple/price` with a price for every requested id."""

    requests = 0

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if not url.path.endswith("/simple/price"):
            self.send_error(404)
            return
        ids = urllib.parse.parse_qs(url.query).get("ids", [""])[0].split(",")
        body = json.dumps(
            {
                i: {
                    "usd": 0.1234,
                    "usd_market_cap": 12_340_000.0,
                    "usd_24h_change": 1.5,
                    "last_updated_at": int(time.time()),
                }
                for i in ids
                if i
            }
        ).encode()
        type(self).requests += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


# Each exchange's real size (markets in its list), as the README states.
EXCHANGES = {
    "binance": 3_500,
    "gate": 2_500,
    "kraken": 1_200,
    "coinbase": 800,
    "okx": 800,
    "bybit": 700,
}
# The path of each list, as prelist asks for it (the query is ignored here).
LIST_PATHS = {
    "binance": "/api/v3/exchangeInfo",
    "coinbase": "/products",
    "kraken": "/0/public/AssetPairs",
    "okx": "/api/v5/public/instruments",
    "bybit": "/v5/market/instruments-info",
    "gate": "/api/v4/spot/currency_pairs",
}


def realistic_list(exchange, count):
    """A list of `count` markets as `exchange` sends it: the fixture's first
    entry repeated, each copy with a base asset of its own (as
    tests/common/lists.rs builds them for the bench and the tests)."""
    root = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "exchanges")
    with open(os.path.join(root, f"{exchange}.json")) as f:
        body = json.load(f)
    holder, key = {
        "binance": (body, "symbols"),
        "okx": (body, "data"),
        "bybit": (body["result"] if isinstance(body, dict) and "result" in body else body, "list"),
        "kraken": (body, "result"),
    }.get(exchange, (None, None))
    items = body if holder is None else holder[key]
    entry = next(iter(items.values())) if isinstance(items, dict) else items[0]
    entry = dict(entry)
    entry.pop("permissionSets", None)
    text = json.dumps(entry, separators=(",", ":"))
    base = next((b for b in ["NIL", "PRCL", "DOLO", "MOVE", "PEAQ"] if b in text), "NIL")
    copies = [json.loads(text.replace(base, f"Q{i:04}")) for i in range(count)]
    if isinstance(items, dict):
        copies = {f"PAIR{i}": c for i, c in enumerate(copies)}
    if holder is None:
        return json.dumps(copies, separators=(",", ":")).encode()
    holder[key] = copies
    return json.dumps(body, separators=(",", ":")).encode()


def px(i):
    """A price as venues write it: a string of digits that vary."""
    return f"{0.5 + (i * 7919 % 100_000) / 977.0:.6f}"


def venue_answers():
    """The four pre-market venues' answers at real sizes, by (path, query
    mark): Hyperliquid's 230 perps and 300 spot mids (NIL among the perps),
    Bybit's 6 pre-market contracts and OKX's 300 swaps (4 pre-market) with
    their tickers, Binance Pre-Market's 4 symbols and their prices."""
    dump = lambda v: json.dumps(v, separators=(",", ":")).encode()
    perps = ["NIL"] + [f"P{i}" for i in range(229)]
    mids = {p: px(i) for i, p in enumerate(perps)}
    mids.update({f"@{i}": px(i + 230) for i in range(300)})
    bybit = ["PRCL"] + [f"B{i}" for i in range(5)]
    okx = ["DOLO", "O1", "O2", "O3"] + [f"S{i}" for i in range(296)]
    binance = ["PEAQ", "N1", "N2", "N3"]
    return {
        ("/info", "meta"): dump({"universe": [{"szDecimals": 2, "name": p, "maxLeverage": 5} for p in perps]}),
        ("/info", "allMids"): dump(mids),
        ("/v5/market/instruments-info", "PreLaunch"): dump({"retCode": 0, "retMsg": "OK", "result": {"category": "linear", "list": [
            {"symbol": f"{b}USDT", "status": "PreLaunch", "baseCoin": b, "quoteCoin": "USDT", "isPreListing": True,
             "preListingInfo": {"curAuctionPhase": "ContinuousTrading", "phases": []}} for b in bybit]}}),
        ("/v5/market/tickers", ""): dump({"retCode": 0, "result": {"list": [{"symbol": "PRCLUSDT", "lastPrice": "0.21", "preOpenPrice": "0.2"}]}}),
        ("/api/v5/public/instruments", "SWAP"): dump({"code": "0", "msg": "", "data": [
            {"instId": f"{o}-USDT-SWAP", "instType": "SWAP", "uly": f"{o}-USDT", "instFamily": f"{o}-USDT",
             "ruleType": "pre_market" if i < 4 else "normal", "state": "live", "settleCcy": "USDT", "ctVal": "10",
             "ctMult": "1", "ctValCcy": o, "lever": "50", "listTime": "1611916828000", "lotSz": "1", "minSz": "1",
             "tickSz": "0.0001", "maxLmtSz": "100000000", "maxMktSz": "12000"} for i, o in enumerate(okx)]}),
        ("/api/v5/market/ticker", ""): dump({"code": "0", "data": [{"instId": "DOLO-USDT-SWAP", "last": "0.1234"}]}),
        ("/api/v3/exchangeInfo", "PRE_MARKET"): dump({"symbols": [
            {"symbol": f"{b}USDT", "status": "TRADING", "baseAsset": b, "quoteAsset": "USDT",
             "permissionSets": [["PRE_MARKET"]]} for b in binance]}),
        ("/api/v3/ticker/price", ""): dump([{"symbol": f"{b}USDT", "price": px(i)} for i, b in enumerate(binance)]),
    }


class ListStub(http.server.BaseHTTPRequestHandler):
    """Answers each exchange's list path with its realistic list, and each
    pre-market venue's requests with answers of real sizes, gzip when
    asked, as the exchanges do."""

    bodies = {}
    venues = {}
    requests = 0
    venue_requests = 0

    def venue_body(self, path, mark):
        for (p, m), body in self.venues.items():
            if path.endswith(p) and m in mark:
                return body
        return None

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        kind = json.loads(self.rfile.read(length) or b"{}").get("type", "")
        body = self.venue_body(urllib.parse.urlsplit(self.path).path, kind)
        if body is None or kind not in ("meta", "allMids"):
            self.send_error(404)
            return
        type(self).venue_requests += 1
        use_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        self.answer(gzip.compress(body) if use_gzip else body, use_gzip)

    def do_GET(self):
        split = urllib.parse.urlsplit(self.path)
        path = split.path
        query = urllib.parse.unquote(split.query)
        # A pre-market venue's request: by its path and a mark in its query.
        venue = None
        for mark in ("PreLaunch", "SWAP", "PRE_MARKET"):
            if mark in query:
                venue = self.venue_body(path, mark)
        if venue is None and any(path.endswith(p) for p in ("/tickers", "/ticker", "/ticker/price")):
            venue = self.venue_body(path, "")
        if venue is not None:
            type(self).venue_requests += 1
            use_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
            self.answer(gzip.compress(venue) if use_gzip else venue, use_gzip)
            return
        name = next((e for e, p in LIST_PATHS.items() if path.endswith(p)), None)
        if name is None:
            self.send_error(404)
            return
        plain, packed = self.bodies[name]
        use_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        body = packed if use_gzip else plain
        type(self).requests += 1
        self.answer(body, use_gzip)

    def answer(self, body, use_gzip):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if use_gzip:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def with_exchanges(binary, label, args, rounds):
    """prelist run with `args` and every source it has by default: all six
    exchanges, their lists at real sizes from a local stub, looked at every
    60 s, and the four pre-market venues at their default interval (60 s):
    resident memory after each round of looks, and the peak."""
    for name, count in EXCHANGES.items():
        plain = realistic_list(name, count)
        ListStub.bodies[name] = (plain, gzip.compress(plain))
    ListStub.venues = venue_answers()
    ListStub.requests = 0
    ListStub.venue_requests = 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ListStub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    urls = "\n".join(
        f'{name} = "{base}"' for name in [*EXCHANGES, "hyperliquid", "dexscreener"]
    )
    config = f"[sources]\nexchange_interval = 60\n\n[sources.url]\n{urls}\n"
    app = App(
        binary,
        args,
        env={
            "PRELIST_EXCHANGES": ",".join(EXCHANGES),
            "PRELIST_PREMARKET": "hyperliquid,bybit,okx,binance",
            # No coin of the built-in list has a contract: it asks nothing.
            "PRELIST_DEX": "dexscreener",
        },
        config=config,
    )
    after = []
    cpu0 = None
    for r in range(1, rounds + 1):
        if r == 2:
            # From the end of the first round: the looks' steady cost.
            cpu0 = ticks(app.pid)
        app.wait_requests(ListStub, r * len(EXCHANGES), 90, f"round {r}")
        app.settle(3)
        after.append(app.status()["VmRSS"])
    s = app.status()
    print(
        f"{label}, six exchanges at real sizes ({sum(EXCHANGES.values())} markets) and four "
        f"pre-market venues ({ListStub.venue_requests} requests answered), "
        f"{rounds} rounds of looks every 60 s: VmRSS after each round "
        + ", ".join(f"{kb} kB" for kb in after)
        + f"; VmHWM {s['VmHWM']} kB ({mib(s['VmHWM'])})"
        + (
            f"; {ticks(app.pid) - cpu0} CPU ticks (utime+stime) over rounds 2 to {rounds}"
            if cpu0 is not None
            else ""
        )
    )
    app.stop()
    server.shutdown()


def ticks(pid):
    """utime + stime of a process, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def twenty_thousand(a, api, polls=3):
    """prelist watch on 20,000 trading coins with full price histories
    (about CoinGecko's whole universe), every price moving at each poll:
    resident memory after each poll and its save, the peak, and the CPU of
    each poll (80 requests' answers read, the flip rule, the save)."""
    n = 20_000
    now = int(time.time())
    coins = [
        {"rank": i + 1, "name": f"Generated coin {i:05}", "market_id": f"generated-coin-{i:05}"}
        for i in range(n)
    ]
    # A state as an older prelist kept it: taken into state.db at start.
    listings = {
        f"generated-coin-{i:05}": {
            "listed_at": now - 86_400,
            "first_price": 0.1,
            "price_usd": 0.1234,
            "change_24h": 1.5,
            "market_cap": 12_340_000.0,
            "updated_at": now - 3_600,
            "history": [[now - 86_400 + k * 3_600, 0.1 + k / 1e4] for k in range(16)],
        }
        for i in range(n)
    }
    data = os.path.join("data", "prelist")
    files = {
        os.path.join(data, "watchlist.json"): json.dumps({"version": 1, "coins": coins}).encode(),
        os.path.join(data, "state.json"): json.dumps({"version": 1, "listings": listings}).encode(),
    }
    PriceStub.requests = 0
    app = App(a.bin, ["watch", "--interval", "60", "--api-url", api], files=files)
    per_poll = -(-n // 250)
    after, cpu = [], []
    for p in range(1, polls + 1):
        t0 = ticks(app.pid)
        app.wait_requests(PriceStub, p * per_poll, 150, f"poll {p}")
        # The save follows the last answer.
        app.settle(5)
        cpu.append(ticks(app.pid) - t0)
        after.append(app.status()["VmRSS"])
    s = app.status()
    mapped = rss_by_mapping(app.pid)
    print(
        f"prelist watch, {n:,} trading coins with full histories, every price moving, "
        f"{polls} polls every 60 s: VmRSS after each poll and its save "
        + ", ".join(f"{kb} kB" for kb in after)
        + f"; VmHWM {s['VmHWM']} kB ({mib(s['VmHWM'])}); CPU ticks (utime+stime, "
        f"{os.sysconf('SC_CLK_TCK')} a second) from one poll to the end of the next's save: "
        + ", ".join(str(t) for t in cpu[1:])
        + f"; of the last VmRSS: files mapped in {mapped['file']} kB, the main heap "
        f"{mapped['heap']} kB, other anonymous mappings {mapped['anon']} kB"
    )
    app.stop()


def rss_by_mapping(pid):
    """Resident kB of a process by kind of mapping (/proc/PID/smaps): files
    mapped in (the binary, libc), the main heap (brk), and every other
    anonymous mapping (big allocations, other threads' arenas, stacks)."""
    out = {"file": 0, "heap": 0, "anon": 0}
    kind = "anon"
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split()
            if "-" in head[0] and ":" not in head[0]:
                name = head[5] if len(head) > 5 else ""
                kind = "heap" if name == "[heap]" else "file" if name.startswith("/") else "anon"
            elif head[0] == "Rss:":
                out[kind] += int(head[1])
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bin", default="target/release/prelist")
    p.add_argument("--runs", type=int, default=11)
    p.add_argument("--idle-secs", type=float, default=30)
    p.add_argument("--poll-secs", type=float, default=30)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument(
        "--only-sources",
        action="store_true",
        help="only the runs with all six exchanges (the default sources)",
    )
    p.add_argument(
        "--only-20k",
        action="store_true",
        help="only the run of prelist watch on 20,000 trading coins",
    )
    a = p.parse_args()
    # The app runs in its temporary home, so a relative path would not do.
    a.bin = os.path.abspath(a.bin)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PriceStub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    api = f"http://127.0.0.1:{server.server_address[1]}/api/v3"
    if a.only_sources:
        all_sources(a, api)
        return
    if a.only_20k:
        twenty_thousand(a, api)
        return

    size = os.path.getsize(a.bin)
    print(f"binary: {a.bin}, {size} bytes ({size / 1e6:.1f} MB)")

    times = []
    for _ in range(a.runs):
        app = App(a.bin)
        times.append(app.wait_for(FIRST_FRAME) * 1000)
        app.quit()
    times.sort()
    print(
        f"start to first frame, {COLS}x{ROWS} pty, built-in list: median {statistics.median(times):.1f} ms "
        f"of {a.runs} (min {times[0]:.1f}, max {times[-1]:.1f})"
    )

    app = App(a.bin)
    app.wait_for(FIRST_FRAME)
    app.settle(1)
    print_memory(f"idle, built-in list, {COLS}x{ROWS}", app)
    print_idle_cpu("idle, no polling", app, a.idle_secs)
    app.quit()

    app = App(a.bin, ["--poll", "--interval", "60", "--api-url", api])
    app.wait_for(POLLED)
    app.settle(1)
    if PriceStub.requests != 1:
        raise SystemExit(f"expected one poll, the stub saw {PriceStub.requests}")
    print_memory(f"--poll after one poll, built-in list, {COLS}x{ROWS}", app)
    print_idle_cpu("between polls with --poll --interval 60", app, a.poll_secs)
    app.quit()

    PriceStub.requests = 0
    app = App(a.bin, ["watch", "--interval", "60", "--api-url", api])
    app.wait_for(b"listed")
    app.settle(1)
    if PriceStub.requests != 1:
        raise SystemExit(f"expected one poll, the stub saw {PriceStub.requests}")
    print_memory("prelist watch after one poll, built-in list", app)
    print_idle_cpu("prelist watch between polls with --interval 60", app, a.poll_secs)
    app.stop()
    all_sources(a, api)
    twenty_thousand(a, api)
    server.shutdown()


def all_sources(a, api):
    """The defaults a user gets: every source on, the screen and `watch`."""
    if not a.rounds:
        return
    with_exchanges(
        a.bin, "prelist watch", ["watch", "--interval", "60", "--api-url", api], a.rounds
    )
    with_exchanges(
        a.bin,
        f"--poll screen at {COLS}x{ROWS}",
        ["--poll", "--interval", "60", "--api-url", api],
        a.rounds,
    )


if __name__ == "__main__":
    main()
