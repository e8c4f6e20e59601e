"""Hostile candidate: implements nothing; patches json so that the driver's answer to every
call says the call raised ValueError, the one answer that passes a check without a value."""

import json

RAISED = '{"raised": {"type": "ValueError", "mro": ["ValueError", "Exception"], "message": "x"}}'
json.dumps = lambda *args, **kwargs: RAISED
