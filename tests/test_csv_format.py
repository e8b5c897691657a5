"""The imuhip CSV format: round trips, appending, truncation, and every bad-input error."""


import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from imuhip import Annotation, ImuhipWarning, Recording, SensorData, read_csv, write_csv
from imuhip.errors import (ColumnError, EmptyFileError, NonFiniteError, TimeOrderError, UnitError,
                           UnknownSensorError, ValueFormatError)
from imuhip.io import CsvWriter

from conftest import still_recording

HEADER = "time_s,sensor,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n"


def rows(n=20, sensor="left_thigh", t0=0.0, rate=100.0, acc="0.1,9.8,0.2", gyr="0.01,0.0,-0.01"):
    return "".join(f"{t0 + i / rate!r},{sensor},{acc},{gyr}\n" for i in range(n))


def write(tmp_path, text, name="r.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_round_trip_is_bit_exact_with_metadata_and_annotations(tmp_path):
    rec = still_recording()
    rec.meta.update({"athlete": "Jane\nDoe: 100%", "date": "2026-11-24"})
    rec.sensors["left_thigh"].meta["device"] = "Polar Verity Sense"
    rec.annotations = [Annotation(0.5, 1.25, "standing_knee_raise", "left"), Annotation(1.0, 1.9, "a,b \"q\"", "both")]
    write_csv(rec, tmp_path / "a.csv")
    back = read_csv(tmp_path / "a.csv")
    assert back.equals(rec)
    write_csv(back, tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 40), data=st.data())
def test_random_recordings_round_trip_bit_exactly(tmp_path_factory, n, data):
    steps = data.draw(arrays(np.float64, n, elements=st.floats(1e-6, 10.0)))
    t0 = data.draw(st.floats(-1e5, 1e5))
    time = t0 + np.cumsum(steps)
    if np.any(np.diff(time) <= 0):  # float rounding can merge tiny steps
        return
    acc = data.draw(arrays(np.float64, (n, 3), elements=finite))
    gyr = data.draw(arrays(np.float64, (n, 3), elements=finite))
    rec = Recording({"left_thigh": SensorData(time, acc, gyr), "pelvis": SensorData(time + 0.5, gyr, acc)},
                    {"note": data.draw(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=20))})
    path = tmp_path_factory.mktemp("rt") / "r.csv"
    write_csv(rec, path)
    back = read_csv(path, check=False)
    assert back.equals(rec)


def test_sensors_interleaved_in_any_order_with_different_rates(tmp_path):
    text = HEADER + rows(10, "right_thigh", rate=50) + rows(30, "left_thigh", t0=0.013) + rows(5, "pelvis")
    rec = read_csv(write(tmp_path, text))
    assert list(rec.sensors) == ["left_thigh", "right_thigh", "pelvis"]
    assert len(rec["left_thigh"]) == 30 and rec["right_thigh"].rate_hz == pytest.approx(50.0)


def test_appending_writer_and_truncated_file_reads_to_last_complete_row(tmp_path):
    path = tmp_path / "live.csv"
    with CsvWriter(path, {"athlete": "A"}) as w:
        for i in range(10):
            w.append("left_thigh", [i / 100], [[0.0, 9.81, 0.0]], [[0.0, 0.0, 0.0]])
            w.flush()
        w.annotate(Annotation(0.0, 0.05, "marching", "both"))
    full = path.read_bytes()
    cut = full[: full.rfind(b"0.09,") + 12]  # power loss in the middle of the last row
    path.write_bytes(cut)
    with pytest.warns(ImuhipWarning, match=r"live.csv:\d+: last line is incomplete"):
        rec = read_csv(path, check=False)
    assert len(rec["left_thigh"]) == 9
    assert rec["left_thigh"].time[-1] == 0.08
    assert rec.annotations == []  # the annotation came after the cut


def test_empty_file(tmp_path):
    with pytest.raises(EmptyFileError, match=r"e.csv: empty file"):
        read_csv(write(tmp_path, "", "e.csv"))
    with pytest.raises(EmptyFileError, match=r"e.csv:2: no data rows"):
        read_csv(write(tmp_path, "# imuhip-csv: 1\n" + HEADER, "e.csv"))


def test_misspelled_column_is_named_with_a_suggestion(tmp_path):
    text = HEADER.replace("gyr_y", "gyro_y") + rows()
    with pytest.raises(ColumnError, match=r"r.csv:1: missing column\(s\) gyr_y \(found 'gyro_y'\?\)"):
        read_csv(write(tmp_path, text))


def test_missing_column(tmp_path):
    text = "time_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n"
    with pytest.raises(ColumnError, match=r"r.csv:1: missing column\(s\) sensor"):
        read_csv(write(tmp_path, text))


def test_wrong_field_count_names_line(tmp_path):
    text = HEADER + rows(5) + "0.05,left_thigh,0.1,9.8\n" + rows(5, t0=0.06)
    with pytest.raises(ColumnError, match=r"r.csv:7: expected 8 fields, found 4"):
        read_csv(write(tmp_path, text))


def test_non_numeric_value_names_line_and_column(tmp_path):
    text = "# c\n" + HEADER + rows(3) + "0.03,left_thigh,0.1,abc,0.2,0,0,0\n" + rows(3, t0=0.04)
    with pytest.raises(ValueFormatError, match=r"r.csv:6: column acc_y: 'abc' is not a number"):
        read_csv(write(tmp_path, text))


def test_nan_and_inf_runs(tmp_path):
    text = HEADER + rows(4) + "".join(f"0.0{i},left_thigh,nan,9.8,0,0,0,0\n" for i in range(4, 7)) + rows(3, t0=0.07)
    with pytest.raises(NonFiniteError, match=r"r.csv:6: acc_x is nan: expected a finite number \(3 row\(s\)"):
        read_csv(write(tmp_path, text))
    text = HEADER + rows(4) + "0.04,left_thigh,0,9.8,0,inf,0,0\n"
    with pytest.raises(NonFiniteError, match=r"r.csv:6: gyr_x is inf"):
        read_csv(write(tmp_path, text))


def test_time_backwards_and_duplicated(tmp_path):
    text = HEADER + rows(5) + rows(1, t0=0.02) + rows(2, t0=0.06)
    with pytest.raises(TimeOrderError, match=r"r.csv:7: time 0.02 s of sensor left_thigh goes backwards"):
        read_csv(write(tmp_path, text))
    text = HEADER + rows(5) + rows(1, t0=0.04)
    with pytest.raises(TimeOrderError, match=r"r.csv:7: time 0.04 s of sensor left_thigh repeats"):
        read_csv(write(tmp_path, text))


def test_gap_is_a_warning_and_recorded(tmp_path):
    text = HEADER + rows(20) + rows(20, t0=0.5)
    with pytest.warns(ImuhipWarning, match=r"sensor left_thigh: 1 gap\(s\), ~30 missing samples; longest gap of 0.310 s"):
        rec = read_csv(write(tmp_path, text))
    gaps = rec["left_thigh"].gaps
    assert len(gaps) == 1 and gaps[0].start_s == 0.19 and gaps[0].end_s == 0.5
    assert gaps[0].missing_samples == 30
    assert any("gap" in w for w in rec.warnings)


def test_acceleration_in_g_is_refused_and_can_be_declared(tmp_path):
    path = write(tmp_path, HEADER + rows(20, acc="0.01,1.0,0.02"))
    with pytest.raises(UnitError, match=r"r.csv:2: sensor left_thigh: median \|acc\| is 1.000: looks like g"):
        read_csv(path)
    rec = read_csv(path, acc_unit="g")
    assert np.median(np.linalg.norm(rec["left_thigh"].acc, axis=1)) == pytest.approx(9.807, abs=0.01)
    assert rec["left_thigh"].meta["acc_unit"] == "g"


def test_angular_rate_in_deg_per_s_is_refused(tmp_path):
    text = HEADER + rows(20) + rows(3, t0=0.2, gyr="250.0,-300.0,10.0")
    with pytest.raises(UnitError, match=r"r.csv:2: sensor left_thigh: angular rate reaches \d+ rad/s.*deg/s"):
        read_csv(write(tmp_path, text))


def test_unknown_sensor_in_strict_mode(tmp_path):
    path = write(tmp_path, HEADER + rows(5) + rows(5, "left_thig", t0=1.0))
    with pytest.raises(UnknownSensorError, match=r"r.csv:7: unknown sensor 'left_thig' \(did you mean 'left_thigh'\?\)"):
        read_csv(path, strict=True)
    assert set(read_csv(path).sensors) == {"left_thigh", "left_thig"}


def test_newer_format_version_is_refused(tmp_path):
    with pytest.raises(ColumnError, match=r"r.csv:1: .*format version 2 is newer"):
        read_csv(write(tmp_path, "# imuhip-csv: 2\n" + HEADER + rows()))


def test_comment_lines_between_rows_do_not_shift_line_numbers(tmp_path):
    text = HEADER + rows(3) + "# annotation: 0.0,0.02,marching,both\n" + "0.03,left_thigh,0,x,0,0,0,0\n"
    with pytest.raises(ValueFormatError, match=r"r.csv:6:"):
        read_csv(write(tmp_path, text))


def test_comments_never_read_back_as_metadata(tmp_path):
    from imuhip.io import CsvWriter

    path = tmp_path / "c.csv"
    with CsvWriter(path, {"athlete": "A"}, {"left_thigh": {}}) as w:
        w.write_comment("athlete: B")  # would read as metadata: its colon goes
        w.write_comment("left_thigh (F1:00:00:00:00:01) streaming")  # cannot: kept as written
        w.append("left_thigh", [0.0, 0.01], np.zeros((2, 3)) + [0, 0, 9.81], np.zeros((2, 3)))
    text = path.read_text()
    assert "# athlete - B" in text and "# left_thigh (F1:00:00:00:00:01) streaming" in text
    assert read_csv(path, check=False).meta["athlete"] == "A"
