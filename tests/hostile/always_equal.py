"""Hostile candidate: every function returns values that compare equal to anything."""


class Anything:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __hash__(self):
        return 0

    def __iter__(self):
        return iter([Anything(), Anything()])

    def __len__(self):
        return 2

    def __getattr__(self, name):
        return Anything()

    def __getitem__(self, key):
        return Anything()

    def utcoffset(self):
        return Anything()


class EqualList(list):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


class EqualDict(dict):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __contains__(self, key):
        return True

    def __getitem__(self, key):
        return Anything()


class DeploymentEvent(Anything):
    def __init__(self, **kwargs):
        pass


def parse_events(records):
    return EqualList([Anything() for _ in range(3)])


def merge_windows(windows):
    return EqualList([Anything(), Anything(), Anything()])


def build_report(events):
    return EqualDict()
