"""Detection: did a step fail, and which taxonomy type is its main error?

A tool step failed when it exited non-zero (unless the exit is informational: ``grep``
with no match, ``diff`` finding differences, ``which`` probing), when its span says so,
or when its output holds a *strong* signature and its exit status is unknown or could
hide a failure (``cmd 2>&1 | tail``). The type is the highest-priority signature among
the admissible hits; with none, a bare exit status still says something (127, 137, …)
and otherwise the error is ``nonzero_exit_unexplained`` or ``unclassified``.

Model-call steps are errors only when their span says so, and get model_api types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from rebound.classifier.commands import SCRIPT_FILE, Command
from rebound.classifier.intent import shell_intent
from rebound.classifier.matcher import DEFAULT_WINDOW_KB, BackendName, Hit, Matcher, window
from rebound.classifier.shell import open_quote
from rebound.classifier.signatures import (
    EXIT_CODE_REFINES,
    EXIT_CODE_TYPES,
    GENERIC,
    HARNESS,
    LLM_REMAP,
    SIGNATURES,
    SPECIFIC,
    TOOL,
    Signature,
)
from rebound.classifier.steps import Step
from rebound.classifier.taxonomy import UNCLASSIFIED, category_of
from rebound.classifier.text import clean, context, informative_error_text, strip_echo, tail
from rebound.classifier.unreported import unreported_failure_type

UNEXPLAINED = "nonzero_exit_unexplained"
TEST_FAILED = "test_assertion_failure"
CUT = "output_too_large"
TIMEOUT = "command_timeout"
SYNTAX = "shell_syntax_error"
PROMPT = "interactive_prompt_blocked"
OWN = SPECIFIC - 10  # a specific enough message of the program's own
_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "env"})
_GIT_SPEAKERS = frozenset({"fatal", "error"})
_PROBE_TYPES = frozenset({"command_not_found", "file_not_found"})
_SEARCH_NOISE = frozenset({"file_not_found", "permission_denied_access", "path_type_mismatch"})
_SPEAKER_END = re.compile(r"\s*:")


@dataclass(frozen=True, slots=True)
class Detection:
    """The main error of one step."""

    type: str  # taxonomy type id, or "nonzero_exit_unexplained" / "unclassified"
    category: str  # taxonomy category id ("unclassified" for unclassified)
    confidence: float  # 0..1
    message: str  # the text the label rests on (raw: the caller redacts and caps it)
    strong: bool  # True if the text alone proved the failure
    failed_tests: tuple[str, ...] = ()  # names of the tests a test run reported failing


@dataclass(frozen=True, slots=True)
class _Found:
    signature: Signature
    hit: Hit | None  # None for a hit in the command line


def _confidence(sig: Signature, exit_failed: bool) -> float:
    if sig.priority >= TOOL:
        return 0.95
    base = 0.9 if sig.priority >= SPECIFIC else (0.8 if sig.priority > GENERIC else 0.7)
    return base if exit_failed or sig.strong else round(base - 0.1, 2)


# Commands up to this long are scanned on every step: one may be a harness verdict (exit_cost).
_SHORT_COMMAND = 64


class Detector:
    """Holds the compiled signatures; ``detect`` labels one step."""

    def __init__(
        self,
        signatures: tuple[Signature, ...] = SIGNATURES,
        *,
        backend: BackendName | None = None,
        window_kb: int = DEFAULT_WINDOW_KB,
    ) -> None:
        self.signatures = signatures
        self.matcher = Matcher(signatures, backend)
        self.window_kb = window_kb
        self._model_types = frozenset(
            s.type for s in signatures if category_of(s.type) == "model_api"
        )

    def detect(self, step: Step) -> Detection | None:
        """The step's main error, or None when the step did not fail."""
        if step.kind == "llm":
            return self._detect_llm(step) if step.failed_signal else None
        if step.kind != "tool":
            return None
        detection = self._detect_tool(step)
        if detection is not None and detection.type == TIMEOUT:
            if open_quote(step.command or ""):
                # the shell waited for a closing quote until the harness killed it
                return replace(detection, type=SYNTAX, category=category_of(SYNTAX))
            if _waits_for_input(step.output):
                return replace(detection, type=PROMPT, category=category_of(PROMPT))
        return detection

    def _scan(self, text: str, field: str, kind: str) -> tuple[bytes, list[_Found]]:
        data = window(text, self.window_kb, self.window_kb)
        found = []
        for hit in self.matcher.scan(data):
            sig = self.signatures[hit.pattern]
            if sig.field == field and kind in sig.kinds:
                found.append(_Found(sig, hit if field == "output" else None))
        return data, found

    def _detect_tool(self, step: Step) -> Detection | None:
        output = strip_echo(clean(step.output), step.command)
        error_text = informative_error_text(step.error_text)
        text = f"{error_text}\n{output}" if error_text else output
        data, found = self._scan(text, "output", "tool")
        code = step.exit_code
        exit_failed = code is not None and code != 0
        short = step.command if step.command and len(step.command) <= _SHORT_COMMAND else None
        command_hits = self._scan(short, "command", "tool")[1] if short else None
        harness = any(
            f.signature.priority >= HARNESS and f.signature.strong for f in command_hits or ()
        )
        if not found and not harness and not exit_failed and not step.failed_signal:
            return None  # the common success: nothing below could call it a failure
        command = Command.parse(step.command)
        if command.is_viewer():
            found = [f for f in found if _speaks_for_step(f, data, command)]
        searchers = command.searchers()
        if searchers and found and _has_results(data, searchers):
            # "grep: x: No such file or directory" beside real results is noise of a search
            found = [
                f
                for f in found
                if f.signature.type not in _SEARCH_NOISE or _speaker(f, data) not in searchers
            ]
            if not found:
                return None
        if command.is_probe() and all(f.signature.type in _PROBE_TYPES for f in found):
            return None
        if exit_failed and code is not None and command.reports_findings(code):
            # the checker's report is no failure; the shell's own complaint still is
            found = [f for f in found if _speaker(f, data) in _SHELLS]
            if not found:
                return None
        if exit_failed and not found and code is not None and command.informational(code):
            return None
        if exit_failed and _rejected_on_purpose(command, output):
            return None
        if not exit_failed and not step.failed_signal and not harness:
            trusted = code is None or command.hides_exit(step.tool)
            if not any(_proves_failure(f, trusted) for f in found):
                return None
        if step.command:
            found += (
                command_hits
                if command_hits is not None
                else self._scan(step.command, "command", "tool")[1]
            )
        if found:
            best = max(found, key=_rank)
            if best.signature.type == CUT and exit_failed:
                # the program failed on its own: the harness cutting its output is incidental
                own = [f for f in found if f.signature.type != CUT and f.signature.priority >= OWN]
                best = max(own, key=_rank) if own else best
            return self._label(best, data, exit_failed, found, code)
        if code is None and step.failed_signal and not output.strip():
            silent = unreported_failure_type(step.command, step.error_text)
            if silent is not None:
                return Detection(silent, category_of(silent), 0.5, error_text, False)
        detection = _fallback(code, exit_failed, output, error_text)
        if detection.type == UNEXPLAINED and code == 1 and _runs_tests(step.command):
            # a test runner that failed without a summary we can read: its tests failed
            failed = _failed_tests(output.encode("utf-8", "replace")[-_TAIL_BYTES:])
            message = detection.message
            return Detection(TEST_FAILED, category_of(TEST_FAILED), 0.6, message, False, failed)
        return detection

    def _label(
        self,
        best: _Found,
        data: bytes,
        exit_failed: bool,
        found: list[_Found],
        code: int | None,
    ) -> Detection:
        sig = best.signature
        type_ = EXIT_CODE_REFINES.get((code, sig.type), sig.type) if code is not None else sig.type
        shown = best if best.hit is not None else _best_output(found)
        if shown is not None and shown.hit is not None:
            message = context(data, shown.hit.start, shown.hit.end)
        else:
            message = tail(data.decode("utf-8", "replace"))
        strong = any(f.signature.strong and f.hit is not None for f in found)
        failed = _failed_tests(data) if type_ == TEST_FAILED else ()
        confidence = _confidence(sig, exit_failed)
        return Detection(type_, category_of(type_), confidence, message, strong, failed)

    def _detect_llm(self, step: Step) -> Detection:
        text = informative_error_text(step.error_text) or clean(step.output)
        data, found = self._scan(text, "output", "llm")
        mapped = []
        for f in found:
            type_ = LLM_REMAP.get(f.signature.type, f.signature.type)
            if type_ in self._model_types:
                mapped.append((f, type_))
        if not mapped:
            return Detection(UNCLASSIFIED, UNCLASSIFIED, 0.3, tail(text), False)
        best, type_ = max(mapped, key=lambda pair: _rank(pair[0]))
        assert best.hit is not None
        message = context(data, best.hit.start, best.hit.end)
        return Detection(
            type_, category_of(type_), _confidence(best.signature, True), message, False
        )


# How runners name a failed test: gtest, pytest, cargo/libtest, go test; and the test
# binary cargo runs next (``Running tests/cli.rs (target/debug/deps/app_cli-1f2e…)``), whose
# crate names the libtest failures after it.
_FAILED_TEST = re.compile(
    rb"^\[  FAILED  \] ([\w./:-]+)|^FAILED ([\w./-]+::[\w\[\].:-]+)"
    rb"|^test ([\w:]+) \.\.\. FAILED|^--- FAIL: ([\w/-]+)"
    rb"|^ *Running [^\n]*?deps/(\w+)-[0-9a-f]+\)"
    rb"|^([\w:]+) --- FAILED"  # libtest's quiet format
    rb"|^error: test failed, to rerun pass `-p ([\w-]+)",
    re.M,
)
_LIBTEST = (3, 6)  # the groups of a libtest failure
_CRATE = 5  # the crate whose test binary runs next
_RERUN = 7  # the package whose failures were just listed (quiet output names no binary)
_FAILED_TESTS_KEPT = 50
_TAIL_BYTES = 16 * 1024


def _failed_tests(data: bytes) -> tuple[str, ...]:
    """The failed tests a runner named in its output (at most ``_FAILED_TESTS_KEPT``)."""
    names: dict[str, None] = {}
    crate = ""
    unowned: list[str] = []  # libtest failures no crate was named for yet
    for match in _FAILED_TEST.finditer(data):
        if match.group(_CRATE) is not None:
            crate = match.group(_CRATE).decode("utf-8", "replace").replace("-", "_") + "::"
            continue
        if match.group(_RERUN) is not None:
            package = match.group(_RERUN).decode("utf-8", "replace").replace("-", "_") + "::"
            for name in unowned:
                del names[name]
                names[package + name] = None
            unowned.clear()
            continue
        name = next(g for g in match.groups() if g is not None).decode("utf-8", "replace")
        if name.isdigit():
            continue  # gtest's "[  FAILED  ] 2 tests, listed below:"
        if any(match.group(g) is not None for g in _LIBTEST):
            if not crate and name not in names:
                unowned.append(name)
            name = crate + name
        names[name] = None
        if len(names) == _FAILED_TESTS_KEPT:
            break
    return tuple(names)


def _proves_failure(found: _Found, trusted: bool) -> bool:
    """Whether a hit proves the step failed although its exit status says success."""
    sig = found.signature
    return sig.strong and (trusted or sig.priority >= TOOL or sig.despite_exit_zero)


def _runs_tests(command: str | None) -> bool:
    intent = shell_intent(command) if command else None
    return intent is not None and intent.runs_tests


def _rank(found: _Found) -> tuple[int, int]:
    return (found.signature.priority, found.hit.end if found.hit is not None else -1)


def _best_output(found: list[_Found]) -> _Found | None:
    outputs = [f for f in found if f.hit is not None]
    return max(outputs, key=_rank) if outputs else None


def _speaker(found: _Found, data: bytes) -> str:
    """Who says the hit's line: the ``prog`` of ``prog: message`` (lower-cased basename)."""
    if found.hit is None:
        return ""
    line = data[found.hit.start : found.hit.end].decode("utf-8", "replace").lstrip().lower()
    return _SPEAKER_END.split(line, maxsplit=1)[0].rsplit("/", 1)[-1]


def _speaks_for_step(found: _Found, data: bytes, command: Command) -> bool:
    """For a viewer command: is this line the viewer's or the shell's own complaint?"""
    if found.signature.priority >= TOOL or found.hit is None:
        return True
    programs = set(command.programs())
    if "git" in programs:
        programs |= _GIT_SPEAKERS
    return _speaker(found, data) in programs | _SHELLS


def _has_results(data: bytes, searchers: frozenset[str]) -> bool:
    prefixes = tuple(name.encode() + b":" for name in searchers)
    return any(line.strip() and not line.startswith(prefixes) for line in data.split(b"\n"))


# A value made invalid on purpose: it says so, or it is a dotted quad no address can be.
_PLANTED = re.compile(
    r"(?i)invalid|bogus|fake|wrong|nonexist|not[-_]?an?[-_]|^(?=(?:\d+\.){3}\d+$).*\b(?:25[6-9]|2[6-9]\d|[3-9]\d\d)\b"
)
_REJECTS = re.compile(r"(?i)\b(?:invalid|not a valid|malformed)\b")
_REJECTION_CHARS = 300


def _rejected_on_purpose(command: Command, output: str) -> bool:
    """A script of the agent's own rejecting, by name, a value it made invalid on purpose.

    ``./check_ip.sh 999.1.1.1`` answering ``Error: invalid address: 999.1.1.1`` is the
    agent testing that its input validation works: the script did what it was built to do.
    """
    stage = command.main_stage()
    text = output.strip()
    if stage is None or len(text) > _REJECTION_CHARS or "Traceback" in text:
        return False
    operands = stage.operands
    if not SCRIPT_FILE.search(stage.name):
        if not operands or not SCRIPT_FILE.search(operands[0]):
            return False  # neither `./x.sh v` nor `python x.py v`
        operands = operands[1:]
    return bool(_REJECTS.search(text)) and any(
        _PLANTED.search(value) and value in text for value in operands
    )


# The last line a program printed before it was killed, when it asks for input: a REPL or
# game prompt, a yes/no question, a password or a choice.
_PROMPT_LINE = re.compile(
    r"^(?:>|>>>|\.\.\.|\(pdb\)|\$|#|%)$"
    r"|[\[(](?:y/n|yes/no)[^\])]*[\])]\s*:?$"
    r"|\b(?:password|passphrase|username|enter|choose|select|input)\b[^\n]*[?:]$",
    re.I,
)
_HARNESS_TAIL = re.compile(r"^(?:\*\*exited due to timeout\*\*|\^c)$", re.I)


_PROMPT_TAIL = 400  # the last characters of an output a prompt can be read from


def _waits_for_input(output: str) -> bool:
    """Whether a program that ran out of time was sitting at a prompt, waiting for input."""
    body = (
        output.rsplit("<output>", 1)[-1].split("</output>", 1)[0]
        if "<output>" in output
        else output
    )
    for line in reversed(body[-_PROMPT_TAIL:].splitlines()):
        line = line.strip().rstrip("█▌_").strip()
        if not line or _HARNESS_TAIL.match(line):
            continue
        return bool(_PROMPT_LINE.search(line))
    return False


def _fallback(code: int | None, exit_failed: bool, output: str, error_text: str) -> Detection:
    message = tail(output) or error_text
    type_ = EXIT_CODE_TYPES.get(code) if code is not None else None
    if exit_failed and type_ is not None:
        return Detection(type_, category_of(type_), 0.6, message, False)
    if exit_failed:
        return Detection(UNEXPLAINED, category_of(UNEXPLAINED), 0.5, message, False)
    return Detection(UNCLASSIFIED, UNCLASSIFIED, 0.3, message, False)
