"""Signals of the Features catalog.

`feature_disabled` is sent, inside the transaction that turns a feature off (or removes an enabled
feature from the catalog), with `tenant`, `feature` (its key, e.g. "cin7"), `reason` and `user`
(None for the system). The Scheduler connects to it to pause the scheduled tasks of the feature's
interface kinds with that reason; a receiver that raises rolls the change back.
"""

from django.dispatch import Signal

feature_disabled = Signal()
