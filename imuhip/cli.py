"""The `imuhip` command line: thin wrappers around the library.

Every command prints one clear line and exits 2 on bad input (no traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

from imuhip import __version__
from imuhip.errors import ImuhipError, ImuhipWarning


def _load(path: str):
    from imuhip.io import read_any

    return read_any(path)


def cmd_import(args) -> int:
    from imuhip.io import read_any, write_csv
    from imuhip.io.generic import read_generic
    from imuhip.recording import KNOWN_LOCATIONS, Recording

    names = args.sensor or []
    if len(names) > len(args.files):
        raise ImuhipError(f"{len(names)} --sensor names for {len(args.files)} input(s)")
    default = ["left_thigh", "right_thigh", "pelvis"] if len(args.files) > 1 else ["thigh"]
    sensors, meta, annotations, notes = {}, {}, [], []
    for i, path in enumerate(args.files):
        name = names[i] if i < len(names) else default[i] if i < len(default) else f"sensor{i + 1}"
        if args.columns:
            rec = read_generic(path, args.columns, name, args.acc_unit, args.gyr_unit, args.time_unit)
        else:
            rec = read_any(path, name)
        if len(rec.sensors) == 1 and name not in rec.sensors:
            rec = Recording({name: next(iter(rec.sensors.values()))}, rec.meta, rec.annotations)
        clash = set(rec.sensors) & set(sensors)
        if clash:
            raise ImuhipError(f"{path}: sensor name(s) {', '.join(clash)} already used; give --sensor per file")
        sensors.update(rec.sensors)
        meta.update({k: v for k, v in rec.meta.items() if k not in meta})
        annotations += rec.annotations
        notes += rec.warnings
    out = Recording(sensors, meta, annotations, notes)
    write_csv(out, args.out)
    odd = [n for n in sensors if n not in KNOWN_LOCATIONS]
    print(f"wrote {args.out}: " + ", ".join(f"{n} ({len(s)} samples, {s.rate_hz:.1f} Hz)" for n, s in sensors.items()))
    if odd:
        print(f"note: sensor(s) {', '.join(odd)} are not left_thigh/right_thigh/pelvis: name them with --sensor "
              f"for left/right analysis")
    return 0


def cmd_info(args) -> int:
    from imuhip.summary import describe

    rec = _load(args.file)
    print(describe(rec, args.file))
    return 0


def _calibrations(path: str | None) -> dict:
    """{sensor name: Calibration} from a file written by `imuhip angles --save-calibration`."""
    import json

    from imuhip.angles import Calibration

    if not path:
        return {}
    try:
        doc = json.loads(Path(path).read_text())
        if not isinstance(doc, dict):
            raise ValueError("expected an object of sensor name -> calibration")
    except (OSError, ValueError) as exc:
        raise ImuhipError(f"{path}: cannot read calibration: {exc}") from None
    return {name: Calibration.from_json(json.dumps(c)) for name, c in doc.items()}


def cmd_angles(args) -> int:
    import json

    import numpy as np

    from imuhip.angles import angles_table

    rec = _load(args.file)
    table, results = angles_table(rec, _calibrations(args.calibration))
    table.to_csv(args.out, index=False, float_format="%.4f")
    for name, r in results.items():
        c = r.calibration
        print(f"{name}: still moment {c.still_start_s:.1f}-{c.still_end_s:.1f} s (spread {c.still_sd_deg:.2f} deg), "
              f"flexion-axis planarity {c.planarity:.2f}; elevation {np.nanmin(r.elevation):.1f} .. "
              f"{np.nanmax(r.elevation):.1f} deg")
        for w in r.warnings:
            print(f"imuhip: warning: {w}", file=sys.stderr)
    if args.save_calibration:
        doc = {name: json.loads(r.calibration.to_json()) for name, r in results.items()}
        Path(args.save_calibration).write_text(json.dumps(doc, indent=1))
    print(f"wrote {args.out} ({len(table)} rows, columns: {', '.join(table.columns)})")
    return 0


def _user_segments(path: str | None, rec):
    """A corrected timeline (`--segments FILE`) checked against the recording, or None."""
    from imuhip.analysis.session import read_user_segments

    return read_user_segments(path, rec) if path else None


def cmd_segments(args) -> int:
    from imuhip.analysis import DRILLS, analyze
    from imuhip.analysis.session import judged
    from imuhip.analysis.timeline import write_segments

    result = analyze(_load(args.file), source=args.file)
    print("start_s   end_s  drill                  side  confidence  origin")
    for s in result.segments:
        print(f"{s.start_s:7.1f} {s.end_s:7.1f}  {s.drill:22s} {s.side:5s} {s.confidence:10.2f}  {s.origin}"
              + ("  (unsure: not judged)" if s.drill in DRILLS and not judged(s) else ""))
    if args.csv:
        write_segments(result.segments, args.csv)
        print(f"wrote {args.csv}: correct a label and pass it back with --segments {args.csv}")
    return 0


def cmd_analyze(args) -> int:
    import json

    from imuhip.analysis import Options, analyze
    from imuhip.analysis.text import summary

    rec = _load(args.file)
    opts = Options(threshold_deg=args.threshold, max_dip_s=args.max_dip)
    result = analyze(rec, drill=args.drill, side=args.side, options=opts, source=args.file,
                     segments=_user_segments(args.segments, rec))
    print(summary(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result.to_dict(), indent=1))
        print(f"wrote {args.json}")
    return 0


def cmd_report(args) -> int:
    import json

    from imuhip.analysis import Options, analyze
    from imuhip.report import load_catalog, verdicts
    from imuhip.report.html import render_html
    from imuhip.report.outputs import report_dict, terminal, write_csv_tables

    rules = load_catalog(args.thresholds)
    rec = _load(args.file)
    result = analyze(rec, drill=args.drill, side=args.side, options=Options(threshold_deg=args.threshold),
                     source=Path(args.file).name, segments=_user_segments(args.segments, rec))
    found = verdicts(result, rules)
    print(terminal(result, found))
    if args.html:
        Path(args.html).write_text(render_html(result, found, args.athlete), encoding="utf-8")
        print(f"wrote {args.html}")
    if args.json:
        Path(args.json).write_text(json.dumps(report_dict(result, found, args.athlete), indent=1))
        print(f"wrote {args.json}")
    if args.csv:
        write_csv_tables(result, found, args.csv)
        print(f"wrote CSV tables to {args.csv}")
    return 0


def cmd_compare(args) -> int:
    from imuhip.analysis import analyze
    from imuhip.report.compare import render_compare, tables, terminal_table

    analyses = [analyze(_load(f), source=Path(f).name) for f in args.files]
    sessions, squad = tables(analyses)
    print(terminal_table(sessions))
    if sessions["athlete"].nunique() > 1:
        print("\nsquad (latest session per athlete, most asymmetric first):")
        print(terminal_table(squad))
    if args.html:
        Path(args.html).write_text(render_compare(analyses), encoding="utf-8")
        print(f"wrote {args.html}")
    if args.csv:
        sessions.to_csv(args.csv, index=False, float_format="%.3f")
        print(f"wrote {args.csv}")
    return 0


def cmd_batch(args) -> int:
    from imuhip.batch import Settings, run_batch

    settings = Settings(args.drill, args.side, args.threshold, args.thresholds, args.html, args.segments)
    r = run_batch(args.inputs, args.out, settings, args.workers, args.scheduler, progress=not args.quiet)
    where = "Dask at " + args.scheduler if args.scheduler else f"{args.workers or os.cpu_count()} local worker(s)"
    print(f"{r.found} recording(s): {r.analysed - r.failed} analysed, {r.skipped} unchanged since the last run "
          f"(skipped), {r.failed} failed; {r.seconds:.1f} s on {where}")
    print(f"wrote {Path(args.out) / 'cohort.parquet'}, cohort.csv ({len(r.cohort)} rows), sessions/")
    if r.failed:
        print(f"errors ({Path(args.out) / 'errors.csv'}):", file=sys.stderr)
        for row in r.errors.itertuples(index=False):
            print(f"  {row.message}", file=sys.stderr)
        return 1
    return 0


PROTOCOLS = {"6a1b0000-7c1d-4e2a-9c58-1f3e0a1b2c3d": "imuhip-open", "fb005c80-02e7-f387-1cad-8acd2d8df0c8": "polar-pmd",
             "34802252-7185-4d5d-b431-630e7050e8f0": "movesense", "15172000-4947-11e9-8646-d663bd873d93": "movella-dot"}
BLUETOOTH_HELP = ("switch Bluetooth on (Linux: bluetoothctl power on; macOS/Windows: system settings), check that "
                  "an adapter is present, or try the demo with --simulate")


COMPANY_IDS = {0x006B: "polar-pmd", 0x0886: "movella-dot"}  # Bluetooth SIG company ids: Polar, Movella (Xsens)
NAME_PREFIXES = {"Polar": "polar-pmd", "Movesense": "movesense", "Movella DOT": "movella-dot",
                 "Xsens DOT": "movella-dot"}


def _protocol(name: str | None, uuids: list[str], companies=()) -> str | None:
    """The protocol an advertisement announces: by service, then company id, then name."""
    for u in uuids:
        if u.lower() in PROTOCOLS:
            return PROTOCOLS[u.lower()]
    for company in companies:
        if company in COMPANY_IDS:
            return COMPANY_IDS[company]
    return next((p for prefix, p in NAME_PREFIXES.items() if (name or "").startswith(prefix)), None)


def _virtual():
    """The simulated-sensor module (imuhip.ble.virtual), or one clear line when bumble is not installed."""
    try:
        from imuhip.ble import virtual
    except ImportError as exc:
        raise ImuhipError(f"virtual sensors need bumble ({exc}): pip install 'imuhip[sim]'") from None
    return virtual


def cmd_scan(args) -> int:
    import asyncio

    from bleak import BleakScanner
    from bleak.exc import BleakError

    async def scan():
        backend = None
        if args.simulate:
            backend = (await _virtual().scan_demo_air()).scanner_backend()
        return await BleakScanner.discover(timeout=args.timeout, return_adv=True, backend=backend)

    try:
        found = asyncio.run(scan())
    except (BleakError, OSError) as exc:
        raise ImuhipError(f"Bluetooth unavailable: {exc}; {BLUETOOTH_HELP}") from None
    rows = []
    for address, (device, adv) in found.items():
        proto = _protocol(adv.local_name, adv.service_uuids, adv.manufacturer_data)
        if proto or args.all:
            rows.append((adv.rssi, address, adv.local_name or "", proto or "unsupported"))
    if not rows:
        print("no supported sensor found (is it on, advertising, and not connected to a phone?)")
        return 0
    from imuhip.report.labels import NO_VALUE, text_table

    print(text_table(("address", "signal", "name", "protocol"),
                     [(address, f"{rssi} dBm", name or NO_VALUE, proto) for rssi, address, name, proto in
                      sorted(rows, reverse=True)], right=(1,)))
    return 0


def cmd_record(args) -> int:
    import asyncio
    import signal

    from imuhip.ble.live import Screen, render
    from imuhip.ble.recorder import Recorder

    tty = sys.stdout.isatty()
    screen = Screen() if tty else None
    say = screen.log if screen else (lambda m: print(m, flush=True))
    target_s = _hold_target(args.drill)

    async def record():
        backend = None
        sensors = {loc: addr for loc, addr in (("left_thigh", args.left), ("right_thigh", args.right),
                                               ("pelvis", args.pelvis)) if addr}
        if args.simulate:
            air, simulated = await _virtual().simulated_air(rate_hz=args.rate, pelvis=bool(args.pelvis) or not sensors,
                                                            speed=args.speed, protocol=args.simulate)
            backend = air.client_backend()
            sensors = sensors or simulated
        elif not sensors:
            raise ImuhipError("name the sensors to record: --left ADDR and/or --right ADDR (see imuhip scan)")
        else:
            from bleak import BleakScanner
            from bleak.exc import BleakError

            try:  # fail fast, with one clear line, when there is no Bluetooth at all
                await BleakScanner.discover(timeout=0.1)
            except (BleakError, OSError) as exc:
                raise ImuhipError(f"Bluetooth unavailable: {exc}; {BLUETOOTH_HELP}") from None
        calibrations = _calibrations(args.calibration)
        for loc in sensors:
            if args.calibration and loc not in calibrations:
                print(f"imuhip: {args.calibration} has no calibration for {loc}: its axes will be found live (stand "
                      f"still, then raise the knee a few times)", file=sys.stderr)
        rec = Recorder(args.out, sensors, backend=backend, rate_hz=args.rate, drill=args.drill,
                       threshold_deg=args.threshold, meta={"athlete": args.athlete} if args.athlete else None,
                       log=say,
                       clock_speed=args.speed if args.simulate else 1.0, calibrations=calibrations)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, rec.stop)
        task = asyncio.create_task(rec.run(args.duration))
        if not args.no_keys:
            _read_marks(loop, rec, say, screen)
        while not task.done():
            await asyncio.wait({task}, timeout=0.5)
            if screen:
                screen.draw(render(rec.states.values(), rec.session_time(), args.out, target_s, screen.width()))
        return rec, await task

    rec, summary = asyncio.run(record())
    print(f"recorded {args.out}:")
    for loc, s in summary.items():
        said = f"longest hold {s['best_hold_s']:.1f} s, {s['reps']} reps; " if loc != "pelvis" else ""
        print(f"  {loc.replace('_', ' '):<11}  {said}{s['samples']} samples, {s['lost_packets']} lost, "
              f"{s['disconnects']} disconnects" + (f", {s['bad_packets']} bad" if s["bad_packets"] else "")
              + (f", {s['clock_resets']} clock resets" if s["clock_resets"] else "")
              + (f", {s['dropped_samples']} repeated samples dropped" if s["dropped_samples"] else "")
              + (f", battery {s['battery_pct']}%" if s["battery_pct"] is not None else "")
              + (f"; last error: {s['last_error']}" if s["last_error"] else ""))
    if args.save_calibration:
        import json

        found = rec.calibrations()
        doc = {loc: json.loads(c.to_json()) for loc, c in found.items()}
        Path(args.save_calibration).write_text(json.dumps(doc, indent=1))
        missing = sorted(set(summary) - set(found))
        print(f"wrote {args.save_calibration} ({', '.join(found) or 'no sensor'})"
              + (f"; axes not found for {', '.join(missing)}" if missing else ""))
    return 0


def _hold_target(drill: str | None) -> float:
    """The hold the live timer counts towards (s): the drill's hold rule in the catalog, else 30 s
    (the standing knee raise)."""
    from imuhip.report import load_catalog

    for rule in load_catalog().values():
        if rule.drill == (drill or "standing_knee_raise") and rule.metric == "longest_hold_s":
            return rule.value[0] if rule.comparison == "between" else rule.value
    return 30.0


def _read_marks(loop, rec, say, screen) -> None:
    """Drill marks typed while recording: one line each on standard input (see `parse_mark`)."""
    from imuhip.ble.recorder import MARK_KEYS, parse_mark

    def on_line():
        line = sys.stdin.readline()
        if screen:
            screen.typed()
        if not line:  # end of input: no more marks
            loop.remove_reader(sys.stdin.fileno())
            return
        try:
            said = rec.mark(parse_mark(line))
        except ImuhipError as exc:
            said = str(exc)
        say("mark: " + said)

    try:
        loop.add_reader(sys.stdin.fileno(), on_line)
    except (OSError, ValueError, AttributeError, NotImplementedError):
        return  # no readable standard input (a file, Windows' console): marks by --drill only
    say("mark drills as you go: type " + ", ".join(f"{i} {n}" for i, n in enumerate(MARK_KEYS, 1))
        + " (or any drill name) and Enter; Enter alone ends the mark")


def cmd_simulate(args) -> int:
    from imuhip.simulate import SimOptions, simulate, write_simulation

    opts = SimOptions(rate_hz=args.rate, seed=args.seed, duration_s=args.duration, pelvis=args.pelvis,
                      mounting=args.mounting, placement=args.placement, drop=args.drop,
                      jitter_s=args.jitter, start=args.start, turns=args.turns,
                      drills=tuple(d.strip() for d in args.drills.split(",") if d.strip()) if args.drills else ())
    for spec in args.restrap or []:
        sensor, _, when = spec.partition(":")
        try:
            opts.restrap_s[sensor] = float(when)
        except ValueError:
            raise ImuhipError(f"--restrap {spec!r}: expected SENSOR:SECONDS, e.g. left_thigh:120") from None
    if args.no_noise:
        opts.acc_noise = opts.gyr_noise = opts.gyr_bias = opts.bias_drift = 0.0
    if args.gyr_bias is not None:
        opts.gyr_bias = args.gyr_bias
    if args.left_hold is not None:
        opts.hold_s["left"] = args.left_hold
    if args.right_hold is not None:
        opts.hold_s["right"] = args.right_hold
    for spec in args.knee_drive or []:
        side, _, pct = spec.partition(":")
        if side not in ("left", "right") or not pct:
            raise ImuhipError(f"--knee-drive {spec!r}: expected SIDE:PERCENT, e.g. right:-8")
        opts.knee_drive[side] = 1.0 + float(pct) / 100.0
    sim = simulate(args.scenario, opts)
    if args.athlete:
        sim.recording.meta["athlete"] = args.athlete
    if args.date:
        sim.recording.meta["date"] = args.date
    truth = write_simulation(sim, args.out)
    rec = sim.recording
    print(f"wrote {args.out} ({len(rec.sensors)} sensors, {rec.end_s - rec.start_s:.1f} s) "
          f"and ground truth {truth}")
    return 0


class _Parser(argparse.ArgumentParser):
    """A parser whose description may be computed when help is shown (`describe`), so that building
    the parser imports nothing heavy."""

    def __init__(self, *args, describe=None, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)
        self.describe = describe

    def format_help(self) -> str:
        if self.describe:
            self.description = self.describe()
        return super().format_help()


def _drill(name: str) -> str:
    """--drill's value, checked against the analysis' drills (see `imuhip drills`)."""
    from imuhip.analysis import DRILLS

    if name not in DRILLS:
        raise argparse.ArgumentTypeError(f"unknown drill {name!r}: see `imuhip drills` for the list")
    return name


def _scenario(name: str) -> str:
    from imuhip.simulate import SCENARIOS

    if name not in SCENARIOS:
        raise argparse.ArgumentTypeError(f"unknown scenario {name!r}; one of {', '.join(SCENARIOS)}")
    return name


def _scenarios() -> str:
    from imuhip.simulate import SCENARIOS

    return "Scenarios:\n" + "\n".join(f"  {k:<18} {v}" for k, v in SCENARIOS.items())


def cmd_drills(args) -> int:
    from imuhip.analysis import DRILLS
    from imuhip.analysis.session import HOLD_DRILLS, POSITION_DRILLS, REP_DRILLS, RUN_DRILLS
    from imuhip.report.catalog import load_catalog
    from imuhip.report.labels import NO_VALUE, drill_label, text_table

    rules = load_catalog()
    found = {d: "holds" if d in HOLD_DRILLS else "position holds" if d in POSITION_DRILLS else "reps" if d in
             REP_DRILLS else "strides" if d in RUN_DRILLS else "resting angle" for d in DRILLS}
    rows = [(d, drill_label(d), found[d], ", ".join(r.id for r in rules.values() if r.drill == d) or NO_VALUE)
            for d in DRILLS]
    print(text_table(("drill", "name", "measured as", "rules in the catalog"), rows))
    print("\nGive one to --drill, in an annotation, or as a mark while recording. The run rule also judges jog "
          "and running.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="imuhip", description="Thigh-worn IMU toolkit: hip flexion angles, holds, reps, strides and "
                "left/right symmetry, judged against coaching articles.",
                epilog="example:\n  imuhip report recordings/demo_session.csv --html report.html\n\n"
                "`imuhip COMMAND --help` for each command's options and an example.")
    p.add_argument("--version", action="version", version=f"imuhip {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name, help, example, **kwargs):
        return sub.add_parser(name, help=help, description=kwargs.pop("description", help[:1].upper() + help[1:]),
                              epilog="example:\n  " + example, **kwargs)

    drill_help = "treat the whole file as this drill (default: the file's annotations, else found in the data); " \
                 "the drills: `imuhip drills`"
    side_help = "which thigh to analyse: left, right or both (default both)"

    info = command("info", "sensors, rates, duration, gaps and annotations of a recording",
                   "imuhip info recordings/demo_knee_raise.csv")
    info.add_argument("file", help="a recording: imuhip CSV or any export `imuhip import` reads")
    info.set_defaults(func=cmd_info)

    drills = command("drills", "the drills imuhip knows, how each is measured and its rules", "imuhip drills")
    drills.set_defaults(func=cmd_drills)

    imp = command("import", "convert app exports (Sensor Logger, Polar, MetaBase, phyphox, Movella DOT, Xsens MT, "
                  "HuGaDB, any CSV) to imuhip CSV",
                  "imuhip import left.csv right.csv --sensor left_thigh --sensor right_thigh --out session.csv")
    imp.add_argument("files", nargs="+", metavar="FILE", help="files or export folders, one per sensor")
    imp.add_argument("--out", required=True, metavar="OUT.csv", help="the imuhip CSV to write")
    imp.add_argument("--sensor", action="append", help="location of each input in order: left_thigh, "
                     "right_thigh, pelvis (default: thigh for one input; left, right, pelvis for several)")
    imp.add_argument("--columns", help="for any other CSV: time=COL,acc=X:Y:Z|PREFIX,gyr=X:Y:Z|PREFIX")
    imp.add_argument("--acc-unit", default="m/s^2", help="with --columns: m/s^2, g or mg (default m/s^2)")
    imp.add_argument("--gyr-unit", default="rad/s", help="with --columns: rad/s or deg/s (default rad/s)")
    imp.add_argument("--time-unit", default="s", help="with --columns: s, ms, us or ns (default s)")
    imp.set_defaults(func=cmd_import)

    ang = command("angles", "thigh elevation and ab/adduction (and hip flexion) per sample",
                  "imuhip angles recordings/demo_knee_raise.csv --out angles.csv")
    ang.add_argument("file", help="a recording (imuhip CSV or an export)")
    ang.add_argument("--out", required=True, metavar="OUT.csv", help="CSV to write: time_s, <sensor>_elevation_deg, "
                     "...")
    ang.add_argument("--calibration", metavar="JSON", help="an earlier session's calibration (same strapping)")
    ang.add_argument("--save-calibration", metavar="JSON", help="write the calibration used, for reuse")
    ang.set_defaults(func=cmd_angles)

    seg = command("segments", "the recognised timeline: start, end, drill, side, confidence, origin",
                  "imuhip segments session.csv --csv timeline.csv")
    seg.add_argument("file", help="a recording (imuhip CSV or an export)")
    seg.add_argument("--csv", metavar="OUT.csv", help="write it as CSV; edit a label and pass it back with --segments")
    seg.set_defaults(func=cmd_segments)

    def session_arguments(cmd):
        """The options analyze and report share: the recording, what to analyse, the timeline."""
        cmd.add_argument("file", help="a recording (imuhip CSV or an export)")
        cmd.add_argument("--drill", type=_drill, metavar="DRILL", help=drill_help)
        cmd.add_argument("--side", choices=["left", "right", "both"], default="both", help=side_help)
        cmd.add_argument("--threshold", type=float, default=90.0, help="hold threshold, deg (default 90)")
        cmd.add_argument("--segments", metavar="CSV", help="a corrected timeline (from `imuhip segments --csv`)")

    an = command("analyze", "holds, reps, strides, cadence and left/right symmetry",
                 "imuhip analyze recordings/demo_session.csv --json analysis.json")
    session_arguments(an)
    an.add_argument("--max-dip", type=float, default=0.3, help="longest dip below the threshold bridged "
                    "within a hold, s (default 0.3)")
    an.add_argument("--json", metavar="OUT.json", help="write the analysis JSON (docs/analysis-json.md)")
    an.set_defaults(func=cmd_analyze)

    rep = command("report", "verdicts against the coaching articles' thresholds; HTML, JSON, CSV",
                  "imuhip report recordings/demo_session.csv --html report.html --json report.json")
    session_arguments(rep)
    rep.add_argument("--athlete", help="name shown in the report (default: the file's athlete)")
    rep.add_argument("--thresholds", metavar="FILE", help="TOML rules overriding or adding to the catalog "
                     "(layout: imuhip/report/thresholds.toml)")
    rep.add_argument("--html", metavar="OUT.html", help="write the coach's report: one self-contained page")
    rep.add_argument("--json", metavar="OUT.json", help="write the analysis with every verdict and its source")
    rep.add_argument("--csv", metavar="DIR", help="write holds, reps, strides, verdicts, symmetry and metrics CSVs")
    rep.set_defaults(func=cmd_report)

    cmp = command("compare", "sessions side by side: progress of one athlete, and a squad table",
                  "imuhip compare week1.csv week2.csv week3.csv --html progress.html")
    cmp.add_argument("files", nargs="+", metavar="FILE", help="recordings, any athletes and dates")
    cmp.add_argument("--html", metavar="OUT.html", help="write the progress and squad page")
    cmp.add_argument("--csv", metavar="OUT.csv", help="write one row per session")
    cmp.set_defaults(func=cmd_compare)

    bat = command("batch", "analyse every recording under folders into a cohort table, in parallel (local cores or "
                  "a Dask cluster), resumable", "imuhip batch recordings/ --out cohort/ --html",
                  description="Analyse every recording under folders into a cohort table, in parallel, resumable.\n"
                  "Exit status: 0 all analysed, 1 some sessions failed (see errors.csv), 2 the command itself "
                  "could not run.")
    bat.add_argument("inputs", nargs="+", metavar="INPUT", help="recordings or folders (searched recursively)")
    bat.add_argument("--out", required=True, metavar="DIR", help="folder for cohort.parquet, cohort.csv, sessions/")
    bat.add_argument("--workers", type=int, help="local worker processes (default: all cores)")
    bat.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://10.0.0.5:8786 "
                     "(needs imuhip[dask]; workers must have imuhip and see the input files)")
    bat.add_argument("--drill", type=_drill, metavar="DRILL", help="treat every file as this drill (see "
                     "`imuhip drills`)")
    bat.add_argument("--side", choices=["left", "right", "both"], default="both", help=side_help)
    bat.add_argument("--threshold", type=float, default=90.0, help="hold threshold, deg (default 90)")
    bat.add_argument("--thresholds", metavar="FILE", help="TOML rules overriding or adding to the catalog")
    bat.add_argument("--html", action="store_true", help="also write an HTML report per session")
    bat.add_argument("--segments", metavar="DIR", help="folder of corrected timelines NAME.segments.csv (from "
                     "`imuhip segments NAME.csv --csv`); default: NAME.segments.csv next to each recording")
    bat.add_argument("--quiet", action="store_true", help="no progress bar")
    bat.set_defaults(func=cmd_batch)

    scan = command("scan", "list nearby supported BLE sensors (address, signal, name, protocol)",
                   "imuhip scan --timeout 10")
    scan.add_argument("--timeout", type=float, default=5.0, help="how long to listen, s (default 5)")
    scan.add_argument("--all", action="store_true", help="also list unsupported devices")
    scan.add_argument("--simulate", action="store_true", help="scan virtual sensors (no hardware)")
    scan.set_defaults(func=cmd_scan)

    rec = command("record", "record BLE sensors to imuhip CSV, crash-safe, with a live hold timer",
                  "imuhip record --left C4:7C:8D:6A:00:01 --right C4:7C:8D:6A:00:02 --out session.csv\n"
                  "  imuhip record --simulate polar-pmd --out demo.csv --duration 30   (no hardware)")
    rec.add_argument("--left", metavar="ADDR", help="address of the left thigh's sensor (from `imuhip scan`)")
    rec.add_argument("--right", metavar="ADDR", help="address of the right thigh's sensor")
    rec.add_argument("--pelvis", metavar="ADDR", help="address of a pelvis (sacrum) sensor, for its tilt")
    rec.add_argument("--out", required=True, metavar="OUT.csv", help="the imuhip CSV to write (flushed every 0.5 s)")
    rec.add_argument("--drill", metavar="DRILL", help="annotate the whole recording with this drill (see "
                     "`imuhip drills`); its hold rule sets the live hold target (default 30 s)")
    rec.add_argument("--athlete", help="athlete name stored in the file")
    rec.add_argument("--duration", type=float, help="stop after this many seconds (default: Ctrl-C)")
    rec.add_argument("--rate", type=int, default=104, help="sample rate to request, Hz (default 104)")
    rec.add_argument("--threshold", type=float, default=90.0, help="live hold threshold, deg (default 90)")
    rec.add_argument("--save-calibration", metavar="JSON",
                     help="write the sensors' axes (given, or found live) for the next session with this strapping")
    rec.add_argument("--calibration", metavar="JSON",
                     help="the sensors' axes saved by `imuhip angles/record --save-calibration` (same strapping): "
                          "signed elevation from the first sample; default: found live from a still moment and a "
                          "few knee lifts, tilt from vertical until then")
    rec.add_argument("--simulate", nargs="?", const="imuhip-open", metavar="PROTOCOL",
                     choices=["imuhip-open", "movesense", "polar-pmd", "movella-dot"],
                     help="record virtual sensors (imuhip[sim]), no hardware; PROTOCOL: imuhip-open (default), "
                          "movesense, polar-pmd or movella-dot")
    rec.add_argument("--no-keys", action="store_true", help="do not read drill marks from standard input")
    rec.add_argument("--speed", type=float, default=1.0, help=argparse.SUPPRESS)
    rec.set_defaults(func=cmd_record)

    sim = command("simulate", "write a simulated session with its ground truth",
                  "imuhip simulate knee_raise_hold --left-hold 32 --right-hold 21 --out demo.csv",
                  describe=_scenarios)
    sim.add_argument("scenario", type=_scenario, metavar="SCENARIO", help="what the athlete does (listed above)")
    sim.add_argument("--out", required=True, metavar="OUT.csv", help="imuhip CSV to write (truth goes to "
                     "NAME.truth.json)")
    sim.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same file "
                     "(default 0)")
    sim.add_argument("--rate", type=float, default=100.0, help="sample rate, Hz (default 100)")
    sim.add_argument("--duration", type=float, default=None,
                     help="s, for standing, marching, runs and shuttles; a field session repeats to it")
    sim.add_argument("--start", choices=["standing", "seated", "lying", "kneeling"], default="standing",
                     help="posture a field_session begins in (default standing)")
    sim.add_argument("--drills", metavar="D1,D2", help="field_session: extra drills at the end, any of balance, "
                     "half_kneeling_stretch, table_test, knee_raise_reps (default none)")
    sim.add_argument("--turns", choices=["none", "shuttle", "bend", "figure8", "cutting"], default="none",
                     help="heading changes over the whole session: 180 deg every 8-10 s, a 20 deg/s "
                          "bend, figure-of-eight loops, or 45-90 deg cuts")
    sim.add_argument("--restrap", action="append", metavar="SENSOR:S",
                     help="strap SENSOR on anew (random mounting) at S seconds, e.g. left_thigh:120")
    sim.add_argument("--pelvis", action="store_true", help="add a pelvis (sacrum) sensor")
    sim.add_argument("--mounting", choices=["random", "aligned"], default="random",
                     help="sensor orientation on the thigh: random (like a real strap) or aligned (default random)")
    sim.add_argument("--placement", choices=["random", "front", "side"], default="random",
                     help="where on the thigh: front, side or random (default random)")
    sim.add_argument("--no-noise", action="store_true", help="no noise, bias or bias drift")
    sim.add_argument("--gyr-bias", type=float, default=None, help="gyro bias SD per axis, rad/s")
    sim.add_argument("--jitter", type=float, default=0.0005, help="timestamp jitter SD, s (default 0.0005)")
    sim.add_argument("--drop", type=float, default=0.0, help="fraction of samples dropped (default 0)")
    sim.add_argument("--left-hold", type=float, default=None, help="left knee-raise hold, s (default 30)")
    sim.add_argument("--right-hold", type=float, default=None, help="right knee-raise hold, s (default 30)")
    sim.add_argument("--knee-drive", action="append", metavar="SIDE:PCT",
                     help="change of one side's knee drive, e.g. right:-8")
    sim.add_argument("--athlete", help="athlete name stored in the file (default: Simulated Athlete)")
    sim.add_argument("--date", help="session date stored in the file (ISO 8601)")
    sim.set_defaults(func=cmd_simulate)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ImuhipWarning)
        error = None
        try:
            return args.func(args)
        except ImuhipError as exc:
            error = f"imuhip: error: {exc}"
            return 2
        except OSError as exc:
            error = f"imuhip: error: {exc.filename or ''}: {exc.strerror or exc}"
            return 2
        except KeyboardInterrupt:
            error = "imuhip: interrupted"
            return 130
        finally:  # warnings first, also those seen before an error
            for w in caught:
                if issubclass(w.category, ImuhipWarning) and args.command not in ("info",):
                    print(f"imuhip: warning: {w.message}", file=sys.stderr)
            if error:
                print(error, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
