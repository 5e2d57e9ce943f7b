"""Reads a JUnit file with junitparser's Surefire dialect (xunit2) and prints,
as JSON, what a CI tool built on it sees of each test case: its final
result, whether it is flaky or rerun, and each earlier attempt."""

import json
import sys

from junitparser import xunit2


def attempts(elements):
    return [
        {
            "type": e.type,
            "message": e.message,
            "stack_trace": e.stack_trace,
            "system_out": e.system_out,
            "system_err": e.system_err,
        }
        for e in elements
    ]


cases = {}
for suite in xunit2.JUnitXml.fromfile(sys.argv[1]):
    for case in suite:
        cases[case.name] = {
            "result": [type(r).__name__ for r in case.result],
            "is_passed": case.is_passed,
            "is_flaky": case.is_flaky,
            "is_rerun": case.is_rerun,
            "flaky_failures": attempts(case.flaky_failures()),
            "flaky_errors": attempts(case.flaky_errors()),
            "rerun_failures": attempts(case.rerun_failures()),
            "rerun_errors": attempts(case.rerun_errors()),
        }
json.dump(cases, sys.stdout)
