"""The console's files by exact name only, and the index's base path only when it is a plain path."""

from __future__ import annotations

import pytest

from herald import console


@pytest.mark.parametrize("base", ["", "/dev", "/api/v2", "/stage-1.x~y"])
def test_the_index_names_its_files_under_a_plain_base_path(base):
    index = console.asset(console.INDEX, base)

    assert index is not None
    assert f'<script type="module" src="{base}/console/app.js"></script>' in index.body


@pytest.mark.parametrize("base", ['/dev"><script>alert(1)</script>', "/a b", "dev", "//evil.example.com", "/x/"])
def test_any_other_base_path_is_dropped_not_written_into_the_page(base):
    index = console.asset(console.INDEX, base)

    assert index is not None
    assert '<script type="module" src="/console/app.js"></script>' in index.body
    assert "evil" not in index.body and "alert" not in index.body


@pytest.mark.parametrize("name", ["../__init__.py", "__init__.py", "app.js/", "APP.JS", "static", ".hidden.js", ""])
def test_only_the_shipped_files_by_exact_name(name):
    assert console.asset(name) is None
