"""Greetings, installed from git (a VCS requirement)."""
__version__ = "1.0.0"


def greet(who: str) -> str:
    return f"hi from {who}, via a git dependency"
