"""The features an environment can take into its catalog.

An interface kind that needs one says so with `feature = "<key>"` on its class; kinds without a
feature (the file imports) are always available.
"""

FEATURES = {
    "imp_planner": "IMP Planner",
    "cin7": "Integration Cin7 Core",
}


def feature_label(key):
    return FEATURES.get(key, key)
