"""A caller's own query text (JQL, CQL) as one group that the tool's filters can bound.

Filters are ANDed with the caller's query as `(query) AND filter`. That holds only if the query
cannot close the group itself: `project = OPS) or (project = MOB` would otherwise turn the
filters into one side of an OR. `group()` checks that parentheses balance outside quoted
strings and refuses the text if not.
"""

from __future__ import annotations

from .errors import InvalidInput


def group(text: str, argument: str) -> str:
    """`(text)`, or a clear error when the text's parentheses or quotes do not balance."""
    depth, quote, escaped = 0, "", False
    for ch in text:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
            continue
        if ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                break
    if quote or depth != 0:
        problem = "a quoted string is not closed" if quote else "its parentheses do not balance"
        raise InvalidInput(
            f"{argument} cannot be used: {problem}. Give one complete query (every '(' closed, every quote "
            "closed); the other filters are ANDed with it."
        )
    return f"({text})"
