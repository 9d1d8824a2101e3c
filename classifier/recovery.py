"""Recovery and fatality: a pure function of a run's ordered steps and its outcome.

An error is recovered (and says why, ``Resolution.reason``) when a later step with the
same intent succeeds (``same_intent``), when a later step reaches the same effect another
way (``same_effect``, see ``effects``), when a later step of the same program succeeds
for error types where the target was the mistake (a bad flag, a wrong path), or when a
later attempt at the same intent gets past it and fails further on (``progress``: the
missing header is found, now the link fails). A run that passes recovers nothing by
itself: a goal the agent abandoned stays unrecovered (``not_reached``).

Some routes to a goal differ from the failed command by more than its words: a reworded
retry that failed the same way at once is recovered where the retry is; a program that
hung is recovered by a script the agent wrote to drive it; a search by a later search for
one of its alternatives or for a phrase naming its term; an inline snippet by the very
next snippet over the same modules; and, once the run is over, a helper script of the
agent's own that timed out and was dropped by a later passing run of the project's tests.

Fatal are the errors the run ended on, in a failed or aborted run: its last tool step
when that step failed and was never fixed, and when that step is the harness stopping
the agent (a step/cost budget, a timeout), also the blocker right before it: the last
unrecovered error before the stop that the agent kept hitting or that came right before
it. Of a repeated failure only the last occurrence counts. A run whose agent ended it by
submitting its work went past its errors; a run of unknown outcome has nothing fatal.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import replace

from rebound.classifier.commands import SCRIPT_FILE, heredoc_script
from rebound.classifier.effects import LOCATE
from rebound.classifier.intent import Intent
from rebound.classifier.records import Resolution, StepRecord
from rebound.classifier.taxonomy import category_of

# Error types where a later success of the same program (any target/flags) shows the
# agent found what it was after: the mistake was in the arguments, not the goal.
COARSE_TYPES = frozenset(
    {
        "unknown_option_subcommand",
        "missing_required_argument",
        "invalid_argument_value",
        "file_not_found",
        "path_type_mismatch",
        "wrong_working_directory",
        "shell_syntax_error",
        "edit_target_not_found",
        "edit_ambiguous_match",
        "file_view_too_large",
        "tool_call_invalid_arguments",
        "malformed_tool_call",
        "interactive_prompt_blocked",
        "llm_rate_limited",
        "llm_timeout",
        "llm_provider_error",
        "llm_context_length_exceeded",
        "git_operation_failed",
    }
)
# Test runs: passing a narrower selection later does not fix a failing suite, so these
# need the same target (or the same effect) to count as recovered.
STRICT_TYPES = frozenset(
    {
        "test_assertion_failure",
        "test_collection_error",
        "no_tests_ran",
        "test_timeout",
        "output_mismatch",
        "verification_check_failed",
    }
)
# Error types about the form of the call, not its goal: a later successful step of the
# same kind (a well-formed call of a real tool) shows the agent got back on track.
ANY_STEP_TYPES = frozenset({"malformed_tool_call", "unknown_tool"})
# Harness actions that end a run: they succeed, but are no sign of getting back on track
# (matched in the tool name, and as the start of the program).
_META = ("submit", "exit")
_META_IN_TOOL = re.compile("|".join(_META))
_SUBMIT = re.compile(r"\s*(?:\w+:)?submit\b|\s*echo\s+\W?COMPLETE_TASK_AND_SUBMIT", re.I)
# The harness stopping the agent: the error that ended the run, and what it was stuck on.
TIMEOUT = "command_timeout"
STOP_TYPES = frozenset({"step_or_budget_limit", TIMEOUT})
OUTCOMES_FATAL = frozenset({"failed", "aborted"})
ACTION_LIMIT = 200
# Where a later failure of the same intent with another type means the attempt got past
# the error (a build, dependency, environment or filesystem problem fixed, the next one
# showing up); and which later failures say nothing about getting further.
PROGRESS_CATEGORIES = frozenset({"build_compile", "dependency_environment", "filesystem"})
PROGRESS_TYPES = frozenset({"test_collection_error", "no_tests_ran"})
NO_PROGRESS_CATEGORIES = frozenset({"agent_tooling", "resource_limits", "model_api"})
NO_PROGRESS_TYPES = frozenset(
    {"command_not_found", "shell_syntax_error", "unknown_option_subcommand", "unclassified"}
    | {"nonzero_exit_unexplained", "wrong_working_directory", "process_killed"}
)
# Errors that never block a run by themselves: the harness cut an output, a tool call was
# malformed in a way the next call fixes.
SOFT_TYPES = frozenset(
    {"output_too_large", "file_view_too_large", "edit_target_not_found", "edit_ambiguous_match"}
    | {"edit_rejected_by_validation", "tool_call_invalid_arguments", "unknown_tool"}
    | {"patch_apply_failed"}
)
# Errors saying the state a command was after already holds.
GOAL_HELD = {
    "file_not_found": frozenset({"rm", "rmdir", "unlink"}),
    "file_already_exists": frozenset({"mkdir", "ln", "git-init"}),
}
# A runner that found or collected nothing is fixed by any later run that ran tests.
RUNNER_TYPES = frozenset({"no_tests_ran", "test_collection_error"})
# A program that hung: a script of the agent's that drives it may get it done.
DRIVEN_TYPES = frozenset({"command_timeout", "interactive_prompt_blocked"})
TESTS_RAN = ("t", "tests ran")
SAME_INTENT = "same_intent"
SAME_EFFECT = "same_effect"
PROGRESS = "progress"
NOT_REACHED = "not_reached"


class SuccessIndex:
    """Positions of successful steps per match key, for 'first success after i' queries.

    Built from a run's steps; a live run keeps it current by ``append``-ing each step
    that lands at the end, so recovery checks need not rebuild it.
    """

    def __init__(self, steps: Sequence[StepRecord] = ()) -> None:
        self._at: dict[Hashable, list[int]] = defaultdict(list)
        self.size = 0
        for step in steps:
            self.append(step)

    def append(self, step: StepRecord) -> None:
        """Index ``step`` as the step at position ``size``."""
        if step.succeeded and step.intent is not None:
            for key in _keys(step):
                self._at[key].append(self.size)
        self.size += 1

    def first_after(self, key: Hashable, i: int) -> int | None:
        where = self._at.get(key)
        if not where:
            return None
        j = bisect_right(where, i)
        return where[j] if j < len(where) else None

    def all_after(self, key: Hashable, i: int) -> list[int]:
        """Every position after ``i`` indexed under ``key``, in order."""
        where = self._at.get(key, [])
        return where[bisect_right(where, i) :]


def _keys(step: StepRecord) -> list[Hashable]:
    intent = step.intent
    assert intent is not None
    keys: list[Hashable] = [("k", intent.key), ("c", intent.coarse), ("s", intent.strict)]
    if not _META_IN_TOOL.search(step.tool or "") and not intent.program.startswith(_META):
        keys.append(("a", step.kind))
    effect = step.effect
    if effect is not None:
        keys.append(("e", effect))
        if effect[0] == "search":
            keys.append(("e", LOCATE))  # a search also lists files
            keys += _sought(effect[1])
    if intent.runs_tests:
        keys.append(TESTS_RAN)
    return keys


_ALTERNATIVES = re.compile(r"\\?\|")
_WORD = re.compile(r"[a-z0-9_]{4,}")


def _sought(term: str) -> list[Hashable]:
    """What a search looks for, beyond its exact term: the name in each of its alternatives
    (its longest word), so ``rg "target_count|ld2450"`` and ``grep "ld2450"`` seek one
    thing, as do ``rg "Foo"`` and ``grep 'class Foo'``."""
    keys: list[Hashable] = []
    for alternative in _ALTERNATIVES.split(term):
        words = _WORD.findall(alternative)
        if words:
            keys.append(("e", ("sought", max(words, key=len))))
    return keys


def _error_keys(step: StepRecord) -> list[tuple[Hashable, str]]:
    """What a later success must share to recover this error, and the reason it gives."""
    intent, error = step.intent, step.error
    if intent is None or error is None:
        return []
    keys: list[tuple[Hashable, str]] = [
        (("s", intent.strict) if error.type in STRICT_TYPES else ("k", intent.key), SAME_INTENT)
    ]
    stop = error.type in STOP_TYPES
    untargeted = intent.target is None and intent.program != "build"
    if error.type in COARSE_TYPES or (untargeted and error.type not in STRICT_TYPES):
        keys.append((("c", intent.coarse), SAME_INTENT))
    elif stop and intent.program == "build":
        keys.append((("c", intent.coarse), SAME_INTENT))  # an incremental build resumes
    if step.effect is not None and not stop:
        keys.append((("e", step.effect), SAME_EFFECT))
        if step.effect[0] == "search":
            keys += [(key, SAME_EFFECT) for key in _sought(step.effect[1])]
    if error.type in ANY_STEP_TYPES:
        keys.append((("a", step.kind), SAME_INTENT))
    elif _goal_held(step):
        keys.append((("a", step.kind), SAME_EFFECT))
    if error.type in RUNNER_TYPES:
        keys.append((TESTS_RAN, SAME_EFFECT))
    return keys


def _goal_held(step: StepRecord) -> bool:
    """A removal of what is not there, a creation of what exists: the goal already holds."""
    intent, error = step.intent, step.error
    assert intent is not None and error is not None
    wanted = GOAL_HELD.get(error.type)
    return wanted is not None and intent.program in wanted


def _action(step: StepRecord) -> str:
    text = (step.command or step.tool or step.kind)[: ACTION_LIMIT * 4].strip()
    return text if len(text) <= ACTION_LIMIT else text[: ACTION_LIMIT - 1] + "…"


def _may_progress(type_: str) -> bool:
    return category_of(type_) in PROGRESS_CATEGORIES or type_ in PROGRESS_TYPES


def _further_on(type_: str, later: str) -> bool:
    """Whether a later failure of ``later`` type shows the ``type_`` error was got past.

    Further on means a later phase (set-up, compile, link, run), or, while still setting
    up, another missing piece once this one was found.
    """
    if later == type_ or later in NO_PROGRESS_TYPES:
        return False
    if category_of(later) in NO_PROGRESS_CATEGORIES:
        return False
    before, after = _phase(type_), _phase(later)
    return after > before or after == before == SETUP


SETUP, COMPILE, LINK, RUN = range(4)
_PHASES = {
    "dependency_environment": SETUP,
    "filesystem": SETUP,
    "cli_invocation": SETUP,
    "network": SETUP,
    "build_compile": COMPILE,
    "code_runtime": RUN,
    "test_verification": RUN,
    "service_process": RUN,
}


def _phase(type_: str) -> int:
    if type_ == "linker_error":
        return LINK
    if type_ in RUNNER_TYPES:
        return COMPILE  # the runner could not start or collect: before any test ran
    return _PHASES.get(category_of(type_), SETUP)


def find_recoveries(
    steps: Sequence[StepRecord], index: SuccessIndex | None = None, progress: bool = True
) -> dict[int, Resolution]:
    """Errors that a later step already fixed: ``{error position: Resolution}``.

    ``index``, when given, must be ``SuccessIndex(steps)`` (kept current by the caller).
    ``progress=False`` looks only for later successes (what a live run checks on each
    success; a later failure that got further is read once the run closes).
    """
    if index is None:
        index = SuccessIndex(steps)
    found: dict[int, Resolution] = {}
    failures: dict[Hashable, list[int]] | None = None
    for i, step in enumerate(steps):
        error = step.error
        if error is None:
            continue
        best: tuple[int, str] | None = None
        for key, why in _error_keys(step):
            j = index.first_after(key, i)
            if j is not None and (best is None or j < best[0]):
                best = (j, why)
        if progress and step.intent is not None and _may_progress(error.type):
            if failures is None:
                failures = _failures(steps)
            group: Hashable = TESTS_RAN if error.type in RUNNER_TYPES else step.intent.key
            for j in failures.get(group, ()):
                if j > i and (best is None or j < best[0]):
                    later = steps[j].error
                    if later is not None and _further_on(error.type, later.type):
                        best = (j, PROGRESS)
                        break
        if best is None and error.failed_tests and step.intent is not None:
            j = _failed_tests_passed(steps, i, index)
            best = None if j is None else (j, SAME_INTENT)
        if best is None and error.type in DRIVEN_TYPES:
            best = _driven_by_script(steps, i)
        if best is None:
            best = _reworded_snippet(steps, i)
        if best is not None:
            j, reason = best
            found[i] = Resolution("recovered", False, j, _action(steps[j]), reason)
    _carry_back(steps, found)
    return found


def _carry_back(steps: Sequence[StepRecord], found: dict[int, Resolution]) -> None:
    """An attempt the agent reworded and tried again at once, failing the same way, is
    recovered where the retry is: it was one goal (``find … -o …`` too long, then
    ``find \\( … \\)`` too long, then written to a file and paged)."""
    after: int | None = None  # the next failed tool step, while no success came between
    for i in range(len(steps) - 1, -1, -1):
        step = steps[i]
        if step.kind != "tool":
            continue
        if step.error is None:
            after = None
            continue
        if after is not None and i not in found and after in found:
            later = steps[after]
            assert later.error is not None
            if (
                later.error.type == step.error.type
                and step.intent is not None
                and not step.intent.runs_tests  # what a test run ran: _failed_tests_passed
                and later.intent is not None
                and later.intent.coarse == step.intent.coarse
            ):
                found[i] = found[after]
        after = i


def _driven_by_script(steps: Sequence[StepRecord], i: int) -> tuple[int, str] | None:
    """A program that hung (waiting for input, or past the time limit), later run by a
    script the agent wrote to drive it (``echo "move N" | ./game.sh`` inside
    ``explore.py``): the later successful run of that script reached the same effect."""
    intent = steps[i].intent
    if intent is None or intent.target is not None or not SCRIPT_FILE.search(intent.program):
        return None  # only a program run by its path (`./game.sh`) is driven this way
    runs = re.compile(r"(?<![\w.-])\.?/(?:[\w.-]+/)*" + re.escape(intent.program) + r"\b")
    written: set[str] = set()
    for j in range(i + 1, len(steps)):
        step = steps[j]
        if step.error is not None or step.intent is None:
            continue
        wrote = heredoc_script(step.command)
        if wrote is not None and runs.search(wrote[1]):
            written.add(wrote[0])
        elif _script_run(step.intent) in written:
            return j, SAME_EFFECT
    return None


_IMPORTS = re.compile(r"(?:^|[;\n])\s*(?:import|from)\s+([\w.]+)")


def _reworded_snippet(steps: Sequence[StepRecord], i: int) -> tuple[int, str] | None:
    """An inline snippet (``python -c``) that failed, and the very next tool step a working
    snippet of the same interpreter over the same modules: the same look at them, reworded
    (``print(m.__version__)`` failing, ``print(dir(m))`` next)."""
    intent = steps[i].intent
    modules = _snippet_modules(intent)
    if not modules or intent is None:
        return None
    for j in range(i + 1, len(steps)):
        later = steps[j]
        if later.kind != "tool":
            continue
        same = later.intent is not None and later.intent.program == intent.program
        if same and later.succeeded and _snippet_modules(later.intent) == modules:
            return j, SAME_INTENT
        return None
    return None


def _snippet_modules(intent: Intent | None) -> frozenset[str]:
    """The top-level modules an inline ``-c`` snippet imports (empty when it is no snippet)."""
    target = intent.target if intent is not None else None
    if not target or not target.startswith("-c:"):
        return frozenset()
    return frozenset(m.split(".")[0] for m in _IMPORTS.findall(target[3:]))


def _abandoned_helper(steps: Sequence[StepRecord], i: int, index: SuccessIndex) -> int | None:
    """A script the agent wrote for this run that timed out and was never run again,
    before a later test run passed: the helper was a means, and its end was reached
    another way (the map written by hand, the tests green). Rules see only the route;
    the resolution carries low confidence for the judge."""
    step = steps[i]
    intent, error = step.intent, step.error
    if intent is None or error is None or error.type != TIMEOUT:
        return None
    script = _script_run(intent)
    if script is None:
        return None
    written = _written_scripts(steps)
    if not any(k < i and name == script for k, name in written):
        return None
    if any(s.intent is not None and _script_run(s.intent) == script for s in steps[i + 1 :]):
        return None  # run again: the ordinary rules decide
    for j in index.all_after(TESTS_RAN, i):
        ran = steps[j].intent
        own = _script_run(ran) if ran is not None else None
        if ran is not None and not any(k < j and name == own for k, name in written):
            return j  # the project's own tests, not another script of the agent's
    return None


def _written_scripts(steps: Sequence[StepRecord]) -> list[tuple[int, str]]:
    """``(position, script name)`` of every step that wrote a script with a heredoc."""
    return [(k, w[0]) for k, s in enumerate(steps) if (w := heredoc_script(s.command))]


def _script_run(intent: Intent) -> str | None:
    """The script file a step runs (``python3 x.py``, ``./x.sh``), by its base name."""
    for word in (intent.target, intent.program):
        if word and SCRIPT_FILE.search(word):
            return word.rsplit("/", 1)[-1]
    return None


# What a test filter names: the value of --gtest_filter=, -k, --filter, FullyQualifiedName~…
_FILTER_PREFIX = re.compile(r"^(?:--gtest_filter=|--filter=?|-k|FullyQualifiedName[~=]|Name[~=])")
_FILTER_SPLIT = re.compile(r"[:|,&*\s()]+")


def _failed_tests_passed(steps: Sequence[StepRecord], i: int, index: SuccessIndex) -> int | None:
    """A later passing run of the same test program that ran every test that failed.

    The suite's goal is reached when the tests it failed on pass: a narrower run counts
    only when its filter names them all (``--gtest_filter=*Parser*`` after Parser tests
    failed); a run that skips or excludes only other things (``--exclude other_crate``)
    still ran them; a run that skips one of them never counts.
    """
    step = steps[i]
    failed = step.error.failed_tests  # type: ignore[union-attr]
    for j in index.all_after(("c", step.intent.coarse), i):  # type: ignore[union-attr]
        later = steps[j].intent
        if later is not None and later.runs_tests and _ran_all(later.selection, failed):
            return j
    return None


# Flags whose value a run leaves out (a test, a crate, a path), and flags that narrow a run
# to one kind of target without naming tests.
_LEAVES_OUT = ("--skip", "--exclude", "--deselect", "--ignore")
_NARROWS = frozenset(
    {"--lib", "--bins", "--bin", "--doc", "--examples", "--example", "--benches", "--bench"}
)


def _ran_all(selection: tuple[str, ...], failed: tuple[str, ...]) -> bool:
    left_out: list[str] = []
    terms: set[str] = set()
    value_of: str | None = None
    for raw in selection:
        word = raw.strip("'\"")
        if value_of is not None:
            left_out.append(word.lower())
            value_of = None
            continue
        flag = next((f for f in _LEAVES_OUT if word == f or word.startswith(f + "=")), None)
        if flag is not None:
            if word == flag:
                value_of = flag
            else:
                left_out.append(word[len(flag) + 1 :].lower())
            continue
        if word in _NARROWS:
            return False
        terms |= {
            term
            for term in _FILTER_SPLIT.split(_FILTER_PREFIX.sub("", word))
            if len(term) >= 3 and not term.startswith("-")
        }
    names = [name.lower().replace("-", "_") for name in failed]
    left_out = [out.replace("-", "_") for out in left_out]
    if any(out and out in name for out in left_out for name in names):
        return False  # one of the failed tests was skipped, or its crate excluded
    if not terms:
        return bool(left_out)  # the suite again, less what never failed
    return all(any(term in name for term in terms) for name in failed)


def _failures(steps: Sequence[StepRecord]) -> dict[Hashable, list[int]]:
    """Positions of failed steps per intent key, in order."""
    at: dict[Hashable, list[int]] = defaultdict(list)
    for j, step in enumerate(steps):
        if step.error is not None and step.intent is not None:
            at[step.intent.key].append(j)
            if step.intent.runs_tests:
                at[TESTS_RAN].append(j)
    return at


def resolve_run(
    steps: Sequence[StepRecord], outcome: str, index: SuccessIndex | None = None
) -> dict[int, Resolution]:
    """Final status of every error of a closed run, keyed by its position in ``steps``."""
    if index is None:
        index = SuccessIndex(steps)
    result = find_recoveries(steps, index)
    for i, step in enumerate(steps):
        if step.error is not None and i not in result:
            j = _abandoned_helper(steps, i, index)
            if j is not None:
                result[i] = Resolution("recovered", False, j, _action(steps[j]), SAME_EFFECT)
                continue
            result[i] = Resolution(
                "unrecovered", reason=NOT_REACHED, substitute=_substitute(step, i, index)
            )
    if outcome in OUTCOMES_FATAL:
        for i in _fatal(steps, result):
            result[i] = replace(result[i], fatal=True)
    return result


def _substitute(step: StepRecord, i: int, index: SuccessIndex) -> bool:
    """Whether a later success of the same program (another script, another selection of
    tests) may have reached the goal another way: rules cannot know, a judge can."""
    intent = step.intent
    if intent is None or step.kind != "tool":
        return False
    return index.first_after(("c", intent.coarse), i) is not None


def _fatal(steps: Sequence[StepRecord], result: dict[int, Resolution]) -> list[int]:
    """Positions of the errors a failed run ended on (see the module docstring)."""
    last = _last_step(steps)
    if last is None:
        return []
    left = [j for j in range(last + 1) if result.get(j, _DONE).status == "unrecovered"]
    if _submits(steps[last]):
        # the agent handed in its work: it went past its errors, unless a final timeout
        # cut off the work the run needed
        final = left[-1:]
        return [j for j in final if steps[j].error.type == TIMEOUT]  # type: ignore[union-attr]
    if steps[last].error is None or result[last].status != "unrecovered":
        # the agent stopped without submitting: the run ended on its last open failure
        blocking = [j for j in left if steps[j].error.type not in SOFT_TYPES]  # type: ignore[union-attr]
        return blocking[-1:]
    terminal = steps[last].error
    assert terminal is not None
    chain = last
    for j in range(last - 1, -1, -1):
        step = steps[j]
        if step.kind != "tool":
            continue
        if step.error is None or step.error.type != terminal.type:
            break
        chain = j
    before = [
        j
        for j in left
        if j < chain
        and steps[j].kind == "tool"
        and steps[j].error.type not in SOFT_TYPES  # type: ignore[union-attr]
        and steps[j].error.type != terminal.type  # type: ignore[union-attr]
        and not (steps[j].intent is not None and steps[j].intent.probe)  # type: ignore[union-attr]
    ]
    return [last, *_blocker(steps, before, chain, terminal.type)]


def _blocker(steps: Sequence[StepRecord], before: list[int], chain: int, stop: str) -> list[int]:
    """The error a harness stop cut the run off on: right before a final timeout, or,
    before a budget stop, the last failure the agent kept hitting or that came just before."""
    if stop not in STOP_TYPES or not before:
        return []
    if stop == TIMEOUT or _no_success_between(steps, before[-1], chain):
        return before[-1:]
    seen = Counter(steps[j].error.type for j in before)  # type: ignore[union-attr]
    repeated = [j for j in before if seen[steps[j].error.type] > 1]  # type: ignore[union-attr]
    return repeated[-1:]


_DONE = Resolution("recovered")


def _submits(step: StepRecord) -> bool:
    """Whether a step is the agent handing in its work (a harness submit action)."""
    return bool(_SUBMIT.search(step.tool or "") or _SUBMIT.match(step.command or ""))


def _no_success_between(steps: Sequence[StepRecord], i: int, j: int) -> bool:
    return all(s.kind != "tool" or s.error is not None for s in steps[i + 1 : j])


def _last_step(steps: Sequence[StepRecord]) -> int | None:
    """The step a run ended on: its last tool step, or a failed model call after it."""
    for j in range(len(steps) - 1, -1, -1):
        step = steps[j]
        if step.kind == "tool" or (step.kind == "llm" and step.error is not None):
            return j
    return None


def stuck_repeats(steps: Sequence[StepRecord], i: int) -> int:
    """How many times in a row (ending at ``i``) the same intent failed with the same type."""
    step = steps[i]
    if step.error is None or step.intent is None:
        return 0
    count = 0
    for j in range(i, -1, -1):
        other = steps[j]
        if other.kind != step.kind or other.intent is None:
            continue
        if other.intent.key != step.intent.key:
            break
        if other.error is None or other.error.type != step.error.type:
            break
        count += 1
    return count
