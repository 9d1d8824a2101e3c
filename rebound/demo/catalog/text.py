"""How real tools print: pytest rules, tracebacks, apt and pip output, PEP 668."""

from __future__ import annotations

from rebound.demo.steps import ToolStep, lines

WORKDIR = "/workspace/ledger"


def pytest_rule(title: str, char: str = "=", width: int = 80) -> str:
    """A pytest section rule, centred the way pytest's ``sep()`` does it."""
    fill = char * max((width - len(title) - 2) // 2, 1)
    line = f"{fill} {title} {fill}"
    return line + char if len(line) < width else line


def pytest_progress(marks: str, percent: int = 100, width: int = 80) -> str:
    """A pytest progress line: the marks, then ``[ NN%]`` flush right."""
    tail = f"[{percent:3d}%]"
    return marks + " " * max(width - len(marks) - len(tail), 1) + tail


def traceback(*frames: str, error: str) -> str:
    return lines("Traceback (most recent call last):", *frames, error)


RUNPY = (
    '  File "<frozen runpy>", line 198, in _run_module_as_main',
    '  File "<frozen runpy>", line 88, in _run_code',
)
ROOT_PIP_WARNING = (
    "WARNING: Running pip as the 'root' user can result in broken permissions and "
    "conflicting behaviour with the system package manager. It is recommended to use a "
    "virtual environment instead: https://pip.pypa.io/warnings/venv"
)
APT_HEAD = (
    "Reading package lists...",
    "Building dependency tree...",
    "Reading state information...",
)


def apt_install(packages: str, size: str, debs: tuple[str, ...]) -> str:
    return lines(
        *APT_HEAD,
        "The following NEW packages will be installed:",
        f"  {packages}",
        f"0 upgraded, {len(debs)} newly installed, 0 to remove and 0 not upgraded.",
        f"Need to get {size} of archives.",
        *(
            f"Get:{i} http://deb.debian.org/debian bookworm/main amd64 {d}"
            for i, d in enumerate(debs, 1)
        ),
        "debconf: delaying package configuration, since apt-utils is not installed",
        *(f"Setting up {d.split(' [')[0].replace(' amd64 ', ' (')}) ..." for d in debs),
    )


def pip_ok(*installed: str) -> str:
    names = ", ".join(p.rsplit("-", 1)[0] for p in installed)
    return lines(
        *(f"Collecting {p.rsplit('-', 1)[0]}" for p in installed),
        f"Installing collected packages: {names}",
        "Successfully installed " + " ".join(installed),
        ROOT_PIP_WARNING,
    )


PEP668 = lines(
    "error: externally-managed-environment",
    "",
    "× This environment is externally managed",
    "╰─> To install Python packages system-wide, try apt install",
    "    python3-xyz, where xyz is the package you are trying to",
    "    install.",
    "    ",
    "    If you wish to install a non-Debian-packaged Python package,",
    "    create a virtual environment using python3 -m venv path/to/venv.",
    "    Then use path/to/venv/bin/python and path/to/venv/bin/pip. Make",
    "    sure you have python3-full installed.",
    "    ",
    "    If you wish to install a non-Debian packaged Python application,",
    "    it may be easiest to use pipx install xyz, which will manage a",
    "    virtual environment for you. Make sure you have pipx installed.",
    "    ",
    "    See /usr/share/doc/python3.11/README.venv for more information.",
    "",
    "note: If you believe this is a mistake, please contact your Python installation or OS "
    "distribution provider. You can override this, at the risk of breaking your Python "
    "installation or OS, by passing --break-system-packages.",
    "hint: See PEP 668 for the detailed specification.",
)

PYTEST_PASS = lines(pytest_progress("." * 24), "24 passed in 0.61s")

# Starting the repository's API in the background: the fix for several scenarios.
START_API = ToolStep(
    "nohup python -m uvicorn ledger.api:app --port 8000 > server.log 2>&1 &", "[1] 4821"
)
