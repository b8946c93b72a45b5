"""Alerts: rules in TOML, evaluated over the store, stored, de-duplicated and delivered.

rules.py     load_rules: the TOML file into `Rule`s and `Delivery`s
evaluate.py  evaluate: the rules over the posts, new alerts stored; list_alerts, acknowledge
deliver.py   deliver: log/stdout, webhook (signed JSON POST with retries), e-mail (SMTP)
watch.py     Watcher / watch: evaluate as posts arrive, with the arrival-to-alert delay
"""

from voxpop.alerts.deliver import deliver
from voxpop.alerts.evaluate import Alert, acknowledge, evaluate, list_alerts
from voxpop.alerts.rules import CONDITIONS, Delivery, Rule, RuleSet, load_rules, parse_rules
from voxpop.alerts.watch import Watcher, watch

__all__ = [
    "CONDITIONS",
    "Alert",
    "Delivery",
    "Rule",
    "RuleSet",
    "Watcher",
    "acknowledge",
    "deliver",
    "evaluate",
    "list_alerts",
    "load_rules",
    "parse_rules",
    "watch",
]
