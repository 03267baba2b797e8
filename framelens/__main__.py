"""`python -m framelens COMMAND ...`: the project-level commands.

    outlets   the outlet registry and its lean ratings   (framelens.outlets_cli)
    story     story files: drafting a new one             (analysis.story_cli)

Each command group lives in its own module with a `main(argv) -> int`; this file only routes
(by name, imported on use: `story draft` needs embeddings, which live in `analysis/`, and the
core package must not import `analysis/`).
"""

from __future__ import annotations

import importlib
import sys

from .cli import EXIT_USAGE

COMMANDS = {
    "outlets": ("framelens.outlets_cli", "the outlet registry and its lean ratings"),
    "story": ("analysis.story_cli", "story files: draft a new story from its coverage"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        if argv and argv[0] not in ("-h", "--help"):
            print(f"error: unknown command {argv[0]!r}", file=sys.stderr)
        print("usage: python -m framelens {" + ",".join(COMMANDS) + "} ...\n", file=sys.stderr)
        for name, (_, what) in COMMANDS.items():
            print(f"  {name:9s} {what}", file=sys.stderr)
        return 0 if argv[:1] in (["-h"], ["--help"]) else EXIT_USAGE
    module, _ = COMMANDS[argv[0]]
    return importlib.import_module(module).main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
