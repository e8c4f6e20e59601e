def double_the_difference(lst):
    return sum(abs(num**2) for num in lst if isinstance(num, (int, float)))
