"""``auditor parse``: owned by the parsing work (issue 2); placeholder until it lands."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    raise NotImplementedError
