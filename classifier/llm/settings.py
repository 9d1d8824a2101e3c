"""Settings of the model tier (the ``llm`` section of the one settings model)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class LlmSettings(BaseModel):
    """An OpenAI-compatible chat-completions endpoint and the limits on its use."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(False, description="label what the rules leave with an LLM")
    base_url: str = Field("http://127.0.0.1:8000/v1", description="chat-completions base URL")
    api_key: SecretStr | None = Field(None, description="API key, if the endpoint needs one")
    model: str = Field("gpt-4o-mini", description="model name sent with every request")
    timeout_seconds: float = Field(10.0, gt=0, description="one HTTP call's time limit")
    max_retries: int = Field(3, ge=0, le=6, description="retries on 429/5xx/timeouts")
    concurrency: int = Field(4, ge=1, le=64, description="calls in flight at once")
    queue_size: int = Field(1000, ge=1, description="errors waiting for a label; more → fallback")
    calls_per_minute: int = Field(60, ge=1, description="call budget per minute")
    tokens_per_minute: int = Field(60_000, ge=100, description="token budget per minute")
    deadline_seconds: float = Field(30.0, gt=0, description="longest wait for a label")
    cache_size: int = Field(10_000, ge=0, description="labels kept by error fingerprint")
    max_prompt_chars: int = Field(4000, ge=500, description="agent text sent per error")
    max_output_tokens: int = Field(200, ge=50, description="answer size limit")
    judge_recovery: bool = Field(
        True, description="ask the model whether an unsettled error was recovered from"
    )
    judge_min_confidence: float = Field(
        0.6, ge=0.0, le=1.0, description="least confidence for a judged recovery to count"
    )
