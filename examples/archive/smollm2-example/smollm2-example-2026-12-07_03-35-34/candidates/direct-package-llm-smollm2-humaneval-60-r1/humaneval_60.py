def sum_to_n(n: int) -> int:
    """sum_to_n is a function that sums numbers from 1 to n."""
    return n * (n + 1) // 2
