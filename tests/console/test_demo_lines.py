"""`make demo` ends with the console URL of each run it made (workflows/local/demo.py's last lines)."""
from __future__ import annotations

from types import SimpleNamespace

from rich.console import Console

from workflows.local.demo import Report, _console_links, _offer_console


def test_demo_prints_the_console_url_of_each_run() -> None:
    stack = SimpleNamespace(url="http://127.0.0.1:4599", console_url="http://127.0.0.1:4599/console/")
    report = Report(executions=[("migrate_user L-100",
                                 "arn:aws:states:us-east-1:123456789012:execution:migrate_user:migrate-L-100")])
    links = _console_links(stack, report)
    assert links == {"migrate_user L-100": "http://127.0.0.1:4599/console/executions/arn%3Aaws%3Astates%3Aus-east-1"
                                           "%3A123456789012%3Aexecution%3Amigrate_user%3Amigrate-L-100"}
    out = Console(record=True, width=300)
    _offer_console(out, stack, links, serve=False)  # not serving: says the stack stopped and how to keep it
    text = out.export_text()
    assert "Step Functions console: http://127.0.0.1:4599/console/" in text
    assert links["migrate_user L-100"] in text and "workflows demo --serve" in text
