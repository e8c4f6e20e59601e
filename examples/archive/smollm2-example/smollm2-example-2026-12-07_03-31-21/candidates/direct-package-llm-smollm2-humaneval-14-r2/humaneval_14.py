def all_prefixes(string: str) -> List[str]:
    """Return list of all prefixes from shortest to longest of the input string
    >>> all_prefixes('abc')
    ['a', 'ab', 'abc']
    """
    return [prefixes(s) for prefix in string if len(prefixes) > max(max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max(prefix, max
