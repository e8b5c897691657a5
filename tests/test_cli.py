"""The command line: help, version, info, and one-line errors with exit code 2."""

import re
import subprocess
import sys

from imuhip import __version__
from imuhip.cli import main

from conftest import REPO


def run(*args):
    return subprocess.run([sys.executable, "-m", "imuhip.cli", *args], capture_output=True, text=True)


def test_help_and_version():
    r = run("--help")
    assert r.returncode == 0 and "simulate" in r.stdout and "info" in r.stdout
    r = run("--version")
    assert r.stdout.strip() == f"imuhip {__version__}"


def test_info_on_shipped_recordings(capsys):
    for name in ("demo_knee_raise.csv", "demo_session.csv", "skinematics_walking_thigh.csv"):
        assert main(["info", str(REPO / "recordings" / name)]) == 0
    out = capsys.readouterr().out
    assert "standing_knee_raise (left)" in out
    assert "thigh: 3511 samples, 120.00 Hz" in out


def test_bad_file_is_one_line_without_traceback(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("time_s,sensor,acc_x\n1,left_thigh,3\n")
    r = run("info", str(bad))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "bad.csv:1: missing column(s)" in r.stderr
    r = run("info", str(tmp_path / "nope.csv"))
    assert r.returncode == 2 and "nope.csv: cannot read" in r.stderr


def test_scan_names_the_protocol_from_service_company_id_or_name():
    from imuhip.cli import _protocol

    assert _protocol("anything", ["fb005c80-02e7-f387-1cad-8acd2d8df0c8"]) == "polar-pmd"
    assert _protocol(None, [], {0x0886: b"\x01"}) == "movella-dot"  # DOTs advertise Movella's company id
    assert _protocol("Xsens DOT", []) == "movella-dot" and _protocol("Movesense 2210", []) == "movesense"
    assert _protocol("Polar Sense B5", []) == "polar-pmd" and _protocol("JBL Flip", [], {0x0057: b""}) is None


def test_record_a_simulated_polar_pair_from_the_command_line(tmp_path):
    out = tmp_path / "polar.csv"
    r = run("record", "--simulate", "polar-pmd", "--out", str(out), "--duration", "2", "--speed", "5", "--no-keys")
    assert r.returncode == 0, r.stderr
    assert "left_thigh (F1:00:00:00:00:01): streaming polar-pmd at 104 Hz" in r.stdout
    assert "# left_thigh (F1:00:00:00:00:01) streaming polar-pmd at 104 Hz from" in out.read_text()


def test_scan_lists_each_supported_sensor_with_its_protocol():
    r = run("scan", "--simulate", "--timeout", "1")
    assert r.returncode == 0, r.stderr
    header, *lines = r.stdout.splitlines()
    assert header.split() == ["address", "signal", "name", "protocol"]
    assert {line.split()[-1] for line in lines} == {"imuhip-open", "movesense", "polar-pmd", "movella-dot"}
    assert len({line.index(" dBm") for line in lines}) == 1  # aligned columns
    r = run("scan", "--simulate", "--timeout", "1", "--all")
    assert re.search(r"dBm  HR strap +unsupported", r.stdout)


def test_every_option_has_help_and_every_command_an_example():
    from imuhip.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    for name, sub in commands.items():
        assert "example:\n  imuhip " + name in sub.format_help(), name
        for action in sub._actions:
            assert action.help, f"imuhip {name} {action.option_strings or action.dest}: no help"
    report_help = run("report", "--help").stdout
    assert "standing_knee_raise" not in report_help and "imuhip drills" in report_help  # drills listed once, apart
    r = run("drills")
    assert r.returncode == 0 and re.search(r"^standing_knee_raise +Standing knee raise +holds +knee_raise_hold_30s$",
                                           r.stdout, re.M)


def test_help_imports_nothing_heavy():
    code = ("import sys, imuhip.cli; imuhip.cli.build_parser().format_help(); "
            "print(sorted(m for m in ('numpy', 'pandas', 'matplotlib', 'numba', 'bleak', 'bumble', 'scipy') "
            "if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.strip() == "[]", r.stderr
