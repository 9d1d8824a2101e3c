"""Model API errors: provider exceptions on a model call, fixed by retrying."""

from __future__ import annotations

from rebound.demo.steps import ModelError, Scenario


def _model_error(
    name: str, type_: str, providers: str, error: ModelError, blocking: float = 1.0
) -> Scenario:
    return Scenario(
        name,
        "model_api",
        type_,
        error,
        blocking=blocking,
        providers=frozenset(providers.split()),
    )


SCENARIOS: tuple[Scenario, ...] = (
    _model_error(
        "openai_rate_limited",
        "llm_rate_limited",
        "openai",
        ModelError(
            "openai.RateLimitError",
            "Error code: 429 - {'error': {'message': 'Rate limit reached for {model} in "
            "organization org-4hTq2 on tokens per min (TPM): Limit 450000, Used 441210, "
            "Requested 18742. Please try again in 1.26s. Visit "
            "https://platform.openai.com/account/rate-limits to learn more.', 'type': 'tokens', "
            "'param': None, 'code': 'rate_limit_exceeded'}}",
            "chat.completions.create",
            2.0,
        ),
    ),
    _model_error(
        "anthropic_rate_limited",
        "llm_rate_limited",
        "anthropic",
        ModelError(
            "anthropic.RateLimitError",
            "Error code: 429 - {'type': 'error', 'error': {'type': 'rate_limit_error', "
            "'message': 'This request would exceed the rate limit for your organization of "
            "400,000 input tokens per minute. For details, refer to: "
            "https://docs.anthropic.com/en/api/rate-limits.'}}",
            "messages.create",
            20.0,
        ),
    ),
    _model_error(
        "gemini_resource_exhausted",
        "llm_rate_limited",
        "gcp.gemini",
        ModelError(
            "google.genai.errors.ClientError",
            "429 RESOURCE_EXHAUSTED. {'error': {'code': 429, 'message': 'Resource has been "
            "exhausted (e.g. check quota).', 'status': 'RESOURCE_EXHAUSTED'}}",
            "models.generate_content",
            30.0,
        ),
    ),
    _model_error(
        "dashscope_rate_limited",
        "llm_rate_limited",
        "dashscope",
        ModelError(
            "openai.RateLimitError",
            "Error code: 429 - {'error': {'message': 'Requests rate limit exceeded, please try "
            "again later.', 'type': 'limit_requests', 'param': None, 'code': 'limit_requests'}}",
            "chat.completions.create",
            10.0,
        ),
    ),
    _model_error(
        "anthropic_overloaded",
        "llm_provider_error",
        "anthropic",
        ModelError(
            "anthropic.InternalServerError",
            "Error code: 529 - {'type': 'error', 'error': {'type': 'overloaded_error', "
            "'message': 'Overloaded'}}",
            "messages.create",
            15.0,
        ),
    ),
    _model_error(
        "gemini_unavailable",
        "llm_provider_error",
        "gcp.gemini",
        ModelError(
            "google.genai.errors.ServerError",
            "503 UNAVAILABLE. {'error': {'code': 503, 'message': 'The model is overloaded. "
            "Please try again later.', 'status': 'UNAVAILABLE'}}",
            "models.generate_content",
            20.0,
        ),
    ),
    _model_error(
        "openai_timeout",
        "llm_timeout",
        "openai dashscope",
        ModelError("openai.APITimeoutError", "Request timed out.", "chat.completions.create", 5.0),
    ),
    _model_error(
        "openai_context_length",
        "llm_context_length_exceeded",
        "openai dashscope",
        ModelError(
            "openai.BadRequestError",
            "Error code: 400 - {'error': {'message': \"This model's maximum context length is "
            "131072 tokens. However, your messages resulted in 139811 tokens. Please reduce the "
            "length of the messages.\", 'type': 'invalid_request_error', 'param': 'messages', "
            "'code': 'context_length_exceeded'}}",
            "chat.completions.create",
            1.0,
        ),
    ),
)
