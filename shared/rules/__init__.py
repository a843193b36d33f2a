"""Rules that watch a connector's data, alert their owner and follow up (see docs/rules.md).

The engine is shared and knows no connector: a connector declares a `RuleSource` (its conditions
and actions) on its `Connector(rules=...)`; the engine stores rules, matches, actions done and
deliveries in the vault's database (`store.py`), runs what is due as each rule's owner
(`engine.py`) under a lease (`lease.py`), and alerts by e-mail, Slack or Teams (`channels.py`).
"""

from .model import ALERT, Done, Found, Item, Owner, Rule, RuleSource, age_words

__all__ = ["ALERT", "Done", "Found", "Item", "Owner", "Rule", "RuleSource", "age_words"]
