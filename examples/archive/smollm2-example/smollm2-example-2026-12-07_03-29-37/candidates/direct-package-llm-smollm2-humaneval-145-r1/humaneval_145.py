def order_by_points(nums):
    """
    Write a function that sorts the given list of integers in ascending order
    based on the sum of their digits.
    """
    nums.sort()
    return nums
