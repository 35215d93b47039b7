"""The API's JSON parser, with a limit on nesting.

Python's decoder recurses once per level: a body nested 5,000 levels deep ended in a
RecursionError and a 500. No request of this API nests deeper than a few levels, so
anything past ``MAX_JSON_DEPTH`` is refused as a parse error (400) before a serializer sees it.
"""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32


def json_depth_exceeds(data, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether parsed JSON nests deeper than ``limit`` (iterative: no recursion to overflow)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class DepthLimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            data = None
            too_deep = True
        else:
            too_deep = json_depth_exceeds(data)
        if too_deep:
            raise ParseError(f"JSON nested too deeply (more than {MAX_JSON_DEPTH} levels).")
        return data
