"""The error taxonomy (spec/taxonomy.md) as data: 11 categories, 93 types, plus ``unclassified``.

Type ids are a contract with metrics, dashboards and alerts: a shipped id never changes
meaning. Adding a type is adding a row here (and a signature and a test).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

UNCLASSIFIED = "unclassified"


@dataclass(frozen=True, slots=True)
class Category:
    """A taxonomy category: its id and its human title."""

    id: str
    title: str


@dataclass(frozen=True, slots=True)
class ErrorType:
    """A taxonomy type: its id, the id of its category and a short meaning."""

    id: str
    category: str
    meaning: str


_CATEGORY_ROWS: tuple[tuple[str, str], ...] = (
    ("cli_invocation", "CLI & Invocation"),
    ("network", "Network"),
    ("dependency_environment", "Dependencies & Environment"),
    ("filesystem", "Filesystem & Permissions"),
    ("code_runtime", "Runtime Exceptions & Crashes"),
    ("build_compile", "Syntax, Build & Compile"),
    ("test_verification", "Tests & Verification"),
    ("service_process", "Services & Processes"),
    ("resource_limits", "Resources & Timeouts"),
    ("agent_tooling", "Agent Tool Use"),
    ("model_api", "Model API"),
)

_TYPE_ROWS: tuple[tuple[str, str, str], ...] = (
    # cli_invocation
    ("command_not_found", "cli_invocation", "the program does not exist on PATH"),
    ("unknown_option_subcommand", "cli_invocation", "unrecognised flag or subcommand"),
    ("missing_required_argument", "cli_invocation", "a required argument/operand is missing"),
    ("invalid_argument_value", "cli_invocation", "an argument has a bad value or type"),
    ("shell_syntax_error", "cli_invocation", "the shell could not parse the command line"),
    (
        "interactive_prompt_blocked",
        "cli_invocation",
        "the command waited for input/TTY and hung or aborted",
    ),
    (
        "wrong_working_directory",
        "cli_invocation",
        "run from the wrong place / not a repo or project",
    ),
    ("git_operation_failed", "cli_invocation", "a git/VCS operation was refused"),
    ("nonzero_exit_unexplained", "cli_invocation", "non-zero exit with no recognisable message"),
    # network
    ("dns_resolution_failure", "network", "a host name could not be resolved"),
    ("connection_refused_unreachable", "network", "the host/port refused or was unreachable"),
    ("connection_timeout", "network", "a connect/read timed out on the network"),
    ("tls_certificate_error", "network", "TLS handshake or certificate verification failed"),
    ("http_client_error", "network", "an HTTP 4xx from a remote service (not an LLM API)"),
    ("http_server_error", "network", "an HTTP 5xx from a remote service (not an LLM API)"),
    ("proxy_or_firewall_blocked", "network", "egress blocked by proxy/firewall/sandbox policy"),
    ("download_failed", "network", "a fetch/download failed for another reason"),
    # dependency_environment
    (
        "externally_managed_environment",
        "dependency_environment",
        "pip refused to touch a system Python",
    ),
    ("module_not_found", "dependency_environment", "an import/require failed"),
    (
        "package_not_found_in_registry",
        "dependency_environment",
        "the package/version does not exist in the index",
    ),
    (
        "dependency_resolution_unsatisfied",
        "dependency_environment",
        "the resolver could not satisfy constraints",
    ),
    ("version_incompatible", "dependency_environment", "installed/required versions don't fit"),
    ("native_build_failed", "dependency_environment", "building a native extension/wheel failed"),
    (
        "package_manager_locked",
        "dependency_environment",
        "another process holds the package manager lock",
    ),
    (
        "virtualenv_misconfigured",
        "dependency_environment",
        "the wrong interpreter/environment is active",
    ),
    (
        "environment_variable_missing",
        "dependency_environment",
        "a required env var/config value is unset",
    ),
    (
        "toolchain_version_mismatch",
        "dependency_environment",
        "compiler/runtime version too old/new",
    ),
    (
        "shared_library_missing",
        "dependency_environment",
        "a system shared library is missing at load time",
    ),
    (
        "toolchain_component_missing",
        "dependency_environment",
        "a compiler/SDK/runtime or one of its components is not installed, "
        "reported by another tool",
    ),
    (
        "package_source_untrusted",
        "dependency_environment",
        "a package repository/signature/key could not be verified",
    ),
    # filesystem
    ("file_not_found", "filesystem", "a path does not exist"),
    ("permission_denied_execute", "filesystem", "a file is not executable"),
    ("permission_denied_access", "filesystem", "read/write/create refused"),
    ("path_type_mismatch", "filesystem", "file where a dir was expected or vice versa"),
    ("file_already_exists", "filesystem", "the target already exists"),
    ("disk_full", "filesystem", "no space left on the device"),
    ("read_only_filesystem", "filesystem", "the filesystem is read-only"),
    ("invalid_path_or_encoding", "filesystem", "bad path, too long, or undecodable file content"),
    # code_runtime
    ("attribute_error", "code_runtime", "attribute/method missing on an object"),
    ("type_error", "code_runtime", "wrong type in an operation or call"),
    ("value_error", "code_runtime", "right type, bad value"),
    ("key_or_index_error", "code_runtime", "missing key or out-of-range index"),
    ("name_error", "code_runtime", "undefined name/variable"),
    ("null_dereference", "code_runtime", "null/None used as an object"),
    ("recursion_or_stack_overflow", "code_runtime", "unbounded recursion / stack exhausted"),
    ("process_crash_segfault", "code_runtime", "the process died on a fatal signal"),
    ("uncaught_exception_other", "code_runtime", "any other uncaught exception or panic"),
    ("data_parse_error", "code_runtime", "input data could not be parsed"),
    # build_compile
    ("syntax_error", "build_compile", "source code does not parse"),
    ("indentation_error", "build_compile", "indentation is wrong"),
    ("compilation_error", "build_compile", "the compiler rejected the code"),
    ("linker_error", "build_compile", "linking failed"),
    (
        "missing_header_or_include",
        "build_compile",
        "a header/include/import path is missing at build time",
    ),
    ("build_tool_failure", "build_compile", "make/cmake/cargo/gradle/npm build failed otherwise"),
    ("type_check_error", "build_compile", "a static type checker failed"),
    ("lint_or_format_failure", "build_compile", "a linter/formatter check failed"),
    # test_verification
    ("test_assertion_failure", "test_verification", "tests ran and some failed"),
    (
        "test_collection_error",
        "test_verification",
        "the test runner could not collect/import tests",
    ),
    ("no_tests_ran", "test_verification", "the runner found nothing to run"),
    ("test_timeout", "test_verification", "a test exceeded its time limit"),
    ("output_mismatch", "test_verification", "produced output differs from the expected"),
    (
        "verification_check_failed",
        "test_verification",
        "the task's own check/grader rejected the result",
    ),
    # service_process
    ("service_manager_unavailable", "service_process", "systemd/service manager is not present"),
    ("port_already_in_use", "service_process", "a port is taken"),
    ("service_start_failed", "service_process", "a daemon/server failed to start or exited"),
    ("service_not_ready", "service_process", "talking to a service that is not up yet"),
    ("database_error", "service_process", "a database rejected a query or login"),
    ("container_runtime_unavailable", "service_process", "docker/podman daemon not reachable"),
    ("process_killed", "service_process", "the process was killed by a signal other than a crash"),
    ("config_invalid", "service_process", "a program rejected its configuration file"),
    # resource_limits
    ("command_timeout", "resource_limits", "the agent's command exceeded its time budget"),
    ("out_of_memory", "resource_limits", "memory exhausted"),
    ("process_limit_reached", "resource_limits", "cannot fork/too many processes or open files"),
    ("output_too_large", "resource_limits", "output was truncated/rejected for size"),
    ("external_rate_limited", "resource_limits", "a non-LLM external service throttled"),
    ("gpu_unavailable", "resource_limits", "accelerator missing or out of memory"),
    # agent_tooling
    ("tool_call_invalid_arguments", "agent_tooling", "the tool call's arguments failed validation"),
    ("unknown_tool", "agent_tooling", "the agent called a tool that does not exist"),
    ("edit_target_not_found", "agent_tooling", "an edit's search text was not found in the file"),
    ("edit_ambiguous_match", "agent_tooling", "an edit's search text matched several places"),
    ("patch_apply_failed", "agent_tooling", "a patch/diff could not be applied"),
    ("file_view_too_large", "agent_tooling", "a read/view tool refused a large file or range"),
    (
        "edit_rejected_by_validation",
        "agent_tooling",
        "the edit tool refused a change that failed its own check (lint, syntax)",
    ),
    ("malformed_tool_call", "agent_tooling", "the model emitted an unparsable action/tool call"),
    ("step_or_budget_limit", "agent_tooling", "the harness stopped the agent for steps/cost/time"),
    # model_api
    ("llm_rate_limited", "model_api", "the LLM provider throttled the request"),
    ("llm_context_length_exceeded", "model_api", "the prompt exceeded the context window"),
    ("llm_provider_error", "model_api", "provider 5xx/overloaded/unavailable"),
    ("llm_authentication_error", "model_api", "bad/missing API key or permission"),
    ("llm_content_refused", "model_api", "the model refused or was filtered"),
    ("llm_invalid_response", "model_api", "the response was empty, truncated or off-schema"),
    ("llm_timeout", "model_api", "the model call timed out client-side"),
    ("llm_bad_request", "model_api", "the provider rejected the request as malformed"),
)

CATEGORIES: Mapping[str, Category] = MappingProxyType(
    {cid: Category(cid, title) for cid, title in _CATEGORY_ROWS}
)
"""The 11 taxonomy categories by id, in the order of taxonomy.md."""

TYPES: Mapping[str, ErrorType] = MappingProxyType(
    {
        **{tid: ErrorType(tid, cid, meaning) for tid, cid, meaning in _TYPE_ROWS},
        UNCLASSIFIED: ErrorType(
            UNCLASSIFIED, UNCLASSIFIED, "an error no rule and no model could place"
        ),
    }
)
"""Every type by id: the 93 of taxonomy.md plus ``unclassified``."""

ALL_TYPES: tuple[str, ...] = tuple(TYPES)
"""Every type id, taxonomy.md order, ``unclassified`` last."""


def category_of(type_id: str) -> str:
    """The category id of ``type_id`` (``unclassified`` for itself); KeyError if unknown."""
    return TYPES[type_id].category
