def any_int(x, y, z):
    return any_int(x, y, z)
