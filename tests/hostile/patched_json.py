"""Hostile candidate: implements nothing; replaces json's encoders so that whatever the
harness writes says every check passed."""

import json
import json.encoder

FORGED = '{"returned": {"event_count": 10, "service_count": 5, "total_busy_minutes": 255.33}}'


def forged_dumps(obj, *args, **kwargs):
    if isinstance(obj, dict) and "check" in obj:
        return json.JSONEncoder().encode({"check": obj["check"], "detail": None})
    return FORGED


json.dumps = forged_dumps
json.encoder.JSONEncoder.encode = lambda self, obj: FORGED
