"""Classes 4 and 5 of issue 16: sensor names that differ only in white space, thighs named neither
left_thigh nor right_thigh, several sensors under one name, constant data, and sensors whose clocks
do not overlap. Each gets one clear answer naming the sensor (and the file line where there is one)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from imuhip.cli import main
from imuhip.errors import MixedSensorsError, ValueFormatError
from imuhip.io import read_any, read_csv, write_csv
from imuhip.io.units import sensor_data
from imuhip.recording import Recording
from imuhip.simulate import simulate

from conftest import shared_file


@pytest.fixture(scope="module")
def knee_raise():
    return simulate("knee_raise_hold", seed=3, duration_s=80.0).recording


def _renamed(rec: Recording, renames: dict[str, str]) -> Recording:
    return Recording({renames.get(n, n): s for n, s in rec.sensors.items()}, rec.meta, rec.annotations)


def _data_rows(path) -> list[int]:
    return [i for i, ln in enumerate(path.read_text().splitlines()) if ln and not ln.startswith(("#", "time_s"))]


@pytest.mark.parametrize("variant", ["left_thigh ", " left_thigh", "left_thigh\t"])
@pytest.mark.parametrize("every", [2, 7])
def test_names_differing_only_in_white_space_are_refused_naming_both_lines(tmp_path, knee_raise, variant, every):
    src = tmp_path / "a.csv"
    write_csv(knee_raise, src)
    lines = src.read_text().splitlines()
    left = [i for i in _data_rows(src) if ",left_thigh," in lines[i]]
    for i in left[1::every]:
        lines[i] = lines[i].replace(",left_thigh,", f",{variant},")
    bad = tmp_path / "b.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueFormatError, match=rf"b.csv:{left[1] + 1}: sensor names 'left_thigh' \(line "
                                              rf"{left[0] + 1}\) and {re.escape(repr(variant))} differ only in white"):
        read_csv(bad)


def test_one_name_written_with_spaces_on_every_row_reads(tmp_path, knee_raise):
    src = tmp_path / "a.csv"
    write_csv(knee_raise, src)
    spaced = tmp_path / "b.csv"
    spaced.write_text(src.read_text().replace(",left_thigh,", ", left_thigh ,"))
    rec = read_csv(spaced)
    assert len(rec["left_thigh"]) == len(knee_raise["left_thigh"])


def _report_rows(capsys, path, tmp_path) -> tuple[list[tuple[str, ...]], str, str]:
    code = main(["report", str(path), "--html", str(tmp_path / "r.html")])
    out, err = capsys.readouterr()
    assert code == 0, err
    rows = [tuple(re.split(r"\s{2,}", ln.strip())[:3]) for ln in out.splitlines()
            if ln.startswith("  ") and re.search(r"\s(pass|fail|borderline)\s", ln)]
    return rows, out + err, (tmp_path / "r.html").read_text()


@pytest.mark.parametrize("name", ["l_thigh", "thigh", "LEFT_THIGH", "left_front_thigh", "thigh_r"])
def test_a_thigh_named_neither_left_nor_right_is_judged_under_its_name_and_said_so(tmp_path, capsys, knee_raise,
                                                                                     name):
    path = tmp_path / "rec.csv"
    write_csv(_renamed(knee_raise, {"right_thigh": name}), path)
    rows, err, page = _report_rows(capsys, path, tmp_path)
    assert len(rows) == len(set(rows)), rows  # no verdict twice
    assert any(r[2] == "left" for r in rows), rows
    if "thigh" in name:
        assert any(r[2] == name for r in rows), rows
        assert f"sensor {name} is neither left_thigh nor right_thigh" in err
    else:
        assert f"sensor {name} is not a thigh or the pelvis (did you mean left_thigh?): not analysed" in err
    assert page.count("<svg") >= 1


@pytest.mark.parametrize("k", [2, 3])
def test_several_sensors_under_one_name_are_refused_with_their_count(tmp_path, k):
    sim = simulate("marching", seed=4, duration_s=30.0, pelvis=True).recording
    names = list(sim.sensors)[:k]
    one = _renamed(Recording({n: sim[n] for n in names}), {n: "left_thigh" for n in names})
    path = tmp_path / "mixed.csv"
    write_csv(Recording({f"s{i}": sim[n] for i, n in enumerate(names)}), path)
    path.write_text(re.sub(r",s\d,", ",left_thigh,", path.read_text()))
    with pytest.raises(MixedSensorsError, match=rf"mixed.csv:\d+: sensor left_thigh: .* looks like {k} sensors under "
                                                rf"one name"):
        read_csv(path)
    t = np.concatenate([sim[n].time for n in names])
    order = np.argsort(t)
    acc = np.concatenate([sim[n].acc for n in names])[order]
    gyr = np.concatenate([sim[n].gyr for n in names])[order]
    with pytest.raises(MixedSensorsError, match=rf"other.txt: sensor thigh: .*{k} sensors under one name"):
        sensor_data("other.txt", "thigh", t[order], acc, gyr, {})
    assert len(one.sensors) == 1


def test_one_real_sensor_is_not_taken_for_several():
    for scenario in ("sprint", "a_skips", "seated_drill"):
        rec = simulate(scenario, seed=1, duration_s=40.0).recording
        for name, s in rec.sensors.items():
            sensor_data("x", name, s.time, s.acc, s.gyr, {})


def test_constant_data_is_called_stuck_not_saturated(tmp_path, capsys, knee_raise):
    left = knee_raise["left_thigh"]
    still = Recording({"left_thigh": type(left)(left.time, np.tile([0.0, 0.0, 9.81], (len(left), 1)), left.gyr),
                       "right_thigh": knee_raise["right_thigh"]}, knee_raise.meta, knee_raise.annotations)
    path = tmp_path / "still.csv"
    write_csv(still, path)
    assert main(["analyze", str(path)]) == 0
    out = capsys.readouterr().out
    assert "sensor left_thigh: the accelerometer reads (0, 0, 9.81) m/s^2 on all" in out and "stuck sensor" in out
    assert "saturates" not in out


@pytest.mark.parametrize("offset_s", [600.0, 1e6])
@pytest.mark.parametrize("how", ["whole sensor", "jump mid-file"])
def test_sensors_whose_times_do_not_overlap_are_said_so(tmp_path, capsys, knee_raise, offset_s, how):
    right = knee_raise["right_thigh"]
    t = right.time.copy()
    t[len(t) // 2 if how == "jump mid-file" else 0:] += offset_s
    rec = Recording({"left_thigh": knee_raise["left_thigh"], "right_thigh": type(right)(t, right.acc, right.gyr)},
                    knee_raise.meta, knee_raise.annotations)
    path = tmp_path / "apart.csv"
    write_csv(rec, path)
    said = [w for w in read_any(path).warnings if "cannot be compared" in w]
    assert len(said) == 1 and "apart.csv: sensor " in said[0]
    assert ("does not overlap in time" in said[0]) == (how == "whole sensor")
    assert main(["analyze", str(path)]) == 0
    assert "left and right cannot be compared there" in capsys.readouterr().out


def test_sensors_started_a_few_seconds_apart_say_nothing(tmp_path, knee_raise):
    right = knee_raise["right_thigh"]
    rec = Recording({"left_thigh": knee_raise["left_thigh"],
                     "right_thigh": type(right)(right.time + 3.0, right.acc, right.gyr)})
    path = tmp_path / "near.csv"
    write_csv(rec, path)
    assert not [w for w in read_any(path).warnings if "cannot be compared" in w]


@pytest.mark.parametrize("source", [("app_formats", "polar_sensor_logger"),
                                    ("app_formats", "xsens_dot", "bei_D4CA6EF17860_20210830_170505.csv")])
@pytest.mark.parametrize("repeats", [1, 5])
def test_app_readers_count_the_samples_they_drop_for_a_repeated_time(tmp_path, source, repeats):
    """Repeated rows (a time that repeats) are dropped and counted, with the file, in the warnings."""
    src = shared_file(*source)
    name = "Polar_Sense_ACC.txt" if src.is_dir() else src.name
    if src.is_dir():
        for f in src.iterdir():
            (tmp_path / f.name).write_bytes(f.read_bytes())
        target = tmp_path
    else:
        target = tmp_path / name
    lines = (src / name if src.is_dir() else src).read_text().splitlines(keepends=True)
    k = len(lines) // 2
    (tmp_path / name).write_text("".join(lines[:k] + [lines[k]] * repeats + lines[k:]))
    clean = len(read_any(src).sensors["thigh"])
    rec = read_any(target)
    said = [w for w in rec.warnings if "dropped whose time repeats or goes back" in w]
    assert len(rec["thigh"]) == clean
    assert len(said) == 1 and f"{repeats} sample(s) dropped" in said[0] and str(tmp_path) in said[0]
