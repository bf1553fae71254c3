"""Prompt files from ``prompts/`` (the ``verslagqa.prompts`` package), loaded by name.

A prompt file has ``[system]`` and ``[user]`` sections; placeholders are ``{name}``. Rendering
fails loudly on a missing or an unknown placeholder instead of sending a half-filled prompt.
"""

from __future__ import annotations

import re
import string
from functools import cache
from importlib import resources
from pathlib import Path

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from .errors import VerslagQAError

__all__ = ["Prompt", "PromptError", "load_prompt"]


class PromptError(VerslagQAError, ValueError):
    """A prompt file is missing, malformed, or rendered with the wrong variables."""


def _prompt_dir() -> Path:
    repo = Path(__file__).resolve().parent.parent / "prompts"
    if repo.is_dir():
        return repo
    return Path(str(resources.files("verslagqa.prompts")))


class Prompt:
    def __init__(self, name: str, sections: dict[str, str]) -> None:
        self.name = name
        self.sections = sections
        self.fields = sorted(
            {
                field
                for text in sections.values()
                for _, field, _, _ in string.Formatter().parse(text)
                if field is not None
            }
        )

    def render(self, **values: str) -> list[BaseMessage]:
        """System and user messages with every placeholder filled."""
        missing = sorted(set(self.fields) - set(values))
        unknown = sorted(set(values) - set(self.fields))
        if missing or unknown:
            raise PromptError(
                f"prompt {self.name!r}: missing placeholders {missing}, unknown {unknown}"
            )
        messages: list[BaseMessage] = []
        if "system" in self.sections:
            messages.append(SystemMessage(self.sections["system"].format(**values)))
        messages.append(HumanMessage(self.sections["user"].format(**values)))
        return messages


@cache
def load_prompt(name: str) -> Prompt:
    """The prompt ``prompts/<name>.txt``."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise PromptError(f"invalid prompt name {name!r}")
    path = _prompt_dir() / f"{name}.txt"
    if not path.exists():
        raise PromptError(f"no prompt file {path}")
    sections: dict[str, str] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        m = re.fullmatch(r"\[(system|user)\]\s*", line)
        if m:
            current = m.group(1)
            sections[current] = ""
        elif current:
            sections[current] += line
        elif line.strip() and not line.startswith("#"):
            raise PromptError(f"{path}: text before the first [system]/[user] section")
    if "user" not in sections:
        raise PromptError(f"{path}: no [user] section")
    return Prompt(name, {k: v.strip() + "\n" for k, v in sections.items()})
