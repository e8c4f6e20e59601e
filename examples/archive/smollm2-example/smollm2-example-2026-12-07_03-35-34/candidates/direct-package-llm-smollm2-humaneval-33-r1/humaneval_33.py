def sort_third(l: list) -> list:
    """This function takes a list l and returns a list l' such that
    l' is identical to l in the indicies that are not divisible by three,
    while its values at the indicies that are divisible by three are equal to the values of the corresponding
    indicies of l, but sorted."""
