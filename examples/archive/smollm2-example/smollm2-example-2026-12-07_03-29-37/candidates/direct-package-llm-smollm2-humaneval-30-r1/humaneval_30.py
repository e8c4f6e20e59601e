def get_positive(l: list) -> list[int]:
    """Return only positive numbers in the list."""
    return [x for x in range(0, max(l)) if x > 0]
