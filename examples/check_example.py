#!/usr/bin/python3
"""Runs one example program with --save into a fresh directory, then its NumPy twin with
--check on that directory (ctest runs this per example at small sizes).

  check_example.py PROGRAM TWIN.py SIZE [--steps K]"""
import subprocess
import sys
import tempfile


def main():
    program, twin, *rest = sys.argv[1:]
    with tempfile.TemporaryDirectory(prefix="tandem-example-") as d:
        subprocess.run([program, *rest, "--save", d], check=True)
        return subprocess.run([sys.executable, twin, *rest, "--check", d]).returncode


if __name__ == "__main__":
    sys.exit(main())
