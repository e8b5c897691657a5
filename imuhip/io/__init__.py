"""Reading and writing recordings: the imuhip CSV format and the exports of other apps."""

from imuhip.io.imuhip_csv import CsvWriter, read_csv, write_csv
from imuhip.io.hugadb import read_hugadb
from imuhip.io.xsens_mt import read_xsens_mt
from imuhip.io.detect import read_any  # noqa: E402  (needs the readers above)

__all__ = ["CsvWriter", "read_any", "read_csv", "read_hugadb", "read_xsens_mt", "write_csv"]
