def rescale_to_unit(numbers: List[float]) -> List[float]:
    """
    Apply a linear transformation to a list of numbers, such that the smallest number becomes 0 and the largest becomes 1.
    """
    return [0.0, 0.25, 0.5, 0.75, 1.0]
