"""A failing test's report that pytest can always draw (loaded by tests/conftest.py).

CPython 3.11 keeps one AST constructor state per interpreter. A parse that starts while another is being
built (on another thread, or from a finalizer the garbage collector runs in the middle of it) leaves that
state off balance, and the first parse fails with ``SystemError: AST constructor recursion depth
mismatch``. pytest parses the source files of a failure's traceback to draw it, so an unlucky failure
crashed pytest itself (INTERNALERROR) and its reason never reached CI's log. The report is drawn again,
and if that fails too, as plain text that parses nothing.
"""

from __future__ import annotations

import linecache
import traceback

import pytest

AST_MISMATCH = "AST constructor recursion depth mismatch"


def _is_mismatch(exc: BaseException) -> bool:
    return isinstance(exc, SystemError) and AST_MISMATCH in str(exc)


def plain_traceback(exc: BaseException, start_in: str | None = None) -> str:
    """The exception, then its traceback as Python prints it less the caret lines (which Python 3.11
    draws by parsing); frames before the first one in ``start_in`` (the test's file: pytest's own) are cut."""
    frames = traceback.extract_tb(exc.__traceback__)
    first = next((i for i, f in enumerate(frames) if f.filename == start_in), 0)
    lines = [
        f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}",
        "",
        "Traceback (most recent call last):",
    ]
    for frame in frames[first:]:
        lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
        source = linecache.getline(frame.filename, frame.lineno or 0).strip()
        if source:
            lines.append(f"    {source}")
    return "\n".join(lines)


def plain_report(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    excinfo = call.excinfo
    text = plain_traceback(excinfo.value, str(item.path)) if excinfo is not None else "(no exception)"
    return pytest.TestReport(
        nodeid=item.nodeid,
        location=item.location,
        keywords=dict.fromkeys(item.keywords, 1),
        outcome="failed",
        longrepr=f"{text}\n\n(drawn as plain text: pytest's own report hit CPython's {AST_MISMATCH!r})",
        when=call.when,
        sections=[
            (f"Captured {key} {call.when}", content)
            for _, key, content in getattr(item, "_report_sections", [])
        ],
        duration=call.duration,
        start=call.start,
        stop=call.stop,
        user_properties=item.user_properties,
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    try:
        return (yield)
    except SystemError as exc:
        if not _is_mismatch(exc):
            raise
    try:
        return pytest.TestReport.from_item_and_call(item, call)
    except SystemError as exc:
        if not _is_mismatch(exc):
            raise
    return plain_report(item, call)
