"""`kg` and `python -m kg`: `kg.cli.main`, and a Ctrl-C during its imports (about a second, before
any input is read or output written) ending on the same one line as a Ctrl-C during a build."""
import signal
import sys


def main() -> int:
    try:
        from .cli import main as cli_main
    except KeyboardInterrupt:
        print("kg: interrupted; no output file was half-written", file=sys.stderr)
        return 128 + signal.SIGINT
    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
