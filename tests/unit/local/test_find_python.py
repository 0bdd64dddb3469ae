"""local/find_python.sh, which make runs to find the Python 3.13 that builds .venv: fake PATHs, fake pythons.

Each fake is a script answering the finder's one question (`-c` printing sys.executable when it is 3.13);
the finder runs with nothing on PATH but the fakes, so no Python of this machine can answer for them.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

FINDER = Path(__file__).resolve().parents[3] / "local" / "find_python.sh"
NOT_INSTALLED = "echo \"pyenv: version '3.11.7' is not installed (set by PYENV_VERSION)\" >&2; exit 1"


def script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/bash\n{body}\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def python(path: Path, version: str) -> Path:
    """A fake interpreter of `version`: as the real one, it names itself only when it is 3.13."""
    return script(path, f'echo "{path}"' if version.startswith("3.13") else "echo")


def find(bin_dir: Path) -> subprocess.CompletedProcess[str]:
    bin_dir.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        ["/bin/bash", str(FINDER)], env={"PATH": str(bin_dir)}, capture_output=True, text=True, timeout=30, check=False
    )


def pyenv(tmp_path: Path, versions: dict[str, str]) -> Path:
    """A fake pyenv whose root holds `versions` (name → what its python3.13 does: a version or "broken")."""
    root = tmp_path / "pyenv"
    for name, behaviour in versions.items():
        executable = root / "versions" / name / "bin" / "python3.13"
        if behaviour == "broken":
            script(executable, NOT_INSTALLED)
        else:
            python(executable, behaviour)
    return script(tmp_path / "bin" / "pyenv", f'[ "$1" = root ] && echo "{root}"')


def test_python313_on_path_is_chosen(tmp_path: Path) -> None:
    found = python(tmp_path / "bin" / "python3.13", "3.13.2")

    result = find(tmp_path / "bin")

    assert (result.returncode, result.stdout) == (0, f"{found}\n")


def test_a_pyenv_shim_that_fails_gives_way_to_pyenvs_newest_313_whatever_version_is_in_force(tmp_path: Path) -> None:
    script(tmp_path / "bin" / "python3.13", NOT_INSTALLED)  # the shim, with PYENV_VERSION naming a missing version
    pyenv(
        tmp_path,
        {"3.13.1": "3.13.1", "3.13.10": "3.13.10", "3.13.2": "3.13.2", "3.13.0rc1": "3.13.0", "3.12.7": "3.12.7"},
    )

    result = find(tmp_path / "bin")

    assert (result.returncode, result.stdout) == (0, f"{tmp_path}/pyenv/versions/3.13.10/bin/python3.13\n")


def test_a_broken_pyenv_313_is_skipped_for_the_next_newest(tmp_path: Path) -> None:
    pyenv(tmp_path, {"3.13.9": "broken", "3.13.4": "3.13.4"})

    result = find(tmp_path / "bin")

    assert (result.returncode, result.stdout) == (0, f"{tmp_path}/pyenv/versions/3.13.4/bin/python3.13\n")


def test_uv_finds_one_when_path_and_pyenv_do_not(tmp_path: Path) -> None:
    pyenv(tmp_path, {"3.12.7": "3.12.7"})
    managed = python(tmp_path / "uv" / "cpython-3.13.5" / "bin" / "python3.13", "3.13.5")
    script(tmp_path / "bin" / "uv", f'[ "$*" = "python find 3.13" ] && echo "{managed}"')

    result = find(tmp_path / "bin")

    assert (result.returncode, result.stdout) == (0, f"{managed}\n")


def test_without_any_313_one_line_says_what_to_install(tmp_path: Path) -> None:
    python(tmp_path / "bin" / "python3.13", "3.12.7")  # a python3.13 on PATH that is not 3.13
    script(tmp_path / "bin" / "uv", "exit 2")  # uv without a 3.13

    result = find(tmp_path / "bin")

    assert (result.returncode, result.stdout) == (1, "")
    [line] = result.stderr.splitlines()
    assert "Herald needs Python 3.13" in line
    assert "pyenv install 3.13" in line and "uv python install 3.13" in line and "PYTHON=" in line
