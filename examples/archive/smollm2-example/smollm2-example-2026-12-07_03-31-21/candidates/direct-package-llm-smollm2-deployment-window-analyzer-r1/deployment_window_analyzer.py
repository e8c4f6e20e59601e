import json

def deployment_window_analyzer(top_n, max_event_count=None):
    if not isinstance(top_n, int) or top_n <= 0:
        raise ValueError("top_n must be a non-negative integer")
    if not isinstance(max_event_count, int) or max_event_count <= 0:
        raise ValueError("max_event_count must be a non-negative integer")
    if top_n <= max_event_count:
        raise ValueError("top_n must be a non-negative integer")
    if max_event_count is None or max_event_count <= 0:
        raise ValueError("max_event_count must be a non-negative integer")
    if top_n <= max_event_count:
        raise ValueError("top_n must be a non-negative integer")
    return json.dumps({"event_count": max_event_count, "service_count": max_event_count})

def build_report(events):
    return json.dumps({"event_count": max_event_count, "service_count": max_event_count})

def main():
    top_n = 2
    max_event_count = 10
    print(f"Server: {top_n} - {max_event_count} - {build_report(top_n, max_event_count)}")

if __name__ ==
