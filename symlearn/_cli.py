"""The ``symlearn`` command: a bundled demo, and the estimators on a user's own data files.

``symlearn`` alone (or ``symlearn demo``) runs the bundled demo;
``symlearn fit | describe | predict | score`` work on data files. Results go
to standard output, progress and errors to standard error. Every error ends
in one line ``symlearn <command>: error: ...`` and a non-zero exit status
(2 for a wrong command line, 130 for an interrupt, 1 otherwise);
``--verbose`` also prints the traceback.
"""

import argparse
import difflib
import os
import sys
import traceback

from . import _cli_demo
from ._cli_commands import COMMANDS

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _verbose(parser):
    parser.add_argument(
        "--verbose", action="store_true", help="on an error, also print the traceback"
    )


def _parser():
    parser = _Parser(
        prog="symlearn",
        description="Discover the symmetries of a data set. Without a command, runs the "
        "bundled demo (see `symlearn demo --help`).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    demo = commands.add_parser(
        "demo",
        help="discover the symmetry of a bundled data set (the default)",
        description="Make a data set with a known symmetry, discover the symmetry with "
        "symlearn and print the discovered generators and scores.",
    )
    _cli_demo.add_arguments(demo)
    _verbose(demo)
    demo.set_defaults(run=_cli_demo.run)
    for name, (summary, add_arguments, run) in COMMANDS.items():
        command = commands.add_parser(
            name, help=summary, description=summary[0].upper() + summary[1:] + "."
        )
        add_arguments(command)
        _verbose(command)
        command.set_defaults(run=run)
    return parser


def _one_line(error):
    text = " ".join(str(error).split())
    if isinstance(error, (ValueError, TypeError, OSError, ImportError)) and text:
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def main(argv=None):
    """Entry point of the ``symlearn`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {"demo", *COMMANDS}
    if argv and not argv[0].startswith("-") and argv[0] not in commands:
        close = difflib.get_close_matches(argv[0], sorted(commands), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        print(
            f"symlearn: error: unknown command {argv[0]!r}{hint} (the commands are "
            f"{', '.join(sorted(commands))}; see `symlearn --help`)",
            file=sys.stderr,
        )
        return 2
    if not argv or argv[0] not in {*commands, "-h", "--help"}:
        argv = ["demo", *argv]
    try:
        args = _parser().parse_args(argv)
    except SystemExit as done:  # --help, or a command line that does not parse
        return done.code
    prog = f"symlearn {args.command}"
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of standard output went away (`symlearn predict ... | head`).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:  # noqa: BLE001 - every failure ends in one line, not a traceback
        if args.verbose:
            traceback.print_exc()
        print(f"{prog}: error: {_one_line(error)}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
