#!/usr/bin/python3
"""Desktop footprint of the release build (issue 7; docs/benchmarks.md, "Desktop footprint").

    scripts/footprint.py                  # or: make footprint
    scripts/footprint.py --cpu-minutes 1  # a quick run (default: 10 idle minutes)
    scripts/footprint.py --skip-build     # the binaries already built
    make footprint FOOTPRINT_ARGS="--cpu-minutes 1 --launches 3"

Measures, on a virtual display (Xvfb) with its own session bus, in three situations:
  baseline  an empty Tauri window (`cargo build --release -p hod-desktop --example
            empty_window`: the app's tauri, features and release profile, one static page);
  idle      the app signed in as the demo agent `ana` against a local hod-server (SQLite,
            `seed-demo`), showing Manage Referrals, nothing arriving;
  10k       the same with 10,000 past referrals in the agent's cache file;
- memory of every process of the app (the main process and all its descendants: the
  WebKitWebProcess, WebKitNetworkProcess, ...): RSS and PSS from /proc/PID/smaps_rollup,
  the median of the launches, sampled --settle seconds after the window is mapped;
- launch -> window: from starting the process to the X server's MapNotify of its window (an
  event, no polling), and to the page's first load (the app logs "window content loaded";
  the baseline "page loaded"); median of --launches launches;
- CPU over --cpu-minutes idle minutes of the signed-in app (utime + stime of all its
  processes from /proc/PID/stat, as a percentage of one core), with context switches per
  second as the wake-up count;
- the .deb from `make package` if it was built (size, the desktop entry's MimeType).

Signing in without typing: `cargo run -p hod-client --example footprint_seed` logs in through
hod-client as the app's login does (token file, session file, first sync) into the data folder
the app is then started on; for `10k` it adds the referrals to that cache file through
hod-client's `Cache::apply_snapshot`, keeping the server's cursor. The tokens are kept in a
file (HOD_TOKEN_STORE=file): the virtual session has no keychain.

Results: printed, and written to target/footprint/footprint.json with the logs and a
screenshot of each situation.
"""

import argparse
import json
import os
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "target" / "footprint"
APP = ROOT / "target" / "release" / "help-on-demand"
BASELINE = ROOT / "target" / "release" / "examples" / "empty_window"
SERVER = ROOT / "target" / "debug" / "hod-server"
SEED = ROOT / "target" / "debug" / "examples" / "footprint_seed"
USERNAME = "ana"
PASSWORD = "Ana#Demo2027"
MIB = 1024 * 1024
CLK_TCK = os.sysconf("SC_CLK_TCK")
TARGETS = {
    "pss_above_baseline_mib": 30.0,
    "idle_cpu_percent": 0.2,
    "launch_to_window_ms": 500.0,
    "deb_mib": 8.0,
}


def log(message):
    print(f"footprint: {message}", flush=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cpu-minutes", type=float,
                        default=float(os.environ.get("FOOTPRINT_CPU_MINUTES", "10")),
                        help="idle CPU measurement length in minutes (default 10)")
    parser.add_argument("--cpu-baseline", action="store_true",
                        help="also measure the empty window's idle CPU for as long")
    parser.add_argument("--launches", type=int, default=5,
                        help="launches per situation (medians; default 5)")
    parser.add_argument("--settle", type=float, default=15.0,
                        help="seconds between the window shown and the memory sample")
    parser.add_argument("--referrals", type=int, default=10000,
                        help="referrals in the cache of the large situation")
    parser.add_argument("--skip-build", action="store_true",
                        help="use the binaries already in target/")
    parser.add_argument("--app", type=Path, default=APP,
                        help="the app binary to measure (default: the release build)")
    parser.add_argument("--mappings", type=int, default=0, metavar="N",
                        help="also print each process's N largest mappings by PSS")
    parser.add_argument("--json", type=Path, default=OUT / "footprint.json")
    return parser.parse_args()


# ---- outside the virtual display: build, then run again inside ---------------------------


def outer(args):
    for tool in ("xvfb-run", "dbus-run-session", "import", "dpkg-deb"):
        if not shutil.which(tool):
            sys.exit(f"footprint: {tool} is missing (make packages installs it)")
    try:
        import Xlib  # noqa: F401  (python3-xlib)
    except ImportError:
        sys.exit("footprint: python3-xlib is missing (make packages installs it)")
    if not args.skip_build:
        run(["make", "ui"])  # tauri build runs `npm run build` too; this installs ui/ first
        # The app as `make package` builds it (same command, so the binary measured is the one
        # bundled and a later `make package` does not compile it again), and the baseline with
        # the same release profile. Two commands: building the example with the binary would
        # bring the package's dev-dependencies into the binary's feature set.
        run(["ui/node_modules/.bin/tauri", "build", "--no-bundle"])
        run(["cargo", "build", "--release", "--locked", "-p", "hod-desktop",
             "--example", "empty_window"])
        # The server and the sign-in helper: debug, as the end-to-end tests use them; their
        # speed is not what is measured.
        run(["cargo", "build", "--locked", "-p", "hod-server", "--bin", "hod-server"])
        run(["cargo", "build", "--locked", "-p", "hod-client", "--example", "footprint_seed"])
    for binary in (args.app, BASELINE, SERVER, SEED):
        if not binary.exists():
            sys.exit(f"footprint: {binary} is missing (run without --skip-build)")
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    env = dict(os.environ, FOOTPRINT_INNER="1")
    command = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "dbus-run-session", "--",
               sys.executable, str(Path(__file__).resolve())] + sys.argv[1:]
    sys.exit(subprocess.call(command, env=env))


def run(command):
    log("$ " + " ".join(command))
    subprocess.run(command, cwd=ROOT, check=True)


# ---- /proc ---------------------------------------------------------------------------------


def descendants(pid):
    """`pid` and every process below it, found from each process's parent in /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def comm(pid):
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def memory(pid):
    """RSS and PSS in bytes of every process of the tree, by process."""
    rows = []
    for p in descendants(pid):
        try:
            text = Path(f"/proc/{p}/smaps_rollup").read_text()
        except OSError:
            continue
        values = dict(re.findall(r"^(\w+):\s+(\d+) kB", text, re.M))
        rows.append({"pid": p, "name": comm(p), "rss": int(values.get("Rss", 0)) * 1024,
                     "pss": int(values.get("Pss", 0)) * 1024,
                     "pss_anon": int(values.get("Pss_Anon", 0)) * 1024,
                     "pss_file": int(values.get("Pss_File", 0)) * 1024})
    return {"processes": rows, "rss": sum(r["rss"] for r in rows),
            "pss": sum(r["pss"] for r in rows)}


def mappings(pid):
    """PSS and anonymous RSS in bytes by mapped file (or "[heap]", "[anonymous]", ...) of each
    process of the tree, by process name: where a process's PSS goes. Per mapping the kernel
    gives anonymous RSS, not its proportional share (`Pss_Anon` is only in smaps_rollup)."""
    found = {}
    for p in descendants(pid):
        try:
            text = Path(f"/proc/{p}/smaps").read_text()
        except OSError:
            continue
        by_path, current = {}, None
        for line in text.splitlines():
            head = re.match(r"^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$", line)
            if head:
                current = by_path.setdefault(head.group(1) or "[anonymous]", [0, 0])
                continue
            field = re.match(r"^(Pss|Anonymous):\s+(\d+) kB", line)
            if field and current is not None:
                current[0 if field.group(1) == "Pss" else 1] += int(field.group(2)) * 1024
        found.setdefault(comm(p), []).append(by_path)
    merged = {}
    for name, maps in found.items():
        total = {}
        for by_path in maps:
            for path, (pss, anon) in by_path.items():
                row = total.setdefault(path, [0, 0])
                row[0] += pss
                row[1] += anon
        merged[name] = sorted(([path, pss, anon] for path, (pss, anon) in total.items()),
                              key=lambda r: -r[1])
    return merged


def cpu_sample(pid):
    """utime + stime (clock ticks) and context switches of every process of the tree."""
    sample = {}
    for p in descendants(pid):
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            ticks = int(fields[11]) + int(fields[12])
            threads = {}
            for task in os.listdir(f"/proc/{p}/task"):
                try:
                    status = Path(f"/proc/{p}/task/{task}/status").read_text()
                except OSError:
                    continue
                threads[task] = sum(int(n) for n in re.findall(r"ctxt_switches:\s+(\d+)", status))
        except (OSError, ValueError):
            continue
        sample[p] = {"name": comm(p), "ticks": ticks, "threads": threads}
    return sample


def switches_between(start, end):
    """Context switches of the threads alive at the end (a thread's own count since the start,
    or since it began)."""
    before = start.get("threads", {}) if start else {}
    return sum(n - before.get(tid, 0) for tid, n in end["threads"].items())


# ---- launching -----------------------------------------------------------------------------


class Launch:
    """One run of a binary: its output timed line by line, its window's MapNotify."""

    def __init__(self, display, binary, env, loaded_marker, log_path):
        from Xlib import X

        self.display = display
        self.loaded_marker = loaded_marker
        self.loaded_at = None
        self.mapped_at = None
        self.log = open(log_path, "a")
        self.log.write(f"---- {binary} ----\n")
        while display.pending_events():
            display.next_event()
        self.started_at = time.monotonic()
        # The app logs (tracing) to standard output, the baseline to standard error: both.
        self.process = subprocess.Popen([str(binary)], env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self.reader = threading.Thread(target=self._read_output, daemon=True)
        self.reader.start()
        deadline = self.started_at + 30
        net_wm_pid = display.intern_atom("_NET_WM_PID")
        while self.mapped_at is None:
            left = deadline - time.monotonic()
            if left <= 0 or self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"{binary.name}: no window within 30 s")
            if not display.pending_events():
                select.select([display.fileno()], [], [], min(left, 0.5))
            while display.pending_events():
                event = display.next_event()
                if event.type != X.MapNotify or event.override:
                    continue
                at = time.monotonic()
                try:
                    owner = event.window.get_full_property(net_wm_pid, X.AnyPropertyType)
                    geometry = event.window.get_geometry()
                except Exception:  # the window may be gone already
                    continue
                if owner and owner.value[0] == self.process.pid and geometry.width >= 400:
                    self.mapped_at = at
                    break

    def _read_output(self):
        for raw in self.process.stdout:
            line = raw.decode(errors="replace")
            at = time.monotonic()
            self.log.write(f"[{(at - self.started_at) * 1000:9.1f} ms] {line}")
            if self.loaded_at is None and self.loaded_marker in line:
                self.loaded_at = at

    @property
    def pid(self):
        return self.process.pid

    def map_ms(self):
        return (self.mapped_at - self.started_at) * 1000

    def wait_loaded(self, timeout=30):
        deadline = time.monotonic() + timeout
        while self.loaded_at is None and time.monotonic() < deadline:
            time.sleep(0.05)
        return None if self.loaded_at is None else (self.loaded_at - self.started_at) * 1000

    def stop(self):
        tree = descendants(self.process.pid)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        # The WebKit processes leave when their parent does; make sure before the next launch
        # (the app is single-instance).
        deadline = time.monotonic() + 5
        for p in tree[1:]:
            while Path(f"/proc/{p}").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        self.reader.join(timeout=5)
        self.log.close()


# ---- inside the virtual display ------------------------------------------------------------


def inner(args):
    from Xlib import X, display as xdisplay

    run_dir = Path(tempfile.mkdtemp(prefix="hod-footprint."))
    server = None
    try:
        server, base = start_server(run_dir)
        log(f"server at {base}")
        display = xdisplay.Display()
        display.screen().root.change_attributes(event_mask=X.SubstructureNotifyMask)
        display.flush()

        data_dirs = {}
        for name, referrals in (("idle", 0), ("large", args.referrals)):
            data = run_dir / name
            env = dict(os.environ, HOD_PASSWORD=PASSWORD, HOD_TOKEN_STORE="file")
            seeded = subprocess.run([str(SEED), base, str(data / "app-data"), USERNAME,
                                     str(referrals)], env=env, capture_output=True, text=True)
            if seeded.returncode != 0:
                raise RuntimeError(f"footprint_seed: {seeded.stderr.strip()}")
            log(seeded.stdout.strip())
            data_dirs[name] = data
        large = f"{args.referrals // 1000}k" if args.referrals % 1000 == 0 else "large"
        situations = [
            ("baseline", BASELINE, run_dir / "baseline", "empty_window: page loaded"),
            ("idle", args.app, data_dirs["idle"], "window content loaded"),
            (large, args.app, data_dirs["large"], "window content loaded"),
        ]

        results = {"machine": machine(),
                   "settings": vars(args) | {"json": str(args.json), "app": str(args.app)},
                   "server": "target/debug/hod-server, SQLite, seed-demo", "situations": {}}
        for name, binary, data, marker in situations:
            results["situations"][name] = measure_launches(
                display, name, binary, app_env(data, base), marker, args)

        results["cpu"] = {"idle": measure_cpu(display, args.app, app_env(data_dirs["idle"], base),
                                              "window content loaded", args, "idle")}
        if args.cpu_baseline:
            results["cpu"]["baseline"] = measure_cpu(
                display, BASELINE, app_env(run_dir / "baseline", base),
                "empty_window: page loaded", args, "baseline")
        results["deb"] = deb()
        report(results, args)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        shown = args.json.resolve()
        log(f"written {shown.relative_to(ROOT) if shown.is_relative_to(ROOT) else shown}")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        for path in run_dir.glob("*.log"):
            shutil.copy(path, OUT / path.name)
        shutil.rmtree(run_dir, ignore_errors=True)


def start_server(run_dir):
    database = f"sqlite://{run_dir}/hod.sqlite3"
    subprocess.run([str(SERVER), "--database", database, "seed-demo"], check=True,
                   stdout=subprocess.DEVNULL)
    out = open(run_dir / "server.log", "w")
    env = dict(os.environ, HOD_DATABASE=database, HOD_LISTEN="127.0.0.1:0")
    server = subprocess.Popen([str(SERVER), "serve"], env=env, stdout=out,
                              stderr=subprocess.STDOUT)
    for _ in range(300):
        text = (run_dir / "server.log").read_text()
        found = re.search(r"^listening on (\S+)", text, re.M)
        if found:
            return server, found.group(1)
        if server.poll() is not None:
            raise RuntimeError("the server did not start:\n" + text)
        time.sleep(0.1)
    raise RuntimeError("the server did not report its address")


def app_env(data, base):
    """The app's environment: its data folder, the server, and XDG folders of its own (the
    window-state file, WebKit's caches), kept across the launches of one situation."""
    env = dict(os.environ, HOD_DATA_DIR=str(data / "app-data"), HOD_SERVER_URL=base,
               HOD_USERNAME=USERNAME, HOD_TOKEN_STORE="file", HOD_LOG="info",
               XDG_CONFIG_HOME=str(data / "config"), XDG_CACHE_HOME=str(data / "cache"),
               XDG_DATA_HOME=str(data / "share"))
    env.pop("HOD_PASSWORD", None)
    for key in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        Path(env[key]).mkdir(parents=True, exist_ok=True)
    return env


def measure_launches(display, name, binary, env, marker, args):
    launches = []
    for i in range(args.launches):
        launch = Launch(display, binary, env, marker, OUT / f"{name}.log")
        try:
            loaded = launch.wait_loaded()
            time.sleep(args.settle)
            mem = memory(launch.pid)
            maps = mappings(launch.pid)
            if i == 0:
                subprocess.run(["import", "-window", "root", str(OUT / f"{name}.png")],
                               check=False)
            launches.append({"map_ms": round(launch.map_ms(), 1),
                             "loaded_ms": None if loaded is None else round(loaded, 1),
                             "rss": mem["rss"], "pss": mem["pss"],
                             "processes": mem["processes"], "mappings": maps})
            log(f"{name} #{i + 1}: window {launch.map_ms():.0f} ms, loaded "
                f"{'-' if loaded is None else f'{loaded:.0f} ms'}, RSS {mem['rss'] / MIB:.1f} "
                f"MiB, PSS {mem['pss'] / MIB:.1f} MiB")
        finally:
            launch.stop()
        time.sleep(1)
    loaded = [x["loaded_ms"] for x in launches if x["loaded_ms"] is not None]
    median_pss = statistics.median(x["pss"] for x in launches)
    typical = min(launches, key=lambda x: abs(x["pss"] - median_pss))
    return {
        "load_average": os.getloadavg(),
        "launches": launches,
        "map_ms_median": statistics.median(x["map_ms"] for x in launches),
        "loaded_ms_median": statistics.median(loaded) if loaded else None,
        "rss_median": statistics.median(x["rss"] for x in launches),
        "pss_median": median_pss,
        # By process, from the launch whose total PSS is the median.
        "by_process": by_name(typical["processes"]),
        "mappings": typical["mappings"],
    }


def by_name(processes):
    names = {}
    for row in processes:
        entry = names.setdefault(row["name"], {"count": 0, "rss": 0, "pss": 0, "pss_anon": 0,
                                               "pss_file": 0})
        entry["count"] += 1
        for key in ("rss", "pss", "pss_anon", "pss_file"):
            entry[key] += row[key]
    return names


def measure_cpu(display, binary, env, marker, args, name):
    seconds = args.cpu_minutes * 60
    launch = Launch(display, binary, env, marker, OUT / f"cpu-{name}.log")
    try:
        launch.wait_loaded()
        time.sleep(max(args.settle, 30))
        log(f"{name}: idle CPU over {args.cpu_minutes:g} min ...")
        before, t0 = cpu_sample(launch.pid), time.monotonic()
        time.sleep(seconds)
        after, t1 = cpu_sample(launch.pid), time.monotonic()
        mem = memory(launch.pid)
    finally:
        launch.stop()
    elapsed = t1 - t0
    processes = []
    for pid, end in after.items():
        start = before.get(pid)
        ticks = end["ticks"] - (start["ticks"] if start else 0)
        processes.append({"pid": pid, "name": end["name"],
                          "cpu_percent": ticks / CLK_TCK / elapsed * 100,
                          "switches_per_s": switches_between(start, end) / elapsed,
                          "new": start is None})
    total = sum(p["cpu_percent"] for p in processes)
    log(f"{name}: idle CPU {total:.3f} % of one core over {elapsed:.0f} s")
    return {"seconds": round(elapsed, 1), "cpu_percent": total,
            "switches_per_s": sum(p["switches_per_s"] for p in processes),
            "gone": [before[p]["name"] for p in before if p not in after],
            "processes": processes, "rss_after": mem["rss"], "pss_after": mem["pss"]}


def deb():
    debs = sorted((ROOT / "target" / "release" / "bundle" / "deb").glob("*.deb"))
    if not debs:
        return None
    path = debs[-1]
    fields = subprocess.run(["dpkg-deb", "-f", str(path), "Installed-Size", "Depends"],
                            capture_output=True, text=True).stdout
    listing = subprocess.run(["dpkg-deb", "-c", str(path)], capture_output=True,
                             text=True).stdout
    desktop = subprocess.run(
        f"dpkg-deb --fsys-tarfile '{path}' | tar -xO --wildcards '*usr/share/applications/*.desktop'",
        shell=True, capture_output=True, text=True).stdout
    mime = re.search(r"^MimeType=(.*)$", desktop, re.M)
    members = subprocess.run(["ar", "t", str(path)], capture_output=True, text=True).stdout
    files = []
    for line in listing.splitlines():
        parts = line.split(None, 5)
        if len(parts) == 6 and not parts[0].startswith("d"):
            files.append({"path": parts[5], "size": int(parts[2])})
    return {"path": str(path.relative_to(ROOT)), "size": path.stat().st_size,
            "built": time.strftime("%Y-%m-%d %H:%M", time.localtime(path.stat().st_mtime)),
            "fields": fields.strip(), "members": members.split(),
            "files": sorted(files, key=lambda f: -f["size"]),
            "mime_type": mime.group(1) if mime else None,
            "registers_hod_scheme": bool(mime and "x-scheme-handler/hod;" in mime.group(1))}


def machine():
    cpu = re.search(r"^model name\s*:\s*(.*)$", Path("/proc/cpuinfo").read_text(), re.M)
    mem = re.search(r"^MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text(), re.M)
    webkit = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libwebkit2gtk-4.1-0"],
                            capture_output=True, text=True).stdout
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu.group(1) if cpu else "?", "cores": os.cpu_count(),
            "memory_gib": round(int(mem.group(1)) / 1024 / 1024, 1) if mem else None,
            "kernel": os.uname().release, "webkit2gtk": webkit, "commit": commit,
            "date": time.strftime("%Y-%m-%d %H:%M"), "load_average": os.getloadavg()}


def report(results, args):
    s = results["situations"]
    names = list(s)
    print()
    m = results["machine"]
    print(f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, kernel "
          f"{m['kernel']}, WebKitGTK {m['webkit2gtk']}, commit {m['commit']}, {m['date']}")
    print()
    print(f"{'':28}" + "".join(f"{n:>14}" for n in names))
    rows = [
        ("RSS, all processes (MiB)", lambda x: f"{x['rss_median'] / MIB:.1f}"),
        ("PSS, all processes (MiB)", lambda x: f"{x['pss_median'] / MIB:.1f}"),
        ("launch -> window (ms)", lambda x: f"{x['map_ms_median']:.0f}"),
        ("launch -> page loaded (ms)",
         lambda x: "-" if x["loaded_ms_median"] is None else f"{x['loaded_ms_median']:.0f}"),
    ]
    for label, cell in rows:
        print(f"{label:28}" + "".join(f"{cell(s[n]):>14}" for n in names))
    for n in names:
        parts = ", ".join(f"{k} x{v['count']} {v['pss'] / MIB:.1f} (anon {v['pss_anon'] / MIB:.1f})"
                          for k, v in sorted(s[n]["by_process"].items(),
                                             key=lambda kv: -kv[1]["pss"]))
        print(f"  {n} PSS by process, MiB (of it anonymous): {parts}")
        if args.mappings:
            for process, rows in sorted(s[n]["mappings"].items()):
                print(f"    {process}, largest mappings, MiB PSS (anonymous RSS):")
                for path, pss, anon in rows[:args.mappings]:
                    print(f"      {pss / MIB:7.1f} ({anon / MIB:5.1f})  {path}")
    base = s["baseline"]["pss_median"]
    print()
    for n in names[1:]:
        above = (s[n]["pss_median"] - base) / MIB
        verdict = "met" if above <= TARGETS["pss_above_baseline_mib"] else "MISSED"
        print(f"PSS above the baseline, {n}: {above:.1f} MiB (target <= 30 MiB: {verdict})")
    window = s["idle"]["map_ms_median"]
    verdict = "met" if window <= TARGETS["launch_to_window_ms"] else "MISSED"
    print(f"launch -> window, signed-in app: {window:.0f} ms (target <= 500 ms: {verdict})")
    for name, c in results["cpu"].items():
        verdict = "met" if c["cpu_percent"] <= TARGETS["idle_cpu_percent"] else "MISSED"
        extra = " (target <= 0.2 %: " + verdict + ")" if name == "idle" else ""
        print(f"idle CPU, {name}: {c['cpu_percent']:.3f} % of one core over {c['seconds']:.0f} s,"
              f" {c['switches_per_s']:.1f} context switches/s{extra}")
        for p in sorted(c["processes"], key=lambda p: -p["cpu_percent"]):
            print(f"    {p['name']:<20} {p['cpu_percent']:.3f} %  {p['switches_per_s']:.2f}/s")
        print(f"    after the idle period: RSS {c['rss_after'] / MIB:.1f} MiB, "
              f"PSS {c['pss_after'] / MIB:.1f} MiB")
    d = results["deb"]
    if d is None:
        print(".deb: not built (make package)")
    else:
        verdict = "met" if d["size"] <= TARGETS["deb_mib"] * MIB else "MISSED"
        print(f".deb: {d['path']} {d['size']:,} bytes = {d['size'] / MIB:.2f} MiB (target <= 8 MiB:"
              f" {verdict}), built {d['built']}; MimeType={d['mime_type']} "
              f"({'registers' if d['registers_hod_scheme'] else 'does NOT register'} hod://)")
    print()


if __name__ == "__main__":
    arguments = parse_args()
    if os.environ.get("FOOTPRINT_INNER"):
        inner(arguments)
    else:
        outer(arguments)
