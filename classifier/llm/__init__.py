"""The model tier: an LLM labels what the rules leave, within a budget and a deadline."""

from classifier.llm.settings import LlmSettings
from classifier.llm.tier import ModelTier

__all__ = ["LlmSettings", "ModelTier"]
