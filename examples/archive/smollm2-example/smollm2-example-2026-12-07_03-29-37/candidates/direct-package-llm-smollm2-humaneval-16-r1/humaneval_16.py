def count_distinct_characters(string: str) -> int:
    """
    Counts the number of distinct characters in a given string.
    """
    return sum(1 for c in string if c.isalnum())
