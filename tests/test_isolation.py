"""The suite's own isolation (conftest.py): nothing is written to the home folder or the checkout."""
import os
from pathlib import Path

import matplotlib

from conftest import ISOLATED, ISOLATION_ROOT

ROOT = Path(__file__).resolve().parents[1]


def test_every_writable_folder_is_temporary(isolated_environment):
    assert set(isolated_environment) == set(ISOLATED)
    for name, path in isolated_environment.items():
        assert os.environ[name] == str(path) and path.is_dir(), name
        assert not path.is_relative_to(Path.home()) and not path.is_relative_to(ROOT), name


def test_library_and_matplotlib_use_the_temporary_folders():
    from qualitylib.batch.interactive import default_export_dir
    from qualitylib.data.region import cache_dir

    assert default_export_dir().is_relative_to(ISOLATION_ROOT)
    assert cache_dir().is_relative_to(ISOLATION_ROOT)
    assert Path(matplotlib.get_configdir()).is_relative_to(ISOLATION_ROOT)
    assert Path(matplotlib.get_cachedir()).is_relative_to(ISOLATION_ROOT)


def test_jupyter_folders_are_temporary():
    from jupyter_core.paths import jupyter_config_dir, jupyter_data_dir, jupyter_runtime_dir

    for folder in (jupyter_runtime_dir(), jupyter_data_dir(), jupyter_config_dir()):
        assert Path(folder).is_relative_to(ISOLATION_ROOT)


class Page:
    def screenshot(self, path, full_page):
        Path(path).write_bytes(b"png" if full_page else b"viewport")


def test_screenshots_go_to_the_temporary_folder_and_are_named_in_the_report(screenshot, request):
    path = screenshot(Page(), "index")
    assert path.read_bytes() == b"png" and path.name == "index.png"
    assert not path.is_relative_to(ROOT)
    assert ("screenshot", str(path)) in request.node.user_properties
