"""The command model: a command line read once, for detection, intent and effects alike.

``Command.parse`` splits a line (``shell.split``) and reads every simple command into a
``Stage``: wrappers unwrapped (``env -u VAR``, ``sudo -u user``, ``timeout 30``, ``nice -n
5``, ``nohup``, ``xargs``), env assignments and redirections set aside, the program's
basename, its arguments, and which of them are flags, flag values and operands.
``bash -c '…'`` and ``su -c '…' user`` are opened up into the commands they run, so
``bash -c 'cat build.log'`` is read exactly as ``cat build.log``.

What the model answers:

- *Informational* exits are answers, not failures: ``grep`` finding nothing (1), ``diff``
  finding differences (1), ``test``/``[`` being false, ``which`` probing, pylint's bit
  flags for warning/refactor/convention messages, a link check reporting broken links.
- *Probes* ask whether something exists (``which x``, ``command -v x``, ``x --version``,
  ``ls PATH``): "not found" is their answer.
- An exit code is *hidden* when the recorded status may not be the failing program's:
  ``cmd | tail`` reports ``tail``, ``a; b`` reports ``b``, ``a || b`` reports ``b``.
  PowerShell never sets it for cmdlet errors.
- A *viewer* command only shows existing text (``cat log``, ``grep -r error``), so error
  words in its output are content, unless the viewer or the shell itself says them.
- The *main stage*: the simple command that decides what the step was for (the last
  non-trivial one; in ``echo x | prog`` it is ``prog``, in ``prog | tail`` it is ``prog``).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rebound.classifier.shell import split

_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_REDIRECT = re.compile(r"^(?:\d*|&)(?:>>?|<<?<?)&?(\S*)$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?[smhd]?$")
_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh"})
# Shell keywords that come before a command, and words that start or end a compound
# command without running anything themselves.
_KEYWORDS = frozenset({"do", "then", "else", "elif", "if", "while", "until", "!", "{", "(("})
_CASE_PATTERN = re.compile(r"^[^$(]*\)$")
_HEADERS = frozenset({"for", "select", "case", "done", "fi", "esac", "}", "in", ";;", "))"})
_SHELL_C = frozenset({"-c", "-lc", "-ec", "-xc", "-cl", "-ic", "-ce"})
_SWITCH_USER = frozenset({"su", "runuser"})
# Wrappers: (their flags that take a value, whether leading numbers are theirs).
_WRAPPERS: dict[str, tuple[frozenset[str], bool]] = {
    "sudo": (frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U"}), False),
    "env": (frozenset({"-u", "--unset", "-C", "--chdir", "-S", "--split-string"}), False),
    "nohup": (frozenset(), False),
    "nice": (frozenset({"-n", "--adjustment"}), False),
    "ionice": (frozenset({"-c", "-n", "-p"}), False),
    "time": (frozenset({"-f", "-o"}), False),
    "stdbuf": (frozenset({"-i", "-o", "-e"}), False),
    "exec": (frozenset({"-a"}), False),
    "command": (frozenset(), False),
    "timeout": (frozenset({"-s", "--signal", "-k", "--kill-after"}), True),
    "xargs": (frozenset({"-n", "-P", "-I", "-L", "-d", "-s", "-E", "-a"}), False),
    "unbuffer": (frozenset(), False),
    "chronic": (frozenset(), False),
}
# Flags that take a value, per program (a value never counts as a target).
_VALUE_FLAGS: dict[str, frozenset[str]] = {
    "ninja": frozenset({"-C", "-f", "-j", "-k", "-l", "-d", "-t", "-w"}),
    "make": frozenset({"-C", "-f", "-j", "-l", "-o", "-W", "-I", "--directory", "--file"}),
    "cmake": frozenset(
        {"-S", "-B", "-G", "-T", "-A", "-C", "-j", "--build", "--target", "-t", "--config"}
        | {"--parallel", "--preset", "--install", "--prefix", "--component", "-E"}
    ),
    "ctest": frozenset({"-C", "-R", "-E", "-L", "-j", "--test-dir", "--timeout", "-I"}),
    "git": frozenset({"-C", "-c", "--git-dir", "--work-tree"}),
    "cargo": frozenset(
        {"-p", "--package", "-j", "--jobs", "--features", "-F", "--target", "--bin", "--test"}
        | {"--example", "--bench", "--manifest-path", "-Z", "--profile", "--exclude"}
        | {"--target-dir", "--message-format", "--color", "--config"}
    ),
    "python": frozenset({"-W", "-X", "-c", "-m"}),
    "pytest": frozenset({"-k", "-m", "-p", "-c", "-n", "-o", "--rootdir", "--maxfail"}),
    "sed": frozenset({"-e", "-f", "--expression", "--file"}),
    "grep": frozenset({"-e", "-f", "-m", "-A", "-B", "-C", "--include", "--exclude"}),
    "rg": frozenset({"-e", "-g", "--glob", "-t", "--type", "-m", "-A", "-B", "-C"}),
    "head": frozenset({"-n", "-c"}),
    "tail": frozenset({"-n", "-c"}),
    "dotnet": frozenset({"-c", "--configuration", "-f", "--framework", "--filter", "-v"}),
    "go": frozenset({"-run", "-tags", "-o", "-p", "-timeout", "-count"}),
    "mvn": frozenset({"-f", "-pl", "-s", "-P", "-T"}),
    "gradle": frozenset({"-p", "-x", "--tests"}),
    "npm": frozenset({"--prefix", "-w", "--workspace"}),
    "docker": frozenset({"-f", "-t", "--name", "-p", "-v", "-e", "-w", "--network"}),
    "pip": frozenset({"-r", "-c", "-i", "--index-url", "-t", "--target", "-e"}),
    "find": frozenset(),
    "ls": frozenset({"-I", "--ignore", "-w", "--sort", "--format"}),
}
_SEARCHERS = frozenset(
    {"grep", "egrep", "fgrep", "zgrep", "rg", "ag", "ack", "pgrep", "pidof", "findstr"}
)
_DIFFERS = frozenset({"diff", "cmp", "colordiff", "comm"})
_TESTS = frozenset({"test", "[", "[["})
_PROBES = frozenset({"which", "type", "hash", "whereis", "where", "where.exe", "get-command"})
# (not -v: `pytest -v` is verbose, and only `--version`-like flags ask for a version)
_VERSION_FLAGS = frozenset({"--version", "-version", "-V", "version"})
_VIEWERS = frozenset(
    {
        "cat", "head", "tail", "less", "more", "bat", "nl", "tac", "sed", "awk", "grep", "egrep",
        "fgrep", "zgrep", "rg", "ag", "ack", "find", "ls", "tree", "wc", "echo", "printf", "diff",
        "cut", "sort", "uniq", "xxd", "od", "hexdump", "file", "stat", "readlink", "realpath", "jq",
        "column", "strings", "open", "goto", "scroll_up", "scroll_down", "search_file",
        "search_dir", "find_file", "get-content", "gc", "type", "select-string", "get-childitem",
        "dir", "sls",
    }
)  # fmt: skip
TRIVIAL = frozenset(
    {"cd", "pushd", "popd", "export", "set", "source", ".", "true", ":", "sleep", "unset"}
    | {"alias", "exit", "wait", "clear", "echo", "printf", "shopt", "ulimit", "umask"}
)
_SILENT = frozenset({"echo", "printf", "true", ":"})
_GIT_VIEWS = frozenset({"log", "show", "diff", "blame", "status", "grep", "ls-files", "branch"})
_WRAPS_EXIT = frozenset({"script", "unbuffer"})
_POWERSHELL = frozenset({"powershell", "pwsh", "powershell.exe", "pwsh.exe"})
# pylint's exit status is a bit mask: 4 warning, 8 refactor, 16 convention messages were
# issued (findings, not a failure); 1 fatal, 2 error and 32 usage error are failures.
_PYLINT_FINDINGS = 4 | 8 | 16
_DEPTH = 3


@dataclass(frozen=True, slots=True)
class Stage:
    """One simple command as it runs: wrappers, assignments and redirections set aside.

    ``name`` is the program's lower-cased basename (``""`` when there is none); ``args``
    its arguments; ``user`` the user a ``sudo -u``/``su`` switch runs it as.
    """

    name: str
    args: tuple[str, ...]
    user: str | None = None

    @property
    def operands(self) -> tuple[str, ...]:
        """Arguments that are neither flags nor the values of flags (``ninja -k 0 all``: all)."""
        return _operands(self.name, self.args)

    def flag_value(self, *flags: str) -> str | None:
        """The value given to the first of ``flags`` (``-C dir``, ``--target=x``)."""
        args = self.args
        for i, arg in enumerate(args):
            for flag in flags:
                if arg == flag and i + 1 < len(args):
                    return args[i + 1]
                if arg.startswith(flag + "="):
                    return arg[len(flag) + 1 :]
        return None

    @property
    def is_probe(self) -> bool:
        """Asks whether a program or path exists (``which x``, ``x --version``, ``ls p``)."""
        if self.name in _PROBES or (self.name == "command" and self.args[:1] in (("-v",), ("-V",))):
            return True
        if self.name == "ls":  # `ls PATH` asks whether PATH exists; `ls --bad-flag` asks nothing
            return any(not arg.startswith("-") for arg in self.args)
        return len(self.args) == 1 and self.args[0] in _VERSION_FLAGS


@dataclass(frozen=True, slots=True)
class Pipe:
    """Stages joined by ``|``, and the list operator written before them."""

    stages: tuple[Stage, ...]
    joiner: str  # "" for the first, else one of ";", "\n", "&", "&&", "||"
    fallback: bool = False  # in an `else` branch: what runs when the real command failed


def kept_words(words: Iterable[str], drop: Callable[[str], int]) -> list[str]:
    """``words`` less the dropped ones: ``drop(word)`` is 0 (keep), 1 (drop it) or 2 (drop
    it and the word after it, its value)."""
    out: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        n = drop(word)
        if n:
            skip = n == 2
            continue
        out.append(word)
    return out


@functools.lru_cache(maxsize=4096)
def _operands(name: str, args: tuple[str, ...]) -> tuple[str, ...]:
    """Cached: detection, intent and effects ask it of the same stage."""
    for arg in args:
        if arg[:1] == "-":
            break
    else:
        return args  # the common case: no flags
    takes_value = _VALUE_FLAGS.get(name, frozenset())

    def flag(arg: str) -> int:
        if not arg.startswith("-") or len(arg) == 1:
            return 0
        return 2 if "=" not in arg and arg in takes_value else 1

    return tuple(kept_words(args, flag))


def _redirect(word: str) -> int:
    # only a word starting with a digit, "&", "<" or ">" can be a redirection
    match = _REDIRECT.match(word) if word[:1] in "&<>" or word[:1].isdigit() else None
    if match:
        return 1 if match.group(1) else 2
    return 0 if word else 1


def _without_redirects(words: tuple[str, ...]) -> list[str]:
    for word in words:
        if not word or word[0] in _REDIRECT_START:
            return kept_words(words, _redirect)
    return list(words)  # the common case: nothing to drop


_REDIRECT_START = frozenset("&<>0123456789")


def _basename(word: str) -> str:
    return (word.rsplit("/", 1)[-1] if "/" in word else word).lower()


@functools.lru_cache(maxsize=4096)
def stage_of(words: tuple[str, ...]) -> Stage:
    """A simple command's stage: the program past assignments, wrappers and redirections."""
    args = _without_redirects(words)
    user: str | None = None
    while args:
        head = args[0]
        if (
            ("=" in head and _ASSIGNMENT.match(head))
            or head in _KEYWORDS
            or (head[-1:] == ")" and _CASE_PATTERN.match(head))
        ):
            args.pop(0)  # `do make`, `then make`, `! grep`, `a) make`: the command after it
            continue
        if head in _HEADERS:
            return Stage("", (), user)  # `for x in a b`, `case $x in`, `done`: no program
        name = _basename(head)
        wrapper = _WRAPPERS.get(name)
        if wrapper is None or (head == "command" and args[1:2] in (["-v"], ["-V"])):
            return Stage(name, tuple(args[1:]), user)
        takes_value, numbers = wrapper
        args.pop(0)
        while args and (args[0].startswith("-") or (numbers and _NUMBER.match(args[0]))):
            flag = args.pop(0)
            if flag in takes_value and args:
                value = args.pop(0)
                if flag == "-u" and head == "sudo":
                    user = value
            if numbers and _NUMBER.match(flag):
                break  # `timeout 30 cmd`: the duration is the last of its operands
        while args and "=" in args[0] and _ASSIGNMENT.match(args[0]):
            args.pop(0)  # `env A=1 B=2 cmd`
    return Stage("", (), user)


def _inner(stage: Stage) -> tuple[str, str | None] | None:
    """The command line a ``bash -c``/``su -c`` stage runs, and the user it runs as."""
    args = stage.args
    if stage.name in _SHELLS:
        for i, arg in enumerate(args):
            if arg in _SHELL_C:
                return (args[i + 1], stage.user) if i + 1 < len(args) else None
            if not arg.startswith("-"):
                return None
        return None
    if stage.name in _SWITCH_USER and "-c" in args:
        at = args.index("-c")
        if at + 1 >= len(args):
            return None
        rest = [a for a in _operands("su", args[at + 2 :])]
        return args[at + 1], rest[-1] if rest else "root"
    return None


def _pipes(command: str, depth: int) -> tuple[Pipe, ...]:
    out: list[Pipe] = []
    branch = 0  # depth of `else` branches we are in
    for pipeline in split(command):
        stages = [stage_of(words) for words in pipeline.commands]
        joiner = pipeline.joiner
        first = pipeline.commands[0][0]
        if first in ("else", "elif"):
            branch += 1
        elif first == "fi" and branch:
            branch -= 1
        opens = len(stages) == 1 and (stages[0].name in _SHELLS or stages[0].name in _SWITCH_USER)
        inner = _inner(stages[0]) if opens and depth < _DEPTH else None
        if inner is not None:
            opened = _pipes(inner[0], depth + 1)
            if opened:
                out.append(Pipe(_as_user(opened[0].stages, inner[1]), joiner))
                out.extend(Pipe(_as_user(p.stages, inner[1]), p.joiner) for p in opened[1:])
                continue
        out.append(Pipe(tuple(stages), joiner, branch > 0))
    return tuple(out)


def _as_user(stages: tuple[Stage, ...], user: str | None) -> tuple[Stage, ...]:
    if user is None:
        return stages
    return tuple(Stage(s.name, s.args, s.user or user) for s in stages)


@dataclass(frozen=True, slots=True)
class Command:
    """A command line read once: its pipelines and the stages they run."""

    pipelines: tuple[Pipe, ...]

    @classmethod
    def parse(cls, command: str | None) -> Command:
        """Read ``command`` (None or empty gives a command with no pipelines)."""
        return _parse(command) if command else _EMPTY

    def programs(self) -> list[str]:
        """Every program named, in order, lower-cased."""
        return [stage.name for pipe in self.pipelines for stage in pipe.stages]

    def main_stage(self) -> Stage | None:
        """The stage that decides what the step was for, or None when nothing runs.

        The last non-trivial pipeline; within it the first stage, unless that stage only
        feeds text in (``echo x | prog``, ``cat f | prog``). A line of only ``cd``/
        ``export``-like commands keys on the last of them.
        """
        chosen: Stage | None = None
        trivial: Stage | None = None
        for pipe in self.pipelines:
            stage = _feeding_skipped(pipe.stages)
            if not stage.name or (pipe.fallback and chosen is not None):
                continue
            if stage.name not in TRIVIAL:
                chosen = stage
            elif stage.name not in _SILENT:
                trivial = stage
        return chosen or trivial

    def hides_exit(self, tool: str | None) -> bool:
        """True when a failure could leave the recorded exit status at 0."""
        if tool and tool.rsplit(":", 1)[-1].lower() in _POWERSHELL:
            return True
        if any(len(pipe.stages) > 1 for pipe in self.pipelines):
            return True
        if any(pipe.stages[0].name in _WRAPS_EXIT for pipe in self.pipelines):
            return True  # `script -c cmd` (a pseudo-terminal) exits 0 whatever cmd did
        return any(pipe.joiner in (";", "\n", "&", "||") for pipe in self.pipelines[1:])

    def is_viewer(self) -> bool:
        """True when every non-trivial program only shows existing text."""
        seen = False
        for pipe in self.pipelines:
            stage = pipe.stages[0]
            name, args = stage.name, stage.args
            if name in TRIVIAL or not name:
                continue
            if name == "git" and args and args[0] in _GIT_VIEWS:
                seen = True
                continue
            if name not in _VIEWERS or (name == "sed" and any(a.startswith("-i") for a in args)):
                return False
            seen = True
        return seen

    def informational(self, exit_code: int) -> bool:
        """True when ``exit_code`` is an answer (no match, differs, false), not a failure."""
        return any(
            _informational_exit(pipe.stages[-1], exit_code) for pipe in self._deciding_chain()
        )

    def reports_findings(self, exit_code: int) -> bool:
        """True when a checker's ``exit_code`` says it reported what it was asked to find.

        pylint's warning/refactor/convention bits, a link check's broken links: the output
        is the report the agent asked for, not the checker failing.
        """
        chain = self._deciding_chain()
        return bool(chain) and _reports_findings(chain[-1].stages[-1], exit_code)

    def searchers(self) -> frozenset[str]:
        """Programs in the command that search files (``grep -r``, ``rg``, ``find``)."""
        return frozenset(set(self.programs()) & (_SEARCHERS | {"find"}))

    def is_probe(self) -> bool:
        """True when every command that runs only asks whether a program or path exists.

        ``which x``, ``command -v x``, ``x --version``, ``ls PATH``, or a line of them
        (``gcc --version; cl; cmake --version``): their "not found" is the answer.
        """
        seen = False
        for pipe in self.pipelines:
            stage = pipe.stages[0]
            if not stage.name or stage.name in _SILENT:
                continue
            if stage.is_probe:
                seen = True
            elif len(pipe.stages) == 1 and not stage.args and not _looks_like_path(stage.name):
                continue  # a bare name in a line of probes (`cl;`) is one more probe
            else:
                return False
        return seen

    def _deciding_chain(self) -> list[Pipe]:
        """The last pipeline and the ``&&``-joined ones before it (any of them may fail)."""
        chain: list[Pipe] = []
        for pipe in reversed(self.pipelines):
            chain.append(pipe)
            if pipe.joiner != "&&":
                break
        chain.reverse()
        return chain


_EMPTY = Command(())


@functools.lru_cache(maxsize=2048)
def _parse(command: str) -> Command:
    """Cached: detection, intent and effects all read the same command line."""
    if "\n" in command and "<<" not in command:
        command = _WRAPPED.sub(" ", command)
    return Command(_pipes(command, 0))


# A line that cannot start a command is the previous line wrapped for display, not a
# command of its own (a shell given it as written would have failed in a way the recorded
# exit code does not show): a leading `|`, `&&` or `||`, a quoted word no program name
# starts like (a pattern or a glob: `"*.conf" -o …`, `"(AKIA…|[a-z/]{40})" {} \;`), or a
# line that is one quoted phrase with spaces (`echo` then `"No matches found"`).
_WRAPPED = re.compile(
    r"""\n[ \t]*(?=["'][^\w$/.~\-"'\s]|\|\|?|&&|"[^"\n$]* [^"\n$]*"[ \t]*(?:\n|$))"""
)


def _looks_like_path(name: str) -> bool:
    return "/" in name or "." in name


_FEEDERS = frozenset({"echo", "printf", "cat", "yes", "true"})


def _feeding_skipped(stages: tuple[Stage, ...]) -> Stage:
    """The first stage that does more than feed text into the next one."""
    for stage in stages[:-1]:
        if stage.name not in _FEEDERS or (stage.name == "cat" and not stage.args):
            return stage
    return stages[-1]


def _informational_exit(stage: Stage, code: int) -> bool:
    name, args = stage.name, stage.args
    if stage.is_probe and stage.name != "ls":
        return code == 1
    if name == "ls":
        return code == 2  # "cannot access": the path does not exist, the answer to a probe
    if name in _SEARCHERS and code == 123:
        return True  # `xargs grep`: 123 is xargs saying a grep found nothing
    if name == "git" and args[:1] == ("grep",):
        return code == 1
    if name == "git" and args[:1] == ("diff",):
        return code == 1 and any(a in ("--exit-code", "--quiet", "--no-index") for a in args)
    if name in _SEARCHERS or name in _DIFFERS or name in _TESTS:
        return code == 1
    if name == "systemctl" and args[:1] and args[0].startswith("is-"):
        return code in (1, 3, 4)
    if name in ("pip", "pip3") and args[:1] == ("show",):
        return code == 1
    return False


def _reports_findings(stage: Stage, code: int) -> bool:
    name, args = stage.name, stage.args
    if name == "pylint" or (name.startswith("python") and args[:2] == ("-m", "pylint")):
        return 0 < code <= 31 and not code & ~_PYLINT_FINDINGS
    if name == "sphinx-build":
        return code == 1 and _links_checked(args)
    return False


def _links_checked(args: tuple[str, ...]) -> bool:
    """``sphinx-build -b linkcheck``: exit 1 reports the broken links it was asked to find."""
    pairs = itertools.pairwise(args)
    return "-blinkcheck" in args or any(a == "-b" and b == "linkcheck" for a, b in pairs)


SCRIPT_FILE = re.compile(r"\.(?:py|sh|js|ts|rb|pl|php)$")
"""A file name a step runs as a script (``x.py``, ``./run.sh``)."""
_HEREDOC_WRITE = re.compile(
    r"^[^\n]*?<<-?\s*['\"]?\w+['\"]?[^\n]*?>\s*([^\s;&|<>]+)"  # cat <<'EOF' > f
    r"|^[^\n]*?>\s*([^\s;&|<>]+)[^\n]*<<"  # cat > f <<'EOF'
)


def heredoc_script(command: str | None) -> tuple[str, str] | None:
    """The script a heredoc writes (``cat <<'EOF' > run.py``), by base name, and the text
    written; None when the command writes no script that way."""
    if not command or "<<" not in command:
        return None
    match = _HEREDOC_WRITE.match(command)
    if match is None:
        return None
    name = (match.group(1) or match.group(2)).strip("'\"").rsplit("/", 1)[-1]
    return (name, command[match.end() :]) if SCRIPT_FILE.search(name) else None
