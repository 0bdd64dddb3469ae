#!/usr/bin/env bash
# Prints the path of a Python 3.13 that runs, for make to build .venv with; says what to install otherwise.
# Tried in order: python3.13 on PATH (a pyenv shim counts only if it runs), pyenv's newest 3.13.x
# (whatever the pyenv version in force), `uv python find 3.13`.
# Bash builtins only besides the candidates themselves: tests/unit/local/test_find_python.py runs it with fake PATHs.
set -u

# The interpreter behind $1 (a pyenv shim resolves to the real one) when $1 runs Python 3.13.
python_313() {
    [[ -x "$1" ]] || return 1
    local real
    real=$("$1" -c 'import sys; print(sys.executable if sys.version_info[:2] == (3, 13) else "")' 2>/dev/null)
    [[ -n $real ]] && printf '%s\n' "$real"
}

found() {
    printf '%s\n' "$1"
    exit 0
}

candidate=$(command -v python3.13 2>/dev/null) && real=$(python_313 "$candidate") && found "$real"

if command -v pyenv >/dev/null 2>&1; then
    root=$(pyenv root 2>/dev/null)
    best="" best_patch=-1
    for dir in "$root"/versions/3.13.*; do
        patch=${dir##*/3.13.}
        [[ $patch =~ ^[0-9]+$ ]] || continue  # release builds only: not 3.13.0rc1, 3.13-dev or 3.13.1t
        if ((patch > best_patch)) && real=$(python_313 "$dir/bin/python3.13"); then
            best=$real best_patch=$patch
        fi
    done
    [[ -n $best ]] && found "$best"
fi

if command -v uv >/dev/null 2>&1; then
    candidate=$(uv python find 3.13 2>/dev/null) && real=$(python_313 "$candidate") && found "$real"
fi

echo "Herald needs Python 3.13 and found none (python3.13 on PATH, pyenv, uv): install it, e.g. \`pyenv install 3.13\`, \`uv python install 3.13\` or your system's python3.13 package, or set PYTHON=/path/to/python3.13." >&2
exit 1
