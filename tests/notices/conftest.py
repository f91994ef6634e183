# The run tests here use the interfaces' test kinds and temporary media folder.
from ..interfaces.conftest import csv_interface, media, test_kinds  # noqa: F401
