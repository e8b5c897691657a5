"""One test per failure class of the adversarial review (readers, decoders): each bad input gives an
imuhip error naming the file and line or field."""

import re
import time

import numpy as np
import pytest

import mutate
from imuhip.ble import imuhip_open, movesense, polar_pmd
from imuhip.ble.errors import DecodeError
from imuhip.errors import ColumnError, EmptyFileError, InputError, NonFiniteError, ValueFormatError
from imuhip.io import read_any

#: (seed name, file name, column whose value is replaced)
NUMERIC_CELLS = [("imuhip-csv skinematics_walking_thigh.csv", "skinematics_walking_thigh.csv", "acc_x"),
                 ("xsens-mt", "walking_xsens_upperLeg.txt", "Acc_X"),
                 ("hugadb", "HuGaDB_v2_various_01_00.txt", "acc_rt_x"),
                 ("dot-raw", "bei_D4CA6EF17860_20210830_170505.csv", "Acc_X"),
                 ("sensor-logger", "Gyroscope.csv", "x"),
                 ("polar-logger", "Polar_Sense_ACC.txt", "X [mg]"),
                 ("witmotion", "witmotion.csv", "ax(g)"),
                 ("sensorlog", "sensorlog.csv", "gyroRotationX(rad/s)")]


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    if not mutate.SHARED.exists():
        pytest.skip("shared data not present")
    return {s.name: s for s in mutate.build_seeds(tmp_path_factory.mktemp("seeds"))}


def _replace_cell(seed, name, column, value, tmp_path, row=5):
    """A copy of `seed` whose file `name` has `value` in `column` of data row `row`; (path, file, line)."""
    import random
    import shutil

    dest = tmp_path / "case"
    path, _ = mutate.mutate_copy(seed, dest, random.Random(0))  # a copy; the mutated file is rewritten below
    original = next(f for f in seed.files if f.name == name)
    target = next(dest.rglob(name))
    shutil.copy(original, target)
    lines = target.read_text(encoding="utf-8-sig").split("\n")
    header = next(i for i, ln in enumerate(lines) if column in ln.replace('"', "").split(ln.count("\t") and "\t"
                                                                                           or (";" if ";" in ln else ",")))
    sep = "\t" if "\t" in lines[header] else ";" if ";" in lines[header] else ","
    k = lines[header].split(sep).index(column)
    fields = lines[header + row].split(sep)
    fields[k] = value
    lines[header + row] = sep.join(fields)
    target.write_text("\n".join(lines))
    return path, target, header + row + 1


@pytest.mark.parametrize("seed_name,name,column", NUMERIC_CELLS)
@pytest.mark.parametrize("value,error", [("nan", NonFiniteError), ("-inf", NonFiniteError), ("12abc", ValueFormatError)])
def test_class3_non_numbers_nan_and_inf_refused_with_the_line_in_every_reader(seeds, tmp_path, seed_name, name,
                                                                              column, value, error):
    path, target, line = _replace_cell(seeds[seed_name], name, column, value, tmp_path)
    with pytest.raises(error) as info:
        read_any(path)
    assert info.value.path == str(target) and info.value.line == line, str(info.value)
    assert column in str(info.value)


@pytest.mark.parametrize("seed_name,name,column", NUMERIC_CELLS)
def test_class1_non_utf8_and_extra_fields_named_with_file_and_line(seeds, tmp_path, seed_name, name, column):
    path, target, line = _replace_cell(seeds[seed_name], name, column, "1", tmp_path, row=3)
    data = target.read_bytes().split(b"\n")
    data[line - 1] += b"\xe9t\xe9"  # latin-1
    target.write_bytes(b"\n".join(data))
    with pytest.raises(InputError, match=rf"{target.name}:{line}: not UTF-8 text: byte 0xe9"):
        read_any(path)
    data[line - 1] = data[line - 1][:-3] + b",1;2\t3,4;5\t6"  # more fields than the header in any separator
    target.write_bytes(b"\n".join(data))
    with pytest.raises(ColumnError, match=rf"{target.name}:{line}: .*\d+ fields"):
        read_any(path)


def test_class1_metadata_header_only_corrupt_zip_bad_marker_time_and_one_row(seeds, tmp_path):
    import shutil

    folder = tmp_path / "sl"
    shutil.copytree(seeds["sensor-logger"].root, folder)
    meta = folder / "Metadata.csv"
    meta.write_text(meta.read_text().splitlines()[0] + "\n")
    with pytest.raises(EmptyFileError, match="Metadata.csv:1: no data rows"):
        read_any(folder)
    z = tmp_path / "export.zip"
    z.write_bytes(seeds["sensor-logger-zip"].root.read_bytes()[:5000])
    with pytest.raises(InputError, match="export.zip"):
        read_any(z)
    polar = tmp_path / "polar"
    shutil.copytree(seeds["polar-logger"].root, polar)
    (polar / "MARKER.txt").write_text("Phone timestamp;Marker start/stop\n2022-04-25T11:40:02.383;MARKER_START \n"
                                      "2022-13-45T99:48:03.398;MARKER_STOP \n")
    with pytest.raises(ValueFormatError, match="MARKER.txt:3: Phone timestamp is '2022-13-45T99"):
        read_any(polar)
    mt = tmp_path / "mt.txt"
    lines = seeds["xsens-mt-matrix"].root.read_text().splitlines()
    header = next(i for i, ln in enumerate(lines) if not ln.startswith("//"))
    mt.write_text("\n".join(lines[:header + 2]) + "\n")
    with pytest.raises(InputError, match="mt.txt: 1 data row"):
        read_any(mt)


@pytest.mark.parametrize("packet,field", [({"Timestamp": "x"}, "Timestamp"), ({"ArrayAcc": [{"x": 1}]}, "ArrayAcc[0]"),
                                          ({"ArrayGyro": [{"x": True, "y": 0, "z": 0}]}, "ArrayGyro[0].x"),
                                          ({"ArrayAcc": []}, "ArrayAcc"), ({"ArrayAcc": None}, "ArrayAcc")])
def test_class1_movesense_json_wrong_types_named_by_field(seeds, tmp_path, packet, field):
    import json

    doc = json.loads(seeds["movesense-json"].root.read_text())
    doc["Body"]["Data"][3].update(packet)
    f = tmp_path / "m.json"
    f.write_text(json.dumps(doc))
    with pytest.raises(ValueFormatError, match=re.escape(f"m.json: $.Body.Data[3].{field}")):
        read_any(f)
    f.write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + ', "ArrayAcc": 1}')
    with pytest.raises(InputError, match="m.json"):
        read_any(f)


@pytest.mark.parametrize("name", ["Metadata.csv", "Gyroscope.csv"])
def test_class2_a_huge_single_line_is_refused_at_once(seeds, tmp_path, name):
    import shutil

    folder = tmp_path / "sl"
    shutil.copytree(seeds["sensor-logger"].root, folder)
    (folder / name).write_bytes((folder / name).read_bytes() + b"," * 12_000_000)
    start = time.monotonic()
    with pytest.raises(InputError, match=rf"{name}:\d+: line of 12,0\d\d,\d\d\d characters"):
        read_any(folder)
    assert time.monotonic() - start < 5.0


def test_class13_empty_binary_and_one_sample_files(tmp_path):
    f = tmp_path / "x.csv"
    f.write_bytes(b"")
    with pytest.raises(EmptyFileError, match="x.csv: empty file"):
        read_any(f)
    f.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(InputError, match="x.csv:3: not a text file"):
        read_any(f)
    f.write_text("time_s,sensor,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n0.0,left_thigh,0,9.8,0,0,0,0\n")
    with pytest.raises(EmptyFileError, match="x.csv:2: sensor left_thigh has 1 sample"):
        read_any(f)


def test_class8_decoders_refuse_impossible_packets():
    scales = imuhip_open.Scales(2048.0, 16.4)
    with pytest.raises(DecodeError, match="0 samples"):
        imuhip_open.decode_data(imuhip_open.HEADER.pack(1, 0, 1, 0, 9615, 0), scales)
    for bad in (1e-40, 1e38, float("nan"), float("inf"), 0.0, -2.0):
        with pytest.raises(DecodeError, match="cannot be right"):
            imuhip_open.decode_info(np.array([1], "u1").tobytes() + np.array([bad, 16.4], "<f4").tobytes() + b"\0\0")
        with pytest.raises(DecodeError, match="conversion factor"):
            polar_pmd.decode_response(polar_pmd.encode_response(2, 2, 0, bad))
    with pytest.raises(DecodeError, match="beyond any IMU's range"):
        movesense.decode_imu6(movesense.encode_imu6(1, 0, np.full((1, 3), 3.4e38), np.zeros((1, 3))))
    frame = polar_pmd.encode_frame(polar_pmd.ACC, 10**18, np.ones((3, 3)), compressed=True)
    with pytest.raises(DecodeError, match="0 samples"):
        polar_pmd.decode_frame(frame[:16] + bytes([4, 0]))
    with pytest.raises(DecodeError, match="without samples"):
        polar_pmd.decode_frame(frame[:9] + b"\x01")  # raw, no samples
    with pytest.raises(DecodeError, match="after the year 2200"):
        polar_pmd.decode_frame(bytes([2]) + (2**63).to_bytes(8, "little") + frame[9:])
