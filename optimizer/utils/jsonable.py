"""JSON the way every document of this package writes it: the schema version, numpy scalars as Python numbers,
non-finite floats as null (``docs/result.schema.json``)."""

from __future__ import annotations

import math

SCHEMA_VERSION = "1"


def json_ready(obj):
    """numpy scalars to Python, non-finite floats to None."""
    if isinstance(obj, dict):
        return {str(k): json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_ready(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
